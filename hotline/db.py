"""Engine and sessions for the one SQLAlchemy URL the product uses (SQLite by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from hotline.settings import ROOT, Settings

MIGRATIONS = ROOT / "hotline" / "migrations"


def make_engine(url: str, busy_timeout_s: float = 30.0, **kw: Any) -> Engine:
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
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


def migrate(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` with Alembic (the only way tables are made). Features may
    add their own branch of revisions; "heads" applies all of them."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_db(s: Settings, upgrade: bool = True) -> tuple[Engine, sessionmaker[Session]]:
    url = s.db_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url, busy_timeout_s=s.db_busy_timeout_s)
    if upgrade:
        migrate(engine)
    return engine, sessionmaker(engine, expire_on_commit=False)
