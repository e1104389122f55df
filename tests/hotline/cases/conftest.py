"""Case fixtures: the callbacks' migrated database and settings (cases open complaints and
callback tasks), and the actors of the panel's roles."""

from __future__ import annotations

from hotline.cases import Actor
from hotline.vocabulary import Role
from tests.hotline.callbacks.conftest import TZ, db, local, sessions, settings

AGENT = Actor("8001", Role.AGENT)
OTHER_AGENT = Actor("8002", Role.AGENT)
BOSS = Actor("boss", Role.SUPERVISOR)
NIGHT_LEAD = Actor("lead2", Role.SUPERVISOR)
INSPECTOR = Actor("qa", Role.INSPECTOR)

__all__ = ["AGENT", "BOSS", "INSPECTOR", "NIGHT_LEAD", "OTHER_AGENT", "TZ", "db", "local", "sessions", "settings"]
