"""The softphone's rendered Asterisk configuration (issue #16): off by default; when on, WebRTC
agent endpoints, a WebSocket transport, the HTTP server on loopback, a private certificate."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from hotline.pbx.config import ConfigError, render
from hotline.settings import Settings, load


def settings(tmp_path: Path, **kw: Any) -> Settings:
    values: dict[str, Any] = {"runtime_dir": tmp_path / "var", "agents": ["8001", "8002"],
                              "agent_technology": "pjsip"}
    values.update(kw)
    return load(config_file=None, env={}, **values)


def conf(s: Settings, name: str) -> str:
    return (render(s).etc / name).read_text()


def test_off_by_default_nothing_listens(tmp_path: Path) -> None:
    s = settings(tmp_path)
    http, pjsip = conf(s, "http.conf"), conf(s, "pjsip.conf")
    assert "enabled = no" in http and "tlsenable = no" in http
    assert "protocol = ws" not in pjsip and "webrtc" not in pjsip
    assert "icesupport = no" in conf(s, "rtp.conf")
    assert not (s.secrets_dir / "softphone.key").exists()


def test_on_agents_are_webrtc_on_loopback_with_a_private_certificate(tmp_path: Path) -> None:
    s = settings(tmp_path, agent_softphone=True, softphone_http_port=18088)
    http, pjsip = conf(s, "http.conf"), conf(s, "pjsip.conf")
    assert "enabled = yes" in http and "bindaddr = 127.0.0.1" in http and "bindport = 18088" in http
    assert "tlsenable = no" in http
    assert "[transport-ws]" in pjsip and "protocol = ws" in pjsip and "transport-wss" not in pjsip
    # the agent's own endpoint, which [agents-phone] dials, is the browser's
    assert pjsip.count("webrtc = yes") == 2
    key = s.secrets_dir / "softphone.key"
    assert f"dtls_private_key = {key}" in pjsip
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "BEGIN CERTIFICATE" in (s.secrets_dir / "softphone.crt").read_text()
    assert "icesupport = yes" in conf(s, "rtp.conf")
    made = key.read_bytes()
    render(s)
    assert key.read_bytes() == made  # made once, at first start


def test_tls_and_nat_for_seats_on_other_hosts(tmp_path: Path) -> None:
    s = settings(tmp_path, agent_softphone=True, softphone_tls=True, softphone_bind="0.0.0.0",
                 softphone_https_port=18089, softphone_external_address="203.0.113.5",
                 softphone_local_net=["10.0.0.0/8"], softphone_stun_server="stun.example.net:3478")
    http, pjsip = conf(s, "http.conf"), conf(s, "pjsip.conf")
    assert "tlsenable = yes" in http and "tlsbindaddr = 0.0.0.0:18089" in http
    assert f"tlscertfile = {s.secrets_dir / 'softphone.crt'}" in http
    assert "[transport-wss]" in pjsip and "protocol = wss" in pjsip
    assert pjsip.count("external_media_address = 203.0.113.5") == 2 and "local_net = 10.0.0.0/8" in pjsip
    assert "stunaddr = stun.example.net:3478" in conf(s, "rtp.conf")


def test_operators_certificate_is_used_and_checked(tmp_path: Path) -> None:
    cert, key = tmp_path / "seat.crt", tmp_path / "seat.key"
    cert.write_text("x")
    s = settings(tmp_path, agent_softphone=True, softphone_tls=True, softphone_cert_file=str(cert),
                 softphone_key_file=str(key))
    with pytest.raises(ConfigError, match="softphone_key_file"):
        render(s)
    key.write_text("y")
    assert f"tlscertfile = {cert}" in conf(s, "http.conf")
    assert not (s.secrets_dir / "softphone.key").exists()


def test_softphone_needs_pjsip_agents(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="agent_technology"):
        render(settings(tmp_path, agent_technology="local", agent_softphone=True))


def test_supervisors_phones_are_endpoints_in_no_queue(tmp_path: Path) -> None:
    s = settings(tmp_path, agent_softphone=True, softphone_supervisors=["8009"])
    pjsip, queues = conf(s, "pjsip.conf"), conf(s, "queues.conf")
    assert "[8009]\ntype = endpoint" in pjsip and pjsip.count("webrtc = yes") == 3
    assert f"password = {s.secret('sip_8009')}" in pjsip
    assert "8009" not in queues  # 监听/耳语/强插 ring it; no caller does
    assert "[8009]" not in conf(s.replace(agent_softphone=False), "pjsip.conf")
    for bad in ("80x9", "8001"):  # digits, and no agent's
        with pytest.raises(ConfigError, match="softphone_supervisors"):
            render(s.replace(softphone_supervisors=[bad]))
