"""Autogenerate an Alembic revision from the models.

    python scripts/new-migration.py "message" REV_ID

The revision follows the single head: the chain of migrations stays linear (one head, which
`hotline db upgrade` reaches and every service checks for). Check the generated file: it holds
every difference between all migrations and all models.
"""
import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from alembic import command
from alembic.config import Config

from hotline.db import MIGRATIONS, make_engine, migrate

ap = argparse.ArgumentParser()
ap.add_argument("message")
ap.add_argument("rev_id")
a = ap.parse_args()
with tempfile.TemporaryDirectory() as tmp:
    engine = make_engine(f"sqlite:///{tmp}/m.db")
    migrate(engine)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=a.message, autogenerate=True, rev_id=a.rev_id)
