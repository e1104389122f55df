"""Every metric of the hotline, defined once. Pages, the JSON API and CSV exports all call these
functions; nothing else computes a metric. One module per concept:

- :mod:`~hotline.metrics.definitions` — the catalogue (METRICS, KPIS): keys, labels, definitions;
- :mod:`~hotline.metrics.values` — Ratio and Figures;
- :mod:`~hotline.metrics.periods` — days, weeks, months in the operator's zone;
- :mod:`~hotline.metrics.queries` — the grouped scan of the calls and its classification, ring
  attempts (R-ANS-4RINGS), QA;
- :mod:`~hotline.metrics.cache` — the one cache (kept past days, R-KPI months);
- :mod:`~hotline.metrics.rollups` — the kept past days as rows shared by every process;
- :mod:`~hotline.metrics.refresh` — the scheduler's step that writes them;
- :mod:`~hotline.metrics.team` — team and per-agent figures of a period;
- :mod:`~hotline.metrics.followup` — repeat calls, callbacks, revisits, fault SLA, complaints;
- :mod:`~hotline.metrics.repeat_inputs` — the calls the repeats read, kept per closed hour;
- :mod:`~hotline.metrics.series` — the charts' time series;
- :mod:`~hotline.metrics.cases` — the case metrics (first-call resolution, R-KPI on-time handling
  and complaint resolution per owner and team);
- :mod:`~hotline.metrics.kpi` — R-KPI months and retraining;
- :mod:`~hotline.metrics.agent_time` — the agents' time in desk states and occupancy.
"""

from hotline.metrics.agent_time import AgentTime, agent_time
from hotline.metrics.cache import clear as clear_cache
from hotline.metrics.cases import complaint_resolution_cases, on_time_handling
from hotline.metrics.definitions import KPIS, METRICS, SETTING_TERMS, Kpi, Metric, cited, label
from hotline.metrics.followup import (
                                      callback_closure,
                                      complaint_clocks,
                                      fault_sla,
                                      repeat_rate,
                                      revisit_done,
)
from hotline.metrics.kpi import KpiCell, kpis, team_kpis
from hotline.metrics.periods import kpi_month, local_day_start, month_range, months_back, period
from hotline.metrics.queries import current_grades
from hotline.metrics.series import series
from hotline.metrics.stamps import one_reading
from hotline.metrics.team import agent_figures, figures, service_level, team_and_agents
from hotline.metrics.values import Figures, Ratio

__all__ = ["KPIS", "METRICS", "SETTING_TERMS", "AgentTime", "Figures", "Kpi", "KpiCell", "Metric", "Ratio",
           "agent_figures",
           "agent_time", "callback_closure", "cited",
           "clear_cache", "complaint_clocks", "complaint_resolution_cases", "current_grades", "fault_sla",
           "figures", "kpi_month", "kpis", "label", "local_day_start", "month_range",
           "months_back", "on_time_handling", "one_reading", "period", "repeat_rate", "revisit_done", "series",
           "service_level", "team_and_agents", "team_kpis"]
