"""Per-request access to the settings and a database session."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from sqlalchemy.orm import Session, sessionmaker

from hotline.settings import Settings


def settings() -> Settings:
    return current_app.extensions["hotline"]["settings"]


def session_factory() -> sessionmaker[Session]:
    return current_app.extensions["hotline"]["Session"]


def db() -> Session:
    if "db" not in g:
        g.db = session_factory()()
    return g.db


def ext() -> dict[str, Any]:
    return current_app.extensions["hotline"]
