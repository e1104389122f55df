"""Transfers of the caller from one agent to another: blind, attended, and redirects that no
transfer event announces."""

from __future__ import annotations

from ami_listener.channels import ChannelIndex
from ami_listener.reader import Message
from ami_listener.record import Transfer
from hotline.vocabulary import TransferKind

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
