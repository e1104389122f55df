"""`hotline doctor` (hotline/doctor.py, #17): one line per check, exit status 1 on any failure —
against the real private Asterisk (every AMI role's login and permissions, an event with its
Timestamp, the listener's event filters) and against broken settings (a wrong secret, closed ports,
a listener user that may Originate, an old schema, a filter hiding what the builder needs)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline import cli, doctor
from hotline import doctor_manager as manager
from hotline.db import make_engine, migrate
from hotline.pbx.config import Layout
from hotline.pbx.process import Asterisk
from hotline.settings import Settings, load
from tests.support.pbx import pbx_test_settings
from tests.support.ports import free_port
from tests.support.postgres import sqlite_url


def _run(s: Settings) -> tuple[int, dict[str, str]]:
    lines: list[str] = []
    rc = doctor.run(s, lines.append)
    by_name = {}
    for line in lines[:-1]:
        status, _, rest = line.partition(" ")
        by_name[rest.split(":", 1)[0].strip()] = status
    return rc, by_name | {"__lines__": "\n".join(lines)}


@pytest.fixture
def s(pbx: Asterisk, pbx_settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """The private Asterisk's settings, a current database, and a FastAGI port that accepts."""
    agi = socket.create_server(("127.0.0.1", 0))
    yield pbx_settings.replace(database_url=sqlite_url(tmp_path / "d.db"), agi_port=agi.getsockname()[1])
    agi.close()


def test_everything_passes_against_the_private_asterisk(s: Settings) -> None:
    rc, got = _run(s)
    lines = got.pop("__lines__")
    assert rc == 0, lines
    assert got.pop("Asterisk's CEL and queue_log") in ("OK", "SKIP"), lines  # SKIP: no call written them yet
    assert set(got.values()) == {"OK"}, lines
    assert {"settings", "database schema", "disk space", "AMI reachable", "AMI events and timestampevents",
            "AMI read permissions", "AMI event filters", "FastAGI", "panel port", "AMI desk user 'hotline-desk'",
            "AMI admin user 'hotline-admin'"} <= set(got)
    assert "not Originate" in lines and "Timestamp" in lines
    assert lines.endswith("all checks passed")
    # the probe Originate made no channel: nothing in CEL, so no call record, live or backfilled
    # (a Local channel into a missing context was recorded as a failed call at every run)
    cel = Layout(s.asterisk_dir).cel_csv
    assert not cel.exists() or "probe" not in cel.read_text().lower()


def test_a_wrong_secret_and_a_closed_fastagi_port_fail(s: Settings) -> None:
    rc, got = _run(s.replace(ami_listener_secret="wrong-secret", agi_port=free_port()))
    lines = got.pop("__lines__")
    assert rc == 1
    assert got["AMI listener user 'hotline-listener'"] == "FAIL" and "Authentication failed" in lines
    assert "give manager.conf's [hotline-listener] the secret" in lines
    assert got["AMI originate user 'hotline'"] == "OK"
    assert got["FastAGI"] == "FAIL" and "start the IVR" in lines
    assert lines.endswith("3 check(s) failed")  # listener login, the events it cannot read, FastAGI


def test_a_closed_ami_port_fails_once_with_what_to_do(s: Settings) -> None:
    rc, got = _run(s.replace(ami_port=free_port()))
    lines = got.pop("__lines__")
    assert rc == 1 and got["AMI reachable"] == "FAIL" and "start Asterisk" in lines
    offline = ("AMI reachable", "AMI read permissions", "AMI event filters")  # the last two read manager.conf
    assert not any(name.startswith("AMI ") and name not in offline for name in got)


def test_a_listener_that_may_originate_fails(s: Settings) -> None:
    """An existing Asterisk with one AMI user for everything: the listener logs in as the
    originate user (hotline/pbx/ami.py ami_login), which may Originate."""
    rc, got = _run(s.replace(ami_secret=s.secret("ami_secret")))
    lines = got.pop("__lines__")
    assert rc == 1 and got["AMI listener user 'hotline'"] == "FAIL"
    assert "may send Originate" in lines and "the listener reads only" in lines


def test_an_old_schema_and_a_full_disk_fail(s: Settings, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0009")
    engine.dispose()
    rc, got = _run(s.replace(database_url=f"sqlite:///{tmp_path / 'old.db'}", doctor_min_free_mb=10**9))
    lines = got.pop("__lines__")
    assert rc == 1 and got["database schema"] == "FAIL" and "hotline db upgrade" in lines
    assert got["disk space"] == "FAIL" and "doctor_min_free_mb" in lines


def test_filters_that_hide_what_the_builder_needs(tmp_path: Path, s: Settings) -> None:
    assert manager.hidden_events(["!Event: VarSet", "!Event: Newexten"]) == ["VarSet"]
    # a plain filter lets through only what matches it (a search, as Asterisk's regexec)
    assert manager.hidden_events(["Event: (Newchannel|Dial)"]) == [e for e in manager.NEEDED_EVENTS
                                                                   if e not in ("Newchannel", "DialBegin", "DialEnd")]
    assert manager.hidden_events(["!Event: RTCP.*", "!Event: AGIExec.*"]) == []
    conf = "[general]\nenabled = yes\n\n[hotline-listener]\nsecret = x\neventfilter = !Event: Dial.* ; noise?\n"
    lines = [x for raw in conf.splitlines() if (x := raw.split(";", 1)[0].strip())]
    assert manager.manager_user(lines, "hotline-listener").filters == ["!Event: Dial.*"]
    # the events the builder reads for the exit key, the holds and ChanSpy are checked too
    assert manager.hidden_events(["!Event: (DTMF.*|Hold|ChanSpy.*)"]) == ["DTMFEnd", "Hold", "ChanSpyStart"]
    runtime = tmp_path / "other"
    (runtime / "asterisk" / "etc").mkdir(parents=True)
    (runtime / "asterisk" / "etc" / "manager.conf").write_text(conf)
    read, filters = doctor.check_listener_conf(s.replace(runtime_dir=runtime))
    assert filters.ok is False and "DialBegin, DialEnd" in filters.detail
    assert read.ok is False and "read = (nothing)" in read.detail


def test_manager_conf_is_read_as_asterisk_reads_it(tmp_path: Path) -> None:
    """Includes (Debian keeps its users in manager.d/*.conf), templates, additions, the last read."""
    (tmp_path / "manager.d").mkdir()
    (tmp_path / "manager.conf").write_text('[general]\nenabled = yes\n#include "manager.d/*.conf"\n'
                                           "#tryinclude nothing-here.conf\n")
    (tmp_path / "manager.d" / "a.conf").write_text(
        "[events](!)\nread = call ; only calls\neventfilter = !Event: Newexten\n\n"
        "[crm](events)\nsecret = s\nread => system,call,agent,user,dtmf,dialplan\n")
    (tmp_path / "manager.d" / "b.conf").write_text("[crm](+)\neventfilter => !Event: Bridge\n\n[other]\nread = all\n"
                                                   '#include "more.conf"\n')  # the config dir's, not manager.d's
    (tmp_path / "more.conf").write_text("[late]\nread = call\n")
    lines = manager.conf_lines(tmp_path / "manager.conf")
    crm = manager.manager_user(lines, "crm")
    assert crm.found and crm.read == "system,call,agent,user,dtmf,dialplan"  # the last read wins
    assert crm.filters == ["!Event: Newexten", "!Event: Bridge"]  # the template's and the addition's
    assert manager.hidden_events(crm.filters) == ["BridgeEnter", "BridgeLeave"]
    assert manager.missing_read(crm.read) == [] and manager.missing_read("all") == []
    assert manager.missing_read(manager.manager_user(lines, "events").read) == ["agent", "dialplan", "dtmf",
                                                                                 "system", "user"]
    assert not manager.manager_user(lines, "nobody").found
    assert manager.manager_user(lines, "late").read == "call"


def _conf_checks(tmp_path: Path, text: str | None) -> tuple[doctor.Check, doctor.Check]:
    path = tmp_path / "etc-asterisk" / "manager.conf"
    if text is not None:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    s = load(config_file=None, env={}, runtime_dir=tmp_path / "var").replace(
        manager_conf_path=str(path), ami_listener_user="crm-listener")
    read, filters = doctor.check_listener_conf(s)
    return read, filters


def test_an_existing_asterisks_listener_short_of_read_classes_or_behind_a_filter_fails(tmp_path: Path) -> None:
    """What an existing Asterisk's AMI user cannot be asked over AMI: with read = call the probe
    event still arrives, while queues and agents never do; a Bridge filter loses talk times."""
    read, filters = _conf_checks(tmp_path, "[crm-listener]\nsecret = x\nread = call\nwrite = reporting\n")
    assert read.ok is False and "read = call leaves out agent, dialplan, dtmf, system, user" in read.detail
    assert "set read = agent,call,dialplan,dtmf,system,user, then manager reload" in read.detail
    assert filters.ok is True
    read, filters = _conf_checks(tmp_path, "[crm-listener]\nread = all\neventfilter = !Event: Bridge\n")
    assert read.ok is True
    assert filters.ok is False and "filters out BridgeEnter, BridgeLeave" in filters.detail
    # another Asterisk's file (the system's, while ours runs elsewhere): not checked, and said so
    read, filters = _conf_checks(tmp_path, "[general]\nenabled = yes\n[hotline-listener]\nread = all\n")
    assert (read.ok, filters.ok) == (None, None)
    assert "has no [crm-listener]" in read.detail and "set manager_conf_path" in read.detail
    # a manager_conf_path that names no file is a mistake of the settings
    (tmp_path / "etc-asterisk" / "manager.conf").unlink()
    read, filters = _conf_checks(tmp_path, None)
    assert (read.ok, filters.ok) == (False, False) and "cannot read" in read.detail


def test_hotline_doctor_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing running, no database yet: every failing line says what to do, exit status 1."""
    monkeypatch.chdir(tmp_path)  # no hotline.toml here
    monkeypatch.delenv("HOTLINE_CONFIG", raising=False)
    monkeypatch.setenv("HOTLINE_RUNTIME_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HOTLINE_AMI_PORT", str(free_port()))
    monkeypatch.setenv("HOTLINE_AGI_PORT", str(free_port()))
    monkeypatch.setenv("HOTLINE_WEB_PORT", str(free_port()))
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("OK   settings")
    assert any(line.startswith("FAIL database schema") and "hotline db upgrade" in line for line in out)
    assert any(line.startswith("FAIL AMI reachable") for line in out)
    assert any(line.startswith("FAIL FastAGI") for line in out)
    assert any(line.startswith("FAIL Asterisk's CEL and queue_log") for line in out)
    assert out[-1] == "4 check(s) failed"


class _FakeAmi:
    """An AMI that lets everyone log in and sends events without a Timestamp header (as an
    Asterisk with timestampevents = no): the listener user may Originate here too."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.clients: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.clients.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.sendall(b"Asterisk Call Manager/5.0.4\r\n")
        buf = b""
        try:
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buf += chunk
                while b"\r\n\r\n" in buf:
                    frame, buf = buf.split(b"\r\n\r\n", 1)
                    h = dict(line.split(": ", 1) for line in frame.decode().split("\r\n") if ": " in line)
                    extra = "Originate: Originate a call (Priv: originate)\r\n" if h["Action"] == "ListCommands" else ""
                    conn.sendall(f"Response: Success\r\nActionID: {h['ActionID']}\r\n{extra}\r\n".encode())
                    if h["Action"] == "Originate":
                        for other in self.clients:
                            other.sendall(b"Event: OriginateResponse\r\nResponse: Failure\r\n\r\n")
        except OSError:
            return

    def close(self) -> None:
        self.server.close()
        for c in self.clients:
            c.close()


def test_events_without_timestamps_and_a_listener_that_may_originate_fail(tmp_path: Path) -> None:
    s = pbx_test_settings(tmp_path / "var")  # no Asterisk: the fake answers on ami_port
    ami = _FakeAmi()
    holder = socket.create_server(("127.0.0.1", 0))  # the panel's port held by something that is not the panel
    try:
        bad = s.replace(ami_port=ami.port, web_port=holder.getsockname()[1], doctor_timeout_s=2.0)
        assert "set timestampevents = yes" in doctor.check_events(bad).detail
        assert doctor.check_events(bad).ok is False
        listener = doctor.check_role(bad, doctor.AmiRole.LISTENER)
        assert listener.ok is False and "may send Originate" in listener.detail
        desk = doctor.check_role(bad, doctor.AmiRole.DESK)  # it may send Originate and nothing else
        assert desk.ok is False and "may not send QueueAdd, QueueRemove, QueuePause, Redirect" in desk.detail
        assert "set write = agent,call,originate,reporting" in desk.detail
        admin = doctor.check_role(bad, doctor.AmiRole.ADMIN)  # no Command: an existing Asterisk's case
        assert admin.ok is None and "an existing Asterisk needs no admin user" in admin.detail
        port = doctor.check_web_port(bad)
        assert port.ok is False and "not the panel" in port.detail
    finally:
        ami.close()
        holder.close()


def test_asterisks_logs_for_the_gap_backfill(tmp_path: Path) -> None:
    """An existing Asterisk whose CEL and queue_log hotline is not told of fails (its calls made
    while the listener is down would be lost); the private one's not written yet is SKIP."""
    s = load(config_file=None, env={}, runtime_dir=tmp_path / "var")
    existing = doctor.check_asterisk_logs(s)
    assert existing.ok is False and "Master.csv does not exist (cel_csv_path)" in existing.detail
    assert "would be lost; set cel_csv_path" in existing.detail
    (s.asterisk_dir / "etc").mkdir(parents=True)
    (s.asterisk_dir / "etc" / "asterisk.conf").write_text("")  # the private Asterisk, rendered
    assert doctor.check_asterisk_logs(s).ok is None
    (tmp_path / "Master.csv").write_text("")
    told = s.replace(cel_csv_path=str(tmp_path / "Master.csv"), queue_log_path=str(tmp_path / "queue_log"))
    missing = doctor.check_asterisk_logs(told)
    assert missing.ok is False and "queue_log does not exist (queue_log_path)" in missing.detail
    (tmp_path / "queue_log").write_text("")
    assert doctor.check_asterisk_logs(told).ok is True


def test_turn_check_when_softphone_turn_is_on(tmp_path: Path) -> None:
    """With softphone_turn: one TURN line — OK against a real coturn (a STUN binding answered, the
    generated secret 0600), FAIL with what to do when coturn is down or the secret is readable."""
    from hotline.pbx.turn import SECRET, TurnServer
    from tests.support.ports import rtp_range

    start, end = rtp_range(32)
    s = load(config_file=None, env={}, runtime_dir=tmp_path / "var").replace(
        softphone_turn=True, softphone_turn_port=free_port(udp_too=True), softphone_turn_min_port=start,
        softphone_turn_max_port=end)
    missing = doctor.check_turn(s)
    assert (missing.ok, missing.name) == (False, "TURN") and "no shared secret" in missing.detail
    with TurnServer(s):
        ok = doctor.check_turn(s)
        assert ok.ok is True and ok.line().startswith("OK   TURN: 127.0.0.1:") and "answers STUN" in ok.line()
        (s.secrets_dir / SECRET).chmod(0o644)
        loose = doctor.check_turn(s)
        assert loose.ok is False and "not 600" in loose.detail
        (s.secrets_dir / SECRET).chmod(0o600)
    down = doctor.check_turn(s)
    assert down.ok is False and "does not answer a STUN binding request" in down.detail
    assert [c.name for c in doctor.checks(s.replace(ami_port=free_port())) if c.name == "TURN"] == ["TURN"]
    assert "TURN" not in [c.name for c in doctor.checks(s.replace(softphone_turn=False, ami_port=free_port()))]


def test_a_down_turn_server_makes_the_doctor_fail(s: Settings, tmp_path: Path) -> None:
    rc, got = _run(s.replace(softphone_turn=True, softphone_turn_port=free_port(udp_too=True),
                             softphone_turn_secret="a-secret-from-the-file"))
    lines = got.pop("__lines__")
    assert rc == 1 and got["TURN"] == "FAIL", lines
    assert lines.endswith("1 check(s) failed")
