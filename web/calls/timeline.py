"""A call's story for the inspector: IVR keys, queue entry, every ring attempt, answer,
transfers and consultations given up, who hung up — in time order, as plain data (the template escapes it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _

from hotline.models import Call
from hotline.vocabulary import CONSULTATION_GIVEN_UP


@dataclass
class Step:
    at: datetime | None
    what: str  # a message id the template translates
    detail: dict[str, Any]


def _parse(at: Any) -> datetime | None:
    if isinstance(at, (int, float)):
        return datetime.fromtimestamp(at, tz=UTC)
    if isinstance(at, str):
        try:
            dt = datetime.fromisoformat(at)
        except ValueError:
            return None
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return None


def timeline(c: Call) -> list[Step]:
    steps: list[Step] = []
    if c.started_at:
        steps.append(Step(c.started_at, "call_started", {"number": c.caller_number, "name": c.caller_name,
                                                          "dialed": c.dialed}))
    path = (c.ivr or {}).get("path") if isinstance(c.ivr, dict) else None
    for item in path or []:
        if isinstance(item, dict):
            steps.append(Step(_parse(item.get("at")), "ivr", {"step": str(item.get("step", "")),
                                                             "digits": str(item.get("digits") or ""),
                                                             "result": str(item.get("result") or "")}))
    if c.queued_at:
        steps.append(Step(c.queued_at, "queued", {"queue": c.queue}))
    for a in c.attempts:
        steps.append(Step(a.rang_at, "ring", {"agent": a.agent, "seconds": a.ring_seconds, "result": a.result}))
    if c.answered_at:
        steps.append(Step(c.answered_at, "answered", {"agent": c.agent, "wait": c.wait_seconds,
                                                      "within_4_rings": c.within_4_rings}))
    for t in c.transfers or []:
        if isinstance(t, dict) and t.get("result") == CONSULTATION_GIVEN_UP:
            # an agent consulted someone and went back to the caller: no transfer (咨询后取消)
            steps.append(Step(_parse(t.get("at")), "consultation_given_up",
                              {"agent": str(t.get("from_agent") or ""), "to": str(t.get("to") or "")}))
        elif isinstance(t, dict):
            steps.append(Step(_parse(t.get("at")), "transfer",
                              {k: str(v) for k, v in t.items() if k != "at"}))
        else:
            steps.append(Step(None, "transfer", {"to": str(t)}))
    if c.ended_at:
        steps.append(Step(c.ended_at, "ended", {"hangup_first": c.hangup_first, "disposition": c.disposition,
                                                "talk": c.talk_seconds}))
    # stable sort: steps without a time keep their place after the previous timed one
    last = datetime.min.replace(tzinfo=UTC)
    keyed = []
    for i, st in enumerate(steps):
        last = st.at or last
        keyed.append((last, i, st))
    return [st for _, _, st in sorted(keyed, key=lambda k: (k[0], k[1]))]


def ivr_step(step: str) -> str:
    """An IVR step of the trace (ivr/flow.py's step names) in the page's language; an unknown one
    as it is (the template escapes it)."""
    names = {"greeting": _("greeting"), "outage": _("outage notice"), "out_of_hours": _("out of hours"),
             "menu": _("main menu"), "queue": _("to the agents"), "callback": _("callback offered"),
             "fault.contact": _("fault: contact number"), "fault.account": _("fault: account"),
             "fault.area": _("fault: area"), "fault.type": _("fault: type"), "fault.confirm": _("fault: confirm"),
             "fault.ticket": _("fault: ticket"), "fault.describe": _("fault: description"),
             "survey": _("satisfaction survey")}
    return names.get(step, step)


def ivr_result(result: str) -> str:
    names = {"ok": _("done"), "timeout": _("no key in time"), "invalid": _("wrong key")}
    return names.get(result, result)
