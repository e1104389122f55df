"""An outbound call (a callback / click-to-call: the agent's device rings first, then the
customer is dialled; or the agent's phone dialling the customer itself, through a trunk)."""

from __future__ import annotations

import re

from ami_listener.channels import TECH_EXT, Channel, ChannelIndex, number
from ami_listener.conversation import Conversation
from ami_listener.holds import holds
from ami_listener.outcome import OUTBOUND, OutboundFacts
from ami_listener.record import CallRecord
from ami_listener.transfers import HANGUP_REQUESTS, TRANSFER_EVENTS
from hotline.chanvars import ChanVar
from hotline.vocabulary import Disposition, HangupParty

_LOCAL_EXT = re.compile(r"^Local/([^@]+)@")
AGENT_REFUSED_CAUSES = {"17", "21"}  # Q.850 user busy, call rejected


def outbound(c: ChannelIndex, rec: CallRecord, first: Channel | None, *, by_phone: bool = False) -> None:
    """Fills ``rec`` for a callback: ``first`` is the originated channel, the agent's side; with
    ``by_phone`` it is the agent's phone's own channel (a call it dialled out itself)."""
    agent_chans = c.party(first.name if first else None)
    # The originated channel (a Local chain's ;1 half, in the originate's context) dials the
    # customer; a Local chain's ;2 half dials the agent's device first (another application's
    # click-to-dial: Local/8001@from-internal into the customer's number).
    dials = [e for e in c.events if e.name == "DialBegin" and e.get("Channel") in agent_chans]
    dial = next((e for e in dials if first is not None and e.get("Channel") == first.name), None)
    device = next((e.get("DestChannel") for e in dials if e is not dial), None)
    rec.agent = rec.vars.get(ChanVar.AGENT) or (c.agent_of(first.name) if first else None) or c.agent_of(device)
    if rec.agent is None and first is not None:
        m = TECH_EXT.match(first.name) or _LOCAL_EXT.match(first.name)
        rec.agent = m.group(1) if m else None
    if ChanVar.ORDER_ID in rec.vars:
        # a technician's call to the customer (hotline/field): the phone rung first is the
        # technician's, no agent's — named by HOTLINE_TECHNICIAN, kept out of every agent's figures
        rec.agent = None
    rec.final_agent = rec.agent
    customer_chan = dial.get("DestChannel") if dial else None
    if dial is not None:
        rec.dialed = number(dial.get("DestExten")) or number(
            (dial.get("DialString") or "").split("@")[0].split("/")[-1])
    if rec.dialed is None:  # the customer was never dialled: the originate still names the number
        rec.dialed = next((number(e.get("Exten")) for e in c.named("OriginateResponse")), None)
    rec.caller_number = rec.dialed
    end = next((e for e in c.events if e.name == "DialEnd" and e.get("DestChannel") == customer_chan), None)
    if end is not None and end.get("DialStatus") == "ANSWER":
        rec.answered_at = end.timestamp
    rec.disposition = OUTBOUND.decide(OutboundFacts(
        answered=rec.answered_at is not None,
        agent_up=any(ch.up_at is not None for ch in c.chans.values() if ch.name in agent_chans),
        customer_dialled=dial is not None, complete=not rec.incomplete))
    if rec.disposition == Disposition.ANSWERED and (device is not None or not c.names.isdisjoint(TRANSFER_EVENTS)):
        # the agent's phone reached through a Local chain (whose optimisation away logs bridge
        # moves and hang-ups of its own), or the customer handed on: the conversation's walk, as
        # for an inbound call, says with whom the customer talked, how long, and who hung up
        Conversation(c, rec, c.party(customer_chan), None).run()
    elif rec.disposition == Disposition.NO_ANSWER and first is not None:
        rec.hangup_first = _gave_up(c, first.name, agent_chans, by_phone)
    elif rec.disposition == Disposition.AGENT_NO_ANSWER:
        # the agent's phone refused (busy, rejected) or the originate stopped ringing it
        refused = any(ch.cause in AGENT_REFUSED_CAUSES for ch in c.chans.values() if ch.name in agent_chans)
        rec.hangup_first = HangupParty.AGENT if refused else HangupParty.SYSTEM
    elif rec.disposition == Disposition.ANSWERED and rec.answered_at is not None:
        answered_at = rec.answered_at
        hung = [ch.hung_at for ch in c.chans.values() if ch.hung_at is not None]
        bridge_left = next((e.timestamp for e in c.events if e.name == "BridgeLeave"
                            and e.get("Channel") in agent_chans and (e.timestamp or 0) > answered_at), None)
        stop = bridge_left or (min(hung) if hung else None)
        rec.talk_seconds = None if stop is None else stop - answered_at
        customer = c.party(customer_chan)
        rec.holds, rec.hold_seconds = holds(c, customer, min(
            (ch.hung_at for ch in c.chans.values() if ch.name in customer and ch.hung_at is not None), default=None))
        rec.hangup_first = _hangup_first(c, answered_at, agent_chans, customer)


def _hangup_first(c: ChannelIndex, answered_at: float, agent: set[str], customer: set[str]) -> HangupParty | None:
    """R-ANS-HANGUP-LAST: the first hang-up request after the answer, by the agent's side or the customer's."""
    for e in c.events:
        if e.name in HANGUP_REQUESTS and (e.timestamp or 0) >= answered_at:
            if e.get("Channel") in agent:
                return HangupParty.AGENT
            if e.get("Channel") in customer:
                return HangupParty.CALLER
    return None


def _gave_up(c: ChannelIndex, originated: str, agent: set[str], by_phone: bool) -> HangupParty | None:
    """R-ANS-HANGUP-LAST for a customer who never answered: who ended the wait. The originated
    channel's own dialplan running out (Dial gave up: busy, no answer) is the system; the agent's
    side (its phone, or the ;2 half standing for it) hanging up is the agent. A phone that dialled
    out itself is both: its dialplan's end is a SoftHangupRequest, the phone's own hang-up (a SIP
    CANCEL) a HangupRequest (foreign_phone_trunk_agent_cancels)."""
    for e in c.events:
        chan = e.get("Channel")
        if e.name in HANGUP_REQUESTS and chan in agent:
            if chan != originated or (by_phone and e.name == "HangupRequest"):
                return HangupParty.AGENT
            return HangupParty.SYSTEM
    return None
