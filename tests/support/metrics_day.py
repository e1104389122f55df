"""The hand-counted day of calls the metrics tests assert on (tests/hotline/metrics for the
definitions, tests/web for the pages, API and CSV that show them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hotline import metrics
from hotline.chanvars import ChanVar
from hotline.models import Call, QaGrade, User
from hotline.settings import Settings
from hotline.timeutil import utcnow
from tests.web.factory import make_call


def _base(s: Any) -> datetime:
    start, _ = metrics.period("day", s)
    return max(utcnow() - timedelta(minutes=30), start + timedelta(minutes=1))


def hand_counted_day(db: Session, s: Settings) -> dict[str, Call]:
    """Today's calls (and QA grades by the panel user "insp"), counted by hand in the tests:
    A answered, B abandoned, T timeout, I IVR only, O outbound."""
    t = _base(s)

    def m(n: int) -> datetime:
        return t + timedelta(minutes=n)

    c = {}
    c["A1"] = make_call(db, at=m(0), agent="8001", number="111", wait=5, talk=60, survey=1)
    c["B1"] = make_call(db, at=m(1), disposition="abandoned", number="222", wait=3)  # short abandon
    c["B2"] = make_call(db, at=m(2), disposition="abandoned", number="111", wait=40)  # after answered A1: not a repeat
    c["A3"] = make_call(db, at=m(3), agent="8002", number="222", wait=15, talk=30,  # repeat of abandoned B1
                        attempts=[("8001", 3, "no_answer"), ("8002", 12, "answered")])
    c["A2"] = make_call(db, at=m(4), agent="8001", number="333", wait=25, talk=120, hangup_first="agent",
                        survey=2, vars={ChanVar.FAULT_TICKET: "F1"})
    c["A5"] = make_call(db, at=m(5), agent="8002", number="333", wait=30, talk=45,  # repeat: A2 left a ticket
                        vars={ChanVar.LATE_APOLOGY: "1"})
    c["T1"] = make_call(db, at=m(6), disposition="timeout", number="444", wait=300)
    c["I1"] = make_call(db, at=m(7), disposition="ivr", number="555")
    c["O1"] = make_call(db, at=m(8), direction="outbound", agent="8001", number="111", wait=2, talk=10)
    insp = db.query(User).filter_by(username="insp").one()
    g1 = QaGrade(call_pk=c["A1"].id, agent="8001", inspector_id=insp.id, score=80, checklist={}, created_at=utcnow())
    db.add(g1)
    db.commit()
    db.add(QaGrade(call_pk=c["A1"].id, agent="8001", inspector_id=insp.id, score=90, checklist={},
                   corrects_id=g1.id, reason="re-listened", created_at=utcnow()))
    db.add(QaGrade(call_pk=c["A3"].id, agent="8002", inspector_id=insp.id, score=70, checklist={}, created_at=utcnow()))
    db.commit()
    return c
