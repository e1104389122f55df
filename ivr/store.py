"""The IVR's database work, done in a small thread pool so the asyncio loop never waits on it.

Reads the flow needs (who is calling, known outages) are awaited with a time limit: a slow or
broken database makes the flow carry on without them. Writes of one session go through its own
``ReportWriter`` in order, behind the caller's keypresses: the caller never waits on them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.customers import find_customer
from hotline.field import on_report_confirmed
from hotline.field.standing import Standing, latest_open, open_report_count, urge
from hotline.models.ivr import Customer, FaultReport
from hotline.outages import current_outage
from hotline.rules import fault_due
from hotline.service_settings import effective
from hotline.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class CallerInfo:
    """What the IVR knows about the caller at the start of the call."""

    customer_id: int | None = None
    name: str | None = None
    account: str | None = None
    vip: bool = False
    open_reports: int = 0  # R-ONE-CALL: open matters of this number
    standing: Standing | None = None  # R-ONE-CALL: its latest confirmed report still open
    outage_id: int | None = None
    outage_cause: str | None = None
    known: bool = True  # False when the lookup failed or timed out


UNKNOWN = CallerInfo(known=False)


def ticket_for(report_id: int) -> str:
    """Ticket number read to the caller: the report id, at least six digits."""
    return f"{report_id:06d}"


class IvrStore:
    def __init__(self, s: Settings, sessions: sessionmaker[Session], workers: int | None = None):
        self.s = s
        self.sessions = sessions
        self.pool = ThreadPoolExecutor(max_workers=workers or s.ivr_db_workers, thread_name_prefix="ivr-db")
        # SQLite takes one writer at a time and makes the others sleep-poll for the lock: one
        # writer thread keeps writes flowing without that stall. Other databases write in parallel.
        writers = 1 if s.db_url.startswith("sqlite") else (workers or s.ivr_db_workers)
        self.write_pool = ThreadPoolExecutor(max_workers=writers, thread_name_prefix="ivr-db-write")
        self.timeout_s = s.ivr_db_timeout_s
        self._background: set[asyncio.Task[Any]] = set()
        self._last = s

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=False)
        self.write_pool.shutdown(wait=False, cancel_futures=False)

    async def run(self, fn: Callable[[Session], T], write: bool = False) -> T:
        """Run ``fn(session)`` in a pool thread within one transaction."""
        def job() -> T:
            with self.sessions.begin() as db:
                return fn(db)
        return await asyncio.get_running_loop().run_in_executor(self.write_pool if write else self.pool, job)

    async def bounded(self, what: str, fn: Callable[[Session], T], default: T, write: bool = False) -> T:
        """``run`` within ivr_db_timeout_s; on error or timeout log and return ``default``."""
        try:
            return await asyncio.wait_for(self.run(fn, write), self.timeout_s)
        except TimeoutError:
            log.warning("IVR database: %s took longer than %.1f s; carrying on without it", what, self.timeout_s)
        except Exception as exc:
            log.warning("IVR database: %s failed: %s", what, exc)
        return default

    # --- reads -----------------------------------------------------------------------------
    def current(self) -> Settings:
        """The settings in force (the panel's service settings over the file's; a database read at
        most every service_settings_ttl_s): in a pool thread, never on the loop."""
        return effective(self.s, self.sessions)

    async def in_force(self) -> Settings:
        """:meth:`current` for a new call, within ivr_db_timeout_s; else the values read last."""
        try:
            self._last = await asyncio.wait_for(
                asyncio.get_running_loop().run_in_executor(self.pool, self.current), self.timeout_s)
        except TimeoutError:
            log.warning("IVR database: service settings took longer than %.1f s; using those read before",
                        self.timeout_s)
        return self._last

    async def lookup(self, number: str, at: datetime) -> CallerInfo:
        def fn(db: Session) -> CallerInfo:
            # any of the customer's numbers, in any form (the customer master); else the stored form
            cust = (find_customer(db, self.s, number)
                    or db.scalars(select(Customer).where(Customer.phone == number)).first()) if number else None
            open_reports = open_report_count(db, self.s, number) if number else 0
            standing = latest_open(db, self.s, number) if open_reports else None
            outage = current_outage(db, cust.area if cust else None, at)
            return CallerInfo(cust.id if cust else None, cust.name if cust else None,
                              cust.account if cust else None, bool(cust and cust.vip), open_reports, standing,
                              outage.id if outage else None, outage.cause if outage else None)
        return await self.bounded(f"caller lookup {number}", fn, UNKNOWN)

    async def urge(self, report_id: int, at: datetime) -> None:
        """R-ONE-CALL: the caller urged their open report (a note on its work order)."""
        def fn(db: Session) -> None:
            urge(db, report_id, at)
        await self.bounded(f"urge of fault report {report_id}", fn, None, write=True)

    async def outage_in(self, district: str, at: datetime) -> tuple[int, str | None] | None:
        """The outage open in ``district`` at ``at`` (id, cause), if any (R-FAULT-OUTAGE)."""
        def fn(db: Session) -> tuple[int, str | None] | None:
            outage = current_outage(db, district, at)
            return (outage.id, outage.cause) if outage else None
        return await self.bounded(f"outage of {district}", fn, None)

    # --- writes ----------------------------------------------------------------------------
    def writer(self) -> ReportWriter:
        return ReportWriter(self)

    def keep(self, task: asyncio.Task[Any]) -> None:
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for every session's pending writes (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)


def _update(settings: Callable[[], Settings], report_id: int, at: datetime,
            fields: dict[str, Any]) -> Callable[[Session], None]:
    def fn(db: Session) -> None:
        s = settings()  # the repair limits in force when the report is written (R-FAULT-SLA)
        rep = db.get(FaultReport, report_id)
        if rep is None:
            raise LookupError(f"fault report {report_id} is gone")
        for key, value in fields.items():
            setattr(rep, key, value)
        if fields.get("area"):
            due = fault_due(s, fields["area"], rep.created_at)  # R-FAULT-SLA
            rep.arrive_by, rep.fix_by = due.arrive_by, due.fix_by
        rep.updated_at = at
        if fields.get("status") == "open":
            _dispatch(db, s, rep, at)
    return fn


def _dispatch(db: Session, s: Settings, rep: FaultReport, at: datetime) -> None:
    """R-FAULT-DISPATCH: a confirmed report goes to a technician at once. In a savepoint: a
    dispatch that fails (logged; the scheduler's clocks and a supervisor pick the order up) never
    costs the caller's report."""
    db.flush()
    try:
        with db.begin_nested():
            on_report_confirmed(db, s, rep.id, at)
    except Exception:  # the report is what the caller gave: keep it whatever the dispatch does
        log.exception("fault report %s: dispatch failed; the report is kept", rep.id)


def _insert(s: Settings, call_id: str, caller: str, at: datetime,
            out_of_hours: bool) -> Callable[[Session], tuple[int, str]]:
    def fn(db: Session) -> tuple[int, str]:
        rep = FaultReport(server=s.server_id, call_id=call_id, caller=caller or None, status="incomplete",
                          last_step="start", out_of_hours=out_of_hours, created_at=at, updated_at=at)
        db.add(rep)
        db.flush()
        rep.ticket = ticket_for(rep.id)
        return rep.id, rep.ticket
    return fn


class ReportWriter:
    """One session's fault report, written in order by one background task behind the caller's
    keys: the row is created when the caller picks a fault report, then each step updates it. A
    write that fails is retried a few times, then logged with its content (the call's
    HOTLINE_FAULT_* variables hold it too: nothing keyed is silently lost)."""

    RETRIES = 3

    def __init__(self, store: IvrStore):
        self.store = store
        self.queue: asyncio.Queue[tuple[datetime, dict[str, Any]] | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        self.created: asyncio.Future[tuple[int, str] | None] = loop.create_future()
        self._new: tuple[str, str, datetime, bool] | None = None
        self.task = loop.create_task(self._run())
        store.keep(self.task)

    def start(self, call_id: str, caller: str, at: datetime, out_of_hours: bool) -> None:
        self._new = (call_id, caller, at, out_of_hours)
        self.queue.put_nowait((at, {}))

    def update(self, at: datetime, **fields: Any) -> None:
        self.queue.put_nowait((at, fields))

    def close(self) -> None:
        """No more writes; the pending ones still go out."""
        self.queue.put_nowait(None)

    async def report(self, timeout_s: float) -> tuple[int, str] | None:
        """(id, ticket) once the row exists; None if it could not be written within ``timeout_s``."""
        try:
            return await asyncio.wait_for(asyncio.shield(self.created), timeout_s)
        except TimeoutError:
            log.warning("IVR database: fault report not stored within %.1f s; carrying on without it", timeout_s)
            return None

    async def _write(self, what: str, fn: Callable[[Session], T]) -> T | None:
        for attempt in range(1, self.RETRIES + 1):
            try:
                return await self.store.run(fn, write=True)
            except Exception as exc:
                if attempt == self.RETRIES:
                    log.error("IVR database: %s failed: %s", what, exc)
                else:
                    await asyncio.sleep(0.2 * attempt)
        return None

    async def _run(self) -> None:
        try:
            while True:
                item = await self.queue.get()
                if item is None:
                    return
                at, fields = item
                if self._new is not None and not self.created.done():
                    created = await self._write(f"new fault report {self._new}", _insert(self.store.s, *self._new))
                    self.created.set_result(created)
                    continue
                stored = self.created.result() if self.created.done() else None
                rid = stored[0] if stored else None
                if rid is None:
                    log.error("IVR database: fault report not stored; lost update %s", fields)
                    continue
                await self._write(f"fault report {rid} update {fields}", _update(self.store.current, rid, at, fields))
        finally:
            if not self.created.done():
                self.created.set_result(None)
