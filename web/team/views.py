"""The supervisor's team page (``/supervisor``): figures for a period, KPIs for its month, charts,
and each table as CSV."""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter
from typing import Any

from flask import Blueprint, Response, flash, render_template, request
from flask_babel import gettext
from markupsafe import Markup

from hotline import metrics
from hotline.metrics import KPIS
from web.auth.access import roles
from web.context import db, settings
from web.i18n import lang, metric_label, setting_phrase
from web.periods import from_args
from web.team import tables
from web.view import Column, csv_response, export_table

bp = Blueprint("team", __name__)
CSV_TABLES = ("agents", "team", "kpi", "series", "time")


@bp.get("/supervisor")
@roles("supervisor")
def index() -> Any:
    s = settings()
    start, end, kind, errors = from_args(request.args, s)
    for e in errors:
        flash(e, "error")
    year, month = metrics.kpi_month(s, start, end)
    table = export_table(request.args, CSV_TABLES)
    if table is not None:
        return _csv(table, start, end, year, month)
    with metrics.one_reading():  # the parts of one page checked against one look at its calls (#17)
        team_f, agents = metrics.team_and_agents(db(), s, start, end)
        kpi = tables.kpi_rows(s, year, month)
        ser = metrics.series(db(), s, start, end)
    return render_template("team/index.html", team=tables.team_rows(team_f), team_columns=tables.team_columns(),
                           agents=list(agents.items()), agent_columns=tables.agent_columns(),
                           kpi=list(kpi.items()), kpi_columns=tables.kpi_columns(), series=ser, kind=kind,
                           start=start, end=end, month=f"{year}-{month:02d}",
                           targets={kpi.label(lang()): getattr(s, kpi.target_setting) for kpi in KPIS.values()},
                           definitions=metrics.METRICS, metric_label=metric_label, definition=_definition,
                           time=tables.time_rows(s, start, end), time_columns=tables.time_columns())


def _definition(m: metrics.Metric) -> Markup:
    """A metric's written definition in the page's language (the catalogue holds each one; a
    definition changed without its translation shows in English), its settings said by name and
    value, and what it cites as spelt elsewhere (a column, Asterisk's words) marked as a name."""
    s = settings()
    out = Markup()
    for kind, text in metrics.cited(gettext(m.definition)):
        if kind == "setting":
            out += setting_phrase(text, s)
        elif kind == "name":
            out += Markup('<code translate="no">%s</code>') % text
        else:
            out += text
    return out


def _csv(table: str, start: datetime, end: datetime, year: int, month: int) -> Response:
    s = settings()
    if table == "agents":
        return csv_response("agents", tables.agent_columns(), metrics.agent_figures(db(), s, start, end).items())
    if table == "team":
        return csv_response("team", tables.team_columns(), tables.team_rows(metrics.figures(db(), s, start, end)))
    if table == "kpi":
        return csv_response("kpi", tables.kpi_columns(), tables.kpi_rows(s, year, month).items())
    if table == "time":
        return csv_response("time", tables.time_columns(), tables.time_rows(s, start, end))
    ser = metrics.series(db(), s, start, end)
    keys = ["bucket", "offered", "answered", "ivr_only", "sl_pct", "abandon_pct"]
    rows = list(zip(*(ser[k] for k in ["labels", *keys[1:]]), strict=True))
    return csv_response("series", [Column(k, k, itemgetter(i)) for i, k in enumerate(keys)], rows)
