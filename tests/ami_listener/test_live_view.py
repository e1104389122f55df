"""The listener's live view, fed a real capture, makes the snapshot the wallboard reads."""

from __future__ import annotations

import pytest

from ami_listener.live import LiveView
from ami_listener.reader import Message
from hotline.live_snapshot import PAUSE_REASON_MAX, LiveSnapshot, PauseChange
from hotline.vocabulary import AgentState
from tests.ami_listener.replay import capture


def _event(name: str, ts: float, **headers: str) -> Message:
    return Message({"Event": name, "Timestamp": f"{ts:.6f}", **headers}, b"")


def test_a_call_through_the_queue() -> None:
    view = LiveView()
    view.feed(_event("QueueMemberAdded", 1.0, MemberName="8001", Queue="hotline", Status="1", Paused="0"))
    view.feed(_event("QueueCallerJoin", 2.0, Queue="hotline", Linkedid="c1", CallerIDNum="139", CallerIDName="x"))
    view.feed(_event("AgentCalled", 2.5, Queue="hotline", Linkedid="c1", MemberName="8001"))
    snap = view.snapshot(3.0)
    assert not view.changed
    assert [(w.call_id, w.since) for w in snap.queues["hotline"]] == [("c1", 2.0)]
    assert (snap.agents["8001"].state, snap.agents["8001"].since, snap.agents["8001"].call_id) == \
        (AgentState.RINGING, 2.5, "c1")
    view.feed(_event("AgentConnect", 3.5, Queue="hotline", Linkedid="c1", MemberName="8001"))
    view.feed(_event("QueueCallerLeave", 3.5, Queue="hotline", Linkedid="c1"))
    snap = view.snapshot(4.0)
    assert snap.queues["hotline"] == [] and snap.agents["8001"].state == AgentState.TALKING
    # what the store writes is what the wallboard reads back
    assert LiveSnapshot.from_dict(snap.to_dict()) == snap
    view.feed(_event("QueueMemberRemoved", 5.0, MemberName="8001", Queue="hotline"))
    assert view.changed and "8001" not in view.snapshot(6.0).agents


def test_a_real_capture_ends_with_nobody_waiting() -> None:
    view = LiveView()
    for msg in capture("ring_no_answer_rollover"):
        view.feed(msg)
    snap = view.snapshot(0.0)
    assert all(not waiting for waiting in snap.queues.values())
    assert {"8001", "8002"} <= set(snap.agents)
    assert all(a.state != AgentState.RINGING for a in snap.agents.values())


def test_the_facts_of_a_call_for_the_desk_pop() -> None:
    """The desk's screen-pop: the HOTLINE_* variables the IVR set and the caller, until the call's
    first channel hangs up; a VarSet after that does not bring the call back."""
    view = LiveView()
    view.feed(_event("VarSet", 1.0, Linkedid="c1", Uniqueid="c1", Variable="HOTLINE_MENU", Value="0",
                     CallerIDNum="139", CallerIDName="<b>x</b>"))
    view.feed(_event("VarSet", 1.1, Linkedid="c1", Uniqueid="c1", Variable="OTHER", Value="y"))
    view.feed(_event("QueueCallerJoin", 2.0, Queue="hotline", Linkedid="c1", CallerIDNum="1390", CallerIDName="n"))
    snap = view.snapshot(3.0)
    call = snap.calls["c1"]
    assert (call.caller_number, call.caller_name, call.queued_at) == ("1390", "n", 2.0)
    assert call.vars == {"HOTLINE_MENU": "0"}
    assert LiveSnapshot.from_dict(snap.to_dict()) == snap
    view.feed(_event("Hangup", 4.0, Linkedid="c1", Uniqueid="c1.2"))  # another channel of the call
    assert "c1" in view.snapshot(4.0).calls
    view.feed(_event("Hangup", 5.0, Linkedid="c1", Uniqueid="c1"))
    assert view.changed and view.snapshot(5.0).calls == {}
    view.feed(_event("VarSet", 5.1, Linkedid="c1", Uniqueid="c1.3", Variable="HOTLINE_SURVEY", Value="1"))
    assert view.snapshot(6.0).calls == {}


def test_an_abandoned_caller_stops_the_rings() -> None:
    view = LiveView()
    view.feed(_event("QueueCallerJoin", 1.0, Queue="hotline", Linkedid="c1"))
    view.feed(_event("AgentCalled", 1.5, Queue="hotline", Linkedid="c1", MemberName="8001"))
    view.feed(_event("QueueCallerAbandon", 3.0, Queue="hotline", Linkedid="c1"))
    a = view.snapshot(4.0).agents["8001"]
    assert (a.state, a.call_id, a.since) == (AgentState.IDLE, None, 3.0)


def test_an_agents_state_change_is_urgent_other_changes_wait_for_the_flush() -> None:
    """The desk's pop: the listener writes the snapshot at once when an agent starts ringing,
    answers or stops (``urgent``); a caller joining or a variable set waits for the next flush."""
    view = LiveView()
    view.feed(_event("QueueMemberAdded", 1.0, MemberName="8001", Queue="hotline", Status="1", Paused="0"))
    view.snapshot(1.5)
    view.feed(_event("QueueCallerJoin", 2.0, Queue="hotline", Linkedid="c1", CallerIDNum="139", CallerIDName="x"))
    view.feed(_event("VarSet", 2.1, Linkedid="c1", Uniqueid="c1", Variable="HOTLINE_MENU", Value="0"))
    assert view.changed and not view.urgent
    view.feed(_event("AgentCalled", 2.5, Queue="hotline", Linkedid="c1", MemberName="8001"))
    assert view.urgent
    view.snapshot(2.6)
    assert not view.urgent
    view.feed(_event("QueueMemberStatus", 2.7, MemberName="8001", Queue="hotline", Status="6", Paused="0"))
    assert not view.urgent  # still ringing: no change of state
    view.feed(_event("AgentConnect", 3.0, Queue="hotline", Linkedid="c1", MemberName="8001"))
    assert view.urgent


def test_an_agents_phone_calling_a_phone_is_shown_internal() -> None:
    """内部通话 on the wallboard (issue #12): Alice (member PJSIP/8001 of a foreign queue, learnt
    from foreign_pjsip_answered) takes a customer's call, then her phone calls 8002 itself — the
    consultation of her phone's own attended transfer (foreign_refer_attended): from its first
    channel until it ends she is on an internal call; the customer's call never was one."""
    view = LiveView()
    for msg in capture("foreign_pjsip_answered"):
        view.feed(msg)
    assert not view.snapshot(0.0).agents["Alice"].internal
    marked = []
    for msg in capture("foreign_refer_attended"):
        view.feed(msg)
        marked.append((msg.name, msg.get("Uniqueid"), view.agents["Alice"].internal))
    first = next(i for i, (name, uid, _) in enumerate(marked) if name == "Newchannel" and uid == "1796470710.37")
    assert not any(internal for _, _, internal in marked[:first])  # the customer's call: not internal
    assert marked[first][2] is True
    snap = view.snapshot(0.0)
    assert not snap.agents["Alice"].internal  # over since
    ended = next(i for i, (name, uid, _) in enumerate(marked) if name == "Hangup" and uid == "1796470710.37")
    assert all(internal for _, _, internal in marked[first:ended]) and not marked[ended][2]


def test_the_hotlines_paths_and_a_pickup_unmark_a_phones_call() -> None:
    view = LiveView()
    view.feed(_event("QueueMemberAdded", 1.0, MemberName="8001", Queue="hotline", Interface="Local/8001@agents-phone/n",
                     StateInterface="PJSIP/8001", Status="1", Paused="0"))
    own = {"Channel": "PJSIP/8001-00000001", "Uniqueid": "p1", "Linkedid": "p1"}
    view.feed(_event("Newchannel", 2.0, **own))
    snap = view.snapshot(2.5)
    assert snap.agents["8001"].internal and LiveSnapshot.from_dict(snap.to_dict()) == snap
    # the phone dialled the hotline number: our IVR marks the call, it is a call into the hotline
    view.feed(_event("VarSet", 3.0, Variable="HOTLINE_IVR", Value="done", **own))
    assert view.changed and not view.snapshot(3.5).agents["8001"].internal
    # the phone picks up a customer's call: its channel is that call's from then on
    view.feed(_event("Newchannel", 4.0, **{**own, "Uniqueid": "p2", "Linkedid": "p2"}))
    assert view.agents["8001"].internal
    view.feed(_event("Pickup", 5.0, Channel="PJSIP/8001-00000002", Uniqueid="p2", Linkedid="customer"))
    assert not view.agents["8001"].internal
    # a channel a call made later (not its first) on the phone is no call of the phone's own
    view.feed(_event("Newchannel", 6.0, Channel="PJSIP/8001-00000003", Uniqueid="p3", Linkedid="customer"))
    assert not view.agents["8001"].internal


def test_an_agents_phone_dialling_out_through_a_trunk_is_not_shown_internal() -> None:
    """Phone 8001 dials a customer's mobile itself, out through the trunk (foreign_phone_trunk_out):
    its first channel's extension is no internal number (internal_number_pattern), so the
    wallboard does not tag the call 内部通话 (its record is outbound); under a pattern taking
    11-digit numbers for extensions the same call is tagged."""
    from hotline.rules import internal_numbers
    from tests.ami_listener.replay import replay_settings

    def tagged(view: LiveView) -> bool:
        view.feed(_event("QueueMemberAdded", 1.0, MemberName="8001", Queue="hotline", Interface="PJSIP/8001",
                         Status="1", Paused="0"))
        seen = False
        for msg in capture("foreign_phone_trunk_out"):
            view.feed(msg)
            seen = seen or view.agents["8001"].internal
        return seen

    assert not tagged(LiveView())
    assert tagged(LiveView(internal_numbers(replay_settings(internal_number_pattern=r"[0-9]{3,11}"))))


def _direction_and_tag(name: str, **settings: object) -> tuple[str, bool]:
    """A phone's own call of capture ``name`` replayed twice under the same settings: the direction
    its call record says, and whether the wallboard's live view tagged a member 内部通话 at any
    point. The live view learns the agents (``agents``) as members of a queue, each on its phone."""
    from hotline.rules import internal_numbers
    from tests.ami_listener.replay import replay_messages, replay_settings

    s = replay_settings(**settings)
    records = replay_messages(capture(name), s)
    (own,) = [r for r in records.values() if r.caller_number != "13600000003"]  # not the customer's call
    view = LiveView(internal_numbers(s))
    for ext in s.agents:
        view.feed(_event("QueueMemberAdded", 1.0, MemberName=ext, Queue="hotline", Interface=f"PJSIP/{ext}",
                         Status="1", Paused="0"))
    tagged = False
    for msg in capture(name):
        view.feed(msg)
        tagged = tagged or any(a.internal for a in view.agents.values())
    return own.direction, tagged


@pytest.mark.parametrize(("name", "settings", "direction"), [
    ("foreign_phone_trunk_out", {}, "outbound"),
    ("foreign_phone_trunk_no_answer", {}, "outbound"),
    ("foreign_phone_trunk_agent_cancels", {}, "outbound"),
    ("foreign_phone_trunk_out", {"internal_number_pattern": r"[0-9]{3,11}"}, "internal"),
    ("foreign_refer_attended", {}, "internal"),  # 8001 calls 8002
    # no 4-digit number is internal, but the call rang only an agent's phone (8002): still internal
    ("foreign_refer_attended", {"internal_number_pattern": r"[*#].*"}, "internal"),
    ("foreign_refer_attended", {"internal_number_pattern": r"[*#].*", "agents": ["8001"]}, "outbound"),
    ("foreign_refer_attended_app", {"internal_number_pattern": r"[*#].*"}, "outbound"),  # 600: no phone
    ("foreign_refer_attended_app", {}, "internal"),
])
def test_the_wallboard_tags_a_phones_call_as_its_record_says(name: str, settings: dict[str, object],
                                                            direction: str) -> None:
    """One decision (``InternalNumbers.dialled_out``) for the call record and the wallboard: a
    phone's own call is tagged 内部通话 exactly when its record is ``internal``."""
    assert _direction_and_tag(name, **settings) == (direction, direction == "internal")


def test_a_long_extension_is_internal_from_its_ring_of_a_colleague() -> None:
    """Under a pattern that takes no 4-digit number for internal, Alice's phone dialling 8002 is
    not tagged at its first channel (it could be a trunk's number) but from the DialBegin that
    rings Bob's phone (an agent's) until its hang-up — as its record says ``internal``."""
    from hotline.rules import internal_numbers
    from tests.ami_listener.replay import replay_settings

    view = LiveView(internal_numbers(replay_settings(internal_number_pattern=r"[*#].*")))
    for msg in capture("foreign_pjsip_answered"):  # Alice on PJSIP/8001, Bob on PJSIP/8002
        view.feed(msg)
    marked = []
    for msg in capture("foreign_refer_attended"):
        view.feed(msg)
        marked.append((msg.name, msg.get("Uniqueid"), view.agents["Alice"].internal))
    own = "1796470710.37"
    first = next(i for i, (name, uid, _) in enumerate(marked) if name == "Newchannel" and uid == own)
    rings = next(i for i, (name, uid, _) in enumerate(marked) if name == "DialBegin" and uid == own)
    ended = next(i for i, (name, uid, _) in enumerate(marked) if name == "Hangup" and uid == own)
    assert first < rings < ended
    assert not any(internal for _, _, internal in marked[:rings])
    assert all(internal for _, _, internal in marked[rings:ended]) and not marked[ended][2]


def test_a_pause_during_a_call_leaves_the_agent_talking_until_the_call_ends() -> None:
    """示忙 / 小休 / 签出 (a static member) chosen during a call pause the member so no next call
    comes; the call goes on: the desk keeps its pop and controls, the wallboard its 监听 buttons.
    Until 6 December the pause showed the agent paused at once, mid-call."""
    view = LiveView()
    view.feed(_event("QueueMemberAdded", 1.0, MemberName="8001", Queue="hotline", Status="1", Paused="0"))
    view.feed(_event("AgentCalled", 2.0, Queue="hotline", Linkedid="c1", MemberName="8001"))
    view.feed(_event("AgentConnect", 3.0, Queue="hotline", Linkedid="c1", MemberName="8001"))
    view.feed(_event("QueueMemberPause", 4.0, MemberName="8001", Queue="hotline", Status="2", Paused="1",
                     PausedReason="busy"))
    view.feed(_event("QueueMemberStatus", 4.1, MemberName="8001", Queue="hotline", Status="2", Paused="1"))
    a = view.snapshot(5.0).agents["8001"]
    assert (a.state, a.call_id, a.since) == (AgentState.TALKING, "c1", 3.0)
    view.feed(_event("AgentComplete", 6.0, Queue="hotline", Linkedid="c1", MemberName="8001"))
    view.feed(_event("QueueMemberStatus", 6.1, MemberName="8001", Queue="hotline", Status="1", Paused="1"))
    a = view.snapshot(7.0).agents["8001"]
    assert (a.state, a.call_id) == (AgentState.PAUSED, None)


def test_a_reconnect_rebuilds_members_and_waiting_callers_from_queuestatus() -> None:
    """After a reconnect the view is rebuilt from QueueStatus, whose rows (as Asterisk 16 sends
    them, from a run) name a member ``Name`` and carry no Linkedid and no Timestamp: every member
    is back, each waiting caller is keyed by its call (so its QueueCallerLeave removes it) and
    waits since ``now`` less its Wait. Until 6 December the members were dropped and the callers
    stayed on the wallboard for good, waiting since 1970."""
    status = [
        {"Event": "QueueParams", "Queue": "hotline", "Calls": "1"},
        {"Event": "QueueMember", "Queue": "hotline", "Name": "8001", "Location": "Local/8001@agents/n",
         "StateInterface": "Local/8001@agents/n", "Membership": "static", "InCall": "0", "Status": "1",
         "Paused": "1", "PausedReason": "busy"},
        {"Event": "QueueMember", "Queue": "hotline", "Name": "8002", "Location": "Local/8002@agents/n",
         "StateInterface": "Local/8002@agents/n", "Membership": "static", "InCall": "0", "Status": "1",
         "Paused": "0"},
        {"Event": "QueueEntry", "Queue": "hotline", "Position": "1", "Channel": "Local/10000@from-pstn-00000096;2",
         "Uniqueid": "sim-ee80c1bb5f06;2", "CallerIDNum": "13728316157", "CallerIDName": "王伟", "Wait": "70"}]
    channels = [{"Channel": "Local/10000@from-pstn-00000096;2", "Uniqueid": "sim-ee80c1bb5f06;2",
                 "Linkedid": "sim-ee80c1bb5f06"}]
    view = LiveView()
    view.feed(_event("QueueCallerJoin", 1.0, Queue="hotline", Linkedid="gone", CallerIDNum="1"))  # before the gap
    view.rebuild(status, channels, 1000.0)
    snap = view.snapshot(1000.0)
    assert {m: a.state for m, a in snap.agents.items()} == {"8001": AgentState.PAUSED, "8002": AgentState.IDLE}
    assert [(w.call_id, w.caller_number, w.since) for w in snap.queues["hotline"]] == [
        ("sim-ee80c1bb5f06", "13728316157", 930.0)]
    view.feed(_event("QueueCallerLeave", 1001.0, Queue="hotline", Linkedid="sim-ee80c1bb5f06"))
    assert view.snapshot(1001.0).queues["hotline"] == []


def test_an_agent_holding_the_call_is_shown_holding_until_the_unhold() -> None:
    """保持 on the desk and the wallboard: Alice's phone holds the customer (foreign_hold_resume,
    her hold key: Hold / Unhold on PJSIP/8001) — held from the Hold's time until the Unhold, and
    the snapshot the wallboard reads back says so."""
    view = LiveView()
    held = []
    for msg in capture("foreign_hold_resume"):
        view.feed(msg)
        if msg.name in ("Hold", "Unhold"):
            snap = LiveSnapshot.from_dict(view.snapshot(0.0).to_dict())
            held.append((msg.name, snap.agents["Alice"].held_since == msg.timestamp))
    assert held == [("Hold", True), ("Unhold", False)]
    assert view.agents["Alice"].held_since is None


def test_a_hold_ends_with_the_call_and_a_caller_side_hold_is_no_agents() -> None:
    view = LiveView()
    view.feed(_event("QueueMemberAdded", 1.0, MemberName="8001", Queue="hotline", Status="1", Paused="0"))
    view.feed(_event("Hold", 1.5, Channel="PJSIP/8001-00000001"))  # not talking: nothing held
    assert view.agents["8001"].held_since is None
    view.feed(_event("AgentConnect", 2.0, Queue="hotline", Linkedid="c1", MemberName="8001"))
    view.feed(_event("Hold", 3.0, Channel="PJSIP/trunk-00000002"))  # the caller's side
    assert view.agents["8001"].held_since is None
    view.feed(_event("Hold", 4.0, Channel="PJSIP/8001-00000001"))
    view.feed(_event("Hold", 5.0, Channel="PJSIP/8001-00000001"))  # the same hold: its start stays
    assert view.urgent and view.snapshot(6.0).agents["8001"].held_since == 4.0
    view.feed(_event("AgentComplete", 7.0, Queue="hotline", Linkedid="c1", MemberName="8001"))
    assert view.agents["8001"].held_since is None  # handed on or hung up while held: no Unhold came
    view.feed(_event("AgentConnect", 8.0, Queue="hotline", Linkedid="c2", MemberName="8001"))
    view.feed(_event("Hold", 9.0, Channel="PJSIP/8001-00000003"))
    view.feed(_event("Hangup", 10.0, Channel="PJSIP/8001-00000003", Uniqueid="u3", Linkedid="c2"))
    assert view.agents["8001"].held_since is None


def test_a_queue_member_pause_records_the_pbx_change_and_nothing_else_does() -> None:
    """The desk follows a pause made on the PBX (hotline.desk.pbx_follow.follow_pbx): only a
    QueueMemberPause says one, with its time, paused or not, and its reason (Asterisk 16.28 sends
    ``PausedReason`` and, when the action gave one, ``Reason``: both read; a hostile one is cut).
    A QueueMemberStatus repeating the pause, and a reconnect's QueueStatus rebuild, set none."""
    view = LiveView()
    view.feed(_event("QueueMemberAdded", 1.0, MemberName="8001", Queue="hotline", Status="1", Paused="0"))
    view.feed(_event("QueueMemberStatus", 1.5, MemberName="8001", Queue="hotline", Status="1", Paused="1",
                     PausedReason="crm"))
    assert view.snapshot(2.0).agents["8001"].pause is None
    view.feed(_event("QueueMemberPause", 3.0, MemberName="8001", Queue="hotline", Status="1", Paused="1",
                     PausedReason="cti-break", Reason="cti-break"))
    assert view.snapshot(3.5).agents["8001"].pause == PauseChange(3.0, True, "cti-break")
    view.feed(_event("QueueMemberPause", 4.0, MemberName="8001", Queue="hotline", Status="1", Paused="1",
                     PausedReason="only-this"))
    assert view.snapshot(4.5).agents["8001"].pause == PauseChange(4.0, True, "only-this")
    view.feed(_event("QueueMemberPause", 5.0, MemberName="8001", Queue="hotline", Status="1", Paused="0",
                     PausedReason="", Reason="x" * 10_000))
    snap = view.snapshot(5.5)
    assert snap.agents["8001"].pause == PauseChange(5.0, False, "x" * PAUSE_REASON_MAX)
    assert LiveSnapshot.from_dict(snap.to_dict()) == snap
    view.feed(_event("QueueMemberStatus", 6.0, MemberName="8001", Queue="hotline", Status="1", Paused="1"))
    assert view.snapshot(6.5).agents["8001"].pause == PauseChange(5.0, False, "x" * PAUSE_REASON_MAX)
    view.rebuild([{"Event": "QueueMember", "Queue": "hotline", "Name": "8001", "Status": "1", "Paused": "1",
                   "PausedReason": "crm"}], [], 10.0)
    a = view.snapshot(10.5).agents["8001"]
    assert (a.state, a.pause) == (AgentState.PAUSED, None)


def test_the_pause_changes_of_a_real_foreign_cti_capture() -> None:
    view = LiveView()
    for msg in capture("foreign_cti_pause_midring"):
        view.feed(msg)
    pause = view.snapshot(0.0).agents["Alice"].pause
    assert pause is not None and (pause.paused, pause.reason) == (True, "cti-break")


Walk = list[tuple[AgentState, str | None, bool, str | None]]


def _walk(view: LiveView, name: str) -> Walk:
    """Member 8001's states on ``view`` through capture ``name``, each once: (state, call, 外呼,
    the call's party)."""
    seen: Walk = []
    for msg in capture(name):
        view.feed(msg)
        agent = view.snapshot(msg.timestamp or 0.0).agents.get("8001")
        if agent is not None:
            call = view.calls.get(agent.call_id or "")
            step = (agent.state, agent.call_id, agent.outbound, call.caller_number if call else None)
            if not seen or seen[-1] != step:
                seen.append(step)
    return seen


def _desk_dial_walk(name: str) -> Walk:
    """Member 8001's states on the live view through a capture of a desk dial."""
    return _walk(LiveView(), name)


def test_a_desk_dial_shows_the_agent_ringing_out_then_talking_with_the_customer() -> None:
    """外呼 / 回拨 from the desk (a callback's originate): no queue event names the call, yet the
    agent is shown ringing out on it, then talking with the customer dialled, then free again
    at the hang-up — until 7 December it was shown talking on no call (the device's in use)."""
    lid = "cap-9019950722"
    assert _desk_dial_walk("callback_answered") == [
        (AgentState.RINGING, lid, True, None),  # its own phone rings first
        (AgentState.RINGING, lid, True, "13900000009"),  # the customer rings: 外呼中
        (AgentState.TALKING, lid, True, "13900000009"),
        (AgentState.IDLE, None, False, None),
    ]


def test_a_desk_dial_the_agent_does_not_answer_ends_free() -> None:
    walk = _desk_dial_walk("callback_agent_no_answer")
    assert walk[0][0] == AgentState.RINGING and walk[0][2] is True
    assert AgentState.TALKING not in [s for s, *_ in walk]
    assert walk[-1] == (AgentState.IDLE, None, False, None)


def test_a_desk_dial_keeps_a_pause_made_during_it_for_its_end() -> None:
    view = LiveView()
    view.feed(_event("QueueMemberAdded", 1.0, MemberName="8001", Queue="hotline", Status="1", Paused="0"))
    view.feed(_event("VarSet", 2.0, Linkedid="cb-1", Uniqueid="cb-1", Variable="HOTLINE_AGENT", Value="8001",
                     CallerIDNum="<unknown>"))
    assert view.urgent and view.snapshot(2.0).agents["8001"].state == AgentState.RINGING
    view.feed(_event("DialEnd", 3.0, Linkedid="cb-1", Uniqueid="cb-1", DialStatus="ANSWER"))
    view.feed(_event("QueueMemberPause", 4.0, MemberName="8001", Queue="hotline", Status="2", Paused="1"))
    agent = view.snapshot(4.0).agents["8001"]
    assert (agent.state, agent.call_id, agent.outbound) == (AgentState.TALKING, "cb-1", True)
    assert LiveSnapshot.from_dict(view.snapshot(4.0).to_dict()).agents["8001"].outbound is True
    view.feed(_event("Hangup", 5.0, Linkedid="cb-1", Uniqueid="cb-1"))
    agent = view.snapshot(5.0).agents["8001"]
    assert (agent.state, agent.call_id, agent.outbound, agent.since) == (AgentState.PAUSED, None, False, 5.0)


def _phone_walk(name: str, view: LiveView | None = None) -> Walk:
    """Member 8001's states through capture ``name`` of a call its phone placed itself, each once:
    8001 a member as the desk adds a phone agent (Local/8001@agents-phone/n, its phone PJSIP/8001
    the state interface: ``hotline.desk.members``)."""
    view = view or LiveView()
    view.feed(_event("QueueMemberAdded", 1.0, MemberName="8001", Queue="hotline",
                     Interface="Local/8001@agents-phone/n", StateInterface="PJSIP/8001", Status="1", Paused="0"))
    return _walk(view, name)


def test_a_customer_dialled_on_the_desk_phone_is_the_agents_outbound_call() -> None:
    """外呼 from the desk phone itself (foreign_phone_trunk_out: 8001 keys 13900000009, out through
    the trunk): 外呼中 from the customer's ring, 通话中 with the customer as the call's party from
    the answer, free at the hang-up — as a desk dial. Until 7 December the agent stayed idle on
    the view (no queue event names the call) while the PBX showed the member in use."""
    lid = "1796483918.0"
    assert _phone_walk("foreign_phone_trunk_out") == [
        (AgentState.IDLE, None, False, None),
        (AgentState.RINGING, lid, True, "13900000009"),
        (AgentState.TALKING, lid, True, "13900000009"),
        (AgentState.IDLE, None, False, None),
    ]


@pytest.mark.parametrize("name", ["foreign_phone_trunk_no_answer", "foreign_phone_trunk_agent_cancels"])
def test_a_desk_phones_call_nobody_answers_rings_out_then_ends_free(name: str) -> None:
    """未接通: the customer never answers (the trunk gives up; the agent hangs up while it rings)."""
    walk = _phone_walk(name)
    assert [(state, outbound, party) for state, _lid, outbound, party in walk] == [
        (AgentState.IDLE, False, None), (AgentState.RINGING, True, "13900000006"), (AgentState.IDLE, False, None)]


def test_only_the_phones_call_out_is_outbound_not_its_queue_and_internal_calls() -> None:
    """Alice (PJSIP/8001) takes a queue call (foreign_pjsip_answered), her phone calls 8002 itself
    (foreign_refer_attended: 内部通话), then dials a customer (foreign_phone_trunk_out): only the
    last is 外呼 — also under a pattern that takes no 4-digit number for internal (the call to
    8002 rang only an agent's phone: still internal, as its record says)."""
    from hotline.rules import internal_numbers
    from tests.ami_listener.replay import replay_settings

    for view in (LiveView(), LiveView(internal_numbers(replay_settings(internal_number_pattern=r"[*#].*")))):
        seen: dict[str, set[tuple[str, bool, bool]]] = {}
        for name in ("foreign_pjsip_answered", "foreign_refer_attended", "foreign_phone_trunk_out"):
            for msg in capture(name):
                view.feed(msg)
                alice = view.snapshot(msg.timestamp or 0.0).agents.get("Alice")
                if alice is not None and (alice.call_id or alice.internal):
                    seen.setdefault(name, set()).add((alice.state, alice.internal, alice.outbound))
        assert not any(outbound for _s, _i, outbound in seen["foreign_pjsip_answered"] | seen["foreign_refer_attended"])
        assert any(internal for _s, internal, _o in seen["foreign_refer_attended"])
        assert seen["foreign_phone_trunk_out"] == {(AgentState.RINGING, False, True), (AgentState.TALKING, False, True)}
