"""Backups of the hotline's database (`hotline db backup|restore`).

SQLite: the online backup API copies the database in one step, inside one read transaction, so the
copy is the database at one instant even while the listener writes (WAL: the writer is not blocked).
PostgreSQL: ``pg_dump --format=custom`` (one transaction, consistent too) and ``pg_restore``; the
password goes to them in the environment, never on a command line others can read in ``ps``.

A restore replaces the database: it is refused while another process has the SQLite file open, or
while other sessions are connected to the PostgreSQL database (a service would go on writing to what
was replaced), unless forced; and a backup made by another version of the hotline (another schema
revision) is refused — restore it with that version, then `hotline db upgrade`."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url, text

from hotline.db import head_revision, settings_engine
from hotline.settings import Settings


class BackupError(RuntimeError):
    """A backup or restore that cannot be done: the message says why and what to do."""


@dataclass(frozen=True)
class Done:
    path: Path
    how: str  # what was run, for the operator


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None: not SQLite, or in memory)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _pg_env(url: str) -> dict[str, str]:
    u = make_url(url)
    env = dict(os.environ)
    for var, value in (("PGHOST", u.host), ("PGPORT", u.port), ("PGUSER", u.username),
                       ("PGPASSWORD", u.password), ("PGDATABASE", u.database)):
        if value is not None:
            env[var] = str(value)
    return env


def pg_dump_recipe(s: Settings, path: Path) -> str:
    """The command `hotline db backup` runs for PostgreSQL (README: Running on a server)."""
    return (f"pg_dump --format=custom --no-owner --file {path}"
            "  # PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE from database_url")


def backup(s: Settings, path: Path) -> Done:
    """A consistent copy of the database at ``path`` (mode 0600: it holds personal data)."""
    src = sqlite_path(s.db_url)
    tmp = path.with_name(path.name + ".part")
    if src is not None:
        if not src.exists():
            raise BackupError(f"no database at {src}: nothing to back up")
        tmp.unlink(missing_ok=True)
        with sqlite3.connect(src, timeout=s.db_busy_timeout_s) as from_db, sqlite3.connect(tmp) as to_db:
            from_db.backup(to_db)  # pages=-1: every page in one step, one consistent snapshot
        from_db.close()
        to_db.close()
        os.chmod(tmp, 0o600)
        tmp.replace(path)
        return Done(path, f"SQLite online backup of {src}")
    if make_url(s.db_url).get_backend_name() != "postgresql":
        raise BackupError(f"cannot back up {make_url(s.db_url).get_backend_name()} (SQLite and PostgreSQL only)")
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client); "
                          "the recipe: " + pg_dump_recipe(s, path))
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(tmp)], s.db_url)
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return Done(path, pg_dump_recipe(s, path))


def _run(argv: list[str], url: str) -> None:
    done = subprocess.run(argv, env=_pg_env(url), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {done.stderr.strip() or done.returncode}")


def users_of(path: Path) -> list[int]:
    """Other processes that have this SQLite database (or its WAL) open (Linux /proc)."""
    names = {str(path.resolve()), str(path.resolve()) + "-wal"}
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if any(os.readlink(fd) in names for fd in (proc / "fd").iterdir()):
                found.append(int(proc.name))
        except OSError:  # gone meanwhile, or another user's
            continue
    return sorted(found)


def _pg_sessions(s: Settings) -> int:
    engine = settings_engine(s)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text("SELECT count(*) FROM pg_stat_activity "
                                        "WHERE datname = current_database() AND pid <> pg_backend_pid()")) or 0)
    finally:
        engine.dispose()


def restore(s: Settings, path: Path, force: bool = False) -> Done:
    """Replace the database with the backup at ``path`` (see the module's doc for the refusals)."""
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    dst = sqlite_path(s.db_url)
    if dst is not None:
        _check_sqlite_backup(path)
        busy = users_of(dst) if dst.exists() else []
        if busy and not force:
            raise BackupError(f"{dst} is open in process(es) {', '.join(map(str, busy))}: stop the hotline's "
                              "services first (systemctl stop 'hotline-*', or end `hotline run`), or --force")
        dst.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as from_db, sqlite3.connect(dst, timeout=s.db_busy_timeout_s) as to_db:
            from_db.backup(to_db)
        from_db.close()
        to_db.close()
        return Done(dst, f"SQLite backup {path} copied into {dst}")
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed (Debian: apt-get install postgresql-client)")
    others = _pg_sessions(s)
    if others and not force:
        raise BackupError(f"{others} other session(s) are connected to the database: stop the hotline's "
                          "services first, or --force")
    _check_pg_backup(path, s.db_url)
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--dbname", str(make_url(s.db_url).database), str(path)], s.db_url)
    return Done(path, f"pg_restore --clean --if-exists --single-transaction of {path}")


def _check_sqlite_backup(path: Path) -> None:
    try:  # read-only: checking a backup must not change it
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            at = tuple(sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version")))
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{path} is not a hotline SQLite backup: {exc}") from exc
    _check_revisions(path, at)


def _check_pg_backup(path: Path, url: str) -> None:
    """The schema revision a pg_dump archive holds (its alembic_version rows), read without restoring."""
    done = subprocess.run(["pg_restore", "--data-only", "--table", "alembic_version", "--file", "-", str(path)],
                          env=_pg_env(url), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{path} is not a pg_dump archive pg_restore can read: {done.stderr.strip()}")
    lines = done.stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("COPY ")), None)
    at: tuple[str, ...] = ()
    if start is not None:
        end = lines.index("\\.", start)
        at = tuple(sorted(lines[start + 1:end]))
    _check_revisions(path, at)


def _check_revisions(path: Path, at: tuple[str, ...]) -> None:
    if at != (head_revision(),):
        raise BackupError(f"{path} has schema {', '.join(at) or 'none'}, this hotline needs {head_revision()}: "
                          "restore it with the hotline version that made it, then `hotline db upgrade`")
