"""Headless Chromium (Debian's, driven by Playwright) for the panel's end-to-end tests: the launch
options, a page factory, log-in, a CSP-safe wait, screenshots into tests/artifacts/web/."""

from __future__ import annotations

import asyncio
import atexit
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


_driver: Any = None  # the session's one Playwright driver and headless Chromium, made at first use
_browser: Any = None
_sync: Any = None  # the driver's context manager: it holds the driver's event loop


def playwright() -> Any:
    """The session's Playwright driver (stopped when the test process exits): one per process, as
    Playwright's sync API allows; the softphone rigs launch their fake-microphone Chromium from it.
    Call it inside :func:`driving`."""
    global _driver, _sync
    if _driver is None:
        from playwright.sync_api import sync_playwright

        _sync = sync_playwright()
        _driver = _sync.start()
        atexit.register(_stop)
    return _driver


@contextmanager
def driving() -> Iterator[None]:
    """Playwright's sync calls need its event loop marked as this thread's running loop, and leave it
    so; outside a browser test it must not be (the IVR's tests run their own with asyncio.run). So
    the mark is set for the span of a browser's use and put back as it was after it."""
    before = asyncio.events._get_running_loop()
    if _sync is not None:
        asyncio.events._set_running_loop(_sync._loop)
    try:
        yield
    finally:
        asyncio.events._set_running_loop(before)


def _stop() -> None:
    global _driver, _browser
    with driving():
        if _browser is not None:
            _browser.close()
        if _driver is not None:
            _driver.stop()
    _driver = _browser = None


@contextmanager
def chromium() -> Iterator[Any]:
    """The session's one headless Chromium, started at the first test that asks (a launch per test
    costs a second each). A test opens its own contexts; whatever it leaves open is closed after it,
    so no page, cookie or storage passes from one test to the next."""
    global _browser
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed: run scripts/setup.sh")
    with driving():
        if _browser is None or not _browser.is_connected():
            _browser = playwright().chromium.launch(executable_path=CHROMIUM, args=ARGS)
            asyncio.events._set_running_loop(_sync._loop)  # a first start made the loop just now
        try:
            yield _browser
        finally:
            for ctx in list(_browser.contexts):
                ctx.close()


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
