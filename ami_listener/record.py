"""The call record the builder makes: what one call was, as the store keeps it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hotline.vocabulary import AttemptResult, Direction, Disposition, HangupParty, TransferKind


def r3(x: float | None) -> float | None:
    """Seconds as the record keeps them: to the millisecond."""
    return None if x is None else round(x, 3)


@dataclass
class Attempt:
    """One ring of one agent."""

    agent: str
    rang_at: float
    ring_seconds: float | None
    result: AttemptResult
    channel: str = field(default="", repr=False)

    def as_json(self) -> dict[str, Any]:
        return {"agent": self.agent, "rang_at": self.rang_at, "ring_seconds": r3(self.ring_seconds),
                "result": self.result}


@dataclass
class Transfer:
    """The caller handed on by an agent: ``to`` is the agent (or extension) reached, None when
    the events do not say."""

    kind: TransferKind
    from_agent: str | None
    to: str | None
    at: float | None
    result: str | None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "from_agent": self.from_agent, "to": self.to, "at": self.at,
                "result": self.result}


@dataclass
class CallRecord:
    call_id: str
    server: str
    direction: Direction = Direction.UNKNOWN
    caller_number: str | None = None
    caller_name: str | None = None
    dialed: str | None = None
    started_at: float | None = None
    queued_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    queue: str | None = None
    agent: str | None = None
    final_agent: str | None = None
    wait_seconds: float | None = None
    ring_seconds: float | None = None
    rings: int | None = None
    within_4_rings: bool | None = None
    talk_seconds: float | None = None
    # the agent's side holding the caller (holds.py), inside talk while the agent stays bridged
    holds: int | None = None
    hold_seconds: float | None = None
    # the outside number an agent handed the caller on to, the caller ending with no agent
    # (builder._transferred_out); None: no such transfer
    transferred_out: str | None = None
    disposition: Disposition = Disposition.UNKNOWN
    hangup_first: HangupParty | None = None
    recording: str | None = None
    transfers: list[Transfer] = field(default_factory=list)
    ivr: dict[str, Any] | None = None
    survey: int | None = None
    incomplete: bool = False
    vars: dict[str, str] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    # the call this one's channels serve rather than being a call of their own (the desk's phrase
    # player or spy, any supervisor's ChanSpy): the pipeline keeps no record of its own for it
    serves: str | None = field(default=None, repr=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CallRecord:
        """A record written with ``dataclasses.asdict`` (the listener's journal)."""
        d = dict(d)
        attempts = [Attempt(**{**a, "result": AttemptResult(a["result"])}) for a in d.pop("attempts", [])]
        transfers = [Transfer(**{**t, "kind": TransferKind(t["kind"])}) for t in d.pop("transfers", [])]
        party = d.pop("hangup_first", None)
        return cls(**{**d, "direction": Direction(d.get("direction", Direction.UNKNOWN)),
                      "disposition": Disposition(d.get("disposition", Disposition.UNKNOWN))},
                   hangup_first=None if party is None else HangupParty(party), attempts=attempts, transfers=transfers)
