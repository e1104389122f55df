"""The values metrics are made of: a rate shown with its numerator and denominator, and the
figures of one group of calls."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Ratio:
    num: int
    den: int

    @property
    def value(self) -> float | None:
        return None if not self.den else self.num / self.den

    @property
    def pct(self) -> float | None:
        v = self.value
        return None if v is None else round(100.0 * v, 1)

    def as_dict(self) -> dict[str, Any]:
        return {"num": self.num, "den": self.den, "value": self.value}

    def __str__(self) -> str:
        p = self.pct
        return f"{self.num}/{self.den}" + ("" if p is None else f" ({p:.1f}%)")


@dataclass
class Figures:
    """The metrics of one group of calls (team, one agent, one time bucket)."""

    offered: int = 0
    ivr_only: int = 0
    answered: int = 0
    abandoned: int = 0  # after the short-abandon threshold
    short_abandoned: int = 0
    timeouts: int = 0
    no_agent: int = 0  # 无坐席: the queue had no agent to take the caller
    queue_full: int = 0  # 队列满: the queue refused the caller, holding its maxlen callers
    transferred_out: int = 0  # answered calls an agent handed on to an outside number
    asa: float | None = None
    aht: float | None = None
    avg_hold: float | None = None  # None: no answered call whose holds are known
    # R-SL ÷ offered: a queue's figure, so an agent's is None (an agent is offered no calls; their
    # service level is sl_answered)
    sl: Ratio | None = field(default_factory=lambda: Ratio(0, 0))
    sl_answered: Ratio = field(default_factory=lambda: Ratio(0, 0))
    abandon_rate: Ratio = field(default_factory=lambda: Ratio(0, 0))
    hangup_first: int = 0
    satisfaction: Ratio = field(default_factory=lambda: Ratio(0, 0))
    compliance: Ratio = field(default_factory=lambda: Ratio(0, 0))
    four_ring_rate: Ratio = field(default_factory=lambda: Ratio(0, 0))
    four_ring_violations: int = 0
    no_answer_attempts: int = 0
    qa_avg: float | None = None
    qa_count: int = 0
    repeat_rate: Ratio | None = None
    callback_closure: Ratio | None = None
    revisit_done: Ratio | None = None
    fault_sla: Ratio | None = None
    complaint_clocks: Ratio | None = None
    # from cases (hotline/metrics/cases.py): per agent by the case's owner
    case_on_time: Ratio | None = None  # R-KPI
    case_complaint_resolution: Ratio | None = None  # R-KPI
    first_call_resolution: Ratio | None = None  # R-ONE-CALL

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in asdict(self).items():
            attr = getattr(self, k)
            out[k] = attr.as_dict() if isinstance(attr, Ratio) else v
        return out
