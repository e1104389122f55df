"""The catalogue: every metric and R-KPI of the hotline with its key, its labels (zh / en) and
its written definition. The one source of metric names: the panel's tables, the agent page, CSV
headers and the KPI table all read their labels here (Babel translates the rest of the UI only).

Conventions of every metric:
- a period is [start, end) in UTC; calls belong to the period of their ``started_at``;
- only inbound calls count for queue metrics (every query filters on ``direction == inbound``,
  never ``!= outbound``): outbound (callback) calls are not "offered", and internal calls (a
  phone calling a phone: a consultation, a colleague, a pickup; ``Direction.INTERNAL``) count in
  no call figure — not offered, answered, service level, 4-ring rate, abandons, repeat calls;
- a rate is a :class:`~hotline.metrics.values.Ratio` (numerator and denominator shown, value
  ``None`` when the denominator is 0); a metric whose data does not exist yet is ``None`` ("no
  data"), never 0;
- thresholds come from settings (``service_level_s``, ``short_abandon_s``, ``repeat_window_h``,
  ``kpi_*``) and from :mod:`hotline.rules` (the 4-ring threshold, deadlines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hotline.errors import N_


@dataclass(frozen=True)
class Metric:
    key: str
    zh: str
    en: str
    rule: str | None
    definition: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


# The written definitions (also in README "## Panel"). Keys are used as column ids in tables,
# JSON and CSV.
METRICS: dict[str, Metric] = {m.key: m for m in [
    Metric("offered", "进入队列", "Offered", None,
           "inbound calls that reached the queue (answered + abandoned + timeout + no agent + queue full, or "
           "queued_at set)"),
    Metric("ivr_only", "仅IVR", "IVR only", None,
           "inbound calls that ended in the IVR without reaching the queue (disposition ivr); counted apart"),
    Metric("answered", "接通", "Answered", None,
           "inbound calls bridged with an agent (disposition answered, agent set)"),
    Metric("asa", "平均应答时间(秒)", "ASA (s)", None, "mean wait_seconds of answered calls"),
    Metric("avg_hold", "平均保持时长(秒)", "Average hold (s)", None,
           "hold_seconds of the answered calls whose holds are known ÷ those calls (per agent: the calls "
           "they answered); a call whose holds could not be proven (an AMI gap, no timestamps) is left out, "
           "not counted as no hold"),
    Metric("aht", "平均处理时长(秒)", "AHT (s)", None,
           "(talk_seconds of the answered calls + the agents' after-call work (话后整理, the desk's "
           "presence) in the period) ÷ answered calls"),
    Metric("four_ring_rate", "四声内接听率", "4-ring rate", "R-ANS-4RINGS",
           "answered ring attempts within 4 rings ÷ answered ring attempts, per agent (attempts of the "
           "inbound calls of the period); within = the call's within_4_rings (else ring_seconds ≤ "
           "max_rings × ring_cycle_s)"),
    Metric("four_ring_violations", "超四声违规", "4-ring violations", "R-ANS-4RINGS",
           "answered attempts past 4 rings + every no_answer attempt (rang out) of that agent + declined "
           "attempts (picked up, then turned down at an accept prompt) picked up past 4 rings; a refusal "
           "is no ring-out"),
    Metric("no_answer_attempts", "振铃未接", "Rang out", "R-ANS-4RINGS",
           "ring attempts of the agent that rang out unanswered (result no_answer)"),
    Metric("sl", "服务水平", "Service level", None,
           "answered with wait ≤ service_level_s ÷ (answered + abandoned after short_abandon_s + timeouts + "
           "no agent + queue full); "
           "the queue's figure: an agent has none (see sl_answered)"),
    Metric("sl_answered", "服务水平(÷接通)", "SL (÷ answered)", None,
           "answered with wait ≤ service_level_s ÷ answered; the only service level an agent has (an "
           "agent is offered no calls: the queue is)"),
    Metric("abandon_rate", "放弃率", "Abandon rate", None,
           "abandoned with wait > short_abandon_s ÷ offered; short abandons (wait ≤ short_abandon_s) listed apart"),
    Metric("abandoned", "放弃", "Abandoned", None, "inbound calls abandoned in the queue with wait > short_abandon_s"),
    Metric("short_abandoned", "短时放弃", "Short abandons", None, "abandoned with wait ≤ short_abandon_s"),
    Metric("timeouts", "排队超时", "Timeouts", None, "left the queue unanswered after queue_timeout_s"),
    Metric("no_agent", "无坐席", "No agent", "R-MISSED-CALLBACK",
           "inbound calls the queue refused or let go because no agent staffed it (QUEUESTATUS JOINEMPTY / "
           "LEAVEEMPTY: joinempty, leavewhenempty): offered, not answered, called back as missed calls"),
    Metric("queue_full", "队列满", "Queue full", "R-MISSED-CALLBACK",
           "inbound calls the queue refused at the join because it already held maxlen callers (QUEUESTATUS "
           "FULL): offered, not answered, called back as missed calls"),
    Metric("transferred_out", "转外线", "Transferred outside", None,
           "answered calls an agent handed on to an outside number (transferred_out set): the caller ended "
           "with no agent; per agent, the calls they answered"),
    Metric("hangup_first", "先挂机违规", "Hung up first", "R-ANS-HANGUP-LAST",
           "answered calls where the agent hung up first (hangup_first = agent), except calls flagged "
           "malicious (HOTLINE_MALICIOUS: the rule's one exception) or ended by a supervisor (HOTLINE_FORCED_HANGUP)"),
    Metric("repeat_rate", "重复来电率", "Repeat-call rate", "R-ONE-CALL",
           "inbound calls from a number that already called within repeat_window_h about a matter "
           "still open (that earlier call was not answered by an agent, or left a fault ticket) ÷ "
           "inbound calls with a caller number"),
    Metric("callback_closure", "未接回拨闭环率", "Callback closure", "R-MISSED-CALLBACK",
           "missed-call tasks made in the period that were closed within callback_missed_due_min — a "
           "callback reached the customer, or they called again and were answered — counted from the "
           "missed call, or from the next opening for a call missed out of hours (a request for a person "
           "included), before which nobody calls back ÷ missed-call tasks made in the period (withheld "
           "numbers make no task and are not counted)"),
    Metric("revisit_done", "故障回访完成率", "Revisits done", "R-FAULT-REVISIT",
           "revisit tasks due in the period that were done (customer reached, both answers — fixed? "
           "satisfied? — recorded) ÷ revisit tasks due in the period that are done, reached without both "
           "answers, failed, or still open past their deadline; cancelled tasks and deadlines still ahead "
           "do not count"),
    Metric("fault_sla", "故障时限达标率", "Fault SLA met", "R-FAULT-SLA",
           "fault reports (with a fix-by time) closed by their fix-by ÷ reports closed + reports open past "
           "their fix-by; a closed report's updated_at is its repair time"),
    Metric("complaint_clocks", "投诉时限达标率", "Complaint clocks met", "R-COMPLAINT",
           "clocks of the complaints received in the period (contact 2 h; solution 24 h for a general one, "
           "progress 72 h for a complex one) stopped by their deadline ÷ clocks stopped or past their "
           "deadline; clocks still running within their deadline do not count"),
    Metric("satisfaction", "满意度", "Satisfaction", "R-SURVEY",
           "surveys answered 1 (satisfied) ÷ surveys answered; per agent, a rating counts for the agent who "
           "sent the caller to the survey (HOTLINE_SURVEY_AGENT), else the last agent the caller talked to"),
    Metric("qa_count", "质检数", "QA graded", "R-QA", "calls with a current QA grade"),
    Metric("qa_avg", "质检平均分", "QA average", "R-QA",
           "mean score of the current QA grade of each graded call (a correction replaces the grade it corrects)"),
    Metric("compliance", "服务规范达标率", "Standard compliance", "R-KPI",
           "answered calls that were within 4 rings or apologised (HOTLINE_LATE_APOLOGY) and where the "
           "agent did not hang up first ÷ answered calls"),
    # cases (hotline/metrics/cases.py): cases belong to the period of their created_at
    Metric("first_call_resolution", "一次解决率", "First-call resolution", "R-ONE-CALL",
           "cases resolved on the call (first_call_resolved yes) ÷ cases where the desk recorded yes or no; "
           "per agent by the case's owner"),
    Metric("case_on_time", "工单及时处理率", "Cases on time", "R-KPI",
           "cases closed by their deadline (the kind's rule: R-FAULT-SLA, R-CONSULT-24H, R-COMPLAINT, "
           "case_default_due_h) ÷ cases closed or still open past it; cases within their deadline do not count"),
    Metric("case_complaint_resolution", "投诉工单处理率", "Complaint cases resolved", "R-KPI",
           "complaint cases closed by their deadline (solution 24 h general / progress 72 h complex) ÷ "
           "complaint cases closed or still open past it"),
    # the agents' time in states (hotline/metrics/agent_time.py), from the desk's presence rows
    # (desk_presence): each state's seconds inside the period, a state over its edge cut at it
    Metric("logged_in_time", "登录时长", "Logged in", None,
           "seconds in any desk state but 签出 (logged out)"),
    Metric("available_time", "示闲时长", "Available", None, "seconds in 示闲 (available, waiting for a call)"),
    Metric("busy_time", "示忙时长", "Busy", None, "seconds in 示忙 (busy: paused, no reason)"),
    Metric("break_time", "小休时长", "Break", None,
           "seconds in 小休 (break), in all and per reason (desk_break_reasons)"),
    Metric("talk_time", "通话时长", "Talking", None,
           "seconds in the desk's talking state (answered to the call's end)"),
    Metric("wrapup_time", "话后整理时长", "After-call work", None,
           "seconds in 话后整理 (after-call work), extensions included"),
    Metric("occupancy", "占用率", "Occupancy", None,
           "(talking + after-call work) ÷ (logged in − break − busy), i.e. ÷ (available + ringing + talking + "
           "after-call work): the share of the time staffed for calls spent handling them (the industry's "
           "definition; break and busy are auxiliary states)"),
]}


@dataclass(frozen=True)
class Kpi:
    """R-KPI: one of the four monthly KPIs, the metric it is measured by and the setting holding
    its target (percent)."""

    key: str
    metric: str
    target_setting: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


KPIS: dict[str, Kpi] = {k.key: k for k in [
    Kpi("satisfaction", "satisfaction", "kpi_satisfaction_pct", "客户满意率", "Customer satisfaction"),
    # on-time handling and complaint resolution are measured on cases (hotline/metrics/cases.py), per
    # agent (the case's owner) and for the team
    Kpi("on_time", "case_on_time", "kpi_on_time_pct", "及时处理率", "On-time handling"),
    Kpi("complaint_resolution", "case_complaint_resolution", "kpi_complaint_resolution_pct", "投诉处理率",
        "Complaint resolution"),
    Kpi("compliance", "compliance", "kpi_compliance_pct", "服务规范达标率", "Standard compliance"),
]}


def label(key: str, lang: str) -> str:
    """The label of a metric key in ``lang`` ("zh", else English); an unknown key is its own label."""
    m = METRICS.get(key)
    return key if m is None else m.label(lang)


# The settings the definitions cite, by the name a reader finds them under (English msgids the
# panel translates): a definition names a threshold by its key, the page says it by this name and
# its current value (web.i18n.setting_phrase), so a supervisor can tie it to the settings.
SETTING_TERMS: dict[str, str] = {
    "service_level_s": N_("service level time limit"),
    "short_abandon_s": N_("short abandon limit"),
    "queue_timeout_s": N_("queue time limit"),
    "max_rings": N_("rings allowed"),
    "ring_cycle_s": N_("ring cycle"),
    "repeat_window_h": N_("repeat-call window"),
    "callback_missed_due_min": N_("missed-call callback limit"),
    "case_default_due_h": N_("default case limit"),
    "complaint_solution_h": N_("complaint solution limit"),
    "desk_break_reasons": N_("break reasons"),
}
# What a definition cites as it is spelt elsewhere: a column of the CSV and the database
# (wait_seconds), a channel variable the dialplan sets (HOTLINE_MALICIOUS), what Asterisk reports
# or is configured with (QUEUESTATUS JOINEMPTY, joinempty, maxlen, the AMI).
_CITED = re.compile(r"\b(?:[A-Za-z]+(?:_[A-Za-z0-9*]+)+|QUEUESTATUS|JOINEMPTY|LEAVEEMPTY|FULL|AMI|joinempty|"
                    r"leavewhenempty|maxlen)\b")


def cited(text: str) -> list[tuple[str, str]]:
    """A (translated) definition cut into its parts, in order: ("text", words), ("setting", a
    SETTING_TERMS key) and ("name", an identifier kept as it is spelt)."""
    parts: list[tuple[str, str]] = []
    at = 0
    for m in _CITED.finditer(text):
        parts += [("text", text[at:m.start()])] if m.start() > at else []
        parts.append(("setting" if m.group() in SETTING_TERMS else "name", m.group()))
        at = m.end()
    return parts + ([("text", text[at:])] if at < len(text) else [])
