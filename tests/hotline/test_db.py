"""hotline.db.is_busy: which database errors mean "another writer held the lock, try again"; and
log_retry, how a step that will be tried again says it failed."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from hotline.db import is_busy, log_retry, make_engine


def test_sqlites_lock_past_the_busy_timeout_is_busy(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    engine = make_engine(f"sqlite:///{path}", busy_timeout_s=0.1)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError) as got, engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert is_busy(got.value)
    with pytest.raises(OperationalError) as other, engine.begin() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))
    assert not is_busy(other.value)  # a real error: its traceback is wanted
    engine.dispose()


class PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"pg {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("sqlstate", "busy"), [("55P03", True), ("40P01", True), ("40001", True),
                                                ("08006", False), ("42P01", False)])
def test_postgresqls_lock_timeout_deadlock_and_serialization_failure_are_busy(sqlstate: str, busy: bool) -> None:
    assert is_busy(OperationalError("UPDATE x", {}, PgError(sqlstate))) is busy


def test_other_exceptions_are_not_busy() -> None:
    assert not is_busy(IntegrityError("INSERT", {}, Exception("database is locked")))
    assert not is_busy(RuntimeError("database is locked"))


def test_a_busy_database_is_one_line_anything_else_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("tests.retry")
    caplog.set_level(logging.INFO, logger="tests.retry")
    log_retry(log, "desk state of 8001", OperationalError("UPDATE x", {}, Exception("database is locked")),
              "read again at the next poll")
    log_retry(log, "desk state of 8001", RuntimeError("a bug"), "read again at the next poll")
    busy, bug = caplog.records
    assert (busy.levelno, busy.getMessage(), busy.exc_info) == (
        logging.WARNING, "desk state of 8001: the database is busy (database is locked); read again at the next poll",
        None)
    assert (bug.levelno, bug.getMessage()) == (logging.ERROR, "desk state of 8001 failed; read again at the next poll")
    assert bug.exc_info is not None and "RuntimeError: a bug" in caplog.text
