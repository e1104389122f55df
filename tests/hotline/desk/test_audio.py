"""The matcher the desk tests hear the caller with (tests/hotline/desk/audio.py), on the session's
built prompts: a recording with the stutters a loaded machine makes (frames lost, silence
inserted, frames damaged, part-frame gaps between the files of a work number) still holds the
right prompt (> 0.9), and a different prompt scores clearly lower."""

from __future__ import annotations

import wave
from array import array
from pathlib import Path
from typing import Any

import pytest

from hotline.settings import Settings
from tests.hotline.desk.audio import _corr, _loud_part, best_match, envelope

FRAME = 160  # samples of 20 ms at 8 kHz


def _read(path: Path) -> array[int]:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (8000, 2, 1), path
        return array("h", w.readframes(w.getnframes()))


def _write(path: Path, samples: array[int]) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setparams((1, 2, 8000, 0, "NONE", "not compressed"))
        w.writeframes(samples.tobytes())
    return path


def _silence(n: int) -> array[int]:
    return array("h", [0] * n)


def _stuttered(samples: array[int]) -> array[int]:
    """The prompt as a starved PBX lets the caller hear it: 3 frames lost at a quarter, 4 frames
    of silence inserted at a half, 2 frames lost at three quarters, 2 frames silenced in between,
    with a second of silence around it."""
    n = len(samples) // FRAME
    out = array("h", samples)
    cut = 3 * n // 4 * FRAME
    del out[cut:cut + 2 * FRAME]
    muted = 5 * n // 8 * FRAME
    out[muted:muted + 2 * FRAME] = _silence(2 * FRAME)
    half = n // 2 * FRAME
    out[half:half] = _silence(4 * FRAME)
    cut = n // 4 * FRAME
    del out[cut:cut + 3 * FRAME]
    return _silence(8000) + out + _silence(8000)


def _files(sounds: Path, ext: str) -> list[Path]:
    """A work number's files as [desk-worknum] plays them."""
    return [sounds / "hotline" / "work_number_prefix.wav", *(sounds / "digits" / f"{d}.wav" for d in ext),
            sounds / "hotline" / "work_number_suffix.wav"]


def _greeting(sounds: Path, ext: str, gap: int = 0) -> array[int]:
    """A work number said, ``gap`` samples of silence after each of its files."""
    out = array("h")
    for f in _files(sounds, ext):
        out += _read(f) + _silence(gap)
    return out


@pytest.fixture
def sounds(pbx_settings: Settings, built_prompts: Any) -> Path:
    return pbx_settings.sounds_dir


def _prompt(sounds: Path, name: str) -> Path:
    return sounds / "hotline" / f"{name}.wav"


@pytest.mark.parametrize(("played", "other"), [("silent_caller", "please_repeat"),
                                               ("please_repeat", "silent_caller"),
                                               ("malicious_warning", "please_repeat")])
def test_a_stuttered_prompt_is_found_and_another_is_not(sounds: Path, tmp_path: Path, played: str, other: str) -> None:
    clean = _write(tmp_path / "clean.wav", _silence(8000) + _read(_prompt(sounds, played)) + _silence(8000))
    rec = _write(tmp_path / "stuttered.wav", _stuttered(_read(_prompt(sounds, played))))
    exact, at = best_match(clean, _prompt(sounds, played))
    assert exact > 0.99 and abs(at - 1.0) < 0.2, (exact, at)
    heard, _ = best_match(rec, _prompt(sounds, played))
    wrong, _ = best_match(rec, _prompt(sounds, other))
    print(f"{played}: clean {exact:.3f}, stuttered {heard:.3f}, {other} {wrong:.3f}")
    assert heard > 0.9, (heard, wrong)
    assert wrong < heard - 0.1, (heard, wrong)


def test_the_stutter_defeats_a_whole_prompt_comparison(sounds: Path, tmp_path: Path) -> None:
    """What the segments are for: the stuttered recording's envelope at the prompt's best place
    as a whole is far from the prompt's."""
    rec = envelope(_write(tmp_path / "stuttered.wav", _stuttered(_read(_prompt(sounds, "silent_caller")))))
    pat = _loud_part(envelope(_prompt(sounds, "silent_caller")))
    whole = max(_corr(rec[i:i + len(pat)], pat) for i in range(len(rec) - len(pat) + 1))
    assert whole < 0.9, whole


def test_a_work_number_with_gaps_and_stutters_is_told_from_another(sounds: Path, tmp_path: Path) -> None:
    """8002's greeting, given as its files, is found with part-frame gaps between them (as Playback
    of a file list leaves them), stuttered or not, and scores higher than 8001's, which differs in
    one digit only: everything else of the two matches alike, so the comparison rests on that
    digit (and the margin is small: a digit is ~0.13 s of loudness)."""
    for gap in (0, 70):
        clean = _write(tmp_path / "clean.wav", _silence(8000) + _greeting(sounds, "8002", gap) + _silence(8000))
        stuttered = _write(tmp_path / "stuttered.wav", _stuttered(_greeting(sounds, "8002", gap)))
        for rec in (clean, stuttered):
            heard, _ = best_match(rec, _files(sounds, "8002"))
            other, _ = best_match(rec, _files(sounds, "8001"))
            print(f"work number, gaps of {gap}, {rec.stem}: 8002 {heard:.3f}, 8001 {other:.3f}")
            assert heard > 0.9 and heard > other, (gap, rec.stem, heard, other)
    exact, _ = best_match(_write(tmp_path / "exact.wav", _silence(8000) + _greeting(sounds, "8002") + _silence(8000)),
                          _files(sounds, "8002"))
    assert exact > 0.99, exact
