"""What happened once the caller reached someone: transfers, the final agent, talk time and who
hung up first, from one walk over the bridges the caller was in."""

from __future__ import annotations

from ami_listener.bridges import Bridges
from ami_listener.channels import ChannelIndex, device_of, local_base, sibling
from ami_listener.holds import holds
from ami_listener.reader import Message
from ami_listener.record import CallRecord
from ami_listener.transfers import (
    HANGUP_REQUESTS,
    TRANSFER_EVENTS,
    Consultations,
    fill_targets,
    redirect_of,
    transfer_of,
)
from hotline.vocabulary import HangupParty, TransferKind


class Conversation:
    """One inbound call's walk: :meth:`run` fills the record's transfers, final agent, talk time
    and ``hangup_first``. ``caller`` is the caller's party (its channels and Local twins);
    ``service`` the caller's channel that ran the hotline's dialplan."""

    def __init__(self, c: ChannelIndex, rec: CallRecord, caller: set[str], service: str | None):
        self.c, self.rec, self.caller, self.service = c, rec, caller, service
        self.bridges = Bridges()
        self.talk: float | None = 0.0
        self.talking_since: float | None = None
        self.final_agent = rec.agent
        self.peers: list[tuple[float, str]] = []  # (since, agent) each time the caller's peer changed
        self.hangup: HangupParty | None = None
        self.hangup_seen = False
        self.app_exten: dict[float | None, str] = {}  # attended transfers to no agent: when → extension
        self.app_party: set[str] = set()  # their targets' channels: an application, not an agent
        self.outside = self._outside()
        self.with_agent: list[tuple[float, str]] = []  # (when, agent) at each move the caller had an agent
        self.with_far: list[tuple[float, str]] = []  # (when, number) at each move the caller had only far ends
        self.consultations = Consultations(c, caller)

    def _outside(self) -> dict[str, str]:
        """The far ends dialled once the call was answered, by the caller's channel or by a
        consultation's (an agent's transfer out to an outside number through the trunk, blind or
        attended: captures foreign_transfer_out, foreign_atxfer_out): each channel of a party no
        agent owns that dials no further, with the number dialled. Talk with them is talk, but no
        agent's; their hang-up is the system's, not an agent's (R-ANS-HANGUP-LAST)."""
        c, since = self.c, self.rec.answered_at
        if since is None:
            return {}
        far: dict[str, str] = {}
        for e in c.events:
            if e.name != "DialBegin" or (e.timestamp or 0) <= since:
                continue
            party = c.party(e.get("DestChannel"))
            if party and not any(c.agent_of(ch) for ch in party) and not any(
                    x.name == "DialBegin" and x.get("Channel") in party for x in c.events):
                dialled = (e.get("DialString") or "").split(",")[0].split("@")[0].split("/")[-1]
                far.update(dict.fromkeys(party, dialled))
        return far

    def _far(self, chan: str) -> str | None:
        """The number of the far end ``chan`` is, or is a Local channel bridged through to."""
        if chan in self.outside:
            return self.outside[chan]
        twin = sibling(chan)
        if twin is None:
            return None
        return next((self.outside[o] for m in self.bridges.members.values() if twin in m
                     for o in m - {twin} if o in self.outside), None)

    def _to_no_agent(self, e: Message) -> None:
        """An attended transfer whose target channel no agent owns (the caller handed to an
        announcement or an IVR): its extension is where the caller went, and a hang-up there is
        the system's."""
        target = e.get("TransferTargetChannel")
        if e.name == "AttendedTransfer" and not target and e.get("DestType") == "App":
            # the transferer's second call ran an application, bridged with nobody (a phone's REFER
            # with Replaces naming it): the event names no target channel — the caller's own
            # channel now runs that application, at the second call's extension
            self.app_exten[e.timestamp] = e.get("SecondTransfererExten") or e.get("DestApp") or ""
            return
        if e.name != "AttendedTransfer" or not target or self.c.agent_of(target) or self.c.agent_of(sibling(target)):
            return
        if self.bridges.agent_behind_local(target, self.c.agent_of):
            return
        self.app_exten[e.timestamp] = e.get("TransferTargetExten") or e.get("DestApp") or device_of(target)
        self.app_party |= self.c.party(target)

    def run(self) -> None:
        rec = self.rec
        for e in self.c.events:
            if self.bridges.feed(e):
                self.consultations.feed(e, self.bridges)
                self._moved(e)
            elif e.name in TRANSFER_EVENTS:
                self.consultations.transferred(e)
                rec.transfers.append(transfer_of(self.c, e))
                self._to_no_agent(e)
                self._moved(e)
            elif e.name in HANGUP_REQUESTS and not self.hangup_seen and e.get("Channel"):
                self._hangup_request(e)
        end = next((ch.hung_at for ch in self.c.chans.values() if ch.name == self.service and ch.hung_at),
                   rec.ended_at)
        if self.talking_since is not None:
            self.talk = None if end is None or self.talk is None else self.talk + end - self.talking_since
        fill_targets(rec.transfers, self.peers)
        for x in rec.transfers:  # handed to no agent: the extension reached (an announcement, an IVR)
            if x.to is None and x.at in self.app_exten:
                x.to = self.app_exten[x.at]
        for x in rec.transfers:  # an attended transfer out names no target: the number the caller reached
            if x.to is None and x.at is not None:
                at = x.at
                x.to = next((n for t, n in self.with_far if t >= at - 1.0), None)
        # a redirect after which the caller is bridged with the same agent again handed the caller
        # to nobody: both moved together (into a conference room: capture foreign_confbridge)
        rec.transfers = [x for x in rec.transfers if x.kind != TransferKind.REDIRECT or x.at is None or x.from_agent
                         != next((a for t, a in self.with_agent if t >= x.at), None)]
        if self.consultations.given_up:  # in time order among the transfers (untimed: after them)
            rec.transfers = sorted([*rec.transfers, *(x for _, x in self.consultations.given_up)],
                                   key=lambda x: float("inf") if x.at is None else x.at)
        if rec.answered_at is not None:
            rec.talk_seconds = self.talk
            rec.final_agent = self.final_agent
            rec.holds, rec.hold_seconds = holds(self.c, self.caller, end)
        rec.hangup_first = self.hangup

    def _moved(self, e: Message) -> None:
        """After a bridge or transfer event: who is the caller talking to now? Talk time counts
        while anyone is bridged with the caller (after a Local member optimises away, that is a
        device no member map names)."""
        c, caller = self.c, self.caller
        peer_agent = None
        present = False
        for members in self.bridges.with_party(caller):
            for ch in members - caller:
                present = True
                # a Local member (/n) stays in the caller's bridge after its phone transferred the
                # caller on: whoever its other half is bridged with is the caller's peer, the
                # member's own name only while its other half is bridged with nobody (capture
                # foreign_freepbx_blind_transfer)
                behind = self.bridges.agent_behind_local(ch, c.agent_of) if local_base(ch) else None
                peer_agent = behind or c.agent_of(ch) or c.agent_of(sibling(ch) or "") or peer_agent
        if peer_agent and (not self.peers or self.peers[-1][1] != peer_agent):
            self.peers.append((e.timestamp or 0.0, peer_agent))
        if present and self.talking_since is None:
            self.talking_since = e.timestamp
        elif not present and self.talking_since is not None:
            if self.talk is not None:
                self.talk += (e.timestamp or self.talking_since) - self.talking_since
            self.talking_since = None
        chan = e.get("Channel")
        if peer_agent:
            self.final_agent = peer_agent
            self.with_agent.append((e.timestamp or 0.0, peer_agent))
        elif present:
            far = [self._far(ch) for m in self.bridges.with_party(caller) for ch in m - caller]
            if all(far):
                self.final_agent = None  # the caller went on with an outside number, no agent
                self.with_far.append((e.timestamp or 0.0, far[0] or ""))
        elif not present and e.name == "BridgeLeave" and chan in caller and self.rec.answered_at is not None:
            rec = self.rec
            redirect = redirect_of(c, rec.transfers, e, chan or "", rec.final_agent or rec.agent)
            if redirect is not None:
                rec.transfers.append(redirect)

    def _hangup_request(self, e: Message) -> None:
        """R-ANS-HANGUP-LAST: the party whose hang-up ended the call. Once answered, only a
        hang-up by a channel (or its Local twin) then bridged with the caller counts, or the
        caller's own while it is bridged with nobody: Local channels torn down by an optimisation
        or a transfer also log hang-up requests. A soft
        hang-up of the caller's own dialplan channel is the system (IVR, queue timeout), not the
        caller."""
        chan = e.get("Channel") or ""
        since = self.rec.answered_at
        if since is not None:
            if (e.timestamp or 0) < since:
                return
            if not self.bridges.links(chan, self.caller):
                if chan not in self.caller:
                    return
                # the caller bridged with nobody (handed to an application, sent to another place
                # of the dialplan, waiting for a transfer target, on hold): its own side's hang-up
                # ends the call
            elif chan not in self.caller:
                self._decide(HangupParty.SYSTEM if chan in self.app_party or self._far(chan) else HangupParty.AGENT)
                return
        elif chan not in self.caller:
            return  # agents rung but not answering are cancelled: not a hang-up by anyone
        # Asterisk soft-hangs the channel its own dialplan was running; a hang-up by the
        # caller's phone arrives as HangupRequest (or, for a Local caller, on the other half).
        self._decide(HangupParty.SYSTEM if e.name == "SoftHangupRequest" and chan == self.service
                     else HangupParty.CALLER)

    def _decide(self, party: HangupParty) -> None:
        self.hangup, self.hangup_seen = party, True
