"""Autogenerate an Alembic revision from the models: python scripts/new-migration.py "message"."""
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402

from hotline.db import MIGRATIONS, make_engine, migrate  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    engine = make_engine(f"sqlite:///{tmp}/m.db")
    migrate(engine)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=sys.argv[1], autogenerate=True, rev_id=sys.argv[2] if len(sys.argv) > 2 else None)
