"""Field service end to end on the real Asterisk, the real IVR and a real Kannel (issue 15 §3,
R-FAULT-OUTAGE, R-FAULT-DISPATCH): callers not in the customer master pick their district by
keypad; three of them report the same fault from 东城 at once → an outage is suggested and
published → the next callers from 东城 hear it (Asterisk's CEL: Playback of the outage prompts on
their call) → the outage is closed → "service restored" reaches the three callers through
Kannel's fake SMSC. Independent calls run concurrently."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from hotline.field import close_outage_restored, publish_suggested_outage
from hotline.models.field import OutageSuggestion, WorkOrder
from hotline.models.ivr import Customer, FaultReport
from hotline.models.notifications import OutboxMessage
from hotline.notifications import send_due
from hotline.pbx.process import Asterisk
from hotline.timeutil import utcnow
from tests.hotline.notifications.conftest import kannel, kannel_settings
from tests.ivr.conftest import (
    IvrEnv,
    MovableClock,
    PlacedCall,
    finish,
    ivr_settings,
    pause,
    place_call,
    playbacks,
    poll,
    prompt_seconds,
    serve_ivr,
)
from tests.ivr.test_ivr_calls import ACCOUNT, run_batch
from tests.support.kannel import PrivateKannel

pytestmark = [pytest.mark.asterisk]
__all__ = ["kannel"]

DISTRICTS = ["东城", "西城", "南城"]
CLUSTER = ["13800000301", "13800000302", "13800000303"]  # unknown callers of 东城, the same fault


@pytest.fixture(scope="module")
def field_env(pbx: Asterisk, built_prompts: Any, kannel: PrivateKannel,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[IvrEnv]:
    """The IVR on the session's Asterisk with districts, a cluster of three, and SMS by Kannel."""
    s = kannel_settings(ivr_settings(pbx, tmp_path_factory.mktemp("fielddb")), kannel)
    s = s.replace(districts=DISTRICTS, outage_cluster_reports=len(CLUSTER), outage_cluster_window_min=30)
    clock = MovableClock(s.timezone)
    clock.set_local(10, 0)  # R-ANS-HOURS: staffed
    yield from serve_ivr(s, pbx, clock)


def unknown_fault_keys(district_key: str) -> str:
    """Fault report (1), the district, own number (1), account, urban (1), mosaic (2), a short
    description ended by #, confirm (1)."""
    return ("1" + pause(1) + district_key + pause(1) + "1" + pause(1) + ACCOUNT + "#" + pause(1) + "1"
            + pause(1) + "2" + pause(1) + "#" + pause(1.5) + "#" + pause(1) + "1")


def report_of(env: IvrEnv, call: PlacedCall) -> FaultReport | None:
    with env.sessions() as db:
        return db.scalars(select(FaultReport).where(FaultReport.call_id == call.call_id)).first()


@pytest.fixture(scope="module")
def clustered(field_env: IvrEnv) -> dict[str, Any]:
    """Three unknown callers of 东城 report the same fault at once; a fourth, of 西城, beside them."""
    s = field_env.settings
    scenarios = {n: (lambda tap, n=n: finish(tap, place_call(s, n, unknown_fault_keys("1"), stay=60)))
                 for n in CLUSTER}
    scenarios["west"] = lambda tap: finish(tap, place_call(s, "13800000304", unknown_fault_keys("2"), stay=60))
    return run_batch(field_env, scenarios)


def test_unknown_callers_pick_their_district_by_keypad(field_env: IvrEnv, clustered: dict[str, Any]) -> None:
    west = clustered["west"]
    assert not isinstance(west, Exception), west
    assert west.path()[:3] == [("greeting", "1", "ok"), ("menu", "1", "ok"), ("fault.district", "2", "ok")], \
        west.path()
    assert west.vars()["HOTLINE_FAULT_DISTRICT"] == "西城"
    rep = poll("西城's report", lambda: (r := report_of(field_env, west)) and r.status == "open" and r)
    assert rep.district == "西城"
    with field_env.sessions() as db:  # R-FAULT-DISPATCH: the order is in the keyed district
        order = db.scalars(select(WorkOrder).where(WorkOrder.fault_report_id == rep.id)).one()
        assert order.district == "西城" and order.outage_id is None


def test_cluster_outage_heard_by_the_next_callers_then_restored_by_sms(
        field_env: IvrEnv, clustered: dict[str, Any], kannel: PrivateKannel) -> None:
    env, s = field_env, field_env.settings
    for n in CLUSTER:
        call = clustered[n]
        assert not isinstance(call, Exception), call
        assert ("fault.district", "1", "ok") in call.path(), call.path()
    # R-FAULT-OUTAGE: three reports of one fault type from 东城 within the window → a suggestion
    sug_id = poll("outage suggestion", lambda: _suggestion(env))
    with env.sessions.begin() as db:
        outage = publish_suggested_outage(db, s, sug_id, "boss", utcnow(), cause="power")
        outage_id = outage.id
    with env.sessions.begin() as db:
        db.add(Customer(phone="13800000310", name="东城用户", area="东城", created_at=utcnow()))

    # the next callers of 东城: a known customer (the greeting's outage path) and an unknown caller
    # (after keying the district) hear it in full; both hang up a while after it has played
    heard = prompt_seconds(s, "outage_prefix", "outage_cause_power", "outage_apology")
    known_stay = prompt_seconds(s, "welcome") + heard + 8
    batch = run_batch(env, {
        "known": lambda tap: finish(tap, place_call(s, "13800000310", "", stay=known_stay)),
        "unknown": lambda tap: finish(tap, place_call(s, "13800000311", "1" + pause(1) + "1",
                                                      stay=prompt_seconds(s, "fault_district") + heard + 8)),
    })
    for name in ("known", "unknown"):
        call = batch[name]
        assert not isinstance(call, Exception), call
        assert ("outage", "power", "ok") in call.path(), (name, call.path())
        assert call.vars()["HOTLINE_OUTAGE"] == str(outage_id)
        played = poll(f"CEL Playback on the {name} caller's call", lambda c=call: playbacks(env.pbx, c.call_id), 10)
        assert [p[0] for p in played] == ["hotline/outage_prefix&hotline/outage_cause_power&hotline/outage_apology"]
        # in full: CEL's APP_END of that Playback came no sooner than the prompts last
        assert played[0][1] >= heard - 0.5, (played, heard)

    # closed: "service restored" to every caller of the cluster, through Kannel, once each
    before = len(kannel.received())
    with env.sessions.begin() as db:
        assert close_outage_restored(db, s, outage_id, "boss", utcnow()) == len(CLUSTER)
    with env.sessions() as db:  # one sender pass (it commits its own claims)
        report = send_due(db, s, utcnow())
        assert not report.errors, report.errors
    def restored_sms() -> list[Any]:
        got = [r for r in kannel.received()[before:] if "服务已恢复" in r.text]
        return got if len(got) >= len(CLUSTER) else []

    restored = poll("restored SMS at the fake SMSC", restored_sms)
    assert sorted(r.receiver[-11:] for r in restored) == CLUSTER
    assert all("东城" in r.text and "停电" in r.text for r in restored), [r.text for r in restored]
    with env.sessions() as db:
        sent = db.scalars(select(OutboxMessage).where(OutboxMessage.template == "service_restored")).all()
        assert len(sent) == len(CLUSTER) and {m.status for m in sent} <= {"sent", "delivered"}


def _suggestion(env: IvrEnv) -> int | None:
    with env.sessions() as db:
        sug = db.scalars(select(OutageSuggestion).where(OutageSuggestion.district == "东城")).first()
        return sug.id if sug is not None else None
