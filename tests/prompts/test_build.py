"""`hotline prompts build` (issue 4): espeak-ng fallback, audio format, cache, engine summary."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

import pytest

from hotline.prompt_catalogue import CATALOGUE_PATH, load_catalogue, missing_prompts
from hotline.prompt_library.audio import wav_info
from hotline.prompt_library.builder import BuildError, build
from hotline.prompt_library.engines import EspeakEngine, GttsEngine
from hotline.prompt_library.manifest import MANIFEST
from hotline.settings import Settings, load
from prompts import cli as prompts_cli
from tests.hotline.prompt_library.fake_gtts import closed_port_url


def offline(tmp_path: Path, **kw: object) -> Settings:
    """gTTS unreachable, as on this machine: nothing listens at its endpoint."""
    values: dict[str, object] = dict(runtime_dir=tmp_path, gtts_url=closed_port_url(), gtts_probe_timeout_s=2)
    values.update(kw)
    return load(config_file=None, env={}, **values)


def run_cli(argv: list[str], env: dict[str, str]) -> int:
    """`hotline prompts ...` through the app's own argparse registration (not hotline.cli, which
    imports every other app too)."""
    parser = argparse.ArgumentParser(prog="hotline")
    prompts_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(load(config_file=None, env=env), args))


def spoken_chars(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", text))


def test_build_without_gtts_makes_espeak_audio_asterisk_plays(built_prompts, pbx_settings: Settings) -> None:
    s = pbx_settings
    prompts = load_catalogue()
    assert set(built_prompts.by_engine()) == {"espeak"}
    assert missing_prompts(s, [p.id for p in prompts]) == []
    for p in prompts:
        info = wav_info(p.wav_path(s))
        assert (info.rate, info.channels, info.sample_bytes) == (8000, 1, 2), p.id
        n = spoken_chars(p.text(s))
        # espeak-ng speaks about 4 syllables a second; far outside means a broken or cut render
        assert 0.12 * n <= info.seconds <= 0.6 * n + 1.0, (p.id, n, info.seconds)
        assert info.rms > 0.01, f"{p.id} is silence (rms {info.rms:.4f})"


def test_auto_build_falls_back_to_espeak_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {"HOTLINE_RUNTIME_DIR": str(tmp_path), "HOTLINE_GTTS_URL": closed_port_url()}
    assert run_cli(["prompts", "build"], env) == 0
    out, err = capsys.readouterr()
    total = len(load_catalogue())
    assert f"{total} rendered" in out
    assert re.search(rf"^  espeak: {total} — welcome, menu,", out, re.M)
    assert "gtts not used" in out
    assert "[1/" in err and f"[{total}/{total}]" in err  # progress on stderr
    manifest = json.loads((tmp_path / "sounds" / "zh" / MANIFEST).read_text(encoding="utf-8"))
    assert {e["engine"] for e in manifest.values()} == {"espeak"}
    assert manifest["digits/1"]["file"] == "digits/1.wav"


def test_second_build_renders_nothing_and_a_changed_text_only_its_prompt(tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue.toml"
    shutil.copy(CATALOGUE_PATH, catalogue)
    s = offline(tmp_path / "rt")
    first = build(s, progress=None, catalogue=catalogue)
    assert len(first.rendered) == len(load_catalogue()) and not first.failed
    mtime = (s.sounds_dir / "hotline" / "welcome.wav").stat().st_mtime_ns

    again = build(s, progress=None, catalogue=catalogue)
    assert again.rendered == {} and len(again.kept) == len(first.rendered)
    assert (s.sounds_dir / "hotline" / "welcome.wav").stat().st_mtime_ns == mtime

    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("供电线路停电。", "供电线路检修停电。"),
                         encoding="utf-8")
    assert list(build(s, progress=None, catalogue=catalogue).rendered) == ["outage_cause_power"]

    # R-FAULT-SLA: the spoken promise follows the settings, so the cache key does too
    s_sla = offline(tmp_path / "rt", sla_urban_arrive_min=45, gtts_url=s.gtts_url)
    assert sorted(build(s_sla, progress=None, catalogue=catalogue).rendered) == ["sla_urban", "sla_urban_next_open"]
    s_co = offline(tmp_path / "rt", sla_urban_arrive_min=45, company_name="广电网络", gtts_url=s.gtts_url)
    assert sorted(build(s_co, progress=None, catalogue=catalogue).rendered) == ["goodbye", "silent_caller", "welcome"]

    (s.sounds_dir / "digits" / "4.wav").unlink()  # a lost file is made again
    assert list(build(s_co, progress=None, catalogue=catalogue).rendered) == ["digits/4"]
    forced = build(s_co, progress=None, catalogue=catalogue, force=True)
    assert len(forced.rendered) == len(first.rendered)

    # espeak's speed changes the sound, so it is in the key too: every prompt again, shorter
    was = _seconds(s.sounds_dir / "hotline" / "fault_type.wav")
    s_fast = offline(tmp_path / "rt", sla_urban_arrive_min=45, company_name="广电网络", gtts_url=s.gtts_url,
                     espeak_speed_wpm=s.espeak_speed_wpm * 2)
    assert len(build(s_fast, progress=None, catalogue=catalogue).rendered) == len(first.rendered)
    assert _seconds(s.sounds_dir / "hotline" / "fault_type.wav") < 0.7 * was


def _seconds(wav: Path) -> float:
    import wave

    with wave.open(str(wav)) as w:
        return w.getnframes() / w.getframerate()


def test_no_working_engine_fails_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = offline(tmp_path)
    engines = {"gtts": GttsEngine(s.gtts_url, timeout_s=2, probe_timeout_s=2),
               "espeak": EspeakEngine(binary="no-such-espeak-ng")}
    with pytest.raises(BuildError,
                       match=r"no text-to-speech engine works.*gtts.*no-such-espeak-ng is not installed"):
        build(s, progress=None, engines=engines)

    env = {"HOTLINE_RUNTIME_DIR": str(tmp_path), "HOTLINE_GTTS_URL": s.gtts_url,
           "HOTLINE_ESPEAK_VOICE": "no-such-voice"}
    assert run_cli(["prompts", "build", "--quiet"], env) == 1
    err = capsys.readouterr().err
    assert "no text-to-speech engine works" in err and "no voice 'no-such-voice'" in err
    assert run_cli(["prompts", "build", "--engine", "gtts"], env) == 1
    assert not (tmp_path / "sounds" / "zh" / "hotline" / "welcome.wav").exists()


def test_list_shows_rules_engines_and_texts(built_prompts, pbx_settings: Settings,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["prompts", "list"], {"HOTLINE_RUNTIME_DIR": str(pbx_settings.runtime_dir)}) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("hotline/late_apology "))
    assert "R-ANS-LATE-APOLOGY" in line and "espeak" in line and line.endswith("对不起,电话较忙,让您久等了。")
