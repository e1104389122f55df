"""Channel names and the per-call channel index the call builder queries.

Asterisk names a channel ``<tech>/<resource>-<sequence>`` (a Local channel's two halves end in
``;1`` / ``;2``); queue members are interfaces without the sequence. These helpers compare the two,
and :class:`ChannelIndex` reads one call's events once so that each rule of the builder is a small
query over it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ami_listener.reader import Message
from hotline.pbx_presence import POOL_AGENT

_CHAN_SUFFIX = re.compile(r"-[0-9a-fA-F]+(;\d)?$")
TECH_EXT = re.compile(r"^(?:PJSIP|SIP|IAX2|DAHDI)/([^-/@;]+)")
# events that name a queue member's interface and its member name
MEMBER_NAMING = ("AgentCalled", "QueueMemberStatus")
# the creator of the holding bridge an app_agent_pool agent's login channel waits in between calls
# (its device state, the members' StateInterface ``Agent:<id>``: hotline.pbx_presence.POOL_AGENT)
POOL_BRIDGE = "AgentPool"
_POOL_SIGNS = ("AgentLogin", "AgentLogoff", "BridgeEnter", "BridgeLeave")


def device_of(channel: str | None) -> str:
    """``Local/8001@agents-0000002a;1`` → ``Local/8001@agents``; ``PJSIP/8001-0000000b`` → ``PJSIP/8001``."""
    return _CHAN_SUFFIX.sub("", channel or "")


def interface_key(interface: str) -> str:
    """Queue member interfaces may carry Local options (``/n``): drop them to compare with devices."""
    if interface.startswith("Local/") and interface.count("/") > 1:
        return interface.rsplit("/", 1)[0]
    return interface


def member_names(headers: Mapping[str, str]) -> list[tuple[str, str, bool]]:
    """What a queue member event names: (interface key, member name, direct). Direct is the
    member's own interface; a Local member's StateInterface, the phone behind it (``PJSIP/8001``),
    comes second (not direct): once a Local member without ``/n`` optimises away, that phone's own
    channel is the one left with the caller, transferring it (capture foreign_cti_local_atxfer).
    A phone that is a member itself elsewhere keeps that name (callers give direct ones first)."""
    iface, name = headers.get("Interface"), headers.get("MemberName")
    if not iface or not name:
        return []
    out = [(interface_key(iface), name, True)]
    state = headers.get("StateInterface")
    if state and iface.startswith("Local/") and TECH_EXT.match(state) and name != iface:
        out.append((state, name, False))
    elif state and state.startswith(POOL_AGENT):
        # an agent pool's member (Local/… into AgentRequest, state Agent:<id>): the agent's login
        # channel is named as the member is (ChannelIndex.agent_of), unnamed ones by the interface
        out.append((state, name, False))
    return out


def local_base(channel: str | None) -> str | None:
    """The shared name of a Local channel's two halves (``Local/x@ctx-00000001``), else None."""
    if channel and channel.startswith("Local/") and channel[-2:] in (";1", ";2"):
        return channel[:-2]
    return None


def sibling(channel: str) -> str | None:
    """The other half of a Local channel (``…;1`` ↔ ``…;2``), else None."""
    base = local_base(channel)
    if base is None:
        return None
    return base + (";2" if channel.endswith(";1") else ";1")


def number(value: str | None) -> str | None:
    """A caller ID number or name as AMI gives it; Asterisk's placeholders for none are None."""
    if not value or value in ("<unknown>", "unknown"):
        return None
    return value


@dataclass
class Channel:
    """One channel of a call, as its events describe it."""

    uniqueid: str
    name: str = ""
    created: bool = False  # its Newchannel was seen
    created_at: float | None = None  # that Newchannel's time
    up_at: float | None = None
    hung_at: float | None = None
    cause: str | None = None  # Q.850 hang-up cause
    caller_num: str | None = None
    caller_name: str | None = None
    exten: str | None = None


class ChannelIndex:
    """One call's events (thin ones left out), indexed once: its channels by Uniqueid and by
    name, and the queue members they belong to."""

    def __init__(self, call_id: str, events: list[Message], members: Mapping[str, str]):
        self.call_id = call_id
        self.events = events
        self.members = {interface_key(k): v for k, v in members.items()}
        self.chans: dict[str, Channel] = {}
        self.by_name: dict[str, Channel] = {}
        behind: dict[str, str] = {}
        for e in events:
            if e.name in MEMBER_NAMING:
                for key, member, direct in member_names(e.headers):
                    if direct:
                        self.members[key] = member
                    else:
                        behind[key] = member
        for key, member in behind.items():  # a phone already named (a member itself, an agent) keeps it
            self.members.setdefault(key, member)
        self.member_names = set(self.members.values())
        # app_agent_pool: login channels (the tracker gives their AgentLogin, else their holding
        # bridge, to the calls they are bridged with) → the agent's name
        self.logins: dict[str, str | None] = {}
        for e in events:
            if e.name in _POOL_SIGNS and (e.name.startswith("Agent") or e.get("BridgeCreator") == POOL_BRIDGE):
                self.logins.setdefault(e.get("Channel") or "", e.get("Agent"))
        for chan, agent in self.logins.items():
            self.logins[chan] = self._pool_agent(chan, agent)
        self.names = {e.name for e in events}  # which kinds of event the call has: rules skip absent ones
        # one pass over every event of every call: written inline, a method call per event costs
        chans, by_name = self.chans, self.by_name
        for e in events:
            uid = e.get("Uniqueid")
            name = e.get("Channel")
            if not uid or not name or e.name == "OriginateResponse":
                continue
            ch = chans.get(uid)
            if ch is None:
                ch = chans[uid] = Channel(uid)
            ch.name = name
            by_name[name] = ch
            if e.name == "Newchannel":
                ch.created = True
                ch.created_at = e.timestamp
                ch.exten = e.get("Exten")
            num = number(e.get("CallerIDNum"))
            if num:
                ch.caller_num = num
                ch.caller_name = number(e.get("CallerIDName"))
            if e.get("ChannelStateDesc") == "Up" and ch.up_at is None:
                ch.up_at = e.timestamp
            if e.name == "Hangup":
                ch.hung_at = e.timestamp
                ch.cause = e.get("Cause") or ch.cause
            elif e.name == "HangupRequest" and ch.cause is None:
                ch.cause = e.get("Cause")

    def agent_of(self, channel: str | None) -> str | None:
        """The member name a channel belongs to, else None (an agent pool's login channel: see
        :meth:`_pool_agent`)."""
        if channel in self.logins:
            return self.logins[channel]
        dev = device_of(channel)
        if dev in self.members:
            return self.members[dev]
        # a member's phone reached through a Local member (FreePBX-style from-queue): PJSIP/8001
        m = TECH_EXT.match(dev)
        if m and m.group(1) in self.member_names:
            return m.group(1)
        return None

    def _pool_agent(self, chan: str, agent: str | None) -> str | None:
        """An agent pool's login channel is named as the queue member that handed it the call (the
        Local member whose AgentRequest half it was bridged with), so attempts and answer agree;
        else as the member whose state is that agent's (``Agent:<id>``) is named, else by the
        agent id (one home for an agent pool's names)."""
        bridged: dict[str, list[str]] = {}
        for e in self.events:
            if e.name != "BridgeEnter" or e.get("BridgeCreator") == POOL_BRIDGE:
                continue
            inside = bridged.setdefault(e.get("BridgeUniqueid") or "", [])
            if e.get("Channel") == chan:
                for other in inside:
                    twin = sibling(other)
                    member = self.members.get(device_of(twin)) if twin else None
                    if member:
                        return member
            inside.append(e.get("Channel") or "")
        if not agent:
            return None
        return self.members.get(POOL_AGENT + agent) or agent

    def named(self, name: str) -> list[Message]:
        return [e for e in self.events if e.name == name]

    def is_up(self, channel: Channel) -> bool:
        """The channel, or its Local twin, was answered."""
        if channel.up_at is not None:
            return True
        twin = sibling(channel.name)
        return bool(twin) and any(ch.up_at is not None for ch in self.chans.values() if ch.name == twin)

    def party(self, *names: str | None) -> set[str]:
        """These channels with their Local twins: one party of the call."""
        out: set[str] = set()
        for n in names:
            if n:
                out.add(n)
                twin = sibling(n)
                if twin:
                    out.add(twin)
        return out
