"""The calls' stamp per hour (``call_hours``, migration 0021, #17): the database keeps it through
triggers on ``calls``, whoever writes them (the ORM, a bulk INSERT … SELECT, raw SQL), so that the
supervisor page checks a kept day against ~24 rows instead of an index entry per call; and the look
it answers gives the stamp the calls' index gave (hotline.metrics.cache)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, func, inspect, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bench.callgen import generate
from hotline.db import make_engine
from hotline.metrics import cache, stamps
from hotline.metrics.periods import days
from hotline.models import Call, CallHour
from hotline.settings import load
from tests.support.alembic import alembic
from tests.web.factory import make_call

HOUR = timedelta(hours=1)
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
Hours = dict[datetime, tuple[int, Any]]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = make_engine(db_url)
    yield e
    e.dispose()


def _truth(e: Engine) -> Hours:
    """What the table should hold: count and newest built_at of the calls started in each hour."""
    out: Hours = {}
    with Session(e) as db:
        for started, built in db.execute(select(Call.started_at, Call.built_at).where(Call.started_at.is_not(None))):
            h = started.replace(minute=0, second=0, microsecond=0)
            n, newest = out.get(h, (0, None))
            out[h] = (n + 1, built if newest is None else max(newest, built))
    return out


def _table(e: Engine) -> Hours:
    with Session(e) as db:
        return {r.hour: (r.calls, r.newest) for r in db.scalars(select(CallHour))}


def _call(db: Session, at: datetime | None, built: datetime) -> Call:
    c = make_call(db, at=at or T0, commit=False)
    c.started_at, c.built_at = at, built
    db.commit()
    return c


def _write(e: Engine, pk: int, **values: Any) -> None:
    """One call written again, in its own transaction (as the listener's store does)."""
    with Session(e) as db:
        db.execute(update(Call).where(Call.id == pk).values(**values))
        db.commit()


def test_the_hour_table_follows_every_write_of_a_call(engine: Engine) -> None:
    s = sessionmaker(engine, expire_on_commit=False)
    with s() as db:  # two calls in each of three hours (the later-built one is each hour's newest), one with no start
        old = [_call(db, T0 + i * HOUR + timedelta(minutes=m), T0 + timedelta(days=1, minutes=10 * i + m))
               for i in range(3) for m in (5, 50)]
        nowhere = _call(db, None, T0 + timedelta(days=1))
    assert _table(engine) == _truth(engine)
    assert sorted(_table(engine)) == [T0, T0 + HOUR, T0 + 2 * HOUR]  # a call with no start is in no hour
    assert _table(engine)[T0][0] == 2

    later = T0 + timedelta(days=2)
    _write(engine, old[1].id, built_at=later)  # rebuilt in place: its hour's newest moves on
    assert _table(engine)[T0] == (2, later)
    # to an hour of its own, back two hours, from no start into an hour, out of every hour
    _write(engine, old[2].id, started_at=T0 + 3 * HOUR + timedelta(minutes=1), built_at=later + HOUR)
    _write(engine, old[4].id, started_at=T0 + timedelta(minutes=59), built_at=later + 2 * HOUR)
    _write(engine, nowhere.id, started_at=T0 + 2 * HOUR, built_at=later + 3 * HOUR)
    _write(engine, old[0].id, started_at=None, built_at=later + 4 * HOUR)
    _write(engine, old[3].id, caller_number="13900000000")  # neither started_at nor built_at: no change
    assert _table(engine) == _truth(engine)
    assert _table(engine)[T0 + 3 * HOUR] == (1, later + HOUR)

    with Session(engine) as db:  # retention's way: a delete, and an hour emptied loses its row
        db.execute(delete(Call).where(Call.id.in_([old[2].id])))
        db.commit()
    assert T0 + 3 * HOUR not in _table(engine)
    assert _table(engine) == _truth(engine)


def test_a_deleted_call_lowers_its_hours_count_and_leaves_the_newest(engine: Engine) -> None:
    """A delete keeps the hour's newest built_at (finding the next newest would read the hour's
    calls): the stamp still changes, through the count, and is read the same way everywhere."""
    with Session(engine, expire_on_commit=False) as db:
        first = _call(db, T0, T0 + timedelta(days=1))
        newest = _call(db, T0 + timedelta(minutes=30), T0 + timedelta(days=2))
        db.delete(newest)
        db.commit()
        assert first.id
    assert _table(engine) == {T0: (1, T0 + timedelta(days=2))}
    assert _truth(engine) == {T0: (1, T0 + timedelta(days=1))}


def test_bulk_writes_are_added_up_per_hour(engine: Engine, db_url: str) -> None:
    """bench/callgen.py: executemany on SQLite, one INSERT … SELECT of all the rows on PostgreSQL
    (a statement trigger adds them up per hour once); then statements that write many calls."""
    generate(db_url, 3000, now=datetime(2026, 12, 1), say=lambda _line: None)
    assert _table(engine) == _truth(engine)
    assert sum(n for n, _ in _table(engine).values()) == 3000
    with Session(engine) as db:
        db.execute(update(Call).where(Call.id % 7 == 0).values(built_at=datetime(2026, 12, 2, tzinfo=UTC)))
        db.commit()
    assert _table(engine) == _truth(engine)
    far = datetime(2020, 1, 1, tzinfo=UTC)  # an hour no generated call is in
    with Session(engine) as db:  # many calls moved into one hour, and some to no start
        db.execute(update(Call).where(Call.id <= 40).values(started_at=far, built_at=datetime(2026, 12, 3, tzinfo=UTC)))
        db.execute(update(Call).where(Call.id.between(41, 50)).values(started_at=None))
        db.execute(delete(Call).where(Call.id % 5 == 0))
        db.commit()
    table, truth = _table(engine), _truth(engine)
    assert {h: n for h, (n, _) in table.items()} == {h: n for h, (n, _) in truth.items()}
    assert all(table[h][1] >= newest for h, (_, newest) in truth.items())  # deletes leave the newest
    assert table[far] == (32, datetime(2026, 12, 3, tzinfo=UTC))


def test_concurrent_writers_of_one_call_each_do_not_deadlock_on_the_hours(engine: Engine) -> None:
    """Two stores writing at once, one call per transaction, moving calls between the same two
    hours in opposite directions: the hour rows are taken in the order of the hour."""
    with Session(engine, expire_on_commit=False) as db:
        mine = {w: [_call(db, T0 + w * HOUR, T0).id for _ in range(20)] for w in (0, 1)}
    failed: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            for i, pk in enumerate(mine[w]):
                built = T0 + timedelta(days=1, seconds=i)
                _write(engine, pk, started_at=T0 + (1 - w) * HOUR, built_at=built)
                _write(engine, pk, started_at=T0 + w * HOUR, built_at=built + timedelta(milliseconds=1))
                _write(engine, pk, started_at=T0 + (1 - w) * HOUR, built_at=built + timedelta(milliseconds=2))
        except BaseException as exc:  # reported below, in the test's thread
            failed.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert failed == [] and not any(t.is_alive() for t in threads)
    assert _table(engine) == _truth(engine)
    assert {h: n for h, (n, _) in _table(engine).items()} == {T0: 20, T0 + HOUR: 20}



def test_the_migration_fills_the_table_from_the_calls_there(engine: Engine) -> None:
    alembic(engine, "downgrade", "0020")
    assert not inspect(engine).has_table("call_hours")
    with engine.begin() as conn:  # calls written before 0021 (no triggers then)
        rows = [("2026-11-20 09:05:00", "2026-11-21 00:00:00"), ("2026-11-20 09:55:00.250000", "2026-11-22 00:00:00"),
                ("2026-11-20 11:00:00", "2026-11-21 00:00:00"), (None, "2026-11-23 00:00:00")]
        for i, (at, built) in enumerate(rows):
            conn.execute(text("INSERT INTO calls (server, call_id, direction, started_at, disposition, transfers,"
                              " incomplete, vars, built_at) VALUES ('pbx1', :id, 'inbound', :at, 'answered', '[]',"
                              " :f, '{}', :built)"), {"id": f"c{i}", "at": at, "built": built, "f": False})
    alembic(engine, "upgrade", "head")
    assert _table(engine) == _truth(engine) == {T0: (2, datetime(2026, 11, 22, tzinfo=UTC)),
                                                 T0 + 2 * HOUR: (1, datetime(2026, 11, 21, tzinfo=UTC))}
    with Session(engine, expire_on_commit=False) as db:
        _call(db, T0 + 2 * HOUR, datetime(2026, 11, 24, tzinfo=UTC))  # the triggers work after the fill
    assert _table(engine) == _truth(engine)


def _index_stamp(db: Session, a: datetime, b: datetime, back: timedelta) -> cache.Stamp:
    """The look as it was before 0021: the calls' own index."""
    n = db.scalar(select(func.count()).where(Call.started_at >= a, Call.started_at < b)) or 0
    newest = db.scalar(select(func.max(Call.built_at)).where(Call.started_at >= a - back, Call.started_at < b))
    return n, newest


def test_a_look_on_whole_hours_reads_the_hour_table_and_gives_the_calls_stamp(engine: Engine, db_url: str) -> None:
    generate(db_url, 2000, now=datetime(2026, 12, 1), say=lambda _line: None)
    with Session(engine) as db:  # some calls rebuilt later
        db.execute(update(Call).where(Call.id % 11 == 0).values(built_at=datetime(2026, 12, 2, tzinfo=UTC)))
        db.commit()
    s = load(config_file=None, env={}, database_url=db_url)  # Asia/Shanghai: local days on whole UTC hours
    start, end = datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
    spans = [*days(s, start, end), (start, end), (end - HOUR, end), (start - timedelta(days=300), start)]
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with Session(engine) as db:
        for back in (timedelta(0), timedelta(hours=s.repeat_window_h)):
            want = [_index_stamp(db, a, b, back) for a, b in spans]
            statements.clear()
            assert [stamps.span_stamp(db, a, b, back) for a, b in spans] == want
            assert stamps.day_stamps(db, spans, back) == want
            assert all("call_hours" in q and " calls" not in q for q in statements), statements
        # a zone with a :30 offset: its days are not on whole hours, the calls' index answers
        half = [(a + timedelta(minutes=30), b + timedelta(minutes=30)) for a, b in spans]
        statements.clear()
        assert stamps.day_stamps(db, half) == [_index_stamp(db, a, b, timedelta(0)) for a, b in half]
        assert all("call_hours" not in q for q in statements[:1]), statements
    assert not stamps.on_hours(start + timedelta(minutes=30), end, timedelta(0))
    assert not stamps.on_hours(start, end, timedelta(minutes=90))
    assert stamps.on_hours(start, end, timedelta(hours=72))


def test_the_listeners_upsert_of_a_call_built_again_moves_it(engine: Engine) -> None:
    """ami_listener/store.py writes calls as INSERT … ON CONFLICT (server, call_id) DO UPDATE, many
    rows a statement: a new call is an insert, a call built again an update (of its hour too)."""
    from sqlalchemy.dialects import postgresql, sqlite

    def upsert(rows: list[dict[str, Any]]) -> None:
        ins = (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(Call.__table__)
        stmt = ins.on_conflict_do_update(index_elements=["server", "call_id"], set_={
            k: ins.excluded[k] for k in ("started_at", "built_at", "disposition")})
        with Session(engine) as db:
            db.execute(stmt, [{"server": "pbx1", "direction": "inbound", "transfers": [], "vars": {},
                               "incomplete": False, "disposition": "answered", **r} for r in rows])
            db.commit()

    built = T0 + timedelta(days=1)
    upsert([{"call_id": f"u{i}", "started_at": T0 + timedelta(minutes=10 * i), "built_at": built} for i in range(9)])
    assert _table(engine) == _truth(engine) == {T0: (6, built), T0 + HOUR: (3, built)}
    # u0 built again into the next hour, u8 unchanged but rewritten, u9 new, u5 lost its start
    upsert([{"call_id": "u0", "started_at": T0 + HOUR, "built_at": built + HOUR},
            {"call_id": "u8", "started_at": T0 + timedelta(minutes=80), "built_at": built},
            {"call_id": "u9", "started_at": T0 + 2 * HOUR, "built_at": built + HOUR},
            {"call_id": "u5", "started_at": None, "built_at": built + 2 * HOUR}])
    assert _table(engine) == _truth(engine)
    assert {h: n for h, (n, _) in _table(engine).items()} == {T0: 4, T0 + HOUR: 4, T0 + 2 * HOUR: 1}
