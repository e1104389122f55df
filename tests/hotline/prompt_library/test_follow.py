"""Prompts that name a service setting follow it (#18): a changed fault-type list (R-REC-FIELDS) is
said again by the scheduler's prompt sync without a restart; a recording that names a changed
setting is never said over but flagged — on the Prompts page's state and by `hotline prompts list`."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline import service_settings as svc
from hotline.db import open_db
from hotline.prompt_catalogue import by_id, load_catalogue
from hotline.prompt_library import library
from hotline.prompt_library.builder import build
from hotline.prompt_library.follow import drift
from hotline.prompt_library.manifest import read_manifest
from hotline.settings import Settings, load
from prompts import cli as prompts_cli
from scheduler.prompt_sync import PromptSync
from tests.hotline.prompt_library.audio_files import tone

Env = tuple[Settings, sessionmaker[Session]]


@pytest.fixture
def env(tmp_path: Path, db_url: str) -> Iterator[Env]:
    s = load(config_file=None, env={}, runtime_dir=tmp_path / "var", database_url=db_url, prompts_engine="espeak",
             espeak_speed_wpm=260, prompt_upload_max_s=10, service_settings_ttl_s=0.0, prompts_follow_interval_s=0.2)
    engine, sessions = open_db(s, upgrade=True)
    report = build(s, engine="espeak", progress=None, only=["fault_type", "out_of_hours", "welcome"])
    assert set(report.rendered) == {"fault_type", "out_of_hours", "welcome"}
    yield s, sessions
    engine.dispose()


def _save(env: Env, texts: dict[str, str]) -> None:
    s, sessions = env
    with sessions.begin() as db:
        assert svc.save(db, s, texts, "root", datetime.now(UTC))


def _wait(what: Callable[[], bool], deadline_s: float = 60.0) -> None:
    end = time.monotonic() + deadline_s
    while not what():
        assert time.monotonic() < end, "not within the deadline"
        time.sleep(0.1)


def test_the_fault_type_prompt_says_the_list_in_force(tmp_path: Path) -> None:
    s = load(config_file=None, env={}, runtime_dir=tmp_path, ivr_fault_types=["no_sound", "mosaic"])
    assert by_id(load_catalogue())["fault_type"].text(s) == "无声音请按一,马赛克或图像不清请按二。"


def test_a_changed_fault_type_list_is_said_again_without_a_restart(env: Env) -> None:
    s, sessions = env
    wav = s.sounds_dir / "hotline" / "fault_type.wav"
    before, welcome = wav.read_bytes(), read_manifest(s.sounds_dir)["welcome"]
    sync = PromptSync(s, sessions).start()  # as `hotline scheduler run` starts it
    try:
        _save(env, {"ivr_fault_types": "broadband\nno_picture"})
        _wait(lambda: read_manifest(s.sounds_dir)["fault_type"]["text"] == "宽带故障请按一,无图像请按二。")
    finally:
        sync.stop()
    assert wav.read_bytes() != before  # the IVR's STREAM FILE hotline/fault_type opens the new audio
    assert read_manifest(s.sounds_dir)["welcome"] == welcome  # what no setting changed is left alone
    assert drift(svc.effective(s, sessions)).speech == []


def test_a_fault_type_no_category_names_is_refused(env: Env) -> None:
    s, sessions = env
    with sessions.begin() as db, pytest.raises(svc.ValidationFailed) as caught:
        svc.save(db, s, {"ivr_fault_types": "no_picture\ncable_cut"}, "root", datetime.now(UTC))
    assert "cable_cut" in caught.value.errors["ivr_fault_types"]
    _save(env, {"case_categories": "repair no_picture 无图像\nrepair cable_cut 线缆断了",
                "ivr_fault_types": "no_picture\ncable_cut"})
    assert "线缆断了请按二" in library.state(svc.effective(s, sessions), "fault_type").text


def test_a_recording_is_flagged_not_said_over(env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s, sessions = env
    with sessions() as db:
        library.upload(db, s, "out_of_hours", tone(tmp_path / "hours.ogg"), "root")
    wav = s.sounds_dir / "hotline" / "out_of_hours.wav"
    recorded = wav.read_bytes()
    assert not library.state(s, "out_of_hours").stale
    _save(env, {"hours_open": "07:30"})  # R-ANS-HOURS: the prompt says the staffed hours
    found = PromptSync(s, sessions).once()
    assert found.recordings == ["out_of_hours"]
    assert wav.read_bytes() == recorded  # the operator's voice is never said over
    assert library.state(svc.effective(s, sessions), "out_of_hours").stale  # the Prompts page marks it
    assert prompts_cli._in_force(prompts_cli._list)(s, argparse.Namespace()) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("hotline/out_of_hours "))
    assert "七点三十分" in line and line.endswith("(recording does not say this text)")
