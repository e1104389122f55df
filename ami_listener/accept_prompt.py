"""A member who must accept a call before it is theirs: an operator's dialplan puts a prompt
between the member's phone answering and the caller being connected — the phone's user hears a
beep and presses a key to take the call. The one home of "refused at an accept prompt" (拒接),
whatever shape the dialplan gives the prompt:

- Dial's U() gosub or M() macro on a Local queue member's leg: app_queue's word for a member who
  then turns the call down is a ring-out — or, when the phone hung up on the prompt, an answer
  (Dial takes a gosub ended by the hang-up for an accept: capture foreign_rules_accept_hung_up);
- Dial's U() or M() in plain dialplan (a ring group, a hunt; no queue): Dial's DialEnd comes after
  the routine, with the routine's verdict — BUSY or CONGESTION as a busy line, ABORT, CONTINUE or
  GOTO:… (captures foreign_accept_ringgroup_abort, foreign_accept_ringgroup_macro,
  foreign_accept_hunt);
- Queue()'s gosub (or macro) argument on a member that is the phone itself: app_queue takes the
  phone's answer first and no verdict from the routine, so a refusal can only hang the phone up
  before the connection (capture foreign_accept_queue_refused).

Each is the member refusing the call: the attempt is ``declined``, and its ring ended when the
phone answered (R-ANS-4RINGS: the time on the prompt is not ringing). A member who accepts is
answered by the key that took the call (the connection), as a Local member's Dial reports it."""

from __future__ import annotations

from ami_listener.channels import ChannelIndex, local_base, sibling
from ami_listener.record import Attempt
from hotline.vocabulary import AttemptResult

# what app_queue or Dial says of a member whose phone answered and who then refused: the leg
# hung up unanswered (another key, none in time: capture foreign_rules_accept_refused), or Dial's
# routine said busy or congestion (capture foreign_accept_hunt)
NOT_TAKEN = (AttemptResult.NO_ANSWER, AttemptResult.BUSY, AttemptResult.UNAVAILABLE)
# DialEnd statuses Dial raises only with its U() / M() routine's verdict (app_dial.c: GOSUB_RESULT,
# MACRO_RESULT), never for a phone merely rung: ABORT hangs up both legs, CONTINUE the phone's,
# GOTO:<where> sends the caller on
ROUTINE_VERDICTS = ("ABORT", "CONTINUE")
ROUTINE_GOTO = "GOTO:"


def refused_by_routine(dial_status: str) -> bool:
    """A DialEnd status that is an accept routine's refusal (:data:`ROUTINE_VERDICTS`)."""
    return dial_status in ROUTINE_VERDICTS or dial_status.startswith(ROUTINE_GOTO)


class AcceptPrompts:
    """One call's members and the phones behind them, each fact read once and only when asked:
    a member's attempt ended, or an answer is read from the call's tail."""

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
        """Where the phone a member rang went up, if it did before the call's event number
        ``closed``: the member's own channel, or the phone a Local member's leg dialled (through
        further Local legs: a FreePBX member's)."""
        dials, legs, seen = self._read(), [member], {member}
        if not local_base(member):
            return self._up[member] if self._up.get(member, closed) < closed else None
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
        """The members app_queue connected (AgentConnect) whose channel was gone before the caller
        was bridged with anyone: a phone that hung up on the prompt (Dial took that for an
        accept), or one Queue()'s routine hung up. No answer, though the ring that reached them,
        or the prompt, may not have been seen."""
        if self._dead is None:
            self._dead = set()
            connected: dict[str, str] = {}  # member → the caller's channel it was connected to
            for e in self.c.events:
                member = e.get("DestChannel") or ""
                if e.name == "AgentConnect" and member:
                    connected[member] = e.get("Channel") or ""
                elif e.name == "BridgeEnter":
                    connected = {m: ch for m, ch in connected.items() if ch != e.get("Channel")}
                elif e.name in ("HangupRequest", "Hangup") and e.get("Channel") in connected:
                    self._dead.add(e.get("Channel") or "")
        return self._dead

    def gave_no_answer(self) -> set[str]:
        """The members whose AgentConnect or AgentComplete, seen without the ring that led to
        them, proves no answer: :meth:`connected_after_hang_up`'s, and the Local members whose
        AgentComplete names a caller's channel that was in no bridge at all — never bridged with
        anyone (a stream that opened after the connection to a dead leg sees only that; a Local
        member's talk's tail holds the caller leaving its bridge, a phone member's may not: the
        caller hanging up first, capture foreign_rules_agent_wrapup)."""
        out = set(self.connected_after_hang_up())
        if "AgentComplete" not in self.c.names:
            return out
        bridged = {e.get("Channel") for e in self.c.events if e.name in ("BridgeEnter", "BridgeLeave")}
        return out | {e.get("DestChannel") or "" for e in self.c.named("AgentComplete")
                      if local_base(e.get("DestChannel")) and e.get("Channel") not in bridged}

    def unproven_answers(self) -> set[str]:
        """The phone members (not Local) whose AgentComplete, seen without their AgentConnect,
        says they talked no whole second: the tail of a phone Queue()'s routine hung up before the
        connection (capture foreign_accept_queue_refused: app_queue completes it, caller-less) as
        much as of a caller who left the moment they were connected. Neither is proven."""
        if "AgentComplete" not in self.c.names:
            return set()
        connected = {e.get("DestChannel") for e in self.c.named("AgentConnect")}
        return {e.get("DestChannel") or "" for e in self.c.named("AgentComplete")
                if e.get("DestChannel") and not local_base(e.get("DestChannel"))
                and e.get("DestChannel") not in connected and e.get("TalkTime") == "0"}

    def accepted_at(self, member: str, answered: int) -> float | None:
        """When app_queue connected ``member``, whose phone it took as answered at the call's
        event number ``answered`` (DialEnd ANSWER), if a key on that phone came in between:
        Queue()'s routine took the call with it, and that connection is the answer — the time on
        the prompt still ringing, as when a Local member's Dial reports the answer only after
        its routine (capture foreign_accept_queue_accepted). Else None."""
        keyed = False
        for e in self.c.events[answered + 1:]:
            if e.get("DestChannel") == member and e.name == "AgentConnect":
                return e.timestamp if keyed else None
            keyed = keyed or (e.name == "DTMFEnd" and e.get("Channel") == member)
        return None

    def judge(self, a: Attempt, closed: int) -> None:
        """``a``, just closed by the call's event number ``closed``: declined when its phone
        answered and the attempt then ended untaken (app_queue's ring-out, Dial's busy or its
        routine's refusal), or app_queue connected a member already gone
        (:meth:`connected_after_hang_up`); its ring ends at the phone's answer (unknown if that was
        not seen). A member app_queue answered who took the call with a key is answered at the
        connection (:meth:`accepted_at`)."""
        if a.result == AttemptResult.ANSWERED:
            if a.channel not in self.connected_after_hang_up():
                connected = self.accepted_at(a.channel, closed)
                if connected is not None:
                    a.ring_seconds = connected - a.rang_at
                return  # the phone took the call: an answer, rung to the connection
        elif a.result not in (*NOT_TAKEN, AttemptResult.DECLINED):
            return
        up = self._phone_up(a.channel, closed)
        if up is None and a.result in NOT_TAKEN:
            return  # not taken, the phone never up: a ring-out, a busy line
        up_at = None if up is None else self.c.events[up].timestamp
        a.result = AttemptResult.DECLINED
        a.ring_seconds = None if up_at is None else up_at - a.rang_at
