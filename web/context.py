"""Per-request access to the settings and a database session."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from sqlalchemy.orm import Session, sessionmaker

from hotline.service_settings import effective
from hotline.settings import Settings


def settings() -> Settings:
    """The settings in force: the file's with the panel's service settings (re-read every few seconds)."""
    return effective(file_settings(), session_factory())


def file_settings() -> Settings:
    """hotline.toml / HOTLINE_* as this process read them at start."""
    return current_app.extensions["hotline"]["settings"]


def session_factory() -> sessionmaker[Session]:
    return current_app.extensions["hotline"]["Session"]


def db() -> Session:
    if "db" not in g:
        g.db = session_factory()()
    return g.db


def ext() -> dict[str, Any]:
    return current_app.extensions["hotline"]
