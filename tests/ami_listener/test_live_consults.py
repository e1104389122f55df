"""The live view's consultations (``AgentLive.consulting``): the channel Asterisk dials for an
attended transfer's consultation on the agent's call — Local/<ext>@agents-transfer-…;1, from the
desk's Atxfer or the phone's *2 alike — shows the agent consulting until it hangs up or the agent
leaves the call."""

from __future__ import annotations

from ami_listener.live import LiveView
from ami_listener.reader import Message
from hotline.live_snapshot import LiveSnapshot


def _event(name: str, ts: float, **headers: str) -> Message:
    return Message({"Event": name, "Timestamp": f"{ts:.6f}", **headers}, b"")


def _talking(view: LiveView, call_id: str, ts: float) -> None:
    view.feed(_event("AgentConnect", ts, Queue="hotline", Linkedid=call_id, MemberName="8001"))


def _dialled(view: LiveView, channel: str, call_id: str, ts: float) -> None:
    view.feed(_event("Newchannel", ts, Channel=channel, Uniqueid=f"u{ts}", Linkedid=call_id))


def test_a_consultation_shows_from_its_channel_to_its_hang_up() -> None:
    view = LiveView()
    view.feed(_event("QueueMemberAdded", 1.0, MemberName="8001", Queue="hotline", Status="1", Paused="0"))
    _talking(view, "c1", 2.0)
    view.snapshot(2.5)
    # a channel ringing 8002's phone directly (the *2 of a leg without TRANSFER_CONTEXT) is no consultation
    _dialled(view, "Local/8002@agents-phone-00000002;1", "c1", 3.0)
    # another call's consultation is not 8001's
    _dialled(view, "Local/8003@agents-transfer-00000003;1", "c9", 3.5)
    assert view.agents["8001"].consulting is None and not view.urgent
    _dialled(view, "Local/8002@agents-transfer-00000004;2", "c1", 4.0)  # its other half: not the channel
    _dialled(view, "Local/8002@agents-transfer-00000004;1", "c1", 4.0)
    assert view.urgent
    snap = view.snapshot(4.5)
    assert snap.agents["8001"].consulting == "8002"
    assert LiveSnapshot.from_dict(snap.to_dict()) == snap  # what the desk reads back
    view.feed(_event("Hangup", 5.0, Channel="Local/8002@agents-transfer-00000004;2", Uniqueid="x", Linkedid="c1"))
    assert view.agents["8001"].consulting == "8002"
    # cancelled, the consulted party hung up, never answered: the channel goes
    view.feed(_event("Hangup", 6.0, Channel="Local/8002@agents-transfer-00000004;1", Uniqueid="y", Linkedid="c1"))
    assert view.urgent and view.snapshot(6.5).agents["8001"].consulting is None
    assert "consulting" not in view.snapshot(7.0).to_dict()["agents"]["8001"]


def test_a_completed_consultation_ends_with_the_agents_call() -> None:
    """The completion hangs the agent's leg up: the agent leaves the call, the consultation's
    channel lives on with the caller — its later hang-up leaves the agent's next consultation be."""
    view = LiveView()
    _talking(view, "c1", 1.0)
    _dialled(view, "Local/8002@agents-transfer-00000001;1", "c1", 2.0)
    assert view.agents["8001"].consulting == "8002"
    view.feed(_event("AgentComplete", 3.0, Queue="hotline", Linkedid="c1", MemberName="8001"))
    assert view.agents["8001"].consulting is None
    _talking(view, "c2", 4.0)
    _dialled(view, "Local/8003@agents-transfer-00000002;1", "c2", 5.0)
    view.feed(_event("Hangup", 6.0, Channel="Local/8002@agents-transfer-00000001;1", Uniqueid="z", Linkedid="c1"))
    assert view.snapshot(6.5).agents["8001"].consulting == "8003"
    view.reset()  # a reconnect rebuilds from QueueStatus: no consultation is assumed
    _talking(view, "c2", 7.0)
    assert view.agents["8001"].consulting is None
