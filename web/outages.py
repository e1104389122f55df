"""Known outages (R-FAULT-OUTAGE): the supervisor opens and closes them; the IVR announces the open
ones. The table belongs to the IVR feature (hotline/models/ivr.py); opening and closing go through
its hotline.outages functions, which is what the IVR reads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import outages as outage_rules
from hotline.models import OUTAGE_CAUSES, Outage
from web.auth.access import roles
from web.context import db
from web.reasons import reason
from web.view import Column, csv_response, export_table, local_time

bp = Blueprint("outages", __name__)
AREA_MAX, NOTE_MAX = 64, 2000  # the form's maxlength too (templates/outages/index.html)


def outages(db: Session, limit: int = 200) -> list[Outage]:
    return list(db.scalars(select(Outage).order_by(Outage.started_at.desc()).limit(limit)))


def outage_causes() -> tuple[str, ...]:
    return tuple(OUTAGE_CAUSES)


def open_outage(db: Session, area: str, cause: str, note: str | None, by: str) -> None:
    outage_rules.open_outage(db, area, cause, note=note, created_by=by)
    db.commit()


def close_outage(db: Session, outage_id: int) -> None:
    outage_rules.close_outage(db, outage_id)
    db.commit()


def csv_columns() -> list[Column]:
    return [Column("id", "id", lambda o: o.id), Column("area", "area", lambda o: o.area),
            Column("cause", "cause", lambda o: o.cause), Column("note", "note", lambda o: o.note),
            Column("started_at", "started_at", lambda o: local_time(o.started_at)),
            Column("ended_at", "ended_at", lambda o: local_time(o.ended_at)),
            Column("created_by", "created_by", lambda o: o.created_by)]


@bp.route("/outages", methods=["GET", "POST"])
@roles("supervisor")
def index() -> Any:
    if request.method == "POST":
        area = (request.form.get("area") or "").strip()
        cause = request.form.get("cause") or ""
        note = (request.form.get("note") or "").strip()
        try:
            if len(area) > AREA_MAX or len(note) > NOTE_MAX:  # refused, not cut: nothing typed is lost
                raise ValueError(_("the area (%(a)s characters) or the note (%(n)s) is too long",
                                   a=AREA_MAX, n=NOTE_MAX))
            open_outage(db(), area, cause, note or None, current_user.username)
        except (ValueError, LookupError) as exc:
            db().rollback()
            flash(_("Outage not saved: %(reason)s", reason=reason(exc)), "error")
            return render_template("outages/index.html", rows=outages(db()), causes=outage_causes(),
                                   typed={"area": area, "cause": cause, "note": note}), 400
        flash(_("Outage opened: the IVR announces it now."), "ok")
        return redirect(url_for("outages.index"), 303)
    rows = outages(db())
    if export_table(request.args) is not None:
        return csv_response("outages", csv_columns(), rows)
    return render_template("outages/index.html", rows=rows, causes=outage_causes(), typed={})


@bp.post("/outages/<int:outage_id>/close")
@roles("supervisor")
def close(outage_id: int) -> Any:
    try:
        close_outage(db(), outage_id)
    except LookupError:
        abort(404)
    flash(_("Outage closed."), "ok")
    return redirect(url_for("outages.index"), 303)
