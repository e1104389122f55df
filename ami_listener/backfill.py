"""Calls that happened while AMI was down, rebuilt from Asterisk's own durable logs.

Asterisk writes every call to CEL (``cel_custom``: Master.csv, microsecond times) and queue
activity to ``queue_log`` whatever happens to the AMI connection. For each call of the gap that
has no record, those rows are turned back into the AMI events they stand for and given to the
same call builder: one builder, whatever the source. What CEL does not say (the ring start of an
agent who did not answer, to the second only in queue_log) is taken from queue_log.
The record carries ``vars["HOTLINE_SOURCE"] = "backfill"`` (ChanVar.SOURCE).
"""

from __future__ import annotations

import csv
import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ami_listener.builder import build_call
from ami_listener.reader import Message
from ami_listener.record import CallRecord
from hotline.chanvars import ChanVar
from hotline.pbx.config import Layout
from hotline.rules import RingRule
from hotline.settings import Settings
from hotline.vocabulary import HangupParty

log = logging.getLogger(__name__)

# Master.csv columns, as asterisk/cel_custom.conf writes them
CEL_COLUMNS = ("eventtype", "eventtime", "cid_name", "cid_num", "cid_ani", "cid_rdnis", "cid_dnid", "exten",
               "context", "channame", "appname", "appdata", "amaflags", "accountcode", "uniqueid", "linkedid",
               "peer", "userfield", "userdeftype", "extra")


def read_cel(path: Path, since: float, until: float) -> dict[str, list[dict[str, str]]]:
    """CEL rows by Linkedid for the calls that started in [since, until)."""
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    started: set[str] = set()
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        for values in csv.reader(fh):
            if len(values) < len(CEL_COLUMNS):
                continue
            row = dict(zip(CEL_COLUMNS, values))
            try:
                t = float(row["eventtime"])
            except ValueError:
                continue
            lid = row["linkedid"]
            if row["eventtype"] == "CHAN_START" and row["uniqueid"] == lid and since <= t < until:
                started.add(lid)
            rows[lid].append(row)
    return {lid: rows[lid] for lid in started}


def read_queue_log(path: Path, since: float, until: float) -> dict[str, list[list[str]]]:
    """queue_log lines by callid (the caller channel's Uniqueid)."""
    out: dict[str, list[list[str]]] = defaultdict(list)
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("|")
            if len(parts) < 5:
                continue
            try:
                t = float(parts[0])
            except ValueError:
                continue
            if since - 60 <= t < until + 3600:
                out[parts[1]].append(parts)
    return out


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


@dataclass
class _CelCall:
    """One call's CEL rows, read: the events they stand for and what the queue_log pass needs."""

    lid: str
    events: list[Message] = field(default_factory=list)
    chan_of: dict[str, str] = field(default_factory=dict)  # Uniqueid → channel name
    first_start: dict[str, float] = field(default_factory=dict)
    answer_at: dict[str, float] = field(default_factory=dict)
    first_hangup: tuple[float, dict[str, str | None], str] | None = None  # (time, channel headers, hangupsource)
    completed_by: tuple[HangupParty, str] | None = None  # queue_log COMPLETEAGENT/COMPLETECALLER: (who, member uid)

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
            evs.append(_msg("Newchannel", t, ChannelStateDesc="Down", **common))
        elif kind == "ANSWER":
            self.answer_at.setdefault(uid, t)
            evs.append(_msg("Newstate", t, ChannelStateDesc="Up", **common))
        elif kind in ("BRIDGE_ENTER", "BRIDGE_EXIT"):
            evs.append(_msg("BridgeEnter" if kind == "BRIDGE_ENTER" else "BridgeLeave", t,
                            BridgeUniqueid=_extra(r).get("bridge_id", ""), **common))
        elif kind == "HANGUP":
            extra = _extra(r)
            if self.first_hangup is None:
                self.first_hangup = (t, common, extra.get("hangupsource") or "")
            evs.append(_msg("Hangup", t, Cause=str(extra.get("hangupcause", "")), **common))
        elif kind == "BLINDTRANSFER":
            evs.append(_msg("BlindTransfer", t, TransfererChannel=chan, TransfererLinkedid=lid,
                            Extension=_extra(r).get("extension"), Result="Success"))
        elif kind == "ATTENDEDTRANSFER":
            evs.append(_msg("AttendedTransfer", t, OrigTransfererChannel=chan, OrigTransfererLinkedid=lid,
                            Result="Success"))

    def queue_activity(self, qlog: dict[str, list[list[str]]]) -> None:
        """The queue_log lines of the call's channels, as the queue events they stand for."""
        member_of_connect = ""
        evs = self.events
        for uid, chan in self.chan_of.items():
            for parts in qlog.get(uid, []):
                t, queue, agent, what = float(parts[0]), parts[2], parts[3], parts[4]
                data = parts[5:]
                base = dict(Channel=chan, Uniqueid=uid, Linkedid=self.lid, Queue=queue)
                if what == "ENTERQUEUE":
                    # queue_log has whole seconds: the channel's own CEL rows are finer — the queue
                    # entry cannot precede the caller's answer
                    t = max(t, self.answer_at.get(uid, t))
                    evs.append(_msg("QueueCallerJoin", t, CallerIDNum=data[1] if len(data) > 1 else None, **base))
                elif what in ("COMPLETEAGENT", "COMPLETECALLER"):
                    self.completed_by = (HangupParty.AGENT if what == "COMPLETEAGENT" else HangupParty.CALLER,
                                         member_of_connect)
                elif what == "CONNECT" and len(data) > 1:
                    member_uid = member_of_connect = data[1]
                    member_chan = self.chan_of.get(member_uid, "")
                    rang = self.first_start.get(member_uid, t)
                    answered = self.answer_at.get(member_uid, t)
                    evs.append(_msg("AgentCalled", rang, DestChannel=member_chan, MemberName=agent, **base))
                    evs.append(_msg("DialEnd", answered, DestChannel=member_chan, DialStatus="ANSWER", **base))
                    evs.append(_msg("AgentConnect", answered, DestChannel=member_chan, MemberName=agent, **base))
                elif what == "RINGNOANSWER" and data:
                    ring_s = float(data[0] or 0) / 1000.0
                    dest = f"backfill/{agent}/{t}"
                    evs.append(_msg("AgentCalled", t - ring_s, DestChannel=dest, MemberName=agent, **base))
                    evs.append(_msg("AgentRingNoAnswer", t, DestChannel=dest, MemberName=agent, **base))
                elif what == "ABANDON":
                    evs.append(_msg("QueueCallerAbandon", t, **base))
                elif what in ("EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY"):
                    evs.append(_msg("QueueCallerLeave", t, **base))
                    status = {"EXITWITHTIMEOUT": "TIMEOUT", "EXITEMPTY": "LEAVEEMPTY"}.get(what, "CONTINUE")
                    evs.append(_msg("VarSet", t, Variable="QUEUESTATUS", Value=status, **base))

    def hangup_request(self) -> Message | None:
        """Who hung up first (R-ANS-HANGUP-LAST). CEL's HANGUP rows come in teardown order, which
        says nothing about who started it; queue_log does (COMPLETEAGENT / COMPLETECALLER), and
        CEL names the source for real phones. Without either, the first channel torn down is taken."""
        if self.first_hangup is None:
            return None
        t, common, source = self.first_hangup
        target = common
        if self.completed_by is not None:
            who, member_uid = self.completed_by
            uid = member_uid if who == HangupParty.AGENT else self.lid
            if uid in self.chan_of:
                target = dict(common, Channel=self.chan_of[uid], Uniqueid=uid)
        elif source:
            found = next((u for u, c in self.chan_of.items() if c == source), None)
            if found is not None:
                target = dict(common, Channel=source, Uniqueid=found)
        return _msg("HangupRequest", t - 1e-6, **target)


def events_for_call(rows: list[dict[str, str]], qlog: dict[str, list[list[str]]]) -> list[Message]:
    """The AMI events a call's CEL and queue_log rows stand for."""
    call = _CelCall(rows[0]["linkedid"])
    for r in rows:
        call.row(r)
    call.queue_activity(qlog)
    request = call.hangup_request()
    if request is not None:
        call.events.append(request)
    call.events.sort(key=lambda m: m.timestamp or 0.0)
    return call.events


def log_paths(s: Settings) -> tuple[Path, Path]:
    """Where Asterisk writes CEL (Master.csv) and queue_log for this server."""
    layout = Layout(s.asterisk_dir)
    return (Path(s.cel_csv_path) if s.cel_csv_path else layout.cel_csv,
            Path(s.queue_log_path) if s.queue_log_path else layout.queue_log)


def backfill_calls(cel_csv: Path, queue_log: Path, since: float, until: float, *, server: str, rules: RingRule,
                   members: Mapping[str, str], skip: set[str], only: set[str] | None = None) -> list[CallRecord]:
    """Records for the calls that started in [since, until), ended, and are not in ``skip``
    (and, with ``only``, are among those)."""
    cel = read_cel(cel_csv, since, until)
    qlog = read_queue_log(queue_log, since, until)
    out = []
    for lid, rows in cel.items():
        if lid in skip or (only is not None and lid not in only):
            continue
        if not any(r["eventtype"] == "LINKEDID_END" for r in rows):
            continue
        try:
            rec = build_call(lid, events_for_call(rows, qlog), server=server, rules=rules, members=members)
        except Exception:  # noqa: BLE001 - one bad row set must not stop the others
            log.exception("backfill of call %s failed", lid)
            continue
        rec.vars[ChanVar.SOURCE.value] = "backfill"
        out.append(rec)
    return out


class CelRepair:
    """Completes a call the listener saw only in part (attached mid-call, AMI gap): Asterisk's
    CEL has all of it once it ended. The pipeline's ``repair`` stage."""

    def __init__(self, s: Settings, rules: RingRule):
        self.server = s.server_id
        self.rules = rules
        self.cel, self.queue_log = log_paths(s)

    def __call__(self, rec: CallRecord, members: Mapping[str, str]) -> CallRecord | None:
        end = rec.ended_at or time.time()
        try:
            found = backfill_calls(self.cel, self.queue_log, end - 6 * 3600, end + 1, server=self.server,
                                   rules=self.rules, members=members, skip=set(), only={rec.call_id})
        except Exception:  # noqa: BLE001 - keep the incomplete record rather than nothing
            log.exception("completing call %s from CEL failed", rec.call_id)
            return None
        return found[0] if found else None
