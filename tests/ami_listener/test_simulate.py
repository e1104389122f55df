"""The demo's traffic (``hotline run`` → ``hotline listener simulate``) looks like a normal floor on
the 班组 page: the caller ends almost every answered call (R-ANS-HANGUP-LAST), an agent rarely
hangs up first (AGENT_HANGS_UP_FIRST) or lets a call ring out (R-ANS-4RINGS). Seeded plans, no
Asterisk: a plan says what the caller's and the agents' dialplan will do (asterisk/extensions.conf
[sim-caller], [agents]: the caller stays ``stay_s`` from the start, an agent talks ``talk`` from its
answer). On SENDS_TO_SURVEY of the calls the answering agent ends its talk with 转满意度 (R-SURVEY)
and the caller keys a rating, so 满意度 has figures on the demo."""

from __future__ import annotations

import random

from ami_listener.simulate import AGENT_HANGS_UP_FIRST, SENDS_TO_SURVEY, SimCall, fault_call, random_call
from hotline.settings import Settings

N = 2000


def plans(seed: int) -> list[SimCall]:
    rnd, s = random.Random(seed), Settings()
    return [fault_call(rnd, s, i // 4) if i % 4 == 0 else random_call(rnd, s, surveys=True) for i in range(N)]


def agent_can_end_first(call: SimCall) -> bool:
    """Some agent who would answer ends its talk while the caller still stays: the talk starts
    after the answer, so only a talk shorter than the caller's stay can end first. A talk that
    ends in 转满意度 is no hang-up: the caller goes on to the survey (R-SURVEY excuses it)."""
    return not call.survey and any(mode == "answer" and talk < call.stay_s for mode, _, talk in call.agents.values())


def test_agents_hang_up_first_rarely() -> None:
    """R-ANS-HANGUP-LAST: on the demo an agent hangs up first on about AGENT_HANGS_UP_FIRST of the
    calls (the walk-through saw every agent in red); every other call's agents outstay the caller."""
    for seed in (1, 2, 3):
        calls = plans(seed)
        ends = [c for c in calls if agent_can_end_first(c)]
        assert 0.02 <= len(ends) / N <= 0.06, (seed, len(ends))
        assert all(c.agent_ends for c in ends)
        # a planned slip is one: short talk, while a caller who stays for a conversation listens
        for c in calls:
            if c.agent_ends and c.stay_s >= 30:
                assert all(ring + talk < c.stay_s for mode, ring, talk in c.agents.values()), c
    assert 0.02 <= AGENT_HANGS_UP_FIRST <= 0.05


def test_fault_reporters_outstay_their_agent_too() -> None:
    """A fault reporter stays 90 s; the agent who talks to them (the report not completed) stays
    longer unless the call is one of the rare slips."""
    rnd, s = random.Random(5), Settings()
    calls = [fault_call(rnd, s, n) for n in range(200)]
    assert all(c.stay_s == 90 for c in calls)
    assert all(talk > c.stay_s for c in calls if not c.agent_ends for _, _, talk in c.agents.values())


def test_few_calls_ring_out() -> None:
    """R-ANS-4RINGS: an agent lets an offered call ring out (the queue moves on after
    queue_member_timeout_s, a violation) on few calls, not one in ten."""
    offers = [mode for c in plans(4) for mode, _, _ in c.agents.values()]
    assert offers.count("noanswer") / len(offers) <= 0.05
    assert offers.count("answer") / len(offers) >= 0.9


def test_some_agents_send_their_caller_to_the_survey() -> None:
    """R-SURVEY: the demo's agents never sent a caller to the survey, so 满意度 stayed empty. About
    SENDS_TO_SURVEY of the ordinary calls end in 转满意度 after a short talk, with a caller who
    stays for the survey and keys a rating, mostly satisfied; a fault reporter or an agent's slip
    never does."""
    for seed in (1, 2, 3):
        calls = plans(seed)
        ordinary = [c for c in calls if not c.reports_fault and not c.agent_ends]
        rated = [c for c in calls if c.survey]
        assert 0.25 <= len(rated) / len(ordinary) <= 0.35, (seed, len(rated))
        assert all(not c.reports_fault and not c.agent_ends for c in rated)
        assert {c.survey for c in rated} == {"1", "2", "3"}
        assert sum(c.survey == "1" for c in rated) / len(rated) >= 0.7
        for c in rated:
            assert c.variables()["__SIM_SURVEY"] == "1"  # what the agent's leg reads ([agents])
            # after the longest ring and talk, the caller still has 60 s for the IVR, the queue and the survey
            assert all(ring + talk + 60 <= c.stay_s for _, ring, talk in c.agents.values()), c
        assert all("__SIM_SURVEY" not in c.variables() for c in calls if not c.survey)
    # the benches' callers (no keying callers to answer the agent's ask) are never planned to rate
    rnd = random.Random(6)
    assert not any(random_call(rnd, Settings()).survey for _ in range(500))
    assert 0.2 <= SENDS_TO_SURVEY <= 0.4
