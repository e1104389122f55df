"""Engine and sessions for the one SQLAlchemy URL the product uses (SQLite by default), and the
schema's version: only `hotline db upgrade` and `hotline run` migrate (:func:`migrate`); every
other process opens the database as it is and refuses a schema that is not current
(:func:`check_schema`), so two versions of the hotline never write one database side by side."""

from __future__ import annotations

import functools
import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from hotline.settings import ROOT, Settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = ROOT / "hotline" / "migrations"
_MEMORY_URLS = ("sqlite://", "sqlite:///:memory:")


class SchemaError(RuntimeError):
    """The database's schema is not the one this hotline's code needs."""


class HeldUp(RuntimeError):
    """A lock of the hotline's own (``hotline.desk.presence_lock``) not had in time: another
    holder kept it; nothing was written, and the same work a moment later is the answer."""


# PostgreSQL's codes for a statement that lost to another transaction's locks: lock_not_available,
# deadlock_detected, serialization_failure
_PG_BUSY = frozenset({"55P03", "40P01", "40001"})


def is_busy(exc: BaseException) -> bool:
    """``exc`` says another writer held the database past the busy timeout (SQLite's "database is
    locked", PostgreSQL's lock timeout or deadlock): nothing was written, and the same work a
    moment later is the answer — a clear line in the log, not a traceback. So is a lock of ours
    held up (:class:`HeldUp`)."""
    if isinstance(exc, HeldUp):
        return True
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _PG_BUSY or getattr(orig, "pgcode", None) in _PG_BUSY:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "database table is locked" in text or "database is busy" in text


def log_retry(logger: logging.Logger, what: str, exc: BaseException, then: str) -> None:
    """``what`` failed with ``exc`` and will be tried again (``then``, e.g. "retrying in 5 s"): a
    busy database (:func:`is_busy`) is one WARNING line — the retry is the answer, nothing was
    written —, anything else an ERROR with its traceback. Call it from the ``except`` block."""
    if is_busy(exc):
        logger.warning("%s: the database is busy (%s); %s", what, getattr(exc, "orig", exc), then)
    else:
        logger.error("%s failed; %s", what, then, exc_info=exc)


def make_engine(url: str, busy_timeout_s: float = 30.0, **kw: Any) -> Engine:
    if url.startswith("sqlite"):
        if url in _MEMORY_URLS:
            # one connection shared by every thread: in-memory SQLite behind a threaded server
            kw.setdefault("poolclass", StaticPool)
        kw.setdefault("connect_args", {"check_same_thread": False, "timeout": busy_timeout_s})
        engine = create_engine(url, **kw)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    kw.setdefault("pool_pre_ping", True)
    return create_engine(url, **kw)


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (the only way tables are made). The chain of
    revisions is linear (one head): scripts/new-migration.py appends to it."""
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@functools.cache
def head_revision() -> str:
    """The revision this code needs: the one head of hotline/migrations."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()  # raises if there are several
    assert head is not None, "hotline/migrations has no revision"
    return head


def schema_revisions(engine: Engine) -> tuple[str, ...]:
    """The revisions the database is at (empty: no schema yet; several: an older, branched schema)."""
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def check_schema(engine: Engine) -> None:
    """Raise SchemaError unless the database is at :func:`head_revision`."""
    at, need = schema_revisions(engine), head_revision()
    if at != (need,):
        where = ", ".join(at) if at else "empty (no schema)"
        raise SchemaError(f"database schema is at {where}, this hotline needs {need}: run `hotline db upgrade`")


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite database URL; None for an in-memory one, or another database."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or u.database in (None, "", ":memory:") or u.query.get("mode") == "memory":
        return None
    return Path(u.database)


def advisory_key(name: str) -> int:
    """A PostgreSQL advisory-lock key (a signed 64-bit int) for the lock called ``name``."""
    return int.from_bytes(hashlib.sha1(name.encode()).digest()[:8], "big", signed=True)


def settings_engine(s: Settings) -> Engine:
    """The engine for ``s.db_url`` (a SQLite file's directory is made if missing)."""
    path = sqlite_path(s.db_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    return make_engine(s.db_url, busy_timeout_s=s.db_busy_timeout_s)


def open_db(s: Settings, upgrade: bool = False) -> tuple[Engine, sessionmaker[Session]]:
    """The engine and a session factory for ``s.db_url``. ``upgrade=True`` migrates first (for
    `hotline db upgrade`, and for tests that make their own database); otherwise SchemaError
    unless the schema is current. An in-memory database is born with this process and dies with
    it, so nobody else could upgrade it: it is always migrated here."""
    engine = settings_engine(s)
    try:
        if upgrade or s.db_url in _MEMORY_URLS:
            migrate(engine)
        else:
            check_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine, sessionmaker(engine, expire_on_commit=False)
