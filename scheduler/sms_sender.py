"""The SMS sender: ``hotline.notifications.send_due`` every sms_send_interval_s, until stopped.

Started by the scheduler app beside its callbacks pass (a thread of ``hotline scheduler run``:
``SmsSender(s, sessions).start()``; ``stop()`` on shutdown). Several senders may run against one
database (two hosts): each message is claimed by one of them only. A pass the database was too
busy for (another writer's lock past ``db_busy_timeout_s``) is one line in the log; the next pass
goes on from there, writing first the gateway's verdicts that pass could not.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from hotline.db import log_retry
from hotline.notifications import SendReport, send_due
from hotline.notifications.provider import SmsProvider
from hotline.notifications.sender import Verdict
from hotline.settings import Settings
from hotline.timeutil import utcnow

log = logging.getLogger(__name__)


class SmsSender:
    def __init__(self, s: Settings, sessions: sessionmaker[Session], provider: SmsProvider | None = None) -> None:
        self.s, self.sessions, self.provider = s, sessions, provider
        self.stop_event = threading.Event()
        self.wake_event = threading.Event()
        self._thread: threading.Thread | None = None
        self.unrecorded: list[Verdict] = []  # verdicts a busy database refused: written by the next pass

    def once(self, now: datetime | None = None) -> SendReport:
        with self.sessions() as db:
            rep = send_due(db, self.s, now or utcnow(), self.provider, self.unrecorded)
        self.unrecorded = rep.unrecorded
        return rep

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                rep = self.once()
                if rep.sent or rep.failed or rep.retry or rep.stale:
                    log.info("sms sender: %s", rep)
                for err in rep.errors:
                    log.warning("sms sender: %s", err)
                if rep.busy:
                    log.warning("sms sender: the database is busy (%s): the pass stops here, %d verdict(s) "
                                "to write and the queue wait for the next pass in %.0f s", rep.busy,
                                len(rep.unrecorded), self.s.sms_send_interval_s)
            except Exception as exc:
                log_retry(log, "sms sender pass", exc, f"retrying in {self.s.sms_send_interval_s:.0f} s")
            self.wake_event.wait(self.s.sms_send_interval_s)
            self.wake_event.clear()

    def wake(self) -> None:
        """Send now rather than at the next interval (e.g. right after queueing)."""
        self.wake_event.set()

    def start(self) -> SmsSender:
        self._thread = threading.Thread(target=self.run, name="sms-sender", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self.stop_event.set()
        self.wake_event.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
