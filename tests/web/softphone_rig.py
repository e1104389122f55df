"""The browser softphone's test rig (issue #16): a private Asterisk of the test module's own whose
agents' endpoints are WebRTC (agent_technology = pjsip, agent_softphone, reached over wss with the
certificate made at first start), the panel, and one headless Chromium whose fake microphone plays
a 1 kHz tone. Each softphone test module opens one (``yield from open_rig(...)``)."""

from __future__ import annotations

import re
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hotline.desk import presence
from hotline.pbx.config import TEMPLATES
from hotline.pbx.process import Asterisk
from hotline.settings import Settings
from tests.support.pbx import pbx_test_settings
from tests.support.ports import free_port
from tests.support.postgres import sqlite_url
from tests.support.softphone import FAKE_MEDIA_ARGS, write_tone
from tests.web.browser import ARGS, CHROMIUM, driving, login, playwright, serve, wait_js
from tests.web.conftest import PASSWORD
from web import create_app
from web.auth.users import add_user
from web.context import session_factory

STATE = "document.getElementById('softphone').dataset.state"
# the panel's users of every softphone rig: two agents with a phone each, a supervisor without, one
# with an extension (a browser phone where softphone_supervisors lists it)
USERS = {"agent1": ("agent", "8001"), "agent2": ("agent", "8002"), "boss": ("supervisor", None),
         "chief": ("supervisor", "8009")}


@dataclass
class Rig:
    pbx: Asterisk
    base: str
    browser: Any
    app: Flask
    tmp: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.pbx.settings

    def presence(self, agent: str = "8001") -> tuple[str, str | None]:
        with self.app.app_context(), session_factory()() as db:
            view = presence.current(db, self.settings, agent)
            return view.state.value, view.by

    def wait_presence(self, state: str, timeout: float = 10.0, agent: str = "8001") -> tuple[str, str | None]:
        deadline = time.monotonic() + timeout
        while (now := self.presence(agent))[0] != state:
            assert time.monotonic() < deadline, f"presence {now}, not {state}"
            time.sleep(0.1)
        return now

    def context(self, mic: bool = True) -> Any:
        context = self.browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        if mic:
            context.grant_permissions(["microphone"], origin=self.base)
        return context

    def phone(self, mic: bool = True, context: Any = None, user: str = "agent1", path: str = "/softphone") -> Any:
        """The agent's /softphone page (or the desk, ``path="/desk"``, which holds the phone too) in a
        context of its own, or in the given one: another tab."""
        if context is None:
            context = self.context(mic)
        page = context.new_page()
        page.set_default_timeout(10000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors
        if not context.cookies():
            login(page, self.base, user)
        page.goto(self.base + path)
        return page

    def contacts(self, agent: str = "8001") -> int:
        return len(re.findall(rf"Contact:\s+{agent}/sip:", self.pbx.cli("pjsip show contacts")))


def open_rig(tmp_path_factory: pytest.TempPathFactory, pbx_settings: Settings, name: str,
             browser_args: tuple[str, ...] = (), extensions: str = "", **overrides: Any) -> Iterator[Rig]:
    """For a module fixture: ``yield from open_rig(...)``; ``overrides`` are settings, ``extensions``
    dialplan a test adds to extensions.conf (its own contexts)."""
    tmp = tmp_path_factory.mktemp(name)
    values: dict[str, Any] = dict(
        agent_technology="pjsip", agents=["8001"], server_id=name, agent_softphone=True,
        softphone_http_port=free_port(),
        # wss, as real seats use it, with the certificate made at first start
        softphone_tls=True, softphone_https_port=free_port(), database_url=sqlite_url(tmp / "panel.db"),
        # one AMI user for every role (ami_login's single-user mode): the panel's presence changes
        # need queue (agent) rights whichever role hotline.desk uses
        ami_secret=secrets.token_hex(16))
    values.update(overrides)
    s = pbx_test_settings(tmp, **values)
    shutil.copytree(pbx_settings.sounds_dir, s.sounds_dir)  # the session's prompts, built once
    app = create_app(s)
    with app.app_context(), session_factory()() as db:
        for user, (role, agent) in USERS.items():
            add_user(db, user, role, PASSWORD, agent)
    tone = write_tone(tmp / "tone.wav")
    templates = TEMPLATES
    if extensions:
        templates = tmp / "templates"
        shutil.copytree(TEMPLATES, templates)
        with open(templates / "extensions.conf", "a", encoding="utf-8") as fh:
            fh.write("\n" + extensions)
    ast = Asterisk(s, templates).start()
    try:
        with serve(app) as base, driving():
            browser = playwright().chromium.launch(executable_path=CHROMIUM, args=[
                *ARGS, *FAKE_MEDIA_ARGS, f"--use-file-for-fake-audio-capture={tone}",
                # the self-signed certificate: a real seat trusts the operator's (README)
                "--ignore-certificate-errors", *browser_args])
            try:
                yield Rig(ast, base, browser, app, tmp)
            finally:
                browser.close()
    finally:
        ast.stop()


def registered(page: Any, timeout: float = 15.0) -> None:
    wait_js(page, f"{STATE} === 'registered'", timeout)


def rtp_received(ast: Asterisk, agent: str = "8001") -> int:
    """Packets Asterisk received on the agent's WebRTC channel (pjsip show channelstats)."""
    for line in ast.cli("pjsip show channelstats").splitlines():
        if f"{agent}-" in line:
            m = re.search(r"\b(?:ulaw|alaw)\s+(\d+)", line)
            if m:
                return int(m.group(1))
    return 0


def browser_rtp(page: Any) -> dict[str, int]:
    return dict(page.evaluate("""async () => {
        const stats = await window.hotlineSoftphone.session.connection.getStats();
        const out = {received: 0, sent: 0};
        stats.forEach(r => { if (r.type === 'inbound-rtp') out.received += r.packetsReceived;
                             if (r.type === 'outbound-rtp') out.sent += r.packetsSent; });
        return out; }"""))


def wait_rtp(page: Any, packets: int = 100, timeout: float = 15.0) -> dict[str, int]:
    """The page's RTP both ways, once at least ``packets`` went each way (50 a second)."""
    deadline = time.monotonic() + timeout
    while True:
        now = browser_rtp(page)
        if (now["received"] >= packets and now["sent"] >= packets) or time.monotonic() > deadline:
            return now
        time.sleep(0.2)
