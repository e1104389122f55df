"""Headless Chromium (Debian's, driven by Playwright) for the panel's end-to-end tests: the launch
options, a page factory, log-in, a CSP-safe wait, screenshots into tests/artifacts/web/."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from hotline.settings import ROOT
from tests.support.ports import free_port
from tests.web.conftest import PASSWORD

ARTIFACTS = ROOT / "tests" / "artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--autoplay-policy=no-user-gesture-required"]


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The panel on a free port (werkzeug, threaded, like `hotline web serve`); yields its base URL."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        t.join(10)


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed: run scripts/setup.sh")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def new_page(browser: Any) -> Any:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(10000)
    return page


def login(page: Any, base: str, user: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]


def wait_js(page: Any, js: str, timeout: float = 10.0) -> float:
    """Poll a JS expression until true (page.wait_for_function evaluates strings, which the
    panel's Content-Security-Policy forbids — and should). Returns the seconds waited."""
    t0 = time.monotonic()
    while not page.evaluate(js):
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"not true after {timeout} s: {js}")
        time.sleep(0.02)
    return time.monotonic() - t0


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
