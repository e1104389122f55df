"""`hotline web serve` on waitress (#17): the real command serves the panel, the wallboard's
server-sent events reach a real HTTP client as they are written while other requests are served
beside the open stream, and the request limits are the settings'. `--dev` keeps Werkzeug."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hotline import cli
from hotline.db import open_db
from hotline.settings import ROOT, load
from tests.support.ports import free_port
from web.auth.users import add_user

PASSWORD = "serve-test-password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`hotline web serve` in its own process on a fresh database with one supervisor."""
    runtime, port = tmp_path / "var", free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOTLINE_RUNTIME_DIR=str(runtime), HOTLINE_WEB_PORT=str(port),
               HOTLINE_AGENTS="8001,8002", HOTLINE_WALLBOARD_POLL_S="0.1", HOTLINE_WEB_THREADS="4",
               HOTLINE_WEB_MAX_REQUEST_BODY_BYTES="2000")
    env.pop("HOTLINE_CONFIG", None)
    s = load(config_file=None, env={}, runtime_dir=runtime)
    engine, Session = open_db(s, upgrade=True)
    with Session() as db:
        add_user(db, "boss", "supervisor", PASSWORD)
    engine.dispose()
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "hotline", "web", "serve"], env=env, cwd=tmp_path,
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                requests.get(f"{base}/login", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield base
        assert "Traceback" not in log.read_text(), log.read_text()
    finally:
        proc.terminate()
        proc.wait(10)


def _login(base: str) -> requests.Session:
    c = requests.Session()
    page = c.get(f"{base}/login", timeout=5).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = c.post(f"{base}/login", data={"username": "boss", "password": PASSWORD, "csrf_token": token}, timeout=5)
    assert r.status_code == 200 and "/login" not in r.url, r.text[:300]
    return c


def test_waitress_serves_and_streams_the_wallboard(server: str) -> None:
    c = _login(server)
    r = c.get(f"{server}/wallboard", timeout=5)
    assert r.status_code == 200 and r.headers["Server"] == "hotline"  # waitress, ident="hotline"
    t0 = time.monotonic()
    with c.get(f"{server}/wallboard/stream", stream=True, timeout=10,
               headers={"Accept": "text/event-stream"}) as stream:
        assert stream.status_code == 200 and stream.headers["Content-Type"].startswith("text/event-stream")
        lines = stream.iter_lines(decode_unicode=True)
        assert next(lines) == "retry: 1000"
        data = next(line for line in lines if line.startswith("data: "))
        # the first push arrives while the stream is still open (it lasts an hour): nothing buffered
        assert '"sl"' in data and time.monotonic() - t0 < 5
        # the stream holds one of the 4 threads; the others serve pages meanwhile
        answers: list[int] = []
        pages = [threading.Thread(target=lambda: answers.append(c.get(f"{server}/wallboard/snapshot",
                                                                      timeout=10).status_code)) for _ in range(6)]
        for t in pages:
            t.start()
        for t in pages:
            t.join(20)
        assert answers == [200] * 6


def test_request_limits_are_the_settings(server: str) -> None:
    r = requests.post(f"{server}/login", data="x" * 5000, timeout=5,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413  # web_max_request_body_bytes = 2000 here


def test_dev_keeps_werkzeug() -> None:
    args = cli.build_parser().parse_args(["web", "serve", "--dev"])
    assert args.dev is True and cli.build_parser().parse_args(["web", "serve"]).dev is False


def test_a_refused_score_sheet_stops_the_panel_at_start(tmp_path: Path) -> None:
    """R-QA: a score sheet whose weights do not add up to 100 is said once at start (exit 2), not
    a 500 on every call page later."""
    bad = tmp_path / "sheet.toml"
    bad.write_text('[[items]]\nkey = "greet"\nweight = 40\n\n[[bands]]\nfrom = 0\n', encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOTLINE_RUNTIME_DIR=str(tmp_path / "var"),
               HOTLINE_WEB_PORT=str(free_port()), HOTLINE_QA_SHEET_PATH=str(bad))
    env.pop("HOTLINE_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "hotline", "web", "serve"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "QA sheet: the weights add up to 40, not 100" in done.stderr
    assert "panel on" not in done.stdout
