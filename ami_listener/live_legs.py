"""The agents' legs on the callers' calls as the channels say them, for a live view rebuilt after
a listener reconnect (``LiveView.rebuild``).

QueueStatus gives each member's state — its device in use, ringing — but not the call: until
7 December an agent talking with a caller when the listener restarted (systemd, a chaos kill)
showed talking on no call, so its desk lost 通话中, the caller's pop and every control that needs
the call id, and the wallboard the call, until the call ended. CoreShowChannels says which call
(Asterisk 16's rows carry each channel's Linkedid, BridgeId, Application, Context / Exten and
caller ID; no variable unless manager.conf names it). :func:`legs` is the one reading of them for
every kind of call the view ties (``FollowedLegs.rebuild``): a queue's (``AppQueue``: the member
channel app_queue dialled) and a transfer's (the channel [agents-transfer] dials, or a completed
one's leg bridged with the caller directly) — talking once Up, ringing before; and
:func:`consultations` the attended transfers' consultations under way on them
(``Consultations.rebuild``), so the consulted agent's guard holds again. :func:`callers` gives
the pop its caller; the IVR's HOTLINE_* facts are not in the rows (manager.conf names no
``channelvars``): the listener reads them from :func:`caller_rows`' channels (``resync_facts``).
:func:`first_channels` gives the agents' own dials (``AgentDials.rebuild``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ami_listener.channels import number
from hotline.desk.calls import TRANSFER_CONTEXT, consultation_of, consulted, is_agent_leg
from hotline.live_snapshot import CallLive

QUEUE_LEG = "AppQueue"  # the Application of a channel app_queue dialled (a member's leg)
QUEUE_CALLER = "Queue"  # the Application of the caller's channel the queue holds, waiting or bridged
Row = Mapping[str, str]  # a CoreShowChannels row


@dataclass(frozen=True)
class Leg:
    channel: str
    call_id: str  # the call's Linkedid: the call id the listener uses
    answered: bool  # the agent's phone answered (its leg Up, then bridged: the caller's, a consultation's)
    transfer: bool  # dialled by [agents-transfer]: no queue event ends it (``live_followed_legs``)
    dialler: str = ""  # the transfer's channel dialling it (a consultation's ;2 side: the consulted)


@dataclass(frozen=True)
class FirstChannel:
    """A call's first channel — on an agent's phone, the agent's own dial (外呼 / 回拨: the phone's
    call, or the desk's originate that rings the phone, then the customer from it; ``live_dials``)."""

    channel: str
    call_id: str
    exten: str  # where it runs: a phone's, the number it dialled; the desk's, the customer's once dialling
    dialling: bool  # running Dial
    dialled: tuple[tuple[str, bool], ...]  # each channel dialled on the call (AppDial), and whether it is Up


@dataclass(frozen=True)
class Consultation:
    channel: str  # its ;1 side (``calls.consulted`` names the extension it dials)
    call_id: str
    legs: tuple[str, ...]  # the legs consulting: the call's agents' but its consulted agent's


def _dialler(name: str, row: Row, rows: Sequence[Row]) -> str | None:
    """The channel running Dial in [agents-transfer] at the agent's extension that dialled the
    Local leg ``name`` on the same call (bridged with it once answered — the leg enters the bridge
    first, and leaves it first when Asterisk optimises a completed consultation away)."""
    if not name.startswith("Local/"):
        return None
    for d in rows:
        ext, lid = d.get("Exten") or "", row.get("Linkedid")
        if (d.get("Context") == TRANSFER_CONTEXT and d.get("Application") == "Dial" and ext
                and d.get("Linkedid") == lid and d.get("Channel") != name and is_agent_leg(name, ext)):
            return d.get("Channel") or ""
    return None


def _optimised(name: str, row: Row, peers: Sequence[str], rows: Sequence[Row]) -> bool:
    """A completed attended transfer's leg once Asterisk optimised the consultation's Local
    channels away: the agent's Local leg [agents-transfer] dialled (its dialler gone), bridged with
    the caller's channel the queue holds."""
    queued = {c.get("Channel") for c in rows if c.get("Application") == QUEUE_CALLER
              and c.get("Linkedid") == row.get("Linkedid")}
    return (name.startswith("Local/") and name.endswith(";1") and row.get("Application") == "AppDial"
            and any(p in queued for p in peers))


def _bridges(channels: Sequence[Row]) -> dict[str, list[str]]:
    """Each bridge → the channels in it."""
    bridges: dict[str, list[str]] = {}
    for c in channels:
        if c.get("BridgeId"):
            bridges.setdefault(c["BridgeId"], []).append(c.get("Channel") or "")
    return bridges


def legs(channels: Sequence[Row]) -> list[Leg]:
    """Every agent's leg of a queue call or a transfer among ``channels`` (CoreShowChannels rows).
    A consultation's own channels are no agent's leg (``calls.consulted`` names its target)."""
    bridges = _bridges(channels)
    found = []
    for c in channels:
        name, lid, bridge = c.get("Channel") or "", c.get("Linkedid") or "", c.get("BridgeId") or ""
        if not name or not lid or consulted(name) is not None or consultation_of(name) is not None:
            continue
        peers = [p for p in bridges.get(bridge, ()) if p != name] if bridge else []
        transfer = c.get("Application") != QUEUE_LEG
        dialler = _dialler(name, c, channels) if transfer else ""
        if dialler is None and not _optimised(name, c, peers, channels):
            continue
        # answered: bridged, or Up already (AgentConnect / DialEnd come just before the bridge)
        answered = bool(peers) or c.get("ChannelStateDesc") == "Up"
        found.append(Leg(name, lid, answered, transfer, dialler or ""))
    return found


def consultations(channels: Sequence[Row], found: Sequence[Leg]) -> list[Consultation]:
    """Each consultation under way: its ;1 side up and not yet bridged with the caller (in no
    bridge while it rings, in one with the consulting agent's leg after, or still with none —
    the caller's bridge holds a channel no agent's leg: completed, it is the caller's call now)."""
    bridges, agent_legs = _bridges(channels), {leg.channel for leg in found}
    under_way = []
    for c in channels:
        name, lid = c.get("Channel") or "", c.get("Linkedid") or ""
        if consulted(name) is None or not lid:
            continue
        peers = [p for p in bridges.get(c.get("BridgeId") or "", ()) if p != name] if c.get("BridgeId") else []
        if all(p in agent_legs for p in peers):
            consulted_side = name[:-1] + "2"
            under_way.append(Consultation(name, lid, tuple(
                leg.channel for leg in found if leg.call_id == lid and leg.dialler != consulted_side)))
    return under_way


def first_channels(channels: Sequence[Row]) -> list[FirstChannel]:
    """Each call's first channel (Uniqueid = Linkedid) but a queue's caller or a transfer's
    dialler: the view keeps those made on an agent's phone (``AgentDials.rebuild``)."""
    dialled: dict[str, list[tuple[str, bool]]] = {}
    for c in channels:
        if c.get("Application") == "AppDial":
            dialled.setdefault(c.get("Linkedid") or "", []).append(
                (c.get("Channel") or "", c.get("ChannelStateDesc") == "Up"))
    return [FirstChannel(c.get("Channel") or "", lid, c.get("Exten") or "", c.get("Application") == "Dial",
                         tuple(dialled.get(lid, ())))
            for c in channels if (lid := c.get("Linkedid") or "") and c.get("Uniqueid") == lid
            and c.get("Application") != QUEUE_CALLER and c.get("Context") != TRANSFER_CONTEXT]


def caller_rows(channels: Sequence[Row]) -> dict[str, Row]:
    """Each call's caller channel (Linkedid → its row): the one the queue holds, waiting or bridged
    (what a QueueCallerJoin says), else the one [agents-transfer] dials from — a caller sent there
    blind; a consultation's side dialling is the consulting agent's, not the caller."""
    found: dict[str, Row] = {}
    for c in sorted(channels, key=lambda c: c.get("Application") != QUEUE_CALLER):
        lid = c.get("Linkedid") or ""
        if lid in found or not lid or consultation_of(c.get("Channel") or "") is not None:
            continue
        if c.get("Application") == QUEUE_CALLER or (c.get("Context") == TRANSFER_CONTEXT
                                                     and c.get("Application") == "Dial"):
            found[lid] = c
    return found


def callers(channels: Sequence[Row], call_of: Callable[[str], CallLive | None],
            facts: Mapping[str, Mapping[str, str]]) -> None:
    """Each call's caller for the desk's pop (``call_of``: the view's facts of a call, None for
    one ended) from its channel (:func:`caller_rows`), and each call's HOTLINE_* facts read from
    its caller's or first channel (``facts``: Linkedid → variable → value, ``resync_facts.read``)
    — the IVR's path, the wait's start, the desk's dial's agent — where no VarSet said them since."""
    for lid, values in facts.items():
        if values and (call := call_of(lid)) is not None:
            call.vars.update({k: v for k, v in values.items() if k not in call.vars})
    for lid, c in caller_rows(channels).items():
        call = call_of(lid)
        if call is not None and call.caller_number is None:
            call.caller_number, call.caller_name = number(c.get("CallerIDNum")), number(c.get("CallerIDName"))
