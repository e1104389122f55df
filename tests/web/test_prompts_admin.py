"""The Prompts page (#18): admin only; upload, refusal, text edit, revert and restore through the
panel, each kept in the history with the user's name. (Browser: test_prompts_browser.py.)"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from hotline.prompt_library import library
from hotline.prompt_library.builder import build
from tests.hotline.prompt_library.audio_files import not_audio, tone
from tests.web.conftest import Panel, csrf_of, open_panel


@pytest.fixture
def panel(tmp_path: Path, db_url: str) -> Iterator[Panel]:
    for p in open_panel(tmp_path, db_url, prompts_engine="espeak", espeak_speed_wpm=260):
        build(p.settings, engine="espeak", progress=None, only=["welcome"])
        yield p


def _source(html: str, pid: str) -> str:
    m = re.search(rf'data-prompt="{re.escape(pid)}" data-source="([a-z]+)"', html)
    assert m, html[:3000]
    return m.group(1)


def test_only_an_admin_sees_the_prompts(panel: Panel) -> None:
    for user in ("agent1", "insp", "boss"):
        c = panel.client(user)
        assert c.get("/prompts").status_code == 403, user
        assert c.get("/prompts/welcome/audio").status_code == 403, user
    c = panel.client("root")
    html = c.get("/prompts").get_data(as_text=True)
    assert _source(html, "welcome") == "espeak" and _source(html, "menu") == "missing"
    assert _source(html, "digits/3") == "missing"
    assert "R-ANS-GREET" in html and 'id="nav-prompts"' in html
    audio = c.get("/prompts/welcome/audio")
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF" and "no-store" in audio.headers["Cache-Control"]
    assert c.get("/prompts/menu/audio").status_code == 404
    assert c.get("/prompts/digits/3").status_code == 200  # a digit's id has a slash
    assert c.get("/prompts/digits/3/audio").status_code == 404  # not built in this panel
    assert c.get("/prompts/nothing").status_code == 404


def test_where_each_prompt_plays_in_the_page_language(panel: Panel) -> None:
    """"Where it plays" was English on the zh page (the newcomer's walk): each prompt's ``used``
    has its translation, shown on the list and on the prompt's page."""
    import tomllib

    from hotline.settings import ROOT
    from web.translations.zh import ZH

    phrases = tomllib.loads((ROOT / "hotline" / "phrases.toml").read_text())
    used = {p["used"] for p in phrases["prompt"]} | {phrases["digits"]["used"]}
    assert sorted(u for u in used if u not in ZH) == []
    c = panel.client("root")
    html = c.get("/prompts").get_data(as_text=True)
    assert "语音导航:每个来电最先听到" in html and "first thing every inbound caller hears" not in html
    assert "语音导航:主菜单" in c.get("/prompts/menu").get_data(as_text=True)


def _post(c: FlaskClient, path: str, page: str, **data: Any) -> Any:
    return c.post(path, data={"csrf_token": csrf_of(c, page), **data}, content_type="multipart/form-data")


def test_upload_text_revert_restore_through_the_panel(panel: Panel, tmp_path: Path) -> None:
    c = panel.client("root")
    page = "/prompts/welcome"
    wav = tone(tmp_path / "greeting.ogg").read_bytes()
    r = _post(c, page + "/upload", page, file=(io.BytesIO(wav), "greeting.ogg"))
    assert r.status_code == 302
    assert _source(c.get("/prompts").get_data(as_text=True), "welcome") == "recording"
    r = _post(c, page + "/text", page, text="您好,欢迎致电{company}。")
    html = c.get(page).get_data(as_text=True)
    assert 'data-source="recording" data-stale="yes"' in html
    r = _post(c, page + "/revert", page)
    assert r.status_code == 302
    html = c.get(page).get_data(as_text=True)
    assert 'id="prompt" data-source="espeak" data-stale="no"' in html
    versions = re.findall(r'data-version="(\d+)" data-action="([a-z]+)"', html)
    assert [a for _, a in versions] == ["revert", "text", "upload", "build"]
    upload_id = versions[2][0]
    assert c.get(f"/prompts/versions/{upload_id}/audio").status_code == 200
    r = _post(c, page + "/restore", page, version=upload_id)
    assert r.status_code == 302
    db = panel.db()
    rows = library.history(db, "welcome")
    assert [(r.action, r.made_by) for r in rows[:2]] == [("restore", "root"), ("revert", "root")]
    db.close()


def test_a_bad_upload_is_refused_with_a_message_and_changes_nothing(panel: Panel, tmp_path: Path) -> None:
    c = panel.client("root")
    c.get("/lang/en")
    before = library.prompt("welcome").wav_path(panel.settings).read_bytes()
    page = "/prompts/welcome"
    bad = not_audio(tmp_path / "fake.wav").read_bytes()
    r = _post(c, page + "/upload", page, file=(io.BytesIO(bad), "fake.wav"))
    assert r.status_code == 400
    assert "fake.wav is not an audio file that can be read (wav, mp3, m4a, ogg are accepted)." \
        in r.get_data(as_text=True)
    assert library.prompt("welcome").wav_path(panel.settings).read_bytes() == before
    assert "No changes yet." in c.get(page).get_data(as_text=True)


def test_a_recording_larger_than_a_form_is_taken_up_to_the_server_limit(tmp_path: Path, db_url: str) -> None:
    for panel in open_panel(tmp_path, db_url, web_max_request_body_bytes=3 * 1024 * 1024):
        c = panel.client("root")
        c.get("/lang/en")
        page = "/prompts/welcome"
        big = tone(tmp_path / "big.wav", seconds=8, rate=44100).read_bytes()  # 1.4 MB: over a form's 1 MB
        assert 1 << 20 < len(big) < 3 * 1024 * 1024
        r = _post(c, page + "/upload", page, file=(io.BytesIO(big), "big.wav"))
        assert r.status_code == 302, r.get_data(as_text=True)[:2000]
        assert library.state(panel.settings, "welcome").source == "recording"
        huge = tone(tmp_path / "huge.wav", seconds=20, rate=44100).read_bytes()
        r = _post(c, page + "/upload", page, file=(io.BytesIO(huge), "huge.wav"))
        assert r.status_code == 302
        assert "The file is larger than 3 MB" in c.get(page).get_data(as_text=True)
        assert [v.upload_name for v in library.history(panel.db(), "welcome")] == ["big.wav"]


def test_a_recording_a_changed_setting_names_is_marked(panel: Panel, tmp_path: Path) -> None:
    """#18: the fault-type menu is a recording; the fault types change in the service settings page →
    the Prompts page marks the recording as no longer saying its text (it is never said over)."""
    c = panel.client("root")
    build(panel.settings, engine="espeak", progress=None, only=["fault_type"])
    page = "/prompts/fault_type"
    r = _post(c, page + "/upload", page, file=(io.BytesIO(tone(tmp_path / "menu.ogg").read_bytes()), "menu.ogg"))
    assert r.status_code == 302
    listed = c.get("/prompts").get_data(as_text=True)
    assert 'data-prompt="fault_type" data-source="recording" data-stale="no"' in listed
    settings_page = c.get("/admin/settings").get_data(as_text=True)
    form = {m.group(1): m.group(2) for m in re.finditer(r'<input id="f-[^"]+" name="([^"]+)" value="([^"]*)"',
                                                        settings_page)}
    areas = re.finditer(r'<textarea id="f-[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', settings_page)
    form.update({m.group(1): m.group(2) for m in areas})
    form.update(ivr_fault_types="broadband\nother", csrf_token=csrf_of(c, "/admin/settings"))
    assert c.post("/admin/settings", data=form).status_code == 302
    html = c.get("/prompts").get_data(as_text=True)
    assert 'data-prompt="fault_type" data-source="recording" data-stale="yes"' in html
    assert "宽带故障请按一,其他故障请按二。" in html
