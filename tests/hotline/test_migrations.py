"""Migrations and models describe the same schema (Alembic is the only way tables are made); the
chain has one head; a database made before the merge upgrades without loss; and only
`hotline db upgrade` migrates: every other opening refuses a schema that is not current."""

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.orm import sessionmaker

from hotline.callbacks import create_complaint
from hotline.db import MIGRATIONS, SchemaError, check_schema, head_revision, make_engine, migrate, open_db
from hotline.models import AmiEventBatch, Base, Call, User
from hotline.models.callbacks import CallbackTask, Complaint
from hotline.models.calls import flagged_malicious
from hotline.models.ivr import Customer, FaultReport
from hotline.settings import load
from tests.support.alembic import alembic
from tests.support.postgres import new_db_url

# the four heads a database made before the merge (0009) is at, one per feature branch
BRANCH_HEADS = ("0002", "0003", "0006", "0008")



def test_migrations_match_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"
    migrate(engine)  # idempotent
    check_schema(engine)


def test_one_head() -> None:
    """scripts/new-migration.py appends to the chain: a second head would be a new branch."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_heads() == [head_revision()]


def test_the_chain_is_linear_after_the_merge() -> None:
    """From the merge (0009) on, each migration has one parent and no two share one: the chain
    is a line, so a database is at one revision and `db status` names it."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(cfg)
    chain = list(scripts.walk_revisions("base", "heads"))  # head first
    merge = chain.index(scripts.get_revision("0009"))
    after = chain[:merge]
    assert all(isinstance(r.down_revision, str) for r in after), [r.revision for r in after]
    assert [r.down_revision for r in after] == [r.revision for r in chain[1:merge + 1]]


@pytest.mark.db
def test_branched_database_upgrades_without_loss(tmp_path: Path) -> None:
    url = new_db_url(tmp_path, "branched.db", migrated=False)
    engine = make_engine(url)
    for head in BRANCH_HEADS:
        alembic(engine, "upgrade", head)
    s = load(config_file=None, env={}, runtime_dir=tmp_path, server_id="old", database_url=url)
    with pytest.raises(SchemaError, match=f"at 0002, 0003, 0006, 0008, this hotline needs {head_revision()}"):
        open_db(s)
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    # rows written by the code of today into the four-headed schema
    with sessionmaker(engine, expire_on_commit=False)() as db:
        # the columns calls had then (0024 added the holds): a core insert names only these
        db.execute(insert(Call).values(server="old", call_id="c-1", direction="inbound", caller_number="13800000001",
                                       started_at=at, ended_at=at + timedelta(seconds=30), disposition="abandoned",
                                       built_at=at, vars={}, transfers=[], incomplete=False))
        # the columns the customers table had then (0013 added more): a core insert names only these
        db.execute(insert(Customer).values(phone="13800000001", name="张三", vip=True, created_at=at))
        create_complaint(db, s, "13800000002", kind="complex", summary="乱收费", now=at)
        db.commit()
    with engine.begin() as conn:  # a panel user as the code of then wrote it (no session_version: 0011)
        conn.execute(text("INSERT INTO panel_users (username, password_hash, role, active, created_at)"
                          " VALUES ('boss', 'x', 'supervisor', :t, :at)"), {"t": True, "at": at})

    migrate(engine)
    engine.dispose()
    _engine, sessions = open_db(s)  # current now: no SchemaError
    with sessions() as db:
        assert db.scalar(select(Call.caller_number).where(Call.call_id == "c-1")) == "13800000001"
        assert db.scalar(select(Customer.name)) == "张三"
        assert db.scalar(select(Complaint.summary)) == "乱收费"
        assert db.scalar(select(func.count()).select_from(CallbackTask)) == 1  # the complaint's contact task
        assert db.scalar(select(User.username)) == "boss"
        assert db.scalar(select(User.session_version)) == 0  # 0011: existing users start at version 0
    with _engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == (head_revision(),)
    _engine.dispose()


@pytest.mark.db
def test_open_db_refuses_a_schema_not_current(tmp_path: Path) -> None:
    s = load(config_file=None, env={}, runtime_dir=tmp_path, database_url=new_db_url(tmp_path, migrated=False))
    with pytest.raises(SchemaError, match=r"at empty \(no schema\), this hotline needs .*run `hotline db upgrade`"):
        open_db(s)
    open_db(s, upgrade=True)[0].dispose()
    open_db(s)[0].dispose()


def test_raw_event_batches_survive_compression_migration(db_url: str) -> None:
    """0008 turns stored raw text into LZ4-compressed bytes: nothing stored before is lost, and the
    batch→call index (ON DELETE CASCADE) is untouched."""
    engine = make_engine(db_url)  # (comes migrated)
    alembic(engine, "downgrade", "0005")  # the listener's branch only, back to text batches
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
    check_schema(engine)
    engine.dispose()


def test_rollup_hours_of_past_days_migration_down_and_up(db_url: str) -> None:
    """0022 puts day_end in the rollups' key (a past day's row beside its first hour's, #17). Down:
    the hours sharing a start with their day go, and the team figures' rows (their repeats are a
    part of their own from 0022 on: a row of then holds none); up again, every row is kept."""
    engine = make_engine(db_url)  # (comes migrated)
    day = datetime(2026, 12, 4, 16, 0)
    rows = [('["scan"]', day, day + timedelta(days=1)), ('["scan"]', day, day + timedelta(hours=1)),
            ('["scan"]', day + timedelta(hours=1), day + timedelta(hours=2)),
            ('["calls"]', day, day + timedelta(days=1)), ('["repeats"]', day, day + timedelta(days=1))]
    sql = text("INSERT INTO metric_rollups (what, params, day_start, day_end, calls, value, computed_at) "
               "VALUES (:w, '[]', :a, :b, 1, '{}', :a)")
    with engine.begin() as conn:
        for w, a, b in rows:
            conn.execute(sql, {"w": w, "a": a, "b": b})
    alembic(engine, "downgrade", "0021")
    with engine.connect() as conn:
        left = conn.execute(text("SELECT what, day_start, day_end FROM metric_rollups ORDER BY day_start")).all()
    # SQLite gives the stored text back, PostgreSQL a datetime
    assert [(w, str(a)[:16]) for w, a, _b in left] == [('["scan"]', "2026-12-04 16:00"),
                                                        ('["scan"]', "2026-12-04 17:00")]
    migrate(engine)
    with engine.begin() as conn:
        for w, a, b in rows[1:2]:
            conn.execute(sql, {"w": w, "a": a, "b": b})
        assert conn.execute(text("SELECT count(*) FROM metric_rollups")).scalar() == 3
    check_schema(engine)
    engine.dispose()


def test_flagged_calls_index_migration_down_and_up(db_url: str) -> None:
    """0023 adds the partial index of the calls flagged malicious; down drops it, up makes it
    again over the calls already there."""
    engine = make_engine(db_url)  # (comes migrated)
    at = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(Call), [{"server": "pbx1", "call_id": f"c-{i}", "direction": "inbound", "started_at": at,
                                     "disposition": "answered", "built_at": at, "transfers": [],
                                     "vars": {"HOTLINE_MALICIOUS": "8001"} if i else {}} for i in range(2)])
    index = "ix_calls_flagged_started"
    alembic(engine, "downgrade", "0022")
    assert index not in {ix["name"] for ix in inspect(engine).get_indexes("calls")}
    migrate(engine)
    assert index in {ix["name"] for ix in inspect(engine).get_indexes("calls")}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Call).where(flagged_malicious())).scalar() == 1
    check_schema(engine)
    engine.dispose()


def test_call_holds_migration_down_and_up(db_url: str) -> None:
    """0024 adds the calls' hold facts, NULL (unknown) for the calls already there; down drops them
    in place, keeping every call and call_hours' triggers (a call written after down still counts)."""
    engine = make_engine(db_url)  # (comes migrated)
    at = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    row = {"server": "pbx1", "direction": "inbound", "started_at": at, "disposition": "answered", "built_at": at,
           "transfers": [], "vars": {}}
    with engine.begin() as conn:
        conn.execute(insert(Call), [{**row, "call_id": "c-1", "holds": 2, "hold_seconds": 31.5}])
    alembic(engine, "downgrade", "0023")
    assert not {"holds", "hold_seconds"} & {c["name"] for c in inspect(engine).get_columns("calls")}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO calls (server, call_id, direction, started_at, disposition, built_at, transfers,"
                          " vars, incomplete) VALUES ('pbx1', 'c-2', 'inbound', :at, 'answered', :at, '[]', '{}', :f)"),
                     {"at": at, "f": False})
        assert conn.execute(text("SELECT sum(calls) FROM call_hours")).scalar() == 2
    migrate(engine)
    with engine.connect() as conn:
        got = conn.execute(select(Call.call_id, Call.holds, Call.hold_seconds).order_by(Call.call_id)).all()
    assert [tuple(r) for r in got] == [("c-1", None, None), ("c-2", None, None)]
    check_schema(engine)
    engine.dispose()


def test_fault_reports_contact_index_migration_down_and_up(db_url: str) -> None:
    """0028 indexes fault_reports.contact (the repeat-caller look-up matches it, R-ONE-CALL); down
    drops the index alone, up makes it again over the reports already there."""
    engine = make_engine(db_url)  # (comes migrated)
    at = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(FaultReport), [{"server": "pbx1", "call_id": "c-1", "caller": "01066001234",
                                            "contact": "13900000881", "status": "open", "created_at": at,
                                            "updated_at": at}])
    index = "ix_fault_reports_contact_created"
    alembic(engine, "downgrade", "0027")
    assert index not in {ix["name"] for ix in inspect(engine).get_indexes("fault_reports")}
    migrate(engine)
    got = {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("fault_reports")}
    assert got[index] == ["contact", "created_at"]
    with engine.connect() as conn:
        assert conn.execute(select(FaultReport.contact)).scalars().all() == ["13900000881"]
    check_schema(engine)
    engine.dispose()
