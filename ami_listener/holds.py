"""The caller's holds (保持): how often, and how long in all, the agent's side held the caller.

Asterisk logs ``Hold`` / ``Unhold`` on the channel whose end asked for it: an agent's SIP phone
re-INVITing sendonly (capture foreign_hold_resume), or the transferer's leg when an attended
transfer starts (AMI ``Atxfer``, the phone's ``*2``, the desk's consultation: the caller hears hold
music until the agent comes back or hands the caller on). Only holds of the caller count: a Hold by
a channel then bridged with the caller, directly or through Local channels (a Local member's phone),
and not by the caller's own side — a consulted agent holding the consulting one is no hold of the
caller's.
"""

from __future__ import annotations

from ami_listener.bridges import Bridges
from ami_listener.channels import ChannelIndex
from ami_listener.transfers import TRANSFER_EVENTS

# the transfer events' names for the agent's side handing the caller on: that ends its hold
TRANSFERER_HEADERS = ("TransfererChannel", "OrigTransfererChannel", "SecondTransfererChannel")


def holds(c: ChannelIndex, caller: set[str], caller_end: float | None) -> tuple[int, float | None]:
    """(how many holds, their seconds in all) of the caller's party ``caller`` in call ``c``.

    A hold ends at its Unhold; one still open ends when its channel hands the caller on (a transfer
    event naming it as the transferer), hangs up or leaves the call, or when the caller's side
    ends (``caller_end``), whichever comes first. A repeated Hold of a channel already holding is
    the same hold; an Unhold with no Hold before it (Asterisk sends one before a blind transfer)
    ends nothing. The seconds are None when a time is missing (a stream without timestamps, a hold
    whose end was not seen)."""
    if "Hold" not in c.names:
        return 0, 0.0
    bridges = Bridges()
    since: dict[str, float | None] = {}  # holding channel → when its hold began
    count, total = 0, 0.0
    spans: list[tuple[float | None, float | None]] = []
    for e in c.events:
        if bridges.feed(e):
            continue
        chan = e.get("Channel") or ""
        if e.name == "Hold" and chan not in caller and chan not in since and bridges.reaches(chan, caller):
            since[chan] = e.timestamp
            count += 1
        elif e.name == "Unhold" and chan in since:
            spans.append((since.pop(chan), e.timestamp))
        elif e.name in TRANSFER_EVENTS:
            for holder in dict.fromkeys(e.get(k) for k in TRANSFERER_HEADERS):  # once each
                if holder is not None and holder in since:
                    spans.append((since.pop(holder), e.timestamp))
    for chan, began in since.items():
        ch = c.by_name.get(chan)
        ends = [t for t in (ch.hung_at if ch is not None else None, caller_end) if t is not None]
        spans.append((began, min(ends) if ends else None))
    for began, ended in spans:
        if began is None or ended is None:
            return count, None
        total += max(0.0, ended - began)
    return count, total
