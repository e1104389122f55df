"""What a caller keys for one whole keypad fault report, question by question, in the order the
IVR's inbound flow asks them (``ivr/flow.py``: menu → contact → account → area → fault type →
description → confirmation; a caller in the customer master, or any caller while ``districts`` is
empty, is not asked a district). The demo's simulated callers (``ami_listener/demo_caller.py``) and
the IVR benchmark's (``bench/keying_caller.py``) press these keys."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    """The keys for one question, named by the step the IVR traces once it has them
    (``UserEvent: HotlineIvr``, ``Step:``)."""

    step: str
    groups: tuple[str, ...]  # one press each: the description is asked twice ('#' starts and ends it)
    # the last group is pressed again until the IVR traces the step: a recording ends only on '#'
    # (a simulated caller sends no voice for silence to end it) and a key over its beep is dropped
    until_traced: bool = False


FAULT_ANSWERS: tuple[Answer, ...] = (
    Answer("menu", ("1",)),  # 故障报修
    Answer("fault.contact", ("1",)),  # call me back on this number
    Answer("fault.account", ("12345678#",)),
    Answer("fault.area", ("1",)),  # urban
    Answer("fault.type", ("2",)),
    Answer("fault.describe", ("#", "#"), until_traced=True),  # '#' over the prompt, '#' ends the recording
    Answer("fault.confirm", ("1",)),
)
# the same keys as one press per question, for callers that see the questions rather than the steps
FAULT_GROUPS: tuple[str, ...] = tuple(group for answer in FAULT_ANSWERS for group in answer.groups)


def fault_answers(fault_key: str) -> tuple[Answer, ...]:
    """The whole report with ``fault_key`` pressed at the fault-type menu (key n: the n-th of
    ``ivr_fault_types``): the demo's reporters each report a different fault."""
    return tuple(Answer(a.step, (fault_key,)) if a.step == "fault.type" else a for a in FAULT_ANSWERS)
