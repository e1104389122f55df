"""How a call ended (its disposition), decided by an explicit table: the first row whose
condition the call's facts meet gives the outcome; no row, ``unknown`` (what the seen events do
not prove is not guessed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from hotline.vocabulary import Disposition

QUEUE_STATUS_VAR = "QUEUESTATUS"  # the channel variable Queue() leaves its answer in
# QUEUESTATUS values (app_queue.c's queue_results) meaning the caller left the queue unanswered
# without hanging up; of them, those saying the queue had no agent to take it (joinempty,
# leavewhenempty; Asterisk 16 sets the UNAVAIL ones nowhere, they are its names of the same), and
# the one saying it held its maxlen callers already (FULL: refused at the join, never queued)
QUEUE_LEFT_UNANSWERED = frozenset({"TIMEOUT", "FULL", "JOINEMPTY", "LEAVEEMPTY", "JOINUNAVAIL", "LEAVEUNAVAIL",
                                   "CONTINUE", "WITHDRAW"})
QUEUE_UNSTAFFED = frozenset({"JOINEMPTY", "LEAVEEMPTY", "JOINUNAVAIL", "LEAVEUNAVAIL"})
QUEUE_FULL = "FULL"


@dataclass(frozen=True)
class InboundFacts:
    answered: bool  # an agent answered (or the answer was seen)
    queue_status: str | None  # the last QUEUESTATUS the dialplan set
    abandoned: bool  # QueueCallerAbandon
    left_queue: bool  # QueueCallerLeave or QueueCallerAbandon
    queued: bool  # QueueCallerJoin
    complete: bool  # every event of the call was seen
    caller_up: bool  # the caller's channel (or its Local twin) was answered by the dialplan
    dialled: bool = False  # phones were rung by a plain Dial() (not through a queue)
    left_ringing: bool = False  # the caller hung up while phones rang (a Dial() attempt cancelled)
    left_by_key: bool = False  # the queued caller pressed a key and left the queue (its context=)
    # seen: a member's end of a talk of no whole second, not its connection (accept_prompt.py's
    # unproven_answers): an answer or a refusal at an accept prompt
    answer_unproven: bool = False


@dataclass(frozen=True)
class OutboundFacts:
    answered: bool  # the customer answered
    agent_up: bool  # the agent's device answered
    customer_dialled: bool
    complete: bool


F = TypeVar("F")
Row = tuple[str, Callable[[F], bool], Disposition]


@dataclass(frozen=True)
class OutcomeTable(Generic[F]):
    rows: tuple[Row[F], ...]

    def decide(self, facts: F) -> Disposition:
        return next((outcome for _, holds, outcome in self.rows if holds(facts)), Disposition.UNKNOWN)


INBOUND: OutcomeTable[InboundFacts] = OutcomeTable((
    ("an agent answered", lambda f: f.answered, Disposition.ANSWERED),
    ("a member's answer neither proven nor ruled out", lambda f: f.answer_unproven, Disposition.UNKNOWN),
    # a queue timeout (and leavewhenempty) also emits QueueCallerAbandon: QUEUESTATUS decides first
    ("the queue had no agent to take the caller", lambda f: f.queue_status in QUEUE_UNSTAFFED, Disposition.NO_AGENT),
    ("the queue was full", lambda f: f.queue_status == QUEUE_FULL, Disposition.QUEUE_FULL),
    ("the queue let the caller go", lambda f: f.queue_status in QUEUE_LEFT_UNANSWERED, Disposition.TIMEOUT),
    ("the caller hung up in the queue", lambda f: f.abandoned, Disposition.ABANDONED),
    # the caller chose to stop waiting (Queue's context=, ExitWithKey): given up, as by hanging up
    ("the caller left the queue by a key", lambda f: f.left_by_key, Disposition.ABANDONED),
    ("left the queue with no key and no status", lambda f: f.left_queue, Disposition.TIMEOUT),
    # a plain Dial(): the phones rung tell the outcome, whatever the dialplan answered before
    ("never queued, the caller gave up while phones rang", lambda f: f.complete and not f.queued and f.left_ringing,
     Disposition.ABANDONED),
    ("never queued, the phones rung did not answer", lambda f: f.complete and not f.queued and f.dialled,
     Disposition.FAILED),
    ("never queued, the IVR answered", lambda f: f.complete and not f.queued and f.caller_up, Disposition.IVR),
    ("never queued, never answered", lambda f: f.complete and not f.queued, Disposition.FAILED),
    ("queued, gone without a queue event", lambda f: f.complete and f.queued, Disposition.ABANDONED),
))

OUTBOUND: OutcomeTable[OutboundFacts] = OutcomeTable((
    ("the customer answered", lambda f: f.answered, Disposition.ANSWERED),
    ("the agent answered, the customer did not", lambda f: f.agent_up or f.customer_dialled, Disposition.NO_ANSWER),
    ("the agent's phone did not answer", lambda f: f.complete, Disposition.AGENT_NO_ANSWER),
))
