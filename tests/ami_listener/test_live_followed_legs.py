"""Agents' legs followed by channel on the live view (``ami_listener.live_followed_legs``): the agent
[agents-transfer] dials — the desk's 转接 (blind) or 咨询转 (attended), a phone's #1 / *2 — rings
and talks on the caller's call as a queue's agent does, so its desk has the call's pop and
controls. Until 7 December no queue event named it: the view showed it talking on no call."""

from __future__ import annotations

from collections.abc import Callable

from ami_listener.live import LiveView
from ami_listener.reader import Message
from hotline.live_snapshot import LiveSnapshot
from hotline.vocabulary import AgentState
from tests.ami_listener.replay import capture

CALLER = "13800000001"  # the captures' caller


def _event(name: str, ts: float, **headers: str) -> Message:
    return Message({"Event": name, "Timestamp": f"{ts:.6f}", **headers}, b"")


Step = tuple[AgentState, str | None, str | None, str | None]


def _walk(name: str, member: str) -> list[Step]:
    """``member``'s states through capture ``name``, each once: state, call, the call's party as
    the desk's pop reads it, and the extension it consults."""
    view = LiveView()
    seen: list[Step] = []
    for msg in capture(name):
        view.feed(msg)
        snap = view.snapshot(msg.timestamp or 0.0)
        agent = snap.agents.get(member)
        if agent is None:
            continue
        call = snap.calls.get(agent.call_id or "")
        step = (agent.state, agent.call_id, call.caller_number if call else None, agent.consulting)
        if not seen or seen[-1] != step:
            seen.append(step)
    return seen


def test_a_blind_transfer_is_the_receiving_agents_call_from_its_ring_to_its_hang_up() -> None:
    """queue_blind_transfer: 8001 answers, AMI BlindTransfer to [agents-transfer] 8002 (the desk's
    转接), 8002 answers after 1 s; 8002 is known to the view only from the device state that
    follows the transfer's dial (a member of the capture's static queue)."""
    lid = "cap-9591b2998a"
    assert _walk("queue_blind_transfer", "8002") == [
        (AgentState.RINGING, lid, CALLER, None),
        (AgentState.TALKING, lid, CALLER, None),
        (AgentState.IDLE, None, None, None),
    ]
    assert _walk("queue_blind_transfer", "8001")[-1] == (AgentState.IDLE, None, None, None)


def test_an_attended_transfer_is_the_consulted_agents_call_and_stays_its_own_after_the_completion() -> None:
    """queue_attended_transfer: 8001 consults 8002 (Atxfer), 8002 answers, 8001 hangs up (the
    completion); 8002 talks on the caller's call until the caller hangs up."""
    lid = "cap-30379d0763"
    assert _walk("queue_attended_transfer", "8002") == [
        (AgentState.RINGING, lid, CALLER, None),
        (AgentState.TALKING, lid, CALLER, None),
        (AgentState.IDLE, None, None, None),
    ]
    assert _walk("queue_attended_transfer", "8001") == [
        (AgentState.RINGING, lid, CALLER, None),
        (AgentState.TALKING, lid, CALLER, None),
        (AgentState.TALKING, lid, CALLER, "8002"),
        (AgentState.IDLE, None, None, None),
    ]


def _received(view: LiveView, ts: float, leg: str = "Local/8002@agents-00000009;1") -> None:
    """[agents-transfer] dials 8002's leg on call c1 and 8002 answers."""
    view.feed(_event("DialBegin", ts, Channel="Local/8002@agents-transfer-00000008;2", Context="agents-transfer",
                     Exten="8002", Uniqueid="u2", Linkedid="c1", DestChannel=leg))
    view.feed(_event("DialEnd", ts + 1, Channel="Local/8002@agents-transfer-00000008;2", Context="agents-transfer",
                     Uniqueid="u2", Linkedid="c1", DestChannel=leg, DialStatus="ANSWER"))


def _member(view: LiveView, member: str, ts: float, status: str = "1", paused: str = "0") -> None:
    view.feed(_event("QueueMemberStatus", ts, MemberName=member, Queue="hotline", Interface=f"Local/{member}@agents/n",
                     Status=status, Paused=paused))


def test_the_receiving_agent_holds_consults_onward_and_is_paused_again_after() -> None:
    """On the transferred call 8002's desk works as on a queue call: its hold (保持) and its own
    consultation onward show; a pause made before (示忙 while free: a transfer rings a paused agent
    too) is what it is at the end."""
    view = LiveView()
    _member(view, "8002", 1.0, paused="1")
    _received(view, 2.0)
    assert view.urgent
    agent = view.snapshot(3.5).agents["8002"]
    assert (agent.state, agent.call_id, agent.since) == (AgentState.TALKING, "c1", 3.0)
    _member(view, "8002", 3.6, status="2", paused="1")  # the device in use, still paused: the call goes on
    view.feed(_event("Hold", 4.0, Channel="Local/8002@agents-00000009;1", Linkedid="c1"))
    assert view.snapshot(4.0).agents["8002"].held_since == 4.0
    view.feed(_event("Unhold", 4.5, Channel="Local/8002@agents-00000009;1", Linkedid="c1"))
    view.feed(_event("Newchannel", 5.0, Channel="Local/8003@agents-transfer-0000000a;1", Uniqueid="u3", Linkedid="c1"))
    snap = view.snapshot(5.0)
    assert (snap.agents["8002"].state, snap.agents["8002"].consulting) == (AgentState.TALKING, "8003")
    assert LiveSnapshot.from_dict(snap.to_dict()) == snap
    view.feed(_event("Hangup", 6.0, Channel="Local/8002@agents-00000009;2", Uniqueid="u5", Linkedid="c1"))
    assert view.agents["8002"].call_id == "c1"  # the leg's other half: not its end
    view.feed(_event("Hangup", 6.0, Channel="Local/8002@agents-00000009;1", Uniqueid="u4", Linkedid="c1"))
    agent = view.snapshot(6.0).agents["8002"]
    assert (agent.state, agent.call_id, agent.consulting, agent.since) == (AgentState.PAUSED, None, None, 6.0)


def test_a_transfer_ring_not_answered_ends_and_an_agent_on_another_call_keeps_it() -> None:
    view = LiveView()
    _member(view, "8002", 1.0)
    leg = "Local/8002@agents-00000009;1"
    view.feed(_event("DialBegin", 2.0, Channel="c1-chan", Context="agents-transfer", Uniqueid="u1", Linkedid="c1",
                     DestChannel=leg))
    assert (view.agents["8002"].state, view.agents["8002"].call_id) == (AgentState.RINGING, "c1")
    view.feed(_event("DialEnd", 12.0, Channel="c1-chan", Context="agents-transfer", Uniqueid="u1", Linkedid="c1",
                     DestChannel=leg, DialStatus="NOANSWER"))
    assert (view.agents["8002"].state, view.agents["8002"].call_id) == (AgentState.IDLE, None)
    # talking on a queue call (ringinuse): a transfer's dial of its device is not shown over it
    view.feed(_event("AgentConnect", 13.0, Queue="hotline", Linkedid="c2", MemberName="8002"))
    _received(view, 14.0, "Local/8002@agents-0000000b;1")
    assert (view.agents["8002"].state, view.agents["8002"].call_id) == (AgentState.TALKING, "c2")
    # a dial from any other context is none of this (the queue's own, a phone's)
    view.feed(_event("DialBegin", 15.0, Channel="x", Context="agents", Uniqueid="u9", Linkedid="c3",
                     DestChannel="Local/8003@agents-0000000c;1"))
    _member(view, "8003", 15.5, status="2")
    assert view.agents["8003"].call_id is None


def test_a_caller_redirected_into_agents_transfer_is_the_receiving_agents_call() -> None:
    """ami_redirect: a CTI's AMI Redirect of the caller to [agents-transfer] 8003 — the same dial."""
    lid = "cap-25319599bc"
    assert _walk("ami_redirect", "8003") == [
        (AgentState.RINGING, lid, CALLER, None),
        (AgentState.TALKING, lid, CALLER, None),
        (AgentState.IDLE, None, None, None),
    ]


def _consulted_by(name: str, member: str) -> list[tuple[AgentState, str | None]]:
    """``member``'s states through capture ``name`` with the member consulting it, each once."""
    view = LiveView()
    seen: list[tuple[AgentState, str | None]] = []
    for msg in capture(name):
        view.feed(msg)
        agent = view.snapshot(msg.timestamp or 0.0).agents.get(member)
        if agent is not None and (not seen or seen[-1] != (agent.state, agent.consulted_by)):
            seen.append((agent.state, agent.consulted_by))
    return seen


def test_the_consulted_agent_is_marked_until_the_transfer_completes_or_the_consultation_ends() -> None:
    """While 8001 consults 8002 (the caller held), 8002 rings and talks with 8001: consulted by 8001,
    so its desk shows 咨询中 (来自 8001) and refuses the controls that would act on 8001's leg.
    queue_attended_transfer: 8001 completes while 8002 still rings — from then 8002 rings for, and
    talks with, the caller; queue_consult_cancelled: 8002 answers, then the consultation ends."""
    assert _consulted_by("queue_attended_transfer", "8002") == [
        (AgentState.RINGING, "8001"),
        (AgentState.RINGING, None),
        (AgentState.TALKING, None),
        (AgentState.IDLE, None),
    ]
    assert _consulted_by("queue_consult_cancelled", "8002") == [
        (AgentState.RINGING, "8001"),
        (AgentState.TALKING, "8001"),
        (AgentState.IDLE, None),
    ]
    for capture_name in ("queue_attended_transfer", "queue_consult_cancelled"):
        assert all(by is None for _state, by in _consulted_by(capture_name, "8001"))


def test_the_mark_ends_with_a_completion_after_the_answer() -> None:
    """8002 answered the consultation, 8001 completes (its leg leaves the call): 8002 talks with the
    caller, unmarked; the mark reads back from the snapshot the desk reads."""
    view = LiveView()
    _member(view, "8002", 0.5)
    view.feed(_event("AgentConnect", 1.0, Queue="hotline", Linkedid="c1", MemberName="8001"))
    view.feed(_event("Newchannel", 2.0, Channel="Local/8002@agents-transfer-00000008;1", Uniqueid="u1",
                     Linkedid="c1"))
    _received(view, 2.5)
    snap = view.snapshot(4.0)
    assert (snap.agents["8002"].state, snap.agents["8002"].consulted_by) == (AgentState.TALKING, "8001")
    assert LiveSnapshot.from_dict(snap.to_dict()) == snap
    view.feed(_event("AgentComplete", 5.0, Queue="hotline", Linkedid="c1", MemberName="8001"))
    snap = view.snapshot(5.0)
    assert (snap.agents["8002"].state, snap.agents["8002"].call_id, snap.agents["8002"].consulted_by) == (
        AgentState.TALKING, "c1", None)
    assert "consulted_by" not in snap.to_dict()["agents"]["8002"]


def _reconnected(name: str, member: str, split: Callable[[Message], bool], channels: list[dict[str, str]],
                 status: list[dict[str, str]]) -> list[tuple[AgentState, str | None]]:
    """``member``'s (state, call) through capture ``name`` whose listener reconnects right after
    the first event ``split`` picks: the view rebuilt (``LiveView.rebuild``) from ``status``
    (QueueStatus) and ``channels`` (CoreShowChannels) as the PBX then answers, the rest fed on."""
    view, rebuilt = LiveView(), False
    seen: list[tuple[AgentState, str | None]] = []
    for msg in capture(name):
        view.feed(msg)
        if not rebuilt and split(msg):
            view.rebuild(status, channels, msg.timestamp or 0.0)
            rebuilt = True
        agent = view.snapshot(msg.timestamp or 0.0).agents.get(member)
        if rebuilt and agent is not None and (not seen or seen[-1] != (agent.state, agent.call_id)):
            seen.append((agent.state, agent.call_id))
    return seen


BLIND_LID = "cap-9591b2998a"
BLIND_DIALLER = {"Channel": "Local/10000@from-pstn-00000032;2", "Uniqueid": "u2", "Linkedid": BLIND_LID,
                 "Context": "agents-transfer", "Exten": "8002", "Application": "Dial",
                 "ApplicationData": "Local/8002@agents/n,60", "ChannelStateDesc": "Up"}
BLIND_STATUS = [{"Event": "QueueMember", "Queue": "hotline", "Name": m, "Location": f"Local/{m}@agents/n",
                 "StateInterface": f"Local/{m}@agents/n", "Membership": "static", "InCall": "0", "Status": s,
                 "Paused": "0"} for m, s in (("8001", "1"), ("8002", "2"))]


def test_a_blind_transfer_answered_before_a_reconnect_is_tied_again_from_the_channels() -> None:
    """The listener reconnects while 8002 talks with the caller [agents-transfer] put through:
    QueueStatus says 8002's device is in use, on no call; the channels say which (the caller's
    channel dialling in [agents-transfer] at 8002, bridged with 8002's leg). Until 7 December the
    desk lost the call (no pop, no controls) until its end."""
    bridge = "fcaf577e-3c59-479f-bbcc-f198a459d627"
    channels = [{**BLIND_DIALLER, "BridgeId": bridge},
                {"Channel": "Local/8002@agents-00000034;1", "Uniqueid": "u3", "Linkedid": BLIND_LID,
                 "Context": "agents", "Exten": "", "Application": "AppDial", "BridgeId": bridge},
                {"Channel": "Local/8002@agents-00000034;2", "Uniqueid": "u4", "Linkedid": BLIND_LID,
                 "Context": "agents", "Exten": "8002", "Application": "Wait", "BridgeId": ""}]
    walk = _reconnected("queue_blind_transfer", "8002",
                        lambda m: m.name == "BridgeEnter" and m.get("Context") == "agents-transfer", channels,
                        BLIND_STATUS)
    assert walk == [(AgentState.TALKING, BLIND_LID), (AgentState.IDLE, None)], walk


def test_a_blind_transfer_ringing_at_a_reconnect_is_tied_again_and_its_answer_followed() -> None:
    channels = [{**BLIND_DIALLER, "BridgeId": ""},
                {"Channel": "Local/8002@agents-00000034;1", "Uniqueid": "u3", "Linkedid": BLIND_LID,
                 "Context": "agents", "Exten": "", "Application": "AppDial", "BridgeId": "",
                 "ChannelStateDesc": "Ringing"}]
    status = [{**BLIND_STATUS[0]}, {**BLIND_STATUS[1], "Status": "6"}]  # 6: ringing
    walk = _reconnected("queue_blind_transfer", "8002",
                        lambda m: m.name == "DialBegin" and m.get("Context") == "agents-transfer", channels, status)
    assert walk == [(AgentState.RINGING, BLIND_LID), (AgentState.TALKING, BLIND_LID), (AgentState.IDLE, None)], walk


def test_a_consultation_under_way_at_a_reconnect_is_tied_again_with_its_consulted_agent() -> None:
    """8001 consults 8002 when the listener reconnects: both are tied to the caller's call again,
    8001 consulting 8002 and 8002 consulted by it (until 7 December 8002 was left untied, as the
    consultation was, so nothing refused 8002's controls acting on 8001's leg); a transfer the
    caller's own channel dials, on the same channels, is tied as before."""
    lid, consult_bridge = "c1", "b-consult"
    channels = [{"Channel": "Local/8001@agents-00000001;1", "Uniqueid": "u1", "Linkedid": lid,
                 "Application": "AppQueue", "BridgeId": consult_bridge},
                {"Channel": "Local/8002@agents-transfer-00000002;1", "Uniqueid": "u2", "Linkedid": lid,
                 "BridgeId": consult_bridge},
                {"Channel": "Local/8002@agents-transfer-00000002;2", "Uniqueid": "u3", "Linkedid": lid,
                 "Context": "agents-transfer", "Exten": "8002", "Application": "Dial", "BridgeId": "b-8002"},
                {"Channel": "Local/8002@agents-00000003;1", "Uniqueid": "u4", "Linkedid": lid, "BridgeId": "b-8002"},
                {"Channel": "PJSIP/trunk-00000009", "Uniqueid": "u9", "Linkedid": "c2", "Context": "agents-transfer",
                 "Exten": "8003", "Application": "Dial", "BridgeId": "b-8003"},
                {"Channel": "Local/8003@agents-0000000a;1", "Uniqueid": "u10", "Linkedid": "c2", "BridgeId": "b-8003"}]
    status = [{"Event": "QueueMember", "Queue": "hotline", "Name": m, "Location": f"Local/{m}@agents/n",
               "StateInterface": f"Local/{m}@agents/n", "Status": "2", "Paused": "0"} for m in ("8001", "8002", "8003")]
    view = LiveView()
    view.rebuild(status, channels, 10.0)
    snap = view.snapshot(10.0)
    assert {m: (a.state, a.call_id, a.consulting, a.consulted_by) for m, a in snap.agents.items()} == {
        "8001": (AgentState.TALKING, lid, "8002", None), "8002": (AgentState.TALKING, lid, None, "8001"),
        "8003": (AgentState.TALKING, "c2", None, None)}
    view.feed(_event("Hangup", 11.0, Channel="Local/8002@agents-transfer-00000002;1", Linkedid=lid))
    assert view.snapshot(11.0).agents["8001"].consulting is None  # cancelled: the re-tied consultation ends


def test_a_transfer_onward_from_a_completed_consultation_is_tied_again_at_a_reconnect() -> None:
    """8002, reached by 8001's completed consultation, transfers the caller on to 8001 (its leg is
    bridged with the consultation's ;2 side, so Asterisk dials 8001 by a Local channel in
    [agents-transfer] too, joined to the caller's bridge): the caller's bridge holds the completed
    consultation's channel, which names 8002 but is no agent's leg — the transfer onward is not a
    consultation under way, and 8001, ringing, is tied to the call (as seen on the real PBX)."""
    lid = "c1"
    channels = [{"Channel": "Local/10000@from-pstn-00000000;2", "Uniqueid": "u1", "Linkedid": lid,
                 "BridgeId": "b-call"},
                {"Channel": "Local/8002@agents-transfer-00000002;1", "Uniqueid": "u2", "Linkedid": lid,
                 "BridgeId": "b-call"},
                {"Channel": "Local/8001@agents-transfer-00000005;1", "Uniqueid": "u5", "Linkedid": lid,
                 "BridgeId": "b-call"},
                {"Channel": "Local/8001@agents-transfer-00000005;2", "Uniqueid": "u6", "Linkedid": lid,
                 "Context": "agents-transfer", "Exten": "8001", "Application": "Dial", "BridgeId": ""},
                {"Channel": "Local/8001@agents-00000006;1", "Uniqueid": "u7", "Linkedid": lid, "BridgeId": ""}]
    status = [{"Event": "QueueMember", "Queue": "hotline", "Name": m, "Location": f"Local/{m}@agents/n",
               "StateInterface": f"Local/{m}@agents/n", "Status": s, "Paused": "1"}
              for m, s in (("8001", "6"), ("8002", "1"))]
    view = LiveView()
    view.rebuild(status, channels, 10.0)
    agent = view.snapshot(10.0).agents["8001"]
    assert (agent.state, agent.call_id) == (AgentState.RINGING, lid)
