"""The hotline's IVR flows: inbound (greeting, outage notice, menu, fault report) and survey.

Every step leaves a trace on the call for the listener: ``HOTLINE_*`` channel variables and a
``UserEvent: HotlineIvr`` with Step / Digits / Result. What the inbound flow decides next is left
in HOTLINE_NEXT (queue | hangup); the dialplan queues the caller unless told to hang up, so a
crashed or missing IVR never drops a caller.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hotline import rules
from hotline.chanvars import ChanVar
from hotline.field.standing import Stage, Standing
from hotline.prompt_catalogue import KEYPAD_DISTRICTS
from hotline.settings import Settings
from hotline.timeutil import utcnow
from ivr.agi import AgiProtocolError, AgiRequest, CallerHangup, safe_call_id
from ivr.server import AgiChannel, Handler
from ivr.store import IvrStore, ReportWriter

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
ALL_KEYS = "0123456789*#"
MENU = {"1": "fault", "2": "consult", "3": "complaint", "0": "agent"}
AREA_KEYS = {"1": "urban", "2": "rural"}
# out of hours, the callback promised for a matter the caller named (R-CONSULT-24H, R-COMPLAINT); any
# other — 0 for an agent, no choice, a fault report the keys ran out on — asked for a person, who
# calls back after opening (R-MISSED-CALLBACK: hotline.callbacks.tasks.asked_for_agent)
CALLBACK_PROMISES = {"consult": "consult_callback", "complaint": "complaint_received"}
# every prompt the flows (and the agent-connect dialplan) play; checked at start
PROMPTS_USED = [
    "welcome", "menu", "invalid_key", "no_input", "fault_contact_confirm", "fault_enter_contact",
    "fault_account", "fault_district", "fault_area", "fault_type", "fault_describe", "fault_confirm", "fault_ticket",
    "sla_urban", "sla_rural", "sla_urban_next_open", "sla_rural_next_open", "outage_prefix", "outage_cause_power",
    "outage_cause_headend",
    "outage_cause_force_majeure", "outage_cause_other", "outage_apology", "out_of_hours", "agent_callback",
    "consult_callback", "complaint_received", "queue_hold", "all_busy", "late_apology", "work_number_prefix",
    "work_number_suffix", "survey", "survey_thanks", "goodbye", "repair_status_ticket", "repair_status_keys",
] + [f"repair_status_{stage}" for stage in Stage] + [f"digits/{d}" for d in range(10)]
_PHONE = re.compile(r"^\d{5,20}$")
_ACCOUNT = re.compile(r"^\d{1,32}$")


def prompt(pid: str) -> str:
    return f"hotline/{pid}"


def recordings_dir(s: Settings) -> Path:
    """IVR voice descriptions sit inside the monitor dir the panel serves recordings from."""
    return Path(s.recordings_dir) / "ivr" if s.recordings_dir else s.asterisk_dir / "spool" / "monitor" / "ivr"


def _call_id(request: AgiRequest) -> str:
    """The call's Linkedid (agi_arg_1), else the channel's uniqueid. Either names the voice
    description's file: one that is not a plain Asterisk id is refused, never used in a path."""
    args = request.args
    if args and args[0]:
        if safe_call_id(args[0]):
            return args[0]
        log.warning("FastAGI %s: agi_arg_1 %r is not a call id: using the uniqueid", request.channel, args[0][:80])
    uniqueid = safe_call_id(request.uniqueid)
    if uniqueid is None:
        raise AgiProtocolError(f"agi_uniqueid {request.uniqueid[:80]!r} is not a call id")
    return uniqueid


class Call:
    """One caller's session: prompts, keys, and the trace the listener reads."""

    def __init__(self, s: Settings, ch: AgiChannel):
        self.s, self.ch = s, ch
        self.call_id = _call_id(ch.request)  # the Linkedid
        self.caller = ch.request.caller
        self.heard_hours = False  # the out-of-hours notice was played to the end
        self.known = False  # in the customer master (their district is the master's)
        self.heard_outage = False
        self.digit_timeout_s: float | None = None  # TIMEOUT(digit) as set on the channel (reask)

    async def trace(self, step: str, digits: str = "", result: str = "ok") -> None:
        body = f"HotlineIvr,Step: {step},Digits: {digits},Result: {result}"
        await self.ch.command("EXEC", "UserEvent", body)
        # also into CEL, which Asterisk keeps while the listener is away (its backfill reads it)
        await self.ch.command("EXEC", "CELGenUserEvent", f"HotlineIvr,{step}|{digits}|{result}")

    async def setvar(self, name: str, value: object) -> None:
        await self.ch.command("SET VARIABLE", name, value)
        if not self.ch.hung_up:  # EXEC needs a live channel; SET VARIABLE works after a hang-up too
            await self.ch.command("EXEC", "CELGenUserEvent", f"HOTLINE,{name}={value}")

    async def play(self, *ids: str, keys: str = "") -> str:
        """Play prompts in turn; a key in ``keys`` stops them and is returned."""
        for pid in ids:
            reply = await self.ch.command("STREAM FILE", prompt(pid), keys)
            if reply.digit:
                return reply.digit
        return ""

    async def say_digits(self, digits: str) -> None:
        await self.ch.command("SAY DIGITS", digits, "")

    async def get_data(self, pid: str, timeout_s: float, max_digits: int) -> tuple[str, bool]:
        """Play a prompt and collect keys: (digits, timed_out). # ends the entry."""
        reply = await self.ch.command("GET DATA", prompt(pid), int(timeout_s * 1000), max_digits)
        return reply.result, reply.data == "timeout"

    async def reask(self, apology: str, pid: str, timeout_s: float, max_digits: int) -> tuple[str, bool]:
        """The apology and the question asked again as ONE command: Asterisk's Read, its files joined
        by & (GET DATA plays a single file). A key over the apology starts the answer and the question
        is then not played; with no AGI command between the two, no key falls in the instant where
        res_agi, waiting for the next command, reads and drops the channel's frames."""
        if max_digits > 1 and self.digit_timeout_s != timeout_s:
            # keys after one pressed over the apology wait as long as those after the question
            await self.ch.command("SET VARIABLE", ChanVar.DIGIT_TIMEOUT, timeout_s)
            self.digit_timeout_s = timeout_s
        files = f"{prompt(apology)}&{prompt(pid)}"
        ran = await self.ch.command("EXEC", "Read", f"{ChanVar.READ_KEYS},{files},{max_digits},,1,{timeout_s}")
        got = await self.ch.command("GET FULL VARIABLE", f"${{{ChanVar.READ_KEYS}}}|${{{ChanVar.READ_STATUS}}}")
        digits, _, status = (got.data or "").rpartition("|")
        if status == "HANGUP":
            raise CallerHangup("Read: channel hung up")
        if ran.result != "0" or status not in ("OK", "TIMEOUT"):
            # as if nothing was keyed: the question is asked again, or the caller goes to an agent
            log.warning("FastAGI %s: Read %s: %s, status %r", self.ch.request.channel, files, ran.text, status)
            return "", True
        return digits, status == "TIMEOUT"

    async def ask(self, step: str, pid: str, timeout_s: float, max_digits: int, valid: Callable[[str], bool],
                  first: str = "") -> str | None:
        """A question asked at most ivr_menu_tries times, each time again after an apology; None when
        no valid answer came. ``first``: a key the caller already pressed (over the greeting)."""
        apology = ""
        for _attempt in range(self.s.ivr_menu_tries):
            if first:
                digits, timed_out, first = first, False, ""
            elif apology:
                digits, timed_out = await self.reask(apology, pid, timeout_s, max_digits)
            else:
                digits, timed_out = await self.get_data(pid, timeout_s, max_digits)
            if valid(digits):
                await self.trace(step, digits, "ok")
                return digits
            result = "timeout" if timed_out and not digits else "invalid"  # '#' alone is an entry
            await self.trace(step, digits, result)
            apology = "invalid_key" if result == "invalid" else "no_input"
        return None

    async def choose(self, step: str, pid: str, keys: str, first: str = "") -> str | None:
        """A one-key menu; a key over the apology is the answer to the question asked again."""
        return await self.ask(step, pid, self.s.ivr_key_timeout_s, 1, lambda d: bool(d) and d in keys, first)

    async def enter(self, step: str, pid: str, pattern: re.Pattern[str]) -> str | None:
        """A number ended by # (or the timeout); digits over the apology are its start."""
        return await self.ask(step, pid, self.s.ivr_entry_timeout_s, 32, lambda d: bool(pattern.match(d)))


@dataclass
class Report:
    """The fault report as keyed so far; mirrored to the database and to call variables."""

    report_id: int | None = None
    ticket: str | None = None
    contact: str | None = None
    account: str | None = None
    area: str | None = None
    district: str | None = None
    fault_type: str | None = None
    recording: str | None = None
    started_at: datetime | None = None  # the report's created_at, from which its repair clock runs


class IvrFlows:
    def __init__(self, s: Settings, store: IvrStore, clock: Clock = utcnow):
        self.s, self.store, self.clock = s, store, clock
        recordings_dir(s).mkdir(parents=True, exist_ok=True)

    def routes(self) -> dict[str, Handler]:
        return {"inbound": self.inbound, "survey": self.survey}

    # --- inbound ---------------------------------------------------------------------------
    async def inbound(self, ch: AgiChannel) -> None:
        # the service settings in force for this call: hours, fault types (changed in the panel)
        call = Call(await self.store.in_force(), ch)
        now = self.clock()
        # the look-up runs while the greeting plays: the caller never waits on the database
        lookup = asyncio.ensure_future(self.store.lookup(call.caller, now))
        try:
            key = await call.play("welcome", keys=ALL_KEYS)  # R-ANS-GREET
        finally:
            info = await lookup
        await call.trace("greeting", key, "ok")
        if info.vip:
            await call.setvar(ChanVar.VIP, "1")  # R-VIP: hotline-queue sets QUEUE_PRIO
        if info.customer_id is not None:
            await call.setvar(ChanVar.CUSTOMER, info.customer_id)
        if info.open_reports:
            await call.setvar(ChanVar.OPEN_MATTERS, info.open_reports)  # R-ONE-CALL
        call.known = info.customer_id is not None
        if info.outage_id is not None:
            await self.announce_outage(call, info.outage_id, info.outage_cause)
        staffed = rules.in_service_hours(call.s, now)  # R-ANS-HOURS
        # a key over the greeting is the caller's menu choice: they know what they called for
        if info.standing is not None and not key and await self.repair_status(call, info.standing):
            await call.setvar(ChanVar.MENU, "agent")
            await self.to_agent(call, "agent", staffed)
            return
        if not staffed:
            await call.setvar(ChanVar.OUT_OF_HOURS, "1")
            if not key:
                key = await call.play("out_of_hours", keys=ALL_KEYS)
                call.heard_hours = not key
            await call.trace("out_of_hours", key, "ok")
        choice = await call.choose("menu", "menu", "".join(MENU), first=key)
        matter = MENU.get(choice or "", "agent")
        await call.setvar(ChanVar.MENU, matter if choice else "none")
        if matter == "fault":
            done = await self.fault_report(call, staffed)
            if done:
                await call.play("goodbye")
                await self.finish(call, "hangup")
                return
            # keys ran out or the database is down: a person takes it over (or calls back)
        await self.to_agent(call, matter, staffed)

    async def announce_outage(self, call: Call, outage_id: int, cause: str | None) -> None:
        """R-FAULT-OUTAGE: the known outage of the caller's district, with its cause and an apology,
        heard in full. Played by the Playback application (not STREAM FILE) so that Asterisk's own
        CEL keeps what the caller heard (APP_START Playback with the prompt files)."""
        call.heard_outage = True
        await call.setvar(ChanVar.OUTAGE, outage_id)
        cause = cause if cause in ("power", "headend", "force_majeure") else "other"
        files = "&".join(prompt(p) for p in ("outage_prefix", f"outage_cause_{cause}", "outage_apology"))
        await call.ch.command("EXEC", "Playback", files)
        await call.trace("outage", cause, "ok")

    async def repair_status(self, call: Call, standing: Standing) -> bool:
        """R-ONE-CALL: a caller with an open fault report hears its ticket and where it stands
        before the menu, then 1 hears it once more, 0 urges it (a note on its work order) and asks
        for an agent — True —, any other key or none goes on to the menu. The ticket is on the call
        first, so the desk's pop shows which report was told (even after a hang-up here)."""
        await call.setvar(ChanVar.STATUS_TICKET, standing.ticket)
        for hearing in range(2):  # the first hearing and one repeat: no loop to be stuck in
            await call.play("repair_status_ticket")
            await call.say_digits(standing.ticket)
            await call.play(f"repair_status_{standing.stage}")
            await call.trace("repair_status", standing.ticket, standing.stage)
            digits, timed_out = await call.get_data("repair_status_keys", call.s.ivr_key_timeout_s, 1)
            if digits == "0":
                # noted before the next AGI command (a hang-up on it loses nothing) and behind the
                # call: the caller goes on to the queue without waiting on the database
                self.store.keep(asyncio.ensure_future(self.store.urge(standing.report_id, self.clock())))
            await call.trace("repair_status.key", digits, "timeout" if timed_out and not digits else "ok")
            if digits != "1" or hearing:
                break
        return digits == "0"

    async def to_agent(self, call: Call, matter: str, staffed: bool) -> None:
        if staffed:
            await call.trace("queue", "", "ok")
            await call.play("queue_hold")
            await self.finish(call, "queue")
            return
        # R-ANS-HOURS: nobody to queue for; promise a callback (R-ONE-CALL) for what was asked. Played
        # by the Playback application, as the outage notice: Asterisk's CEL keeps the promise made
        await call.setvar(ChanVar.CALLBACK, "1")
        promise = ([] if call.heard_hours else ["out_of_hours"]) + [CALLBACK_PROMISES.get(matter, "agent_callback")]
        await call.ch.command("EXEC", "Playback", "&".join(prompt(p) for p in promise))
        await call.trace("callback", "", "ok")
        await call.play("goodbye")
        await self.finish(call, "hangup")

    async def finish(self, call: Call, next_step: str) -> None:
        await call.setvar(ChanVar.NEXT, next_step)
        await call.setvar(ChanVar.IVR, "done")

    # --- fault report ------------------------------------------------------------------------
    async def fault_report(self, call: Call, staffed: bool) -> bool:
        """R-FAULT-*: keyed report, saved step by step. True when it was confirmed and read back."""
        started = self.clock()
        rep = Report(started_at=started)
        writer = self.store.writer()
        writer.start(call.call_id, call.caller, started, not staffed)  # saved before any key
        try:
            return await self._fault_steps(call, rep, writer)
        finally:
            writer.close()

    def _save(self, writer: ReportWriter, rep: Report, step: str, **fields: object) -> None:
        writer.update(self.clock(), last_step=step, **fields)

    async def _fault_steps(self, call: Call, rep: Report, writer: ReportWriter) -> bool:
        """The fault report's steps (R-FAULT-SLA), in the order the caller hears them: contact,
        account, area, fault type, description, confirmation. Kept as one straight sequence —
        each step is three lines of ask / store / record — so it reads like the call itself."""
        if not call.known and call.s.districts:
            await self._district(call, rep, writer)
        for _round in range(self.s.ivr_menu_tries):
            # contact number: the caller's own, or another one keyed in
            rep.contact = None
            if call.caller and _PHONE.match(call.caller):
                key = await call.choose("fault.contact", "fault_contact_confirm", "12")
                if key is None:
                    return False
                if key == "1":
                    rep.contact = call.caller
            if rep.contact is None:
                rep.contact = await call.enter("fault.contact", "fault_enter_contact", _PHONE)
                if rep.contact is None:
                    return False
            # each answer is stored before the next AGI command: a hang-up on that command loses nothing
            self._save(writer, rep, "contact", contact=rep.contact)
            await call.setvar(ChanVar.FAULT_CONTACT, rep.contact)

            rep.account = await call.enter("fault.account", "fault_account", _ACCOUNT)
            if rep.account is None:
                return False
            self._save(writer, rep, "account", account=rep.account)
            await call.setvar(ChanVar.FAULT_ACCOUNT, rep.account)

            key = await call.choose("fault.area", "fault_area", "".join(AREA_KEYS))
            if key is None:
                return False
            rep.area = AREA_KEYS[key]
            self._save(writer, rep, "area", area=rep.area)
            await call.setvar(ChanVar.FAULT_AREA, rep.area)

            types = call.s.ivr_fault_types
            key = await call.choose("fault.type", "fault_type", "".join(str(i + 1) for i in range(min(len(types), 9))))
            if key is None:
                return False
            rep.fault_type = types[int(key) - 1]
            self._save(writer, rep, "type", fault_type=rep.fault_type)
            await call.setvar(ChanVar.FAULT_TYPE, rep.fault_type)

            rep.recording = await self._describe(call, rep, writer)
            if rep.recording:
                self._save(writer, rep, "describe", recording=rep.recording)
                await call.setvar(ChanVar.FAULT_RECORDING, rep.recording)

            # no key is taken as a yes: what was keyed is kept, never dropped
            key = await call.choose("fault.confirm", "fault_confirm", "12")
            if key != "2":
                break
        else:
            return False
        stored = await writer.report(self.s.ivr_db_timeout_s)
        if stored is None:
            return False  # not stored: an agent takes the details (they are on the call)
        rep.report_id, rep.ticket = stored
        await call.setvar(ChanVar.FAULT_REPORT, rep.report_id)
        self._save(writer, rep, "confirm", status="open")
        await call.setvar(ChanVar.FAULT_TICKET, rep.ticket)
        # read-back: ticket number and the time promise for the area (R-FAULT-SLA). A report after
        # the same-evening cutoff or before opening is handled from the next opening (the work
        # order's and the receipt SMS's arrive-by): "within 30 minutes" from now would be untrue.
        await call.play("fault_ticket")
        await call.say_digits(rep.ticket or "")
        due = rules.fault_due(call.s, rep.area or "urban", rep.started_at or self.clock())
        await call.play(f"sla_{rep.area}" if due.same_evening else f"sla_{rep.area}_next_open")
        await call.trace("fault.ticket", rep.ticket or "", "ok")
        return True

    async def _district(self, call: Call, rep: Report, writer: ReportWriter) -> None:
        """R-FAULT-OUTAGE for a caller not in the customer master: their district by keypad (the
        first nine of settings.districts), so the report is dispatched in it, counts towards its
        outage clusters, and a known outage there is announced before anything else is asked. No
        valid key: the report goes on without one (a supervisor dispatches it)."""
        districts = call.s.districts[:KEYPAD_DISTRICTS]
        key = await call.choose("fault.district", "fault_district", "".join(str(i + 1) for i in range(len(districts))))
        if key is None:
            return
        rep.district = districts[int(key) - 1]
        self._save(writer, rep, "district", district=rep.district)
        await call.setvar(ChanVar.FAULT_DISTRICT, rep.district)
        outage = await self.store.outage_in(rep.district, self.clock())
        if outage is not None and not call.heard_outage:
            await self.announce_outage(call, *outage)

    async def _describe(self, call: Call, rep: Report, writer: ReportWriter) -> str | None:
        # '#' over the prompt skips it: the recording starts at once ('#' again ends it)
        await call.play("fault_describe", keys="#")
        name = f"{call.call_id}-fault"
        base = recordings_dir(self.s) / name
        try:
            reply = await call.ch.command("RECORD FILE", str(base), "wav", "#", self.s.ivr_record_max_s * 1000,
                                          "BEEP", f"s={self.s.ivr_record_silence_s}")
        except CallerHangup:
            # what was said before the hang-up is kept
            self._save(writer, rep, "describe", recording=f"{base}.wav")
            raise
        await call.trace("fault.describe", reply.digit, "ok" if reply.ok else "invalid")
        return f"{base}.wav" if reply.ok else None

    # --- survey ------------------------------------------------------------------------------
    async def survey(self, ch: AgiChannel) -> None:
        """R-SURVEY: 1 satisfied, 2 fair, 3 dissatisfied, stored on the call."""
        call = Call(self.s, ch)
        key = await call.choose("survey", "survey", "123")
        if key:
            await call.setvar(ChanVar.SURVEY, key)
            await call.play("survey_thanks")
        await call.play("goodbye")
