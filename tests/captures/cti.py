"""The scenarios of tests/captures/foreign_cti/ (``record.py --foreign-cti``): what another
application's CTI does to queued and answered calls through AMI, and queue settings the other
overlays lack, on a foreign dialplan whose members are SIP phones (8001 Alice, 8002 Bob) or Local
channels in front of them that optimise away (no ``/n``). Each scenario runs on a fresh Asterisk."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.captures.record import HERE, record_overlay
from tests.captures.steps import Recorder


def _scenarios() -> dict[str, Callable[[Recorder], None]]:
    from tests.support.sipphone import SipPhone

    def call(r: Recorder, number: str, stay: float, caller: str = "13600000007") -> str:
        return r.inbound(stay=stay, caller=caller, name="坐席", number=number)

    def direct_call(r: Recorder, number: str, stay: float) -> tuple[str, str]:
        # a caller on a direct line (no queue); returns its Linkedid and the channel that runs the
        # dialplan
        cid = r.direct_caller(number, stay, caller="13600000007", name="坐席")
        return cid, r.dialplan_channel(cid)

    def phone_in_bridge(r: Recorder, cid: str, ext: str) -> str:
        """The phone's own channel left with the caller once its Local member optimised away."""
        r.tap.wait_for(lambda m: m.name == "LocalOptimizationEnd" and m.get("LocalOneLinkedid") == cid, 10)
        time.sleep(0.3)
        return r.bridged_phone(cid, ext)

    def foreign_cti_local_answered(r: Recorder) -> None:
        # `cti-locals` (Local/800X@cti-members, no /n): Alice rings out (4 s); 1 s later Bob, whose
        # phone answers after 1 s; his Local member optimises away; the caller hangs up 12 s in
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=1, talk=None):
            r.wait_gone(call(r, "441", stay=12), settle=1)

    def foreign_cti_local_atxfer(r: Recorder) -> None:
        # Alice answers after 1 s (her Local member optimises away: PJSIP/8001 left with the
        # caller); 1.5 s later the CTI starts an attended transfer of her channel to Bob (AMI
        # Atxfer), Bob answers after 1 s; 1 s later the CTI hangs Alice up, which completes the
        # transfer; the caller talks with Bob until it hangs up 14 s in
        with SipPhone(r.s, "8001", answer_after=1, talk=None), SipPhone(r.s, "8002", answer_after=1, talk=None):
            cid = call(r, "441", stay=14)
            chan = phone_in_bridge(r, cid, "8001")
            time.sleep(1.2)
            r.attended_transfer(chan, "8002")
            r.dial_answered("PJSIP/8002-")
            time.sleep(1)
            r.hang_up(chan)
            r.wait_gone(cid, settle=1)

    def foreign_cti_redirect_queue(r: Recorder) -> None:
        # Alice answers after 1 s; 1.5 s later the CTI redirects both legs at once: the caller to
        # 420 (queue `second`, Bob), Alice's leg (ExtraChannel) to a beep and Hangup(); Bob answers
        # after 1 s; the caller hangs up 14 s in
        with SipPhone(r.s, "8001", answer_after=1, talk=None), SipPhone(r.s, "8002", answer_after=1, talk=None):
            cid = call(r, "440", stay=14)
            chan = r.agent_channel(cid, "Alice")
            caller = r.caller_channel(cid)
            time.sleep(1.5)
            r.redirect(caller, "transfer", "420", extra=(chan, "cti-wrap", "s"))
            r.wait_gone(cid, settle=1)

    def foreign_cti_pause_midring(r: Recorder) -> None:
        # Alice's phone rings; 1.5 s in the CTI pauses her (QueuePause); Bob answers after 1 s of
        # his ring, talks 3 s and hangs up
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=1, talk=3):
            cid = call(r, "440", stay=30)
            r.tap.wait_for(lambda m: m.name == "AgentCalled" and m.get("Linkedid") == cid
                           and m.get("MemberName") == "Alice", 10)
            time.sleep(1.5)
            r.pause_member("cti", "PJSIP/8001", reason="cti-break")
            r.wait_gone(cid, settle=1)

    def foreign_cti_autopause(r: Recorder) -> None:
        # `autop` (autopause): Alice rings out (3 s) and the queue pauses her; 1 s later Bob, who
        # answers after 1 s, talks 3 s and hangs up
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=1, talk=3):
            r.wait_gone(call(r, "442", stay=30), settle=1)

    def foreign_cti_wrapup(r: Recorder) -> None:
        # `wrap` (Alice alone, wrapuptime 5 s): the first caller is answered after 1 s, Alice talks
        # 3 s and hangs up; a second caller joined 1 s after that answer waits for her wrap-up to
        # end, then Alice answers after 1 s, talks 3 s and hangs up
        with SipPhone(r.s, "8001", answer_after=1, talk=3):
            first = call(r, "443", stay=30, caller="13600000071")
            r.agent_channel(first, "Alice")
            time.sleep(1)
            second = call(r, "443", stay=30, caller="13600000072")
            r.wait_gone(first, second, settle=1)

    def foreign_cti_priority(r: Recorder) -> None:
        # Alice is paused; a caller joins `wrap` on 443, 1 s later another on the VIP line 444
        # (QUEUE_PRIO=10); 1 s later the CTI unpauses Alice: the VIP caller rings her first, she
        # answers after 1 s, talks 3 s and hangs up; after her wrap-up (5 s) the first caller's
        # turn comes, the same way
        r.pause_member("wrap", "PJSIP/8001")
        with SipPhone(r.s, "8001", answer_after=1, talk=3):
            plain = call(r, "443", stay=40, caller="13600000073")
            time.sleep(1)
            vip = call(r, "444", stay=40, caller="13600000074")
            time.sleep(1)
            r.pause_member("wrap", "PJSIP/8001", paused=False)
            r.wait_gone(plain, vip, settle=1)

    def foreign_cti_announce_hangup(r: Recorder) -> None:
        # `announce`: Alice rings unanswered while the caller hears its position and, 4 s in, the
        # periodic announcement, during which it hangs up (5 s in)
        with SipPhone(r.s, "8001", answer_after=None):
            r.wait_gone(call(r, "445", stay=5), settle=1)

    def foreign_cti_dial_g_bridge(r: Recorder) -> None:
        # Alice's direct line (Dial(PJSIP/8001,15,G(cti-split^s^1))): she answers after 1 s; G()
        # takes both legs out of the bridge, the caller to a Wait, Alice's leg to a beep and then
        # Bridge() back to the caller; Alice hangs up 6 s after answering
        with SipPhone(r.s, "8001", answer_after=1, talk=6):
            r.wait_gone(direct_call(r, "446", stay=20)[0], settle=1)

    def foreign_cti_bridge_app(r: Recorder) -> None:
        # the caller waits on the CTI's holding line (447); 2 s in, the CTI originates Bob's phone
        # into Bridge(<the caller's channel>); Bob answers after 1 s, talks 4 s and hangs up
        with SipPhone(r.s, "8002", answer_after=1, talk=4):
            cid, caller = direct_call(r, "447", stay=20)
            time.sleep(2)
            r.phone_into_app("PJSIP/8002", "Bridge", caller, callerid='"CTI" <447>')
            r.wait_gone(cid, settle=1)

    def foreign_cti_channel_redirect(r: Recorder) -> None:
        # Alice answers after 1 s; 1.5 s later the CTI moves the caller to Bob by the dialplan
        # application ChannelRedirect(<caller>,transfer,8002,1), run by a helper channel it
        # originates (Local/s@cti-helper/n, a call of its own); Bob answers after 1 s; the caller
        # hangs up 14 s in
        with SipPhone(r.s, "8001", answer_after=1, talk=None), SipPhone(r.s, "8002", answer_after=1, talk=None):
            cid = call(r, "440", stay=14)
            r.agent_channel(cid, "Alice")
            caller = r.caller_channel(cid)
            time.sleep(1.5)
            r.phone_into_app("Local/s@cti-helper/n", "ChannelRedirect", f"{caller},transfer,8002,1",
                             callerid='"CTI" <440>')
            r.wait_gone(cid, settle=3)

    def foreign_cti_ringinuse(r: Recorder) -> None:
        # Alice answers the first caller after 1 s and talks 6 s; 1.5 s after that answer a second
        # caller joins `cti`: Alice is in use (ringinuse = no), so Bob is rung first and answers
        # after 1 s, talks 3 s and hangs up
        with SipPhone(r.s, "8001", answer_after=1, talk=6), SipPhone(r.s, "8002", answer_after=1, talk=3):
            first = call(r, "440", stay=30, caller="13600000075")
            r.agent_channel(first, "Alice")
            time.sleep(1.5)
            second = call(r, "440", stay=30, caller="13600000076")
            r.wait_gone(first, second, settle=1)

    def foreign_cti_atxfer_refused(r: Recorder) -> None:
        # on 448 (Queue(cti) without t): Alice answers after 1 s; 1.5 s later the CTI asks for an
        # attended transfer of her channel to Bob (AMI Atxfer): the member may not transfer, the
        # feature code goes to the caller as tones, nothing else happens; the caller hangs up 10 s in
        with SipPhone(r.s, "8001", answer_after=1, talk=None), SipPhone(r.s, "8002", answer_after=1, talk=None):
            cid = call(r, "448", stay=10)
            chan = r.agent_channel(cid, "Alice")
            time.sleep(1.5)
            r.attended_transfer(chan, "8002")
            r.wait_gone(cid, settle=1)

    def foreign_cti_redirect_waiting(r: Recorder) -> None:
        # a caller waits in `announce` (Alice rings unanswered); 3 s in the CTI takes it out of the
        # queue to Bob (AMI Redirect to 8002@transfer), who answers after 1 s; the caller hangs up
        # 12 s in
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=1, talk=None):
            cid = call(r, "445", stay=12)
            caller = r.caller_channel(cid)
            time.sleep(3)
            r.redirect(caller, "transfer", "8002")
            r.wait_gone(cid, settle=1)

    def foreign_cti_members(r: Recorder) -> None:
        # while Alice talks on `wrap` (she answers after 1 s, talks 8 s), another CTI logs 8003 (a
        # dynamic member named as the desk names it) into `cti` paused (its `crm-break` is
        # dropped: Asterisk 16.28's QueueAdd takes no reason), then into `second`; 1 s apart it
        # removes 8003 from `cti` (still in second), adds it back unpaused, and removes it from both
        iface = "Local/8003@agents/n"
        steps: list[tuple[str, dict[str, str]]] = [
            ("QueueAdd", {"Queue": "cti", "Paused": "true", "Reason": "crm-break"}),
            ("QueueAdd", {"Queue": "second"}), ("QueueRemove", {"Queue": "cti"}),
            ("QueueAdd", {"Queue": "cti", "Paused": "false"}), ("QueueRemove", {"Queue": "cti"}),
            ("QueueRemove", {"Queue": "second"})]
        with SipPhone(r.s, "8001", answer_after=1, talk=8):
            cid = call(r, "443", stay=30, caller="13600000075")
            r.agent_channel(cid, "Alice")
            with r.ast.ami() as ami:
                for action, fields in steps:
                    named = {"MemberName": "8003"} if action == "QueueAdd" else {}
                    ami.action(action, Interface=iface, **named, **fields)
                    time.sleep(1)
            r.wait_gone(cid, settle=1)

    return {f.__name__: f for f in (foreign_cti_local_answered, foreign_cti_local_atxfer, foreign_cti_redirect_queue,
                                    foreign_cti_pause_midring, foreign_cti_autopause, foreign_cti_wrapup,
                                    foreign_cti_priority, foreign_cti_announce_hangup, foreign_cti_dial_g_bridge,
                                    foreign_cti_bridge_app, foreign_cti_channel_redirect, foreign_cti_ringinuse,
                                    foreign_cti_atxfer_refused, foreign_cti_redirect_waiting, foreign_cti_members)}


def record_foreign_cti(names: list[str], out_dir: Path = HERE) -> None:
    record_overlay(_scenarios(), "foreign_cti", names, out_dir, server_id="foreign-cti", hotline_number="440",
                   queue_timeout_s=20)
