"""The operator's changes to a prompt (#18): upload, text edit, revert, restore — each kept with
who and when and the file before it; a refused change changes nothing; a build never says a
recording over. (The real call hearing an upload: tests/ivr/test_recorded_prompt.py.)"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hotline.db import open_db
from hotline.prompt_library import library
from hotline.prompt_library.builder import build
from hotline.prompt_library.manifest import read_manifest
from hotline.prompt_library.recording import RecordingError
from hotline.settings import Settings, load
from tests.hotline.prompt_library.audio_files import not_audio, silence, tone


@pytest.fixture
def s(tmp_path: Path, db_url: str) -> Settings:
    s = load(config_file=None, env={}, runtime_dir=tmp_path / "var", database_url=db_url,
             prompts_engine="espeak", espeak_speed_wpm=260, prompt_upload_max_s=10)
    report = build(s, engine="espeak", progress=None, only=["welcome", "menu"])
    assert set(report.rendered) == {"welcome", "menu"}
    return s


@pytest.fixture
def db(s: Settings) -> Iterator[Session]:
    engine, sessions = open_db(s)
    session = sessions()
    yield session
    session.close()
    engine.dispose()


def _bytes(s: Settings, pid: str = "welcome") -> bytes:
    return library.prompt(pid).wav_path(s).read_bytes()


def test_upload_keeps_the_built_audio_then_plays_the_recording(s: Settings, db: Session, tmp_path: Path) -> None:
    built = _bytes(s)
    row = library.upload(db, s, "welcome", tone(tmp_path / "greeting.mp3"), "root")
    st = library.state(s, "welcome")
    assert (st.source, st.stale, round(st.seconds or 0)) == ("recording", False, 2)
    assert _bytes(s) == library.version_file(s, row).read_bytes() != built
    rows = library.history(db, "welcome")
    assert [(r.action, r.source, r.made_by) for r in rows] == [
        ("upload", "recording", "root"), ("build", "espeak", library.BUILD_AUTHOR)]
    assert rows[0].upload_name == "greeting.mp3"
    assert library.version_file(s, rows[1]).read_bytes() == built  # the old file, kept for a restore
    # no personal data: world-readable for an Asterisk running as another user (README)
    assert stat.S_IMODE(os.stat(library.prompt("welcome").wav_path(s)).st_mode) == 0o644
    assert read_manifest(s.sounds_dir)["welcome"]["version"] == row.id


@pytest.mark.parametrize("make, kind", [(lambda p: not_audio(p / "x.wav"), "not_audio"),
                                        (lambda p: silence(p / "x.wav"), "silent"),
                                        (lambda p: tone(p / "x.wav", seconds=12), "too_long")])
def test_a_refused_upload_changes_nothing(s: Settings, db: Session, tmp_path: Path,
                                         make: Callable[[Path], Path], kind: str) -> None:
    before, manifest = _bytes(s), read_manifest(s.sounds_dir)
    with pytest.raises(RecordingError) as err:
        library.upload(db, s, "welcome", make(tmp_path), "root")
    assert err.value.kind == kind
    assert _bytes(s) == before and read_manifest(s.sounds_dir) == manifest
    assert library.history(db, "welcome") == []


def test_a_build_never_says_a_recording_over(s: Settings, db: Session, tmp_path: Path) -> None:
    library.upload(db, s, "welcome", tone(tmp_path / "t.wav"), "root")
    recorded = _bytes(s)
    report = build(s, engine="espeak", force=True, progress=None, only=["welcome", "menu"])
    assert report.kept == {"welcome": "recording"} and set(report.rendered) == {"menu"}
    assert _bytes(s) == recorded


def test_text_edit_flags_a_recording_and_revert_says_the_new_text(s: Settings, db: Session, tmp_path: Path) -> None:
    library.upload(db, s, "welcome", tone(tmp_path / "t.wav"), "root")
    recorded = _bytes(s)
    library.edit_text(db, s, "welcome", "您好,这里是{company}。", "root")
    st = library.state(s, "welcome")
    assert (st.source, st.stale, st.edited, st.text) == ("recording", True, True, f"您好,这里是{s.company_name}。")
    assert _bytes(s) == recorded  # the recording is kept until the operator decides
    library.revert(db, s, "welcome", "boss")
    st = library.state(s, "welcome")
    assert (st.source, st.stale, st.text) == ("espeak", False, f"您好,这里是{s.company_name}。")
    assert [r.action for r in library.history(db, "welcome")] == ["revert", "text", "upload", "build"]
    # a build keeps the operator's text: nothing to say again
    assert build(s, engine="espeak", progress=None, only=["welcome"]).kept == {"welcome": "espeak"}


def test_text_edit_of_speech_says_it_again_and_bad_texts_are_refused(s: Settings, db: Session) -> None:
    before = _bytes(s, "menu")
    for text, kind in [("  ", "empty"), ("{nope}", "bad_text"), ("x" * 501, "text_long"),
                       (library.prompt("menu").template, "unchanged")]:
        with pytest.raises(library.PromptChangeError) as err:
            library.edit_text(db, s, "menu", text, "root")
        assert err.value.kind == kind, text
    assert _bytes(s, "menu") == before and library.history(db, "menu") == []
    row = library.edit_text(db, s, "menu", "人工服务请按零。", "root")
    assert (row.action, row.source, row.text) == ("text", "espeak", "人工服务请按零。")
    assert _bytes(s, "menu") != before
    with pytest.raises(library.PromptChangeError) as err:
        library.revert(db, s, "menu", "root")
    assert err.value.kind == "not_recording"


def test_restore_brings_back_an_earlier_version_with_its_text(s: Settings, db: Session, tmp_path: Path) -> None:
    first = library.upload(db, s, "welcome", tone(tmp_path / "a.wav", freq=600), "root")
    library.upload(db, s, "welcome", tone(tmp_path / "b.wav", freq=1200), "root")
    built = library.history(db, "welcome")[-1]
    row = library.restore(db, s, "welcome", first.id, "boss")
    assert (row.action, row.restored_from, row.made_by) == ("restore", first.id, "boss")
    assert _bytes(s) == library.version_file(s, first).read_bytes()
    library.restore(db, s, "welcome", built.id, "boss")
    st = library.state(s, "welcome")
    assert st.source == "espeak" and _bytes(s) == library.version_file(s, built).read_bytes()
    with pytest.raises(library.PromptChangeError) as err:
        library.restore(db, s, "menu", first.id, "boss")  # another prompt's version
    assert err.value.kind == "no_version"
    with pytest.raises(library.PromptChangeError) as err:
        library.upload(db, s, "no_such_prompt", tmp_path / "a.wav", "root")
    assert err.value.kind == "unknown"


def test_a_text_the_engine_cannot_say_changes_nothing(s: Settings, db: Session) -> None:
    from tests.hotline.prompt_library.fake_gtts import closed_port_url

    offline = s.replace(prompts_engine="gtts", gtts_url=closed_port_url(), gtts_probe_timeout_s=1)
    before, manifest = _bytes(s), read_manifest(s.sounds_dir)
    with pytest.raises(library.PromptChangeError) as err:
        library.edit_text(db, offline, "welcome", "您好。", "root")
    assert err.value.kind == "engine" and "gtts" in str(err.value)
    assert _bytes(s) == before and read_manifest(s.sounds_dir) == manifest
    assert library.history(db, "welcome") == []  # not even the build's version: nothing changed
