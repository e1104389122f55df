"""The re-sync's reading of the calls' HOTLINE_* facts (``ami_listener.resync_facts``): after a
listener reconnect the pop rebuilt has the IVR's path only from the caller's channel (Getvar), read
on the listener's worker — so a caller gone meanwhile must not cost the other calls theirs, and
the reading must stop at its budget rather than hold the events back (the rebuilt pop itself:
``test_live_legs``)."""

from __future__ import annotations

from typing import cast

from ami_listener.live_legs import QUEUE_CALLER
from ami_listener.resync_facts import FACTS, read
from hotline.chanvars import ChanVar
from hotline.pbx.ami import Ami, AmiError


class _Pbx:
    """Getvar answers from ``vars`` (channel → variable → value); any other channel is gone. Each
    answer moves the clock on by ``step_s``."""

    def __init__(self, vars_: dict[str, dict[str, str]], step_s: float = 0.0) -> None:
        self.vars, self.step_s, self.now = vars_, step_s, 0.0
        self.asked: list[str] = []

    def clock(self) -> float:
        return self.now

    def action(self, name: str, **fields: str) -> dict[str, str]:
        assert name == "Getvar" and fields["Variable"] in FACTS
        self.now += self.step_s
        self.asked.append(fields["Channel"])
        if fields["Channel"] not in self.vars:
            raise AmiError("AMI action Getvar: No such channel")
        return {"Variable": fields["Variable"], "Value": self.vars[fields["Channel"]].get(fields["Variable"], "")}


def _queued(*calls: tuple[str, str]) -> list[dict[str, str]]:
    """CoreShowChannels rows: each (Linkedid, channel) a caller's channel the queue holds."""
    return [{"Channel": chan, "Linkedid": lid, "Application": QUEUE_CALLER} for lid, chan in calls]


def test_a_caller_gone_since_the_listing_costs_the_other_calls_nothing() -> None:
    pbx = _Pbx({"PJSIP/trunk-2": {ChanVar.MENU: "2", ChanVar.VIP: "1"}})
    facts = read(cast(Ami, pbx), _queued(("call-1", "PJSIP/trunk-1"), ("call-2", "PJSIP/trunk-2")), clock=pbx.clock)
    assert facts == {"call-2": {ChanVar.MENU: "2", ChanVar.VIP: "1"}}  # the unset ones left out


def test_the_reading_stops_at_its_budget_and_keeps_no_call_half_read() -> None:
    """1 s a Getvar, a budget of one call and a half: the first call's facts, none of the second's
    (a pop says the IVR's path whole or not at all), the third's not asked."""
    pbx = _Pbx({c: {ChanVar.MENU: "1"} for c in ("c1", "c2", "c3")}, step_s=1.0)
    rows = _queued(("l1", "c1"), ("l2", "c2"), ("l3", "c3"))
    facts = read(cast(Ami, pbx), rows, budget_s=1.5 * len(FACTS), clock=pbx.clock)
    assert facts == {"l1": {ChanVar.MENU: "1"}}
    assert "c3" not in pbx.asked and len(pbx.asked) < 2 * len(FACTS)
