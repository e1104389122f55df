"""R-ANS-HANGUP-LAST for a callback whose customer never answered, rebuilt from CEL: the agent's
side giving up is the agent's, whichever of the originated Local pair's HANGUPs CEL logs first.
``RECORDED`` holds the CEL the real Asterisk wrote for `test_backfill_fidelity`'s unanswered callback
(agent 8002's side hangs up after 3 s, its hangupsource ``dialplan/builtin``; the originated half's
Dial of the customer is cancelled, dialstatus CANCEL). Their two HANGUPs, 0.9 ms apart, came in the
other order once in a loaded suite: the backfill then said the system had hung up, the live
listener the agent."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ami_listener.backfill import events_for_call
from ami_listener.builder import build_call
from ami_listener.pipeline import default_members
from hotline.asterisk_logs import CEL_COLUMNS
from hotline.rules import ring_rule
from hotline.vocabulary import Disposition, HangupParty
from tests.ami_listener.replay import replay_settings

# the rows of the one call, as Asterisk wrote them to Master.csv
RECORDED = Path(__file__).parent / "cel" / "callback_agent_gives_up.csv"
ONE, TWO = "Local/8002@agents-00000001;1", "Local/8002@agents-00000001;2"


def _cel(**hangup_at: float) -> list[dict[str, str]]:
    """The recorded rows, with the HANGUP (and CHAN_END) of ``ONE`` / ``TWO`` moved to the times given."""
    text = RECORDED.read_text(encoding="utf-8")
    rows = [dict(zip(CEL_COLUMNS, r, strict=True)) for r in csv.reader(io.StringIO(text))]
    for r in rows:
        at = hangup_at.get({ONE: "one", TWO: "two"}.get(r["channame"], ""))
        if at is not None and r["eventtype"] in ("HANGUP", "CHAN_END"):
            r["eventtime"] = f"{at:.6f}"
    return sorted(rows, key=lambda r: (r["eventtype"] == "LINKEDID_END", float(r["eventtime"])))


def _hung_up_first(rows: list[dict[str, str]]) -> HangupParty | None:
    s = replay_settings()
    members = default_members(s)
    rec = build_call(rows[0]["linkedid"], events_for_call(rows, {}, members), server="b", rules=ring_rule(s),
                     members=members)
    assert (rec.disposition, rec.dialed) == (Disposition.NO_ANSWER, "13900000042")
    return rec.hangup_first


def test_the_agents_side_giving_up_is_the_agents_in_either_order() -> None:
    assert _hung_up_first(_cel()) == HangupParty.AGENT  # as recorded: the agent's side first
    # the suite's order: the originated half's HANGUP logged first
    assert _hung_up_first(_cel(one=1796547424.959912, two=1796547424.960825)) == HangupParty.AGENT


def test_a_dial_that_ran_out_is_the_systems() -> None:
    # the customer's ring timed out: the originated half's Dial ended by itself, before its twin
    rows = _cel(one=1796547424.959912, two=1796547424.960825)
    for r in rows:
        if r["eventtype"] == "HANGUP" and r["channame"] in (ONE, TWO):
            r["extra"] = r["extra"].replace("CANCEL", "NOANSWER").replace("dialplan/builtin", "")
    assert _hung_up_first(rows) == HangupParty.SYSTEM
