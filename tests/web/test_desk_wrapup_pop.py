"""The desk's 话后整理 pop while the call has no record yet, without a PBX: a caller sent to the
survey (转满意度) is still on the line, or the record is not built yet just after the hang-up. The
agent records the case and calls back from this pop, so it must keep the caller. Found by the
agent's walk through `make run` (7 December): both showed an empty 已结束."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hotline.chanvars import ChanVar
from hotline.models.desk import PresenceChange
from tests.web.conftest import Panel
from tests.web.factory import set_live
from tests.web.test_desk import EVIL, NUMBER, _live
from web.desk.state import DeskState


def _wrapup_without_record(panel: Panel, calls: dict[str, Any]) -> None:
    """8001 in 话后整理 of call 1700.1, whose record is not built (its caller is still on the line, or
    hung up just now), the agent's leg gone: the live snapshot's ``calls`` as given."""
    now = datetime.now(UTC)
    db = panel.db()
    db.add(PresenceChange(server=panel.settings.server_id, agent="8001", state="wrap_up", previous="talking",
                          started_at=now, by="system", call_id="1700.1", wrapup_until=now + timedelta(seconds=15)))
    db.commit()
    set_live(db, {"queues": {}, "agents": {"8001": {"state": "paused", "since": now.timestamp(), "call_id": None,
                                                    "queue": "hotline"}}, "calls": calls, "gap": False},
             server=panel.settings.server_id)
    db.close()


def test_the_wrapup_pop_of_a_caller_sent_to_the_survey_keeps_the_caller(panel: Panel) -> None:
    """转满意度 at the call's end: the caller stays on the line for the survey, so the call has no
    record during the agent's wrap-up. The pop still shows whom the agent records a case for
    (from the live snapshot's facts of the call); until 7 December it showed an empty 已结束."""
    _wrapup_without_record(panel, _live(panel.settings.server_id)["calls"])
    got = panel.desk_state()
    pop = got["pop"]
    assert got["presence"]["state"] == "wrap_up"
    assert (pop["call_id"], pop["ended"], pop["number"], pop["name"]) == ("1700.1", True, NUMBER, EVIL)
    assert pop["ivr"][ChanVar.MENU.value] == "0" and pop["vip"] is True


def test_the_pop_seen_during_the_call_stays_until_its_record_is_built(panel: Panel) -> None:
    """Between the caller's hang-up and the listener's record of the call, the desk keeps the pop it
    showed during the call (number, name, IVR path) instead of an empty one."""
    db = panel.db()
    set_live(db, _live(panel.settings.server_id, state="talking"), server=panel.settings.server_id)
    db.close()
    desk = DeskState(panel.settings, "8001")
    with panel.app.app_context():
        db = panel.db()
        talking = desk(db, keep_step=False)["pop"]
        db.close()
    _wrapup_without_record(panel, {})
    with panel.app.app_context():
        db = panel.db()
        pop = desk(db, keep_step=False)["pop"]
        db.close()
    assert talking["number"] == NUMBER
    assert pop == dict(talking, ended=True)
