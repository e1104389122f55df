"""Reliability fixtures: a database that is PostgreSQL whatever HOTLINE_TEST_DB says (tests that
are about PostgreSQL, e.g. several Asterisk servers writing into one database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.postgres import server


@pytest.fixture
def pg_url() -> Iterator[str]:
    pg = server()
    url = pg.create_database("multi")
    yield url
    pg.drop_database(url)
