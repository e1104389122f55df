"""A private PostgreSQL for tests, and the one helper every test that needs a database uses.

``new_db_url(tmp_path)`` returns a fresh database URL with the current schema: a SQLite file under
``tmp_path`` by default, or — with ``HOTLINE_TEST_DB=postgres`` — a new database in a private
PostgreSQL server (Debian's ``postgresql`` binaries, its own data dir and a free port, started on
first use and stopped at the end of the session). Every database is a copy of a template migrated
once (the tests play `hotline db upgrade`: the services refuse a database that is not current), so
the Alembic migrations are proven on PostgreSQL and each test still starts from a clean store.
``migrated=False`` gives an empty database, for tests of the migrations; ``sqlite_url(path)`` a
migrated SQLite file wherever a test wants one, whatever the backend.

PostgreSQL refuses to run as root: when we are root the server runs as the ``postgres`` system
user, with its data dir in a directory of its own under /tmp (pytest's tmp dirs are 0700 root).
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from functools import partial
from pathlib import Path
from typing import Any

from hotline.pbx.process import die_with_parent
from tests.support.ports import free_port

PG_BIN = Path(os.environ.get("HOTLINE_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "hotline"
TEMPLATE = "hotline_template"


def backend() -> str:
    """Which database the suite runs on: ``sqlite`` (default) or ``postgres``."""
    value = os.environ.get("HOTLINE_TEST_DB", "sqlite").strip().lower() or "sqlite"
    if value not in ("sqlite", "postgres"):
        raise ValueError(f"HOTLINE_TEST_DB must be sqlite or postgres, not {value!r}")
    return value


def _pg_bin() -> Path:
    if (PG_BIN / "initdb").exists():
        return PG_BIN
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                           "run scripts/install-system.sh")
    return found[-1].parent


class PrivatePostgres:
    """One throw-away PostgreSQL cluster: ``start()``, ``create_database()``, ``stop()``."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.base = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)
        self._lock = threading.Lock()
        self._as: dict[str, object] = {}
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
            self._as = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> PrivatePostgres:
        log = self.base / "initdb.log"
        with open(log, "wb") as out:
            rc = subprocess.call([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", USER,
                                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                                 stdout=out, stderr=subprocess.STDOUT, cwd=self.base, **self._as)  # type: ignore[arg-type]
        if rc != 0:
            raise RuntimeError(f"initdb failed ({rc}): {log.read_text(errors='replace')[-2000:]}")
        self._launch()
        atexit.register(self.stop)
        self._wait_ready()
        self._make_template()
        return self

    def _launch(self) -> None:
        # durability is not what a test checks: no fsync makes a database copy take milliseconds
        opts = ["-c", "listen_addresses=127.0.0.1", "-c", f"port={self.port}",
                "-c", f"unix_socket_directories={self.base}", "-c", "fsync=off",
                "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300",
                "-c", "shared_buffers=64MB"]
        server_log = open(self.base / "server.log", "ab")
        self.proc = subprocess.Popen([str(self.bin / "postgres"), "-D", str(self.data), *opts],
                                     stdin=subprocess.DEVNULL, stdout=server_log, stderr=subprocess.STDOUT,
                                     # SIGINT: PostgreSQL's fast shutdown; set after the uid change
                                     cwd=self.base, preexec_fn=partial(die_with_parent, signal.SIGINT),
                                     close_fds=True,
                                     **self._as)  # type: ignore[arg-type]
        server_log.close()

    def halt(self) -> None:
        """Stop the server but keep its data: the database is unavailable until resume()."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(15)

    def resume(self) -> None:
        self._launch()
        self._wait_ready()

    def _connect(self, dbname: str = "postgres"):  # -> psycopg.Connection
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=USER, dbname=dbname, autocommit=True,
                               connect_timeout=5)

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited ({self.proc.returncode}): {self.tail()}")
            try:
                self._connect().close()
                return
            except Exception as exc:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"postgres not ready within {timeout:.0f} s ({exc}): {self.tail()}") from exc
                time.sleep(0.1)

    def _make_template(self) -> None:
        """A database with every migration applied (by the product's own code), copied per test."""
        from hotline.db import make_engine, migrate

        with self._connect() as conn:
            conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        engine = make_engine(self.url(TEMPLATE))
        try:
            migrate(engine)
        finally:
            engine.dispose()

    def create_database(self, prefix: str = "t", migrated: bool = True) -> str:
        """A new database; its URL. ``migrated=False``: empty, for tests of the migrations."""
        with self._lock:
            name = f"{prefix}_{next(self._names)}"
            with self._connect() as conn:
                conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{TEMPLATE}"' if migrated else ""))
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        # best effort: the whole cluster goes away at the end of the session anyway
        with contextlib.suppress(Exception), self._connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def tail(self, n: int = 2000) -> str:
        try:
            return (self.base / "server.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # "fast" shutdown: clients are disconnected
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        shutil.rmtree(self.base, ignore_errors=True)


_server: PrivatePostgres | None = None
_server_lock = threading.Lock()


def server() -> PrivatePostgres:
    """The session's PostgreSQL, started on first use."""
    global _server
    with _server_lock:
        if _server is None:
            _server = PrivatePostgres().start()
        return _server


def stop_server() -> None:
    global _server
    with _server_lock:
        if _server is not None:
            _server.stop()
            _server = None


_engines: weakref.WeakSet[Any] = weakref.WeakSet()
_tracking = False


def track_engines() -> None:
    """From now on every SQLAlchemy engine of this process that connects is noted (weakly), so
    :func:`dispose_engines` can close a dropped database's pooled connections."""
    global _tracking
    if _tracking:
        return
    from sqlalchemy import Engine, event

    event.listen(Engine, "engine_connect", lambda conn: _engines.add(conn.engine))
    _tracking = True


def dispose_engines(url: str) -> None:
    """Closes the idle pooled connections of every engine of this process on ``url``'s database,
    before it is dropped: a pooled connection that outlives its database fails its next reset (a
    connection still checked out is ended by the DROP … WITH (FORCE)). A gc.collect() per test did
    this before, at 0.1–0.5 s a test."""
    name = url.rsplit("/", 1)[1]
    for engine in list(_engines):
        if engine.url.database == name:
            engine.dispose()


def new_db_url(tmp_path: Path, name: str = "hotline.db", migrated: bool = True) -> str:
    """A fresh database for one test, on the backend HOTLINE_TEST_DB names."""
    if backend() == "postgres":
        return server().create_database(migrated=migrated)
    return sqlite_url(tmp_path / name) if migrated else f"sqlite:///{tmp_path / name}"


_sqlite_template: Path | None = None
_sqlite_lock = threading.Lock()


def sqlite_url(path: Path) -> str:
    """A SQLite database at ``path`` with every migration applied: a copy of one file migrated
    once per session (a copy takes a millisecond, migrating a quarter of a second)."""
    global _sqlite_template
    from hotline.db import make_engine, migrate

    with _sqlite_lock:
        if _sqlite_template is None:
            tmp = Path(tempfile.mkdtemp(prefix="hotline-sqlite-template-"))
            atexit.register(shutil.rmtree, tmp, True)
            engine = make_engine(f"sqlite:///{tmp / 'template.db'}")
            try:
                migrate(engine)
            finally:
                engine.dispose()  # the last connection closing folds the WAL into the file
            _sqlite_template = tmp / "template.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"
