"""`hotline listener capture` writes AMI exactly as received; `hotline listener replay --json`
reads it back."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ami_listener.simulate import SimCall, originate
from hotline.pbx.process import Asterisk
from hotline.settings import ROOT
from tests.support.postgres import sqlite_url

pytestmark = pytest.mark.asterisk


def _wait_logged_in(cap: subprocess.Popen[str], timeout: float = 30) -> None:
    """`hotline listener capture` says "capturing AMI from …" once it is logged in."""
    assert cap.stderr is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([cap.stderr], [], [], 0.2)
        if ready:
            line = cap.stderr.readline()
            if line.startswith("capturing AMI from"):
                return
            assert line, f"capture exited: {cap.wait(5)}"
    raise TimeoutError("hotline listener capture did not log in")


def test_capture_then_replay(pbx: Asterisk, tmp_path: Path) -> None:
    s = pbx.settings
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOTLINE_RUNTIME_DIR=str(s.runtime_dir),
               HOTLINE_AMI_PORT=str(s.ami_port), HOTLINE_RING_CYCLE_S="1", HOTLINE_SERVER_ID="cap",
               HOTLINE_DATABASE_URL=sqlite_url(tmp_path / "r.db"))
    out = tmp_path / "one_call.ami"
    cap = subprocess.Popen([sys.executable, "-m", "hotline", "listener", "capture", str(out), "--seconds", "12"],
                           env=env,
                           stderr=subprocess.PIPE, text=True)
    _wait_logged_in(cap)  # the call must start after the capture is in: its start is what is checked
    call = SimCall(f"capcli-{time.time_ns() % 10**9}", "13500000077", "录音",
                   stay_s=30, agents={a: ("answer", 1, 1) for a in s.agents})
    with pbx.ami() as ami:
        originate(ami, s, call)
    assert cap.wait(30) == 0, cap.stderr.read()
    data = out.read_bytes()
    assert data.startswith(b"Asterisk Call Manager/") and b"Response: Success" in data
    replay = subprocess.run([sys.executable, "-m", "hotline", "listener", "replay", str(out), "--json"], env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    records = [json.loads(x) for x in replay.stdout.splitlines() if x.startswith("{")]
    rec = next(r for r in records if r["call_id"] == call.call_id)
    assert (rec["disposition"], rec["caller_number"], rec["caller_name"]) == ("answered", "13500000077", "录音")
    assert rec["server"] == "cap" and not rec["incomplete"] and abs(rec["ring_seconds"] - 1.0) < 0.3
