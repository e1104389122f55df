"""Time helpers: every stored time is UTC; shown times carry the configured zone's offset."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def from_epoch(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_local(dt: datetime | None, tz: str) -> str | None:
    """ISO 8601 with offset in the operator's zone (Asia/Shanghai → +08:00)."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ZoneInfo(tz)).isoformat(timespec="milliseconds")
