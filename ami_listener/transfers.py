"""Transfers of the caller from one agent to another: blind, attended, redirects that no
transfer event announces, and consultations given up."""

from __future__ import annotations

from ami_listener.bridges import Bridges
from ami_listener.channels import ChannelIndex, device_of
from ami_listener.reader import Message
from ami_listener.record import Transfer
from hotline.vocabulary import CONSULTATION_GIVEN_UP, TransferKind

HANGUP_REQUESTS = ("HangupRequest", "SoftHangupRequest")
TRANSFER_EVENTS = ("BlindTransfer", "AttendedTransfer")


def transfer_of(c: ChannelIndex, e: Message) -> Transfer:
    """The transfer a BlindTransfer / AttendedTransfer event reports."""
    if e.name == "BlindTransfer":
        return Transfer(TransferKind.BLIND, c.agent_of(e.get("TransfererChannel")), e.get("Extension"),
                        e.timestamp, e.get("Result"))
    # with DestType Bridge the event names no target: it is whoever the caller talks to next
    return Transfer(TransferKind.ATTENDED, c.agent_of(e.get("OrigTransfererChannel")),
                    c.agent_of(e.get("TransferTargetChannel")), e.timestamp, e.get("Result"))


def redirect_of(c: ChannelIndex, transfers: list[Transfer], leave: Message, chan: str,
                from_agent: str | None) -> Transfer | None:
    """The caller left the agent's bridge for another place in the dialplan with nobody hanging
    up: an AMI Redirect (or a dialplan transfer). The BridgeLeave already shows the new place."""
    t = leave.timestamp or 0.0
    if any(x.at is not None and abs(x.at - t) < 0.1 for x in transfers):
        return None
    # the transfer event may come just after the BridgeLeave it caused (a blind transfer back to
    # the same agent looks like a redirect otherwise)
    if not c.names.isdisjoint(TRANSFER_EVENTS) and any(
            e.name in TRANSFER_EVENTS and abs((e.timestamp or 0.0) - t) < 0.1 for e in c.events):
        return None
    if any(e.name in HANGUP_REQUESTS and t - 0.5 <= (e.timestamp or 0) <= t for e in c.events):
        return None
    enter = next((e for e in reversed(c.events) if e.name == "BridgeEnter" and e.get("Channel") == chan
                  and e.get("BridgeUniqueid") == leave.get("BridgeUniqueid")), None)
    if enter is None or (enter.get("Context"), enter.get("Exten")) == (leave.get("Context"), leave.get("Exten")):
        return None
    return Transfer(TransferKind.REDIRECT, from_agent, leave.get("Exten"), t, "Success")


def fill_targets(transfers: list[Transfer], peers: list[tuple[float, str]]) -> None:
    """A transfer whose event names no target went to the next agent the caller talked to
    (``peers``: since when, which agent); the merge that joins caller and target is logged just
    before the transfer event."""
    for x in transfers:
        if x.to is None and x.at is not None:
            at = x.at
            x.to = next((agent for since, agent in peers if since >= at - 1.0 and agent != x.from_agent), None)


class Consultations:
    """An agent's consultation given up (captures foreign_atxfer_abandoned, foreign_atxfer_consult_back;
    the desk's 取消咨询): an attended transfer moves the agent's channel out of the caller's bridge
    into a consultation bridge (AMI Atxfer, the phone's *2, the desk's 咨询转接 alike); when the
    target never answers, hangs up or is hung up, Asterisk moves the agent back into the caller's
    bridge and logs no transfer event. Fed each bridge event of the conversation's walk."""

    def __init__(self, c: ChannelIndex, caller: set[str]):
        self.c, self.caller = c, caller
        # an agent's channel out of the caller's bridge: (that bridge, the bridge it entered since)
        self.away: dict[str, tuple[str, str | None]] = {}
        self.given_up: list[tuple[str, Transfer]] = []  # (the agent's channel, its entry)

    def feed(self, e: Message, bridges: Bridges) -> None:
        """``e``, a BridgeEnter / BridgeLeave that ``bridges`` has just taken."""
        chan, bridge = e.get("Channel") or "", e.get("BridgeUniqueid") or ""
        if chan in self.caller:
            return
        if e.name == "BridgeLeave":
            if chan not in self.away and bridges.members.get(bridge, set()) & self.caller and self.c.agent_of(chan):
                self.away[chan] = (bridge, None)
            return
        left = self.away.get(chan)
        if left is None:
            return
        if bridge != left[0]:
            self.away[chan] = (left[0], bridge)
            return
        del self.away[chan]
        if left[1] is not None:  # back with the caller after a bridge of its own: given up
            self.given_up.append((chan, Transfer(TransferKind.ATTENDED, self.c.agent_of(chan),
                                                 self._target(chan, left[1]), e.timestamp, CONSULTATION_GIVEN_UP)))

    def transferred(self, e: Message) -> None:
        """A transfer event: the consultation its transferer was in (or swapped back from) went on
        to a transfer after all."""
        by = {e.get("TransfererChannel"), e.get("OrigTransfererChannel"), e.get("SecondTransfererChannel")}
        for chan in by:
            self.away.pop(chan or "", None)
        self.given_up = [(chan, x) for chan, x in self.given_up if chan not in by]

    def _target(self, chan: str, bridge: str) -> str | None:
        """Whom the agent consulted: an agent the consultation's channels reached (a Local
        consultation dials the phone), else the extension the consultation was made to."""
        others = [e.get("Channel") or "" for e in self.c.events
                  if e.name == "BridgeEnter" and e.get("BridgeUniqueid") == bridge and e.get("Channel") != chan]
        party = self.c.party(*others)
        reached = party | {e.get("DestChannel") or "" for e in self.c.events
                           if e.name == "DialBegin" and e.get("Channel") in party}
        agent = next((a for ch in sorted(reached) if (a := self.c.agent_of(ch))), None)
        if agent is not None or not others:
            return agent
        made = self.c.by_name.get(others[0])
        return (made.exten if made is not None and made.exten else None) or device_of(others[0])
