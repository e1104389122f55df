"""The call builder: a pure function from one call's AMI events to its call record.

``live``, ``replay`` and ``rebuild`` all call :func:`build_call`. It reads only what any standard
Asterisk 16+ dialplan with app_queue (Local or PJSIP members) and Originate-based callbacks emits;
product-specific facts (IVR path, survey) come from ``HOTLINE_*`` variables and ``HotlineIvr``
UserEvents when present. Every duration comes from the events' ``Timestamp`` headers, never from
``RingTime``/``HoldTime`` (whole seconds, rounded unpredictably — ASTERISK-NOTES.md).

A call whose first events were not seen (listener attached mid-call, AMI gap) is marked
``incomplete``; whatever depends on the missing events is left empty instead of guessed.

The parts: channels.py (the per-call channel index), inbound.py / outbound.py (each direction),
conversation.py with bridges.py and transfers.py (after the answer), outcome.py (the disposition
tables), record.py (what is built).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from ami_listener.channels import TECH_EXT, Channel, ChannelIndex, local_base, sibling
from ami_listener.inbound import inbound
from ami_listener.outbound import outbound
from ami_listener.reader import Message
from ami_listener.record import CallRecord
from hotline.chanvars import ChanVar
from hotline.rules import DEFAULT_INTERNAL_NUMBERS, InternalNumbers, RingRule
from hotline.vocabulary import CONSULTATION_GIVEN_UP, Direction, Disposition, handed_on

SURVEY_SCORES = ("1", "2", "3")  # R-SURVEY
# what the hotline's own paths set on a call they take: its IVR and queue (from-pstn), its callbacks
# and click-to-dial, the desk's own channels. A call with none of them never entered the hotline.
HOTLINE_PATH_MARKS = (ChanVar.IVR, ChanVar.NEXT, ChanVar.QUEUE, ChanVar.WAIT_FROM, ChanVar.DIRECTION,
                      ChanVar.TASK_ID, ChanVar.ORDER_ID, ChanVar.AGENT, ChanVar.DESK)
# vars[HOTLINE_SOURCE] of a record built from a stream that carried no time at all (replaying a
# capture of an Asterisk with timestampevents = no; live, the listener stamps arrival times)
UNTIMED = "untimed"


def build_call(call_id: str, events: Iterable[Message], *, server: str, rules: RingRule,
               members: Mapping[str, str] | None = None, gap: bool = False,
               internal: InternalNumbers = DEFAULT_INTERNAL_NUMBERS) -> CallRecord:
    """Build the record of call ``call_id`` (its Linkedid) from its events.

    ``rules`` is the ring rule in force (``hotline.rules.ring_rule(settings)``); ``members`` maps
    queue member interfaces to member names (learnt by the caller from the whole stream); ``gap``
    says events of this call may be missing (AMI was down meanwhile); ``internal`` tells the
    numbers a phone dials inside the PBX (``hotline.rules.internal_numbers(settings)``).
    """
    evs = [e for e in events if e.kind == "event"]
    if not _in_order(evs):
        evs.sort(key=_order_key())
    # thin events (reader.THIN_EVENTS) say nothing the rules below read; only their times count
    c = ChannelIndex(call_id, [e for e in evs if not e.thin], members or {})
    _moved_out(c)
    rec = CallRecord(call_id=call_id, server=server)
    first = c.chans.get(call_id)
    start_seen = first is not None and first.created
    # an agent pool's login channel stays up after the calls it takes (agent_pool.py): their end
    # is their own channels'
    own = [ch for ch in c.chans.values() if ch.name not in c.logins] or list(c.chans.values())
    unended = any(ch.hung_at is None for ch in own)
    rec.incomplete = gap or not start_seen or unended
    if start_seen and first is not None:
        # the call began when its first channel was made; not at the CEL CHAN_START logged a
        # fraction of a millisecond before, which a stream opening between the two would lack
        rec.started_at = first.created_at if first.created_at is not None else next(
            (e.timestamp for e in evs if e.timestamp is not None), None)
    hangups = [ch.hung_at for ch in own if ch.hung_at is not None]
    # a call none of whose channels is its own (the one its Linkedid names) is known only by
    # channels that took its Linkedid, and may outlive it (an agent pool's login channel that took
    # a caller's): their end is not the call's
    if hangups and not unended and c.call_id in c.chans:
        left = _agent_went_on(c)
        rec.ended_at = max(hangups) if left is None else max([h for h in hangups if h <= left] + [left])

    _product_facts(c, rec)
    rec.serves = _serves(c, rec)
    joins = c.named("QueueCallerJoin")
    # a call a queue answered is inbound, even when its queue entry was not seen (AMI gap)
    queued = bool(joins) or not c.names.isdisjoint(("AgentConnect", "AgentComplete"))
    originated = any(e.get("Uniqueid") == c.call_id for e in c.named("OriginateResponse"))
    rec.direction = _direction(c, rec, first, start_seen, queued, originated, internal)
    if rec.direction == Direction.OUTBOUND:
        # not originated and not our callback's word: the agent's phone dialled out itself (_dialled_out)
        outbound(c, rec, first, by_phone=not originated and ChanVar.DIRECTION not in rec.vars)
    elif rec.direction in (Direction.INBOUND, Direction.INTERNAL):
        # a phone's own call rings, is answered and ends like a call into the hotline
        inbound(c, rec, first, joins, rules)
    if rec.disposition == Disposition.UNKNOWN and _talked(c):
        rec.disposition = Disposition.ANSWERED
    # an agent taking the caller back may hide in what was not seen (a gap, the rest of the call)
    rec.transferred_out = None if gap or unended else _transferred_out(rec, internal)
    if gap or unended:
        # a hold may hide in what was not seen: the gap, the rest of the call (a stream that began
        # late loses none: holds are counted only when the answer was seen)
        rec.holds = rec.hold_seconds = None
    if rec.incomplete and rec.disposition == Disposition.UNKNOWN:
        # keep only what the seen events prove
        rec.hangup_first = None
    if not any(e.timestamp is not None for e in evs):  # stops at the first timed event
        _untimed(rec)
    return rec


def _agent_went_on(c: ChannelIndex) -> float | None:
    """The caller's hang-up (its ``AgentComplete``) when the queue then sent the answering member's
    channel on into the dialplan (Queue option ``F``: the agent enters a wrap-up code — capture
    foreign_rules_agent_wrapup): what that channel does after is the agent's time, not the call's
    (as an agent pool's login channel's is). Told by the channel's later events coming from
    another place in the dialplan than the one it was bridged from: without ``F`` the queue hangs
    it up where it stood."""
    for done in c.named("AgentComplete"):
        if done.get("Reason") != "caller" or done.timestamp is None:
            continue
        where = (done.get("DestContext"), done.get("DestExten"), done.get("DestPriority"))
        if any(e.get("Channel") == done.get("DestChannel") and (e.get("Context"), e.get("Exten"), e.get("Priority"))
               != where for e in c.events if e.timestamp is not None and e.timestamp > done.timestamp):
            return done.timestamp
    return None


def _transferred_out(rec: CallRecord, internal: InternalNumbers) -> str | None:
    """The outside number an agent handed the caller on to (captures foreign_transfer_out,
    foreign_atxfer_out): the call's last transfer succeeded to a number the PBX does not dial
    inside (``InternalNumbers``, as a phone's own call out is told) and no agent had the caller
    after it. A transfer to a parking lot or another queue is internal; one back to an agent
    leaves a final agent."""
    last = next((x for x in reversed(rec.transfers) if x.result != CONSULTATION_GIVEN_UP), None)
    if rec.disposition != Disposition.ANSWERED or rec.final_agent is not None or last is None:
        return None
    to = last.to or ""
    if not handed_on(last.result) or not to.removeprefix("+").isdigit() or not internal.dialled_out(to):
        return None
    return to


def _talked(c: ChannelIndex) -> bool:
    """The call's own first channel (its Uniqueid the Linkedid: the caller's trunk channel, a
    phone's own call, a callback's customer leg) left a bridge it shared with another channel — no
    holding bridge (a parking lot, a hold): someone answered it. What a call cut by an AMI gap
    still proves with only its BridgeLeave and hang-ups left; whom it talked with is not known."""
    shared: dict[str, bool] = {}
    left: set[str] = set()
    for e in c.events:
        if e.name not in ("BridgeEnter", "BridgeLeave") or e.get("BridgeTechnology") == "holding_bridge":
            continue
        bridge = e.get("BridgeUniqueid") or ""
        others = int(e.get("BridgeNumChannels") or 0) - (1 if e.name == "BridgeEnter" else 0)
        shared[bridge] = shared.get(bridge, False) or others >= 1
        if e.name == "BridgeLeave" and e.get("Uniqueid") == c.call_id:
            left.add(bridge)
    return any(shared[b] for b in left)


def _untimed(rec: CallRecord) -> None:
    """A call none of whose events carried a Timestamp: who rang, answered, transferred and hung
    up is read from the events' order, but no time or duration is known — and so no ring count
    (R-ANS-4RINGS is not claimed either way)."""
    rec.started_at = rec.queued_at = rec.answered_at = rec.ended_at = None
    rec.wait_seconds = rec.ring_seconds = rec.talk_seconds = rec.hold_seconds = None
    rec.rings = rec.within_4_rings = None
    for a in rec.attempts:
        a.rang_at, a.ring_seconds = 0.0, None  # rang_at 0: unknown (not stored, printed as null)
    for x in rec.transfers:
        x.at = None
    if rec.ivr is not None:
        for step in rec.ivr["path"]:
            step["at"] = None
    rec.incomplete = True
    rec.vars[ChanVar.SOURCE.value] = UNTIMED


def _moved_out(c: ChannelIndex) -> None:
    """A channel whose last event carries another Linkedid left this call for that one (a
    transfer or pickup joined it to another call; the tracker follows it there): for this call
    it is gone since its last event under this call's Linkedid (Asterisk moves it silently, and
    the first event that shows the move may come much later — when it hangs up), not still up."""
    for ch in c.chans.values():
        if ch.hung_at is None:
            own = [e for e in c.events if e.get("Uniqueid") == ch.uniqueid and e.get("Channel")]
            lid = own[-1].get("Linkedid") if own else None
            if lid and lid != c.call_id:
                here = [e for e in own if e.get("Linkedid") == c.call_id]
                ch.hung_at = (here[-1] if here else own[-1]).timestamp


def _direction(c: ChannelIndex, rec: CallRecord, first: Channel | None, start_seen: bool,
               queued: bool, originated: bool, internal: InternalNumbers) -> Direction:
    """The dialplan's word (HOTLINE_DIRECTION) first; else a queued call is inbound, a phone's own
    call to an internal number is internal (:func:`_internal`) and one out through a trunk is
    outbound (:func:`_dialled_out`), and an originated call that rang an agent's device first is
    outbound. The one place a call's direction is decided."""
    said = rec.vars.get(ChanVar.DIRECTION)
    if said in (Direction.INBOUND, Direction.OUTBOUND):
        return Direction(said)
    if queued:
        return Direction.INBOUND
    if start_seen and _internal(c, rec, first, originated):
        return Direction.OUTBOUND if _dialled_out(c, first, originated, internal) else Direction.INTERNAL
    if start_seen and originated and _agent_device_first(c, first):
        return Direction.OUTBOUND
    return Direction.INBOUND if start_seen else Direction.UNKNOWN


def _internal(c: ChannelIndex, rec: CallRecord, first: Channel | None, originated: bool) -> bool:
    """A phone calling a phone: the call's own first channel is a known agent's endpoint (a queue
    member, ``agent_endpoints``, ``agents``: :meth:`ChannelIndex.agent_of`) and the call never
    entered the hotline's paths (not queued — decided before —, none of HOTLINE_PATH_MARKS, no IVR
    of ours): an agent's consultation call, a call to a colleague or an extension, a pickup dialled
    by the phone. An agent's endpoint that another application originated is its click-to-dial
    (outbound) unless every phone it rang is an agent's too (a consultation placed for the phone)."""
    if first is None or not c.agent_of(first.name) or rec.ivr is not None:
        return False
    if any(mark in rec.vars for mark in HOTLINE_PATH_MARKS):
        return False
    if not originated:
        return True
    own = c.party(first.name)
    rung = [c.agent_of(e.get("DestChannel")) for e in c.events if e.name == "DialBegin" and e.get("Channel") in own]
    return bool(rung) and all(rung)


def _dialled_out(c: ChannelIndex, first: Channel | None, originated: bool, internal: InternalNumbers) -> bool:
    """A phone's own call (one :func:`_internal` took for a phone's) that went out through a trunk,
    as ``InternalNumbers.dialled_out`` decides it from the number the phone dialled (its channel's
    first extension) and whether each channel it rang is an agent's phone. An originated
    endpoint's call is decided by :func:`_internal` alone (the originate, not the phone, chose the
    number)."""
    if originated or first is None:
        return False
    own = c.party(first.name)
    rung = [bool(c.agent_of(e.get("DestChannel"))) for e in c.events
            if e.name == "DialBegin" and e.get("Channel") in own]
    return internal.dialled_out(first.exten, rung)


def _in_order(evs: list[Message]) -> bool:
    last = 0.0
    for e in evs:
        ts = e.timestamp
        if ts is not None:
            if ts < last:
                return False
            last = ts
    return True


def _order_key() -> Callable[[Message], tuple[float, int]]:
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


def _agent_device_first(c: ChannelIndex, first: Channel | None) -> bool:
    """A click-to-call rings the agent's device first: the originated channel is an agent."""
    if first is None:
        return False
    if c.agent_of(first.name):
        return True
    if TECH_EXT.match(first.name):
        return True
    # An originated Local chain whose ;2 half dials first reaches the agent's device before the
    # ;1 half (in the originate's context) dials the customer: a click-to-call. When the ;1 half
    # itself dials first it runs the dialplan as a caller's trunk channel would: an inbound call.
    twin = sibling(first.name)
    dial = next((e for e in c.events if e.name == "DialBegin" and e.get("Channel")), None)
    return twin is not None and dial is not None and dial.get("Channel") == twin


def _serves(c: ChannelIndex, rec: CallRecord) -> str | None:
    """The call whose helper this call is: the desk marks its own channels (HOTLINE_DESK
    "<use>:<call id>"); an agent pool's login call serves the agent's session; a supervisor's
    ChanSpy in any dialplan shows by ChanSpyStart, its spyer a channel of this call, its spyee
    another call's (capture foreign_chanspy): listening in is no call into the hotline."""
    desk = rec.vars.get(ChanVar.DESK.value)
    if desk is not None:
        return desk.partition(":")[2]
    if c.logins and _agent_session(c):
        return f"agent-login:{c.call_id}"
    if _stray_local_half(c):
        return f"stray:{c.call_id}"
    conference = _joined_a_conference(c) or _cti_helper(c)
    if conference is not None:
        return conference
    return next((e.get("SpyeeLinkedid") for e in c.events if e.name in ("ChanSpyStart", "ChanSpyStop")
                 and e.get("SpyerChannel") in c.by_name and e.get("SpyeeLinkedid") != c.call_id), None)


def _agent_session(c: ChannelIndex) -> bool:
    """An agent's login call (app_agent_pool): the agent's session, not a call into the hotline;
    the calls it took are built from their own channels (agent_pool.py). Its own channel is a
    login channel; seen from mid-session it may go by a caller's Linkedid, which the login
    channel took, and hold channels whose start was not seen, but none made in it and no caller."""
    logins = [ch for ch in c.chans.values() if ch.name in c.logins]
    if any(ch.uniqueid == c.call_id for ch in logins):
        return True
    made = any(ch.created for ch in c.chans.values() if ch.name not in c.logins)
    return bool(logins) and not made and "QueueCallerJoin" not in c.names


def _stray_local_half(c: ChannelIndex) -> bool:
    """Only the ends of Local halves leaving a bridge, whose start, twin and Linkedid's own
    channel are all elsewhere: an agent pool's AgentRequest half, which took the Linkedid of the
    agent's login channel (a caller's, older) for its last milliseconds, seen by a stream that
    began in them. No call of its own; built, it would take that caller's call id and claim its
    end (a caller's Local half seen from mid-call, never bridged, is still built: incomplete)."""
    chans = c.chans.values()
    if not chans or any(ch.created or ch.uniqueid == c.call_id or not local_base(ch.name) for ch in chans):
        return False
    names = {ch.name for ch in chans}
    if any(sibling(n) in names for n in names):
        return False
    return "BridgeLeave" in c.names and c.names.isdisjoint(
        ("QueueCallerJoin", "DialBegin", "AgentConnect", "AgentComplete", "BridgeEnter"))


def _cti_helper(c: ChannelIndex) -> str | None:
    """Another application's helper channel: an Originate of a Local channel into an application
    (a CTI running ChannelRedirect(<a caller>,…) on it: capture foreign_cti_channel_redirect) whose
    call is that Local pair alone — it rang nobody, bridged with nobody, queued nowhere: nobody
    outside the PBX took part, no call. Says ``cti:<application>``."""
    origin = next((e for e in c.named("OriginateResponse") if e.get("Uniqueid") == c.call_id), None)
    if origin is None or not origin.get("Application") or not local_base(origin.get("Channel")):
        return None
    if {local_base(ch.name) for ch in c.chans.values()} != {local_base(origin.get("Channel"))}:
        return None
    if not c.names.isdisjoint(("BridgeEnter", "QueueCallerJoin")):
        return None
    if any(e.get("Channel") for e in c.named("DialBegin")):  # its own Originate's DialBegin names none
        return None
    return f"cti:{origin.get('Application')}"


def _joined_a_conference(c: ChannelIndex) -> str | None:
    """An agent's phone (its own call, or one originated for it) that joined a ConfBridge room
    other calls' channels were already in (capture foreign_confbridge: a colleague added to the
    caller's and the agent's conference): a leg of that call's conference, no call of its own.
    ConfBridge names no Linkedid of the room's other members, so this says ``conference:<room>``.
    Counted against the channels this call put in the room, plus the room's announcer (CBAnn)."""
    if "QueueCallerJoin" in c.names or not any(e.get("BridgeCreator") == "ConfBridge" for e in c.named("BridgeLeave")):
        return None
    # its own channel (named by any of its events: a stream that began mid-call lacks its Newchannel)
    own_name = next((e.get("Channel") for e in c.events if e.get("Uniqueid") == c.call_id and e.get("Channel")), None)
    if not c.agent_of(own_name):
        return None
    own: dict[str, set[str]] = {}
    for e in c.events:
        if e.name in ("BridgeEnter", "BridgeLeave") and e.get("BridgeCreator") == "ConfBridge":
            room = own.setdefault(e.get("BridgeUniqueid") or "", set())
            (room.add if e.name == "BridgeEnter" else room.discard)(e.get("Channel") or "")
            if int(e.get("BridgeNumChannels") or 0) > len(room) + 1:
                return f"conference:{e.get('BridgeName')}"
    return None


def _product_facts(c: ChannelIndex, rec: CallRecord) -> None:
    """The hotline's own facts: HOTLINE_* variables, the recording, the IVR path, the survey."""
    path = []
    for e in c.events:
        if e.name == "VarSet":
            # Set(__HOTLINE_X=…) (inherited by the channels the call makes) is the same variable
            var = (e.get("Variable") or "").removeprefix("__")
            if var.startswith("HOTLINE_"):
                rec.vars[var] = e.get("Value") or ""
            elif var == "MIXMONITOR_FILENAME" and e.get("Value"):
                # the last recording started: it runs to the call's end as an earlier one does (a
                # FreePBX failover ring group starts its own after the queue's: capture
                # foreign_freepbx_failover), and a stream seen from mid-call sees it too
                rec.recording = e.get("Value")
        elif e.name == "UserEvent" and e.get("UserEvent") == "HotlineIvr":
            path.append({"step": e.get("Step"), "digits": e.get("Digits") or "", "result": e.get("Result") or "ok",
                         "at": e.timestamp})
    if path or ChanVar.IVR in rec.vars:
        rec.ivr = {"path": path, "skipped": rec.vars.get(ChanVar.IVR) == "skipped"}
    survey = rec.vars.get(ChanVar.SURVEY)
    if survey in SURVEY_SCORES:
        rec.survey = int(survey)
