"""The supervisor page's kept figures, shared through the database (#17): one row per past local
day (and per hour of the recent days: hotline.metrics.cache)
and kind of figure, written by the scheduler daemon (scheduler/daemon.py), read by every panel
process (hotline.metrics.cache). A row holds the stamp of the calls it was computed from (their
count and newest built_at), so a reader knows when it no longer holds and computes that day itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base

__all__ = ["MetricRollup"]


class MetricRollup(Base):
    __tablename__ = "metric_rollups"

    # what was computed: the metric part's name and arguments, and the settings its figures depend
    # on (zone, thresholds), both as JSON text (hotline.metrics.rollups.key_of)
    what: Mapped[str] = mapped_column(String(200), primary_key=True)
    params: Mapped[str] = mapped_column(String(200), primary_key=True)
    day_start: Mapped[datetime] = mapped_column(primary_key=True)  # the local day's (or hour's) start (UTC)
    # in the key: a past day's row and its first hour's row (kept too, migration 0022) start alike
    day_end: Mapped[datetime] = mapped_column(primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)  # the stamp: calls started in the day…
    newest_built_at: Mapped[datetime | None]  # …and the newest built_at among them
    value: Mapped[str] = mapped_column(Text)  # the figures as JSON (hotline.metrics.rollups.encode)
    computed_at: Mapped[datetime]
