"""R-ANS-HOURS: out of hours nobody is queued for; what was asked is promised a callback in words
that fit it — 0 (人工服务) or no choice a person's callback after opening (R-MISSED-CALLBACK), a
consultation or a complaint their own. Against a scripted AGI peer (no Asterisk); on the real
Asterisk: tests/ivr/test_out_of_hours_calls.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ivr.fakepeer import PeerResult, PeerScript, run_peer
from tests.ivr.test_server import drain, serving

NIGHT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai (staffed 08:00–22:00)


@pytest.fixture
def night(tmp_path: Path) -> Iterator[tuple[Any, Any, Any]]:
    with serving(tmp_path, at=NIGHT, ivr_db_timeout_s=2.0) as got:
        yield got


def call(served: tuple[Any, Any, Any], keys: list[str], listens: tuple[str, ...] = ()) -> PeerResult:
    s, th, _ = served
    script = PeerScript(caller="13800000171", keys=keys, linkedid="night-1", listens=listens)
    res = asyncio.run(run_peer(s.agi_host, s.agi_port, script, uniqueid="17200.1"))
    drain(th)
    return res


def promised(res: PeerResult) -> list[str]:
    """The Playbacks (the callback's promise is one: CEL keeps it)."""
    return [c.split('"')[3] for c in res.commands if c.startswith('EXEC "Playback"')]


@pytest.mark.parametrize(("keys", "listens", "heard", "menu"), [
    # 0 over the greeting: the hours were not heard, so they come first
    (["0"], (), "hotline/out_of_hours&hotline/agent_callback", "agent"),
    # the notice heard to the end, then 0 in the menu: the promise alone
    (["0"], ("hotline/welcome", "hotline/out_of_hours"), "hotline/agent_callback", "agent"),
    # no key at all: a person calls back too
    (["", "", ""], ("hotline/welcome", "hotline/out_of_hours"), "hotline/agent_callback", "none"),
])
def test_an_agent_asked_for_out_of_hours_is_promised_a_callback_after_opening(
        night: Any, keys: list[str], listens: tuple[str, ...], heard: str, menu: str) -> None:
    res = call(night, keys, listens)
    assert promised(res) == [heard]
    v = res.variables
    assert (v["HOTLINE_MENU"], v["HOTLINE_CALLBACK"], v["HOTLINE_NEXT"]) == (menu, "1", "hangup")
    assert 'STREAM FILE "hotline/consult_callback"' not in " ".join(res.commands)


@pytest.mark.parametrize(("key", "heard"), [("2", "hotline/consult_callback"), ("3", "hotline/complaint_received")])
def test_a_named_matter_keeps_its_own_promise(night: Any, key: str, heard: str) -> None:
    res = call(night, [key], ("hotline/welcome", "hotline/out_of_hours"))
    assert promised(res) == [heard]


def test_the_promises_are_for_the_matters_the_core_makes_cases_of() -> None:
    """The IVR's promise and the record's follow-up split the matters alike: a named matter's own
    words for a case (hotline.cases.intake), a person's callback for a missed call's task."""
    from hotline.callbacks.tasks import NAMED_CALLBACK_MATTERS
    from ivr.flow import CALLBACK_PROMISES

    assert set(CALLBACK_PROMISES) == set(NAMED_CALLBACK_MATTERS)
