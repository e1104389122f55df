"""The desk of the agent who RECEIVED a transfer, on the real private Asterisk (the desk tests'
own), the listener in-process writing the live snapshot and the scheduler's tick
(hotline.desk.live.sync_all) polled: a caller queues, 8001 answers, 8001's desk transfers the
call to 8002 — 转接 (blind) or 咨询转 completed (attended) — and 8002's desk is 通话中 on that
call with the caller's pop (the original caller, not 8001), its controls act on it (转满意度
R-SURVEY, 挂断) and its wrap-up follows. Until 7 December no queue event named the receiving
agent: the snapshot showed 8002 talking on no call, its desk stayed 示闲 with no pop, and the
controls the desk offers on its call had no call to act on."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ami_listener import resync_facts
from ami_listener.live import LiveView
from hotline.chanvars import ChanVar
from hotline.desk import calls, consult, controls, members, presence
from hotline.desk.live import agent_in
from hotline.desk.refusals import Refusal
from hotline.live_snapshot import LiveSnapshot
from hotline.pbx.ami import Ami, AmiRole
from hotline.pbx.process import Asterisk
from hotline.timeutil import utcnow
from hotline.vocabulary import AgentPresence as P
from hotline.vocabulary import AgentState
from tests.hotline.desk.conftest import answered_by, eventually, followed, listening
from tests.ivr.conftest import ivr_settings, place_call, serve_ivr
from web.desk.pop import pop
from web.desk.state import DeskState

pytestmark = pytest.mark.asterisk

CALLER = "13800000731"


@pytest.fixture
def stack(desk_pbx: Asterisk, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """The listener on its own database; 8001 logged in at the desk (示闲), 8002 logged out (the
    queue rings 8001 alone; 8002 logs in once 8001 talks)."""
    with listening(desk_pbx, tmp_path / "transfer.db") as (s, sessions):
        s = s.replace(desk_wrapup_s=120)  # the wrap-up outlasts the test's polls
        try:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
                for agent in ("8001", "8002"):
                    members.remove(ami, s, agent)
                login = presence.set_state(s, db, "8001", P.AVAILABLE, now=utcnow() - timedelta(seconds=30), ami=ami)
                assert login.ok, login.message
            yield s, sessions
        finally:
            with Ami.from_settings(s, role=AmiRole.DESK) as ami:
                for agent in ("8001", "8002"):
                    members.remove(ami, s, agent)
            desk_pbx.cli("channel request hangup all")  # the caller rating the service (R-SURVEY): no wait


def _talking_8001_then_8002_in(s: Any, sessions: Any) -> str:
    """A caller answered by 8001 (both simulated agents answer after 1 s and stay); then 8002 logs in."""
    call = place_call(s, CALLER, stay=60, __SIM_RING="1", __SIM_TALK="60")
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        answered_by(ami, "8001", call.call_id)
    followed(s, sessions, "8001", P.TALKING, "8001 通话中")
    with Ami.from_settings(s, role=AmiRole.DESK) as ami, sessions() as db:
        login = presence.set_state(s, db, "8002", P.AVAILABLE, now=utcnow() - timedelta(seconds=30), ami=ami)
        assert login.ok, login.message
    return call.call_id


def _desk_of_8002_on(s: Any, sessions: Any, call_id: str) -> None:
    """8002's desk: 通话中 on the call, the caller's pop; 8001 is in its wrap-up."""
    talking = followed(s, sessions, "8002", P.TALKING, "8002 通话中 on the transferred call")
    assert talking.call_id == call_id
    with sessions() as db:
        desk = DeskState(s, "8002")(db, keep_step=False)
    assert (desk["live"]["state"], desk["live"]["call_id"]) == ("talking", call_id)
    assert (desk["pop"]["call_id"], desk["pop"]["number"]) == (call_id, CALLER)
    assert followed(s, sessions, "8001", P.WRAP_UP, "8001's wrap-up after its transfer").call_id == call_id


def _desk(s: Any, sessions: Any, action: Callable[..., Any], agent: str, call_id: str, *args: str) -> None:
    """``agent``'s desk acts on the call (``action``: a control of ``hotline.desk``), which succeeds."""
    with sessions() as db:
        result = action(s, db, agent, call_id, *args)
    assert result.ok, result.message


def _state_of(s: Any, sessions: Any, agent: str) -> dict[str, Any]:
    with sessions() as db:
        return dict(DeskState(s, agent)(db, keep_step=False))


def _wrap_up_of_8002(s: Any, sessions: Any, call_id: str, after: str) -> None:
    wrap = followed(s, sessions, "8002", P.WRAP_UP, f"8002's wrap-up after {after}")
    assert wrap.call_id == call_id


def test_a_blind_transfer_is_the_receiving_agents_call_to_send_to_the_survey(stack: tuple[Any, Any]) -> None:
    s, sessions = stack
    call_id = _talking_8001_then_8002_in(s, sessions)
    _desk(s, sessions, controls.transfer, "8001", call_id, "8002")
    _desk_of_8002_on(s, sessions, call_id)
    _desk(s, sessions, controls.send_to_survey, "8002", call_id)  # R-SURVEY, from the receiving desk
    _wrap_up_of_8002(s, sessions, call_id, "转满意度")


def test_a_completed_consultation_is_the_receiving_agents_call_to_hang_up(stack: tuple[Any, Any]) -> None:
    s, sessions = stack
    call_id = _talking_8001_then_8002_in(s, sessions)
    _desk(s, sessions, consult.start, "8001", call_id, "8002")
    # 8002 answers the consultation: it talks on the call (with 8001 until the completion)
    followed(s, sessions, "8002", P.TALKING, "8002 answering the consultation")
    desk = eventually(lambda: (d := _state_of(s, sessions, "8002"))["live"]["consulted_by"] and d, 8.0,
                      "8002's desk consulted by 8001")
    assert (desk["live"]["state"], desk["live"]["call_id"], desk["live"]["consulted_by"]) == (
        "talking", call_id, "8001")
    with sessions() as db:
        refused = controls.refuse_consulted(s, db, "8002", call_id, controls.Control.SURVEY)
        assert refused is not None and refused.reason == Refusal.CONSULTED, refused
        assert controls.refuse_consulted(s, db, "8002", call_id, controls.Control.HANGUP) is None
    _desk(s, sessions, consult.complete, "8001", call_id)
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        answered_by(ami, "8002", call_id)  # bridged with the caller now
    eventually(lambda: _state_of(s, sessions, "8002")["live"]["consulted_by"] is None or None, 8.0,
               "8002's desk no longer consulted after the completion")
    with sessions() as db:
        assert controls.refuse_consulted(s, db, "8002", call_id, controls.Control.SURVEY) is None
    _desk_of_8002_on(s, sessions, call_id)
    _desk(s, sessions, controls.hang_up, "8002", call_id)
    _wrap_up_of_8002(s, sessions, call_id, "挂断")


def _rebuilt(s: Any) -> tuple[LiveSnapshot, list[dict[str, str]]]:
    """The live snapshot a listener reconnecting now writes: its view rebuilt (``LiveView.rebuild``)
    from the PBX's QueueStatus and CoreShowChannels answers and the calls' HOTLINE_* facts, as
    ``Listener._resync`` asks them; and those channels (shown when a test fails)."""
    with Ami.from_settings(s, role=AmiRole.LISTENER) as ami:
        chans = ami.list_action("CoreShowChannels", "CoreShowChannelsComplete")
        status = ami.list_action("QueueStatus", "QueueStatusComplete")
        facts = resync_facts.read(ami, chans)
    view = LiveView()
    view.rebuild(status, chans, time.time(), facts)
    return view.snapshot(time.time()), chans


def _after_a_reconnect(s: Any, agent: str) -> tuple[AgentState, str | None]:
    """``agent`` as a listener reconnecting now sees it (:func:`_rebuilt`)."""
    live = _rebuilt(s)[0].agents[agent]
    return live.state, live.call_id


def test_a_queue_call_answered_before_a_reconnect_is_tied_again(stack: tuple[Any, Any]) -> None:
    """The listener restarts while 8001 talks with a queue's caller: QueueStatus says 8001's device
    is in use, on no call; the channels say which (8001's leg, app_queue's, bridged with the
    caller's channel the queue holds). 8001 is 通话中 on that call with the caller's number on the
    pop — until 7 December it showed talking on no call: no pop, no controls, until the call ended."""
    s, sessions = stack
    call = place_call(s, CALLER, stay=60, __SIM_RING="1", __SIM_TALK="60")
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        answered_by(ami, "8001", call.call_id)
    followed(s, sessions, "8001", P.TALKING, "8001 通话中")
    snap, chans = _rebuilt(s)
    live, facts, _gap = agent_in([snap], "8001")
    assert live is not None and (live.state, live.call_id) == (AgentState.TALKING, call.call_id), chans
    assert facts is not None and facts.caller_number == CALLER, chans


def test_a_caller_through_the_ivr_menu_has_its_ivr_path_on_the_pop_rebuilt_after_a_reconnect(
        stack: tuple[Any, Any], desk_pbx: Asterisk, tmp_path: Path) -> None:
    """The caller goes through the IVR (the real FastAGI app, in service hours) and presses 0 (人工);
    8001 answers; the listener restarts. CoreShowChannels carries no variable: the re-sync reads
    the call's HOTLINE_* facts from the caller's channel (AMI Getvar, the listener's own login), so
    the pop rebuilt says the IVR's path — 人工, the wait's start — as the desk's pop of the call
    the listener followed from its start does. Until 7 December the caller's number alone."""
    s, sessions = stack
    with contextmanager(serve_ivr)(ivr_settings(desk_pbx, tmp_path), desk_pbx) as ivr:
        ivr.clock.set_local(10, 0)  # R-ANS-HOURS: staffed, the menu is offered
        call = place_call(s, CALLER, "0", stay=60, __SIM_RING="1", __SIM_TALK="60")
        with Ami.from_settings(s, role=AmiRole.DESK) as ami:
            answered_by(ami, "8001", call.call_id, timeout=40.0)
    followed(s, sessions, "8001", P.TALKING, "8001 通话中")
    followed_pop = _state_of(s, sessions, "8001")["pop"]
    snap, chans = _rebuilt(s)
    live, facts, _gap = agent_in([snap], "8001")
    assert live is not None and live.call_id == call.call_id and facts is not None, chans
    with sessions() as db:
        rebuilt = pop(db, s, call.call_id, facts)
    assert rebuilt["ivr"][ChanVar.MENU.value] == "agent", (rebuilt, chans)
    assert rebuilt["ivr"] == followed_pop["ivr"] and rebuilt["wait_from"] == followed_pop["wait_from"], followed_pop


def test_a_blind_transfer_received_before_a_reconnect_is_tied_again(stack: tuple[Any, Any]) -> None:
    """QueueStatus names no transfer: the channels (the caller's own channel dialling 8002 in
    [agents-transfer]) tie 8002 to the caller's call again. Until 7 December the receiving
    agent's desk lost the call at a reconnect until the call ended."""
    s, sessions = stack
    call_id = _talking_8001_then_8002_in(s, sessions)
    _desk(s, sessions, controls.transfer, "8001", call_id, "8002")
    followed(s, sessions, "8002", P.TALKING, "8002 talking on the transferred call")
    assert _after_a_reconnect(s, "8002") == (AgentState.TALKING, call_id)


def test_a_consultation_under_way_at_a_reconnect_is_tied_again(stack: tuple[Any, Any]) -> None:
    """During the consultation both agents are tied to the caller's call again, 8001 consulting
    8002 and 8002 consulted by 8001 — the consulted agent's guard (``controls.refuse_consulted``)
    holds again; until 7 December both were left on no call. Once completed, 8002 is the caller's
    call's agent, no longer consulted."""
    s, sessions = stack
    call_id = _talking_8001_then_8002_in(s, sessions)
    _desk(s, sessions, consult.start, "8001", call_id, "8002")
    followed(s, sessions, "8002", P.TALKING, "8002 answering the consultation")
    snap, chans = _rebuilt(s)
    a, b = snap.agents["8001"], snap.agents["8002"]
    assert (a.state, a.call_id, a.consulting) == (AgentState.TALKING, call_id, "8002"), chans
    assert (b.state, b.call_id, b.consulted_by) == (AgentState.TALKING, call_id, "8001"), chans
    _desk(s, sessions, consult.complete, "8001", call_id)
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        answered_by(ami, "8002", call_id)
    snap, chans = _rebuilt(s)
    b = snap.agents["8002"]
    assert (b.state, b.call_id, b.consulted_by) == (AgentState.TALKING, call_id, None), chans



def _consultation_of_8003(ami: Ami, call_id: str) -> calls.Channel | None:
    return next((c for c in calls.channels(ami) if calls.consulted(c.name) == "8003" and c.linkedid == call_id), None)


def test_the_receiving_agent_consults_and_transfers_onward(stack: tuple[Any, Any]) -> None:
    """8002, who received the call blind from 8001, consults 8003 (咨询) and completes (完成转接):
    the caller talks with 8003. Until 7 December the leg [agents-transfer] dialled had no transfer
    feature: AMI Atxfer queued its digits, Asterisk answered success, nothing rang, and the desk
    said done."""
    s, sessions = stack
    call_id = _talking_8001_then_8002_in(s, sessions)
    _desk(s, sessions, controls.transfer, "8001", call_id, "8002")
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        caller = answered_by(ami, "8002", call_id).caller_channel
    followed(s, sessions, "8002", P.TALKING, "8002 通话中 on the transferred call")
    _desk(s, sessions, consult.start, "8002", call_id, "8003")
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        # 8003's own leg rings (the consultation's ;2 side dials it), then answers
        eventually(lambda: [c for c in calls.channels(ami) if c.name.startswith("Local/8003@agents-")
                            and calls.is_agent_leg(c.name, "8003") and calls.consulted(c.name) is None],
                   10.0, "8003's leg ringing")
        eventually(lambda: (c := _consultation_of_8003(ami, call_id)) is not None and c.state == "Up", 10.0,
                   "8003 answering the consultation")
    _desk(s, sessions, consult.complete, "8002", call_id)
    with Ami.from_settings(s, role=AmiRole.DESK) as ami:
        def with_8003() -> bool:
            chans = calls.channels(ami)
            bridge = next((c.bridge_id for c in chans if c.name == caller), "")
            to_8003 = _consultation_of_8003(ami, call_id)
            gone_8002 = not any(calls.is_agent_leg(c.name, "8002") for c in chans)
            return bool(bridge and to_8003 and to_8003.bridge_id == bridge and gone_8002)
        eventually(with_8003, 10.0, "the caller bridged with 8003's consultation channel, 8002's leg gone")
