"""The scenarios of tests/captures/foreign_ops/ (``record.py --foreign-ops``): what agents do with
a call once they have it, on a foreign dialplan whose members are SIP phones (8001 Alice, 8002 Bob)
or Local channels in front of them (``/n``). Each scenario runs on a fresh Asterisk."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.captures.record import HERE, record_overlay
from tests.captures.steps import Recorder


def _scenarios() -> dict[str, Callable[[Recorder], None]]:
    from tests.captures.replaces_phone import ReplacesPhone
    from tests.support.sipphone import SipPhone

    def call(r: Recorder, number: str, stay: float, **extra: str) -> str:
        return r.inbound(stay=stay, caller="13600000006", name="运维", number=number, **extra)

    def foreign_hold_resume(r: Recorder) -> None:
        # Alice's phone answers after 1 s; 1.5 s later she puts the caller on hold (re-INVITE
        # sendonly: music on hold), 3 s later takes the call back (sendrecv), 2 s later hangs up
        with ReplacesPhone(r.s, "8001", answer_after=1) as alice:
            cid = call(r, "430", stay=30)
            held = alice.wait_answered(1)
            time.sleep(1.5)
            for direction, then in (("sendonly", 3), ("sendrecv", 2)):
                status = alice.reinvite(held, direction)
                if not status.startswith("SIP/2.0 200"):
                    raise RuntimeError(f"re-INVITE {direction} refused: {status}; {alice.log}")
                time.sleep(then)
            alice.bye(held)
            r.wait_gone(cid, settle=1)

    def alice_consults(r: Recorder, alice: ReplacesPhone, target: str, until: Callable[[], object],
                       then: float) -> None:
        # Alice answers the caller on 430 after 1 s; 1.5 s later she consults `target` (AMI
        # Atxfer); once `until` saw how that went, `then` s later she hangs up (which completes the
        # transfer if the target is still there)
        cid = call(r, "430", stay=30)
        chan = r.agent_channel(cid, "Alice")
        held = alice.wait_answered(1)
        time.sleep(1.5)
        r.attended_transfer(chan, target)
        until()
        time.sleep(then)
        alice.bye(held)
        r.wait_gone(cid, settle=1)

    def foreign_atxfer_abandoned(r: Recorder) -> None:
        # Alice answers after 1 s; 1.5 s later she starts an attended transfer to Bob (AMI Atxfer),
        # whose phone rings unanswered; after 3 s (atxfernoanswertimeout) the consultation is
        # given up and Alice is back with the caller; 3 s later she hangs up
        with ReplacesPhone(r.s, "8001", answer_after=1) as alice, SipPhone(r.s, "8002", answer_after=None):
            # a consultation given up leaves no AttendedTransfer event: Bob's leg just hangs up
            alice_consults(r, alice, "8002", lambda: r.hung_up("PJSIP/8002-"), then=3)

    def foreign_atxfer_consult_back(r: Recorder) -> None:
        # Alice answers after 1 s; 1.5 s later she consults Bob (AMI Atxfer), who answers after 1 s,
        # talks 2 s and hangs up (he will not take it): Alice is back with the caller; 2 s later
        # she hangs up
        with ReplacesPhone(r.s, "8001", answer_after=1) as alice, SipPhone(r.s, "8002", answer_after=1, talk=2):
            alice_consults(r, alice, "8002", lambda: r.hung_up("PJSIP/8002-"), then=2)

    def foreign_atxfer_out(r: Recorder) -> None:
        # Alice answers after 1 s; 1.5 s later she consults an outside number (AMI Atxfer to
        # 13900000009, out through the trunk), which answers after 1 s; 1.5 s later she hangs up,
        # which completes the transfer; the far end hangs up 4 s after it answered
        with ReplacesPhone(r.s, "8001", answer_after=1) as alice:
            alice_consults(r, alice, "13900000009", lambda: r.dial_answered("Local/13900000009@trunk"), then=1.5)

    def foreign_transfer_out(r: Recorder) -> None:
        # Alice answers after 1 s; 1.5 s later she transfers the caller blind to an outside number
        # (13900000009, out through the trunk), which answers after 1 s and hangs up 4 s later
        with SipPhone(r.s, "8001", answer_after=1, talk=None):
            cid = call(r, "430", stay=30)
            chan = r.agent_channel(cid, "Alice")
            time.sleep(1.5)
            r.blind_transfer(chan, "13900000009")
            r.wait_gone(cid, settle=1)

    def foreign_local_members(r: Recorder) -> None:
        # `locals` rings Local/8001@ops-members/n (Alice, unanswered, 3 s), then after 1 s
        # Local/8002@ops-members/n (Bob), whose phone answers after 1 s; the caller hangs up 10 s in
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=1, talk=None):
            r.wait_gone(call(r, "431", stay=10), settle=1)

    def foreign_confbridge(r: Recorder) -> None:
        # Alice answers after 1 s; 1.5 s later the caller and Alice are moved into conference room
        # `ops` (AMI Redirect of both to 800@conf: ConfBridge); 1.5 s later Bob is added (an
        # originated PJSIP/8002 running ConfBridge(ops)), talks 3 s and hangs up; the caller hangs
        # up 12 s in, Alice 1 s after
        with ReplacesPhone(r.s, "8001", answer_after=1) as alice, SipPhone(r.s, "8002", answer_after=0.5, talk=3):
            cid = call(r, "430", stay=12)
            chan = r.agent_channel(cid, "Alice")
            caller = r.caller_channel(cid)
            held = alice.wait_answered(1)
            time.sleep(1.5)
            r.redirect(caller, "conf", "800", extra=(chan, "conf", "800"))
            time.sleep(1.5)
            r.phone_into_app("PJSIP/8002", "ConfBridge", "ops", callerid='"Bob" <8002>')
            r.tap.wait_for(lambda m: m.name == "Hangup" and m.get("Channel") == caller, 30)
            time.sleep(1)
            alice.bye(held)
            r.wait_gone(cid, settle=1)

    def foreign_survey(r: Recorder) -> None:
        # Alice answers after 1 s, talks 3 s and hangs up; the caller goes on (Queue option c) to
        # the survey, presses 4 six seconds in; the dialplan thanks and hangs up
        with SipPhone(r.s, "8001", answer_after=1, talk=3):
            r.wait_gone(call(r, "432", stay=20, dtmf="4", SIM_DTMF_AT="6"), settle=1)

    return {f.__name__: f for f in (foreign_hold_resume, foreign_atxfer_abandoned, foreign_atxfer_consult_back,
                                    foreign_atxfer_out, foreign_transfer_out, foreign_local_members,
                                    foreign_confbridge, foreign_survey)}


def record_foreign_ops(names: list[str], out_dir: Path = HERE) -> None:
    record_overlay(_scenarios(), "foreign_ops", names, out_dir, server_id="foreign-ops", hotline_number="430",
                   queue_timeout_s=20)
