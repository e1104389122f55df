"""Migrations and models describe the same schema (Alembic is the only way tables are made)."""

import hashlib
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.db import make_engine, migrate
from hotline.models import AmiEventBatch, Base


def test_migrations_match_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"
    migrate(engine)  # idempotent


def test_raw_event_batches_survive_compression_migration(db_url: str) -> None:
    """0008 turns stored raw text into LZ4-compressed bytes: nothing stored before is lost, and the
    batch→call index (ON DELETE CASCADE) is untouched."""
    from sqlalchemy import text

    from alembic import command
    from alembic.config import Config

    from hotline.db import MIGRATIONS

    engine = make_engine(db_url)
    migrate(engine)  # (a PostgreSQL test database comes migrated already)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008-1")  # the listener's branch only, back to text batches
    raw = "Event: Newchannel\r\nCallerIDName: 张三\r\nLinkedid: 1.1\r\n\r\n"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ami_event_batches (server, received_at, received_until, events, digest, raw)"
                          " VALUES ('pbx1', '2026-11-22 08:00:00', '2026-11-22 08:00:01', 1, 'd1', :raw)"),
                     {"raw": raw})
        pk = conn.execute(text("SELECT id FROM ami_event_batches")).scalar()
        conn.execute(text("INSERT INTO ami_event_calls (batch_id, linkedid, server) VALUES (:pk, '1.1', 'pbx1')"),
                     {"pk": pk})
    migrate(engine)
    with engine.connect() as conn:
        stored, dig = conn.execute(text("SELECT raw_lz4, digest FROM ami_event_batches")).one()
        calls = conn.execute(text("SELECT count(*) FROM ami_event_calls")).scalar()
    assert AmiEventBatch.unpack(stored).decode() == raw
    assert dig == hashlib.sha1(stored).hexdigest()  # what the listener's store computes: a batch stored again is known
    assert calls == 1
    engine.dispose()
