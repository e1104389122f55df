"""The callbacks' fixtures (a migrated database, settings with a test server id): the scheduler
works on the same records."""

from tests.hotline.callbacks.conftest import db, sessions, settings

__all__ = ["db", "sessions", "settings"]
