"""The softphones' TURN server (hotline.pbx.turn, setting softphone_turn): coturn's configuration
rendered private (0600, the shared secret generated once into secrets_dir, 0600), relaying only
to this host's addresses, and the TURN REST API credentials — a real coturn on loopback accepts a
fresh one and refuses an expired or forged one (turnutils_uclient, coturn's own client)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline.pbx.turn import SECRET, TurnCredential, TurnError, TurnServer, credential, ice_servers, peers
from hotline.run import ports_taken, services
from hotline.settings import ROOT, Settings, load
from hotline.supervisor import hotline_argv
from tests.support.ports import free_port, rtp_range


def settings(tmp_path: Path, **kw: Any) -> Settings:
    start, end = rtp_range(32)
    values: dict[str, Any] = {"runtime_dir": tmp_path / "var", "softphone_turn": True,
                              "softphone_turn_port": free_port(udp_too=True), "softphone_turn_min_port": start,
                              "softphone_turn_max_port": end}
    values.update(kw)
    return load(config_file=None, env={}, **values)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_credential_is_the_turn_rest_api_scheme_with_a_generated_private_secret(tmp_path: Path) -> None:
    s = settings(tmp_path, softphone_turn_ttl_s=600)
    cred = credential(s, "8001", now=1_700_000_000)
    assert cred.username == "1700000600:8001" and cred.expires_at == 1_700_000_600
    secret = (s.secrets_dir / SECRET).read_text().strip()
    assert len(secret) >= 32 and mode(s.secrets_dir / SECRET) == 0o600
    want = base64.b64encode(hmac.new(secret.encode(), cred.username.encode(), hashlib.sha1).digest()).decode()
    assert cred.password == want
    assert credential(s, "8001", now=1_700_000_000) == cred  # the same secret, not a new one each time
    servers = ice_servers(s.replace(softphone_stun_server="stun.example:3478"), "seat.example", "8002")
    assert servers[0] == {"urls": "stun:stun.example:3478"}
    assert servers[1]["urls"] == [f"turn:seat.example:{s.softphone_turn_port}?transport=udp",
                                  f"turn:seat.example:{s.softphone_turn_port}?transport=tcp"]
    assert servers[1]["username"].endswith(":8002")
    assert ice_servers(s.replace(softphone_turn=False), "x", "8001") == []


def test_config_is_private_and_relays_only_to_this_hosts_addresses(tmp_path: Path) -> None:
    s = settings(tmp_path)
    conf = TurnServer(s).render()
    text = conf.read_text()
    assert mode(conf) == 0o600 and mode(conf.parent) == 0o700
    assert f"static-auth-secret={s.secret(SECRET)}" in text and "use-auth-secret" in text
    assert "no-cli" in text and "denied-peer-ip=0.0.0.0-255.255.255.255" in text
    assert "allowed-peer-ip=127.0.0.1" in text and "allow-loopback-peers" in text
    assert set(peers(s)) >= {"127.0.0.1"}
    only = TurnServer(s.replace(softphone_turn_peers=["10.1.2.3"])).render().read_text()
    assert "allowed-peer-ip=10.1.2.3" in only and "allowed-peer-ip=127.0.0.1" not in only
    assert "allow-loopback-peers" not in only
    # bad input: a clear error naming the setting, nothing started
    with pytest.raises(TurnError, match="softphone_turn_peers"):
        TurnServer(s.replace(softphone_turn_peers=["pbx.example"])).render()
    with pytest.raises(TurnError, match="softphone_turn_bind"):
        TurnServer(s.replace(softphone_turn_bind="pbx.example")).render()


def _allocate(s: Settings, cred: TurnCredential) -> subprocess.CompletedProcess[str]:
    """coturn's test client: allocate a relay, send 5 messages through it to a peer on loopback."""
    return subprocess.run(["turnutils_uclient", "-p", str(s.softphone_turn_port), "-u", cred.username,
                           "-w", cred.password, "-n", "5", "-m", "1", "-y", "-e", "127.0.0.1", "127.0.0.1"],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[TurnServer]:
    if not shutil.which("turnserver"):
        pytest.fail("coturn is not installed: run scripts/setup.sh")
    # the test client's peer is its own relay: relay and peer both on loopback
    loopback = settings(tmp_path, softphone_turn_peers=["127.0.0.1"], softphone_turn_relay_address="127.0.0.1")
    with TurnServer(loopback) as turn:
        yield turn


def test_coturn_accepts_a_fresh_credential_and_refuses_expired_or_forged_ones(coturn: TurnServer) -> None:
    s = coturn.settings
    ok = _allocate(s, credential(s, "8001"))
    totals = re.findall(r"start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)", ok.stdout)
    assert ok.returncode == 0 and totals, ok.stdout[-2000:]
    sent, received = map(int, totals[-1])
    assert sent > 0 and received == sent and "Total lost packets 0 " in ok.stdout, ok.stdout[-2000:]
    expired = credential(s, "8001", now=time.time() - s.softphone_turn_ttl_s - 60)
    refused = _allocate(s, expired)
    assert refused.returncode != 0 and "Cannot complete Allocation" in refused.stdout, refused.stdout[-2000:]
    forged = TurnCredential(credential(s, "8001").username, base64.b64encode(b"x" * 20).decode(), 0)
    bad = _allocate(s, forged)
    assert bad.returncode != 0 and "Cannot complete Allocation" in bad.stdout, bad.stdout[-2000:]
    assert coturn.running


def test_hotline_runs_coturn_as_a_service_and_checks_its_port(tmp_path: Path) -> None:
    """`hotline run` with softphone_turn: a supervised "turn" service (`hotline pbx turn`, up once
    it says "coturn up"), whose port is checked with the others before anything starts;
    `hotline pbx turn` stops cleanly on Ctrl-C."""
    s = settings(tmp_path)
    assert [svc.name for svc in services(s)][-1] == "turn"
    assert "turn" not in [svc.name for svc in services(s.replace(softphone_turn=False))]
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind((s.softphone_turn_bind, s.softphone_turn_port))
    try:
        assert any("TURN port" in p and "HOTLINE_SOFTPHONE_TURN_PORT=" in p for p in ports_taken(s)), ports_taken(s)
    finally:
        holder.close()
    env = {**os.environ, "HOTLINE_RUNTIME_DIR": str(s.runtime_dir), "HOTLINE_SOFTPHONE_TURN": "1",
           "HOTLINE_SOFTPHONE_TURN_PORT": str(s.softphone_turn_port),
           "HOTLINE_SOFTPHONE_TURN_MIN_PORT": str(s.softphone_turn_min_port),
           "HOTLINE_SOFTPHONE_TURN_MAX_PORT": str(s.softphone_turn_max_port)}
    proc = subprocess.Popen(hotline_argv("pbx", "turn"), env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert "coturn up" in line, line + (proc.stdout.read() if proc.stdout else "")
        assert mode(s.runtime_dir / "turn" / "turnserver.conf") == 0o600
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    conf = str(s.runtime_dir / "turn" / "turnserver.conf")
    assert _processes_with(conf) == [], "coturn outlived `hotline pbx turn`"
    deadline = time.monotonic() + 10  # its sockets are closed with it
    while TurnServer(s).answers():
        assert time.monotonic() < deadline, f"port {s.softphone_turn_port} still answers"
        time.sleep(0.2)


def _processes_with(arg: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and arg in (proc / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(proc.name))
        except OSError:
            continue  # gone meanwhile
    return found
