"""A long-running service's memory, set up with one call before it starts a thread (#17): glibc's
malloc policy (``hotline.malloc_policy``: the mmap threshold, the arena cap, the trim every minute)
and the two diagnostics a soak turns on from the environment, off by default — heap snapshots
(``HOTLINE_TRACEMALLOC``, ``hotline.heap_snapshots``) and the memory-facts log
(``HOTLINE_MEMORY_LOG``, ``hotline.memory_facts``). The listener, the IVR, the panel and the
scheduler call :func:`start`."""

from __future__ import annotations

from hotline import heap_snapshots, malloc_policy, memory_facts
from hotline.settings import Settings, SettingsError


def start(service: str, s: Settings) -> None:
    """The malloc policy from ``s``, then the diagnostics under ``service``'s name ("listener",
    "ivr", "panel", "scheduler": the name in their files). A setting glibc cannot take as given is a
    SettingsError (the command says it and exits 2)."""
    try:
        malloc_policy.start(s.malloc_mmap_threshold_kb, s.malloc_arena_max)
    except ValueError as exc:
        raise SettingsError(f"setting 'malloc_arena_max': {exc}") from exc
    heap_snapshots.start(service)
    memory_facts.start_log(service)
