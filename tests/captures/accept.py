"""The scenarios of tests/captures/foreign_accept/ (``record.py --foreign-accept``): phones that
must accept a call with a key where no Local member stands in between — a ring group and a hunt
in plain dialplan (Dial's U() gosub, or its M() macro form), and a queue of the phones themselves
whose prompt is Queue()'s gosub argument. Phones are SIP phones (8001 Alice, 8002 Bob) pressing
keys as SIP INFO. Each scenario runs on a fresh Asterisk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.captures.record import HERE, record_overlay
from tests.captures.steps import Recorder


def _scenarios() -> dict[str, Callable[[Recorder], None]]:
    from tests.captures.phone_keys import KeyPhone
    from tests.support.sipphone import SipPhone

    def dial(r: Recorder, number: str, stay: float) -> str:
        return r.direct_caller(number, stay, caller="13600000071", name="接听键")

    def foreign_accept_ringgroup_abort(r: Recorder) -> None:
        # 470: both phones ring; Alice's answers after 1 s, hears the beep and her user presses 2
        # 1.5 s later: GOSUB_RESULT=ABORT hangs up both legs. Bob's ring was cancelled by her answer
        with KeyPhone(r.s, "8001", answer_after=1, talk=None, keys="2", keys_after=1.5), \
                SipPhone(r.s, "8002", answer_after=None):
            r.wait_gone(dial(r, "470", stay=20), settle=1)

    def foreign_accept_ringgroup_macro(r: Recorder) -> None:
        # 471: as foreign_accept_ringgroup_abort, the prompt in M(accept) (MACRO_RESULT=ABORT)
        with KeyPhone(r.s, "8001", answer_after=1, talk=None, keys="2", keys_after=1.5), \
                SipPhone(r.s, "8002", answer_after=None):
            r.wait_gone(dial(r, "471", stay=20), settle=1)

    def foreign_accept_hunt(r: Recorder) -> None:
        # 472: Alice's phone answers after 1 s and her user presses 2 1.5 s later (GOSUB_RESULT=BUSY):
        # the dialplan dials Bob, whose phone answers after 1 s and whose user presses 1 1.5 s
        # later; the caller hangs up 15 s in
        with KeyPhone(r.s, "8001", answer_after=1, talk=None, keys="2", keys_after=1.5), \
                KeyPhone(r.s, "8002", answer_after=1, talk=None, keys="1", keys_after=1.5):
            r.wait_gone(dial(r, "472", stay=15), settle=1)

    def foreign_accept_queue_refused(r: Recorder) -> None:
        # 473 (`direct`): Alice's phone answers after 1 s; Queue()'s gosub beeps and her user
        # presses 2 1.5 s later: the gosub hangs her channel up. Bob would accept with 1
        with KeyPhone(r.s, "8001", answer_after=1, talk=None, keys="2", keys_after=1.5), \
                KeyPhone(r.s, "8002", answer_after=1, talk=None, keys="1", keys_after=1.5):
            r.wait_gone(r.inbound(stay=20, caller="13600000072", name="接听键", number="473"), settle=1)

    def foreign_accept_queue_accepted(r: Recorder) -> None:
        # 473: Alice's phone answers after 1 s and her user presses 1 1.5 s later: connected; the
        # caller hangs up 10 s in
        with KeyPhone(r.s, "8001", answer_after=1, talk=None, keys="1", keys_after=1.5):
            r.wait_gone(r.inbound(stay=10, caller="13600000073", name="接听键", number="473"), settle=1)

    return {f.__name__: f for f in (foreign_accept_ringgroup_abort, foreign_accept_ringgroup_macro,
                                    foreign_accept_hunt, foreign_accept_queue_refused,
                                    foreign_accept_queue_accepted)}


def record_foreign_accept(names: list[str], out_dir: Path = HERE) -> None:
    record_overlay(_scenarios(), "foreign_accept", names, out_dir, server_id="foreign-accept", hotline_number="473",
                   queue_timeout_s=30)
