"""Quality inspection: the R-QA checklist and QA grades, given on the call page. Items the call's
facts decide are pre-filled from the record ("record complete" from the call's cases); grades
are never edited: a correction is a new grade naming the one it corrects, with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import cases
from hotline.chanvars import ChanVar
from hotline.errors import N_, DomainError
from hotline.metrics.queries import call_agent_hung_up_first
from hotline.models import Call, QaGrade
from hotline.timeutil import utcnow
from web.auth.access import roles
from web.calls.search import get_visible
from web.context import db
from web.reasons import reason

bp = Blueprint("quality", __name__)


@dataclass(frozen=True)
class Item:
    key: str
    label: str  # English msgid (translated in the template)
    rule: str


CHECKLIST = [
    Item("greeting", "Greeting, company name and work number", "R-ANS-GREET"),
    Item("four_rings", "Answered within 4 rings or apologised", "R-ANS-4RINGS"),
    Item("polite", "Polite and clear language", "R-QA"),
    Item("no_interrupt", "Did not interrupt the caller", "R-QA"),
    Item("confirmed", "Key details repeated and confirmed", "R-QA"),
    Item("record_complete", "Record complete (name, address, number, matter)", "R-REC-FIELDS"),
    Item("hung_up_last", "Agent hung up last", "R-ANS-HANGUP-LAST"),
]
KEYS = [i.key for i in CHECKLIST]


def _flag(vars_: dict[str, Any] | None, name: str) -> bool:
    return str((vars_ or {}).get(name, "")) == "1"


def facts(c: Call) -> dict[str, bool]:
    """Checklist items decided by the call record itself, and "record complete" (R-REC-FIELDS)
    suggested from the cases the call raised (all of them complete), when it raised any."""
    linked = cases.cases_of_call(db(), c.server, c.call_id)
    from_case = {"record_complete": all(cases.record_complete(k) for k in linked)} if linked else {}
    return from_case | {
        "four_rings": bool(c.within_4_rings) or _flag(c.vars, ChanVar.LATE_APOLOGY),
        "hung_up_last": not call_agent_hung_up_first(c),
        # the system plays the agent's work number on pickup (R-ANS-GREET): the part a machine can check
        "greeting": _flag(c.vars, ChanVar.WORKNUM_PLAYED),
    }


class GradeError(DomainError):
    """A grade the rules refuse; its template is said in the page's language (web/reasons.py)."""


def current_grade(db: Session, call_pk: int) -> QaGrade | None:
    grades = list(db.scalars(select(QaGrade).where(QaGrade.call_pk == call_pk).order_by(QaGrade.id)))
    corrected = {g.corrects_id for g in grades if g.corrects_id}
    live = [g for g in grades if g.id not in corrected]
    return live[-1] if live else None


def add_grade(db: Session, c: Call, inspector_id: int, form: Any) -> QaGrade:
    raw = (form.get("score") or "").strip()
    try:
        score = int(raw)
    except ValueError:
        raise GradeError(N_("score must be a whole number 0–100")) from None
    if not 0 <= score <= 100:
        raise GradeError(N_("score must be a whole number 0–100"))
    checklist = {k: form.get(f"item_{k}") in ("1", "on", "true") for k in KEYS}
    comment = (form.get("comment") or "").strip()[:4000] or None
    corrects_id: int | None = None
    reason = (form.get("reason") or "").strip()[:4000] or None
    current = current_grade(db, c.id)
    if form.get("corrects_id"):
        try:
            corrects_id = int(form["corrects_id"])
        except ValueError:
            raise GradeError(N_("bad grade to correct")) from None
        if current is None or current.id != corrects_id:
            raise GradeError(N_("only the call's current grade can be corrected"))
        if not reason:
            raise GradeError(N_("a correction needs a reason"))
    elif current is not None:
        raise GradeError(N_("this call is already graded; a change is a correction with a reason"))
    g = QaGrade(call_pk=c.id, agent=c.agent, inspector_id=inspector_id, score=score, checklist=checklist,
                comment=comment, corrects_id=corrects_id, reason=reason, created_at=utcnow())
    db.add(g)
    db.commit()
    return g


@bp.post("/calls/<int:call_pk>/qa")
@roles("inspector")
def grade(call_pk: int) -> Any:
    c = get_visible(db(), call_pk, current_user)
    if c is None:
        abort(404)
    try:
        add_grade(db(), c, current_user.id, request.form)
    except GradeError as exc:
        db().rollback()
        flash(_("Grade not saved: %(reason)s", reason=reason(exc)), "error")
        return redirect(url_for("calls.call", call_pk=c.id), 303)
    flash(_("Grade saved."), "ok")
    return redirect(url_for("calls.call", call_pk=c.id), 303)
