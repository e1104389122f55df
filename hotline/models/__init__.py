"""The store's tables (SQLAlchemy 2.0 typed models), one module per feature.

Schema changes go through Alembic (``hotline/migrations``); ``tests/hotline/test_migrations.py``
fails when models and migrations drift apart.
"""

from hotline.models.base import Base, UTCDateTime  # noqa: F401
from hotline.models.call_hours import *  # noqa: F403
from hotline.models.callbacks import *  # noqa: F403
from hotline.models.calls import AgentPause, AgentSession, AmiEventBatch, AmiEventCall, Call, LiveState, RingAttempt  # noqa: F401
from hotline.models.cases import *  # noqa: F403
from hotline.models.desk import *  # noqa: F403
from hotline.models.field import *  # noqa: F403
from hotline.models.ivr import *  # noqa: F403
from hotline.models.notifications import *  # noqa: F403
from hotline.models.panel import *  # noqa: F403
from hotline.models.prompts import *  # noqa: F403
from hotline.models.rollups import *  # noqa: F403
from hotline.models.service_settings import *  # noqa: F403
