"""Call search, the call page (timeline, recording, QA) — for inspectors; agents get the same
pages restricted to their own calls, supervisors see everything."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline.models import QaGrade, RecordingListen, User
from hotline.timeutil import utcnow
from web import qa
from web.auth import roles
from web.calls import DISPOSITIONS, CallFilter, get_visible, grades_of, search as search_calls
from web.context import db, settings
from web.recordings import safe_path
from web.timeline import timeline
from web.view import Column, csv_response, local_time, number_for

log = logging.getLogger(__name__)
bp = Blueprint("inspector", __name__)
ALL = ("agent", "inspector", "supervisor")


def call_columns() -> list[Column]:
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
        Column("hangup_first", _("Hung up first"), lambda c: c.hangup_first),
        Column("recording", _("Recording"), lambda c: c.recording is not None),
    ]


@bp.get("/calls")
@roles(*ALL)
def search() -> Any:
    s = settings()
    f = CallFilter.from_args(request.args)
    for e in f.errors:
        flash(e, "error")
    if request.args.get("format") == "csv":
        rows, _more = search_calls(db(), s, f, current_user, limit=100000)
        return csv_response("calls", call_columns(), rows)
    rows, more = search_calls(db(), s, f, current_user)
    grades = grades_of(db(), [c.id for c in rows])
    return render_template("calls.html", calls=rows, f=f, more=more, grades=grades,
                           dispositions=DISPOSITIONS, columns=call_columns())


@bp.get("/calls/<int:call_pk>")
@roles(*ALL)
def call(call_pk: int) -> Any:
    c = get_visible(db(), call_pk, current_user)
    if c is None:
        abort(404)  # not 403: an agent does not learn that another agent's call exists
    grades = list(db().scalars(select(QaGrade).where(QaGrade.call_pk == c.id).order_by(QaGrade.id)))
    names = {u.id: u.username for u in db().scalars(select(User).where(User.id.in_({g.inspector_id for g in grades})))}
    current = qa.current_grade(db(), c.id)
    listens = []
    if current_user.has("supervisor", "inspector"):
        listens = list(db().scalars(select(RecordingListen).where(RecordingListen.call_pk == c.id)
                                    .order_by(RecordingListen.id.desc()).limit(20)))
    playable = safe_path(settings(), c.recording) is not None
    return render_template("call.html", c=c, steps=timeline(c), grades=grades, names=names, current=current,
                           checklist=qa.CHECKLIST, facts=qa.facts(c), playable=playable, listens=listens,
                           can_grade=current_user.has("inspector"))


@bp.get("/calls/<int:call_pk>/recording")
@roles(*ALL)
def recording(call_pk: int) -> Any:
    c = get_visible(db(), call_pk, current_user)
    if c is None:
        abort(404)
    path = safe_path(settings(), c.recording)
    if path is None:
        if c.recording:
            log.warning("call %s: recording %r is not a file inside the recordings dir; not served", c.id, c.recording)
        abort(404)
    # R-PRIVACY: every listen is on record. A player fetches in ranges; the first range (or a
    # whole-file request) is the listen.
    rng = request.headers.get("Range", "")
    if not rng or rng.replace(" ", "").startswith("bytes=0-"):
        db().add(RecordingListen(call_pk=c.id, user_id=current_user.id, username=current_user.username,
                                 remote_addr=request.remote_addr, at=utcnow()))
        db().commit()
    resp = send_file(path, mimetype="audio/wav", conditional=True, max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.post("/calls/<int:call_pk>/qa")
@roles("inspector")
def grade(call_pk: int) -> Any:
    c = get_visible(db(), call_pk, current_user)
    if c is None:
        abort(404)
    try:
        qa.add_grade(db(), c, current_user.id, request.form)
    except qa.GradeError as exc:
        db().rollback()
        flash(_("Grade not saved: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for("inspector.call", call_pk=c.id), 303)
    flash(_("Grade saved."), "ok")
    return redirect(url_for("inspector.call", call_pk=c.id), 303)
