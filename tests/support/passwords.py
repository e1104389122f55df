"""The panel's password hashes, computed once per password for the whole test session.

Werkzeug's scrypt costs ~0.1 s per hash and per check on a quiet 2-core machine (up to a second
under load), and the tests make five users per panel and log in again and again with one
password: that was minutes of the suite spent hashing. A hash is still a real scrypt hash made by
the product's own function, and a check still compares with it for real; only the salt is shared
between users of one password, which no test looks at (processes the tests start, `hotline run`
and `hotline web serve`, hash as in production)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from werkzeug.security import check_password_hash, generate_password_hash


@functools.cache
def _hash(password: str) -> str:
    return generate_password_hash(password)


@functools.cache
def _check(pwhash: str, password: str) -> bool:
    # a pure function of its two arguments: its answer can be kept
    return check_password_hash(pwhash, password)


@contextmanager
def hashed_once() -> Iterator[None]:
    """web.auth.users hashes and checks through the caches above while the context is open."""
    from web.auth import users

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "generate_password_hash", _hash)
        mp.setattr(users, "check_password_hash", _check)
        yield
