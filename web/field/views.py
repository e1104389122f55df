"""Field service in the panel (issue 15): the technician's phone page (own orders only: another
technician's order is a 404), the supervisor's open orders / technicians / overdue review /
outage suggestions / SMS outbox, and Kannel's delivery-report route. Every step is a CSRF-protected
POST that goes through hotline.field / hotline.notifications and flashes what happened."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline import field
from hotline.customers import find_customer
from hotline.errors import N_
from hotline.field.rota import HOLIDAY, MAKEUP, WEEKDAYS
from hotline.field.standing import urged
from hotline.models import OUTAGE_CAUSES, Outage
from hotline.models.field import Technician, WorkOrder
from hotline.models.notifications import OutboxMessage
from hotline.notifications import outbox
from hotline.rules import deadline_state
from hotline.timeutil import utcnow
from web.auth.access import roles
from web.context import db, settings
from web.reasons import reason
from web.view import local_time

bp = Blueprint("field", __name__)
dlr_bp = Blueprint("sms_dlr", __name__)  # its own blueprint: CSRF-exempt, no login

_DAYS = (*WEEKDAYS, HOLIDAY, MAKEUP)  # the rota's keys
_TECH_STEPS = ("accept", "book", "arrive", "fix", "cannot_fix", "delay", "call")


def _text(name: str, limit: int = 500) -> str:
    return (request.form.get(name) or "").strip()[:limit]


def _local_input(value: str) -> datetime:
    """A ``datetime-local`` input, in the hotline's time zone, as an aware datetime."""
    try:
        naive = datetime.fromisoformat(value)
    except ValueError as exc:
        raise field.FieldError(N_("not a date and time: %(v)s"), v=value[:40]) from exc
    return naive.replace(tzinfo=ZoneInfo(settings().timezone)) if naive.tzinfo is None else naive


def _post(work: Callable[[], str], back: str, failed: Callable[[str], str],
          errors: tuple[type[Exception], ...] = (field.FieldError,), **back_args: Any) -> Any:
    """Every step's shape: ``work()`` (the message to flash), committed; a LookupError (no such
    row) is a 404; one of ``errors`` is rolled back and flashed through ``failed(reason)``, nothing
    kept; either way back to the page ``back`` with a 303."""
    try:
        message = work()
        db().commit()
    except LookupError:
        db().rollback()
        abort(404)
    except errors as exc:
        db().rollback()
        flash(failed(reason(exc)), "error")
        return redirect(url_for(back, **back_args), 303)
    flash(message, "ok")
    return redirect(url_for(back, **back_args), 303)


def _not_done(reason: str) -> str:
    return _("Not done: %(reason)s", reason=reason)


@bp.get("/field")
@roles("technician")
def mine() -> Any:
    now = utcnow()
    try:
        rows = field.my_orders(db(), current_user.username, now)
    except field.FieldError:
        rows = []  # a technician user without a technicians row yet
    # where to go and whom to ask for: the customer master's name and address of the reporter's
    # number (the order keeps the number only; the page showed no address)
    found = {o.id: find_customer(db(), settings(), o.customer_number) for o in rows if o.customer_number}
    who = {oid: c for oid, c in found.items() if c is not None}
    return render_template("field/mine.html", rows=rows, now=now, who=who, urged=urged(db(), (o.id for o in rows)))


def _do_step(order_id: int, step: str) -> str:
    s, user, now = settings(), current_user.username, utcnow()
    if step == "accept":
        field.accept(db(), order_id, user, now)
        return _("Order accepted.")
    if step == "book":
        field.book(db(), order_id, user, _local_input(_text("at", 40)), now)
        return _("Time booked.")
    if step == "arrive":
        field.arrive(db(), order_id, user, now)
        return _("Arrival recorded.")
    if step == "fix":
        # the order leaves the list once fixed: the technician reads here how it stood against its
        # repair limit (R-FAULT-SLA; a big fault's own, set by the fix) — "fixed." said neither
        fixed = field.fix(db(), s, order_id, user, _text("size", 8), now, note=_text("note") or None)
        by = local_time(fixed.fix_by, "%m-%d %H:%M")
        if deadline_state(fixed.fix_by, now, now) == "met":
            return _("Order fixed within its repair time limit (%(by)s).", by=by)
        late = max(1, round((now - fixed.fix_by).total_seconds() / 60))
        return _("Order fixed %(minutes)s min past its repair time limit (%(by)s).", minutes=late, by=by)
    if step == "cannot_fix":
        field.cannot_fix(db(), order_id, user, _text("reason"), now)
        return _("Recorded: cannot fix.")
    if step == "delay":
        field.explain_delay(db(), order_id, user, _text("reason"), now)
        return _("Delay reason recorded.")
    field.call_customer(db(), s, order_id, user, now)
    return _("Calling: your phone rings first, then the customer.")


def _is_mine(order_id: int) -> bool:
    order = db().get(WorkOrder, order_id)
    tech = db().scalars(select(Technician).where(Technician.username == current_user.username)).first()
    return order is not None and tech is not None and order.technician_id == tech.id


@bp.post("/field/orders/<int:order_id>/<step>")
@roles("technician")
def step(order_id: int, step: str) -> Any:
    if step not in _TECH_STEPS:
        abort(404)
    if not _is_mine(order_id):
        abort(404)  # not there, or another technician's: the same answer
    return _post(lambda: _do_step(order_id, step), "field.mine", _not_done,
                 (field.FieldError, ValueError, OSError))


@bp.get("/field/orders")
@roles("supervisor")
def orders() -> Any:
    now = utcnow()
    rows = field.open_orders(db(), now)
    return render_template("field/orders.html", rows=rows, now=now, techs=field.technicians(db(), settings(), now),
                           urged=urged(db(), (o.id for o in rows)))


@bp.get("/field/orders/<int:order_id>")
@roles("supervisor")
def order_page(order_id: int) -> Any:
    """One order: its facts, the customer's urges and its history, oldest first."""
    o = db().get(WorkOrder, order_id)
    if o is None:
        abort(404)
    tech = db().get(Technician, o.technician_id) if o.technician_id is not None else None
    return render_template("field/order.html", o=o, technician=tech.username if tech else None,
                           urged=urged(db(), (o.id,)).get(o.id), history=field.history(db(), o.id))


@bp.post("/field/orders/<int:order_id>/dispatch")
@roles("supervisor")
def dispatch(order_id: int) -> Any:
    def work() -> str:
        field.dispatch_to(db(), settings(), order_id, _text("technician", 64), current_user.username, utcnow(),
                          note=_text("note") or None)
        return _("Order dispatched.")
    return _post(work, "field.orders", lambda reason: _("Not dispatched: %(reason)s", reason=reason))


def _rota_from_form() -> dict[str, list[str]]:
    """``rota_mon`` … ``rota_workday``: comma-separated ``HH:MM-HH:MM`` spans."""
    out: dict[str, list[str]] = {}
    for key in _DAYS:
        spans = [p.strip() for p in _text(f"rota_{key}", 200).split(",") if p.strip()]
        if spans:
            out[key] = spans
    return out


@bp.route("/field/technicians", methods=["GET", "POST"])
@roles("supervisor")
def techs() -> Any:
    if request.method == "POST":
        s, now, name = settings(), utcnow(), _text("username", 64)
        districts = [d.strip() for d in _text("districts").split(",") if d.strip()]
        try:
            if request.form.get("edit"):
                field.update_technician(db(), s, name, phone=_text("phone", 32), districts=districts,
                                        rota=_rota_from_form())
            else:
                field.add_technician(db(), s, name, _text("phone", 32), districts, _rota_from_form(), now,
                                     name=_text("name", 64) or None)
            db().commit()
        except (field.FieldError, LookupError, ValueError) as exc:
            db().rollback()
            flash(_("Technician not saved: %(reason)s", reason=reason(exc)), "error")
            # the refused form as typed (it came back empty: a typo in the phone cost the whole rota)
            typed = {k: _text(k, 64) for k in ("username", "name", "phone", "districts")}
            return _techs_page(typed | {"edit": bool(request.form.get("edit")), "rota": _rota_from_form()}), 400
        flash(_("Technician saved."), "ok")
        return redirect(url_for("field.techs"), 303)
    return _techs_page()


def _techs_page(typed: dict[str, Any] | None = None) -> str:
    rows = field.technicians(db(), settings(), utcnow())
    rotas = {t.username: t.rota for t in db().scalars(select(Technician))}
    return render_template("field/technicians.html", rows=rows, rotas=rotas, days=_DAYS, day_names=_day_names(),
                           typed=typed or {})


def _day_names() -> dict[str, str]:
    """The rota's day keys (hotline.field.rota) as the page's language names them."""
    return {"mon": _("Mon"), "tue": _("Tue"), "wed": _("Wed"), "thu": _("Thu"), "fri": _("Fri"), "sat": _("Sat"),
            "sun": _("Sun"), "holiday": _("Public holiday"), "workday": _("Make-up workday")}


def _month() -> date:
    try:
        return datetime.strptime(request.args.get("month") or "", "%Y-%m").date()
    except ValueError:
        return utcnow().astimezone(ZoneInfo(settings().timezone)).date().replace(day=1)


@bp.get("/field/overdue")
@roles("supervisor")
def overdue() -> Any:
    month = _month()
    rows = field.overdue_review(db(), settings(), month, utcnow())
    return render_template("field/overdue.html", rows=rows, month=month)


@bp.post("/field/overdue/<int:order_id>/note")
@roles("supervisor")
def review_note(order_id: int) -> Any:
    def work() -> str:
        field.set_review_note(db(), order_id, _text("note", 2000), current_user.username, utcnow())
        return _("Review note saved.")
    return _post(work, "field.overdue", lambda reason: _("Not saved: %(reason)s", reason=reason),
                 month=request.args.get("month"))


@bp.get("/field/suggestions")
@roles("supervisor")
def suggestions() -> Any:
    live = db().scalars(select(Outage).where(Outage.ended_at.is_(None)).order_by(Outage.started_at))
    return render_template("field/suggestions.html", rows=field.open_suggestions(db()), outages=list(live),
                           causes=OUTAGE_CAUSES)


@bp.post("/field/suggestions/<int:suggestion_id>/<action>")
@roles("supervisor")
def suggestion(suggestion_id: int, action: str) -> Any:
    s, by, now = settings(), current_user.username, utcnow()

    def work() -> str:
        if action == "publish":
            field.publish_suggested_outage(db(), s, suggestion_id, by, now, cause=_text("cause", 32) or "other")
            return _("Outage published: the IVR announces it now.")
        field.dismiss_suggestion(db(), suggestion_id, by, now)
        return _("Suggestion dismissed.")
    if action not in ("publish", "dismiss"):
        abort(404)
    return _post(work, "field.suggestions", _not_done)


@bp.post("/field/outages/<int:outage_id>/restored")
@roles("supervisor")
def restored(outage_id: int) -> Any:
    def work() -> str:
        sent = field.close_outage_restored(db(), settings(), outage_id, current_user.username, utcnow())
        return _("Outage closed; %(n)s \"service restored\" messages queued.", n=sent)
    return _post(work, "field.suggestions", _not_done)


@bp.get("/field/outbox")
@roles("supervisor")
def outbox_page() -> Any:
    rows = list(db().scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)))
    return render_template("field/outbox.html", rows=rows, no_gateway=settings().sms_provider == "none")


@bp.post("/field/outbox/<int:message_id>/<action>")
@roles("supervisor")
def outbox_action(message_id: int, action: str) -> Any:
    def work() -> str:
        if action == "approve":
            outbox.approve_held(db(), message_id, current_user.username, utcnow())
            return _("Message approved.")
        outbox.cancel(db(), message_id, current_user.username)
        return _("Message cancelled.")
    if action not in ("approve", "cancel"):
        abort(404)
    return _post(work, "field.outbox_page", _not_done, (outbox.NotificationError,))


@dlr_bp.get("/sms/dlr")
def dlr() -> Any:
    """Kannel's delivery report: authenticated by the message's claim token ``ref`` (the core
    checks it), so no login and no CSRF."""
    try:
        outbox.record_delivery_query(db(), request.args, utcnow())
        db().commit()
    except (outbox.NotificationError, LookupError):
        db().rollback()
        return "bad delivery report\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
