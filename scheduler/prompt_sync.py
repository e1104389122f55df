"""The prompts follow the service settings (hotline.prompt_library.follow): a thread of
``hotline scheduler run`` checks the settings in force every ``prompts_follow_interval_s`` and has
the prompts they change said again.

The scheduler, not the panel nor ``hotline run``: it runs wherever the hotline runs (``hotline
run`` starts it, a server has its systemd unit), it already reads the settings in force, and a
speech engine that takes seconds (gTTS over the network) delays no panel request and no other
timed work — it has its own thread. A change saved by any panel process or by ``hotline settings
set`` is followed the same way, within seconds."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from hotline.prompt_library.follow import Drift, follow_settings
from hotline.service_settings import effective
from hotline.settings import Settings

log = logging.getLogger(__name__)
FAILED_RETRY_S = 60.0  # an engine that failed is tried again after this, not every round


class PromptSync:
    def __init__(self, s: Settings, sessions: sessionmaker[Session]) -> None:
        self.s, self.sessions = s, sessions
        self.stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._stale: list[str] = []  # recordings already said to no longer match

    def once(self) -> Drift:
        """One check: the prompts the settings in force changed are said again; what drifted."""
        report, found = follow_settings(effective(self.s, self.sessions))
        if found.recordings != self._stale:
            self._stale = found.recordings
            if found.recordings:
                log.warning("recorded prompts no longer say their text (a setting they name changed): %s — "
                            "upload new recordings or revert them to speech (Prompts page, hotline prompts)",
                            ", ".join(found.recordings))
        if report is not None and report.failed:
            raise RuntimeError("; ".join(f"{pid}: {why}" for pid, why in report.failed.items()))
        return found

    def run(self) -> None:
        wait = self.s.prompts_follow_interval_s
        while not self.stop_event.wait(wait):
            wait = self.s.prompts_follow_interval_s
            try:
                self.once()
            except Exception:  # the engine or the disk away: tried again later, the old audio plays meanwhile
                log.exception("prompts could not follow the settings; retrying in %.0f s", FAILED_RETRY_S)
                wait = FAILED_RETRY_S

    def start(self) -> PromptSync:
        if self.s.prompts_follow_interval_s > 0:
            self._thread = threading.Thread(target=self.run, name="prompt-sync", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
