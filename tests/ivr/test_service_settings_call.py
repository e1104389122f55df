"""R-ANS-HOURS from the service settings: the supervisor moves the closing time in the panel and
the very next real call takes the IVR's out-of-hours path — the IVR is not restarted."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from hotline import service_settings as svc
from tests.ivr.conftest import IvrEnv, PlacedCall, finish, place_call
from tests.support.pbx import EventTap

pytestmark = [pytest.mark.asterisk, pytest.mark.db]


def _consult_call(env: IvrEnv, tap: EventTap, caller: str) -> PlacedCall:
    """A caller pressing 2 (consultation) over the greeting; in hours an agent answers briefly."""
    return finish(tap, place_call(env.settings, caller, "2", stay=12, __SIM_RING="1", __SIM_TALK="1"))


def test_closing_time_changed_in_the_panel_applies_to_the_next_call(ivr_env: IvrEnv) -> None:
    env = ivr_env
    env.clock.set_local(21, 0)  # staffed until the file's 22:00
    with EventTap(env.settings) as tap:
        before = _consult_call(env, tap, "13800000201")
        assert ("out_of_hours", "2", "ok") not in before.path(), before.path()
        assert "HOTLINE_OUT_OF_HOURS" not in before.vars() and before.named("QueueCallerJoin")

        with env.sessions.begin() as db:  # what the panel's save does (another process, in production)
            svc.save(db, env.settings, {"hours_close": "20:00"}, "root", datetime.now(UTC))
        # the IVR reads through effective() on this database: wait until that reader sees the
        # change (at most service_settings_ttl_s), then the next call must go by it
        deadline = time.monotonic() + 30
        while svc.effective(env.settings, env.sessions).hours_close != "20:00":
            assert time.monotonic() < deadline, "the IVR's settings reader never saw the change"
            time.sleep(0.1)

        after = _consult_call(env, tap, "13800000202")
    assert after.path()[:3] == [("greeting", "2", "ok"), ("out_of_hours", "2", "ok"), ("menu", "2", "ok")], after.path()
    assert after.vars()["HOTLINE_OUT_OF_HOURS"] == "1"
    assert not after.named("QueueCallerJoin"), "nothing is queued out of hours"
