"""A live view rebuilt after a listener reconnect ties the agents' legs to their calls again
(``ami_listener.live_legs``): QueueStatus gives a member's state, not its call, so until 7 December
an agent talking with a queue's caller at a restart showed talking on no call — its desk lost
通话中, the caller's pop and its controls — and a consultation under way was tied to nothing (the
consulted agent's guard gone). Each test cuts a recorded capture mid-call: the view is rebuilt
from the channels as Asterisk would list them then (:func:`_channels_at`, from the capture's head)
and QueueStatus's member rows, and the rest of the capture is fed on; from the cut on the agents
must be what the uninterrupted view shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import pytest

from ami_listener.live import LiveView
from ami_listener.live_legs import QUEUE_CALLER, QUEUE_LEG
from ami_listener.reader import Message
from ami_listener.resync_facts import FACTS, read
from hotline.chanvars import ChanVar
from hotline.pbx.ami import Ami, AmiError
from hotline.vocabulary import AgentState
from tests.ami_listener.replay import capture

CALLER = "13800000001"  # the captures' caller
IVR_CALLER = "13800000202"  # ivr_menu_to_agent's
CALLER_BRIDGE, CONSULT_BRIDGE = "b74307c1", "861575bd"  # queue_attended_transfer's: the caller's, the consultation's
SHOWN = ("Context", "Exten", "CallerIDNum", "CallerIDName", "ChannelStateDesc")  # as an event last said them
DEVICE = {AgentState.TALKING: "2", AgentState.RINGING: "6"}  # AST_DEVICE_* (in use, ringing); else 1: idle
# what each agent shows on the desk / the wallboard: state, call, the pop's number, consulting, consulted by
Seen = tuple[AgentState, str | None, str | None, str | None, str | None]


def _channels_at(head: Sequence[Message]) -> list[dict[str, str]]:
    """The CoreShowChannels rows Asterisk 16 gives after the events ``head``: each channel up with
    its Linkedid, BridgeId, Context / Exten, caller ID and Application — the queue's caller runs
    Queue, a member's leg app_queue dialled AppQueue, a dialling channel Dial, a leg it dials AppDial
    (the captures filter Newexten: the events that start them say it)."""
    rows: dict[str, dict[str, str]] = {}
    for msg in head:
        h = msg.headers
        chan = h.get("Channel") or ""
        if msg.name == "Newchannel":
            rows[chan] = {"Channel": chan, "Uniqueid": h.get("Uniqueid", ""), "Linkedid": h.get("Linkedid", ""),
                          "BridgeId": "", "Application": ""}
        if msg.name == "Hangup":
            rows.pop(chan, None)
            continue
        row = rows.get(chan)
        if row is not None:
            row.update({k: h[k] for k in SHOWN if k in h})
            if msg.name in ("BridgeEnter", "BridgeLeave"):
                row["BridgeId"] = h.get("BridgeUniqueid", "") if msg.name == "BridgeEnter" else ""
        dest = rows.get(h.get("DestChannel") or "", {})
        if msg.name == "QueueCallerJoin" and row is not None:
            row["Application"] = QUEUE_CALLER
        elif msg.name == "AgentCalled" and dest:
            dest["Application"] = QUEUE_LEG
        elif msg.name == "DialBegin" and dest and dest["Application"] != QUEUE_LEG:  # not the queue's ring
            dest["Application"] = "AppDial"
            if row is not None:
                row["Application"] = "Dial"
    return list(rows.values())


def _status_at(msgs: Sequence[Message], view: LiveView) -> list[dict[str, str]]:
    """QueueStatus's member rows as the PBX would answer at a cut: every member the capture names,
    in use / ringing / not as ``view`` (never cut) shows it then."""
    states = {m.get("MemberName") or "": "1" for m in msgs if m.get("MemberName")}
    states.update({m: DEVICE.get(a.state, "1") for m, a in view.agents.items()})
    return _status(states)


def _status(states: dict[str, str]) -> list[dict[str, str]]:
    """QueueStatus's member rows: member → its device state (AST_DEVICE_*: 1 idle, 2 in use, 6 ringing)."""
    return [{"Event": "QueueMember", "Queue": "hotline", "Name": m, "Location": f"Local/{m}@agents/n",
             "StateInterface": f"Local/{m}@agents/n", "Membership": "dynamic", "InCall": "0", "Status": s,
             "Paused": "0"} for m, s in states.items()]


def _seen(view: LiveView, at: float) -> dict[str, Seen]:
    snap = view.snapshot(at)
    return {m: (a.state, a.call_id, (c.caller_number if (c := snap.calls.get(a.call_id or "")) else None),
                a.consulting, a.consulted_by) for m, a in snap.agents.items()}


def _walks(name: str, cut: Callable[[Message], bool],
           states: dict[str, str]) -> tuple[list[dict[str, Seen]], list[dict[str, Seen]]]:
    """The agents through capture ``name`` from the first event ``cut`` picks on: as the view
    that never lost the stream shows them, and as one rebuilt there shows them."""
    msgs = capture(name)
    at = next(i for i, m in enumerate(msgs) if cut(m)) + 1
    whole, rebuilt = LiveView(), LiveView()
    for msg in msgs[:at]:
        whole.feed(msg)
    ts, chans = msgs[at - 1].timestamp or 0.0, _channels_at(msgs[:at])
    rebuilt.rebuild(_status(states), chans, ts, read(cast(Ami, _PbxVars(msgs[:at])), chans))
    a, b = [_seen(whole, ts)], [_seen(rebuilt, ts)]
    for msg in msgs[at:]:
        whole.feed(msg)
        rebuilt.feed(msg)
        a.append(_seen(whole, msg.timestamp or 0.0))
        b.append(_seen(rebuilt, msg.timestamp or 0.0))
    return a, b


def _bridged(chan: str, bridge: str = "") -> Callable[[Message], bool]:
    """The cut: the channel ``chan`` (its name's start) enters a bridge (``bridge``: that one)."""
    return lambda m: (m.name == "BridgeEnter" and (m.get("Channel") or "").startswith(chan)
                      and (m.get("BridgeUniqueid") or "").startswith(bridge))


def test_a_queue_call_answered_before_a_reconnect_is_the_agents_call_again() -> None:
    """quick_answer cut once 8001 and the caller are bridged: 8001 is 通话中 on the caller's call,
    the caller's number on its pop, until AgentComplete — as if the listener had never left."""
    whole, rebuilt = _walks("quick_answer", _bridged("Local/10000@from-pstn"), {"8001": "2"})
    assert rebuilt[0]["8001"] == (AgentState.TALKING, "cap-9309138eca", CALLER, None, None)
    assert rebuilt == whole


def test_a_queue_call_ringing_at_a_reconnect_is_tied_and_its_answer_followed() -> None:
    """quick_answer cut while 8001's leg rings (app_queue's DialBegin): 8001 rings on the call,
    then AgentConnect makes it talk on it."""
    whole, rebuilt = _walks("quick_answer", lambda m: m.name == "DialBegin" and m.get("Context") == "hotline-queue",
                            {"8001": "6"})
    assert rebuilt[0]["8001"][:2] == (AgentState.RINGING, "cap-9309138eca")
    assert rebuilt == whole


def test_a_consultation_under_way_at_a_reconnect_is_tied_again() -> None:
    """queue_attended_transfer cut once 8001's leg is in the consultation's bridge (8001 consults
    8002, whose leg rings): 8001 talks on the caller's call consulting 8002, 8002 rings on it
    consulted by 8001 (its desk's guard, ``controls.refuse_consulted``, holds again); then the
    completion, 8002 talking with the caller alone — all as the uninterrupted view."""
    lid = "cap-30379d0763"
    into_consultation = _bridged("Local/8001@agents-0", CONSULT_BRIDGE)
    whole, rebuilt = _walks("queue_attended_transfer", into_consultation, {"8001": "2", "8002": "6"})
    assert rebuilt[0]["8001"] == (AgentState.TALKING, lid, CALLER, "8002", None)
    assert rebuilt[0]["8002"][:2] == (AgentState.RINGING, lid) and rebuilt[0]["8002"][4] == "8001"
    assert rebuilt == whole


def test_a_completed_transfer_optimised_at_a_reconnect_is_the_receiving_agents_call() -> None:
    """queue_attended_transfer cut once Asterisk optimised the consultation's Local channels away
    (8002's leg bridged with the caller directly, its dialler gone): 8002 talks on the caller's
    call to its end, as the uninterrupted view shows it — until 7 December on no call."""
    whole, rebuilt = _walks("queue_attended_transfer", _bridged("Local/8002@agents-0", CALLER_BRIDGE),
                            {"8001": "1", "8002": "2"})
    assert rebuilt[0]["8002"] == (AgentState.TALKING, "cap-30379d0763", CALLER, None, None)
    assert rebuilt == whole


SETTLED_S = 1.0  # by the capture's own clock: the PBX's windows (AgentConnect before the bridge …)


@pytest.mark.parametrize("name", ["quick_answer", "queue_blind_transfer", "queue_attended_transfer",
                                  "queue_consult_cancelled", "ring_no_answer_rollover", "ivr_menu_to_agent",
                                  "callback_answered", "callback_not_answered", "callback_agent_no_answer"])
def test_a_reconnect_at_any_event_leaves_the_view_as_if_the_stream_never_stopped(name: str) -> None:
    """The capture cut after each of its events in turn: from SETTLED_S after the cut (by the
    events' timestamps: the channels can lag the queue's events by milliseconds — AgentConnect
    before the bridge, AgentComplete before the leg leaves it) to the capture's end, every agent is
    what the uninterrupted view shows — state, call, the pop's caller, consulting and consulted by."""
    _every_cut(capture(name))


@pytest.mark.parametrize("name", ["foreign_phone_trunk_out", "foreign_phone_trunk_no_answer"])
def test_a_phones_own_call_out_at_a_reconnect_is_followed_again(name: str) -> None:
    """Phone 8001 (a queue's member) dials a customer itself, out through the trunk: cut after
    every event, the rebuilt view follows the call again from its first channel (running Dial at
    the number dialled, a trunk's channel dialled: the record's ``dialled_out``) — 外呼中, 通话中
    once the customer's channel is Up, done at the first channel's hang-up — as the uninterrupted
    view does. Until 7 December QueueStatus's "in use" alone: talking on no call."""
    msgs = capture(name)
    member = Message({"Event": "QueueMemberAdded", "MemberName": "8001", "Queue": "hotline", "Interface": "PJSIP/8001",
                      "Status": "1", "Paused": "0", "Timestamp": f"{(msgs[0].timestamp or 1.0) - 1:.6f}"}, b"")
    assert any(_every_cut([member, *msgs]))  # 外呼 shown


def _every_cut(msgs: Sequence[Message]) -> list[bool]:
    """The body of the every-cut tests; returns, for every agent the rebuilt views showed after
    settling, whether it was on its own outbound call (``AgentLive.outbound``)."""
    shown: list[bool] = []
    for at in range(1, len(msgs)):
        whole, rebuilt = LiveView(), LiveView()
        for msg in msgs[:at]:
            whole.feed(msg)
        cut = msgs[at - 1].timestamp or 0.0
        chans = _channels_at(msgs[:at])
        rebuilt.rebuild(_status_at(msgs, whole), chans, cut, read(cast(Ami, _PbxVars(msgs[:at])), chans))
        for msg in msgs[at:]:
            whole.feed(msg)
            rebuilt.feed(msg)
            ts = msg.timestamp or cut
            a, b = _seen(whole, ts), _seen(rebuilt, ts)
            if ts >= cut + SETTLED_S:
                assert {m: b[m] for m in a} == a, (at, msgs[at - 1].name, msg.name)
                shown += [a.outbound for a in rebuilt.agents.values()]
    return shown


class _PbxVars:
    """Asterisk's answers to the re-sync's Getvar (``resync_facts.read``) after the events ``head``:
    each channel's variables as its VarSets set them (``__HOTLINE_X`` is HOTLINE_X, inherited);
    a channel hung up or never made is Asterisk's "No such channel"."""

    def __init__(self, head: Sequence[Message]) -> None:
        self.vars: dict[str, dict[str, str]] = {}
        for m in head:
            chan = m.get("Channel") or ""
            if m.name == "Newchannel":
                self.vars[chan] = {}
            elif m.name == "Hangup":
                self.vars.pop(chan, None)
            elif m.name == "VarSet" and chan in self.vars:
                self.vars[chan][(m.get("Variable") or "").lstrip("_")] = m.get("Value") or ""

    def action(self, name: str, **fields: str) -> dict[str, str]:
        assert name == "Getvar"
        if fields["Channel"] not in self.vars:
            raise AmiError("AMI action Getvar: No such channel")
        return {"Variable": fields["Variable"], "Value": self.vars[fields["Channel"]].get(fields["Variable"], "")}


def test_a_call_through_the_ivr_menu_rebuilt_at_a_reconnect_has_its_ivr_path_on_the_pop() -> None:
    """ivr_menu_to_agent cut once 8001 talks with the caller, who chose 人工 (HOTLINE_MENU agent) in
    the IVR: the re-sync reads the call's HOTLINE_* facts from the caller's channel (Getvar:
    CoreShowChannels carries no variable), so the pop rebuilt shows the IVR's path as the
    uninterrupted view's does — until 7 December the caller's number alone."""
    msgs = capture("ivr_menu_to_agent")
    at = next(i for i, m in enumerate(msgs) if m.name == "AgentConnect") + 1
    whole, rebuilt = LiveView(), LiveView()
    for msg in msgs[:at]:
        whole.feed(msg)
    chans, ts = _channels_at(msgs[:at]), msgs[at - 1].timestamp or 0.0
    rebuilt.rebuild(_status({"8001": "2"}), chans, ts, read(cast(Ami, _PbxVars(msgs[:at])), chans))
    lid = "cap-d2d20e405d"
    assert _seen(rebuilt, ts)["8001"] == (AgentState.TALKING, lid, IVR_CALLER, None, None)
    facts = rebuilt.snapshot(ts).calls[lid].vars
    assert facts[ChanVar.MENU] == "agent" and facts[ChanVar.IVR] == "done"
    followed = whole.snapshot(ts).calls[lid].vars
    assert facts == {k: v for k, v in followed.items() if k in FACTS and k != ChanVar.WORKNUM_PLAYED}, followed



def test_the_desks_dial_answered_before_a_reconnect_is_the_agents_outbound_call_again() -> None:
    """callback_answered (the desk's 回拨: the originate rings 8001's phone, then the customer from
    it) cut once the customer answered: 8001 is 通话中 on the dial, 外呼 (``outbound``), the pop's
    party the customer's number — read from the first channel (HOTLINE_AGENT by Getvar, the Exten
    it dials). Until 7 December QueueStatus's "in use" alone: talking on no call, no pop."""
    whole, rebuilt = _walks("callback_answered", _bridged("Local/8001@agents-0000003c;1"), {"8001": "2"})
    assert rebuilt[0]["8001"] == (AgentState.TALKING, "cap-9019950722", "13900000009", None, None)
    assert rebuilt == whole
    msgs = capture("callback_answered")
    at = next(i for i, m in enumerate(msgs) if _bridged("Local/8001@agents-0000003c;1")(m)) + 1
    chans, ts = _channels_at(msgs[:at]), msgs[at - 1].timestamp or 0.0
    view = LiveView()
    view.rebuild(_status({"8001": "2"}), chans, ts, read(cast(Ami, _PbxVars(msgs[:at])), chans))
    assert view.snapshot(ts).agents["8001"].outbound is True
