"""``hotline simulate``: realistic calls into the private Asterisk, for the demo and for tests.

Callers have random patience and key presses; agents random ring and talk times; some calls
are abandoned, time out, or are transferred. As on a real floor the caller ends almost every
answered call: an agent hangs up first (R-ANS-HANGUP-LAST) on :data:`AGENT_HANGS_UP_FIRST` of the
calls, and lets a call ring out (R-ANS-4RINGS) on few, so the 班组 page shows a normal floor with the
occasional violation rather than every agent in red. On :data:`SENDS_TO_SURVEY` of the other
answered calls the agent ends its talk with 转满意度 (R-SURVEY) and the caller keys a rating
(:data:`RATINGS`), so 满意度 has figures. Every ``fault_every``-th
call (the first included) is a known customer (``hotline.demo.FAULT_REPORTERS``) who reports a
fault by keypad to the end, keying when the IVR asks (``ami_listener.demo_caller``): its report
becomes a work order for the demo's technician. Each call is described by a :class:`SimCall` —
what the caller and agents will do — so tests know the expected outcome.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ami_listener.demo_caller import KeyingCallers
from hotline.demo import FAULT_REPORTERS
from hotline.fault_keys import FAULT_ANSWERS, Answer, fault_answers
from hotline.pbx.ami import Ami, AmiError
from hotline.settings import Settings

log = logging.getLogger(__name__)

# R-ANS-HANGUP-LAST on the demo: the share of calls whose agent hangs up before the caller — a rare
# slip, as on a real floor (the rest: the agent stays on the line until the caller leaves). README.
AGENT_HANGS_UP_FIRST = 0.04
# how an agent treats a call it is offered: answers it, lets it ring out (R-ANS-4RINGS: the queue
# moves on after queue_member_timeout_s, a violation for the agent), or is busy — mostly the first
AGENT_MODES = {"answer": 95, "noanswer": 3, "busy": 2}
# R-SURVEY on the demo: the share of calls (not the agent's slips, not the fault reporters) whose
# agent sends the caller to the satisfaction survey at the end of a short talk, as the desk's 转满意度
# does; the caller keys a rating, mostly satisfied (1 satisfied, 2 fair, 3 dissatisfied). README.
SENDS_TO_SURVEY = 0.3
RATINGS = {"1": 80, "2": 15, "3": 5}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]


@dataclass
class SimCall:
    call_id: str
    caller_number: str
    caller_name: str
    stay_s: float  # the caller hangs up after this long, answered or not
    agents: dict[str, tuple[str, float, float]] = field(default_factory=dict)  # ext: (mode, ring, talk)
    dtmf: str = ""
    agent_ends: bool = False  # the agent who answers hangs up before the caller (AGENT_HANGS_UP_FIRST)
    reports_fault: bool = False  # keys a whole fault report when the IVR asks (no SIM_DTMF)…
    answers: tuple[Answer, ...] = FAULT_ANSWERS  # …these keys
    survey: str = ""  # the answering agent sends the caller to the survey (SENDS_TO_SURVEY), who keys this


    def variables(self) -> dict[str, str]:
        v = {"SIM_STAY": f"{self.stay_s:g}"}
        if self.dtmf:
            v["SIM_DTMF"] = self.dtmf
        if self.survey:
            v["__SIM_SURVEY"] = "1"  # the agent's leg asks for the survey after its talk ([agents])
        for ext, (mode, ring, talk) in self.agents.items():
            v[f"__SIM_MODE_{ext}"] = mode
            v[f"__SIM_RING_{ext}"] = f"{ring:g}"
            v[f"__SIM_TALK_{ext}"] = f"{talk:g}"
        return v


def random_call(rnd: random.Random, s: Settings, scale: float = 1.0, surveys: bool = False) -> SimCall:
    """One caller and how every agent would treat the call. ``scale`` shrinks all times (tests).
    ``surveys``: the call may end in 转满意度 (SENDS_TO_SURVEY) — only where keying callers answer
    the agent's ask (:func:`simulate`); elsewhere (the benches) no call is planned to rate."""
    number = "1" + rnd.choice("3578") + "".join(rnd.choice("0123456789") for _ in range(9))
    if rnd.random() < 0.05:
        number = "0" + "".join(rnd.choice("0123456789") for _ in range(9))  # a landline
    name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
    stay = round(rnd.choice([rnd.uniform(2, 10), rnd.uniform(30, 90), rnd.uniform(30, 90)]) * scale, 1)
    agent_ends = rnd.random() < AGENT_HANGS_UP_FIRST
    survey = ""
    if surveys and not agent_ends and rnd.random() < SENDS_TO_SURVEY:
        survey = rnd.choices(list(RATINGS), list(RATINGS.values()))[0]
        # the caller stays for the IVR, the queue, a short talk and the survey's question and thanks
        stay = round(rnd.uniform(90, 120) * scale, 1)
    agents = agent_plans(rnd, s, stay, agent_ends or bool(survey), scale)
    dtmf = rnd.choice(["", "", "0", "1"]) if s.agents else ""
    return SimCall(f"sim-{uuid.uuid4().hex[:12]}", number, name, stay, agents, dtmf, agent_ends=agent_ends,
                   survey=survey)


def agent_plans(rnd: random.Random, s: Settings, stay_s: float, short_talk: bool,
                scale: float = 1.0) -> dict[str, tuple[str, float, float]]:
    """How each agent would treat the call: mode, ring and talk seconds. The talk is counted from
    the answer, which comes after the caller's stay started, so a talk past the caller's stay leaves
    the hang-up to the caller (R-ANS-HANGUP-LAST kept); ``short_talk``: the agent ends the talk
    while the caller still listens — hangs up first, or sends the caller to the survey."""
    agents = {}
    for ext in s.agents:
        mode = rnd.choices(list(AGENT_MODES), list(AGENT_MODES.values()))[0]
        ring = round(rnd.uniform(0.5, 8.0) * scale, 1)
        talk = round(rnd.uniform(3, 20) * scale if short_talk else stay_s + rnd.uniform(5, 30) * scale, 1)
        agents[ext] = (mode, ring, talk)
    return agents


def fault_call(rnd: random.Random, s: Settings, n: int, scale: float = 1.0) -> SimCall:
    """The ``n``-th fault reporter: a known customer who stays until the IVR hangs up after the
    read-back (or an agent, if the report could not be completed, talks to them)."""
    who = FAULT_REPORTERS[n % len(FAULT_REPORTERS)]
    menu = max(1, min(len(s.ivr_fault_types), 9))  # an operator's shorter fault-type menu: a key it offers
    call = random_call(rnd, s, scale)
    stay = round(90 * scale, 1)
    return SimCall(call.call_id, who.number, who.name, stay, agent_plans(rnd, s, stay, call.agent_ends, scale), "",
                   reports_fault=True, answers=fault_answers(str((int(who.fault_key) - 1) % menu + 1)),
                   agent_ends=call.agent_ends)


def originate(ami: Ami, s: Settings, call: SimCall) -> None:
    ami.originate(f"Local/{s.hotline_number}@from-pstn", context="sim-caller", exten="s",
                  callerid=f'"{call.caller_name}" <{call.caller_number}>', channel_id=call.call_id,
                  variables=call.variables(), timeout_s=60)


def simulate(s: Settings, calls: int, concurrency: int, seed: int | None = None, scale: float = 1.0,
             gap_s: tuple[float, float] = (0.5, 3.0), fault_every: int = 4) -> list[SimCall]:
    """Originates ``calls`` calls, at most ``concurrency`` at a time; returns what each would do.
    ``fault_every``: every so many calls one reports a fault (0: none)."""
    rnd = random.Random(seed)
    plan = [fault_call(rnd, s, i // fault_every, scale) if fault_every and i % fault_every == 0
            else random_call(rnd, s, scale, surveys=True) for i in range(calls)]
    slots = threading.Semaphore(concurrency)

    def one(call: SimCall) -> None:
        with slots:
            try:
                with Ami.from_settings(s) as ami:
                    if call.reports_fault:
                        keying.expect(call.call_id, call.answers)
                    if call.survey:
                        keying.rate(call.call_id, call.survey)
                    originate(ami, s, call)
                    # hold the slot for about as long as the call lasts
                    time.sleep(min(call.stay_s, 120) + 1)
            except AmiError as exc:
                log.warning("simulated call %s not placed: %s", call.call_id, exc)

    with KeyingCallers(s) as keying, ThreadPoolExecutor(max_workers=concurrency) as pool:
        for call in plan:
            pool.submit(one, call)
            time.sleep(rnd.uniform(*gap_s) * scale)
        pool.shutdown(wait=True)
        reports = [c for c in plan if c.reports_fault]
        keyed = sum(keying.keyed_everything(c.call_id) for c in reports)
        log.info("%d of %d fault reporters keyed their whole report", keyed, len(reports))
    return plan
