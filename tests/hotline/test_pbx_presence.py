"""The PBX's record of log-ins and pauses for one local day (hotline.pbx_presence): sessions over
midnight clipped to the day, an open one counted up to now, totals that count overlapping queues
once, another server's rows left out, and a reading that walks the (server, agent, start) indexes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline import pbx_presence
from hotline.db import open_db
from hotline.models import AgentPause, AgentSession
from hotline.pbx_presence import POOL_QUEUE, day_record
from hotline.settings import Settings, load

TZ = timedelta(hours=8)  # Asia/Shanghai: the day below is its local day
DAY = date(2026, 12, 2)


def local(day: int, hhmm: str) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(2026, 12, day, h, m, tzinfo=UTC) - TZ


# agent, queue, from (day, time), until (day, time) or None: still logged in
SESSIONS = [
    ("8001", "hotline", (1, "22:00"), (2, "02:00")),  # over midnight: 2 h inside
    ("8001", "vip", (2, "01:00"), (2, "03:00")),  # overlaps the first: online 01:00–02:00 once
    ("8002", POOL_QUEUE, (2, "08:00"), None),  # an agent pool's log-in, still on at NOW
    ("8003", "hotline", (1, "08:00"), (1, "20:00")),  # the day before only
    ("8004", "hotline", (2, "23:00"), (3, "01:00")),  # later than now: nothing yet
]
PAUSES = [
    ("8001", "hotline", "午饭", (1, "23:30"), (2, "00:30")),  # 30 min inside
    ("8001", "vip", "午饭", (2, "00:15"), (2, "00:45")),  # the same break in the other queue: once
    ("8002", POOL_QUEUE, None, (2, "09:00"), (2, "09:10")),
]
NOW = local(2, "10:00")


@pytest.fixture
def pbx_day(tmp_path: Path, db_url: str) -> tuple[Settings, Session]:
    s = load(config_file=None, env={}, runtime_dir=tmp_path, server_id="d", database_url=db_url,
             timezone="Asia/Shanghai")
    _engine, sessions = open_db(s)
    db = sessions()
    for agent, queue, (d1, t1), until in SESSIONS:
        db.add(AgentSession(server="d", agent=agent, interface=f"Local/{agent}@agents", queue=queue,
                            login_at=local(d1, t1), logout_at=local(*until) if until else None))
    for agent, queue, reason, (d1, t1), (d2, t2) in PAUSES:
        db.add(AgentPause(server="d", agent=agent, queue=queue, reason=reason, paused_at=local(d1, t1),
                          unpaused_at=local(d2, t2)))
    db.add(AgentSession(server="other", agent="8001", interface="x", queue="hotline", login_at=local(2, "05:00"),
                        logout_at=local(2, "06:00")))  # another PBX's: not ours
    db.commit()
    return s, db


def test_a_day_of_sessions_and_pauses(pbx_day: tuple[Settings, Session]) -> None:
    s, db = pbx_day
    rec = day_record(db, s, DAY, now=NOW)
    assert (rec.start, rec.end, rec.cut) == (local(2, "00:00"), local(3, "00:00"), False)
    assert [a.agent for a in rec.agents] == ["8001", "8002", "8004"]
    a, b, d = rec.agents
    assert [(sp.queue, sp.start, sp.end, sp.seconds) for sp in a.sessions] == [
        ("hotline", local(1, "22:00"), local(2, "02:00"), 7200.0),  # as recorded; counted from midnight
        ("vip", local(2, "01:00"), local(2, "03:00"), 7200.0)]
    assert a.online_s == 3 * 3600  # 00:00–03:00, the overlap once
    assert [(sp.reason, sp.seconds) for sp in a.pauses] == [("午饭", 1800.0), ("午饭", 1800.0)]
    assert a.paused_s == 45 * 60  # 00:00–00:45
    assert [(sp.in_pool, sp.end, sp.seconds) for sp in b.sessions] == [(True, None, 7200.0)]  # up to now
    assert (b.online_s, b.paused_s, b.pauses[0].reason) == (7200.0, 600.0, None)
    assert (d.sessions[0].seconds, d.online_s) == (0.0, 0.0)  # begins after now
    # the whole day once it is over
    assert day_record(db, s, DAY, now=local(5, "00:00")).agents[2].online_s == 3600


def test_a_day_past_the_row_bound_says_it_is_cut(pbx_day: tuple[Settings, Session],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    s, db = pbx_day
    monkeypatch.setattr(pbx_presence, "MAX_ROWS", 2)
    rec = day_record(db, s, DAY, now=NOW)
    assert rec.cut and [a.agent for a in rec.agents] == ["8001"]  # the first 2 in index order


def test_the_readings_walk_the_agent_indexes(pbx_day: tuple[Settings, Session]) -> None:
    """Bounded and indexed: each table is read through its (server, agent, start) index, in its
    order (no sort of the day's rows). PostgreSQL's planner chooses by statistics, which a test's
    few rows do not give: there the plan is read with sequential scans off — the index must serve
    the query's filter and order."""
    s, db = pbx_day
    seen: list[str] = []
    conn = db.connection()
    sqlite = conn.dialect.name == "sqlite"
    if not sqlite:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
    real = db.execute

    def explain(stmt, *args, **kw):  # type: ignore[no-untyped-def]
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = conn.execute(text(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql))
        seen.append(" ".join(str(row[-1]) for row in plan))
        return real(stmt, *args, **kw)

    db.execute = explain  # type: ignore[method-assign]
    day_record(db, s, DAY, now=NOW)
    assert len(seen) == 2
    sort = "TEMP B-TREE" if sqlite else "Sort"
    assert "ix_agent_sessions_agent" in seen[0] and sort not in seen[0], seen[0]
    assert "ix_agent_pauses_agent" in seen[1] and sort not in seen[1], seen[1]
