"""The softphones' TURN server (hotline.pbx.turn, setting softphone_turn): coturn's configuration
rendered private (0600, the shared secret generated once into secrets_dir, 0600), relaying only
to this host's addresses, and the TURN REST API credentials — a real coturn on loopback accepts a
fresh one and refuses an expired or forged one (turnutils_uclient, coturn's own client)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline.pbx.turn import SECRET, TurnCredential, TurnServer, credential, ice_servers, peers
from hotline.settings import Settings, load
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
    assert ok.returncode == 0 and "tot_recv_msgs=5" in ok.stdout.replace(" ", ""), ok.stdout[-2000:]
    expired = credential(s, "8001", now=time.time() - s.softphone_turn_ttl_s - 60)
    refused = _allocate(s, expired)
    assert refused.returncode != 0 and "Cannot complete Allocation" in refused.stdout, refused.stdout[-2000:]
    forged = TurnCredential(credential(s, "8001").username, base64.b64encode(b"x" * 20).decode(), 0)
    bad = _allocate(s, forged)
    assert bad.returncode != 0 and "Cannot complete Allocation" in bad.stdout, bad.stdout[-2000:]
    assert coturn.running
