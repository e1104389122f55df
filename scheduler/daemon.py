"""The loop behind ``hotline scheduler run``: a pass of the timed work every
callback_scheduler_interval_s, each pass in its own transaction."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from hotline.settings import Settings
from scheduler.callbacks import PassReport, run_pass

log = logging.getLogger(__name__)


class Scheduler:
    """Runs :func:`scheduler.callbacks.run_pass` until ``stop_event`` is set."""

    def __init__(self, s: Settings, sessions: sessionmaker[Session]) -> None:
        self.s, self.sessions = s, sessions
        self.stop_event = threading.Event()

    def once(self, now: datetime | None = None) -> PassReport:
        with self.sessions() as db:
            rep = run_pass(self.s, db, now)
            db.commit()
        return rep

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                rep = self.once()
                log.info("scheduler pass: %s", rep)
            except Exception:  # noqa: BLE001 - a failed pass (database away) is retried next time
                log.exception("scheduler pass failed; retrying in %.0f s", self.s.callback_scheduler_interval_s)
            self.stop_event.wait(self.s.callback_scheduler_interval_s)
