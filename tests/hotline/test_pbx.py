"""The private Asterisk started by the project (issue: foundation)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from hotline.pbx.ami import Ami, AmiError, AmiLogin, AmiRole, ami_login
from hotline.pbx.config import TEMPLATES, render
from hotline.pbx.process import Asterisk, AsteriskError
from hotline.settings import ROOT, Settings, SettingsError
from tests.support.pbx import EventTap, pbx_test_settings

pytestmark = pytest.mark.asterisk


def test_everything_writable_is_private(pbx: Asterisk) -> None:
    layout = pbx.layout
    conf = layout.conf.read_text()
    assert "\n[directories]\n" in conf and "[directories](!)" not in conf
    assert layout.ctl.exists(), "control socket must be inside the private run dir"
    dirs = {}
    for line in pbx.cli("core show settings").splitlines():
        key, _, value = line.strip().partition(":")
        if key.endswith("directory") or key.endswith("file"):
            dirs[key] = value.strip()
    for key in ("Configuration directory", "Spool directory", "Log directory", "Run/Sockets directory",
                "Data directory"):
        assert dirs[key].startswith(str(layout.base)), (key, dirs)
    assert (layout.etc / "manager.conf").stat().st_mode & 0o077 == 0


def test_queued_call_emits_timestamped_events(pbx: Asterisk) -> None:
    s = pbx.settings
    with EventTap(s) as tap, pbx.ami() as ami:
        chan_id = f"t-{uuid.uuid4().hex[:12]}"
        # agent 8001 rings 2 s, then answers and talks 1 s; the caller would stay 6 s
        ami.originate(f"Local/{s.hotline_number}@from-pstn", context="sim-caller", exten="s",
                      callerid='"测试" <13800000001>', channel_id=chan_id,
                      variables={"SIM_STAY": "6", "__SIM_RING_8001": "2", "__SIM_TALK_8001": "1"})
        events = tap.wait_call_gone(chan_id)
    names = [e.name for e in events]
    for name in ("QueueCallerJoin", "AgentCalled", "AgentConnect", "Hangup"):
        assert name in names, f"{name} missing from {names}"
    for e in events:
        assert e.timestamp is not None, f"{e.name} has no Timestamp"
    called = next(e for e in events if e.name == "AgentCalled")
    connect = next(e for e in events if e.name == "AgentConnect")
    assert called.get("MemberName") == "8001" and connect.get("MemberName") == "8001"
    assert 1.8 <= connect.timestamp - called.timestamp <= 3.5
    assert (pbx.layout.queue_log.read_text().count("CONNECT")) >= 1


def test_a_waiting_caller_hears_every_so_often_that_the_agents_are_busy(
        tmp_path: Path, pbx_settings: Settings, built_prompts: object) -> None:
    """R-MISSED-CALLBACK: while no agent answers, the queue plays hotline/all_busy ("坐席人员正忙,
    请您耐心等待。您也可以挂机,我们将给您回电。") every queue_periodic_announce_s, in the caller's
    zh; what a channel plays is in Asterisk's verbose log only (no AMI event names it)."""
    (tmp_path / "sounds").symlink_to(pbx_settings.runtime_dir / "sounds")  # the built prompts
    s = pbx_test_settings(tmp_path, queue_periodic_announce_s=2)
    ast = Asterisk(s).start()
    try:
        heard = tmp_path / "played.log"
        with EventTap(s) as tap, ast.ami() as ami:
            # over AMI: `asterisk -rx` would raise only its own remote console's verbosity
            ami.command(f"logger add channel {heard} verbose")
            ami.command("core set verbose 3")  # "Playing '…' (language …)" is a verbose 3 line
            chan_id = f"t-{uuid.uuid4().hex[:12]}"
            # no IVR on agi_port: the caller is queued at once; no agent answers; the caller stays 9 s
            ami.originate(f"Local/{s.hotline_number}@from-pstn", context="sim-caller", exten="s",
                          callerid='"测试" <13800000001>', channel_id=chan_id,
                          variables={"SIM_STAY": "9", "__SIM_MODE": "noanswer"})
            events = tap.wait_call_gone(chan_id)
        assert "QueueCallerAbandon" in [e.name for e in events]
        played = [line for line in heard.read_text().splitlines() if "> Playing '" in line]
        assert played and all("Playing 'hotline/all_busy." in p and "(language 'zh')" in p for p in played), played
    finally:
        ast.stop()


def test_two_instances_side_by_side(pbx: Asterisk, tmp_path: Path) -> None:
    other = Asterisk(pbx_test_settings(tmp_path / "second"))
    other.start()
    try:
        with other.ami() as ami:
            assert "fully booted" in ami.command("core waitfullybooted").lower()
    finally:
        other.stop()
    assert not other.running
    with pbx.ami() as ami:  # the first one is still up
        assert ami.action("Ping")["Ping"] == "Pong"


def test_start_fails_clearly_when_port_taken(tmp_path: Path) -> None:
    s = pbx_test_settings(tmp_path)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", s.ami_port))
        holder.listen()
        t0 = time.monotonic()
        with pytest.raises(AsteriskError, match="already in use"):
            Asterisk(s).start()
        assert time.monotonic() - t0 < 2


def test_start_fails_clearly_when_config_broken(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    manager = templates / "manager.conf"
    manager.write_text(manager.read_text().replace("enabled = yes", "enabled = no"))
    s = pbx_test_settings(tmp_path / "rt", asterisk_start_timeout_s=3)
    ast = Asterisk(s, templates)
    t0 = time.monotonic()
    with pytest.raises(AsteriskError) as err:
        ast.start()
    assert time.monotonic() - t0 < 8
    assert "not ready within" in str(err.value) and "console.log" in str(err.value)
    assert not ast.running


def test_stale_pid_file_does_not_block_start(tmp_path: Path) -> None:
    s = pbx_test_settings(tmp_path)
    ast = Asterisk(s)
    ast.layout.run.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    ast.layout.pid.write_text(str(dead.pid))
    with ast:
        assert ast.running
    assert not ast.layout.pid.exists()


def test_wrong_secret_is_refused(pbx: Asterisk) -> None:
    s = pbx.settings.replace(ami_secret="wrong")
    from hotline.pbx.ami import Ami
    with pytest.raises(AmiError, match="refused"):
        Ami.from_settings(s, timeout=3).login()


def test_run_command_starts_and_stops_cleanly(tmp_path: Path) -> None:
    s = pbx_test_settings(tmp_path / "run")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOTLINE_RUNTIME_DIR=str(s.runtime_dir),
               HOTLINE_AMI_PORT=str(s.ami_port), HOTLINE_SIP_PORT=str(s.sip_port),
               HOTLINE_AGI_PORT=str(s.agi_port), HOTLINE_WEB_PORT=str(s.web_port),
               HOTLINE_RTP_START=str(s.rtp_start), HOTLINE_RTP_END=str(s.rtp_end))
    proc = subprocess.Popen([sys.executable, "-m", "hotline", "run", "--no-demo"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "hotline is running" in line:
                break
        assert any("hotline is running" in x for x in lines), "".join(lines)
        time.sleep(1.5)
        pid = int((s.asterisk_dir / "run" / "asterisk.pid").read_text())
        os.kill(pid, 0)
        proc.send_signal(signal.SIGINT)
        rest = proc.communicate(timeout=30)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "".join(lines) + rest
    assert "stopped" in rest
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not (s.asterisk_dir / "run" / "asterisk.pid").exists()
    # and it starts again at once: nothing stale left behind
    again = Asterisk(s).start()
    again.stop()


# --- AMI users: one per role, none of them a shell (issue 19) --------------------------------

def test_listener_user_reads_but_cannot_originate_or_run_commands(pbx: Asterisk) -> None:
    s = pbx.settings
    login = ami_login(s, AmiRole.LISTENER)
    assert login.user == "hotline-listener" and login.secret != s.secret("ami_secret")
    with Ami(s.ami_host, s.ami_port, *login, timeout=5) as ami:
        # what ami_listener sends: Ping, and CoreShowChannels + QueueStatus to re-sync
        assert ami.action("Ping")["Ping"] == "Pong"
        ami.list_action("CoreShowChannels", "CoreShowChannelsComplete")
        ami.list_action("QueueStatus", "QueueStatusComplete")
        with pytest.raises(AmiError, match="Permission denied"):
            ami.originate("Local/s@play/n", context="play", exten="s")
        with pytest.raises(AmiError, match="Permission denied"):
            ami.command("core show version")
    with EventTap(s) as tap, pbx.ami() as admin:  # the tap logs in as the listener: it gets events
        admin.originate("Local/s@play/n", context="play", exten="s", channel_id=f"t-{uuid.uuid4().hex[:12]}")
        tap.wait_for(lambda m: m.name == "Newchannel", 10)


def test_originate_user_originates_and_nothing_more(pbx: Asterisk) -> None:
    s = pbx.settings
    assert ami_login(s, AmiRole.ORIGINATE).user == s.ami_user == "hotline"
    with Ami.from_settings(s, timeout=5) as ami:
        reply = ami.originate("Local/s@play/n", context="play", exten="s")
        assert "successfully queued" in reply.get("Message", ""), reply
        for forbidden in (lambda: ami.command("core show version"),
                          # Originate of a shell application needs `system` too
                          lambda: ami.originate("Local/s@play/n", application="System", data="touch /tmp/hl-x"),
                          lambda: ami.action("Redirect", Channel="Local/s@play-00000001;1", Context="play",
                                             Exten="s", Priority=1),
                          lambda: ami.list_action("CoreShowChannels", "CoreShowChannelsComplete")):
            with pytest.raises(AmiError, match=r"Permission denied|Access Forbidden"):
                forbidden()


def test_config_files_are_private_from_their_first_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = pbx_test_settings(tmp_path)
    s.asterisk_dir.joinpath("etc").mkdir(parents=True)
    stale = s.asterisk_dir / "etc" / "manager.conf"
    stale.write_text("left by an older version")
    stale.chmod(0o644)
    real_chmod = Path.chmod

    def no_chmod_of_files(path: Path, mode: int, **kw: object) -> None:
        assert not path.is_file(), f"{path} made private only after it was written"
        real_chmod(path, mode)

    monkeypatch.setattr(Path, "chmod", no_chmod_of_files)
    layout = render(s)
    for conf in layout.etc.glob("*.conf"):
        assert conf.stat().st_mode & 0o777 == 0o600, conf
    assert layout.etc.stat().st_mode & 0o777 == 0o700
    for secret in s.secrets_dir.iterdir():
        assert secret.stat().st_mode & 0o777 == 0o600, secret
    manager = (layout.etc / "manager.conf").read_text()
    assert manager.count("secret = ") == len(AmiRole) and "secret = \n" not in manager


def test_empty_secret_is_refused(tmp_path: Path) -> None:
    s = pbx_test_settings(tmp_path)
    s.secrets_dir.mkdir(parents=True)
    (s.secrets_dir / "ami_listener_secret").write_text("\n")
    with pytest.raises(SettingsError, match="ami_listener_secret is empty: delete it"):
        render(s)
    with pytest.raises(SettingsError, match="'ami_admin_secret' is blank"):
        render(s.replace(ami_admin_secret="  ", ami_listener_secret="x" * 20))
    with pytest.raises(AmiError, match="empty secret refused"):
        Ami("127.0.0.1", s.ami_port, "hotline", "")


def test_one_user_of_an_existing_asterisk_still_serves_every_role(tmp_path: Path) -> None:
    s = pbx_test_settings(tmp_path, ami_user="legacy", ami_secret="s3cret-of-old")
    assert {ami_login(s, role) for role in AmiRole} == {AmiLogin("legacy", "s3cret-of-old")}
    manager = (render(s).etc / "manager.conf").read_text()
    assert manager.count("secret = ") == 1 and "[legacy]" in manager
    assert "read = agent,call,dialplan,dtmf,system,user" in manager
    assert "write = agent,call,command,originate,reporting,system" in manager
