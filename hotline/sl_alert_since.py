"""The SL alert's since (监控告警, ``hotline.live_alerts``): since when today's service level has been
under its target, stored so that every panel process shows the same moment and a panel restart
keeps it (#17: figures shared through the database, any number of panel processes share them).

Today's SL is a figure, not a clock: the moment it fell under its target is only known to the
judgement that first found it under. That judgement stores it here; later judgements, in any
process, read it; the first judgement that finds it recovered clears it. The row is keyed by the
operator's local day (the metrics' day, the day today's SL counts): a since stored yesterday is
another key, so it never carries into today.

One row of ``callback_scheduler_state`` (the small key/value table of states that survive a
restart), written only when the alert begins or ends; two processes storing at the same moment
collide on its key, and the first one stored stands."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.models.callbacks import SchedulerState
from hotline.settings import Settings
from hotline.timeutil import from_epoch, local_day, utcnow

PREFIX = "sl_under_since:"  # then the local day, 2026-12-06


def key(s: Settings, now: float) -> str:
    """Today's row: the operator's local day of ``now`` (epoch seconds)."""
    return PREFIX + local_day(from_epoch(now), s.timezone).isoformat()


def read(db: Session, s: Settings, now: float) -> float | None:
    """Since when today's SL has been under its target, as stored; None: not under (or not judged
    under yet today)."""
    row = db.get(SchedulerState, key(s, now), populate_existing=True)
    return None if row is None else float(row.value["since"])


def keep(db: Session, s: Settings, now: float, since: float | None) -> float | None:
    """Stores what a judgement found — ``since``: under since then; None: not under — and commits;
    the since that stands: the one another process stored first, if it did."""
    if since is None:  # recovered: today's row goes, and an earlier day's left behind with it
        db.execute(delete(SchedulerState).where(SchedulerState.name.startswith(PREFIX, autoescape=True)))
        db.commit()
        return None
    today = key(s, now)
    db.execute(delete(SchedulerState).where(SchedulerState.name.startswith(PREFIX, autoescape=True),
                                            SchedulerState.name != today))
    db.add(SchedulerState(name=today, value={"since": since}, updated_at=utcnow()))
    try:
        db.commit()
    except IntegrityError:  # another process found it under at the same moment and stored first
        db.rollback()
        stored = read(db, s, now)
        return since if stored is None else stored  # None: it recovered meanwhile; the next judgement stores again
    return since
