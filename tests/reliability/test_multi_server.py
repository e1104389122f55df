"""Several Asterisk servers, one PostgreSQL database: calls are keyed by (server, Linkedid).

Two private Asterisk instances (the session's and one started here, with another server_id), one
listener each, both writing into the same PostgreSQL database. The same Linkedid on both servers
(forced with the Originate ChannelId) stays two calls; every call is recorded once, under the
server it happened on; the panel's API lists the calls of both."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from ami_listener.listen import Listener
from ami_listener.simulate import SimCall, originate
from hotline.db import open_db
from hotline.models import Call, LiveState
from hotline.pbx.process import Asterisk
from tests.support.pbx import pbx_test_settings

pytestmark = [pytest.mark.asterisk, pytest.mark.postgres]

AGENTS = ("8001", "8002", "8003")


def _calls(tag: str, shared: str) -> list[SimCall]:
    answer = {ext: ("answer", 1, 1.5) for ext in AGENTS}
    nobody = {ext: ("noanswer", 0, 0) for ext in AGENTS}
    return [SimCall(shared, "13800000001", "同号", 15, answer),  # same Linkedid on both servers
            SimCall(f"{tag}-answered-{time.time_ns() % 10**9}", "13800000002", f"{tag}来电", 15, answer),
            SimCall(f"{tag}-abandoned-{time.time_ns() % 10**9}", "13800000003", f"{tag}放弃", 2, nobody)]


def _wait_rows(sessions, want: set[tuple[str, str]], timeout: float = 40.0) -> list[Call]:
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as db:
            rows = list(db.scalars(select(Call).where(Call.call_id.in_({c for _, c in want}))))
        if {(r.server, r.call_id) for r in rows} >= want or time.monotonic() > deadline:
            return rows
        time.sleep(0.3)


def test_two_servers_one_postgres_database(pbx: Asterisk, tmp_path: Path, pg_url: str) -> None:
    s_a = pbx.settings.replace(database_url=pg_url, server_id="pbx-a")
    other = Asterisk(pbx_test_settings(tmp_path / "second", server_id="pbx-b", database_url=pg_url)).start()
    s_b = other.settings
    listeners = []
    try:
        listeners = [Listener(s_a).start(), Listener(s_b).start()]
        assert all(lst.conn.connected.wait(10) for lst in listeners)
        shared = f"same-{time.time_ns() % 10**9}"
        plan = {"pbx-a": _calls("a", shared), "pbx-b": _calls("b", shared)}
        for s in (s_a, s_b):
            with Asterisk(s).ami() as ami:
                for call in plan[s.server_id]:
                    originate(ami, s, call)
        want = {(server, c.call_id) for server, calls in plan.items() for c in calls}
        _, sessions = open_db(s_a)
        rows = _wait_rows(sessions, want)
        time.sleep(1.5)  # a late duplicate write would show up now
        with sessions() as db:
            rows = list(db.scalars(select(Call).where(Call.call_id.in_({c for _, c in want}))))
            live = {r.server for r in db.scalars(select(LiveState))}
    finally:
        for lst in listeners:
            lst.stop()
        other.stop()

    keys = [(r.server, r.call_id) for r in rows]
    assert sorted(keys) == sorted(want), "every call once, under its own server"
    assert len({r.id for r in rows if r.call_id == shared}) == 2  # same Linkedid, two servers: two rows
    for r in rows:
        kind = r.call_id.split("-")[1] if not r.call_id.startswith("same-") else "answered"
        assert not r.incomplete and r.direction == "inbound", (r.server, r.call_id)
        if kind == "abandoned":
            assert r.disposition == "abandoned" and r.agent is None
        else:
            assert r.disposition == "answered" and r.agent in AGENTS, (r.server, r.call_id, r.disposition)
        own = {c.call_id: c for c in plan[r.server]}[r.call_id]
        assert r.caller_name == own.caller_name  # the row holds that server's call, not the other's
    assert live == {"pbx-a", "pbx-b"}  # one live_state row per server, for the wallboard

    # the panel: a supervisor's API search lists both servers' calls, each with its server
    from tests.web.conftest import PASSWORD, login
    from web import close_app, create_app
    from web.auth.users import add_user

    app = create_app(s_a.replace(runtime_dir=tmp_path / "web"))
    app.config["TESTING"] = True
    with app.app_context():
        from web.context import session_factory

        with session_factory()() as db:
            add_user(db, "boss", "supervisor", PASSWORD)
            db.commit()
    client = app.test_client()
    login(client, "boss")
    got = client.get("/api/v1/calls").get_json()["calls"]
    listed = {(c["server"], c["call_id"]) for c in got}
    assert want <= listed
    close_app(app)
