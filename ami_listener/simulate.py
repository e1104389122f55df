"""``hotline simulate``: realistic calls into the private Asterisk, for the demo and for tests.

Callers have random patience and key presses; agents random ring and talk times; some calls
are abandoned, time out, are transferred, or are hung up by either side. Each call is described
by a :class:`SimCall` — what the caller and agents will do — so tests know the expected outcome.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from hotline.pbx.ami import Ami, AmiError
from hotline.settings import Settings

log = logging.getLogger(__name__)

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

    def variables(self) -> dict[str, str]:
        v = {"SIM_STAY": f"{self.stay_s:g}"}
        if self.dtmf:
            v["SIM_DTMF"] = self.dtmf
        for ext, (mode, ring, talk) in self.agents.items():
            v[f"__SIM_MODE_{ext}"] = mode
            v[f"__SIM_RING_{ext}"] = f"{ring:g}"
            v[f"__SIM_TALK_{ext}"] = f"{talk:g}"
        return v


def random_call(rnd: random.Random, s: Settings, scale: float = 1.0) -> SimCall:
    """One caller and how every agent would treat the call. ``scale`` shrinks all times (tests)."""
    number = "1" + rnd.choice("3578") + "".join(rnd.choice("0123456789") for _ in range(9))
    if rnd.random() < 0.05:
        number = "0" + "".join(rnd.choice("0123456789") for _ in range(9))  # a landline
    name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
    agents = {}
    for ext in s.agents:
        mode = rnd.choices(["answer", "noanswer", "busy"], [85, 10, 5])[0]
        ring = round(rnd.uniform(0.5, 8.0) * scale, 1)
        talk = round(rnd.uniform(3, 40) * scale, 1)
        agents[ext] = (mode, ring, talk)
    stay = round(rnd.choice([rnd.uniform(2, 10), rnd.uniform(30, 90), rnd.uniform(30, 90)]) * scale, 1)
    dtmf = rnd.choice(["", "", "0", "1"]) if s.agents else ""
    return SimCall(f"sim-{uuid.uuid4().hex[:12]}", number, name, stay, agents, dtmf)


def originate(ami: Ami, s: Settings, call: SimCall) -> None:
    ami.originate(f"Local/{s.hotline_number}@from-pstn", context="sim-caller", exten="s",
                  callerid=f'"{call.caller_name}" <{call.caller_number}>', channel_id=call.call_id,
                  variables=call.variables(), timeout_s=60)


def simulate(s: Settings, calls: int, concurrency: int, seed: int | None = None, scale: float = 1.0,
             gap_s: tuple[float, float] = (0.5, 3.0)) -> list[SimCall]:
    """Originates ``calls`` calls, at most ``concurrency`` at a time; returns what each would do."""
    rnd = random.Random(seed)
    plan = [random_call(rnd, s, scale) for _ in range(calls)]
    slots = threading.Semaphore(concurrency)

    def one(call: SimCall) -> None:
        with slots:
            try:
                with Ami.from_settings(s) as ami:
                    originate(ami, s, call)
                    # hold the slot for about as long as the call lasts
                    time.sleep(min(call.stay_s, 120) + 1)
            except AmiError as exc:
                log.warning("simulated call %s not placed: %s", call.call_id, exc)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for call in plan:
            pool.submit(one, call)
            time.sleep(rnd.uniform(*gap_s) * scale)
    return plan
