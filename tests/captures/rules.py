"""The scenarios of tests/captures/foreign_rules/ (``record.py --foreign-rules``): queue settings
an operator's dialplan uses that the other captures do not — members who accept a call with a
key, a queue rule moving a waiting caller to a second tier of members, an agent going on to a
wrap-up code after the caller hangs up (Queue option F), the leastrecent, rrordered, wrandom and
fewestcalls strategies, a key pressed during the queue's periodic announcement. Members are SIP
phones (8001 Alice, 8002 Bob) or Local channels in front of them. Each scenario runs on a fresh
Asterisk."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.captures.record import HERE, record_overlay
from tests.captures.steps import Recorder


def _scenarios() -> dict[str, Callable[[Recorder], None]]:
    from tests.captures.phone_keys import KeyPhone
    from tests.support.sipphone import SipPhone

    def call(r: Recorder, number: str, stay: float, caller: str = "13600000061", **extra: str) -> str:
        return r.inbound(stay=stay, caller=caller, name="规则", number=number, **extra)

    def foreign_rules_accept_refused(r: Recorder) -> None:
        # `accept` (460) rings Alice's Local member; her phone answers after 1 s, hears the beep
        # and her user presses 2 (refuses) 1.5 s later: her leg hangs up (GOSUB_RESULT=BUSY) and
        # the queue rings Bob at once, whose phone answers after 1 s; his user presses 1 1.5 s
        # later and is connected; the caller hangs up 20 s in
        with KeyPhone(r.s, "8001", answer_after=1, talk=None, keys="2", keys_after=1.5), \
                KeyPhone(r.s, "8002", answer_after=1, talk=None, keys="1", keys_after=1.5):
            r.wait_gone(call(r, "460", stay=20), settle=1)

    def foreign_rules_accept_hung_up(r: Recorder) -> None:
        # as foreign_rules_accept_refused, but Alice's user refuses by hanging up: her phone
        # answers after 1 s, hears the beep and hangs up (BYE) 1.5 s later, pressing nothing. Dial
        # takes the gosub her hang-up ended for an accept: the queue connects the caller to her
        # gone leg and the call ends there — Bob (ready to accept with 1) is never rung
        with SipPhone(r.s, "8001", answer_after=1, talk=1.5), \
                KeyPhone(r.s, "8002", answer_after=1, talk=None, keys="1", keys_after=1.5):
            r.wait_gone(call(r, "460", stay=20), settle=1)

    def foreign_rules_accept_abandoned(r: Recorder) -> None:
        # Alice's phone answers after 1 s and hears the beep; her user presses nothing; the
        # caller hangs up 3 s in, while the accept prompt still waits for her key
        with SipPhone(r.s, "8001", answer_after=1, talk=None), SipPhone(r.s, "8002", answer_after=None):
            r.wait_gone(call(r, "460", stay=3), settle=1)

    def foreign_rules_penalty_overflow(r: Recorder) -> None:
        # `escalate` (461): the caller starts at penalties 0 to 0, so only Alice rings (3 s,
        # unanswered, 1 s retry, again); once the rule `overflow` moves it to penalty 1 (5 s in),
        # Bob rings alone and answers after 1 s, talks 2 s and hangs up
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=1, talk=2):
            r.wait_gone(call(r, "461", stay=30), settle=1)

    def foreign_rules_agent_wrapup(r: Recorder) -> None:
        # `wrapup` (462): Alice answers after 1 s; the caller hangs up 6 s in; Alice's channel goes
        # on (Queue option F) to agent-wrapup, where she presses 3 (7 s after answering) and the
        # dialplan hangs her up
        with KeyPhone(r.s, "8001", answer_after=1, talk=None, keys="3", keys_after=7):
            r.wait_gone(call(r, "462", stay=6), settle=1)

    def foreign_rules_leastrecent(r: Recorder) -> None:
        # `leastrecent` (463): a first caller rings Bob first (neither has taken a call: the tie
        # goes to him), who answers after 1 s, talks 2 s and hangs up; 1 s later a second caller
        # rings Alice, who has taken none (least recent): she lets it ring out (3 s) and, still
        # least recent, is rung again 1 s later — Bob, free, never; the caller gives up 9 s in
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=1, talk=2):
            r.wait_gone(call(r, "463", stay=20, caller="13600000062"), settle=1)
            r.wait_gone(call(r, "463", stay=9, caller="13600000063"), settle=1)

    def foreign_rules_rrordered(r: Recorder) -> None:
        # `ordered` (464, rrordered): Alice rings first and lets it ring out (3 s); 1 s later Bob
        # rings, answers after 1 s, talks 2 s and hangs up
        with SipPhone(r.s, "8001", answer_after=None), SipPhone(r.s, "8002", answer_after=1, talk=2):
            r.wait_gone(call(r, "464", stay=20), settle=1)

    def foreign_rules_wrandom(r: Recorder) -> None:
        # `weighted` (466, wrandom; Alice penalty 0, Bob 2): two callers 1 s apart, each staying
        # 25 s; whom each ring goes to is drawn at random. Alice answers after 1 s and talks 2 s;
        # Bob never answers (rings out after 3 s). Both callers end up with Alice, one after the
        # other (as recorded: the first rang Alice; the second Bob, Bob again once she was free,
        # then her)
        with SipPhone(r.s, "8001", answer_after=1, talk=2), SipPhone(r.s, "8002", answer_after=None):
            first = call(r, "466", stay=25, caller="13600000064")
            time.sleep(1)
            r.wait_gone(first, call(r, "466", stay=25, caller="13600000065"), settle=1)

    def foreign_rules_fewestcalls(r: Recorder) -> None:
        # `fewest` (467, fewestcalls): a first caller rings Bob (neither has taken a call: the tie
        # goes to him, as leastrecent's does), who answers after 1 s and talks 2 s; 1 s after it is
        # gone a second caller rings Alice, who has taken fewer (none), and she answers after 1 s,
        # talks 2 s
        with SipPhone(r.s, "8001", answer_after=1, talk=2), SipPhone(r.s, "8002", answer_after=1, talk=2):
            r.wait_gone(call(r, "467", stay=20, caller="13600000066"), settle=1)
            r.wait_gone(call(r, "467", stay=20, caller="13600000067"), settle=1)

    def foreign_rules_announce_key_exit(r: Recorder) -> None:
        # `announced` (465): Alice rings 3 s unanswered; 5 s later, before her next ring, the
        # periodic announcement plays, during which (9 s in) the caller presses 5: the queue's
        # context= takes it to [announce-exit], a goodbye, Hangup()
        with SipPhone(r.s, "8001", answer_after=None):
            r.wait_gone(call(r, "465", stay=30, dtmf="5", SIM_DTMF_AT="9"), settle=1)

    return {f.__name__: f for f in (foreign_rules_accept_refused, foreign_rules_accept_hung_up,
                                    foreign_rules_accept_abandoned, foreign_rules_penalty_overflow,
                                    foreign_rules_agent_wrapup, foreign_rules_leastrecent,
                                    foreign_rules_rrordered, foreign_rules_wrandom, foreign_rules_fewestcalls,
                                    foreign_rules_announce_key_exit)}


def record_foreign_rules(names: list[str], out_dir: Path = HERE) -> None:
    record_overlay(_scenarios(), "foreign_rules", names, out_dir, server_id="foreign-rules", hotline_number="460",
                   queue_timeout_s=30)
