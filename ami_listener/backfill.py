"""Calls that happened while AMI was down, rebuilt from Asterisk's own durable logs.

Asterisk writes every call to CEL (``cel_custom``: Master.csv, microsecond times) and queue
activity to ``queue_log`` whatever happens to the AMI connection. For each call of the gap that
has no record, those rows are turned back into the AMI events they stand for and given to the
same call builder: one builder, whatever the source. CEL's times (microseconds) are preferred;
queue_log (whole seconds) gives only what CEL lacks (which agent a member channel was, a ring
that left no channel). The hotline's own facts (HOTLINE_* variables, the IVR path) reach CEL as
``CELGenUserEvent`` rows (the dialplan and the IVR write them next to each variable they set) and
come back here as the VarSet / UserEvent messages the builder reads.
The record carries ``vars["HOTLINE_SOURCE"] = "backfill"`` (ChanVar.SOURCE).

A gap is backfilled by when calls *ended*: every call whose LINKEDID_END falls in it and that has
no record, however long before it started (up to MAX_CALL_S). Both logs are appended in time
order and never rotated by Asterisk, so they are read by time window: a binary search by byte
offset finds where the window starts, and only the window is read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ami_listener.builder import build_call
from ami_listener.outcome import QUEUE_STATUS_VAR
from ami_listener.reader import Message
from ami_listener.record import CallRecord
from hotline.asterisk_logs import MAX_CALL_S, read_cel, read_queue_log
from hotline.chanvars import ChanVar
from hotline.rules import DEFAULT_INTERNAL_NUMBERS, InternalNumbers, RingRule

log = logging.getLogger(__name__)

CEL_USER_FACT = "HOTLINE"  # CELGenUserEvent(HOTLINE,<HOTLINE_* name or QUEUESTATUS>=<value>): a product fact
CEL_USER_IVR = "HotlineIvr"  # CELGenUserEvent(HotlineIvr,<step>|<digits>|<result>): an IVR step
# a callback's Dial starts the customer's channel right after HOTLINE_DIRECTION=outbound (two Set()s
# between them); a channel started later than this is not that Dial's
DIAL_AFTER_S = 10.0
BUSY_CAUSE = "17"  # Q.850 user busy


def _msg(event: str, t: float, **headers: str | None) -> Message:
    h = {"Event": event, "Timestamp": f"{t:.6f}", **{k: v for k, v in headers.items() if v is not None}}
    return Message(h, "\r\n".join(f"{k}: {v}" for k, v in h.items()).encode())


def _extra(row: dict[str, str]) -> dict[str, Any]:
    """A CEL row's JSON ``extra`` column; {} when it is not JSON."""
    try:
        extra = json.loads(row["extra"] or "{}")
    except ValueError:
        return {}
    return extra if isinstance(extra, dict) else {}


def _interface(channel: str) -> str:
    """``Local/8001@agents-0000001a;1`` → ``Local/8001@agents``; ``PJSIP/8001-00000003`` → ``PJSIP/8001``."""
    return channel.rsplit("-", 1)[0] if "-" in channel else channel


def _member_interface(channel: str) -> str | None:
    """The queue member interface an AgentCalled names (a member channel's, as AMI's): the builder
    learns the member's name from it (``channels.member_names``). A listener that attached
    mid-call, or a backfill, may know no other: a foreign dialplan's members are not in the
    settings, and the stream's own member events fell before what was seen, so the agent who
    answered before a transfer would be nameless in the transfer (its ``from_agent``)."""
    return _interface(channel) if "/" in channel and not channel.startswith("backfill/") else None


@dataclass
class _CelCall:
    """One call's CEL rows, read: the events they stand for and what the queue_log pass needs."""

    lid: str
    members: dict[str, str] = field(default_factory=dict)  # member interface → name
    events: list[Message] = field(default_factory=list)
    chan_of: dict[str, str] = field(default_factory=dict)  # Uniqueid → channel name
    first_start: dict[str, float] = field(default_factory=dict)
    answer_at: dict[str, float] = field(default_factory=dict)
    queue_app: dict[str, list[float]] = field(default_factory=dict)  # Uniqueid → [Queue() start, end]
    bridged: set[str] = field(default_factory=set)  # Uniqueids that entered a bridge
    last_bridge_enter: float = 0.0  # when the call's last bridge took a party in
    bridge_exits: list[tuple[float, str]] = field(default_factory=list)  # (time, Uniqueid)
    # uid → (t, headers, source)
    hangups: dict[str, tuple[float, dict[str, str | None], str]] = field(default_factory=dict)
    start_exten: dict[str, str] = field(default_factory=dict)  # Uniqueid → its extension at CHAN_START
    dial_status: dict[str, str] = field(default_factory=dict)  # Uniqueid → its last Dial's status, at HANGUP
    causes: dict[str, str] = field(default_factory=dict)  # channel name → its HANGUP's Q.850 cause
    outbound_at: float | None = None  # when the originated channel reached [hotline-callback] (a callback)
    _used: set[str] = field(default_factory=set)  # member channels a queue_log ring was matched to
    _stays: list[tuple[float, float, dict[str, str]]] = field(default_factory=list)  # (entered, left, caller)

    def row(self, r: dict[str, str]) -> None:
        t = float(r["eventtime"])
        uid, chan, lid = r["uniqueid"], r["channame"], self.lid
        self.chan_of[uid] = chan
        common: dict[str, str | None] = dict(
            Channel=chan, Uniqueid=uid, Linkedid=lid, CallerIDNum=r["cid_num"] or None,
            CallerIDName=r["cid_name"] or None, Context=r["context"], Exten=r["exten"])
        kind, evs = r["eventtype"], self.events
        if kind == "CHAN_START":
            self.first_start[uid] = t
            self.start_exten[uid] = r["exten"]
            evs.append(_msg("Newchannel", t, ChannelStateDesc="Down", **common))
        elif kind == "ANSWER":
            self.answer_at.setdefault(uid, t)
            evs.append(_msg("Newstate", t, ChannelStateDesc="Up", **common))
        elif kind in ("APP_START", "APP_END") and r["appname"] == "Queue":
            span = self.queue_app.setdefault(uid, [t, t])
            span[0 if kind == "APP_START" else 1] = t
        elif kind in ("BRIDGE_ENTER", "BRIDGE_EXIT"):
            if kind == "BRIDGE_ENTER":
                self.bridged.add(uid)
                self.last_bridge_enter = max(self.last_bridge_enter, t)
            else:
                self.bridge_exits.append((t, uid))
            evs.append(_msg("BridgeEnter" if kind == "BRIDGE_ENTER" else "BridgeLeave", t,
                            BridgeUniqueid=_extra(r).get("bridge_id", ""), **common))
        elif kind == "HANGUP":
            extra = _extra(r)
            self.hangups.setdefault(uid, (t, common, extra.get("hangupsource") or ""))
            self.dial_status[uid] = str(extra.get("dialstatus") or "")
            self.causes[chan] = str(extra.get("hangupcause", ""))
            evs.append(_msg("Hangup", t, Cause=str(extra.get("hangupcause", "")), **common))
        elif kind == "BLINDTRANSFER":
            evs.append(_msg("BlindTransfer", t, TransfererChannel=chan, TransfererLinkedid=lid,
                            Extension=_extra(r).get("extension"), Result="Success"))
        elif kind == "ATTENDEDTRANSFER":
            evs.append(_msg("AttendedTransfer", t, OrigTransfererChannel=chan, OrigTransfererLinkedid=lid,
                            Result="Success"))
        elif r["appname"] == "CELGenUserEvent":
            # a user-defined event: cel_custom's ${eventtype} is then its name, the application's
            # data ("NAME,extra") says all of it
            name, _, text = r["appdata"].partition(",")
            self._user_event(name, text, t, common)

    def _user_event(self, kind: str, text: str, t: float, common: dict[str, str | None]) -> None:
        """The hotline's facts, left in CEL by CELGenUserEvent: as the AMI events they mirror."""
        if kind == CEL_USER_FACT:
            name, sep, value = text.partition("=")
            if sep and (name.startswith("HOTLINE_") or name == QUEUE_STATUS_VAR):
                self.events.append(_msg("VarSet", t, Variable=name, Value=value, **common))
            if (name, value) == (ChanVar.DIRECTION.value, "outbound") and common["Uniqueid"] == self.lid:
                self.outbound_at = t
        elif kind == CEL_USER_IVR:
            step, _, rest = text.partition("|")
            digits, _, result = rest.partition("|")
            self.events.append(_msg("UserEvent", t, UserEvent="HotlineIvr", Step=step, Digits=digits,
                                    Result=result or "ok", **common))

    def callback_dial(self) -> None:
        """A callback's ``Dial`` of the customer (``[hotline-callback]``, on the originated channel
        once the agent answered) as the DialBegin / DialEnd AMI shows, which the builder reads for
        the dialled number and the answer: CEL logs no Dial application. The customer's channel
        is the first to start after the dialplan's HOTLINE_DIRECTION=outbound (a Local chain's ;2
        half aside), answering is its own ANSWER; the dialling channel's HANGUP names the status
        of a Dial that was not answered."""
        if self.outbound_at is None:
            return
        began = self.outbound_at
        dialled = sorted((start, uid) for uid, start in self.first_start.items()
                         if uid != self.lid and start >= began and not self.chan_of[uid].endswith(";2"))
        if not dialled or dialled[0][0] - began > DIAL_AFTER_S:
            return
        start, uid = dialled[0]
        base = dict(Channel=self.chan_of.get(self.lid), Uniqueid=self.lid, Linkedid=self.lid,
                    DestChannel=self.chan_of[uid], DestUniqueid=uid)
        self.events.append(_msg("DialBegin", start, DestExten=self.start_exten.get(uid) or None, **base))
        if uid in self.answer_at:
            self.events.append(_msg("DialEnd", self.answer_at[uid], DialStatus="ANSWER", **base))
        elif uid in self.hangups:
            status = self.dial_status.get(self.lid) or "CANCEL"
            self.events.append(_msg("DialEnd", self.hangups[uid][0], DialStatus=status, **base))

    def _ring_channel(self, agent: str, rang: float, ended: float) -> str | None:
        """The member channel CEL has for a queue_log ring of ``agent`` (started by ``ended``;
        queue_log's seconds are cut, not rounded: the ring ended within the second after)."""
        for uid, chan in self.chan_of.items():
            iface = _interface(chan)
            named = self.members.get(iface) or iface.split("/", 1)[-1].split("@", 1)[0]
            start = self.first_start.get(uid)
            if (uid not in self._used and named == agent and start is not None and not chan.endswith(";2")
                    and rang - 2.0 <= start <= ended + 1.0 and uid not in self.answer_at):
                self._used.add(uid)
                return uid
        return None

    def _queue_time(self, uid: str, what: str, t: float) -> float:
        """queue_log's whole seconds replaced by CEL's time of the same moment, where CEL has it."""
        span = self.queue_app.get(uid)
        if what == "ENTERQUEUE":
            return span[0] if span else max(t, self.answer_at.get(uid, t))
        if what == "ABANDON" and uid in self.hangups:
            return self.hangups[uid][0]
        if what.startswith("EXIT") and span and span[1] > span[0]:
            return span[1]
        return t

    def _learn_members(self, qlog: dict[str, list[list[str]]]) -> None:
        """The names of members the caller connected with, from queue_log's CONNECT (its agent
        field, its member channel's Uniqueid): a foreign dialplan's members are in no setting,
        and a listener that attached mid-call saw none of their member events — without them
        their ring-outs, cancelled rings and transfers would name no agent."""
        for uid in self.chan_of:
            for parts in qlog.get(uid, []):
                if parts[4] == "CONNECT" and len(parts) > 6 and parts[6] in self.chan_of:
                    self.members.setdefault(_interface(self.chan_of[parts[6]]), parts[3])

    def queue_activity(self, qlog: dict[str, list[list[str]]]) -> None:
        """The queue_log lines of the call's channels, as the queue events they stand for."""
        self._learn_members(qlog)
        evs = self.events
        for uid, chan in list(self.chan_of.items()):
            for parts in qlog.get(uid, []):
                what, queue, agent, data = parts[4], parts[2], parts[3], parts[5:]
                t = self._queue_time(uid, what, float(parts[0]))
                base = dict(Channel=chan, Uniqueid=uid, Linkedid=self.lid, Queue=queue)
                if (what in ("CONNECT", "ABANDON") or what.startswith("EXIT")) and self._stays \
                        and self._stays[-1][1] == float("inf"):
                    self._stays[-1] = (self._stays[-1][0], t, base)
                if what == "ENTERQUEUE":
                    evs.append(_msg("QueueCallerJoin", t, CallerIDNum=data[1] if len(data) > 1 else None, **base))
                    self._stays.append((t, float("inf"), base))
                elif what == "CONNECT" and len(data) > 1:
                    member_uid = data[1]
                    self._used.add(member_uid)
                    member_chan = self.chan_of.get(member_uid, "")
                    rang = self.first_start.get(member_uid, t)
                    answered = self.answer_at.get(member_uid, t)
                    evs.append(_msg("AgentCalled", rang, DestChannel=member_chan, MemberName=agent,
                                    Interface=_member_interface(member_chan), **base))
                    evs.append(_msg("DialEnd", answered, DestChannel=member_chan, DialStatus="ANSWER", **base))
                    evs.append(_msg("AgentConnect", answered, DestChannel=member_chan, MemberName=agent, **base))
                elif what == "RINGNOANSWER" and data:
                    self._ring_no_answer(agent, t, float(data[0] or 0) / 1000.0, base)
                elif what == "ABANDON":
                    evs.append(_msg("QueueCallerAbandon", t, **base))
                elif what in ("EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY"):
                    evs.append(_msg("QueueCallerLeave", t, **base))
                    status = {"EXITWITHTIMEOUT": "TIMEOUT", "EXITEMPTY": "LEAVEEMPTY"}.get(what, "CONTINUE")
                    evs.append(_msg("VarSet", t, Variable=QUEUE_STATUS_VAR, Value=status, **base))

    def cancelled_rings(self) -> None:
        """Members rung while the caller was queued that queue_log says nothing of (the caller
        left, or another member answered, while they rang): their channels are in CEL. The
        builder counts a ring nobody ended as cancelled."""
        for uid, chan in self.chan_of.items():
            iface = _interface(chan)
            agent = self.members.get(iface)
            start = self.first_start.get(uid)
            if agent is None or start is None or uid in self._used or uid in self.answer_at or chan.endswith(";2"):
                continue
            stay = next((st for st in self._stays if st[0] - 0.5 <= start <= st[1]), None)
            if stay is not None:
                self._used.add(uid)
                self.events.append(_msg("AgentCalled", start, DestChannel=chan, MemberName=agent,
                                        Interface=iface, **stay[2]))

    def _ring_no_answer(self, agent: str, t: float, ring_s: float, base: dict[str, str]) -> None:
        """A member that rang out: its channel's own CEL times when CEL has it (queue_log's are
        whole seconds), queue_log's otherwise."""
        uid = self._ring_channel(agent, t - ring_s, t)
        if uid is not None:
            dest, rang = self.chan_of[uid], self.first_start[uid]
            ended = self.hangups[uid][0] if uid in self.hangups else rang + ring_s
        else:
            dest, rang, ended = f"backfill/{agent}/{t}", t - ring_s, t
        self.events.append(_msg("AgentCalled", rang, DestChannel=dest, MemberName=agent,
                                Interface=_member_interface(dest), **base))
        if self.causes.get(dest[:-2] + ";2") == BUSY_CAUSE and dest.endswith(";1"):
            # a Local member whose far half said busy (Busy(), a phone's 486 through its Dial):
            # app_queue's DialEnd says BUSY, queue_log a ring-out, CEL only that half's cause
            self.events.append(_msg("DialEnd", ended, DestChannel=dest, DialStatus="BUSY", **base))
        else:
            self.events.append(_msg("AgentRingNoAnswer", ended, DestChannel=dest, MemberName=agent, **base))

    def hangup_request(self) -> Message | None:
        """Who hung up first (R-ANS-HANGUP-LAST), as the HangupRequest AMI would have shown.
        Once bridged: the party that left the final bridge first, when its own hang-up follows
        (CEL logs the BRIDGE_EXITs of a teardown before its HANGUPs, the one hanging up first);
        a party that left and went on (a redirect to the survey, a transfer) hung up on nobody,
        and an agent's ring-out torn down before another answered is no hang-up of the call.
        Never bridged: the first of the caller's channels torn down (a Local caller's two halves),
        or the one CEL's hangupsource names (real phones), a dialplan's own Hangup() a soft hang-up;
        a callback's "caller" is the originated channel with its Local twin, the agent's side (the
        agent who hung up before the customer answered). (queue_log's
        COMPLETEAGENT / COMPLETECALLER is not needed: the bridge exits say the same, to the
        microsecond.)"""
        first = self.chan_of.get(self.lid, "")
        # a Local caller's other half: a callback's agent side, or the side that ran the dialplan
        # the caller called (its Hangup() after a queue refused the caller is the system's)
        twin = first[:-2] + ";2" if first.endswith(";1") else None
        # a party gone before the call's last bridge took someone in (an agent who transferred the
        # caller on) hung up on nobody: the call went on without it
        parties = {uid: h for uid, h in self.hangups.items()
                   if (uid == self.lid or uid in self.bridged or (not self.bridged and self.chan_of[uid] == twin))
                   and not (uid in self.bridged and h[0] < self.last_bridge_enter)}
        if not parties:
            return None
        first_uid, (t, common, source) = min(parties.items(), key=lambda p: p[1][0])
        if not self.bridged and first_uid == self.lid and self.dial_status.get(first_uid) == "CANCEL":
            # a callback's originated half whose Dial of the customer was cancelled: it was hung up
            # by its twin, the agent's side (a hang-up of its own, said by its hangupsource) — on a
            # loaded machine CEL may log the two halves' HANGUPs in either order
            side = next(((u, h) for u, h in parties.items() if self.chan_of[u] == twin
                         and h[2] and h[2] != self.chan_of[first_uid]), None)
            if side is not None:
                first_uid, (t, common, source) = side
        if self.bridged:
            run = self._teardown_run(t)
            if not run:
                # a party's own channel went first (the caller's phone side): it ended the call
                # if the bridge came down right after it; else nobody was bridged any more
                if not any(t <= x <= t + 0.5 for x, _ in self.bridge_exits):
                    return None
                run = [(t, first_uid)]
            left_at, uid = run[0]
            if uid not in self.hangups:
                return None
            if self.hangups[uid][0] - left_at > 1.0:
                return self._alone_hangup(uid, left_at, common)
            return _msg("HangupRequest", left_at - 1e-6, **dict(common, Channel=self.chan_of[uid], Uniqueid=uid))
        if source == "dialplan/builtin" and self.outbound_at is None:
            # the channel's own dialplan ran Hangup() (a queue that refused its caller, then the
            # end of the dialplan): AMI shows a soft hang-up, the system's on the channel that ran
            # the dialplan the caller called, the caller's on its own side (conversation.py)
            return _msg("SoftHangupRequest", t - 1e-6, **common)
        target = common
        if source:
            found = next((u for u, c in self.chan_of.items() if c == source), None)
            if found is not None:
                target = dict(common, Channel=source, Uniqueid=found)
        return _msg("HangupRequest", t - 1e-6, **target)

    def _alone_hangup(self, uid: str, left_at: float, common: dict[str, str | None]) -> Message | None:
        """A party that left the bridge and went on. The caller sent on alone (the survey, an
        announcement) and never bridged again ends the call with its own hang-up, as the live
        builder reads it (ami_listener/conversation.py): the dialplan's ``Hangup()`` (CEL's
        hangupsource ``dialplan/builtin``) is the system's, anything else the caller's. Anyone
        else, or a caller bridged again (a transfer), hung up on nobody."""
        chan = self.chan_of.get(uid, "")
        caller = self.chan_of.get(self.lid, "")
        if uid != self.lid and chan.rsplit(";", 1)[0] != caller.rsplit(";", 1)[0]:
            return None
        if any(u == uid and t > left_at for t, u in self.bridge_exits):
            return None
        hung_at, _common, source = self.hangups[uid]
        name = "SoftHangupRequest" if source == "dialplan/builtin" else "HangupRequest"
        return _msg(name, hung_at - 1e-6, **dict(common, Channel=chan, Uniqueid=uid))

    def _teardown_run(self, hung: float) -> list[tuple[float, str]]:
        """The BRIDGE_EXITs just before the first party's HANGUP (each within 0.5 s of the next),
        earliest first: the teardown that ended the call."""
        run: list[tuple[float, str]] = []
        last = hung
        for t, uid in sorted((x for x in self.bridge_exits if x[0] <= hung), reverse=True):
            if last - t > 0.5:
                break
            run.append((t, uid))
            last = t
        return run[::-1]


def events_for_call(rows: list[dict[str, str]], qlog: dict[str, list[list[str]]],
                    members: Mapping[str, str] | None = None, statuses: Iterable[Message] = ()) -> list[Message]:
    """The AMI events a call's CEL and queue_log rows stand for. ``statuses``: QUEUESTATUS
    VarSets the listener saw of the call, for the channels CEL has none of (a foreign
    dialplan writes no CELGenUserEvent: its caller refused at the join is in no log)."""
    call = _CelCall(rows[0]["linkedid"], dict(members or {}))
    for r in rows:
        call.row(r)
    told = {e.get("Uniqueid") for e in call.events if e.name == "VarSet" and e.get("Variable") == QUEUE_STATUS_VAR}
    call.events += [e for e in statuses if e.get("Variable") == QUEUE_STATUS_VAR and e.get("Uniqueid") not in told]
    call.queue_activity(qlog)
    call.cancelled_rings()
    call.callback_dial()
    request = call.hangup_request()
    if request is not None:
        call.events.append(request)
    call.events.sort(key=lambda m: m.timestamp or 0.0)
    return call.events


def backfill_calls(cel_csv: Path, queue_log: Path, since: float, until: float, *, server: str, rules: RingRule,
                   members: Mapping[str, str], skip: set[str], only: set[str] | None = None,
                   lookback: float = MAX_CALL_S, internal: InternalNumbers = DEFAULT_INTERNAL_NUMBERS,
                   statuses: Mapping[str, list[Message]] | None = None) -> list[CallRecord]:
    """Records for the calls that ended in [since, until), whenever (within ``lookback``) they
    started, and are not in ``skip`` (and, with ``only``, are among those); ``statuses``: by
    call, the QUEUESTATUS VarSets the listener saw (:func:`events_for_call`)."""
    cel = read_cel(cel_csv, since, until, lookback)
    wanted = {lid: rows for lid, rows in cel.items() if lid not in skip and (only is None or lid in only)}
    if not wanted:
        return []
    first = min(float(r["eventtime"]) for rows in wanted.values() for r in rows[:1])
    qlog = read_queue_log(queue_log, first - 60, until + 60)
    out = []
    for lid, rows in wanted.items():
        try:
            events = events_for_call(rows, qlog, members, (statuses or {}).get(lid, ()))
            rec = build_call(lid, events, server=server, rules=rules, members=members, internal=internal)
        except Exception:
            log.exception("backfill of call %s failed", lid)
            continue
        rec.vars[ChanVar.SOURCE.value] = "backfill"
        # Asterisk's CEL has no hold event (its types end at LOCAL_OPTIMIZE_BEGIN): no hold is seen,
        # none is disproved
        rec.holds = rec.hold_seconds = None
        out.append(rec)
    return out

