"""End to end in headless Chromium (#18): the admin opens the Prompts page, uploads a recording
for the greeting, and sees it listed with source "recording" and a player that loads it; a text
file renamed .wav is refused with its message. Screenshots to tests/artifacts/web/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline.prompt_library import library
from hotline.prompt_library.builder import build
from tests.hotline.prompt_library.audio_files import not_audio, tone
from tests.web.browser import chromium, login, new_page, serve, shot, wait_js
from tests.web.conftest import Panel, open_panel

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path: Path, db_url: str) -> Iterator[tuple[Panel, str]]:
    for panel in open_panel(tmp_path, db_url, prompts_engine="espeak", espeak_speed_wpm=260):
        build(panel.settings, engine="espeak", progress=None, only=["welcome"])
        with serve(panel.app) as base:
            yield panel, base


def test_admin_uploads_a_recording_and_sees_it_listed(served: tuple[Panel, str], tmp_path: Path) -> None:
    panel, base = served
    with chromium() as browser:
        page: Any = new_page(browser)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, base, "root")
        page.click("#nav-prompts")
        row = page.locator("#prompts tr.prompt[data-prompt='welcome']")
        assert row.get_attribute("data-source") == "espeak"
        row.locator("a").click()

        page.set_input_files("#recording", str(not_audio(tmp_path / "fake.wav")))
        page.click("#do-upload")
        assert "fake.wav" in page.locator("p.flash.error").inner_text()
        assert page.locator("#prompt").get_attribute("data-source") == "espeak"

        page.set_input_files("#recording", str(tone(tmp_path / "greeting.wav", seconds=1.5)))
        page.click("#do-upload")
        page.wait_for_selector("p.flash.ok")
        assert page.locator("#prompt").get_attribute("data-source") == "recording"
        assert page.locator("#history tr.version").first.get_attribute("data-action") == "upload"
        shot(page, "prompt-uploaded")

        page.click("#nav-prompts")
        row = page.locator("#prompts tr.prompt[data-prompt='welcome']")
        assert row.get_attribute("data-source") == "recording"
        assert "录音" in row.locator("td.source").inner_text()  # the page is in Chinese
        # the player loads the new audio (served to the admin only)
        row.locator("audio").evaluate("a => a.load()")
        wait_js(page, "(() => { const a = document.querySelector(\"tr[data-prompt='welcome'] audio\");"
                      " return a.readyState >= 1 && a.duration > 1.4 && a.duration < 1.7; })()")
        shot(page, "prompts")
        assert errors == []
    assert library.state(panel.settings, "welcome").source == "recording"  # what Asterisk plays now
