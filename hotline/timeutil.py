"""Time helpers: every stored time is UTC; shown times carry the configured zone's offset."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def from_epoch(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def to_epoch(dt: datetime | None) -> float | None:
    """A stored time as epoch seconds (what the browser's clocks count from); a naive one is UTC
    (SQLite gives stored times back without their zone)."""
    return None if dt is None else (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_local(dt: datetime | None, tz: str) -> str | None:
    """ISO 8601 with offset in the operator's zone (Asia/Shanghai → +08:00)."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ZoneInfo(tz)).isoformat(timespec="milliseconds")


def local_day(at: datetime, tz: str) -> date:
    """The operator's calendar day (zone ``tz``) an instant falls on: the day a "today" counts."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(ZoneInfo(tz)).date()
