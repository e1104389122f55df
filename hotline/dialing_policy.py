"""Which numbers the hotline may call or text on its own: the one dialling / SMS policy.

Toll fraud: a caller keys ``00…#`` (abroad) or a premium-rate number into the IVR, hangs up, and
the hotline would call it back at its own cost. So a number is dialled without a supervisor only
when it lies in ``dial_allowed_regions`` and is of one of ``dial_allowed_types`` (fixed line and
mobile by default); anything else waits for approval (callback tasks: status ``held``). Per-number
and per-day caps bound what even an allowed number costs. A number keyed in the IVR that differs
from the caller id is flagged (shown, not blocked: customers give another number of theirs).

Callbacks use it (``hotline.callbacks``); the desk's dial-out and SMS are to call the same
:func:`assess` and :func:`over_cap`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models.callbacks import CallbackAttempt, CallbackTask
from hotline.settings import Settings

# phonenumbers' type names, lower case, as the settings spell them
NUMBER_TYPES = {name.lower(): value for name, value in vars(phonenumbers.PhoneNumberType).items()
                if name.isupper() and isinstance(value, int)}
_SMS_TYPES = {"mobile", "fixed_line_or_mobile"}  # a text reaches only these


class Purpose(StrEnum):
    CALLBACK = "callback"  # a callback task (missed call, revisit, consultation, complaint)
    DIAL_OUT = "dial_out"  # an agent dials a number from the desk
    SMS = "sms"


class Flag(StrEnum):
    """Not against the policy, but shown to whoever dials."""

    KEYED_DIFFERS = "keyed_differs"  # the number keyed in the IVR is not the caller id


@dataclass(frozen=True)
class Verdict:
    number: str  # E.164
    region: str | None
    number_type: str
    reasons: tuple[str, ...] = ()  # why a supervisor must approve; empty: within the policy
    flags: tuple[Flag, ...] = ()

    @property
    def allowed(self) -> bool:
        """May be dialled (or texted) without a supervisor's approval."""
        return not self.reasons

    def summary(self) -> str:
        return "; ".join([*self.reasons, *(f"flag: {f}" for f in self.flags)])


def _type_name(parsed: phonenumbers.PhoneNumber) -> str:
    kind = phonenumbers.number_type(parsed)
    return next((name for name, value in NUMBER_TYPES.items() if value == kind), "unknown")


def assess(s: Settings, e164: str, *, purpose: Purpose = Purpose.CALLBACK,
           caller_id: str | None = None) -> Verdict:
    """The policy's verdict on an E.164 number (``caller_id``: the call's own E.164 number, when
    ``e164`` was keyed rather than taken from the caller id)."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return Verdict(e164, None, "unknown", (f"not a number: {e164!r}",))
    region = phonenumbers.region_code_for_number(parsed)
    kind = _type_name(parsed)
    reasons = []
    if not phonenumbers.is_valid_number(parsed):
        reasons.append("not a valid number")
    regions = {r.upper() for r in s.dial_allowed_regions}
    if (region or "").upper() not in regions:
        reasons.append(f"region {region or 'unknown'} not in dial_allowed_regions ({', '.join(sorted(regions))})")
    types = set(s.dial_allowed_types) & (_SMS_TYPES if purpose is Purpose.SMS else set(NUMBER_TYPES))
    if kind not in types:
        reasons.append(f"number type {kind} not in dial_allowed_types ({', '.join(sorted(types))})")
    flags = (Flag.KEYED_DIFFERS,) if caller_id and caller_id != e164 else ()
    return Verdict(e164, region, kind, tuple(reasons), flags)


def _day_start(s: Settings, now: datetime) -> datetime:
    tz = ZoneInfo(s.timezone)
    local = now.astimezone(tz)
    start = datetime.combine(local.date(), time(0), tz)
    return start if start <= local else start - timedelta(days=1)


class Cap(StrEnum):
    """A daily cap on dialling (the settings that set them)."""

    PER_DAY = "dial_max_per_day"
    PER_NUMBER_DAY = "dial_max_per_number_day"


@dataclass(frozen=True)
class CapReached:
    cap: Cap
    limit: int
    message: str  # English, with the particulars: for logs, errors, the CLI

    def __str__(self) -> str:
        return self.message


def over_cap(s: Settings, db: Session, e164: str, now: datetime) -> CapReached | None:
    """The cap one more dial of ``e164`` today would break (None: it would break none). Counts the
    callback attempts since local midnight: ``dial_max_per_number_day``, ``dial_max_per_day``."""
    since = _day_start(s, now)
    today = select(func.count(CallbackAttempt.id)).where(CallbackAttempt.at >= since)
    if s.dial_max_per_day and (db.scalar(today) or 0) >= s.dial_max_per_day:
        return CapReached(Cap.PER_DAY, s.dial_max_per_day,
                          f"{s.dial_max_per_day} dials today already (setting dial_max_per_day)")
    to_number = today.join(CallbackTask, CallbackTask.id == CallbackAttempt.task_id).where(CallbackTask.number == e164)
    if s.dial_max_per_number_day and (db.scalar(to_number) or 0) >= s.dial_max_per_number_day:
        limit = s.dial_max_per_number_day
        return CapReached(Cap.PER_NUMBER_DAY, limit,
                          f"{limit} dials of {e164} today already (setting dial_max_per_number_day)")
    return None
