"""The backfill (CEL → events → the one builder) gives a phone's own call the direction the live
listener gives it (Direction.INTERNAL, issue #12), and a caller's call through the same phones
stays inbound. CEL keeps no OriginateResponse: an Originate of an agent's phone reads there as the
phone's own call (README, "AMI listener")."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from ami_listener import backfill
from ami_listener.backfill import events_for_call
from ami_listener.builder import build_call
from ami_listener.pipeline import default_members
from ami_listener.record import CallRecord
from hotline.asterisk_logs import CEL_COLUMNS
from hotline.rules import ring_rule
from tests.ami_listener.replay import replay_settings

T0 = 1_796_470_710.0


def _row(kind: str, dt: float, lid: str, uid: str, chan: str, num: str, exten: str, **kw: str) -> dict[str, str]:
    row = dict.fromkeys(CEL_COLUMNS, "")
    row.update(eventtype=kind, eventtime=f"{T0 + dt:.6f}", linkedid=lid, uniqueid=uid, channame=chan, cid_num=num,
               cid_name=num, exten=exten, context="phones", **kw)
    return row


def _phone_to_phone(lid: str, caller: str, caller_num: str, dialled: str,
                    target: str = "PJSIP/8002-00000009") -> list[dict[str, str]]:
    """``caller`` dials 500… or 8002 with Dial(PJSIP/8002) (or ``target``): it answers after 1 s, talks 3 s."""
    tuid = f"{lid}.2"
    bridge = '{"bridge_id":"b-1"}'
    return [
        _row("CHAN_START", 0.0, lid, lid, caller, caller_num, dialled),
        _row("APP_START", 0.01, lid, lid, caller, caller_num, dialled, appname="Dial",
             appdata=f"{target.rsplit('-', 1)[0]},20"),
        _row("CHAN_START", 0.02, lid, tuid, target, "8002", "s"),
        _row("ANSWER", 1.0, lid, tuid, target, "8002", "s"),
        _row("ANSWER", 1.01, lid, lid, caller, caller_num, dialled),
        _row("BRIDGE_ENTER", 1.02, lid, tuid, target, "8002", "s", extra=bridge),
        _row("BRIDGE_ENTER", 1.03, lid, lid, caller, caller_num, dialled, extra=bridge),
        _row("BRIDGE_EXIT", 4.0, lid, tuid, target, "8002", "s", extra=bridge),
        _row("HANGUP", 4.01, lid, tuid, target, "8002", "s", extra=f'{{"hangupcause":16,"hangupsource":"{target}"}}'),
        _row("BRIDGE_EXIT", 4.02, lid, lid, caller, caller_num, dialled, extra=bridge),
        _row("HANGUP", 4.03, lid, lid, caller, caller_num, dialled, extra='{"hangupcause":16}'),
        _row("LINKEDID_END", 4.04, lid, lid, caller, caller_num, dialled),
    ]


def _backfilled(rows: list[dict[str, str]]) -> str:
    s = replay_settings()
    members = default_members(s)
    rec = build_call(rows[0]["linkedid"], events_for_call(rows, {}, members), server="b", rules=ring_rule(s),
                     members=members)
    assert not rec.incomplete
    return rec.direction


def test_a_backfilled_call_claims_no_hold_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CEL logs no hold: a backfilled call's holds are unknown, not the 0 its Hold-less events give."""
    rows = _phone_to_phone("1796470710.60", "PJSIP/trunk-00000006", "13600000003", "500")
    cel = tmp_path / "Master.csv"
    with cel.open("w", newline="") as f:
        csv.writer(f).writerows([[r[k] for k in CEL_COLUMNS] for r in rows])
    (tmp_path / "queue_log").write_text("")
    built: list[CallRecord] = []

    def answered(*args: Any, **kw: Any) -> CallRecord:
        rec = build_call(*args, **kw)
        rec.holds, rec.hold_seconds = 0, 0.0  # what an answered call without Hold events is built with
        built.append(rec)
        return rec
    monkeypatch.setattr(backfill, "build_call", answered)
    s = replay_settings()
    (rec,) = backfill.backfill_calls(cel, tmp_path / "queue_log", T0, T0 + 60, server="b", rules=ring_rule(s),
                                     members=default_members(s), skip=set())
    assert built and rec.vars["HOTLINE_SOURCE"] == "backfill"
    assert rec.holds is None and rec.hold_seconds is None


def test_a_phones_own_call_backfills_as_internal() -> None:
    assert _backfilled(_phone_to_phone("1796470710.37", "PJSIP/8001-00000003", "8001", "8002")) == "internal"


def test_a_callers_call_to_the_same_phone_backfills_as_inbound() -> None:
    assert _backfilled(_phone_to_phone("1796470710.40", "PJSIP/trunk-00000004", "13600000003", "500")) == "inbound"


def test_a_phones_own_call_out_through_a_trunk_backfills_as_outbound() -> None:
    """CEL keeps the phone channel's first extension (CHAN_START's exten): a number that is no
    internal one (internal_number_pattern) is the phone dialling out, as live."""
    trunk = "Local/13900000009@trunk-00000001;1"
    assert _backfilled(_phone_to_phone("1796470710.50", "PJSIP/8001-00000005", "8001", "13900000009",
                                       target=trunk)) == "outbound"
