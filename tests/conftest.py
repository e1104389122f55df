"""Session fixtures: one real private Asterisk for the whole test session."""

from __future__ import annotations

import gc
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.pbx.process import Asterisk
from hotline.settings import Settings
from tests.support.passwords import hashed_once
from tests.support.pbx import pbx_test_settings
from tests.support.postgres import backend, dispose_engines, new_db_url, server, stop_server, track_engines


@pytest.fixture(scope="session")
def pbx_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return pbx_test_settings(tmp_path_factory.mktemp("pbx"))


@pytest.fixture(scope="session")
def pbx(pbx_settings: Settings) -> Iterator[Asterisk]:
    if not shutil.which("asterisk"):
        pytest.fail("asterisk is not installed: run `make test` (it runs scripts/setup.sh), not bare pytest")
    ast = Asterisk(pbx_settings).start()
    yield ast
    ast.stop()


@pytest.fixture(scope="session")
def built_prompts(pbx_settings: Settings):  # -> hotline.prompt_library.builder.BuildReport
    """Every prompt of hotline/phrases.toml rendered with espeak-ng into pbx_settings.sounds_dir
    (hotline/<id>.wav, digits/<n>.wav), which the session's Asterisk plays as language zh.
    Independent of `pbx`: tests that play prompts request both."""
    from hotline.prompt_library.builder import build

    report = build(pbx_settings, engine="espeak", progress=None)
    if report.failed:
        pytest.fail(f"building prompts failed: {report.failed}")
    return report


# --- the database under test (tests/support/postgres.py) ---------------------------------------

def pytest_configure(config: pytest.Config) -> None:
    if backend() == "postgres":
        # A test's database is dropped WITH (FORCE) after it: a pooled connection that outlived
        # the test then fails its reset, as intended. Logging that with a traceback would also
        # make Python 3.11 parse source for the carets while another thread may be parsing too,
        # which trips CPython's "AST constructor recursion depth mismatch" (a 3.11 thread-safety bug).
        logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)
        track_engines()
    config.addinivalue_line("markers", "db: gets its database from the db_url fixture; `make test-postgres` "
                                       "runs these again on PostgreSQL, but for `live` ones not chosen")
    config.addinivalue_line("markers", "live: drives a real Asterisk, Kannel or Chromium (set by LIVE_FIXTURES "
                                       "and the asterisk/browser markers)")
    config.addinivalue_line("markers", "postgres_e2e: a live flow `make test-postgres` runs on PostgreSQL too")


# Fixtures that start or drive a real Asterisk, Kannel or Chromium (requested directly or through
# another fixture: `ivr_env` needs `pbx`); `pbx_settings` alone starts nothing.
LIVE_FIXTURES = frozenset({"pbx", "kannel", "desk_pbx", "phone_pbx", "phones_pbx", "untimed_pbx", "phone_desk",
                           "rig", "browser"})


# `make test` runs two pytest-xdist workers (`--dist loadgroup`), each its own session. The
# session's Asterisk and Kannel stay one per run: every test that uses them is in group
# SESSION_GROUP, which one worker runs as one unit. A test that starts an Asterisk of its own (a
# module's `desk_pbx`, a softphone `rig`, `hotline run`, the soaks) or uses the prompts built into
# `pbx_settings` is in the group of its module (`own:<file>`): the module's Asterisk starts once, on
# one worker, while the other may run the session's calls (ports and RTP blocks are per worker:
# tests/support/ports.py). The CPU-bound rest (and Chromium-only tests: one Chromium per worker)
# is balanced test by test.
SESSION_GROUP = "pbx"
SESSION_FIXTURES = frozenset({"pbx", "kannel"})
OWN_PBX_FIXTURES = (LIVE_FIXTURES - SESSION_FIXTURES - {"browser"}) | {"pbx_settings", "built_prompts"}


def xdist_group(item: pytest.Item, fixtures: set[str]) -> str | None:
    if fixtures & SESSION_FIXTURES:
        return SESSION_GROUP
    if fixtures & OWN_PBX_FIXTURES or item.get_closest_marker("asterisk"):
        return f"own:{item.path.relative_to(item.config.rootpath)}"
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist's worker hook, which turns the group into the node id
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "db_url" in fixtures:
            item.add_marker(pytest.mark.db)
        if fixtures & LIVE_FIXTURES or item.get_closest_marker("asterisk") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.live)
        group = xdist_group(item, fixtures)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A fresh database with the current schema for one test: SQLite under tmp_path, or a new
    database in the private PostgreSQL when HOTLINE_TEST_DB=postgres."""
    url = new_db_url(tmp_path)
    yield url
    if backend() == "postgres":
        dispose_engines(url)  # the test's pooled connections close cleanly before the database goes
        server().drop_database(url)


@pytest.fixture(scope="session", autouse=True)
def _passwords_hashed_once() -> Iterator[None]:
    """The panel's scrypt hashes made and checked once per password (tests/support/passwords.py)."""
    with hashed_once():
        yield


@pytest.fixture(scope="session", autouse=True)
def _private_postgres() -> Iterator[None]:
    """Stops the private PostgreSQL (started on first use) at the end of the session."""
    yield
    gc.collect()  # pooled connections of finished tests close while the server still answers
    stop_server()
    # whatever pool still holds a connection finds the server gone at exit: expected, not an error
    logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)
