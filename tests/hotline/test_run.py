"""`hotline run` (issue #19): it supervises its services, checks its ports before starting anything,
says "running" only once every service answers, makes demo logins only with demo traffic (and
again when the database lost them), and keeps personal data private at rest."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ami_listener.simulate import SimCall, originate
from hotline.db import open_db
from hotline.models import User
from hotline.pbx.ami import Ami, AmiRole
from hotline.settings import ROOT, Settings
from hotline.supervisor import http_answers, tcp_accepts
from tests.support.pbx import pbx_test_settings
from tests.support.processes import children


def _env(s: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(PYTHONPATH=str(ROOT), HOTLINE_RUNTIME_DIR=str(s.runtime_dir), HOTLINE_AMI_PORT=str(s.ami_port),
               HOTLINE_SIP_PORT=str(s.sip_port), HOTLINE_AGI_PORT=str(s.agi_port), HOTLINE_WEB_PORT=str(s.web_port),
               HOTLINE_RTP_START=str(s.rtp_start), HOTLINE_RTP_END=str(s.rtp_end), HOTLINE_RING_CYCLE_S="1",
               HOTLINE_ESPEAK_SPEED_WPM="260", HOTLINE_CALLBACK_SCHEDULER_INTERVAL_S="2")
    env.update(extra)
    return env


class Run:
    """`hotline run` as a child; its output gathered line by line by a thread."""

    def __init__(self, s: Settings, *args: str, **env: str) -> None:
        self.s = s
        self.proc = subprocess.Popen([sys.executable, "-m", "hotline", "run", *args], env=_env(s, **env),
                                     cwd=s.runtime_dir.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def out(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.out:
                return
            if self.proc.poll() is not None:
                self._reader.join(5)
                if text in self.out:
                    return
                raise AssertionError(f"hotline run exited ({self.proc.returncode}) before {text!r}:\n{self.out}")
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} within {timeout} s:\n{self.out}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._reader.join(5)
        return self.proc.returncode


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return pbx_test_settings(tmp_path / "var")


def _child(run: Run, needle: str) -> int:
    pids = [p for p, cmd in children(run.proc.pid).items() if needle in cmd]
    assert len(pids) == 1, children(run.proc.pid)
    return pids[0]


def _call_channels(s: Settings, linkedid: str) -> list[str]:
    with Ami.from_settings(s, timeout=5, role=AmiRole.LISTENER) as ami:
        rows = ami.list_action("CoreShowChannels", "CoreShowChannelsComplete")
    return [r.get("Channel", "") for r in rows if r.get("Linkedid") == linkedid]


@pytest.fixture
def running(settings: Settings) -> Iterator[Run]:
    run = Run(settings, "--no-demo")
    try:
        run.wait_for("hotline is running")
        yield run
    finally:
        run.stop()
        if run.proc.poll() is None:
            run.proc.kill()


@pytest.mark.asterisk
def test_a_killed_service_is_restarted_and_calls_go_on(running: Run) -> None:
    s = running.s
    # "running" means every service answers, at the moment it is said
    assert http_answers(f"http://{s.web_host}:{s.web_port}/login")
    assert tcp_accepts(s.agi_host, s.agi_port)
    assert "AMI connected" in (s.log_dir / "listener.log").read_text()
    assert "scheduler pass:" in (s.log_dir / "scheduler.log").read_text()
    asterisk_pid = int((s.asterisk_dir / "run" / "asterisk.pid").read_text())

    call = SimCall("run-sup-1", "13800138000", "王伟", stay_s=90, agents={e: ("answer", 0.5, 90) for e in s.agents},
                   dtmf="0")
    with Ami.from_settings(s) as ami:
        originate(ami, s, call)
    deadline = time.monotonic() + 20
    while not _call_channels(s, call.call_id) and time.monotonic() < deadline:
        time.sleep(0.2)
    before = _call_channels(s, call.call_id)
    assert before, "the test call never came up"

    listener = _child(running, "listener listen")
    os.kill(listener, signal.SIGKILL)
    running.wait_for("listener exited with status -9; restarting", timeout=15)
    running.wait_for("listener restarted", timeout=15)
    again = _child(running, "listener listen")
    assert again != listener
    deadline = time.monotonic() + 15
    log = s.log_dir / "listener.log"
    while log.read_text().count("AMI connected") < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert log.read_text().count("AMI connected") == 2, "the restarted listener did not log in"
    assert "restarting in 1 s" in log.read_text(), "the restart is said in the service's log too"

    # Asterisk was never stopped and the call in progress kept its channels
    os.kill(asterisk_pid, 0)
    assert int((s.asterisk_dir / "run" / "asterisk.pid").read_text()) == asterisk_pid
    assert "core stop" not in running.out and "stopping" not in running.out
    assert set(before) <= set(_call_channels(s, call.call_id))
    assert running.proc.poll() is None

    # --no-demo: no demo traffic, and no demo accounts
    engine, sessions = open_db(s)
    with sessions() as db:
        assert db.scalars(select(User.username)).all() == []
    engine.dispose()
    assert not (s.secrets_dir / "demo_users").exists()

    assert running.stop() == 0
    assert "stopped: Asterisk and every service are down" in running.out
    with pytest.raises(ProcessLookupError):
        os.kill(asterisk_pid, 0)


@pytest.mark.asterisk
def test_personal_data_is_private_at_rest(running: Run) -> None:
    """umask 077 in every hotline process and 0700 runtime directories (#19, personal data at rest)."""
    s = running.s
    for d in (s.runtime_dir, s.log_dir, s.secrets_dir):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    files = [s.runtime_dir / "hotline.db", *s.log_dir.glob("*.log"), *s.secrets_dir.iterdir(),
             *(s.asterisk_dir / "log").rglob("*")]
    files = [f for f in files if f.is_file()]
    assert any(f.name == "hotline.db" for f in files) and any(f.name == "listener.log" for f in files)
    readable = {str(f): oct(stat.S_IMODE(f.stat().st_mode)) for f in files if f.stat().st_mode & 0o077}
    assert readable == {}


@pytest.mark.parametrize("setting", ["web_port", "agi_port", "ami_port", "sip_port"])
def test_a_taken_port_stops_the_run_before_anything_starts(settings: Settings, setting: str) -> None:
    udp = setting == "sip_port"
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    if not udp:
        holder.listen()
    port = holder.getsockname()[1]
    s = settings.replace(**{setting: port})
    try:
        run = Run(s, "--no-demo")
        code = run.proc.wait(60)
        run._reader.join(5)
    finally:
        holder.close()
    assert code != 0
    assert f"HOTLINE_{setting.upper()}=" in run.out, run.out
    assert "hotline is running" not in run.out
    assert not (s.asterisk_dir / "run").exists(), "nothing may start before every port is checked"
    assert not (s.runtime_dir / "hotline.db").exists()


@pytest.mark.parametrize("setting,tls", [("softphone_http_port", False), ("softphone_https_port", True)])
def test_the_softphones_ports_are_checked_with_the_others(settings: Settings, setting: str, tls: bool) -> None:
    """With agent_softphone, Asterisk's HTTP server (ws://) and, with softphone_tls, https/wss are
    ports of the run too: a taken one is said, with the setting to change, before anything starts."""
    from hotline.run import ports_taken

    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    s = settings.replace(agent_softphone=True, softphone_tls=tls, softphone_bind="127.0.0.1",
                         **{setting: holder.getsockname()[1]})
    try:
        problems = ports_taken(s)
        assert any(f"HOTLINE_{setting.upper()}=" in p for p in problems), problems
        assert ports_taken(s.replace(agent_softphone=False)) == []  # no softphones: Asterisk serves no HTTP
    finally:
        holder.close()


@pytest.mark.asterisk
def test_a_start_that_fails_exits_non_zero_and_stops_what_it_started(settings: Settings) -> None:
    run = Run(settings, "--no-demo", HOTLINE_RUN_READY_TIMEOUT_S="0.01")
    code = run.proc.wait(120)
    run._reader.join(5)
    assert code == 1, run.out
    assert "did not answer" in run.out and "start failed" in run.out
    assert "hotline is running" not in run.out
    assert "stopped: Asterisk and every service are down" in run.out
    assert not (settings.asterisk_dir / "run" / "asterisk.pid").exists()
    assert children(run.proc.pid) == {}


def test_demo_logins_made_again_after_the_database_was_deleted(settings: Settings,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The passwords file outliving the database let nobody in; passwords never on a command line."""
    from hotline import run as run_mod

    s = settings
    env = _env(s)
    argvs: list[list[str]] = []
    real_run = subprocess.run

    def spy(cmd: list[str], *a: object, **kw: object) -> subprocess.CompletedProcess[str]:
        argvs.append(list(cmd))
        return real_run(cmd, *a, **kw)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(run_mod.subprocess, "run", spy)

    def passwords(lines: list[str]) -> dict[str, str]:
        return {ln.split()[1]: ln.split(" / ")[1].split()[0] for ln in lines if " / " in ln}

    def can_log_in(name: str, password: str) -> bool:
        engine, sessions = open_db(s)
        try:
            with sessions() as db:
                user = db.scalar(select(User).where(User.username == name))
                return user is not None and check_password_hash(user.password_hash, password)
        finally:
            engine.dispose()

    open_db(s, upgrade=True)[0].dispose()
    first = passwords(run_mod.demo_logins(s, env))
    assert set(first) == {"supervisor", "inspector", "agent8001", "admin", "technician"}
    assert all(can_log_in(n, p) for n, p in first.items())
    assert stat.S_IMODE((s.secrets_dir / "demo_users").stat().st_mode) == 0o600

    second = run_mod.demo_logins(s, env)
    assert passwords(second) == {}, "passwords are printed once, when made"
    assert not any(p in line for line in second for p in first.values())

    (s.runtime_dir / "hotline.db").unlink()
    open_db(s, upgrade=True)[0].dispose()
    third = passwords(run_mod.demo_logins(s, env))
    assert set(third) == {"supervisor", "inspector", "agent8001", "admin", "technician"}
    assert all(can_log_in(n, p) for n, p in third.items())
    kept = (s.secrets_dir / "demo_users").read_text()
    assert all(p in kept for p in third.values())

    assert argvs and not any(p in arg for cmd in argvs for arg in cmd for p in [*first.values(), *third.values()])


@pytest.mark.asterisk
def test_a_ring_rule_set_while_running_reloads_the_dialplan(running: Run) -> None:
    """R-ANS-4RINGS (issue 18): `hotline settings set` (or the panel) changes the ring rule in the
    database; `hotline run`, which owns the Asterisk, renders the apology threshold and reloads."""
    s = running.s
    env = _env(s)

    def hotline(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "hotline", *args], env=env, cwd=s.runtime_dir.parent,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "<= 4]?worknum" in hotline("pbx", "cli", "dialplan show s@hotline-agent-greet")  # 4 × 1 s
    assert "max_rings: 4 → 2" in hotline("settings", "set", "max_rings", "2")
    running.wait_for("dialplan apology threshold now 2 s, reloaded", timeout=30)
    assert "<= 2]?worknum" in hotline("pbx", "cli", "dialplan show s@hotline-agent-greet")


@pytest.mark.asterisk
def test_the_demo_reports_a_fault_that_reaches_its_technician(settings: Settings, built_prompts: object,
                                                            pbx_settings: Settings) -> None:
    """The demo's first caller is a customer who reports a fault by keypad through the real IVR,
    keying when it asks (ami_listener/demo_caller.py): the confirmed report becomes a work order
    dispatched to the demo technician (R-FAULT-DISPATCH), whose /field lists it, and its receipt SMS
    reaches the reporter's phone (the demo's Kannel, when installed)."""
    import re

    import requests

    from hotline import demo
    from hotline.models.field import Technician, WorkOrder
    from hotline.models.ivr import FaultReport

    s = settings
    # the session's prompts (the same engine and speed): `hotline run` finds them up to date
    shutil.copytree(pbx_settings.sounds_dir, s.sounds_dir)
    run = Run(s, "--demo-calls", "1")
    try:
        run.wait_for("hotline is running", timeout=300)  # five `hotline user add` first: slow under load
        run.wait_for(f"login      {demo.TECHNICIAN} / ")
        engine, sessions = open_db(s)
        try:
            deadline, found = time.monotonic() + 120, None
            while found is None and time.monotonic() < deadline:
                with sessions() as db:
                    found = db.execute(
                        select(FaultReport.status, FaultReport.caller, WorkOrder.ticket, Technician.username)
                        .join(WorkOrder, WorkOrder.fault_report_id == FaultReport.id)
                        .join(Technician, Technician.id == WorkOrder.technician_id, isouter=True)).first()
                time.sleep(0.5)
        finally:
            engine.dispose()
        assert found is not None, f"no work order within 120 s:\n{(s.log_dir / 'demo.log').read_text()[-3000:]}"
        status, caller, ticket, technician = found
        assert status != "incomplete" and caller == demo.FAULT_REPORTERS[0][0]
        assert technician == demo.TECHNICIAN

        password = run.out.split(f"login      {demo.TECHNICIAN} / ")[1].split()[0]
        web = requests.Session()
        base = f"http://{s.web_host}:{s.web_port}"
        token = re.search(r'name="csrf_token" value="([^"]+)"', web.get(f"{base}/login", timeout=10).text)
        assert token is not None
        web.post(f"{base}/login", data={"username": demo.TECHNICIAN, "password": password,
                                        "csrf_token": token.group(1)}, timeout=10)
        page = web.get(f"{base}/field", timeout=10)
        assert page.status_code == 200 and ticket in page.text
        # the report's SMS go through the demo's private Kannel: the reporter's phone (fakesmsc) gets its receipt
        if "sms        demo: a private Kannel" in run.out:
            phones, deadline = s.log_dir / "sms-phones.log", time.monotonic() + 60
            while caller not in phones.read_text(errors="replace") and time.monotonic() < deadline:
                time.sleep(0.5)
            assert caller in phones.read_text(errors="replace"), (s.log_dir / "scheduler.log").read_text()[-2000:]
        _a_demo_agent_sends_its_caller_to_the_survey(s)
    finally:
        run.stop()
        if run.proc.poll() is None:
            run.proc.kill()


def _a_demo_agent_sends_its_caller_to_the_survey(s: Settings) -> None:
    """R-SURVEY on the running demo (ami_listener/simulate.py SENDS_TO_SURVEY): a call planned to
    rate ends its talk with the agent's 转满意度 (asterisk/extensions.conf [agents] → the desk's
    send_to_survey), and its caller keys the planned rating when the survey asks: the call is
    stored rated, credited to the agent (until 7 December no demo call was ever rated)."""
    from ami_listener.demo_caller import KeyingCallers
    from hotline.chanvars import ChanVar
    from hotline.models import Call

    call = SimCall(f"sim-survey-{time.time_ns()}", "13812345678", "周敏", 120,
                   {a: ("answer", 1, 3) for a in s.agents}, survey="2")
    engine, sessions = open_db(s)
    try:
        with KeyingCallers(s) as keying:
            keying.rate(call.call_id, call.survey)
            with Ami.from_settings(s) as ami:
                originate(ami, s, call)
            deadline, rated = time.monotonic() + 120, None
            while rated is None and time.monotonic() < deadline:
                with sessions() as db:
                    rated = db.scalars(select(Call).where(Call.call_id == call.call_id)).first()
                time.sleep(0.5)
    finally:
        engine.dispose()
    assert rated is not None, f"no survey call stored within 120 s:\n{(s.log_dir / 'demo.log').read_text()[-2000:]}"
    assert rated.survey == 2, (rated.survey, rated.vars)
    assert rated.vars.get(ChanVar.SURVEY_AGENT.value) in s.agents, rated.vars


def test_the_demo_answers_around_the_clock_unless_the_hours_were_set(settings: Settings) -> None:
    """R-ANS-HOURS: out of 08:00–22:00 the IVR sends a caller to the after-hours path, so a demo
    started in China's night (a European afternoon) would never ring a desk. The demo's services
    answer around the clock; hours the operator set are kept."""
    from hotline.rules import in_service_hours
    from hotline.run import demo_hours

    env: dict[str, str] = {}
    demo, line = demo_hours(settings, env)
    assert env == {"HOTLINE_HOURS_OPEN": "00:00", "HOTLINE_HOURS_CLOSE": "00:00"}
    assert line is not None and "around the clock" in line and "08:00–22:00" in line
    night = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)  # 02:00 in Asia/Shanghai
    assert in_service_hours(demo, night) and not in_service_hours(settings, night)

    env = {}
    own = settings.replace(hours_open="09:00", hours_close="18:00")
    assert demo_hours(own, env) == (own, None) and env == {}


def test_the_demo_supervisor_can_monitor_unless_a_phone_was_set(settings: Settings) -> None:
    """The demo's supervisor has no extension: 监听 / 耳语 / 强插 ring the simulated supervisor phone
    of the shipped dialplan, which the services get too; a phone the operator named is kept."""
    from hotline.run import DEMO_SUPERVISOR_PHONE, demo_supervisor_phone

    env: dict[str, str] = {}
    demo, line = demo_supervisor_phone(settings, env)
    assert demo.desk_supervisor_endpoint == DEMO_SUPERVISOR_PHONE
    assert env == {"HOTLINE_DESK_SUPERVISOR_ENDPOINT": DEMO_SUPERVISOR_PHONE}
    assert line is not None and "监听" in line and DEMO_SUPERVISOR_PHONE in line
    context = DEMO_SUPERVISOR_PHONE.split("@", 1)[1]
    assert f"[{context}]" in (ROOT / "asterisk" / "extensions.conf").read_text()

    env = {}
    own = settings.replace(desk_supervisor_endpoint="PJSIP/9000")
    assert demo_supervisor_phone(own, env) == (own, None) and env == {}
