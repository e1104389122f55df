"""The call builder: a pure function from one call's AMI events to its call record.

``live``, ``replay`` and ``rebuild`` all call :func:`build_call`. It reads only what any standard
Asterisk 16+ dialplan with app_queue (Local or PJSIP members) and Originate-based callbacks emits;
product-specific facts (IVR path, survey) come from ``HOTLINE_*`` variables and ``HotlineIvr``
UserEvents when present. Every duration comes from the events' ``Timestamp`` headers, never from
``RingTime``/``HoldTime`` (whole seconds, rounded unpredictably — ASTERISK-NOTES.md).

A call whose first events were not seen (listener attached mid-call, AMI gap) is marked
``incomplete``; whatever depends on the missing events is left empty instead of guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ami_listener.reader import Message

HANGUP_REQUESTS = ("HangupRequest", "SoftHangupRequest")
DIAL_RESULTS = {"ANSWER": "answered", "NOANSWER": "no_answer", "CANCEL": "cancelled", "BUSY": "busy",
                "CHANUNAVAIL": "unavailable", "CONGESTION": "unavailable"}
# QUEUESTATUS values meaning the caller left the queue unanswered without hanging up
QUEUE_LEFT_UNANSWERED = {"TIMEOUT", "FULL", "JOINEMPTY", "LEAVEEMPTY", "JOINUNAVAIL", "LEAVEUNAVAIL",
                         "CONTINUE", "WITHDRAW"}
# A member channel hung up with one of these Q.850 causes before it answered was refused, not
# left ringing, though app_queue reports NOANSWER: a PJSIP member answering 486 Busy Here is hung
# up with cause 17 (user busy) before app_queue reads its BUSY frame (capture foreign_pjsip_busy).
# A member that rings out is hung up with cause 0.
REFUSED_CAUSES = {"17": "busy"}
_CHAN_SUFFIX = re.compile(r"-[0-9a-fA-F]+(;\d)?$")
_TECH_EXT = re.compile(r"^(?:PJSIP|SIP|IAX2|DAHDI)/([^-/@;]+)")


def device_of(channel: str | None) -> str:
    """``Local/8001@agents-0000002a;1`` → ``Local/8001@agents``; ``PJSIP/8001-0000000b`` → ``PJSIP/8001``."""
    return _CHAN_SUFFIX.sub("", channel or "")


def interface_key(interface: str) -> str:
    """Queue member interfaces may carry Local options (``/n``): drop them to compare with devices."""
    if interface.startswith("Local/") and interface.count("/") > 1:
        return interface.rsplit("/", 1)[0]
    return interface


def local_base(channel: str | None) -> str | None:
    """The shared name of a Local channel's two halves (``Local/x@ctx-00000001``), else None."""
    if channel and channel.startswith("Local/") and channel[-2:] in (";1", ";2"):
        return channel[:-2]
    return None


@dataclass(frozen=True)
class Rules:
    """The numbers the builder needs (R-ANS-4RINGS): from settings, never constants."""

    ring_cycle_s: float = 5.0
    max_rings: int = 4

    @property
    def threshold_s(self) -> float:
        return self.ring_cycle_s * self.max_rings


@dataclass
class Attempt:
    agent: str
    rang_at: float
    ring_seconds: float | None
    result: str
    channel: str = field(default="", repr=False)

    def as_json(self) -> dict[str, Any]:
        return {"agent": self.agent, "rang_at": self.rang_at, "ring_seconds": _r(self.ring_seconds),
                "result": self.result}


@dataclass
class CallRecord:
    call_id: str
    server: str
    direction: str = "unknown"
    caller_number: str | None = None
    caller_name: str | None = None
    dialed: str | None = None
    started_at: float | None = None
    queued_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    queue: str | None = None
    agent: str | None = None
    final_agent: str | None = None
    wait_seconds: float | None = None
    ring_seconds: float | None = None
    rings: int | None = None
    within_4_rings: bool | None = None
    talk_seconds: float | None = None
    disposition: str = "unknown"
    hangup_first: str | None = None
    recording: str | None = None
    transfers: list[dict[str, Any]] = field(default_factory=list)
    ivr: dict[str, Any] | None = None
    survey: int | None = None
    incomplete: bool = False
    vars: dict[str, str] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _num(value: str | None) -> str | None:
    if not value or value in ("<unknown>", "unknown"):
        return None
    return value


@dataclass
class _Chan:
    uniqueid: str
    name: str = ""
    created: bool = False
    up_at: float | None = None
    hung_at: float | None = None
    cause: str | None = None  # Q.850 hang-up cause
    caller_num: str | None = None
    caller_name: str | None = None
    exten: str | None = None


class _Call:
    """Indexes one call's events once, so each rule below is a small query."""

    def __init__(self, call_id: str, events: list[Message], members: Mapping[str, str]):
        self.call_id = call_id
        self.events = events
        self.members = {interface_key(k): v for k, v in members.items()}
        self.chans: dict[str, _Chan] = {}
        self.by_name: dict[str, _Chan] = {}
        for e in events:
            if e.name in ("AgentCalled", "QueueMemberStatus") and e.get("Interface") and e.get("MemberName"):
                self.members[interface_key(e["Interface"])] = e["MemberName"]
        self.member_names = set(self.members.values())
        for e in events:
            uid = e.get("Uniqueid")
            name = e.get("Channel")
            if not uid or not name or e.name == "OriginateResponse":
                continue
            ch = self.chans.get(uid)
            if ch is None:
                ch = self.chans[uid] = _Chan(uid)
            ch.name = name
            self.by_name[name] = ch
            if e.name == "Newchannel":
                ch.created = True
                ch.exten = e.get("Exten")
            num = _num(e.get("CallerIDNum"))
            if num:
                ch.caller_num = num
                ch.caller_name = _num(e.get("CallerIDName"))
            if e.get("ChannelStateDesc") == "Up" and ch.up_at is None:
                ch.up_at = e.timestamp
            if e.name == "Hangup":
                ch.hung_at = e.timestamp
                ch.cause = e.get("Cause") or ch.cause
            elif e.name == "HangupRequest" and ch.cause is None:
                ch.cause = e.get("Cause")

    def agent_of(self, channel: str | None) -> str | None:
        dev = device_of(channel)
        if dev in self.members:
            return self.members[dev]
        # a member's phone reached through a Local member (FreePBX-style from-queue): PJSIP/8001
        m = _TECH_EXT.match(dev)
        if m and m.group(1) in self.member_names:
            return m.group(1)
        return None

    def named(self, name: str) -> list[Message]:
        return [e for e in self.events if e.name == name]

    def sibling(self, channel: str) -> str | None:
        base = local_base(channel)
        if base is None:
            return None
        return base + (";2" if channel.endswith(";1") else ";1")


def build_call(call_id: str, events: Iterable[Message], *, server: str, rules: Rules = Rules(),
               members: Mapping[str, str] | None = None, gap: bool = False) -> CallRecord:
    """Build the record of call ``call_id`` (its Linkedid) from its events.

    ``members`` maps queue member interfaces to member names (learnt by the caller from the
    whole stream); ``gap`` says events of this call may be missing (AMI was down meanwhile).
    """
    evs = [e for e in events if e.kind == "event"]
    if not _in_order(evs):
        evs.sort(key=_order_key())
    # thin events (reader.THIN_EVENTS) say nothing the rules below read; only their times count
    c = _Call(call_id, [e for e in evs if not e.thin], members or {})
    rec = CallRecord(call_id=call_id, server=server)
    first = c.chans.get(call_id)
    start_seen = first is not None and first.created
    rec.incomplete = gap or not start_seen or any(ch.hung_at is None for ch in c.chans.values())
    stamps = [e.timestamp for e in evs if e.timestamp is not None]
    if start_seen and stamps:
        rec.started_at = stamps[0]
    hangups = [ch.hung_at for ch in c.chans.values() if ch.hung_at is not None]
    if hangups and not any(ch.hung_at is None for ch in c.chans.values()):
        rec.ended_at = max(hangups)

    _product_facts(c, rec)
    joins = c.named("QueueCallerJoin")
    originated = any(e.get("Uniqueid") == call_id for e in c.named("OriginateResponse"))
    direction = rec.vars.get("HOTLINE_DIRECTION")
    if direction in ("inbound", "outbound"):
        rec.direction = direction
    elif joins:
        rec.direction = "inbound"
    elif start_seen and originated and _agent_device_first(c, first):
        rec.direction = "outbound"
    elif start_seen:
        rec.direction = "inbound"

    if rec.direction == "outbound":
        _outbound(c, rec, first)
    elif rec.direction == "inbound":
        _inbound(c, rec, first, joins, rules)
    if rec.incomplete and rec.disposition == "unknown":
        # keep only what the seen events prove
        rec.hangup_first = None
    return rec


def _in_order(evs: list[Message]) -> bool:
    last = 0.0
    for e in evs:
        ts = e.timestamp
        if ts is not None:
            if ts < last:
                return False
            last = ts
    return True


def _order_key():
    # Out-of-order input is re-sorted by Timestamp; events without one keep their place
    # relative to the last stamped event before them.
    last = [0.0]
    seq = [0]

    def key(e: Message) -> tuple[float, int]:
        ts = e.timestamp
        if ts is not None:
            last[0] = ts
        seq[0] += 1
        return (last[0] if ts is None else ts, seq[0])

    return key


def _agent_device_first(c: _Call, first: _Chan | None) -> bool:
    """A click-to-call rings the agent's device first: the originated channel is an agent."""
    if first is None:
        return False
    if c.agent_of(first.name):
        return True
    m = _TECH_EXT.match(first.name)
    return bool(m) or bool(first.name.startswith("Local/") and any(
        e.name == "DialBegin" and e.get("Channel") in (first.name, c.sibling(first.name)) for e in c.events))


def _product_facts(c: _Call, rec: CallRecord) -> None:
    path = []
    for e in c.events:
        if e.name == "VarSet":
            var = e.get("Variable") or ""
            if var.startswith("HOTLINE_"):
                rec.vars[var] = e.get("Value") or ""
            elif var == "MIXMONITOR_FILENAME" and e.get("Value") and rec.recording is None:
                rec.recording = e.get("Value")
        elif e.name == "UserEvent" and e.get("UserEvent") == "HotlineIvr":
            path.append({"step": e.get("Step"), "digits": e.get("Digits") or "", "result": e.get("Result") or "ok",
                         "at": e.timestamp})
    if path or "HOTLINE_IVR" in rec.vars:
        rec.ivr = {"path": path, "skipped": rec.vars.get("HOTLINE_IVR") == "skipped"}
    survey = rec.vars.get("HOTLINE_SURVEY")
    if survey in ("1", "2", "3"):
        rec.survey = int(survey)


def _caller_party(c: _Call, first: _Chan | None, service: str | None) -> set[str]:
    names = set()
    for n in (first.name if first else None, service):
        if n:
            names.add(n)
            sib = c.sibling(n)
            if sib:
                names.add(sib)
    return names


def _inbound(c: _Call, rec: CallRecord, first: _Chan | None, joins: list[Message], rules: Rules) -> None:
    if first is not None:
        rec.dialed = first.exten if first.created else None
    join = joins[0] if joins else None
    # the caller's channel running the hotline's dialplan: the one that queued, else (a Local
    # caller) the ;2 half of the originated channel, else (a real phone) that channel itself
    service = join.get("Channel") if join else None
    if service is None and first is not None:
        service = first.name[:-2] + ";2" if first.name.endswith(";1") and local_base(first.name) else first.name
    if join is not None:
        rec.queue = join.get("Queue")
        rec.queued_at = join.timestamp
        rec.caller_number = _num(join.get("CallerIDNum"))
        rec.caller_name = _num(join.get("CallerIDName"))
    elif first is not None and first.created:
        rec.caller_number, rec.caller_name = first.caller_num, first.caller_name
    if rec.caller_number is None and first is not None and first.created:
        rec.caller_number, rec.caller_name = first.caller_num, first.caller_name

    # every agent rung: AgentCalled opens an attempt, its first DialEnd (or AgentRingNoAnswer)
    # closes it. Keeping the first DialEnd matters: a ringall member that rings out gets
    # NOANSWER then CANCEL.
    attempts: dict[str, Attempt] = {}
    for e in c.events:
        dest = e.get("DestChannel")
        if e.name == "AgentCalled" and dest:
            agent = e.get("MemberName") or c.agent_of(dest) or device_of(dest)
            attempts[dest] = Attempt(agent, e.timestamp or 0.0, None, "pending", dest)
        elif e.name == "DialBegin" and dest and dest not in attempts and rec.queue is not None:
            agent = c.agent_of(dest)
            if agent and e.get("Channel") in _caller_party(c, first, service):
                attempts[dest] = Attempt(agent, e.timestamp or 0.0, None, "pending", dest)  # transfer target
        elif e.name == "AgentRingNoAnswer" and dest in attempts and attempts[dest].result == "pending":
            a = attempts[dest]
            a.result, a.ring_seconds = _refused(c, dest, "no_answer"), (e.timestamp or a.rang_at) - a.rang_at
        elif e.name == "DialEnd" and dest in attempts and attempts[dest].result == "pending":
            status = e.get("DialStatus") or ""
            if status in DIAL_RESULTS:
                a = attempts[dest]
                result = _refused(c, dest, "no_answer") if status == "NOANSWER" else DIAL_RESULTS[status]
                a.result, a.ring_seconds = result, (e.timestamp or a.rang_at) - a.rang_at
    for a in attempts.values():
        if a.result == "pending":  # the call (or the capture) ended while it rang
            a.result = "cancelled" if not rec.incomplete else "unknown"
            end = c.by_name.get(a.channel)
            if end is not None and end.hung_at is not None:
                a.ring_seconds = end.hung_at - a.rang_at
    rec.attempts = sorted(attempts.values(), key=lambda a: a.rang_at)

    answered = next((a for a in rec.attempts if a.result == "answered"), None)
    connect = next((e for e in c.events if e.name == "AgentConnect"), None)
    if answered is not None:
        rec.answered_at = answered.rang_at + (answered.ring_seconds or 0.0)
        rec.agent = answered.agent
        rec.ring_seconds = answered.ring_seconds
    elif connect is not None:  # answer seen, its ring start not (incomplete)
        rec.answered_at = connect.timestamp
        rec.agent = connect.get("MemberName") or c.agent_of(connect.get("DestChannel"))
    if rec.ring_seconds is not None:
        # a ring of 1.0004 s at a 1 s cycle is one ring: timestamps jitter by milliseconds
        rec.rings = max(1, math.ceil(round(rec.ring_seconds / rules.ring_cycle_s, 2)))
        rec.within_4_rings = rec.ring_seconds <= rules.threshold_s  # R-ANS-4RINGS

    leave = next((e for e in c.events if e.name in ("QueueCallerAbandon", "QueueCallerLeave")), None)
    abandon = next((e for e in c.events if e.name == "QueueCallerAbandon"), None)
    status = next((e.get("Value") for e in reversed(c.events)
                   if e.name == "VarSet" and e.get("Variable") == "QUEUESTATUS"), None)
    if rec.queued_at is not None:
        end = rec.answered_at if rec.answered_at is not None else (leave.timestamp if leave else None)
        if end is not None:
            rec.wait_seconds = end - rec.queued_at

    if rec.answered_at is not None:
        rec.disposition = "answered"
    elif status in QUEUE_LEFT_UNANSWERED:
        rec.disposition = "timeout"  # a queue timeout also emits QueueCallerAbandon
    elif abandon is not None:
        rec.disposition = "abandoned"
    elif leave is not None:
        rec.disposition = "timeout"  # left by exit key
    elif join is None and not rec.incomplete:
        up = first is not None and (first.up_at is not None or (c.sibling(first.name) and any(
            ch.up_at is not None for ch in c.chans.values() if ch.name == c.sibling(first.name))))
        rec.disposition = "ivr" if up else "failed"
    elif join is not None and not rec.incomplete:
        rec.disposition = "abandoned"

    _conversation(c, rec, first, service)


def _refused(c: _Call, dest: str, default: str) -> str:
    """The result of an attempt app_queue calls NOANSWER: busy / unavailable when the member's
    channel was hung up with a refusing cause (REFUSED_CAUSES), else ``default``."""
    ch = c.by_name.get(dest)
    return REFUSED_CAUSES.get(ch.cause or "", default) if ch is not None else default


def _conversation(c: _Call, rec: CallRecord, first: _Chan | None, service: str | None) -> None:
    """Transfers, final agent, talk time and who hung up first, from the bridges the caller was in."""
    caller = _caller_party(c, first, service)
    bridges: dict[str, set[str]] = {}
    talk = 0.0
    talking_since: float | None = None
    final_agent = rec.agent
    peers: list[tuple[float, str]] = []  # (since, agent) each time the caller's peer changed
    for e in c.events:
        name, chan = e.name, e.get("Channel")
        if name == "BridgeEnter" and chan:
            members = bridges.setdefault(e.get("BridgeUniqueid") or "", set())
            members.add(chan)
        elif name == "BridgeLeave" and chan:
            bridges.get(e.get("BridgeUniqueid") or "", set()).discard(chan)
        elif name == "BlindTransfer":
            rec.transfers.append({"kind": "blind", "from_agent": c.agent_of(e.get("TransfererChannel")),
                                  "to": e.get("Extension"), "at": e.timestamp, "result": e.get("Result")})
        elif name == "AttendedTransfer":
            # with DestType Bridge the event names no target: it is whoever the caller talks to next
            rec.transfers.append({"kind": "attended",
                                  "from_agent": c.agent_of(e.get("OrigTransfererChannel")),
                                  "to": c.agent_of(e.get("TransferTargetChannel")),
                                  "at": e.timestamp, "result": e.get("Result")})
        else:
            continue
        # who is the caller talking to now? Talk time counts while anyone is bridged with the
        # caller (after a Local member optimises away, that is a device no member map names)
        peer_agent = None
        present = False
        for members in bridges.values():
            if members & caller:
                for ch in members - caller:
                    present = True
                    peer_agent = c.agent_of(ch) or c.agent_of(c.sibling(ch) or "") or peer_agent
                    if peer_agent is None and local_base(ch):
                        peer_agent = _agent_behind_local(c, ch, bridges)
        if peer_agent and (not peers or peers[-1][1] != peer_agent):
            peers.append((e.timestamp or 0.0, peer_agent))
        if present and talking_since is None:
            talking_since = e.timestamp
        elif not present and talking_since is not None:
            talk += (e.timestamp or talking_since) - talking_since
            talking_since = None
        if peer_agent:
            final_agent = peer_agent
        elif not present and name == "BridgeLeave" and chan in caller and rec.answered_at is not None:
            _maybe_redirect(c, rec, e, chan)
    if talking_since is not None:
        end = next((ch.hung_at for ch in c.chans.values() if ch.name == service and ch.hung_at), rec.ended_at)
        if end is not None:
            talk += end - talking_since
        else:
            talk = None  # type: ignore[assignment]
    for x in rec.transfers:
        if x["to"] is None and x["at"] is not None:
            # the merge that joins caller and target is logged just before the transfer event
            x["to"] = next((agent for since, agent in peers if since >= x["at"] - 1.0 and agent != x["from_agent"]),
                           None)
    if rec.answered_at is not None:
        rec.talk_seconds = talk
        rec.final_agent = final_agent
    rec.hangup_first = _hangup_first(c, rec, caller, service)


def _agent_behind_local(c: _Call, chan: str, bridges: dict[str, set[str]]) -> str | None:
    """A Local channel in the caller's bridge whose other half is bridged with an agent."""
    sib = c.sibling(chan)
    for members in bridges.values():
        if sib in members:
            for other in members - {sib}:
                if c.agent_of(other):
                    return c.agent_of(other)
    return None


def _maybe_redirect(c: _Call, rec: CallRecord, leave: Message, chan: str) -> None:
    """The caller left the agent's bridge for another place in the dialplan with nobody hanging
    up: an AMI Redirect (or a dialplan transfer). The BridgeLeave already shows the new place."""
    t = leave.timestamp or 0.0
    if any(x["at"] is not None and abs(x["at"] - t) < 0.1 for x in rec.transfers):
        return
    if any(e.name in HANGUP_REQUESTS and t - 0.5 <= (e.timestamp or 0) <= t for e in c.events):
        return
    enter = next((e for e in reversed(c.events) if e.name == "BridgeEnter" and e.get("Channel") == chan
                  and e.get("BridgeUniqueid") == leave.get("BridgeUniqueid")), None)
    if enter is None or (enter.get("Context"), enter.get("Exten")) == (leave.get("Context"), leave.get("Exten")):
        return
    rec.transfers.append({"kind": "redirect", "from_agent": rec.final_agent or rec.agent,
                          "to": leave.get("Exten"), "at": t, "result": "Success"})


def _hangup_first(c: _Call, rec: CallRecord, caller: set[str], service: str | None) -> str | None:
    """R-ANS-HANGUP-LAST: the party whose hang-up ended the call. Once answered, only a hang-up by a
    channel (or its Local twin) then bridged with the caller counts: Local channels torn down by an
    optimisation or a transfer also log hang-up requests. A soft hang-up of the caller's own
    dialplan channel is the system (IVR, queue timeout), not the caller."""
    since = rec.answered_at
    bridges: dict[str, set[str]] = {}
    for e in c.events:
        name, chan = e.name, e.get("Channel")
        if name == "BridgeEnter" and chan:
            bridges.setdefault(e.get("BridgeUniqueid") or "", set()).add(chan)
            continue
        if name == "BridgeLeave" and chan:
            bridges.get(e.get("BridgeUniqueid") or "", set()).discard(chan)
            continue
        if name not in HANGUP_REQUESTS or not chan:
            continue
        if since is not None:
            if (e.timestamp or 0) < since:
                continue
            twin = c.sibling(chan)
            if not any((chan in m or twin in m) and m & caller and m - caller for m in bridges.values()):
                continue
            if chan not in caller:
                return "agent"
        elif chan not in caller:
            continue  # agents rung but not answering are cancelled: not a hang-up by anyone
        # Asterisk soft-hangs the channel its own dialplan was running; a hang-up by the
        # caller's phone arrives as HangupRequest (or, for a Local caller, on the other half).
        return "system" if name == "SoftHangupRequest" and chan == service else "caller"
    return None


def _outbound(c: _Call, rec: CallRecord, first: _Chan | None) -> None:
    """A click-to-call: the agent's device rings first, then the customer is dialled."""
    agent_chans = {first.name} if first else set()
    if first and c.sibling(first.name):
        agent_chans.add(c.sibling(first.name))  # type: ignore[arg-type]
    rec.agent = rec.vars.get("HOTLINE_AGENT") or (c.agent_of(first.name) if first else None)
    if rec.agent is None and first is not None:
        m = _TECH_EXT.match(first.name) or re.match(r"^Local/([^@]+)@", first.name)
        rec.agent = m.group(1) if m else None
    rec.final_agent = rec.agent
    agent_up = any(ch.up_at is not None for ch in c.chans.values() if ch.name in agent_chans)
    dial = next((e for e in c.events if e.name == "DialBegin" and e.get("Channel") in agent_chans), None)
    customer_chan = dial.get("DestChannel") if dial else None
    if dial is not None:
        rec.dialed = _num(dial.get("DestExten")) or _num((dial.get("DialString") or "").split("@")[0].split("/")[-1])
    if rec.dialed is None:  # the customer was never dialled: the originate still names the number
        rec.dialed = next((_num(e.get("Exten")) for e in c.named("OriginateResponse")), None)
    rec.caller_number = rec.dialed
    end = next((e for e in c.events if e.name == "DialEnd" and e.get("DestChannel") == customer_chan), None)
    if end is not None and end.get("DialStatus") == "ANSWER":
        rec.answered_at = end.timestamp
    if rec.answered_at is not None:
        rec.disposition = "answered"
        hung = [ch.hung_at for ch in c.chans.values() if ch.hung_at is not None]
        bridge_left = next((e.timestamp for e in c.events if e.name == "BridgeLeave"
                            and e.get("Channel") in agent_chans and (e.timestamp or 0) > rec.answered_at), None)
        stop = bridge_left or (min(hung) if hung else None)
        rec.talk_seconds = None if stop is None else stop - rec.answered_at
    elif agent_up or dial is not None:
        rec.disposition = "no_answer"
    elif not rec.incomplete:
        rec.disposition = "agent_no_answer"
    customer = {customer_chan} | ({c.sibling(customer_chan)} if customer_chan and c.sibling(customer_chan) else set())
    for e in c.events:
        if e.name in HANGUP_REQUESTS and rec.answered_at is not None and (e.timestamp or 0) >= rec.answered_at:
            if e.get("Channel") in agent_chans:
                rec.hangup_first = "agent"
                break
            if e.get("Channel") in customer:
                rec.hangup_first = "caller"
                break
