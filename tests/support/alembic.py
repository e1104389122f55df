"""Alembic's commands on a test's own engine, to any revision (the product itself only upgrades to
the head: hotline.db.migrate)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from hotline.db import MIGRATIONS


def alembic(engine: Engine, verb: str, revision: str) -> None:
    """``verb`` ("upgrade", "downgrade") to ``revision`` on ``engine``, in one transaction."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, verb)(cfg, revision)
