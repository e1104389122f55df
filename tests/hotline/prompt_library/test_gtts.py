"""The gTTS engine against a local stand-in for Google's endpoint (127.0.0.1 only)."""

from __future__ import annotations

import time
from pathlib import Path

from hotline.prompt_catalogue import load_catalogue
from hotline.prompt_library.audio import wav_info
from hotline.prompt_library.builder import build
from hotline.prompt_library.engines import engines_for
from hotline.settings import Settings, load
from tests.hotline.prompt_library.fake_gtts import Blackhole, FakeBatchExecute, tone_mp3


def settings(tmp_path: Path, url: str, **kw: object) -> Settings:
    return load(config_file=None, env={}, runtime_dir=tmp_path / "rt", gtts_url=url, **kw)


def test_gtts_reachable_renders_every_prompt_from_its_answer(tmp_path: Path) -> None:
    with FakeBatchExecute(tone_mp3(tmp_path / "tone.mp3", seconds=1.2)) as fake:
        s = settings(tmp_path, fake.url)
        report = build(s, progress=None)
        texts = {p.text(s) for p in load_catalogue()}
    assert not report.failed and set(report.by_engine()) == {"gtts"}
    assert len(report.rendered) == len(texts)
    sent = {text for text, _ in fake.requests}
    assert texts <= sent  # every prompt's text went to the endpoint (plus the probe)
    assert {lang for _, lang in fake.requests} == {"zh-CN"}
    info = wav_info(s.sounds_dir / "hotline" / "welcome.wav")
    # the stand-in's 1.2 s tone, decoded from mp3 and converted: gTTS's audio, not espeak's
    assert (info.rate, info.channels, info.sample_bytes) == (8000, 1, 2)
    assert 1.0 <= info.seconds <= 1.5 and info.rms > 0.1


def test_prompts_made_by_espeak_are_upgraded_when_gtts_comes_back(tmp_path: Path) -> None:
    with Blackhole() as hole:
        s = settings(tmp_path, hole.url, gtts_probe_timeout_s=0.5)
        assert set(build(s, progress=None).by_engine()) == {"espeak"}
    with FakeBatchExecute(tone_mp3(tmp_path / "tone.mp3")) as fake:
        s2 = settings(tmp_path, fake.url)
        assert set(build(s2, progress=None).rendered.values()) == {"gtts"}
        # and gTTS audio is kept while gTTS is away again
        with Blackhole() as hole2:
            again = build(settings(tmp_path, hole2.url, gtts_probe_timeout_s=0.5), progress=None)
    assert again.rendered == {} and set(again.kept.values()) == {"gtts"}


def test_endpoint_that_never_answers_costs_one_probe_then_espeak(tmp_path: Path) -> None:
    with Blackhole() as hole:
        s = settings(tmp_path, hole.url, gtts_probe_timeout_s=1, gtts_timeout_s=1)
        t0 = time.monotonic()
        report = build(s, progress=None)
        elapsed = time.monotonic() - t0
        connections = len(hole.accepted)
    assert set(report.by_engine()) == {"espeak"} and not report.failed
    assert any("gtts not used" in n and "Timeout" in n for n in report.notes), report.notes
    # probed once per build, not once per prompt (each attempt would wait a whole timeout)
    assert connections == 1
    print(f"build with a black-holed gTTS endpoint: {elapsed:.1f} s")


def test_gtts_failing_mid_build_is_dropped_after_one_timeout(tmp_path: Path) -> None:
    fake = FakeBatchExecute(tone_mp3(tmp_path / "tone.mp3"))
    with fake:
        s = settings(tmp_path, fake.url, gtts_timeout_s=1, gtts_probe_timeout_s=1)
        engines = engines_for(s)
        gtts = engines["gtts"]
        assert gtts.probe() is None
        with Blackhole() as hole:
            gtts.url = hole.url  # the endpoint goes silent after the probe
            gtts.probe = lambda: None  # type: ignore[method-assign]
            report = build(s, progress=None, engines=engines)
            connections = len(hole.accepted)
    assert connections == 1
    assert set(report.by_engine()) == {"espeak"} and not report.failed
    assert any(n.startswith("gtts dropped after failing on welcome") for n in report.notes), report.notes
