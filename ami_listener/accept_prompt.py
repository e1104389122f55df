"""A queue member who must accept a call before it is theirs: an operator's dialplan puts a prompt
between the member's phone answering and the queue's answer (Dial's U() or M() on a Local
member's leg: the phone's user hears a beep and presses a key to take the call). The phone is up
while the queue still rings the member, so app_queue's word for a member who then turns the call
down is a ring-out — or, when the phone hung up on the prompt, an answer (Dial takes a gosub
ended by the hang-up for an accept: capture foreign_rules_accept_hung_up). Either is the member
refusing the call: the attempt is ``declined``, and its ring ended when the phone answered
(R-ANS-4RINGS: the time on the prompt is not ringing)."""

from __future__ import annotations

from ami_listener.channels import ChannelIndex, local_base, sibling
from ami_listener.record import Attempt
from hotline.vocabulary import AttemptResult

# what app_queue says of a member whose phone answered its leg and who then refused: the leg
# hung up unanswered (another key, none in time: capture foreign_rules_accept_refused)
NOT_TAKEN = (AttemptResult.NO_ANSWER, AttemptResult.BUSY)


class AcceptPrompts:
    """One call's Local members and the phones behind them, each fact read once and only when
    asked: a Local member's attempt ended, or an answer is read from the call's tail."""

    def __init__(self, c: ChannelIndex):
        self.c = c
        self._dials: dict[str, list[str]] | None = None
        self._up: dict[str, int] = {}
        self._dead: set[str] | None = None

    def _read(self) -> dict[str, list[str]]:
        if self._dials is None:
            self._dials = {}
            for at, e in enumerate(self.c.events):
                chan = e.get("Channel") or ""
                if e.name == "DialBegin" and chan and e.get("DestChannel"):
                    self._dials.setdefault(chan, []).append(e.get("DestChannel") or "")
                if chan and e.get("ChannelStateDesc") == "Up":
                    self._up.setdefault(chan, at)
        return self._dials

    def _phone_up(self, member: str, closed: int) -> int | None:
        """Where the phone a Local member's leg dialled (through further Local legs: a FreePBX
        member's) went up, if it did before the call's event number ``closed``."""
        dials, legs, seen = self._read(), [member], {member}
        while legs:
            twin = sibling(legs.pop())
            for dest in dials.get(twin or "", []):
                if dest in seen:
                    continue
                seen.add(dest)
                if local_base(dest):
                    legs.append(dest)
                elif self._up.get(dest, closed) < closed:
                    return self._up[dest]
        return None

    def connected_after_hang_up(self) -> set[str]:
        """The Local members app_queue connected (AgentConnect) whose leg was gone before the
        caller was bridged with anyone: a phone that hung up on the prompt (Dial took that for an
        accept). No answer, though the ring that reached them, or the prompt, may not have been seen."""
        if self._dead is None:
            self._dead = set()
            connected: dict[str, str] = {}  # member → the caller's channel it was connected to
            for e in self.c.events:
                member = e.get("DestChannel") or ""
                if e.name == "AgentConnect" and local_base(member):
                    connected[member] = e.get("Channel") or ""
                elif e.name == "BridgeEnter":
                    connected = {m: ch for m, ch in connected.items() if ch != e.get("Channel")}
                elif e.name in ("HangupRequest", "Hangup") and e.get("Channel") in connected:
                    self._dead.add(e.get("Channel") or "")
        return self._dead

    def gave_no_answer(self) -> set[str]:
        """The Local members whose AgentConnect or AgentComplete, seen without the ring that led
        to them, proves no answer: :meth:`connected_after_hang_up`'s, and those whose AgentComplete
        names a caller's channel that was in no bridge at all — never bridged with anyone (a
        stream that opened after the connection to a dead leg sees only that; a talk's tail holds
        the caller leaving its bridge)."""
        out = set(self.connected_after_hang_up())
        if "AgentComplete" not in self.c.names:
            return out
        bridged = {e.get("Channel") for e in self.c.events if e.name in ("BridgeEnter", "BridgeLeave")}
        return out | {e.get("DestChannel") or "" for e in self.c.named("AgentComplete")
                      if local_base(e.get("DestChannel")) and e.get("Channel") not in bridged}

    def judge(self, a: Attempt, closed: int) -> None:
        """``a``, just closed by the call's event number ``closed``: declined when app_queue had
        its Local member's leg end untaken after the phone behind it answered, or connected a
        leg already gone (:meth:`connected_after_hang_up`). Its ring ends at the phone's answer
        (unknown if that was not seen)."""
        if not local_base(a.channel):
            return
        if a.result == AttemptResult.ANSWERED:
            if a.channel not in self.connected_after_hang_up():
                return  # the phone took the call: an answer, rung to the connection
        elif a.result not in NOT_TAKEN:
            return
        up = self._phone_up(a.channel, closed)
        if up is None and a.result != AttemptResult.ANSWERED:
            return  # not taken, the phone never up: a ring-out
        up_at = None if up is None else self.c.events[up].timestamp
        a.result = AttemptResult.DECLINED
        a.ring_seconds = None if up_at is None else up_at - a.rang_at
