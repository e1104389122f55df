"""R-HANDOVER (交接班日志) in the panel: the outgoing lead opens a handover pre-filled with every
open matter and writes notes; another lead acknowledges it; read-only from then on. The rules
live in ``hotline.cases.handover``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline import cases
from hotline.models.cases import Handover
from web.auth.access import roles
from web.cases.forms import actor
from web.context import db
from web.reasons import reason

bp = Blueprint("handover", __name__)
NOTES_MAX = 8000


@bp.get("/handover")
@roles("supervisor")
def index() -> Any:
    return render_template("handover/index.html", rows=cases.latest_handovers(db(), 50), notes_max=NOTES_MAX)


def _too_long(notes: str) -> bool:
    """Notes past the limit are refused, not cut (the end of the shift's notes was lost without a
    word); the textareas' maxlength keeps a browser inside it."""
    if len(notes) <= NOTES_MAX:
        return False
    flash(_("Not saved: the notes are longer than %(n)s characters.", n=NOTES_MAX), "error")
    return True


@bp.post("/handover")
@roles("supervisor")
def open_() -> Any:
    notes = (request.form.get("notes") or "").strip()
    if _too_long(notes):
        return redirect(url_for("handover.index"), 303)
    h = cases.open_handover(db(), actor(current_user), notes or None)
    db().commit()
    flash(_("Handover %(id)s opened with every open matter.", id=h.id), "ok")
    return redirect(url_for("handover.show", handover_id=h.id), 303)


@bp.get("/handover/<int:handover_id>")
@roles("supervisor")
def show(handover_id: int) -> Any:
    h = db().get(Handover, handover_id)
    if h is None:
        abort(404)
    return render_template("handover/show.html", h=h, me=actor(current_user).name, notes_max=NOTES_MAX)


def _act(handover_id: int, what: str) -> Any:
    if db().get(Handover, handover_id) is None:
        abort(404)
    notes = (request.form.get("notes") or "").strip()
    if what == "notes" and _too_long(notes):
        return redirect(url_for("handover.show", handover_id=handover_id), 303)
    try:
        if what == "notes":
            cases.add_notes(db(), handover_id, actor(current_user), notes)
        else:
            cases.acknowledge_handover(db(), handover_id, actor(current_user))
        db().commit()
    except cases.CaseError as exc:  # HandoverError (acknowledged, own handover) and access
        db().rollback()
        flash(_("Not saved: %(reason)s", reason=reason(exc)), "error")
        return redirect(url_for("handover.show", handover_id=handover_id), 303)
    flash(_("Handover acknowledged.") if what == "ack" else _("Notes saved."), "ok")
    return redirect(url_for("handover.show", handover_id=handover_id), 303)


@bp.post("/handover/<int:handover_id>/notes")
@roles("supervisor")
def notes(handover_id: int) -> Any:
    return _act(handover_id, "notes")


@bp.post("/handover/<int:handover_id>/ack")
@roles("supervisor")
def acknowledge(handover_id: int) -> Any:
    return _act(handover_id, "ack")
