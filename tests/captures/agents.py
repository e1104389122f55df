"""The scenarios of tests/captures/foreign_agents/ (``record.py --foreign-agents``): a classic
Asterisk call centre on app_agent_pool. Agents log in from their SIP phones with AgentLogin and
stay on that call (PJSIP/8001 is agent 1001 Alice, connected at once; PJSIP/8002 is agent 1002 Bob,
who must press # to take a call); the queues' members are Local channels into AgentRequest. Each
scenario runs on a fresh Asterisk."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.captures.record import HERE, record_overlay
from tests.captures.steps import Recorder


def _scenarios() -> dict[str, Callable[[Recorder], None]]:
    from tests.support.sipphone import SipPhone

    def call(r: Recorder, stay: float, number: str = "450") -> str:
        return r.inbound(stay=stay, caller="13600000008", name="坐席池", number=number)

    def alice_in(r: Recorder) -> str:
        return r.agent_login("PJSIP/8001", "1001", callerid='"Alice" <8001>')

    def bob_in(r: Recorder) -> str:
        return r.agent_login("PJSIP/8002", "1002", callerid='"Bob" <8002>')

    def one_caller(r: Recorder, phone: SipPhone, login_as: Callable[[Recorder], str], agent: str,
                   stay: float, number: str = "450") -> None:
        # the agent logs in from ``phone``; 1 s later a caller joins; once it is gone, AMI
        # AgentLogoff ends the login
        with phone:
            login = login_as(r)
            time.sleep(1)
            r.wait_gone(call(r, stay=stay, number=number), settle=1)
            r.agent_logoff(agent)
            r.wait_gone(login, settle=1)

    def foreign_agents_answered(r: Recorder) -> None:
        # Alice's phone answers the login call after 0.3 s and hangs up 14 s later (which also
        # logs her off); 1 s after the queues see her free (about 7 s into the login call) a caller
        # joins `pool` and is connected to her after the beep; so it is the agent who hangs up,
        # some 5 s into the talk (the caller would stay 30 s)
        with SipPhone(r.s, "8001", answer_after=0.3, talk=14):
            login = alice_in(r)
            time.sleep(1)
            cid = call(r, stay=30)
            r.wait_gone(cid, login, settle=1)

    def foreign_agents_caller_hangs_up(r: Recorder) -> None:
        # Alice logs in; 1 s later a caller joins `pool-plain` (members without names), is
        # connected to her and hangs up 5 s after joining; 1 s later AMI AgentLogoff ends her login
        one_caller(r, SipPhone(r.s, "8001", answer_after=0.3, talk=None), alice_in, "1001", stay=5, number="451")

    def foreign_agents_abandon(r: Recorder) -> None:
        # Bob (ackcall) is the only agent logged in; a caller joins `pool`, Bob hears the call's
        # beep but never presses #; the caller hangs up 4 s after joining; then AgentLogoff
        one_caller(r, SipPhone(r.s, "8002", answer_after=0.3, talk=None), bob_in, "1002", stay=4)

    def foreign_agents_ackcall(r: Recorder) -> None:
        # Bob (ackcall) logs in; 1 s after the queues see him free a caller joins `pool` and is
        # offered to him; his user presses # 9.5 s after the login call was answered (some 2 s
        # into the offer: Bob's phone answers the login after 0.3 s, the login takes about 2 s and
        # the queues see him free about 4.5 s later); the caller hangs up 10 s after joining
        from tests.captures.phone_keys import KeyPhone

        one_caller(r, KeyPhone(r.s, "8002", answer_after=0.3, talk=None, keys="#", keys_after=9.5), bob_in, "1002",
                   stay=10)

    def foreign_agents_login_while_waiting(r: Recorder) -> None:
        # nobody is logged in; a caller joins `pool` (joinempty) and waits; 1 s later Alice logs
        # in and, once the queues see her free, is connected to it (her login channel takes the
        # caller's Linkedid, the older one); the caller hangs up 12 s after joining; 1 s later a
        # second caller joins, is connected to her and hangs up 5 s after joining; then AgentLogoff
        with SipPhone(r.s, "8001", answer_after=0.3, talk=None):
            first = r.inbound(stay=12, caller="13600000081", name="坐席池", number="450")
            r.caller_channel(first)
            time.sleep(1)
            login = alice_in(r)
            r.wait_gone(first, settle=1)
            second = r.inbound(stay=5, caller="13600000082", name="坐席池", number="450")
            r.wait_gone(second, settle=1)
            r.agent_logoff("1001")
            r.wait_gone(login, settle=1)

    def foreign_agents_logoff_waiting(r: Recorder) -> None:
        # Bob (ackcall) is the only agent logged in; a caller joins `pool` and is offered to him;
        # 2 s later (no # pressed) AMI AgentLogoff logs him off: the queue keeps the caller
        # (leavewhenempty = no) until its timeout (12 s), then the dialplan hangs up
        with SipPhone(r.s, "8002", answer_after=0.3, talk=None):
            login = bob_in(r)
            time.sleep(1)
            cid = call(r, stay=30)
            r.tap.wait_for(lambda m: m.name == "AgentCalled" and m.get("Linkedid") == cid, 10)
            time.sleep(2)
            r.agent_logoff("1002")
            r.wait_gone(cid, login, settle=1)

    return {f.__name__: f for f in (foreign_agents_answered, foreign_agents_caller_hangs_up, foreign_agents_abandon,
                                    foreign_agents_ackcall, foreign_agents_login_while_waiting,
                                    foreign_agents_logoff_waiting)}


def record_foreign_agents(names: list[str], out_dir: Path = HERE) -> None:
    record_overlay(_scenarios(), "foreign_agents", names, out_dir, server_id="foreign-agents", hotline_number="450",
                   queue_timeout_s=12)
