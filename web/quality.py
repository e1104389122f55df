"""Quality inspection: the R-QA score sheet (hotline.qa_sheet) ticked on the call page, the score
summed by the server from the ticked items. Items the call's facts decide are pre-filled from the
record ("record complete" from the call's cases); grades are never edited: a correction is a new
grade naming the one it corrects, with a reason. The form is the call page's and posts to it
(web/calls/views.py ``grade``, which shows the page again with a refused form as typed): this
module has no route, so the page imports it and it imports no page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import cases, qa_sheet
from hotline.chanvars import ChanVar
from hotline.errors import N_, DomainError
from hotline.metrics.queries import call_agent_hung_up_first, call_answered_in_time
from hotline.models import Call, QaGrade
from hotline.timeutil import utcnow
from web.context import db
from web.i18n import lang


def _flag(vars_: dict[str, Any] | None, name: str) -> bool:
    return str((vars_ or {}).get(name, "")) == "1"


def facts(c: Call) -> dict[str, bool]:
    """Checklist items decided by the call record itself, and "record complete" (R-REC-FIELDS)
    suggested from the cases the call raised (all of them complete), when it raised any."""
    linked = cases.cases_of_call(db(), c.server, c.call_id)
    from_case = {"record_complete": all(cases.record_complete(k) for k in linked)} if linked else {}
    return from_case | {
        "four_rings": call_answered_in_time(c),
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


REMARK_CHARS = 500
COMMENT_CHARS = 4000  # the comment's and a correction reason's limit (the form's maxlength too)


@dataclass
class Typed:
    """The grade form as the inspector typed it: what a refused form is shown again with."""

    checklist: dict[str, bool]
    remarks: dict[str, str]
    comment: str | None
    reason: str | None

    @classmethod
    def of(cls, form: Any, sheet: qa_sheet.Sheet) -> Typed:
        """The form's ticked items (``item_<key>``: met), the remarks of the deducted ones
        (``remark_<key>``; a met item's is dropped), the comment and a correction's reason."""
        checklist = {i.key: form.get(f"item_{i.key}") in ("1", "on", "true") for i in sheet.items}
        remarks = {i.key: text for i in sheet.deducted(checklist)
                   if (text := (form.get(f"remark_{i.key}") or "").strip())}
        return cls(checklist, remarks, (form.get("comment") or "").strip() or None,
                   (form.get("reason") or "").strip() or None)

    def too_long(self) -> GradeError | None:
        """What is over its limit, as typed (kept whole: cut to the limit and saved, the end of a
        pasted comment was lost without a word)."""
        if any(len(r) > REMARK_CHARS for r in self.remarks.values()):
            return GradeError(N_("a remark is longer than %(n)s characters"), n=REMARK_CHARS)
        if len(self.comment or "") > COMMENT_CHARS or len(self.reason or "") > COMMENT_CHARS:
            return GradeError(N_("the comment or the reason is longer than %(n)s characters"), n=COMMENT_CHARS)
        return None

    def unexplained(self, sheet: qa_sheet.Sheet) -> list[qa_sheet.Item]:
        """R-QA: the deducted items with no remark — every deduction says why; full marks need none."""
        return [i for i in sheet.deducted(self.checklist) if i.key not in self.remarks]


def add_grade(db: Session, c: Call, inspector_id: int, form: Any, sheet: qa_sheet.Sheet) -> QaGrade:
    """Save a grade from the form (:class:`Typed`); the score is the sheet's (R-QA), never typed."""
    t = Typed.of(form, sheet)
    corrects_id: int | None = None
    current = current_grade(db, c.id)
    if form.get("corrects_id"):
        try:
            corrects_id = int(form["corrects_id"])
        except ValueError:
            raise GradeError(N_("bad grade to correct")) from None
        if current is None or current.id != corrects_id:
            raise GradeError(N_("only the call's current grade can be corrected"))
        if not t.reason:
            raise GradeError(N_("a correction needs a reason"))
    elif current is not None:
        raise GradeError(N_("this call is already graded; a change is a correction with a reason"))
    if over := t.too_long():
        raise over
    if missing := t.unexplained(sheet):
        raise GradeError(N_("a deducted item needs a remark saying why: %(items)s"),
                         items=("；" if lang() == "zh" else "; ").join(i.label(lang()) for i in missing))
    g = QaGrade(call_pk=c.id, agent=c.agent, inspector_id=inspector_id, score=sheet.score(t.checklist),
                checklist=t.checklist, sheet=sheet.weights(), remarks=t.remarks or None,
                comment=t.comment, corrects_id=corrects_id, reason=t.reason, created_at=utcnow())
    db.add(g)
    db.commit()
    return g


def prefill(sheet: qa_sheet.Sheet, current: QaGrade | None, known: dict[str, bool]) -> Typed:
    """The form as first shown: a deduction sheet (扣分制) starts with every item met and the
    inspector unticks what the call missed; a correction starts from the grade it corrects, a
    first grade from the call's facts — an item the record says was missed comes with its remark
    (the record is the reason), which the inspector may reword."""
    ticks = {i.key: True for i in sheet.items}
    if current is not None:
        return Typed(ticks | {k: bool(v) for k, v in current.checklist.items() if k in ticks},
                     dict(current.remarks or {}), None, None)
    missed = {k: _("the call record says it was missed") for k, v in known.items() if k in ticks and not v}
    return Typed(ticks | {k: v for k, v in known.items() if k in ticks}, missed, None, None)


def deductions(g: QaGrade, sheet: qa_sheet.Sheet, lang: str) -> list[tuple[str, str, str]]:
    """A sheet grade's deducted items as (label, points — "一票否决"/"veto" or "−N", remark), with
    the weights it was scored with; a typed grade has none to show."""
    if g.sheet is None:
        return []
    out = []
    for key, weight in g.sheet.items():
        if g.checklist.get(key):
            continue
        item = sheet.item(key)
        points = _("veto") if weight == "veto" else f"−{weight}"
        out.append((item.label(lang) if item else key, points, (g.remarks or {}).get(key, "")))
    return out
