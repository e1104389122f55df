"""An inbound call: the caller, the agents rung (ring attempts), the answer and its rings, the
wait, the outcome, then the conversation (conversation.py)."""

from __future__ import annotations

from collections.abc import Iterable

from ami_listener.accept_prompt import AcceptPrompts, refused_by_routine
from ami_listener.bridges import Bridges
from ami_listener.channels import Channel, ChannelIndex, device_of, local_base, number, sibling
from ami_listener.conversation import Conversation
from ami_listener.outcome import INBOUND, QUEUE_LEFT_UNANSWERED, QUEUE_STATUS_VAR, InboundFacts
from ami_listener.reader import Message
from ami_listener.record import Attempt, CallRecord
from hotline.chanvars import ChanVar
from hotline.rules import RingRule
from hotline.vocabulary import AttemptResult

DIAL_RESULTS = {"ANSWER": AttemptResult.ANSWERED, "NOANSWER": AttemptResult.NO_ANSWER,
                "CANCEL": AttemptResult.CANCELLED, "BUSY": AttemptResult.BUSY,
                "CHANUNAVAIL": AttemptResult.UNAVAILABLE, "CONGESTION": AttemptResult.UNAVAILABLE}
# A member channel hung up with one of these Q.850 causes before it answered was refused, not
# left ringing, though app_queue reports NOANSWER: a PJSIP member answering 486 Busy Here is hung
# up with cause 17 (user busy) before app_queue reads its BUSY frame (capture foreign_pjsip_busy).
# A member that rings out is hung up with cause 0.
REFUSED_CAUSES = {"17": AttemptResult.BUSY}
ANSWERED_ELSEWHERE = "26"  # the Q.850 cause of a phone no longer rung because another one answered
PENDING = AttemptResult.PENDING
QUEUE_ANSWER_EVENTS = ("AgentCalled", "AgentConnect", "AgentComplete")


def inbound(c: ChannelIndex, rec: CallRecord, first: Channel | None, joins: list[Message], rule: RingRule) -> None:
    """Fills ``rec`` for a call into the hotline; ``first`` is its originating channel (None if
    not seen), ``joins`` its QueueCallerJoin events."""
    join = joins[0] if joins else None
    service = _service(c, first, join)
    _caller(rec, first, join)
    if first is not None and first.created and join is None and (
            service == first.name != _twin(first.name) or (_originated(c) and not local_base(first.name))):
        # an originated Local half running the dialplan itself, or an originated phone (a
        # consultation placed for it: it starts at `s`): its own exten is not what was dialled
        dial = next((e for e in c.events if e.name == "DialBegin" and e.get("Channel") == service), None)
        rec.dialed = (dial.get("Exten") if dial else None) or rec.dialed
    # a call seen from after its start whose first queue entry seen follows a queue pass of the
    # caller (an agent's transfer into another queue): where it queued first, and when, is not known
    requeued = join is not None and (first is None or not first.created) and _passed_a_queue(c, join)
    if requeued:
        rec.queue = rec.queued_at = None
    caller = c.party(first.name if first else None, service)
    prompts = AcceptPrompts(c)
    rec.attempts = _attempts(c, rec, caller, prompts)
    _answer(c, rec, rule, caller, join if requeued else None, prompts)
    leave = next((e for e in c.events if e.name in ("QueueCallerAbandon", "QueueCallerLeave")), None)
    if rec.queued_at is not None:
        end = rec.answered_at if rec.answered_at is not None else (leave.timestamp if leave else None)
        if end is not None:
            rec.wait_seconds = end - rec.queued_at
    answered = rec.answered_at is not None or rec.agent is not None \
        or any(a.result == AttemptResult.ANSWERED for a in rec.attempts)
    rec.disposition = INBOUND.decide(InboundFacts(
        # a requeued call's answer seen in a later queue: answered, by whom first is not known
        answered=answered, answer_unproven=not answered and bool(prompts.unproven_answers()),
        queue_status=next((e.get("Value") for e in reversed(c.events)
                           if e.name == "VarSet" and e.get("Variable") == QUEUE_STATUS_VAR), None),
        abandoned=any(e.name == "QueueCallerAbandon" for e in c.events),
        left_queue=leave is not None, queued=join is not None, complete=not rec.incomplete,
        caller_up=first is not None and c.is_up(first), dialled=join is None and bool(rec.attempts),
        left_ringing=join is None and _left_ringing(c, rec.attempts),
        left_by_key=_left_by_key(c, join, leave)))
    if join is None:  # named after the rest: a call's Dial() after a refusing Queue() rings as a plain Dial's
        rec.queue = _queue_app(c, caller)
    if join is not None or (first is not None and first.created):
        Conversation(c, rec, caller, service).run()
    # else a queue call seen only from after its answer (AMI gap): who talked with whom next, and
    # who hung up, would be read without the member names the stream gave before — left empty


# events of a caller who has already been through a queue (only after a QueueCallerJoin)
QUEUE_PASSED = frozenset({"QueueCallerLeave", "QueueCallerAbandon", "AgentConnect", "AgentComplete"})


def _passed_a_queue(c: ChannelIndex, join: Message) -> bool:
    """Before ``join``: the caller was through a queue, or its channel left a bridge (it talked).
    After it: the end of a talk (AgentComplete) with a member that queue entry never rang — the
    agent who had the caller before a CTI's Redirect into this queue, whose AgentComplete comes
    once its leg hangs up (capture foreign_cti_redirect_queue)."""
    queued = join.get("Channel")
    at = c.events.index(join)
    if any(e.name in QUEUE_PASSED or (e.name == "BridgeLeave" and e.get("Channel") == queued)
           for e in c.events[:at]):
        return True
    # by member interface: a Local member that optimised away ends under another channel's name
    rung = {e.get("Interface") for e in c.events[at:] if e.name == "AgentCalled"}
    return any(e.name == "AgentComplete" and e.get("Interface") not in rung for e in c.events[at:])


def _queue_app(c: ChannelIndex, caller: set[str]) -> str | None:
    """The queue the caller's dialplan ran Queue() for when no queue event names one: app_queue
    refusing the caller at the join (joinempty, a full queue: QUEUESTATUS only, app_queue.c's
    join_queue) emits none. The dialplan's Newexten does, its AppData's first argument; an
    Asterisk whose manager.conf filters Newexten out (hotline.pbx.config's does) sends none, so
    the hotline's own dialplan sets HOTLINE_QUEUE on the caller's channel before its Queue()
    (asterisk/extensions.conf [hotline-queue]): a VarSet the reader parses anyway."""
    step = next((e for e in c.events if e.get("Channel") in caller and (
        (e.name == "Newexten" and e.get("Application") == "Queue")
        or (e.name == "VarSet" and e.get("Variable") == ChanVar.QUEUE))), None)
    if step is None:
        return None
    name = step.get("AppData") if step.name == "Newexten" else step.get("Value")
    return (name or "").split(",")[0].strip() or None


def _left_by_key(c: ChannelIndex, join: Message | None, leave: Message | None) -> bool:
    """The queued caller's channel received a key and app_queue let it go (QueueCallerLeave, not
    Abandon): the queue's exit context took it (capture foreign_queue_key_exit). The DTMFEnd comes
    just before the leave, on the channel that joined."""
    if join is None or leave is None or leave.name != "QueueCallerLeave":
        return False
    queued = join.get("Channel")
    joined_at, left_at = c.events.index(join), c.events.index(leave)
    return any(e.name == "DTMFEnd" and e.get("Channel") == queued and e.get("Direction") == "Received"
               for e in c.events[joined_at:left_at])


def _originated(c: ChannelIndex) -> bool:
    return any(e.get("Uniqueid") == c.call_id for e in c.named("OriginateResponse"))


def _twin(name: str) -> str:
    """The ;2 half of an originated Local channel ``name`` (``…;1``), else ``name``."""
    return name[:-2] + ";2" if name.endswith(";1") and local_base(name) else name


def _service(c: ChannelIndex, first: Channel | None, join: Message | None) -> str | None:
    """The caller's channel running the call's dialplan: the one that queued, else the one of the
    originated Local pair that dials (a Local originated into the dialplan, as a trunk channel
    would be), else (a Local caller) the ;2 half of the originated channel, else (a real phone)
    that channel itself."""
    if join is not None:
        return join.get("Channel")
    if first is None:
        return None
    if local_base(first.name):
        halves = c.party(first.name)
        dial = next((e for e in c.events if e.name == "DialBegin" and e.get("Channel") in halves), None)
        if dial is not None:
            return dial.get("Channel")
    return _twin(first.name)


def _caller(rec: CallRecord, first: Channel | None, join: Message | None) -> None:
    """Who called what: the queue entry names the caller, else the caller's own channel."""
    if first is not None:
        rec.dialed = first.exten if first.created else None
    if join is not None:
        rec.queue = join.get("Queue")
        rec.queued_at = join.timestamp
        rec.caller_number = number(join.get("CallerIDNum"))
        rec.caller_name = number(join.get("CallerIDName"))
    elif first is not None and first.created:
        rec.caller_number, rec.caller_name = first.caller_num, first.caller_name
    if rec.caller_number is None and first is not None and first.created:
        rec.caller_number, rec.caller_name = first.caller_num, first.caller_name


def _attempts(c: ChannelIndex, rec: CallRecord, caller: set[str], prompts: AcceptPrompts) -> list[Attempt]:
    """Every agent rung: AgentCalled opens an attempt, its first DialEnd (or AgentRingNoAnswer)
    closes it. Keeping the first DialEnd matters: a ringall member that rings out gets NOANSWER
    then CANCEL. A member whose phone answered and then turned the call down at an accept prompt
    refused it, whatever app_queue or Dial says (accept_prompt.py). A DialBegin from the caller to
    an agent while queued is a transfer target. A call that never queued rings with plain Dial():
    each DialBegin from the caller is an attempt, made to the agent the endpoint belongs to (queue
    members, the ``agent_endpoints`` setting), else to the endpoint itself."""
    attempts: dict[str, Attempt] = {}
    let_go = False  # the queue let the caller go unanswered (QUEUESTATUS): its dialplan goes on
    pickers = {e.get("Channel") for e in c.events if e.name == "Pickup"} if "Pickup" in c.names else set()
    queue_call = rec.queue is not None or not c.names.isdisjoint(QUEUE_ANSWER_EVENTS)
    for at, e in enumerate(c.events):
        if e.name == "QueueCallerJoin" and e.get("Channel") in caller:
            let_go = False  # queued (again): its rings are the queue's
        elif e.name == "VarSet" and e.get("Variable") == QUEUE_STATUS_VAR and e.get("Channel") in caller:
            let_go = e.get("Value") in QUEUE_LEFT_UNANSWERED
        dest = e.get("DestChannel")
        if not dest:
            continue
        a = attempts.get(dest)
        if e.name == "AgentCalled":
            agent = e.get("MemberName") or c.agent_of(dest) or device_of(dest)
            attempts[dest] = Attempt(agent, e.timestamp or 0.0, None, PENDING, dest)
        elif e.name == "DialBegin" and a is None and e.get("Channel") in caller:
            # a plain Dial(): every phone rung is an attempt (ring groups too); so is a Dial() the
            # dialplan runs once the queue let the caller go (FreePBX's failover destination, a ring
            # group or follow-me: capture foreign_freepbx_failover)
            if not queue_call or let_go:
                attempts[dest] = Attempt(c.agent_of(dest) or _agent_behind(c, dest)
                                         or endpoint_of(dest, e.get("DialString")),
                                         e.timestamp or 0.0, None, PENDING, dest)
            elif rec.queue is not None and c.agent_of(dest):
                attempts[dest] = Attempt(c.agent_of(dest) or "", e.timestamp or 0.0, None, PENDING, dest)
        elif e.name == "DialEnd" and a is None and e.get("DialStatus") == "ANSWER" and not queue_call \
                and e.get("Channel") in caller and dest in pickers:
            attempts[dest] = _picked_up(c, e, dest, attempts.values())
        elif a is None or a.result != PENDING:
            continue
        elif e.name == "AgentRingNoAnswer":
            a.result, a.ring_seconds = _refused(c, dest), (e.timestamp or a.rang_at) - a.rang_at
            prompts.judge(a, at)
        elif e.name == "DialEnd" and ((e.get("DialStatus") or "") in DIAL_RESULTS
                                      or refused_by_routine(e.get("DialStatus") or "")):
            status = e.get("DialStatus") or ""
            a.result = _refused(c, dest) if status == "NOANSWER" else DIAL_RESULTS.get(status, AttemptResult.DECLINED)
            a.ring_seconds = (e.timestamp or a.rang_at) - a.rang_at
            prompts.judge(a, at)
    for a in attempts.values():
        if a.result == PENDING:  # the call (or the capture) ended while it rang
            a.result = AttemptResult.CANCELLED if not rec.incomplete else AttemptResult.UNKNOWN
            end = c.by_name.get(a.channel)
            if end is not None and end.hung_at is not None:
                a.ring_seconds = end.hung_at - a.rang_at
    return sorted(attempts.values(), key=lambda a: a.rang_at)


def _left_ringing(c: ChannelIndex, attempts: list[Attempt]) -> bool:
    """A plain Dial()'s caller gave up while a phone rang: an attempt cancelled, its phone not
    hung up because another phone of the group answered (cause 26) — that phone may have gone on
    to refuse the call at its accept prompt (capture foreign_accept_ringgroup_abort)."""
    cancelled = [c.by_name.get(a.channel) for a in attempts if a.result == AttemptResult.CANCELLED]
    return any(ch is None or ch.cause != ANSWERED_ELSEWHERE for ch in cancelled)


def _agent_behind(c: ChannelIndex, dest: str) -> str | None:
    """The agent whose phone a Local channel rung by a Dial() dials in turn (FreePBX rings a
    group's phones through ``Local/<ext>@from-internal``)."""
    twin = sibling(dest)
    return next((c.agent_of(e.get("DestChannel")) for e in c.events if e.name == "DialBegin" and twin
                 and e.get("Channel") == twin and c.agent_of(e.get("DestChannel"))), None)


def _picked_up(c: ChannelIndex, answer: Message, dest: str, attempts: Iterable[Attempt]) -> Attempt:
    """The caller's Dial() answered by a phone it never rang: that phone picked the call up
    (Pickup, *8). The caller rang since the first phone still ringing began to (if that was seen)."""
    ringing = [x.rang_at for x in attempts if x.result == PENDING]
    at = answer.timestamp or 0.0
    since = min(ringing) if ringing else at
    return Attempt(c.agent_of(dest) or endpoint_of(dest, None), since, at - since if ringing else None,
                   AttemptResult.ANSWERED, dest)


def endpoint_of(dest: str, dial_string: str | None) -> str:
    """What a plain Dial() rang, when no agent owns it: the endpoint (``PJSIP/8001``), a number
    through a trunk (``PJSIP/13900000009@trunk``) or a Local chain (``Local/13900000009@mobile``)."""
    device = device_of(dest)
    target = (dial_string or "").split(",")[0]
    if "@" in target and not device.startswith("Local/"):
        return device.split("/")[0] + "/" + target.split("/")[-1]
    return device


def _refused(c: ChannelIndex, dest: str) -> AttemptResult:
    """The result of an attempt app_queue calls NOANSWER: busy / unavailable when the member's
    channel was hung up with a refusing cause (REFUSED_CAUSES), else no answer."""
    ch = c.by_name.get(dest)
    return REFUSED_CAUSES.get(ch.cause or "", AttemptResult.NO_ANSWER) if ch is not None else AttemptResult.NO_ANSWER


def _answer_from_the_tail(c: ChannelIndex, rec: CallRecord, caller: set[str], events: list[Message],
                          prompts: AcceptPrompts) -> None:
    """An answer whose ring was not seen (the call's start fell in an AMI gap: incomplete). What
    the events seen (``events``: the call's, or those before a later queue entry) prove:
    AgentConnect (the answer and who gave it), a plain Dial()'s DialEnd ANSWER, else AgentComplete
    (who talked with the caller; when it began is not known)."""
    connect = next((e for e in events if e.name == "AgentConnect"), None)
    if connect is not None:
        rec.agent = connect.get("MemberName") or c.agent_of(connect.get("DestChannel"))
        # the answer is the member's DialEnd ANSWER (AgentConnect follows a millisecond later),
        # or the connection when the phone took the call with a key at a prompt
        member = connect.get("DestChannel") or ""
        at = next((i for i, e in enumerate(c.events) if e.name == "DialEnd" and e.get("DialStatus") == "ANSWER"
                   and e.get("DestChannel") == member), None)
        if at is not None:
            rec.answered_at = prompts.accepted_at(member, at) or c.events[at].timestamp
        return
    complete = next((e for e in events if e.name == "AgentComplete" and e.get("MemberName")), None)
    if complete is not None:
        rec.agent = complete.get("MemberName")
        return
    if rec.queue is None and c.names.isdisjoint(QUEUE_ANSWER_EVENTS):
        answer = next((e for e in c.events if e.name == "DialEnd" and e.get("DialStatus") == "ANSWER"
                       and e.get("Channel") in caller and e.get("DestChannel")), None)
        if answer is not None:
            rec.answered_at = answer.timestamp
            dest = answer.get("DestChannel") or ""
            rec.agent = c.agent_of(dest) or endpoint_of(dest, answer.get("DialString"))


def _bridged_to_an_agent(c: ChannelIndex, rec: CallRecord, caller: set[str]) -> None:
    """A caller no queue and no Dial() of its own put through, bridged with an agent's phone all
    the same: another application's CTI originated the phone into Bridge(<the caller's channel>)
    (capture foreign_cti_bridge_app). The phone's own ring was no ring of the caller's: the answer
    is the moment they were bridged, by the agent the phone belongs to. Only for a call seen whole:
    seen from mid-call, a bridge entered later (a Local member optimising away) is no answer."""
    bridges = Bridges()
    for e in c.events:
        if e.name == "BridgeEnter" and bridges.feed(e):
            agent = next((c.agent_of(ch) for m in bridges.with_party(caller) for ch in m - caller
                          if c.agent_of(ch)), None)
            if agent is not None:
                rec.agent, rec.answered_at = agent, e.timestamp
                return
        elif e.name == "BridgeLeave":
            bridges.feed(e)


def _answer(c: ChannelIndex, rec: CallRecord, rule: RingRule, caller: set[str], requeue: Message | None,
            prompts: AcceptPrompts) -> None:
    """The answer, who gave it, and how long it rang (R-ANS-4RINGS, by the ring rule). For a call
    requeued (``requeue``: the first queue entry seen, a later one) only what came before it: the
    answer of a later queue is not the call's."""
    events = c.events if requeue is None else c.events[:c.events.index(requeue)]
    rung = {e.get("DestChannel") for e in events if e.name == "AgentCalled"} if requeue is not None else None
    answered = next((a for a in rec.attempts if a.result == AttemptResult.ANSWERED
                     and (rung is None or a.channel in rung)), None)
    if answered is not None:
        rec.answered_at = answered.rang_at + (answered.ring_seconds or 0.0)
        rec.agent = answered.agent
        rec.ring_seconds = answered.ring_seconds
    else:
        # a member who refused (hung up on its accept prompt, its ring seen or not) gave no
        # answer, whatever app_queue's AgentConnect and AgentComplete say
        refused = {a.channel for a in rec.attempts if a.result == AttemptResult.DECLINED} | prompts.gave_no_answer()
        refused |= prompts.unproven_answers()  # nor taken for an answer
        _answer_from_the_tail(c, rec, caller, [e for e in events if e.get("DestChannel") not in refused]
                              if refused else events, prompts)
    if rec.agent is None and not rec.incomplete and rec.queue is None and c.names.isdisjoint(QUEUE_ANSWER_EVENTS):
        _bridged_to_an_agent(c, rec, caller)
    if rec.ring_seconds is not None:
        rec.rings = rule.rings(rec.ring_seconds)
        rec.within_4_rings = rule.within(rec.ring_seconds)  # R-ANS-4RINGS
