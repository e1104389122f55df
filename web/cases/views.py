"""The case pages: list, new (from a call, pre-filled), page with history, edit, close, complaint
steps; the monthly complaint-category analysis. Every change goes through ``hotline.cases`` (its
access rules: agents their own cases until closed, supervisors all, inspectors read masked)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import String, select, tuple_

from hotline import cases
from hotline.customers import find_customer
from hotline.customers.caller_id import caller_id_name
from hotline.desk import presence
from hotline.desk.live import snapshots
from hotline.errors import N_
from hotline.models import Call
from hotline.models.callbacks import Complaint
from hotline.models.cases import Case
from hotline.privacy import mask_number
from hotline.vocabulary import CaseKind, Direction, Role
from web.auth.access import roles
from web.calls.search import visible
from web.cases.forms import STATUS_LABELS, CaseFilter, actor, case_changes, case_input, nothing_entered, sees
from web.cases.search import find
from web.context import db, settings
from web.i18n import lang, subject_label
from web.reasons import reason
from web.view import Column, csv_response, export_table, local_time, masked_numbers, number_for

bp = Blueprint("cases", __name__)


def status_label(key: str) -> str:
    zh, en = STATUS_LABELS.get(key, (key, key))
    return zh if lang() == "zh" else en


def kind_labels() -> dict[str, str]:
    return {k.value: v.label(lang()) for k, v in cases.tree(settings()).items()}


def actor_label(name: str | None) -> str:
    """Who changed a case: a login as it is, the hotline's own writers (the IVR's intake, the
    receipt SMS of hotline.cases.records.receipt_sent) by their names in the page's language."""
    own = {cases.IVR.name: _("IVR"), "outbox": _("SMS outbox")}
    return own.get(name or "", name or "")


def kind_label(kind: str) -> str:
    return kind_labels().get(kind, kind)


def category_label(kind: str, category: str | None) -> str:
    if not category:
        return ""
    try:
        return cases.tree(settings())[CaseKind(kind)].categories.get(category, category)
    except ValueError:
        return category


@bp.app_context_processor
def _case_helpers() -> dict[str, Any]:
    return {"case_status": status_label, "case_category": category_label, "case_kind": kind_label,
            "case_actor": actor_label}


def _visible_case(case_id: int) -> Case:
    try:
        case = cases.get_case(db(), case_id)
    except cases.CaseError:
        abort(404)
    if not sees(current_user, case):
        abort(404)  # another agent's case does not exist for this one
    return case


@bp.get("/cases")
@roles("agent", "inspector", "supervisor")
def index() -> Any:
    f = CaseFilter.from_args(request.args)
    for e in f.errors:
        flash(e, "error")
    rows = find(db(), settings(), f, current_user)
    if export_table(request.args) is not None:
        cols = [Column(k, k, get) for k, get in (
            ("id", lambda c: c.id), ("kind", lambda c: c.kind), ("category", lambda c: c.category),
            ("status", lambda c: c.status), ("number", lambda c: number_for(c.number)), ("name", lambda c: c.name),
            ("owner", lambda c: c.owner), ("due_at", lambda c: c.due_at), ("created_at", lambda c: c.created_at),
            ("first_call_resolved", lambda c: c.first_call_resolved))]
        return csv_response("cases", cols, rows)
    return render_template("cases/index.html", rows=rows, f=f, kinds=kind_labels(), tree=cases.tree(settings()),
                           statuses=STATUS_LABELS, agents=settings().agents)


def _call_of(server: str | None, call_id: str | None) -> Call | None:
    if not server or not call_id:
        return None
    return db().scalar(select(Call).where(Call.server == server[:64], Call.call_id == call_id[:64],
                                          visible(current_user)))


def _column_length(column: Any) -> int:
    if not isinstance(column.type, String) or not column.type.length:
        raise TypeError(f"{column} is not a text column of a fixed length")
    return column.type.length


NAME_MAX = _column_length(Case.__table__.c.name)  # 姓名's length on the form: what the case keeps


def _prefill() -> dict[str, Any]:
    """The form from the screen pop: the call's number, then the customer master's fields; a
    caller the master does not know, by the call's caller-ID name (``_caller_name``)."""
    server, call_id = request.args.get("server"), request.args.get("call_id")
    call = _call_of(server, call_id)
    number = (request.args.get("number") or "").strip()[:32] or (call.caller_number if call else "") or ""
    customer = find_customer(db(), settings(), number) if number else None
    return {"number": number, "name": customer.name if customer else _caller_name(call, server, call_id) or "",
            "address": customer.address if customer else "", "kind": request.args.get("kind") or "",
            "customer": customer, **_call_ids(call)}


def _caller_name(call: Call | None, server: str | None, call_id: str | None) -> str | None:
    """The CallerIDName of the form's call as its record has it, else — the call still up, its
    record not built — as the live snapshot has it, for the agent whose call it is now
    (``_call_up``); only a name that reads as one (``caller_id_name``: no placeholder, no number,
    no control characters, cut to the field)."""
    raw = call.caller_name if call is not None else None
    if call is None and _call_up(server, call_id) is not None:
        raw = next((snap.calls[str(call_id)].caller_name for snap in snapshots(db())
                    if str(call_id) in snap.calls), None)
    return caller_id_name(raw, NAME_MAX)


def _call_ids(call: Call | None) -> dict[str, str]:
    """The call the form is tied to. The desk's pop opens the form while the call is still up,
    before the listener built its record: that id is kept (``_call_up``). Another agent's stored
    call is not tied (nor shown)."""
    if call is not None:
        return {"server": call.server, "call_id": call.call_id}
    server, call_id = (request.args.get("server") or "")[:64], (request.args.get("call_id") or "")[:64]
    if not server or not call_id or db().scalar(
            select(Call.id).where(Call.server == server, Call.call_id == call_id)) is not None:
        return {"server": "", "call_id": ""}
    return {"server": server, "call_id": call_id}


def _call_up(server: str | None, call_id: str | None) -> tuple[str, str] | None:
    """The call of a form saved before its record was built — the matter recorded during the
    call, the desk's way —: tied by its ids when it is the call the agent's presence follows now
    (ringing, talking, 话后整理 of this hotline's server), the record built at the hang-up carrying
    the same ids. Ids of any other call tie nothing."""
    s, ext = settings(), current_user.agent
    if not ext or not call_id or server != s.server_id:
        return None
    if db().scalar(select(Call.id).where(Call.server == server, Call.call_id == call_id)) is not None:
        return None  # built, and not visible to this user (``_call_of``): another agent's call
    return (server, call_id) if presence.current(db(), s, ext).call_id == call_id else None


@bp.get("/cases/new")
@roles("agent", "supervisor")
def new() -> Any:
    """The case form, pre-filled from the call (``?server=&call_id=``) and the customer master
    (``?number=``): what the desk's screen pop opens in one click."""
    return _form(_prefill())


def _form(values: dict[str, Any], status: int = 200) -> Any:
    """The form with the number's open cases (R-ONE-CALL), shown again after a refused save too."""
    matters = cases.open_matters(db(), settings(), values["number"]) if values["number"] else []
    return render_template("cases/new.html", v=values, matters=matters, kinds=kind_labels(),
                           tree=cases.tree(settings()), name_max=NAME_MAX), status


@bp.post("/cases/new")
@roles("agent", "supervisor")
def create() -> Any:
    form = request.form
    call = _call_of(form.get("server"), form.get("call_id"))
    try:
        if nothing_entered(case_input(form)):
            raise cases.CaseError(N_("nothing was entered: give at least the caller's number or the matter"))
        case = cases.open_case(db(), settings(), actor(current_user), case_input(form),
                               call=(call.server, call.call_id) if call else _call_up(form.get("server"),
                                                                                      form.get("call_id")))
        db().commit()
    except cases.CaseError as exc:
        db().rollback()
        flash(_("Case not saved: %(reason)s", reason=reason(exc)), "error")
        # everything typed comes back (until 7 December the complaint's kind, 一次解决 and the open
        # cases were lost)
        values = {k: form.get(k, "") for k in ("number", "name", "address", "kind", "category", "description",
                                               "result", "server", "call_id", "complaint_kind")}
        return _form(dict(values, first_call_resolved=case_input(form).first_call_resolved), 400)
    flash(_("Case %(id)s saved.", id=case.id), "ok")
    return redirect(url_for("cases.show", case_id=case.id), 303)


# the history's field column: the case's columns and the events hotline.cases.records logs, by the
# names its page gives them (an unknown one, e.g. a future event, is shown by its key)
HISTORY_FIELDS = {"created": N_("Opened as"), "call": N_("Call"), "follow_up": N_("Calls and follow-ups"),
                  "status": N_("Status"), "owner": N_("Owner"), "category": N_("Category"),
                  "description": N_("Description"), "result": N_("What was done"), "name": N_("Name"),
                  "address": N_("Address"), "number": N_("Number"),
                  "first_call_resolved": N_("Resolved on the first call"),
                  "complaint_contacted": N_("Contacted"), "complaint_resolved": N_("Solution / progress clock"),
                  "receipt_sent_at": N_("SMS sent")}


def _history_value(case: Case, field: str, value: str | None) -> str | None:
    """A logged value by its label where it is a key: a status, the kind/category a case opened with."""
    if value is None:
        return None
    if field == "status":
        return status_label(value)
    if field == "first_call_resolved":
        return {"True": _("yes"), "False": _("no")}.get(value, value)
    if field == "category":
        return category_label(case.kind, value)
    if field == "follow_up":
        return subject_label(value)
    if field == "created":
        kind, _sep, category = value.partition("/")
        shown = kind_label(kind)
        return f"{shown} / {category_label(kind, category)}" if category else shown
    return value


def _history_rows(case: Case) -> list[dict[str, Any]]:
    """The history as the reader may see it: fields and keys by their labels; an inspector sees old
    and new numbers masked too."""
    out = []
    for h in cases.history(db(), case):
        old, new = _history_value(case, h.field, h.old), _history_value(case, h.field, h.new)
        if h.field == "number" and masked_numbers():
            old, new = mask_number(old), mask_number(new)
        field = HISTORY_FIELDS.get(h.field)
        out.append({"at": h.at, "by": actor_label(h.by), "field": _(field) if field else h.field, "old": old,
                    "new": new})
    return out


def _call_links(case: Case, calls: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The case's calls by their time and the customer's number, a link once the call record
    exists. The record is built at hang-up, so the call the case was saved on has none yet: the
    page named it ``pbx1:sim-ac72…``; it is named by when the case took it and the case's number."""
    if not calls:
        return []
    built = {(c.server, c.call_id): c for c in db().execute(
        select(Call.server, Call.call_id, Call.id, Call.started_at, Call.direction, Call.caller_number, Call.dialed)
        .where(tuple_(Call.server, Call.call_id).in_(calls)))}
    linked = {(c.server, c.call_id): c.linked_at for c in case.calls}
    out = []
    for key in calls:
        rec = built.get(key)
        if rec is not None:
            number = rec.caller_number if rec.direction == Direction.INBOUND else rec.dialed
            at, pk = rec.started_at, rec.id
        else:
            number, at, pk = case.number, linked.get(key), None
        out.append({"pk": pk, "at": local_time(at, "%m-%d %H:%M"), "number": number_for(number)})
    return out


@bp.get("/cases/<int:case_id>")
@roles("agent", "inspector", "supervisor")
def show(case_id: int) -> Any:
    case = _visible_case(case_id)
    view = cases.case_view(case, actor(current_user))
    complaint = db().get(Complaint, case.complaint_id) if case.complaint_id else None
    kind = CaseKind(case.kind)
    return render_template("cases/case.html", c=view, history=_history_rows(case), complaint=complaint,
                           calls=_call_links(case, view.calls), kinds=kind_labels(),
                           kind_tree={kind: cases.tree(settings())[kind]},
                           leads=current_user.role in (Role.SUPERVISOR, Role.ADMIN), agents=settings().agents)


def _change(case_id: int, what: str) -> Any:
    """Runs one change of an open case; a closed one answers with the read-only message."""
    case = _visible_case(case_id)
    me = actor(current_user)
    form = request.form
    try:
        if what == "edit":
            cases.update_case(db(), settings(), case.id, me, case_changes(form, me.leads))
        elif what == "close":
            resolved = form.get("first_call_resolved")
            if resolved in ("1", "0"):
                cases.update_case(db(), settings(), case.id, me,
                                  cases.CaseChanges(first_call_resolved=resolved == "1"))
            cases.close_case(db(), settings(), case.id, me, result=(form.get("result") or "")[:4000] or None)
        elif what == "sms":  # R-CONSULT-24H: the consultation answered by SMS
            cases.answer_by_sms(db(), settings(), case.id, me, (form.get("answer") or "")[:4000])
        else:
            step = form.get("step")
            if step not in ("contacted", "resolved"):
                abort(400, "step: contacted or resolved")
            cases.complaint_step(db(), case.id, me, contacted=step == "contacted", resolved=step == "resolved",
                                 note=(form.get("note") or "").strip()[:4000] or None)
        db().commit()
    except cases.CaseClosedError:
        db().rollback()
        flash(_("This case is closed: it is read-only."), "error")
    except cases.CaseAccessError:
        db().rollback()
        abort(403)
    except cases.CaseError as exc:
        db().rollback()
        flash(_("Case not saved: %(reason)s", reason=reason(exc)), "error")
    else:
        flash(_("Case %(id)s saved.", id=case.id), "ok")
    return redirect(url_for("cases.show", case_id=case.id), 303)


@bp.post("/cases/<int:case_id>/edit")
@roles("agent", "supervisor")
def edit(case_id: int) -> Any:
    return _change(case_id, "edit")


@bp.post("/cases/<int:case_id>/close")
@roles("agent", "supervisor")
def close(case_id: int) -> Any:
    return _change(case_id, "close")


@bp.post("/cases/<int:case_id>/answer-sms")
@roles("agent", "supervisor")
def answer_sms(case_id: int) -> Any:
    """R-CONSULT-24H: answer a consultation by SMS (the outbox sends it); the case closes with it."""
    return _change(case_id, "sms")


@bp.post("/cases/<int:case_id>/complaint")
@roles("agent", "supervisor")
def complaint_step(case_id: int) -> Any:
    """R-COMPLAINT from the panel: the supervisor's contact (2 h), the solution / progress."""
    return _change(case_id, "complaint")


def _month_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        v = int(raw)
    except ValueError:
        abort(400, f"{name}: a whole number")
    if not lo <= v <= hi:
        abort(400, f"{name}: {lo}–{hi}")
    return v


@bp.get("/cases/analysis")
@roles("supervisor")
def analysis() -> Any:
    """R-COMPLAINT-CATEGORIES: complaints per category per month, change, resolution time."""
    today = datetime.now(ZoneInfo(settings().timezone)).date()
    year = _month_arg("year", today.year, 2000, 2999)
    month = _month_arg("month", today.month, 1, 12)
    months = _month_arg("months", 6, 1, 24)
    a = cases.complaint_categories(db(), settings(), year, month, months)
    if export_table(request.args) is not None:
        name = f"complaint-categories-{year:04d}-{month:02d}.csv"
        return Response(cases.analysis_csv(a), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    chart = {"labels": [f"{y:04d}-{m:02d}" for y, m in a.months],
             "series": [{"label": r.label, "data": r.counts} for r in a.rows if any(r.counts)]}
    return render_template("cases/analysis.html", a=a, year=year, month=month, months=months, chart=chart)
