"""Records the AMI captures the listener's tests replay, from the project's real Asterisk.

    .venv/bin/python -m tests.captures.record [NAME ...]     (default: every scenario)
    .venv/bin/python -m tests.captures.record --foreign [NAME ...]        (tests/captures/foreign/)
    .venv/bin/python -m tests.captures.record --foreign-pjsip [NAME ...]  (tests/captures/foreign_pjsip/)
    .venv/bin/python -m tests.captures.record --foreign-dial [NAME ...]   (tests/captures/foreign_dial/)
    .venv/bin/python -m tests.captures.record --foreign-more [NAME ...]   (tests/captures/foreign_more/, more.py)
    .venv/bin/python -m tests.captures.record --foreign-ops [NAME ...]    (tests/captures/foreign_ops/, ops.py)
    .venv/bin/python -m tests.captures.record --foreign-cti [NAME ...]    (tests/captures/foreign_cti/, cti.py)
    .venv/bin/python -m tests.captures.record --own-limits [NAME ...]     (tests/captures/own_limits/, limits.py)
    .venv/bin/python -m tests.captures.record --foreign-agents [NAME ...] (tests/captures/foreign_agents/, agents.py)
    .venv/bin/python -m tests.captures.record --foreign-freepbx [NAME ...] (tests/captures/foreign_freepbx/, freepbx.py)
    .venv/bin/python -m tests.captures.record --foreign-rules [NAME ...]  (tests/captures/foreign_rules/, rules.py)
    .venv/bin/python -m tests.captures.record --foreign-accept [NAME ...] (tests/captures/foreign_accept/, accept.py)

Each scenario runs its calls on a private Asterisk and writes ``tests/captures/<name>.ami``: the
raw bytes exactly as AMI sent them (banner and login response included), as ``hotline listener capture``
would. Captures are never edited by hand; re-record them with this script.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from ami_listener.connection import AmiConnection
from ami_listener.reader import Message
from hotline.pbx.ami import AmiError, AmiLogin, AmiRole, ami_login
from hotline.pbx.config import AMI_PERMISSIONS
from hotline.pbx.process import Asterisk
from hotline.settings import Settings
from tests.captures.steps import Recorder
from tests.support.pbx import EventTap, pbx_test_settings
from tests.support.postgres import sqlite_url

HERE = Path(__file__).resolve().parent
log = logging.getLogger("record")

# Ring cycle 1 s in the replay tests: 4 rings = 4 s (R-ANS-4RINGS).
CAPTURE_SETTINGS = dict(queue_member_timeout_s=7, queue_timeout_s=12, queue_strategy="linear",
                        server_id="capture", agents=["8001", "8002", "8003"])


def _scenarios() -> dict[str, Callable[[Recorder], None]]:
    def quick_answer(r: Recorder) -> None:
        r.wait_gone(r.inbound(agents={"8001": ("answer", 1, 2)}, stay=10))

    def late_answer(r: Recorder) -> None:
        r.wait_gone(r.inbound(agents={"8001": ("answer", 5.5, 2)}, stay=40))

    def ring_no_answer_rollover(r: Recorder) -> None:
        r.wait_gone(r.inbound(agents={"8001": ("noanswer", 0, 0), "8002": ("answer", 1, 2)}, stay=20))

    def abandon_queued(r: Recorder) -> None:
        r.wait_gone(r.inbound(agents={"8001": ("noanswer", 0, 0)}, stay=3))

    def queue_timeout(r: Recorder) -> None:
        r.wait_gone(r.inbound(agents={a: ("busy", 0, 0) for a in ("8001", "8002", "8003")}, stay=30))

    def agent_hangs_up_first(r: Recorder) -> None:
        r.wait_gone(r.inbound(agents={"8001": ("answer", 1, 2)}, stay=10))

    def caller_hangs_up_first(r: Recorder) -> None:
        r.wait_gone(r.inbound(agents={"8001": ("answer", 1, 20)}, stay=4))

    def queue_blind_transfer(r: Recorder) -> None:
        cid = r.inbound(agents={"8001": ("answer", 1, 20), "8002": ("answer", 1, 2)}, stay=15)
        chan = r.agent_channel(cid, "8001")
        time.sleep(1)
        r.blind_transfer(chan, "8002", context="agents-transfer")
        r.wait_gone(cid)

    def queue_attended_transfer(r: Recorder) -> None:
        cid = r.inbound(agents={"8001": ("answer", 1, 20), "8002": ("answer", 1, 3)}, stay=15)
        chan = r.agent_channel(cid, "8001")
        time.sleep(1)
        r.attended_transfer(chan, "8002", context="agents-transfer")
        # the transfer target answers after its ring; then the transferring agent hangs up,
        # which completes the transfer
        r.dial_answered("Local/8002@agents")
        time.sleep(1)
        r.hang_up(chan)
        r.wait_gone(cid)

    def queue_consult_cancelled(r: Recorder) -> None:
        # the desk's 咨询转接 then 取消咨询 (hotline.desk.consult start / cancel): 8001 consults
        # 8002 (AMI Atxfer) 1 s after answering; 8002 answers after 1 s; 1 s later the consultation's
        # channel is hung up and 8001 is back with the caller, who hangs up 12 s in
        cid = r.inbound(agents={"8001": ("answer", 1, 20), "8002": ("answer", 1, 20)}, stay=12)
        chan = r.agent_channel(cid, "8001")
        time.sleep(1)
        r.attended_transfer(chan, "8002", context="agents-transfer")
        r.dial_answered("Local/8002@agents")
        leg = r.tap.wait_for(lambda m: m.name == "Newchannel" and m.get("Linkedid") == cid
                             and (m.get("Channel") or "").startswith("Local/8002@agents-transfer-")
                             and (m.get("Channel") or "").endswith(";1"), 10)["Channel"]
        time.sleep(1)
        r.hang_up(leg)
        r.wait_gone(cid)

    def ami_redirect(r: Recorder) -> None:
        cid = r.inbound(agents={"8001": ("answer", 1, 20), "8003": ("answer", 1, 2)}, stay=15)
        r.agent_channel(cid, "8001")
        caller = r.caller_channel(cid)
        time.sleep(1)
        r.redirect(caller, "agents-transfer", "8003")
        r.wait_gone(cid)

    def callback_answered(r: Recorder) -> None:
        r.wait_gone(r.callback(customer_mode="answer", agent_talk=20))

    def callback_not_answered(r: Recorder) -> None:
        r.wait_gone(r.callback(customer_mode="noanswer", agent_talk=20))

    def callback_agent_no_answer(r: Recorder) -> None:
        cid = r.callback(agent_mode="noanswer", originate_timeout=3)
        r.wait_originate_done(cid)
        r.wait_gone(cid)

    def concurrent_30(r: Recorder) -> None:
        import random
        rnd = random.Random(30)
        ids = []
        for i in range(30):
            agents = {a: (rnd.choice(["answer"] * 4 + ["noanswer"]), rnd.choice([1, 2, 3]), rnd.choice([1, 2]))
                      for a in ("8001", "8002", "8003")}
            ids.append(r.inbound(caller=f"1380000{i:04d}", name=f"客户{i}", agents=agents,
                                 stay=rnd.choice([4, 20, 20, 20])))
            time.sleep(0.05)
        r.wait_gone(*ids, timeout=90)

    def sip_caller_hangs_up(r: Recorder) -> None:
        # a real SIP caller (SIPp's built-in UAC: INVITE, 8 s, BYE); agent 8001 rings 2 s, talks 10
        r.sip_call(hold_s=8)

    def sip_caller_agent_hangs_up(r: Recorder) -> None:
        r.sip_call(hold_s=25)  # the agent's 10 s of talk end first: Asterisk sends the BYE

    def hangup_in_ivr(r: Recorder) -> None:
        # R-ONE-CALL: a fault report left after the contact and account steps
        keys = "1" + "ww" + "1" + "ww" + "55500012#"
        r.wait_gone(r.inbound(caller="13800000201", dtmf=keys, stay=1.5))

    def ivr_menu_to_agent(r: Recorder) -> None:
        # the menu's 0 (agent), pressed once the greeting has played
        r.wait_gone(r.inbound(caller="13800000202", dtmf="w" * 12 + "0", agents={"8001": ("answer", 1, 2)},
                              stay=20))

    return {f.__name__: f for f in (quick_answer, late_answer, ring_no_answer_rollover, abandon_queued,
                                    queue_timeout, agent_hangs_up_first, caller_hangs_up_first,
                                    queue_blind_transfer, queue_attended_transfer, queue_consult_cancelled,
                                    ami_redirect, callback_answered, callback_not_answered, callback_agent_no_answer,
                                    concurrent_30, hangup_in_ivr, ivr_menu_to_agent, sip_caller_hangs_up,
                                    sip_caller_agent_hangs_up)}


def _foreign_scenarios() -> dict[str, Callable[[Recorder], None]]:
    """Recorded from tests/captures/foreign/ (a dialplan unlike ours): hotline number 400."""

    def call(r: Recorder, agents: dict[str, tuple[str, float, float]], stay: float) -> str:
        return r.inbound(agents=agents, stay=stay, caller="13600000001", name="外线")

    def foreign_ringall_answered(r: Recorder) -> None:
        # Alice and Bob ring together; Bob answers after 2 s, hangs up after 3 s of talk
        r.wait_gone(call(r, {"8001": ("noanswer", 0, 0), "8002": ("answer", 2, 3)}, stay=30))

    def foreign_caller_hangs_up(r: Recorder) -> None:
        r.wait_gone(call(r, {"8001": ("answer", 1, 30), "8002": ("noanswer", 0, 0)}, stay=6))

    def foreign_abandon(r: Recorder) -> None:
        r.wait_gone(call(r, {"8001": ("noanswer", 0, 0), "8002": ("noanswer", 0, 0)}, stay=4))

    def foreign_timeout(r: Recorder) -> None:
        r.wait_gone(call(r, {"8001": ("noanswer", 0, 0), "8002": ("noanswer", 0, 0)}, stay=40))

    return {f.__name__: f for f in (foreign_ringall_answered, foreign_caller_hangs_up, foreign_abandon,
                                    foreign_timeout)}


def record_foreign(names: list[str], out_dir: Path = HERE) -> None:
    scenarios = _foreign_scenarios()
    with tempfile.TemporaryDirectory() as tmp:
        templates = overlay_templates(tmp, "foreign")
        s = pbx_test_settings(Path(tmp) / "rt", server_id="foreign", hotline_number="400", queue_timeout_s=10)
        with Asterisk(s, templates) as ast, EventTap(s) as tap:
            rec = Recorder(s, ast, tap)
            for name in names or list(scenarios):
                _capture(s, out_dir / f"{name}.ami", lambda cap, name=name, rec=rec: scenarios[name](rec))


def _pjsip_scenarios() -> dict[str, Callable[[Recorder], None]]:
    """Recorded on an Asterisk whose agents are real SIP phones (agent_technology = "pjsip"):
    SIPp phones registering as the agents (tests/support/sipphone.py); IVR down."""

    def pjsip_agent_answered(r: Recorder) -> None:
        # 8001's phone answers after 0.8 s (one ring); the caller hears the work number (R-ANS-GREET,
        # about 4.5 s), talks about 2.5 s more with the agent and hangs up; Asterisk hangs up the phone
        from tests.support.sipphone import SipPhone

        with SipPhone(r.s, "8001", answer_after=0.8, talk=None):
            r.wait_gone(r.inbound(caller="13800000401", name="李四", stay=8))

    return {f.__name__: f for f in (pjsip_agent_answered,)}


def record_pjsip(names: list[str], out_dir: Path = HERE) -> None:
    scenarios = _pjsip_scenarios()
    with tempfile.TemporaryDirectory() as tmp:
        s = pbx_test_settings(Path(tmp), **{**CAPTURE_SETTINGS, "agents": ["8001", "8002"]}, agent_technology="pjsip")
        from hotline.prompt_library.builder import build

        build(s, engine="espeak", progress=None)  # the work-number announcement plays them
        with Asterisk(s) as ast, EventTap(s) as tap:
            rec = Recorder(s, ast, tap)
            for name in names or list(scenarios):
                _capture(s, out_dir / f"{name}.ami", lambda cap, name=name, rec=rec: scenarios[name](rec))


def _foreign_pjsip_scenarios() -> dict[str, Callable[[Recorder], None]]:
    """Recorded from tests/captures/foreign_pjsip/: queue members are the SIP phones themselves
    (member => PJSIP/8001,0,Alice), SIPp phones registered as 8001 and 8002; rrmemory queue
    `support` at 400 (named members, MixMonitor), ringall queue `plain` at 401 (unnamed members).
    Each scenario runs on a fresh Asterisk, so rrmemory starts at Alice (8001)."""
    from tests.support.sipphone import SipPhone

    def call(r: Recorder, stay: float, number: str = "400") -> str:
        return r.inbound(stay=stay, caller="13600000002", name="话机", number=number)

    def foreign_pjsip_answered(r: Recorder) -> None:
        # Alice's phone answers after 0.8 s (one ring at the 1 s cycle: SIP adds milliseconds,
        # and 1.01 s would be a second ring), talks 2 s and hangs up (BYE); the caller would stay 10 s
        with SipPhone(r.s, "8001", answer_after=0.8, talk=2), SipPhone(r.s, "8002", answer_after=0.8, talk=2):
            r.wait_gone(call(r, stay=10))

    def foreign_pjsip_caller_hangs_up(r: Recorder) -> None:
        # Alice answers after 0.8 s and talks until the caller leaves, 4 s after queueing
        with SipPhone(r.s, "8001", answer_after=0.8, talk=None), SipPhone(r.s, "8002", answer_after=0.8, talk=None):
            r.wait_gone(call(r, stay=4))

    def foreign_pjsip_rollover(r: Recorder) -> None:
        # Alice's phone rings out (member timeout 3 s: RINGNOANSWER), 1 s retry, Bob answers after
        # 0.8 s and hangs up after 2 s of talk
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=0.8, talk=2):
            r.wait_gone(call(r, stay=12))

    def foreign_pjsip_busy(r: Recorder) -> None:
        # Alice's phone answers 486 Busy Here; the queue rings Bob at once, who answers after 0.8 s
        with SipPhone(r.s, "8001", busy=True), SipPhone(r.s, "8002", answer_after=0.8, talk=2):
            r.wait_gone(call(r, stay=10))

    def foreign_pjsip_abandon(r: Recorder) -> None:
        # the caller hangs up 2 s after queueing, while Alice's phone rings
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=None):
            r.wait_gone(call(r, stay=2))

    def foreign_pjsip_plain_ringall(r: Recorder) -> None:
        # unnamed members ring together; 8002 answers after 1.5 s and hangs up after 2 s of talk
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=1.5, talk=2):
            r.wait_gone(call(r, stay=10, number="401"))

    return {f.__name__: f for f in (foreign_pjsip_answered, foreign_pjsip_caller_hangs_up, foreign_pjsip_rollover,
                                    foreign_pjsip_busy, foreign_pjsip_abandon, foreign_pjsip_plain_ringall)}


def record_overlay(scenarios: dict[str, Callable[[Recorder], None]], overlay: str, names: list[str], out_dir: Path,
                   unfiltered: Collection[str] = (), **settings: object) -> None:
    """Record ``names`` (all when empty) of an overlay's scenarios, each on a fresh Asterisk whose
    configuration is ours with ``tests/captures/<overlay>/`` over it (``settings``: the test
    settings that overlay's dialplan expects: server id, hotline number, queue timeout …). Those
    in ``unfiltered`` are recorded through :data:`FOREIGN_LISTENER`, not our listener user."""
    unknown = [n for n in [*names, *unfiltered] if n not in scenarios]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {unknown}; known: {sorted(scenarios)}")
    for name in names or list(scenarios):
        with tempfile.TemporaryDirectory() as tmp:
            templates = overlay_templates(tmp, overlay)
            login = None
            if name in unfiltered:
                login = FOREIGN_LISTENER
                with open(templates / "manager.conf", "a", encoding="utf-8") as conf:
                    conf.write("\n" + _foreign_listener_user() + "\n")
            s = pbx_test_settings(Path(tmp) / "rt", agents=["8001", "8002"], **settings)
            with Asterisk(s, templates) as ast, EventTap(s) as tap:
                rec = Recorder(s, ast, tap)
                _capture(s, out_dir / f"{name}.ami", lambda cap, name=name, rec=rec: scenarios[name](rec), login)


# The AMI user a foreign Asterisk's operator gives the listener (README, "Using an existing
# Asterisk": its read classes) has no eventfilter lines: only hotline.pbx.config filters noise such
# as Newexten out of its own users. Captures recorded through it hold what such an Asterisk sends.
FOREIGN_LISTENER = AmiLogin("foreign-listener", "capture-foreign-listener")


def _foreign_listener_user() -> str:
    read, write = AMI_PERMISSIONS[AmiRole.LISTENER]
    return "\n".join([f"[{FOREIGN_LISTENER.user}]", f"secret = {FOREIGN_LISTENER.secret}",
                      "deny = 0.0.0.0/0.0.0.0", "permit = 127.0.0.1/255.255.255.255",
                      f"read = {','.join(sorted(read))}", f"write = {','.join(sorted(write))}"])


def record_foreign_pjsip(names: list[str], out_dir: Path = HERE) -> None:
    # our pjsip.conf gives the agents' endpoints (8001, 8002) the phones register to
    record_overlay(_foreign_pjsip_scenarios(), "foreign_pjsip", names, out_dir, server_id="foreign-pjsip",
                   hotline_number="400", queue_timeout_s=10)


def _foreign_dial_scenarios() -> dict[str, Callable[[Recorder], None]]:
    """Recorded from tests/captures/foreign_dial/: no queue, phones rung by plain Dial() (SIPp
    phones registered as 8001 and 8002): 500 one phone (4 s), 501 a ring group, 502 follow-me (the
    desk phone 3 s, then a mobile through a Local chain), 503 an IVR that ends with Hangup()."""
    from tests.support.sipphone import SipPhone

    def call(r: Recorder, number: str, stay: float) -> str:
        return r.direct_caller(number, stay, caller="13600000003", name="直拨")

    def foreign_dial_answered(r: Recorder) -> None:
        # 8001 answers after 1.5 s, talks 2 s and hangs up (BYE)
        with SipPhone(r.s, "8001", answer_after=1.5, talk=2):
            r.wait_gone(call(r, "500", stay=15))

    def foreign_dial_busy(r: Recorder) -> None:
        # 8001 answers 486 Busy Here; the dialplan then runs Hangup()
        with SipPhone(r.s, "8001", busy=True):
            r.wait_gone(call(r, "500", stay=15))

    def foreign_dial_no_answer(r: Recorder) -> None:
        # 8001 rings out (Dial's 4 s); the dialplan then runs Hangup()
        with SipPhone(r.s, "8001", answer_after=None):
            r.wait_gone(call(r, "500", stay=15))

    def foreign_dial_caller_cancels(r: Recorder) -> None:
        # the caller gives up after 2 s of ringing
        with SipPhone(r.s, "8001", answer_after=None):
            r.wait_gone(call(r, "500", stay=2))

    def foreign_dial_ringgroup(r: Recorder) -> None:
        # both phones ring; 8002 answers after 1.2 s, 8001 is cancelled; the caller hangs up after
        # about 3 s of talk
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=1.2, talk=None):
            r.wait_gone(call(r, "501", stay=4.2))

    def foreign_dial_followme(r: Recorder) -> None:
        # the desk phone rings out (3 s), the mobile answers after 1 s and hangs up after 3 s
        with SipPhone(r.s, "8001", answer_after=None):
            r.wait_gone(call(r, "502", stay=20))

    def foreign_ivr_hangup(r: Recorder) -> None:
        # the IVR answers, says its piece (2 s) and hangs up: the system ended the call
        r.wait_gone(r.inbound(stay=20, caller="13600000004", name="夜间", number="503"))

    def foreign_ivr_caller_leaves(r: Recorder) -> None:
        # the caller's own side runs Hangup() 1 s into the IVR: the caller ended the call
        r.wait_gone(r.inbound(stay=1, caller="13600000004", name="夜间", number="503"))

    def foreign_dial_pickup(r: Recorder) -> None:
        # 8001 rings; after 1.5 s phone 8002 picks the call up (an originated PJSIP/8002 running
        # PickupChan(<8001's ringing channel>), directed pickup: a call of its own until then), talks
        # 3 s and hangs up
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=0.3, talk=3):
            cid = call(r, "500", stay=15)
            ringing = r.ringing(cid)["DestChannel"]
            time.sleep(1.5)
            r.phone_into_app("PJSIP/8002", "PickupChan", ringing, callerid='"Bob" <8002>')
            r.wait_gone(cid, settle=1)

    def foreign_dial_group_pickup(r: Recorder) -> None:
        # 8001 (call group 1) rings; after 1.5 s phone 8002 dials *8 (group pickup: an originated
        # PJSIP/8002 into [phones] *8), talks 3 s and hangs up
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=0.3, talk=3):
            cid = call(r, "505", stay=15)
            r.ringing(cid)
            time.sleep(1.5)
            r.phone_into("PJSIP/8002", "phones", "*8", callerid='"Bob" <8002>')
            r.wait_gone(cid, settle=1)

    def foreign_keys_blind(r: Recorder) -> None:
        # 8001 answers after 1 s; 1.5 s later its user presses #1 (blind transfer), then 8002; 8002
        # answers after 1 s and talks with the caller until the caller hangs up 12 s in
        from tests.captures.phone_keys import KeyPhone

        with KeyPhone(r.s, "8001", answer_after=1, talk=None, keys="#1,8002"), \
                SipPhone(r.s, "8002", answer_after=1, talk=None):
            r.wait_gone(call(r, "506", stay=12), settle=1)

    def foreign_keys_attended(r: Recorder) -> None:
        # 8001 answers after 1 s; 1.5 s later its user presses *2 (attended transfer), then 8002;
        # 8002 answers after 1 s; 8001 hangs up 4 s after the keys, completing the transfer; the
        # caller talks with 8002 until it hangs up 14 s in
        from tests.captures.phone_keys import KeyPhone

        with KeyPhone(r.s, "8001", answer_after=1, talk=4, keys="*2,8002"), \
                SipPhone(r.s, "8002", answer_after=1, talk=None):
            r.wait_gone(call(r, "506", stay=14), settle=1)

    def foreign_refer_blind(r: Recorder) -> None:
        # 8001 answers after 1 s; 1.5 s later the phone transfers the call itself (SIP REFER to
        # 8002); 8002 answers after 1 s and talks with the caller until the caller hangs up 10 s in
        from tests.captures.phone_keys import ReferPhone

        with ReferPhone(r.s, "8001", answer_after=1, talk=None, target="8002"), \
                SipPhone(r.s, "8002", answer_after=1, talk=None):
            r.wait_gone(call(r, "506", stay=10), settle=1)

    def transfer_after_answer(r: Recorder, number: str, stay: float, action: str, target: str,
                              ringing: Callable[[Message], bool] | None = None) -> None:
        # the caller reaches `number`; 8001 answers, 1.5 s later asks Asterisk for `action`
        # (BlindTransfer, or Atxfer: then, once `ringing` saw the target's leg, 8001 hangs up 1 s
        # later, completing it); the call is left to end by itself
        cid = call(r, number, stay=stay)
        chan = r.dial_answered("PJSIP/8001-", 20, call_id=cid)["DestChannel"]
        time.sleep(1.5)
        if action == "Atxfer":
            r.attended_transfer(chan, target)
            if ringing is not None:
                r.tap.wait_for(ringing, 15)
            time.sleep(1)
            r.hang_up(chan)
        else:
            r.blind_transfer(chan, target)
        r.wait_gone(cid, settle=1)

    def foreign_dial_attended(r: Recorder) -> None:
        # 8001 answers after 1 s; 1.5 s later transfers attended (Atxfer) to 8002, who answers after
        # 1 s; 1 s later 8001 hangs up, completing the transfer; the caller hangs up 10 s in
        with SipPhone(r.s, "8001", answer_after=1, talk=None), SipPhone(r.s, "8002", answer_after=1, talk=None):
            transfer_after_answer(r, "504", 10, "Atxfer", "8002",
                                  lambda m: m.name == "DialEnd" and m.get("DialStatus") == "ANSWER"
                                  and (m.get("DestChannel") or "").startswith("PJSIP/8002-"))

    def foreign_dial_blind_back(r: Recorder) -> None:
        # 8001 answers after 1 s; 1.5 s later transfers the caller blind back to itself (8001),
        # whose phone rings again and answers after 1 s; the caller hangs up 8 s in
        with SipPhone(r.s, "8001", answer_after=1, talk=None):
            transfer_after_answer(r, "504", 8, "BlindTransfer", "8001")

    def foreign_dial_blind_back_plain(r: Recorder) -> None:
        # as foreign_dial_blind_back, on 500 (Dial without the transfer features: only the AMI
        # action transfers); the caller hangs up 8 s in
        with SipPhone(r.s, "8001", answer_after=1, talk=None):
            transfer_after_answer(r, "500", 8, "BlindTransfer", "8001")

    def foreign_dial_consult_bridge(r: Recorder) -> None:
        # what a phone's own attended transfer (REFER with Replaces) leaves on AMI: 8001 answers the
        # caller after 1 s; 1.5 s later phone 8001 makes a consultation call of its own to 8002 (a
        # second call, its own Linkedid), 8002 answers after 1 s; 1 s later the caller and 8002 are
        # bridged (AMI Bridge) — 8002's channel now carries the caller's Linkedid — and both of
        # 8001's calls are hung up; the caller talks with 8002 until it hangs up 12 s in
        with SipPhone(r.s, "8001", answer_after=0.3, talk=None), SipPhone(r.s, "8002", answer_after=1, talk=None):
            cid = call(r, "500", stay=12)
            first_leg = r.dial_answered("PJSIP/8001-", 20, call_id=cid)["DestChannel"]
            time.sleep(1.5)
            r.phone_into("PJSIP/8001", "transfer", "8002", callerid='"Alice" <8001>')
            ev = r.dial_answered("PJSIP/8002-")
            second_leg, target = ev["Channel"], ev["DestChannel"]
            caller = r.ringing(cid, 5)["Channel"]
            time.sleep(1)
            with r.ast.ami() as ami:
                ami.action("Bridge", Channel1=caller, Channel2=target, Tone="no")
                time.sleep(0.3)
                for leg in (first_leg, second_leg):  # whichever the bridging left up
                    try:
                        ami.action("Hangup", Channel=leg)
                    except AmiError:  # that leg already hung up by itself: nothing to end
                        continue
            r.wait_gone(cid, settle=1)

    def foreign_dial_blonde(r: Recorder) -> None:
        # 8001 answers after 1 s; 1.5 s later starts an attended transfer (Atxfer) to 8002 and hangs
        # up 1 s after 8002 began ringing ("blonde"); 8002 answers 3 s after it was rung and talks
        # with the caller until the caller hangs up 12 s in
        with SipPhone(r.s, "8001", answer_after=1, talk=None), SipPhone(r.s, "8002", answer_after=3, talk=None):
            transfer_after_answer(r, "504", 12, "Atxfer", "8002",
                                  lambda m: m.name == "DialBegin"
                                  and (m.get("DestChannel") or "").startswith("PJSIP/8002-"))

    def foreign_dial_attended_app(r: Recorder) -> None:
        # 8001 answers after 1 s; 1.5 s later starts an attended transfer (Atxfer) to 600, an
        # announcement (Answer, Wait 4 s, Hangup: no phone); 1 s later 8001 hangs up, handing the
        # caller to the announcement, which ends the call
        with SipPhone(r.s, "8001", answer_after=1, talk=None):
            transfer_after_answer(r, "504", 20, "Atxfer", "600")

    def refer_replacing(r: Recorder, target: str, stay: float) -> None:
        # phone 8001 (a phone that holds two calls) answers the caller after 1 s; 1.5 s later its
        # user dials `target` (the consultation call: the phone's own INVITE, a call of its own);
        # 1 s after it was answered the phone transfers: REFER on the caller's call with Replaces
        # naming the consultation call (the phone's own attended transfer)
        from tests.captures.replaces_phone import ReplacesPhone

        with ReplacesPhone(r.s, "8001", answer_after=1) as phone:
            cid = call(r, "500", stay=stay)
            held = phone.wait_answered(1)
            time.sleep(1.5)
            consult = phone.invite(target)
            time.sleep(1)
            status = phone.refer_replacing(held, consult, target)
            if not status.startswith("SIP/2.0 202"):
                raise RuntimeError(f"REFER refused: {status}; {phone.log}")
            r.wait_gone(cid, settle=1)

    def foreign_refer_attended_app(r: Recorder) -> None:
        # the consultation call goes to 600, an announcement (Answer, Wait 4 s, Hangup: no bridge,
        # an application): the transfer hands the caller to it (AttendedTransfer DestType App,
        # without TransferTarget* fields), and the announcement ends the call
        refer_replacing(r, "600", stay=30)

    def foreign_refer_attended(r: Recorder) -> None:
        # the consultation call goes to 8002, who answers after 1 s; after the transfer the caller
        # talks with 8002 until the caller hangs up 14 s in
        with SipPhone(r.s, "8002", answer_after=1, talk=None):
            refer_replacing(r, "8002", stay=14)

    def foreign_phone_pickup(r: Recorder) -> None:
        # 8001 rings; after 1.5 s the user of phone 8002 dials **8001 (directed pickup, the phone's
        # own INVITE), talks 3 s and hangs up
        from tests.captures.replaces_phone import ReplacesPhone

        with SipPhone(r.s, "8001", answer_after=None), ReplacesPhone(r.s, "8002") as picker:
            cid = call(r, "500", stay=15)
            r.ringing(cid)
            time.sleep(1.5)
            picked = picker.invite("**8001")
            time.sleep(3)
            picker.bye(picked)
            r.wait_gone(cid, settle=1)

    def phone_dials_out(r: Recorder, customer: str, talk: float | None) -> None:
        # phone 8001's user dials a customer's number straight from the desk phone (the phone's own
        # INVITE into [agents-phone-out]), which goes out through the trunk; answered, the agent
        # hangs up after `talk` seconds
        from tests.captures.replaces_phone import ReplacesPhone

        with ReplacesPhone(r.s, "8001") as phone:
            since = r.channels_so_far()
            try:
                placed = phone.invite(customer)
            except RuntimeError:  # not answered: the trunk's Dial gave up, the phone was refused
                placed = None
            cid = r.call_of_phone("8001", since)
            if placed is not None and talk is not None:
                time.sleep(talk)
                phone.bye(placed)
            r.wait_gone(cid, settle=1)

    def foreign_phone_trunk_out(r: Recorder) -> None:
        # the customer (13900000009) answers after 1 s; the agent hangs up 3 s later
        phone_dials_out(r, "13900000009", talk=3)

    def foreign_phone_trunk_no_answer(r: Recorder) -> None:
        # the customer's phone (13900000006) rings until the trunk's Dial gives up (5 s)
        phone_dials_out(r, "13900000006", talk=None)

    def foreign_phone_trunk_agent_cancels(r: Recorder) -> None:
        # the agent dials 13900000006 from the desk phone and hangs up after 2 s of ringing (CANCEL)
        from tests.captures.replaces_phone import ReplacesPhone

        with ReplacesPhone(r.s, "8001") as phone:
            since = r.channels_so_far()
            status = phone.dial_and_hang_up("13900000006", ring_s=2)
            if not status.startswith("SIP/2.0 487"):
                raise RuntimeError(f"CANCEL not honoured: {status}; {phone.log}")
            r.wait_gone(r.call_of_phone("8001", since), settle=1)

    def foreign_untimed_answered(r: Recorder) -> None:
        # as foreign_dial_answered, on an Asterisk whose manager.conf says timestampevents = no
        # (UNTIMED): the events come without a Timestamp header
        with SipPhone(r.s, "8001", answer_after=1.5, talk=2):
            r.wait_gone(call(r, "500", stay=15))

    def foreign_click_answered(r: Recorder) -> None:
        # 8001 answers after 1 s; the customer (13900000009) answers after 1 s, hangs up after 3 s
        with SipPhone(r.s, "8001", answer_after=1, talk=None):
            r.wait_gone(r.click_to_dial("13900000009"), settle=1)

    def foreign_click_busy(r: Recorder) -> None:
        # 8001 answers after 1 s; the customer's line (13900000008) is busy
        with SipPhone(r.s, "8001", answer_after=1, talk=None):
            r.wait_gone(r.click_to_dial("13900000008"), settle=1)

    def foreign_click_transfer(r: Recorder) -> None:
        # 8001 answers after 1 s; the customer (13900000007) answers after 1 s; 1.5 s later 8001
        # transfers the customer blind to 8002, who answers after 1 s; the customer hangs up 8 s
        # after answering
        with SipPhone(r.s, "8001", answer_after=1, talk=None), SipPhone(r.s, "8002", answer_after=1, talk=None):
            cid = r.click_to_dial("13900000007")
            r.dial_answered("Local/13900000007@mobile", 20, call_id=cid)
            chan = r.bridged_phone(cid, "8001")
            time.sleep(1.5)
            r.blind_transfer(chan, "8002")
            r.wait_gone(cid, settle=1)

    return {f.__name__: f for f in (foreign_dial_answered, foreign_dial_busy, foreign_dial_no_answer,
                                    foreign_dial_caller_cancels, foreign_dial_ringgroup, foreign_dial_followme,
                                    foreign_ivr_hangup, foreign_ivr_caller_leaves, foreign_dial_pickup,
                                    foreign_dial_attended, foreign_dial_blind_back, foreign_dial_blonde,
                                    foreign_dial_attended_app, foreign_dial_blind_back_plain,
                                    foreign_dial_consult_bridge, foreign_dial_group_pickup, foreign_keys_blind,
                                    foreign_keys_attended, foreign_refer_blind,
                                    foreign_click_answered, foreign_click_busy, foreign_click_transfer,
                                    foreign_untimed_answered, foreign_refer_attended_app, foreign_refer_attended,
                                    foreign_phone_pickup, foreign_phone_trunk_out, foreign_phone_trunk_no_answer,
                                    foreign_phone_trunk_agent_cancels)}


# Recorded on an Asterisk whose manager.conf says timestampevents = no (an operator's Asterisk
# may): events without a Timestamp header
UNTIMED = {"foreign_untimed_answered"}


def record_foreign_dial(names: list[str], out_dir: Path = HERE) -> None:
    scenarios = _foreign_dial_scenarios()
    unknown = [n for n in names if n not in scenarios]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {unknown}; known: {sorted(scenarios)}")
    names = names or list(scenarios)
    for untimed in (False, True):
        batch = [n for n in names if (n in UNTIMED) is untimed]
        if not batch:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            templates = overlay_templates(tmp, "foreign_dial")
            if untimed:
                conf = templates / "manager.conf"
                text = conf.read_text(encoding="utf-8")
                if "timestampevents = yes" not in text:
                    raise RuntimeError("asterisk/manager.conf changed: cannot turn timestampevents off")
                conf.write_text(text.replace("timestampevents = yes", "timestampevents = no"), encoding="utf-8")
            s = pbx_test_settings(Path(tmp) / "rt", server_id="foreign-dial", hotline_number="500",
                                  agents=["8001", "8002"])
            with Asterisk(s, templates) as ast, EventTap(s) as tap:
                rec = Recorder(s, ast, tap)
                for name in batch:
                    _capture(s, out_dir / f"{name}.ami", lambda cap, name=name, rec=rec: scenarios[name](rec))


def _capture(s: Settings, path: Path, scenario: Callable[[AmiConnection], None], login: AmiLogin | None = None) -> None:
    """Runs one scenario while a second AMI session (our listener's user unless ``login``) writes
    every byte it receives to path."""
    t0 = time.monotonic()
    with open(path, "wb") as fh:
        cap = AmiConnection(s.ami_host, s.ami_port, *(login or ami_login(s, AmiRole.LISTENER)), on_bytes=fh.write,
                            ping_interval=30)
        cap.start()
        cap.connected.wait(10)
        scenario(cap)
        time.sleep(0.5)  # the last events of the scenario's calls
        cap.stop()
    log.info("%s: %d bytes in %.1f s", path.name, path.stat().st_size, time.monotonic() - t0)


def overlay_templates(tmp: str, overlay: str) -> Path:
    """Our Asterisk templates with a foreign dialplan's files laid over them (``x.conf.append``:
    lines added to our ``x.conf``)."""
    from hotline.pbx.config import TEMPLATES

    templates = Path(tmp) / "templates"
    templates.mkdir()
    for f in [*TEMPLATES.glob("*.conf"), *(HERE / overlay).glob("*.conf")]:
        (templates / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    for f in (HERE / overlay).glob("*.conf.append"):  # lines added to one of our files (modules to load)
        target = templates / f.name.removesuffix(".append")
        target.write_text(target.read_text(encoding="utf-8") + "\n" + f.read_text(encoding="utf-8"), encoding="utf-8")
    return templates


@contextmanager
def overlaid_asterisk(overlay: str, server_id: str, agents: list[str]) -> Iterator[Asterisk]:
    """A private Asterisk of a test module's own, our templates with ``overlay`` laid over them
    (:func:`overlay_templates`), started and stopped."""
    with tempfile.TemporaryDirectory() as tmp:
        s = pbx_test_settings(Path(tmp) / "rt", server_id=server_id, agents=agents)
        ast = Asterisk(s, overlay_templates(tmp, overlay)).start()
        try:
            yield ast
        finally:
            ast.stop()


# Recorded with the IVR (FastAGI) serving; the others with it down, which callers survive too:
# the dialplan sends them straight to the queue (HOTLINE_IVR=skipped).
WITH_IVR = {"hangup_in_ivr", "ivr_menu_to_agent"}


def record(names: list[str], out_dir: Path = HERE) -> None:
    pjsip = [n for n in names if n in _pjsip_scenarios()]
    if pjsip or not names:  # on an Asterisk of their own (real SIP phones as agents)
        record_pjsip(pjsip, out_dir)
        names = [n for n in names if n not in pjsip]
        if pjsip and not names:
            return
    scenarios = _scenarios()
    unknown = [n for n in names if n not in scenarios and n != "ami_disconnect"]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {unknown}; known: {sorted(scenarios)} + ami_disconnect")
    with tempfile.TemporaryDirectory() as tmp:
        s = pbx_test_settings(Path(tmp), **CAPTURE_SETTINGS)
        s = s.replace(database_url=sqlite_url(Path(tmp) / "ivr.db"), ivr_key_timeout_s=2.0, ivr_entry_timeout_s=3.0)
        from hotline.prompt_library.builder import build

        build(s, engine="espeak", progress=None)  # the agent side's work-number announcement plays them
        with Asterisk(s) as ast, EventTap(s) as tap:
            rec = Recorder(s, ast, tap)
            for name in names or [*scenarios, "ami_disconnect"]:
                ivr = _start_ivr(s) if name in WITH_IVR else None
                _capture(s, out_dir / f"{name}.ami",
                         (lambda cap, rec=rec: _ami_disconnect(rec, cap)) if name == "ami_disconnect"
                         else (lambda cap, name=name, rec=rec: scenarios[name](rec)))
                if ivr is not None:
                    ivr.stop()


def _start_ivr(s: Settings):  # type: ignore[no-untyped-def]
    from ivr.app import build
    from ivr.server import ServerThread

    return ServerThread(lambda: build(s).server).start()


def _ami_disconnect(r: Recorder, cap: AmiConnection) -> None:
    """Three calls: one wholly before the drop, one spanning it, one wholly inside the gap,
    and one after."""
    before = r.inbound(caller="13800000101", agents={"8001": ("answer", 1, 1)}, stay=10)
    r.wait_gone(before)
    spanning = r.inbound(caller="13800000102", agents={"8001": ("answer", 1, 4)}, stay=10)
    r.agent_channel(spanning, "8001")
    cap.backoff_max = 6
    cap.drop()
    cap._stop.set()  # stay away for a while: the gap
    time.sleep(0.3)
    inside = r.inbound(caller="13800000103", agents={"8002": ("answer", 1, 1)}, stay=3)
    r.wait_gone(inside)
    cap._stop.clear()
    cap.start()
    cap.connected.wait(10)
    r.wait_gone(spanning)
    after = r.inbound(caller="13800000104", agents={"8003": ("answer", 1, 1)}, stay=10)
    r.wait_gone(after)


# the capture sets whose scenarios live in a module of their own: option → (module, its recorder)
SETS_ELSEWHERE = {
    "own_limits": ("tests.captures.limits", "record_own_limits"),
    "foreign_agents": ("tests.captures.agents", "record_foreign_agents"),
    "foreign_cti": ("tests.captures.cti", "record_foreign_cti"),
    "foreign_ops": ("tests.captures.ops", "record_foreign_ops"),
    "foreign_more": ("tests.captures.more", "record_foreign_more"),
    "foreign_freepbx": ("tests.captures.freepbx", "record_foreign_freepbx"),
    "foreign_rules": ("tests.captures.rules", "record_foreign_rules"),
    "foreign_accept": ("tests.captures.accept", "record_foreign_accept"),
}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*")
    ap.add_argument("--foreign", action="store_true", help="record from tests/captures/foreign/ instead")
    ap.add_argument("--foreign-pjsip", action="store_true",
                    help="record from tests/captures/foreign_pjsip/ (PJSIP members, SIPp phones) instead")
    ap.add_argument("--foreign-dial", action="store_true",
                    help="record from tests/captures/foreign_dial/ (no queue: plain Dial, SIPp phones) instead")
    ap.add_argument("--foreign-more", action="store_true",
                    help="record from tests/captures/foreign_more/ (key exit, empty queues, voicemail, parking, "
                         "ChanSpy, queue to queue; SIPp phones) instead")
    ap.add_argument("--foreign-ops", action="store_true",
                    help="record from tests/captures/foreign_ops/ (hold, abandoned consultation, transfer out, "
                         "Local /n members, ConfBridge, survey; SIPp phones) instead")
    ap.add_argument("--foreign-cti", action="store_true",
                    help="record from tests/captures/foreign_cti/ (a CTI's AMI actions, Local members that "
                         "optimise away, pauses, wrap-up, priorities, announcements, G() and Bridge(); "
                         "SIPp phones) instead")
    ap.add_argument("--own-limits", action="store_true",
                    help="record from tests/captures/own_limits/ (our dialplan, its queue given maxlen = 1 and "
                         "joinempty = no: callers refused at the join) instead")
    ap.add_argument("--foreign-agents", action="store_true",
                    help="record from tests/captures/foreign_agents/ (app_agent_pool: AgentLogin from SIPp "
                         "phones, Local members into AgentRequest) instead")
    ap.add_argument("--foreign-freepbx", action="store_true",
                    help="record from tests/captures/foreign_freepbx/ (FreePBX-shaped: Gosub layers and MixMonitor "
                         "before Queue(), Local members with a second Local hop, break-out key, failover ring "
                         "group; SIPp phones) instead")
    ap.add_argument("--foreign-rules", action="store_true",
                    help="record from tests/captures/foreign_rules/ (members accepting with a key, a queue rule "
                         "moving callers to a second tier, an agent's wrap-up code after the caller (Queue option "
                         "F), leastrecent, rrordered, a key during a periodic announcement; SIPp phones) instead")
    ap.add_argument("--foreign-accept", action="store_true",
                    help="record from tests/captures/foreign_accept/ (phones accepting with a key without a Local "
                         "member: a ring group and a hunt with Dial's U() or M(), a queue of the phones whose "
                         "prompt is Queue()'s gosub; SIPp phones) instead")
    a = ap.parse_args()
    for flag, (module, recorder) in SETS_ELSEWHERE.items():
        if getattr(a, flag):
            getattr(importlib.import_module(module), recorder)(a.names)  # they import this module
            sys.exit(0)
    (record_foreign_dial if a.foreign_dial else record_foreign_pjsip if a.foreign_pjsip
     else record_foreign if a.foreign else record)(a.names)
    sys.exit(0)
