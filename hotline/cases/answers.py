"""R-CONSULT-24H: a consultation answered by SMS instead of a callback — the answer goes to the
case's contact number through the notification outbox, is a follow-up of the case, and closes it
with the answer as its result (R-REC-FIELDS: what was done)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.cases.access import Actor, CaseError, check_edit
from hotline.cases.records import add_follow_up, close_case, get_case
from hotline.errors import N_
from hotline.models.cases import Case
from hotline.notifications import Links, Template, queue_sms
from hotline.settings import Settings
from hotline.timeutil import utcnow
from hotline.vocabulary import CaseKind

MAX_ANSWER = 300  # characters: a few SMS parts, not a letter


def answer_by_sms(db: Session, s: Settings, case_id: int, by: Actor, answer: str,
                  now: datetime | None = None) -> Case:
    """Queues the answer of an open consultation case to its contact number and closes the case
    (its 24-hour callback task with it). A number the SMS policy holds waits for a supervisor's
    approval in the outbox, like any other message; one that is not a phone number is refused."""
    case = get_case(db, case_id)
    check_edit(case, by)
    text = " ".join(answer.split())
    if case.kind != CaseKind.CONSULT:
        raise CaseError(N_("case %(id)s is a %(case_kind)s: only a consultation is answered by SMS"), id=case.id,
                        case_kind=case.kind)
    if not text or len(text) > MAX_ANSWER:
        raise CaseError(N_("the answer must be 1–%(n)s characters"), n=MAX_ANSWER)
    now = now or utcnow()
    msg = queue_sms(db, s, case.number or "", Template.CONSULT_ANSWER, {"answer": text, "ref": case.id}, now,
                    links=Links(case_id=case.id), dedupe_key=f"consult-answer:case:{case.id}")
    if msg is None:
        raise CaseError(N_("case %(id)s: no number to send the answer to"), id=case.id)
    db.flush()
    add_follow_up(db, case, "sms", msg.id, by.name, now)
    return close_case(db, s, case.id, by, result=f"短信答复：{text}", now=now)
