"""The loop behind ``hotline scheduler run``: a pass of the timed work every
callback_scheduler_interval_s, each unit of a pass in a transaction of its own
(scheduler/callbacks.py); the supervisor page's per-day rollups brought up to date every
``rollup_interval_s`` (hotline.metrics.refresh: every panel process reads them); and the retention
purge once a day (after ``retention_purge_hour``, local time; the day it last ran is kept in the
database, so a restart does not purge twice); and each finished day's QA sample (hotline.qa_sample,
R-QA) shortly after midnight, with the days missed while it was down."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from hotline.db import log_retry
from hotline.desk.consult import greet_completed
from hotline.desk.live import sync_all
from hotline.desk.reapply import reapply
from hotline.field import check_clocks
from hotline.metrics.refresh import RefreshReport, refresh
from hotline.models.callbacks import SchedulerState
from hotline.pbx.ami import Ami, AmiError, AmiRole
from hotline.qa_sample import days_due, draw
from hotline.retention import PurgeReport, purge
from hotline.service_settings import effective
from hotline.settings import Settings
from hotline.timeutil import utcnow
from scheduler.callbacks import FedCalls, PassReport, run_pass

log = logging.getLogger(__name__)
PURGE_STATE = "retention_purge"
QA_SAMPLE_STATE = "qa_sample"  # the last finished day whose QA sample the scheduler drew


class Scheduler:
    """Runs :func:`scheduler.callbacks.run_pass` and the daily purge until ``stop_event`` is set."""

    def __init__(self, s: Settings, sessions: sessionmaker[Session]) -> None:
        self.s, self.sessions = s, sessions
        self.stop_event = threading.Event()
        self._rollups_at: float | None = None  # monotonic time of the last rollup step
        self._desk_ami: Ami | None = None  # the desk step's AMI session (reapply, greet_completed)
        self._desk_ami_failed = False
        self._fed = FedCalls()  # the calls this process's passes fed: the overlap's re-read skips them

    def in_force(self) -> Settings:
        """The settings each pass goes by: the panel's service settings (callback rules, repair
        limits, calendar, KPI targets) over the file's, read again within seconds of a change."""
        return effective(self.s, self.sessions)

    def once(self, now: datetime | None = None) -> PassReport:
        s = self.in_force()
        with self.sessions() as db:
            rep = run_pass(s, db, now, self._fed)  # committed as it goes, unit by unit
        with self.sessions() as db:  # R-FAULT-DISPATCH / R-OVERDUE: work orders' clocks
            clocks = check_clocks(db, s, now or utcnow())
            db.commit()
        if clocks.escalations:
            log.info("work-order clocks: %s", clocks)
        return rep

    def purge_if_due(self, now: datetime | None = None) -> PurgeReport | None:
        """The retention purge, if today's has not run yet and its hour has come."""
        now = now or utcnow()
        local = now.astimezone(ZoneInfo(self.s.timezone))
        if local.hour < self.s.retention_purge_hour:
            return None
        day = local.date().isoformat()
        with self.sessions() as db:
            state = db.get(SchedulerState, PURGE_STATE)
            if state is not None and state.value.get("day") == day:
                return None
        log.info("retention purge for %s", day)
        rep = purge(self.s, self.sessions, now=now)
        with self.sessions.begin() as db:
            state = db.get(SchedulerState, PURGE_STATE)
            if state is None:
                db.add(SchedulerState(name=PURGE_STATE, value={"day": day}, updated_at=utcnow()))
            else:
                state.value, state.updated_at = {"day": day}, utcnow()
        return rep

    def qa_sample_if_due(self, now: datetime | None = None) -> dict[date, int]:
        """R-QA: draws the QA sample of each finished day not drawn yet (hotline.qa_sample.days_due:
        yesterday, and the days missed while down, bounded); the calls added per day."""
        now = now or utcnow()
        s = self.in_force()
        with self.sessions() as db:
            state = db.get(SchedulerState, QA_SAMPLE_STATE)
            due = days_due(s, date.fromisoformat(state.value["day"]) if state is not None else None, now)
            if not due:
                return {}
            added = {day: draw(db, s, day, now=now) for day in due}  # each day committed as drawn
            value = {"day": due[-1].isoformat()}
            if state is None:
                db.add(SchedulerState(name=QA_SAMPLE_STATE, value=value, updated_at=utcnow()))
            else:
                state.value, state.updated_at = value, utcnow()
            db.commit()
        log.info("QA sample drawn: %s", ", ".join(f"{d}: {n}" for d, n in added.items()))
        return added

    def rollups_if_due(self) -> RefreshReport | None:
        """The rollup step, at start and then every ``rollup_interval_s`` (0: never)."""
        every = self.s.rollup_interval_s
        if every <= 0 or (self._rollups_at is not None and time.monotonic() - self._rollups_at < every):
            return None
        self._rollups_at = time.monotonic()
        rep = refresh(self.sessions, self.in_force())
        log.log(logging.INFO if rep.written or rep.purged else logging.DEBUG, "supervisor rollups: %s", rep)
        return rep

    def desk_once(self, now: datetime | None = None) -> int:
        """The agents' presence after the live calls (hotline.desk.live): ringing → talking →
        话后整理, and wrap-ups whose time is up end; then the callers of attended transfers made
        outside the desk hear the target's work number (hotline.desk.consult.greet_completed),
        through the kept AMI session, whose opening puts the stored presence back on the queue."""
        with self.sessions() as db:
            changed = sync_all(self.in_force(), db, now or utcnow())
            db.commit()
        self._greet_transferred()
        return changed

    def _greet_transferred(self) -> None:
        """One AMI session kept across ticks (not a log-in a second); a new one after a failure."""
        try:
            for call_id in greet_completed(self.s, self._desk_session()):
                log.info("call %s: attended transfer completed outside the desk; the caller hears the work number",
                         call_id)
            self._desk_ami_failed = False
        except (AmiError, OSError) as exc:
            # the PBX away: said once, not every second
            level = logging.DEBUG if self._desk_ami_failed else logging.WARNING
            log.log(level, "desk AMI session: %s", exc)
            self._desk_ami_failed = True
            if self._desk_ami is not None:
                self._desk_ami.close()
            self._desk_ami = None

    def _desk_session(self) -> Ami:
        """The kept session; a new one — at start, or once the PBX is back after a restart — first
        puts the stored presence back on the queue (hotline.desk.reapply): a PBX that lost its dynamic
        members (its astdb gone, an operator's Asterisk rebuilt) would leave agents the desk shows
        示闲 whom the queue never rings."""
        if self._desk_ami is not None:
            return self._desk_ami
        ami = Ami.from_settings(self.s, timeout=5, role=AmiRole.DESK)
        try:
            ami.login()
            with self.sessions() as db:
                changed = reapply(self.in_force(), db, ami=ami)
        except BaseException:
            ami.close()
            raise
        if changed:
            log.warning("the PBX's queue differed from the agents' stored presence; put back for %s",
                        ", ".join(changed))
        self._desk_ami = ami
        return ami

    def _desk_loop(self) -> None:
        while not self.stop_event.wait(self.s.desk_sync_interval_s):
            try:
                self.desk_once()
            except Exception as exc:  # the database or the PBX away: the next tick tries again
                log_retry(log, "desk presence sync", exc, "retrying at the next tick")

    def run(self) -> None:
        if self.s.desk_sync_interval_s > 0:
            threading.Thread(target=self._desk_loop, name="desk-presence", daemon=True).start()
        while not self.stop_event.is_set():
            try:
                rep = self.once()
                log.info("scheduler pass: %s", rep)
            except Exception as exc:  # a failed pass (database away) is retried next time, never fatal
                log_retry(log, "scheduler pass", exc, f"retrying in {self.s.callback_scheduler_interval_s:.0f} s")
            try:
                self.rollups_if_due()
            except Exception as exc:
                log_retry(log, "supervisor rollups", exc, f"retrying in {self.s.rollup_interval_s:.0f} s")
            try:
                self.qa_sample_if_due()
            except Exception as exc:  # the day stays undrawn: tried again after the next pass
                log_retry(log, "QA sample", exc, "retrying after the next pass")
            try:
                self.purge_if_due()
            except Exception as exc:  # retried after the next pass: today's purge is not marked done
                log_retry(log, "retention purge", exc, "retrying after the next pass")
            self.stop_event.wait(self.s.callback_scheduler_interval_s)
