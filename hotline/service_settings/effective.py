"""The settings every service goes by: the file settings with the panel's service settings on top,
re-read from the database at most every ``service_settings_ttl_s`` (2 s) — a change applies to the
next call, pass or page within seconds, with no restart."""

from __future__ import annotations

import logging
import sys
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hotline.service_settings.store import overrides
from hotline.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    read_at: float = float("-inf")
    found: dict[str, Any] = field(default_factory=dict)
    base: Settings | None = None  # the last result, for that base and these values
    result: Settings | None = None


# one entry per database (its session factory): processes hold one; tests several
_entries: weakref.WeakKeyDictionary[sessionmaker[Session], _Entry] = weakref.WeakKeyDictionary()
_entries_lock = threading.Lock()


def effective(base: Settings, sessions: sessionmaker[Session]) -> Settings:
    """``base`` with the database's service settings applied (the one function every service calls).
    A database that cannot be read is logged and the values last read (else the file's) are kept."""
    with _entries_lock:
        entry = _entries.setdefault(sessions, _Entry())
    with entry.lock:
        now = time.monotonic()
        if now - entry.read_at >= base.service_settings_ttl_s:
            try:
                with sessions() as db:
                    found = overrides(db)
            except Exception as exc:  # the service keeps going on what it had
                log.warning("service settings could not be read (%s): keeping the values read before", exc)
                found = entry.found
            entry.read_at = now
            if found != entry.found:
                entry.found, entry.result = found, None
        if entry.result is None or entry.base is not base:
            entry.base, entry.result = base, base.replace(**entry.found) if entry.found else base
        return entry.result


def forget(sessions: sessionmaker[Session]) -> None:
    """The next :func:`effective` of this database reads it again (after a save in this process)."""
    with _entries_lock:
        entry = _entries.get(sessions)
    if entry is not None:
        with entry.lock:
            entry.read_at = float("-inf")


def in_force(base: Settings) -> Settings:
    """:func:`effective` for a one-shot command (``hotline prompts``, ``hotline customers import``):
    the database opened for it and closed. The file's settings alone while there is no database to
    read — a first ``hotline prompts build``, which ``hotline run`` runs before ``hotline db
    upgrade`` — said on stderr when the database exists but cannot be used."""
    from hotline.db import open_db  # the db module is not needed by the long-running readers

    url = base.db_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return base
    try:
        engine, sessions = open_db(base)
    except Exception as exc:  # no schema yet, database away
        print(f"hotline: service settings not read ({exc}): the file's settings apply", file=sys.stderr)
        return base
    try:
        return effective(base, sessions)
    finally:
        engine.dispose()
