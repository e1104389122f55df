"""Why a callback task was not dialled (``hotline.callbacks.dial``: the panel's 回拨, the desk's
dial-out, the CLI). A refused dial raises :class:`DialRefused`, a ``CallbackError`` that carries
one of these codes and the particulars the refusal names; the panel says it in the agent's
language from the code (``web/callback_refusals.py``), its English ``message`` says the same for
logs and the CLI. Nothing stores a code: the database keeps no refusal."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from hotline.callbacks.tasks import CallbackError


class DialRefusal(StrEnum):
    NO_TASK = "no_task"
    NOT_AN_AGENT = "not_an_agent"  # the agent is not an extension number
    # the task
    CLOSED = "closed"  # done, failed or cancelled (``status`` names which)
    IN_PROGRESS = "in_progress"  # one of its calls is still going on
    NO_ATTEMPTS_LEFT = "no_attempts_left"  # callback_max_attempts counted attempts (``limit``)
    RETRY_LATER = "retry_later"  # callback_retry_min since the last attempt not over (``at``)
    NOT_YET = "not_yet"  # its window opens later, e.g. a revisit's morning (``at``)
    # the dialling policy (hotline/dialing_policy.py; toll fraud)
    HELD = "held"  # outside the policy, waiting for a supervisor's approval
    OUTSIDE_POLICY = "outside_policy"  # found outside the policy at this dial: held from now on
    DAY_CAP = "day_cap"  # dial_max_per_day (``limit``)
    NUMBER_DAY_CAP = "number_day_cap"  # dial_max_per_number_day (``limit``)
    # the PBX
    PBX_FAILED = "pbx_failed"  # the Originate failed: Asterisk unreachable or refusing


class DialRefused(CallbackError):
    """A dial the callback rules refuse: ``reason`` for the panel to say, the English ``message``
    (the exception's text) with the particulars for logs and the CLI. ``at`` (UTC), ``limit`` and
    ``status`` are the particulars the panel's sentence names, when the reason has one."""

    def __init__(self, reason: DialRefusal, message: str, *, at: datetime | None = None,
                 limit: int | None = None, status: str | None = None) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message
        self.at, self.limit, self.status = at, limit, status
