"""A recording becomes a prompt (#18): converted to what Asterisk plays here (8 kHz mono 16-bit
wav), its silence trimmed, its loudness that of the synthesised prompts; a file that is not
audio, too long or silent is refused with a message saying so, and nothing is written."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from hotline.prompt_library.audio import wav_info
from hotline.prompt_library.recording import TARGET_RMS_DB, RecordingError, convert
from tests.hotline.prompt_library.audio_files import not_audio, silence, tone


@pytest.mark.parametrize("ext", ["wav", "mp3", "ogg", "m4a"])
def test_a_tone_in_every_accepted_format_becomes_an_asterisk_wav(tmp_path: Path, ext: str) -> None:
    src = tone(tmp_path / f"tone.{ext}", seconds=2.0, lead_silence=1.0)
    dst = tmp_path / "out.wav"
    got = convert(src, dst, max_seconds=60)
    info = wav_info(dst)
    assert (info.rate, info.channels, info.sample_bytes) == (8000, 1, 2)
    # the second of silence before the tone (and the pad after it) is trimmed
    assert got.source_seconds > 3.0
    assert 1.9 <= info.seconds <= 2.15, info.seconds
    assert abs(20 * math.log10(info.rms) - TARGET_RMS_DB) < 1.5  # levelled like the spoken prompts


def test_a_text_file_named_wav_is_refused(tmp_path: Path) -> None:
    dst = tmp_path / "out.wav"
    with pytest.raises(RecordingError) as err:
        convert(not_audio(tmp_path / "greeting.wav"), dst, max_seconds=60)
    assert err.value.kind == "not_audio"
    assert str(err.value) == "greeting.wav is not an audio file that can be read (wav, mp3, m4a, ogg are accepted)"
    assert not dst.exists()


def test_a_recording_longer_than_the_setting_is_refused(tmp_path: Path) -> None:
    dst = tmp_path / "out.wav"
    with pytest.raises(RecordingError) as err:
        convert(tone(tmp_path / "long.wav", seconds=8.0), dst, max_seconds=5)
    assert err.value.kind == "too_long"
    assert "long.wav is 8.0 s long (without its silence); a prompt may be at most 5 s" == str(err.value)
    assert not dst.exists()


def test_a_silent_recording_is_refused(tmp_path: Path) -> None:
    dst = tmp_path / "out.wav"
    with pytest.raises(RecordingError) as err:
        convert(silence(tmp_path / "quiet.wav"), dst, max_seconds=60)
    assert err.value.kind == "silent"
    assert str(err.value) == "quiet.wav is silent: nothing louder than about -40 dB in it"
    assert not dst.exists()
