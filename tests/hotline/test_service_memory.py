"""hotline.service_memory (#17): one start call sets a service's malloc policy from its settings and
starts the diagnostics under its name; a bad arena cap is a settings error naming the setting."""

from __future__ import annotations

from typing import Any

import pytest

from hotline import heap_snapshots, malloc_policy, memory_facts, service_memory
from hotline.settings import Settings, SettingsError


def test_start_sets_the_policy_from_the_settings_then_the_diagnostics(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, Any]] = []
    monkeypatch.setattr(malloc_policy, "start", lambda kb, arenas: calls.append(("policy", (kb, arenas))))
    monkeypatch.setattr(heap_snapshots, "start", lambda name: calls.append(("snapshots", name)))
    monkeypatch.setattr(memory_facts, "start_log", lambda name: calls.append(("facts", name)))
    service_memory.start("panel", Settings(malloc_mmap_threshold_kb=256, malloc_arena_max=2))
    assert calls == [("policy", (256, 2)), ("snapshots", "panel"), ("facts", "panel")]


def test_a_negative_arena_cap_is_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []
    monkeypatch.setattr(heap_snapshots, "start", started.append)
    with pytest.raises(SettingsError, match=r"'malloc_arena_max'.*>= 0.*got -3"):
        service_memory.start("ivr", Settings(malloc_arena_max=-3))
    assert started == []
