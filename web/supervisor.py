"""The supervisor's pages: team figures per agent with R-KPI colouring, charts, CSV exports."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from flask import Blueprint, abort, flash, render_template, request
from flask_babel import gettext as _

from hotline import metrics
from hotline.metrics import KPIS, Figures, Ratio
from web.auth import roles
from web.context import db, settings
from web.periods import from_args
from web.view import Column, csv_response, pct, ratio, seconds

bp = Blueprint("supervisor", __name__)


def _keyed(keys: tuple[str, ...]) -> list[Column]:
    """CSV columns of dict rows, one per key, headed by the key."""
    return [Column(k, k, itemgetter(k)) for k in keys]


def _r(key: str) -> Any:
    return lambda row: getattr(row[1], key)


def _m(key: str, **kw: Any) -> Column:
    """A column of an agent's Figures, labelled from the metric catalogue."""
    return Column(key, metric_label(key), _r(key), **kw)


def agent_columns() -> list[Column]:
    """Rows are (agent, Figures)."""
    return [
        Column("agent", _("Agent"), lambda r: r[0]),
        _m("answered"),
        _m("sl_answered"),
        _m("asa", show=lambda r: seconds(r[1].asa)),
        _m("aht", show=lambda r: seconds(r[1].aht)),
        _m("four_ring_rate"),
        _m("four_ring_violations", css=lambda r: "bad" if r[1].four_ring_violations else ""),
        _m("no_answer_attempts"),
        _m("hangup_first", css=lambda r: "bad" if r[1].hangup_first else ""),
        _m("satisfaction"),
        _m("compliance"),
        _m("qa_avg", show=lambda r: seconds(r[1].qa_avg)),
        _m("qa_count"),
    ]


def team_rows(f: Figures) -> list[tuple[str, str, Any, str]]:
    """(metric key, label, value, shown) for the team figures."""
    def show(v: Any) -> str:
        if isinstance(v, Ratio):
            return ratio(v)
        if v is None:
            return _("no data")
        if isinstance(v, float):
            return seconds(v)
        return str(v)

    keys = ["offered", "ivr_only", "answered", "abandoned", "short_abandoned", "timeouts", "sl", "sl_answered",
            "abandon_rate", "asa", "aht", "four_ring_rate", "four_ring_violations", "hangup_first", "repeat_rate",
            "callback_closure", "revisit_done", "fault_sla", "complaint_clocks", "complaint_resolution",
            "satisfaction", "compliance", "qa_avg"]
    return [(k, metric_label(k), getattr(f, k), show(getattr(f, k))) for k in keys]


def metric_label(key: str) -> str:
    """The catalogue's label (hotline.metrics.METRICS) in the page's language: the one source."""
    return metrics.label(key, _lang())


def _lang() -> str:
    from flask_babel import get_locale

    loc = get_locale()
    return loc.language if loc else "zh"


def team_columns() -> list[Column]:
    return [Column("metric", _("Metric"), lambda r: r[0]), Column("label", _("Name"), lambda r: r[1]),
            Column("value", _("Value"), lambda r: r[2], show=lambda r: r[3]),
            Column("num", "num", lambda r: r[2].num if isinstance(r[2], Ratio) else ""),
            Column("den", "den", lambda r: r[2].den if isinstance(r[2], Ratio) else "")]


def _kpi_column(key: str) -> Column:
    def cell(r: Any) -> Any:
        return r[1]["cells"][key]

    return Column(key, KPIS[key].label(_lang()), lambda r: cell(r).value,
                  show=lambda r: pct(cell(r).value) if cell(r).value is not None else _("no data"),
                  css=lambda r: "bad" if cell(r).below else "")


def kpi_columns() -> list[Column]:
    """Rows are (agent, {"cells": {kpi: KpiCell}, "retraining": [...]})."""
    cols = [Column("agent", _("Agent"), lambda r: r[0])] + [_kpi_column(k) for k in KPIS]
    cols.append(Column("retraining", _("Retraining"), lambda r: " ".join(r[1]["retraining"]),
                       css=lambda r: "bad" if r[1]["retraining"] else ""))
    return cols


def _kpi_rows(s: Any, year: int, month: int) -> dict[str, dict[str, Any]]:
    """The team row first (on-time handling and complaint resolution exist only for the team),
    then one row per agent."""
    return {_("Team"): metrics.team_kpis(db(), s, year, month), **metrics.kpis(db(), s, year, month)}


@bp.get("/supervisor")
@roles("supervisor")
def team() -> Any:
    s = settings()
    start, end, kind, errors = from_args(request.args, s)
    for e in errors:
        flash(e, "error")
    table = request.args.get("table")
    fmt = request.args.get("format")
    year, month = metrics.kpi_month(s, start, end)
    if fmt == "csv":
        if table == "agents":
            return csv_response("agents", agent_columns(), metrics.agent_figures(db(), s, start, end).items())
        if table == "team":
            return csv_response("team", team_columns(), team_rows(metrics.figures(db(), s, start, end)))
        if table == "kpi":
            return csv_response("kpi", kpi_columns(), _kpi_rows(s, year, month).items())
        if table == "series":
            ser = metrics.series(db(), s, start, end)
            rows = list(zip(ser["labels"], ser["offered"], ser["answered"], ser["ivr_only"], ser["sl_pct"], ser["abandon_pct"]))
            cols = [Column(k, k, itemgetter(i))
                    for i, k in enumerate(["bucket", "offered", "answered", "ivr_only", "sl_pct", "abandon_pct"])]
            return csv_response("series", cols, rows)
        abort(404)
    team_f, agents = metrics.team_and_agents(db(), s, start, end)
    kpi = _kpi_rows(s, year, month)
    ser = metrics.series(db(), s, start, end)
    return render_template("supervisor.html", team=team_rows(team_f), team_columns=team_columns(),
                           agents=list(agents.items()), agent_columns=agent_columns(),
                           kpi=list(kpi.items()), kpi_columns=kpi_columns(), series=ser, kind=kind,
                           start=start, end=end, month=f"{year}-{month:02d}",
                           targets={k: getattr(s, kpi.target_setting) for k, kpi in KPIS.items()},
                           definitions=metrics.METRICS, metric_label=metric_label)


# --- fault reports, outages, complaints ----------------------------------------------------------

@bp.get("/faults")
@roles("supervisor")
def faults() -> Any:
    from web.faults import fault_rows

    s = settings()
    start, end, _kind, errors = from_args(request.args, s)
    for e in errors:
        flash(e, "error")
    rows = fault_rows(db(), s, start, end, overdue_only=request.args.get("overdue") == "1")
    cols = _keyed(("ticket", "status", "caller", "contact", "account", "area", "fault_type", "created_at",
                   "arrive_by", "fix_by", "fix_left_s", "overdue"))
    if request.args.get("format") == "csv":
        return csv_response("faults", cols, rows)
    return render_template("faults.html", rows=rows, sla=metrics.fault_sla(db(), s, start, end),
                           metric_label=metric_label)


@bp.post("/faults/<int:report_id>/close")
@roles("supervisor")
def close_fault(report_id: int) -> Any:
    from flask import redirect, url_for

    from web.faults import close_report

    try:
        close_report(db(), report_id)
    except LookupError:
        abort(404)
    flash(_("Fault report closed."), "ok")
    return redirect(url_for("supervisor.faults"), 303)


@bp.route("/outages", methods=["GET", "POST"])
@roles("supervisor")
def outages() -> Any:
    from flask import redirect, url_for
    from flask_login import current_user

    from web import faults as fa

    if request.method == "POST":
        area = (request.form.get("area") or "").strip()[:64]
        cause = request.form.get("cause") or ""
        note = (request.form.get("note") or "").strip()[:2000] or None
        try:
            fa.open_outage(db(), area, cause, note, current_user.username)
        except (ValueError, LookupError) as exc:
            db().rollback()
            flash(_("Outage not saved: %(reason)s", reason=str(exc)), "error")
            return render_template("outages.html", rows=fa.outages(db()), causes=fa.outage_causes()), 400
        flash(_("Outage opened: the IVR announces it now."), "ok")
        return redirect(url_for("supervisor.outages"), 303)
    rows = fa.outages(db())
    if request.args.get("format") == "csv":
        from web.view import local_time

        cols = [Column("id", "id", lambda o: o.id), Column("area", "area", lambda o: o.area),
                Column("cause", "cause", lambda o: o.cause), Column("note", "note", lambda o: o.note),
                Column("started_at", "started_at", lambda o: local_time(o.started_at)),
                Column("ended_at", "ended_at", lambda o: local_time(o.ended_at)),
                Column("created_by", "created_by", lambda o: o.created_by)]
        return csv_response("outages", cols, rows)
    return render_template("outages.html", rows=rows, causes=fa.outage_causes())


@bp.post("/outages/<int:outage_id>/close")
@roles("supervisor")
def close_outage(outage_id: int) -> Any:
    from flask import redirect, url_for

    from web import faults as fa

    try:
        fa.close_outage(db(), outage_id)
    except LookupError:
        abort(404)
    flash(_("Outage closed."), "ok")
    return redirect(url_for("supervisor.outages"), 303)


def _complaint_columns() -> list[Column]:
    keys = ("id", "number", "kind", "category", "summary", "received_at", "contact_due", "contacted_at",
            "contact_state", "resolve_clock", "resolve_due", "resolved_at", "resolve_state", "closed_at",
            "created_by", "call_id")
    return _keyed(keys)


@bp.get("/complaints")
@roles("supervisor")
def complaints() -> Any:
    """R-COMPLAINT clocks (contact 2 h, solution 24 h / progress 72 h), the escalations nobody has
    acknowledged yet (R-OVERDUE, R-COMPLAINT) and the overdue callback tasks. Default period: month."""
    from web import complaints as cm

    s = settings()
    args = request.args if (request.args.get("period") or request.args.get("date_from")
                            or request.args.get("date_to")) else {"period": "month"}
    start, end, _kind, errors = from_args(args, s)
    for e in errors:
        flash(e, "error")
    rows = cm.complaint_rows(db(), s, start, end)
    if request.args.get("format") == "csv":
        table = request.args.get("table") or "complaints"
        if table == "complaints":
            return csv_response("complaints", _complaint_columns(), rows)
        if table == "escalations":
            cols = _keyed(("id", "kind", "subject", "number", "due_at", "raised_at"))
            return csv_response("escalations", cols, cm.escalation_rows(db(), s))
        if table == "overdue":
            cols = _keyed(("id", "reason", "number", "owner", "status", "created_at", "due_at", "missed_calls"))
            return csv_response("overdue-tasks", cols, cm.overdue_task_rows(db(), s))
        abort(404)
    return render_template("complaints.html", rows=rows, escalations=cm.escalation_rows(db(), s),
                           overdue=cm.overdue_task_rows(db(), s), start=start, end=end,
                           clocks=metrics.complaint_clocks(db(), s, start, end),
                           resolution=metrics.complaint_resolution(db(), start, end))


@bp.post("/complaints/escalations/<int:escalation_id>/ack")
@roles("supervisor")
def acknowledge(escalation_id: int) -> Any:
    from flask import redirect, url_for
    from flask_login import current_user

    from web import complaints as cm

    try:
        cm.acknowledge(db(), escalation_id, current_user.username)
    except LookupError:
        abort(404)
    flash(_("Escalation acknowledged."), "ok")
    return redirect(url_for("supervisor.complaints"), 303)


@bp.post("/complaints/<int:complaint_id>/update")
@roles("supervisor")
def update_complaint(complaint_id: int) -> Any:
    from flask import redirect, url_for

    from hotline.callbacks import CallbackError
    from web import complaints as cm

    try:
        cm.update(db(), complaint_id, request.form.get("action") or "")
    except CallbackError:
        db().rollback()
        abort(404)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("supervisor.complaints"), 303)
    flash(_("Complaint updated."), "ok")
    return redirect(url_for("supervisor.complaints"), 303)
