"""deploy/ (#17): the systemd units pass `systemd-analyze verify` and hold the restart policy, the
dedicated user, the runtime dirs and the hardening every service gets; each runs a real `hotline`
command; the nginx example passes `nginx -t` with TLS and unbuffered event streams; logs are kept
as long as retention_logs_days says."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from hotline import cli, malloc_policy
from hotline.settings import ROOT, Settings

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("hotline-*.service"))
# the SMS sender is a thread of `hotline scheduler run` (scheduler/sms_sender.py): no unit of its own
SERVICES = {"listener": "listener listen", "ivr": "ivr serve", "web": "web serve", "scheduler": "scheduler run"}
SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze"


def _keys(unit: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            k, _, v = line.partition("=")
            out.setdefault(k.strip(), []).append(v.strip())
    return out


def test_one_unit_per_service_and_a_target_but_no_purge_timer() -> None:
    assert {u.name for u in UNITS} == {f"hotline-{name}.service" for name in SERVICES}
    wants = _keys(DEPLOY / "systemd" / "hotline.target")["Wants"][0].split()
    assert sorted(wants) == sorted(u.name for u in UNITS)
    # the scheduler daemon purges once a day itself (scheduler/daemon.py purge_if_due)
    assert not list((DEPLOY / "systemd").glob("*.timer"))


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    if not Path(SYSTEMD_ANALYZE).exists():
        pytest.fail(f"{SYSTEMD_ANALYZE} is missing: install Debian's systemd package to check the unit files")
    # installed under /opt/hotline; verify checks that ExecStart's program exists: this checkout's
    for unit in [*UNITS, DEPLOY / "systemd" / "hotline.target"]:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/hotline", str(ROOT)))
    assert (ROOT / ".venv" / "bin" / "hotline").exists()
    done = subprocess.run([SYSTEMD_ANALYZE, "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
                          capture_output=True, text=True, cwd=tmp_path,
                          env=dict(os.environ, SYSTEMD_UNIT_PATH=f"{tmp_path}:"))
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.stem)
def test_each_unit_restarts_and_is_hardened(unit: Path) -> None:
    k = _keys(unit)
    expect = {"User": "hotline", "Group": "hotline", "Restart": "always", "UMask": "0077", "NoNewPrivileges": "yes",
              "ProtectSystem": "strict", "PrivateTmp": "yes", "ProtectHome": "yes", "StateDirectory": "hotline",
              "Environment": "HOTLINE_RUNTIME_DIR=/var/lib/hotline", "StartLimitIntervalSec": "0"}
    for key, value in expect.items():
        assert value in k.get(key, []), f"{unit.name}: {key}={value} missing"
    assert "/var/lib/hotline" in k["ReadWritePaths"][0].split()
    assert k["RuntimeDirectory"] == [unit.stem]


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.stem)
def test_each_unit_starts_its_service_with_the_malloc_policy_only_a_start_can_set(unit: Path) -> None:
    """glibc's per-thread cache off (#17): the same GLIBC_TUNABLES `hotline run` gives its children."""
    wanted = malloc_policy.service_env({})[malloc_policy.ENV_TUNABLES]
    assert f"{malloc_policy.ENV_TUNABLES}={wanted}" in _keys(unit)["Environment"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.stem)
def test_each_unit_runs_a_hotline_command(unit: Path) -> None:
    argv = shlex.split(_keys(unit)["ExecStart"][0])
    assert argv[0] == "/opt/hotline/.venv/bin/hotline"
    name = unit.stem.removeprefix("hotline-")
    assert " ".join(argv[1:]) == SERVICES[name]
    args = cli.build_parser().parse_args(argv[1:])
    assert callable(args.func)


def _nginx() -> str | None:
    return os.environ.get("HOTLINE_NGINX") or shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def test_nginx_example_tls_and_unbuffered_streams(tmp_path: Path) -> None:
    conf = (DEPLOY / "nginx" / "hotline.conf").read_text()
    assert re.search(r"listen 443 ssl", conf) and "ssl_certificate " in conf and "return 301 https://" in conf
    stream = conf[conf.index("location ~"):]
    stream = stream[:stream.index("}")]
    assert "proxy_buffering off;" in stream and "proxy_read_timeout 1h;" in stream
    pattern = re.search(r"location ~ (\S+) \{", conf).group(1)  # type: ignore[union-attr]
    assert re.match(pattern, "/wallboard/stream") and not re.match(pattern, "/wallboard")
    nginx = _nginx()
    if nginx is None:
        # README: nginx -t is run where nginx is installed; here the file's structure is checked above
        return
    key, cert = tmp_path / "privkey.pem", tmp_path / "fullchain.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=hotline.test", "-days",
                    "1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    site = conf.replace("/etc/ssl/hotline/", f"{tmp_path}/")
    (tmp_path / "hotline.conf").write_text(site)
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "".join(f" {kind}_temp_path {tmp_path}/{kind};\n" for kind in kinds)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n{temp} include {tmp_path}/hotline.conf;\n}}\n")
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_logs_are_kept_as_long_as_the_retention_says() -> None:
    rot = (DEPLOY / "logrotate" / "hotline").read_text()
    days = Settings().retention_logs_days
    assert f"rotate {days}" in rot and f"maxage {days}" in rot and "copytruncate" in rot
    for unit in UNITS:
        assert _keys(unit)["StandardOutput"] == [f"append:/var/log/hotline/{unit.stem.removeprefix('hotline-')}.log"]
