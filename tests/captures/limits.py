"""The scenarios of tests/captures/own_limits/ (``record.py --own-limits``): callers the hotline's
own queue refuses at the join, on our own dialplan and through our own listener user (whose
manager.conf filters ``Newexten``), the queue given an operator's limits (maxlen = 1, joinempty =
no). The agents are the simulated ones (Local/800X@agents/n), the IVR is down: callers go
straight to the queue. Each scenario runs on a fresh Asterisk."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.captures.record import HERE, record_overlay
from tests.captures.steps import Recorder


def _scenarios() -> dict[str, Callable[[Recorder], None]]:
    def queue_full(r: Recorder) -> None:
        # the first caller waits while 8001 rings 3 s and answers, talks until that caller hangs
        # up 12 s in; 1 s after the first joined a second caller is refused at the join (maxlen 1:
        # QUEUESTATUS=FULL) and the dialplan hangs up
        first = r.inbound(caller="13800000301", name="满一", agents={"8001": ("answer", 3, 30)}, stay=12)
        r.caller_channel(first)
        time.sleep(1)
        second = r.inbound(caller="13800000302", name="满二", stay=20)
        r.wait_gone(first, second)

    def queue_joinempty(r: Recorder) -> None:
        # every member paused (the desk's 小休 / 示忙 pause them): the caller is refused at the
        # join (joinempty = no: QUEUESTATUS=JOINEMPTY) and the dialplan hangs up
        for ext in ("8001", "8002"):
            r.pause_member(r.s.queue_name, f"Local/{ext}@agents/n", reason="break")
        r.wait_gone(r.inbound(caller="13800000303", name="无人", stay=20))

    return {f.__name__: f for f in (queue_full, queue_joinempty)}


def record_own_limits(names: list[str], out_dir: Path = HERE) -> None:
    record_overlay(_scenarios(), "own_limits", names, out_dir, server_id="capture", queue_member_timeout_s=7,
                   queue_timeout_s=12)
