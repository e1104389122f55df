"""The scenarios of tests/captures/foreign_more/ (``record.py --foreign-more``): shapes of calls
the other overlays lack, on a foreign dialplan whose queue members are SIP phones (SIPp phones
registered as 8001 Alice and 8002 Bob). Each scenario runs on a fresh Asterisk, so rrmemory
`support` (410) starts at Alice."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.captures.record import HERE, record_overlay
from tests.captures.steps import Recorder


def _scenarios() -> dict[str, Callable[[Recorder], None]]:
    from tests.support.sipphone import SipPhone

    def call(r: Recorder, number: str, stay: float, caller: str = "13600000005", **extra: str) -> str:
        return r.inbound(stay=stay, caller=caller, name="更多", number=number, **extra)

    def foreign_queue_key_exit(r: Recorder) -> None:
        # nobody answers (Alice, then Bob, 3 s each); 4 s after the line answered the caller
        # presses 5: the queue's context= takes it to [queue-exit], a goodbye, Hangup()
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=None):
            r.wait_gone(call(r, "410", stay=30, dtmf="5", SIM_DTMF_AT="4"))

    def foreign_queue_timeout_voicemail(r: Recorder) -> None:
        # nobody answers; the queue times out after 10 s and VoiceMail() answers; the caller
        # leaves a message and hangs up 14 s in
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=None):
            r.wait_gone(call(r, "410", stay=14))

    def foreign_queue_joinempty(r: Recorder) -> None:
        # `empty` has no member (joinempty = no): the caller never joins (QUEUESTATUS=JOINEMPTY),
        # hears a goodbye, the dialplan hangs up
        r.wait_gone(call(r, "411", stay=20))

    def foreign_queue_leaveempty(r: Recorder) -> None:
        # Alice (added by QueueAdd) rings unanswered; 2 s after the caller joined she is removed
        # (QueueRemove): `sales` is empty, the caller is thrown out (LEAVEEMPTY) to VoiceMail(),
        # leaves a message and hangs up 12 s in
        r.add_member("sales", "PJSIP/8001", "Alice")
        with SipPhone(r.s, "8001", answer_after=None):
            cid = call(r, "412", stay=12)
            r.caller_channel(cid)
            time.sleep(2)
            r.remove_member("sales", "PJSIP/8001")
            r.wait_gone(cid)

    def foreign_queue_full(r: Recorder) -> None:
        # `full` holds one caller (maxlen = 1): the first waits while Bob's phone rings and answers
        # after 4 s, talks until that caller hangs up 12 s in; 1 s after the first joined a second
        # caller is refused at the join (QUEUESTATUS=FULL), hears a goodbye, the dialplan hangs up
        with SipPhone(r.s, "8002", answer_after=4, talk=None):
            first = call(r, "413", stay=12)
            r.caller_channel(first)
            time.sleep(1)
            second = call(r, "413", stay=20, caller="13600000008")
            r.wait_gone(first, second)

    def foreign_park_pickup(r: Recorder) -> None:
        # Alice answers after 1 s; 1.5 s later she transfers the caller blind to 700 (the parking
        # lot: the caller is parked at 701); 1.5 s after that Bob's phone takes it from the lot
        # (an originated PJSIP/8002 running ParkedCall(default,701)), talks 3 s and hangs up
        with SipPhone(r.s, "8001", answer_after=1, talk=None), SipPhone(r.s, "8002", answer_after=0.3, talk=3):
            cid = call(r, "410", stay=30)
            chan = r.agent_channel(cid, "Alice")
            time.sleep(1.5)
            r.blind_transfer(chan, "700")
            r.tap.wait_for(lambda m: m.name == "ParkedCall", 10)
            time.sleep(1.5)
            r.phone_into_app("PJSIP/8002", "ParkedCall", "default,701", callerid='"Bob" <8002>')
            r.wait_gone(cid, settle=1)

    def foreign_chanspy(r: Recorder) -> None:
        # Alice answers after 1 s; 1.5 s later a supervisor listens in (an originated
        # Local/555@supervisor running ChanSpy(PJSIP/8001,q), its other half Wait(4)); the caller
        # hangs up 9 s in
        with SipPhone(r.s, "8001", answer_after=1, talk=None):
            cid = call(r, "410", stay=9)
            r.agent_channel(cid, "Alice")
            time.sleep(1.5)
            r.phone_into_app("Local/555@supervisor", "Wait", "4", callerid='"班长" <8009>')
            r.wait_gone(cid, settle=5)

    def foreign_queue_to_queue(r: Recorder) -> None:
        # Alice answers after 1 s; 1.5 s later she transfers the caller blind to 420 (queue
        # `second`, Bob only); Bob answers after 1 s and talks until the caller hangs up 12 s in
        with SipPhone(r.s, "8001", answer_after=1, talk=None), SipPhone(r.s, "8002", answer_after=1, talk=None):
            cid = call(r, "410", stay=12)
            chan = r.agent_channel(cid, "Alice")
            time.sleep(1.5)
            r.blind_transfer(chan, "420")
            r.wait_gone(cid, settle=1)

    return {**{f.__name__: f for f in (foreign_queue_key_exit, foreign_queue_timeout_voicemail, foreign_queue_joinempty,
                                       foreign_queue_leaveempty, foreign_park_pickup, foreign_chanspy,
                                       foreign_queue_to_queue)},
            # the same call, through a listener user without our eventfilter lines (UNFILTERED)
            "foreign_queue_joinempty_unfiltered": foreign_queue_joinempty,
            # only through such a user: the Newexten running Queue(full,…) names the refused caller's queue
            "foreign_queue_full_unfiltered": foreign_queue_full}


# Recorded as a foreign Asterisk's listener user sees them (record.FOREIGN_LISTENER): Newexten and
# the other events our own manager.conf filters out included
UNFILTERED = {"foreign_queue_joinempty_unfiltered", "foreign_queue_full_unfiltered"}


def record_foreign_more(names: list[str], out_dir: Path = HERE) -> None:
    record_overlay(_scenarios(), "foreign_more", names, out_dir, unfiltered=UNFILTERED, server_id="foreign-more",
                   hotline_number="410", queue_timeout_s=10)
