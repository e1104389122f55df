"""The disposition tables: the first row that holds decides, in the order the table gives."""

from __future__ import annotations

from dataclasses import replace

from ami_listener.outcome import INBOUND, OUTBOUND, InboundFacts, OutboundFacts
from hotline.vocabulary import Disposition

QUEUED = InboundFacts(answered=False, queue_status=None, abandoned=False, left_queue=False, queued=True,
                      complete=True, caller_up=True)


def test_inbound_rows_in_order() -> None:
    assert INBOUND.decide(replace(QUEUED, answered=True, abandoned=True)) == Disposition.ANSWERED
    # a queue timeout also emits QueueCallerAbandon: QUEUESTATUS wins
    assert INBOUND.decide(replace(QUEUED, queue_status="TIMEOUT", abandoned=True, left_queue=True)) \
        == Disposition.TIMEOUT
    # no agent to take the caller: thrown out (leavewhenempty, QueueCallerAbandon too) or refused at
    # the join (joinempty: never queued); a full queue refused it (maxlen: never queued either)
    assert INBOUND.decide(replace(QUEUED, queue_status="LEAVEEMPTY", abandoned=True, left_queue=True)) \
        == Disposition.NO_AGENT
    assert INBOUND.decide(replace(QUEUED, queue_status="JOINEMPTY", queued=False)) == Disposition.NO_AGENT
    assert INBOUND.decide(replace(QUEUED, queue_status="FULL", queued=False)) == Disposition.QUEUE_FULL
    assert INBOUND.decide(replace(QUEUED, abandoned=True, left_queue=True)) == Disposition.ABANDONED
    # the caller's key took it out of the queue (context=): it gave up waiting
    assert INBOUND.decide(replace(QUEUED, left_queue=True, left_by_key=True)) == Disposition.ABANDONED
    assert INBOUND.decide(replace(QUEUED, left_queue=True)) == Disposition.TIMEOUT  # let go, no key, no status
    assert INBOUND.decide(QUEUED) == Disposition.ABANDONED
    assert INBOUND.decide(replace(QUEUED, queued=False)) == Disposition.IVR
    assert INBOUND.decide(replace(QUEUED, queued=False, caller_up=False)) == Disposition.FAILED


def test_an_answer_neither_proven_nor_ruled_out_is_no_outcome() -> None:
    # a phone member's end of a talk of no whole second, its connection unseen (the tail of a
    # refusal by Queue()'s accept routine, or of a caller who left at once): not a timeout
    tail = replace(QUEUED, queued=False, complete=False, left_queue=True, answer_unproven=True)
    assert INBOUND.decide(tail) == Disposition.UNKNOWN
    assert INBOUND.decide(replace(tail, answered=True)) == Disposition.ANSWERED


def test_plain_dial_rows() -> None:
    # phones rung by a plain Dial(): their outcome decides, whatever the dialplan answered before
    dialled = replace(QUEUED, queued=False, dialled=True)
    assert INBOUND.decide(replace(dialled, answered=True)) == Disposition.ANSWERED
    assert INBOUND.decide(replace(dialled, left_ringing=True)) == Disposition.ABANDONED
    assert INBOUND.decide(dialled) == Disposition.FAILED
    assert INBOUND.decide(replace(dialled, caller_up=False)) == Disposition.FAILED
    assert INBOUND.decide(replace(dialled, complete=False)) == Disposition.UNKNOWN


def test_incomplete_calls_are_not_guessed() -> None:
    assert INBOUND.decide(replace(QUEUED, complete=False)) == Disposition.UNKNOWN
    assert INBOUND.decide(replace(QUEUED, complete=False, queued=False)) == Disposition.UNKNOWN
    assert INBOUND.decide(replace(QUEUED, complete=False, answered=True)) == Disposition.ANSWERED


def test_outbound_rows_in_order() -> None:
    none = OutboundFacts(answered=False, agent_up=False, customer_dialled=False, complete=True)
    assert OUTBOUND.decide(replace(none, answered=True, agent_up=True)) == Disposition.ANSWERED
    assert OUTBOUND.decide(replace(none, agent_up=True)) == Disposition.NO_ANSWER
    assert OUTBOUND.decide(replace(none, customer_dialled=True)) == Disposition.NO_ANSWER
    assert OUTBOUND.decide(none) == Disposition.AGENT_NO_ANSWER
    assert OUTBOUND.decide(replace(none, complete=False)) == Disposition.UNKNOWN
