"""The call search page (with its CSV) and the call page: timeline, recording, QA grades and the
R-QA form (web/quality.py), whose post is answered here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline import qa_sheet
from hotline.desk import audit
from hotline.models import Call, QaGrade, RecordingListen, User
from web import quality
from web.auth.access import roles
from web.calls import recordings
from web.calls.search import DISPOSITIONS, CallFilter, get_visible, grades_of, qa_of
from web.calls.search import search as search_calls
from web.calls.timeline import ivr_result, ivr_step, timeline
from web.context import db, settings
from web.desk.messages import control_name
from web.i18n import lang
from web.reasons import reason
from web.view import Column, csv_response, export_table, local_time, number_for

bp = Blueprint("calls", __name__)
ALL = ("agent", "inspector", "supervisor")


def call_columns(grades: Mapping[int, QaGrade], sheet: qa_sheet.Sheet, graders: Mapping[int, str]) -> list[Column]:
    """The CSV's columns; ``grades``: the current grade of each call graded (``grades_of``),
    ``graders``: inspector id → user name."""
    def qa(key: str) -> Callable[[Call], Any]:
        return lambda c: qa_of(grades.get(c.id), sheet)[key]  # the API's fields, the one banding (R-QA)

    def grader(c: Call) -> str | None:
        g = grades.get(c.id)
        return graders.get(g.inspector_id) if g else None
    return [
        Column("id", _("ID"), lambda c: c.id),
        Column("started_at", _("Started"), lambda c: local_time(c.started_at)),
        Column("caller_number", _("Number"), lambda c: number_for(c.caller_number)),
        Column("caller_name", _("Name"), lambda c: c.caller_name),
        Column("agent", _("Agent"), lambda c: c.agent),
        Column("server", _("Server"), lambda c: c.server),
        Column("disposition", _("Disposition"), lambda c: c.disposition),
        Column("wait_seconds", _("Wait s"), lambda c: c.wait_seconds),
        Column("ring_seconds", _("Ring s"), lambda c: c.ring_seconds),
        Column("within_4_rings", _("≤4 rings"), lambda c: c.within_4_rings),
        Column("talk_seconds", _("Talk s"), lambda c: c.talk_seconds),
        Column("holds", _("Holds"), lambda c: c.holds),
        Column("hold_seconds", _("Hold s"), lambda c: c.hold_seconds),
        # R-PRIVACY: an outside number, masked as the caller's is
        Column("transferred_out", _("Transferred to an outside number"), lambda c: number_for(c.transferred_out)),
        Column("hangup_first", _("Hung up first"), lambda c: c.hangup_first),
        Column("recording", _("Recording"), lambda c: c.recording is not None),
        Column("qa_score", _("Score"), qa("qa_score")),
        Column("qa_band", _("QA score band"), qa("qa_band")),
        Column("qa_typed", _("typed score"), qa("qa_typed")),
        Column("qa_inspector", _("Inspector"), grader),
    ]


@bp.get("/calls")
@roles(*ALL)
def search() -> Any:
    s = settings()
    sheet = qa_sheet.sheet(s)
    f = CallFilter.from_args(request.args, sheet)
    for e in f.errors:
        flash(e, "error")
    if export_table(request.args) is not None:
        rows, _more = search_calls(db(), s, f, current_user, limit=100000)
        grades = grades_of(db(), [c.id for c in rows])
        graders = {i: name for i, name in db().execute(select(User.id, User.username).where(
            User.id.in_({g.inspector_id for g in grades.values()})))}
        return csv_response("calls", call_columns(grades, sheet, graders), rows)
    rows, more = search_calls(db(), s, f, current_user)
    grades = grades_of(db(), [c.id for c in rows])
    return render_template("calls/search.html", calls=rows, f=f, more=more, grades=grades,
                           dispositions=DISPOSITIONS, sheet=sheet, lang=lang())


@bp.get("/calls/<int:call_pk>")
@roles(*ALL)
def call(call_pk: int) -> Any:
    c = get_visible(db(), call_pk, current_user)
    if c is None:
        abort(404)  # not 403: an agent does not learn that another agent's call exists
    return call_page(c)


def call_page(c: Call, typed: quality.Typed | None = None) -> str:
    """The call's page; ``typed``: a refused grade form, shown again as the inspector typed it."""
    grades = list(db().scalars(select(QaGrade).where(QaGrade.call_pk == c.id).order_by(QaGrade.id)))
    sheet, current, known = qa_sheet.sheet(settings()), quality.current_grade(db(), c.id), quality.facts(c)
    names = {u.id: u.username for u in db().scalars(select(User).where(User.id.in_({g.inspector_id for g in grades})))}
    listens = []
    if current_user.has("supervisor", "inspector"):
        listens = list(db().scalars(select(RecordingListen).where(RecordingListen.call_pk == c.id)
                                    .order_by(RecordingListen.id.desc()).limit(20)))
    parts = recordings.playable(settings(), c)
    # R-PRIVACY: listening is never secret — every desk control and supervisor monitoring use of
    # the call is shown with it, to everyone who may see the call
    desk_uses = audit.of_call(db(), settings(), c.call_id) if c.server == settings().server_id else []
    form = typed or quality.prefill(sheet, current, known)
    return render_template("calls/call.html", c=c, steps=timeline(c), grades=grades, names=names,
                           desk_uses=desk_uses, control_name=control_name, current=current, sheet=sheet, form=form,
                           facts=known,
                           unexplained={i.key for i in typed.unexplained(sheet)} if typed else set(),
                           deductions={g.id: quality.deductions(g, sheet, lang()) for g in grades},
                           lang=lang(), parts=parts, listens=listens,
                           can_grade=current_user.has("inspector"), ivr_step=ivr_step, ivr_result=ivr_result)


@bp.post("/calls/<int:call_pk>/qa")
@roles("inspector")
def grade(call_pk: int) -> Any:
    """R-QA: the inspector's grade of the call (web/quality.py ``add_grade``); refused, the call
    page again with the form as typed (a redirect would lose the remarks and the comment)."""
    c = get_visible(db(), call_pk, current_user)
    if c is None:
        abort(404)
    sheet = qa_sheet.sheet(settings())
    try:
        quality.add_grade(db(), c, current_user.id, request.form, sheet)
    except quality.GradeError as exc:
        db().rollback()
        flash(_("Grade not saved: %(reason)s", reason=reason(exc)), "error")
        return call_page(c, quality.Typed.of(request.form, sheet)), 400
    flash(_("Grade saved."), "ok")
    return redirect(url_for("calls.call", call_pk=c.id), 303)


@bp.get("/calls/<int:call_pk>/recording", defaults={"part": 0})
@bp.get("/calls/<int:call_pk>/recording/<int:part>")
@roles(*ALL)
def recording(call_pk: int, part: int) -> Any:
    c = get_visible(db(), call_pk, current_user)
    if c is None:
        abort(404)
    return recordings.serve(c, part)
