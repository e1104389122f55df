"""The calls' stamp per hour (#17): how many calls started in each UTC hour and the newest
built_at among them, kept by the database itself (triggers on ``calls``, migration 0021), so that
the supervisor page checks a kept day or month against its calls by reading ~24 rows a day
instead of an index entry per call (hotline.metrics.cache)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base

__all__ = ["CallHour"]


class CallHour(Base):
    """Written only by the triggers on ``calls``: no code inserts or updates these rows. An hour
    with no call has no row. A deleted call lowers the count but leaves ``newest`` as it was (the
    stamp still changes, through the count, and is the same wherever it is read)."""

    __tablename__ = "call_hours"

    hour: Mapped[datetime] = mapped_column(primary_key=True)  # the hour's start, the type of calls.started_at
    calls: Mapped[int] = mapped_column(Integer)  # calls whose started_at falls in [hour, hour + 1 h)
    newest: Mapped[datetime | None]  # the newest built_at written to one of them
