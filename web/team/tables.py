"""The tables of the team page: per-agent figures, team figures, R-KPI cells; each a list of
columns that render as HTML or CSV (web.view.Column)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from hotline import metrics, qa_sheet
from hotline.metrics import KPIS, AgentTime, Figures, Ratio
from hotline.settings import Settings
from web.context import db, settings
from web.i18n import lang, metric_label
from web.view import Column, hms, pct, ratio, seconds


def _r(key: str) -> Any:
    return lambda row: getattr(row[1], key)


def _m(key: str, **kw: Any) -> Column:
    """A column of an agent's Figures, labelled from the metric catalogue."""
    return Column(key, metric_label(key), _r(key), **kw)


def _sheet() -> qa_sheet.Sheet:
    return qa_sheet.sheet(settings())


def _qa_avg(v: float | None) -> str:
    return seconds(v) if v is None else f"{seconds(v)} {_sheet().band_of(v).label(lang())}"


def agent_columns() -> list[Column]:
    """Rows are (agent, Figures)."""
    return [
        Column("agent", _("Agent"), lambda r: r[0]),
        _m("answered"),
        _m("sl_answered"),
        _m("asa", show=lambda r: seconds(r[1].asa)),
        _m("aht", show=lambda r: seconds(r[1].aht)),
        _m("avg_hold", show=lambda r: seconds(r[1].avg_hold)),
        _m("four_ring_rate"),
        _m("four_ring_violations", css=lambda r: "bad" if r[1].four_ring_violations else ""),
        _m("no_answer_attempts"),
        _m("hangup_first", css=lambda r: "bad" if r[1].hangup_first else ""),
        _m("transferred_out"),
        _m("satisfaction"),
        _m("compliance"),
        # R-QA: the mean of the current grades' scores (hotline.metrics), in the score sheet's bands
        _m("qa_avg", show=lambda r: _qa_avg(r[1].qa_avg),
           css=lambda r: "bad" if r[1].qa_avg is not None and _sheet().failing(r[1].qa_avg) else ""),
        _m("qa_count"),
        _m("first_call_resolution"),  # R-ONE-CALL: the cases the agent owns
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

    keys = ["offered", "ivr_only", "answered", "abandoned", "short_abandoned", "timeouts", "no_agent", "queue_full",
            "sl", "sl_answered", "abandon_rate", "asa", "aht", "avg_hold", "four_ring_rate", "four_ring_violations",
            "hangup_first", "transferred_out", "repeat_rate",
            "callback_closure", "revisit_done", "fault_sla", "complaint_clocks", "case_on_time",
            "case_complaint_resolution", "first_call_resolution",
            "satisfaction", "compliance", "qa_avg"]
    return [(k, metric_label(k), getattr(f, k), show(getattr(f, k))) for k in keys]


def team_columns() -> list[Column]:
    return [Column("metric", _("Metric"), lambda r: r[0]), Column("label", _("Name"), lambda r: r[1]),
            Column("value", _("Value"), lambda r: r[2], show=lambda r: r[3]),
            Column("num", "num", lambda r: r[2].num if isinstance(r[2], Ratio) else ""),
            Column("den", "den", lambda r: r[2].den if isinstance(r[2], Ratio) else "")]


def _kpi_column(key: str) -> Column:
    def cell(r: Any) -> Any:
        return r[1]["cells"][key]

    return Column(key, KPIS[key].label(lang()), lambda r: cell(r).value,
                  show=lambda r: pct(cell(r).value) if cell(r).value is not None else _("no data"),
                  css=lambda r: "bad" if cell(r).below else "")


def kpi_columns() -> list[Column]:
    """Rows are (agent, {"cells": {kpi: KpiCell}, "retraining": [...]})."""
    cols = [Column("agent", _("Agent"), lambda r: r[0])] + [_kpi_column(k) for k in KPIS]
    cols.append(Column("retraining", _("Retraining"), lambda r: " ".join(r[1]["retraining"]),
                       css=lambda r: "bad" if r[1]["retraining"] else ""))
    return cols


def kpi_rows(s: Settings, year: int, month: int) -> dict[str, dict[str, Any]]:
    """The team row first (every case of the month), then one row per agent (the cases they own)."""
    return {_("Team"): metrics.team_kpis(db(), s, year, month), **metrics.kpis(db(), s, year, month)}


def _t(key: str, attr: str) -> Column:
    return Column(key, metric_label(key), lambda r: round(getattr(r[1], attr)),
                  show=lambda r: hms(getattr(r[1], attr)))


def time_columns() -> list[Column]:
    """Rows are (team or agent, AgentTime); CSV gets whole seconds."""
    return [
        Column("agent", _("Agent"), lambda r: r[0]),
        _t("logged_in_time", "logged_in_s"),
        _t("available_time", "available_s"),
        _t("busy_time", "busy_s"),
        _t("break_time", "break_s"),
        Column("break_by_reason", _("Break by reason"),
               lambda r: "; ".join(f"{k or '—'} {round(v)}" for k, v in sorted(r[1].break_by_reason.items())),
               show=lambda r: "; ".join(f"{k or '—'} {hms(v)}" for k, v in sorted(r[1].break_by_reason.items()))),
        _t("talk_time", "talk_s"),
        _t("wrapup_time", "wrapup_s"),
        Column("occupancy", metric_label("occupancy"), lambda r: r[1].occupancy,
               show=lambda r: pct(r[1].occupancy) if r[1].occupancy.den else _("no data")),
    ]


def time_rows(s: Settings, start: datetime, end: datetime) -> list[tuple[str, AgentTime]]:
    """The team's row first, then one per agent (hotline.metrics.agent_time)."""
    team, per = metrics.agent_time(db(), s, start, end)
    return [(_("Team"), team), *per.items()]
