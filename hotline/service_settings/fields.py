"""Which settings the supervisor edits in the panel, how each is written as text and checked.

Only service rules and the operator's lists are here: deployment-level settings (ports, the
database URL, secrets, paths) stay in ``hotline.toml`` / ``HOTLINE_*`` and are never editable
from the panel. Each field is a :class:`hotline.settings.Settings` field; its database value
wins over the file's. Labels and group titles are English msgids the panel translates (zh).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from hotline.cases.categories import CategoryError, override_lines, tree
from hotline.errors import N_, DomainError
from hotline.rules import parse_hhmm, parse_special_period
from hotline.settings import Settings
from hotline.vocabulary import CaseKind

GROUPS: dict[str, str] = {  # group id → title, in page order
    "hours": "Service hours (R-ANS-HOURS)",
    "ring": "Ring rule (R-ANS-4RINGS)",
    "desk": "Agent desk",
    "alerts": "Wallboard alerts (0: off)",
    "repair": "Repair limits (R-FAULT-SLA)",
    "calendar": "Holidays and working days",
    "lists": "Fault types, districts, break reasons",
    "cases": "Case and complaint categories",
    "kpi": "KPI targets (R-KPI)",
    "callbacks": "Callback rules",
}

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Field:
    key: str  # the Settings field
    group: str
    label: str
    kind: str  # int | float | hhmm | lines | seconds_by (KEY=SECONDS lines, a dict; lo/hi bound the seconds)
    lo: float | None = None
    hi: float | None = None
    item: Callable[[str], object] | None = None  # lines: checks one item, ValueError says why
    whole: Callable[[list[str]], object] | None = None  # lines: checks them together
    min_items: int = 0
    max_items: int = 500

    @property
    def is_list(self) -> bool:
        """Edited as lines (a textarea; the CLI's values one per line)."""
        return self.kind in ("lines", "seconds_by")

    def parse(self, text: str) -> Any:
        """The typed value of ``text`` (one item per line for lists); ValueError says what is wrong."""
        if self.kind == "int":
            return self._bounded(_number(text, int, N_("not a whole number: %(given)r")))
        if self.kind == "float":
            return self._bounded(_number(text, float, N_("not a number: %(given)r")))
        if self.kind == "hhmm":
            parse_hhmm(text)
            hh, mm = text.strip().split(":")
            return f"{int(hh):02d}:{int(mm):02d}"
        if self.kind == "seconds_by":
            return self._seconds_by(self._items(text))
        return self._items(text)

    def text(self, value: Any) -> str:
        """The form's text of a value (the inverse of :meth:`parse`)."""
        if self.kind == "seconds_by":
            return "\n".join(f"{k}={v}" for k, v in value.items())
        if self.is_list:
            return "\n".join(str(v) for v in value)
        if self.kind == "float":
            return f"{float(value):g}"
        return str(value)

    def display(self, value: Any) -> str:
        """A value on one line (history, CLI): a list's items separated by " | "."""
        return self.text(value).replace("\n", " | ") if self.is_list else self.text(value)

    def _bounded(self, value: float) -> Any:
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            raise DomainError(N_("must be from %(lo)s to %(hi)s"), lo=f"{self.lo:g}", hi=f"{self.hi:g}")
        return value

    def _seconds_by(self, items: list[str]) -> dict[str, int]:
        """"KEY=SECONDS" lines (the environment's form of the setting, one pair a line) as a dict."""
        out: dict[str, int] = {}
        for n, item in enumerate(items, 1):
            key, sep, seconds = (part.strip() for part in item.rpartition("="))
            try:
                if not sep or not key:
                    raise DomainError(N_("not KEY=SECONDS: %(given)r"), given=item)
                if key in out:
                    raise DomainError(N_("%(given)r is given twice"), given=key)
                out[key] = self._bounded(_number(seconds, int, N_("not a whole number of seconds: %(given)r")))
            except ValueError as exc:
                raise DomainError(N_("line %(n)s: %(why)s"), n=n, why=exc) from None
        return out

    def _items(self, text: str) -> list[str]:
        items = [line.strip() for line in text.splitlines() if line.strip()]
        if len(items) < self.min_items:
            raise DomainError(N_("give at least %(n)s item(s), one per line"), n=self.min_items)
        if len(items) > self.max_items:
            raise DomainError(N_("at most %(n)s items"), n=self.max_items)
        seen: set[str] = set()
        for n, item in enumerate(items, 1):
            if item in seen:
                raise DomainError(N_("line %(n)s: %(given)r is given twice"), n=n, given=item)
            seen.add(item)
            if self.item is not None:
                try:
                    self.item(item)
                except ValueError as exc:
                    raise DomainError(N_("line %(n)s: %(why)s"), n=n, why=exc) from None
        if self.whole is not None:
            self.whole(items)
        return items


def _number(text: str, typ: type[int] | type[float], template: str) -> float:
    try:
        return typ(text.strip())
    except ValueError:
        raise DomainError(template, given=text.strip()) from None


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(N_("not a YYYY-MM-DD date: %(given)r"), given=text) from None


def _fault_type(text: str) -> None:
    if not _KEY.match(text):
        raise DomainError(N_("%(given)r: a fault type is a key of latin letters, digits and _ (stored on reports)"),
                          given=text)


def _short(limit: int) -> Callable[[str], None]:
    def check(text: str) -> None:
        if len(text) > limit:
            raise DomainError(N_("%(given)r is longer than %(n)s characters"), given=text, n=limit)
    return check


def _category_line(complaint: bool) -> Callable[[str], None]:
    def check(text: str) -> None:
        _categories(complaint)([text])
    return check


def _categories(complaint: bool) -> Callable[[list[str]], None]:
    def check(lines: list[str]) -> None:
        override_lines([] if complaint else lines, lines if complaint else [])  # a CategoryError says why
    return check


def _minutes(key: str, group: str, label: str, hi: float = 7 * 24 * 60) -> Field:
    return Field(key, group, label, "int", 1, hi)


FIELDS: tuple[Field, ...] = (
    Field("hours_open", "hours", "Opens at (HH:MM)", "hhmm"),
    Field("hours_close", "hours", "Closes at (HH:MM; equal to the opening: around the clock)", "hhmm"),
    Field("ring_cycle_s", "ring", "One ring cycle, seconds", "float", 0.5, 30),
    Field("max_rings", "ring", "Answered within this many rings", "int", 1, 20),
    Field("desk_hold_warn_s", "desk", "The desk warns an agent holding a caller longer than, seconds", "int", 10, 3600),
    Field("alert_waiting_callers", "alerts", "Callers waiting in a queue", "int", 0, 1000),
    Field("alert_longest_wait_s", "alerts", "Longest wait, seconds (-1: the ring rule's)", "float", -1, 3600),
    Field("alert_sl_target_pct", "alerts", "Today's service level under, percent", "float", 0, 100),
    Field("alert_sl_min_offered", "alerts", "... once this many calls were offered today", "int", 0, 100000),
    Field("alert_no_agent_s", "alerts", "Callers waiting with no agent available, seconds", "float", 0, 3600),
    Field("alert_break_s", "alerts", "A break longer than, seconds", "int", 0, 24 * 3600),
    Field("alert_break_reason_s", "alerts", "A break for this reason longer than: REASON=SECONDS per line "
          "(e.g. 用餐=3600; the others: the line above)", "seconds_by", 0, 24 * 3600),
    Field("alert_wrapup_over_s", "alerts", "After-call work running past its end by, seconds", "int", 0, 3600),
    _minutes("sla_urban_arrive_min", "repair", "Urban: arrive within, minutes"),
    _minutes("sla_urban_small_fix_min", "repair", "Urban: small fault fixed within, minutes"),
    _minutes("sla_urban_big_fix_min", "repair", "Urban: big fault fixed within, minutes"),
    _minutes("sla_rural_arrive_min", "repair", "Rural: arrive within, minutes"),
    _minutes("sla_rural_small_fix_min", "repair", "Rural: small fault fixed within, minutes"),
    _minutes("sla_rural_big_fix_min", "repair", "Rural: big fault fixed within, minutes"),
    Field("fault_same_evening_cutoff", "repair", "Reports before this are handled the same evening (HH:MM)", "hhmm"),
    Field("fault_same_evening_end", "repair", "A same-evening small fault is fixed by (HH:MM)", "hhmm"),
    Field("fault_special_periods", "repair",
          "Special periods: FROM..TO [cutoff], one per line (e.g. 2026-12-24..2027-01-03 24:00)", "lines",
          item=parse_special_period),
    Field("calendar_holidays", "calendar", "Extra days off (YYYY-MM-DD, one per line)", "lines", item=_iso_date),
    Field("calendar_workdays", "calendar", "Extra working days (YYYY-MM-DD, one per line)", "lines", item=_iso_date),
    Field("ivr_fault_types", "lists", "IVR fault types: key n is line n", "lines", item=_fault_type,
          min_items=1, max_items=9),
    Field("districts", "lists", "Districts (empty: any)", "lines", item=_short(64)),
    Field("desk_break_reasons", "lists", "Break reasons", "lines", item=_short(64), min_items=1),
    Field("case_categories", "cases", "Case categories replacing the file's, per kind: KIND KEY LABEL per line",
          "lines", item=_category_line(complaint=False), whole=_categories(complaint=False)),
    Field("complaint_categories", "cases", "Complaint categories (R-COMPLAINT-CATEGORIES): KEY LABEL per line",
          "lines", item=_category_line(complaint=True), whole=_categories(complaint=True)),
    Field("kpi_satisfaction_pct", "kpi", "Customer satisfaction target, percent", "float", 0, 100),
    Field("kpi_on_time_pct", "kpi", "On-time handling target, percent", "float", 0, 100),
    Field("kpi_complaint_resolution_pct", "kpi", "Complaint resolution target, percent", "float", 0, 100),
    Field("kpi_compliance_pct", "kpi", "Standard compliance target, percent", "float", 0, 100),
    Field("kpi_retraining_months", "kpi", "Below target this many months in a row: retraining", "int", 1, 24),
    _minutes("callback_missed_due_min", "callbacks", "A missed caller is called back within, minutes"),
    Field("callback_revisit_start", "callbacks", "Repair revisits: next working morning from (HH:MM)", "hhmm"),
    Field("callback_revisit_end", "callbacks", "Repair revisits: until (HH:MM)", "hhmm"),
    Field("callback_consult_due_h", "callbacks", "Consultation answered within, working hours", "float", 0.5, 720),
    Field("complaint_contact_h", "callbacks", "Complaint: customer contacted within, hours", "float", 0.5, 720),
    Field("complaint_solution_h", "callbacks", "Complaint: solved within, hours", "float", 0.5, 720),
    Field("complaint_progress_h", "callbacks", "Complex complaint: progress reported within, hours", "float", 0.5, 720),
    _minutes("callback_overdue_release_min", "callbacks", "An overdue task is anyone's after, minutes"),
    Field("callback_max_attempts", "callbacks", "Dials per callback task", "int", 1, 20),
    _minutes("callback_retry_min", "callbacks", "Between two dials of a task, minutes"),
)

BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}
RING_RULE_KEYS = frozenset({"ring_cycle_s", "max_rings"})


def cross_check(values: dict[str, Any], base: Settings | None = None) -> dict[str, DomainError]:
    """Checks that span fields, on the values as they would be after the save: key → message.
    With ``base`` (the file settings), also that the IVR can say every fault type."""
    errors: dict[str, DomainError] = {}
    if base is not None:
        unnamed = _unnamed_fault_types(base, values)
        if unnamed:
            errors["ivr_fault_types"] = DomainError(N_("%(given)s: no repair case category of that key names it (the "
                                                       "IVR's fault_type prompt says the categories' labels)"),
                                                    given=", ".join(unnamed))
    if parse_hhmm(values["callback_revisit_start"]) >= parse_hhmm(values["callback_revisit_end"]):
        errors["callback_revisit_end"] = DomainError(N_("must be later than the revisits' start"))
    unknown = [r for r in values["alert_break_reason_s"] if r not in values["desk_break_reasons"]]
    if unknown:
        errors["alert_break_reason_s"] = DomainError(N_("%(given)s: not one of the break reasons"),
                                                     given=", ".join(unknown))
    both = set(values["calendar_holidays"]) & set(values["calendar_workdays"])
    if both:
        errors["calendar_workdays"] = DomainError(N_("%(given)s also listed as a day off"),
                                                  given=", ".join(sorted(both)))
    return errors


def _unnamed_fault_types(base: Settings, values: dict[str, Any]) -> list[str]:
    """The fault types no repair category names, with the categories as they would be after the save."""
    s = base.replace(case_categories=values["case_categories"], complaint_categories=values["complaint_categories"])
    try:
        named = tree(s)[CaseKind.REPAIR].categories
    except CategoryError:  # a bad categories file is the categories' check, said elsewhere
        return []
    return [key for key in values["ivr_fault_types"] if key not in named]
