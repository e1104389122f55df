"""The scenarios of tests/captures/foreign_freepbx/ (``record.py --foreign-freepbx``): a
FreePBX / Issabel-shaped dialplan (Gosub layers and MixMonitor before Queue(), queue 440 whose
members are Local/<ext>@from-queue/n with a second Local hop to the phone, a break-out key,
ring group 600 as the queue's failover destination). SIPp phones registered as 8001 Alice and
8002 Bob; each scenario runs on a fresh Asterisk."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.captures.record import HERE, record_overlay
from tests.captures.steps import Recorder


def _scenarios() -> dict[str, Callable[[Recorder], None]]:
    from tests.support.sipphone import SipPhone

    def call(r: Recorder, stay: float, caller: str = "13600000044", **extra: str) -> str:
        return r.inbound(stay=stay, caller=caller, name="福瑞", number="440", **extra)

    def foreign_freepbx_answered(r: Recorder) -> None:
        # both phones ring (ringall); Alice answers after 1 s, Bob's ring is cancelled; the caller
        # hangs up 10 s after the line answered
        with SipPhone(r.s, "8001", answer_after=1, talk=None), SipPhone(r.s, "8002", answer_after=None):
            r.wait_gone(call(r, stay=10), settle=1)

    def foreign_freepbx_agent_hangs_up(r: Recorder) -> None:
        # Alice answers after 1 s, talks 3 s and hangs up; the caller would have stayed 20 s
        with SipPhone(r.s, "8001", answer_after=1, talk=3), SipPhone(r.s, "8002", answer_after=None):
            r.wait_gone(call(r, stay=20), settle=1)

    def foreign_freepbx_abandon(r: Recorder) -> None:
        # nobody answers (3 s rings, 2 s apart); the caller gives up 6 s after the line answered
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=None):
            r.wait_gone(call(r, stay=6), settle=1)

    def foreign_freepbx_failover(r: Recorder) -> None:
        # Bob answers only after 4.5 s of ringing, longer than the queue's 3 s rings: the queue
        # times out after 12 s and sends the caller to ring group 600, where Bob answers after
        # 4.5 s, talks 3 s and hangs up
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=4.5, talk=3):
            r.wait_gone(call(r, stay=40), settle=1)

    def foreign_freepbx_key_exit(r: Recorder) -> None:
        # nobody answers; 4 s after the line answered the caller presses 1: the queue's
        # context= (ivr-3) takes it to voicemail; the caller leaves a message and hangs up 12 s in
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=None):
            r.wait_gone(call(r, stay=12, dtmf="1", SIM_DTMF_AT="4"), settle=1)

    def foreign_freepbx_busy_and_wrapup(r: Recorder) -> None:
        # Alice answers after 0.5 s, Bob after 1.5 s (each call). The first caller rings both and
        # Alice takes it; 2 s after it joined a second caller rings only Bob (Alice's phone in use:
        # ringinuse = no, read through state_interface), who takes it; the first caller hangs up
        # 4 s in; 1 s later a third caller joins with Alice in wrap-up (5 s) and Bob in use: it
        # waits until her wrap-up ends, she answers; the second caller hangs up 8 s in, the third 10 s in
        with SipPhone(r.s, "8001", answer_after=0.5, talk=None), SipPhone(r.s, "8002", answer_after=1.5, talk=None):
            first = call(r, stay=4, caller="13600000045")
            r.caller_channel(first)
            time.sleep(2)
            second = call(r, stay=8, caller="13600000046")
            r.wait_gone(first)
            time.sleep(1)
            third = call(r, stay=10, caller="13600000047")
            r.wait_gone(second, third, settle=1)

    def foreign_freepbx_blind_transfer(r: Recorder) -> None:
        # both ring; Alice answers after 0.5 s (Bob's ring cancelled); 1.5 s later her phone
        # transfers the caller blind to 8002 in from-internal (FreePBX's transfer context:
        # macro-dial-one, Dial(PJSIP/8002)); Bob answers after 1.5 s and talks until the caller
        # hangs up 12 s in
        with SipPhone(r.s, "8001", answer_after=0.5, talk=None), SipPhone(r.s, "8002", answer_after=1.5, talk=None):
            cid = call(r, stay=12)
            r.agent_channel(cid, "Alice")
            time.sleep(1.5)
            r.blind_transfer(r.bridged_phone(cid, "8001"), "8002", context="from-internal")
            r.wait_gone(cid, settle=1)

    def foreign_freepbx_attended_transfer(r: Recorder) -> None:
        # Alice answers after 0.5 s; 1.5 s later her phone transfers the caller attended (*2, AMI
        # Atxfer) to 8002 in from-internal; Bob answers after 1.5 s, Alice completes the transfer by
        # hanging up 2 s after his answer; Bob talks until the caller hangs up 14 s in
        with SipPhone(r.s, "8001", answer_after=0.5, talk=None), SipPhone(r.s, "8002", answer_after=1.5, talk=None):
            cid = call(r, stay=14)
            r.agent_channel(cid, "Alice")
            time.sleep(1.5)
            phone = r.bridged_phone(cid, "8001")
            r.attended_transfer(phone, "8002", context="from-internal")
            r.dial_answered("PJSIP/8002", 15, call_id=cid)
            time.sleep(2)
            r.hang_up(phone)
            r.wait_gone(cid, settle=1)

    return {f.__name__: f for f in (foreign_freepbx_answered, foreign_freepbx_busy_and_wrapup,
                                    foreign_freepbx_blind_transfer, foreign_freepbx_attended_transfer,
                                    foreign_freepbx_agent_hangs_up, foreign_freepbx_abandon,
                                    foreign_freepbx_failover, foreign_freepbx_key_exit)}


def record_foreign_freepbx(names: list[str], out_dir: Path = HERE) -> None:
    record_overlay(_scenarios(), "foreign_freepbx", names, out_dir, server_id="foreign-freepbx",
                   hotline_number="440", queue_timeout_s=12)
