"""An operator's recorded prompt → what Asterisk plays: checked, converted, trimmed, levelled.

Asterisk here plays prompts as 8 kHz mono 16-bit wav (the format the synthesised prompts are
built in, hotline.prompt_library.audio): a recording is brought to the same format, the silence
before and after the voice trimmed, and its loudness (RMS) set to that of the synthesised
prompts, so a caller hears no jump in level between the operator's voice and the engine's. sox
reads wav, mp3 (libsox-fmt-mp3) and ogg; m4a (AAC) is decoded by ffmpeg first, which
scripts/install-system.sh installs for that alone.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hotline.prompt_library.audio import CHANNELS, RATE, wav_info

ACCEPTED = ("wav", "mp3", "m4a", "ogg")
TARGET_RMS_DB = -20.0  # the synthesised prompts' level (espeak-ng at -3 dB peak: about -21 dB RMS)
SILENCE_RMS_DB = -50.0  # below this over the whole kept part, nobody would hear it
TRIM_THRESHOLD = "1%"  # about -40 dBFS: what is quieter at either end is silence
MIN_SECONDS = 0.3  # less than this left after trimming is no prompt
TOOL_TIMEOUT_S = 120


class RecordingError(ValueError):
    """A file that cannot become a prompt; the message says why, for the person who uploaded it.
    ``kind`` and ``params`` let the panel say it in the page's language."""

    def __init__(self, message: str, kind: str = "other", **params: object):
        super().__init__(message)
        self.kind, self.params = kind, params


@dataclass(frozen=True)
class Converted:
    seconds: float  # what plays, after trimming
    source_seconds: float  # the file as uploaded
    gain_db: float  # what the levelling added (negative: made quieter)


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    except FileNotFoundError as exc:
        raise RecordingError(f"{cmd[0]} is not installed (scripts/setup.sh installs it)") from exc
    except subprocess.TimeoutExpired as exc:
        raise RecordingError(f"{cmd[0]} took more than {TOOL_TIMEOUT_S} s on this file") from exc


def _decode(src: Path, work: Path, name: str) -> Path:
    """src as a plain 8 kHz mono wav: by sox when it reads the file, else by ffmpeg (m4a)."""
    out = work / "decoded.wav"
    sox = _run(["sox", "-q", str(src), "-r", str(RATE), "-c", str(CHANNELS), "-b", "16",
                "-e", "signed-integer", str(out)])
    if sox.returncode == 0:
        return out
    if shutil.which("ffmpeg"):
        ff = _run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), "-vn", "-ac", str(CHANNELS),
                   "-ar", str(RATE), "-c:a", "pcm_s16le", "-f", "wav", str(out)])
        if ff.returncode == 0 and out.is_file():
            return out
    raise RecordingError(f"{name} is not an audio file that can be read "
                         f"({', '.join(ACCEPTED)} are accepted)", "not_audio", name=name)


def _trim(src: Path, work: Path) -> Path:
    """The silence before the first and after the last sound removed."""
    out = work / "trimmed.wav"
    proc = _run(["sox", "-q", str(src), str(out), "silence", "1", "0.05", TRIM_THRESHOLD,
                 "reverse", "silence", "1", "0.05", TRIM_THRESHOLD, "reverse"])
    if proc.returncode != 0:
        raise RecordingError(f"sox could not trim the recording: {proc.stderr.strip()}")
    return out


def _db(rms: float) -> float:
    return 20 * math.log10(rms) if rms > 0 else -200.0


def convert(src: Path, dst: Path, max_seconds: float, name: str | None = None) -> Converted:
    """src (wav / mp3 / m4a / ogg, as uploaded) → dst, 8 kHz mono 16-bit wav, trimmed and levelled.
    Raises RecordingError — with dst untouched — for a file that is not audio, longer than
    max_seconds once trimmed, or silent."""
    name = name or src.name
    with tempfile.TemporaryDirectory(prefix="hotline-recording-") as tmp:
        work = Path(tmp)
        decoded = _decode(src, work, name)
        source_seconds = wav_info(decoded).seconds
        trimmed = _trim(decoded, work)
        info = wav_info(trimmed)
        if info.seconds < MIN_SECONDS or _db(info.rms) < SILENCE_RMS_DB:
            raise RecordingError(f"{name} is silent: nothing louder than about -40 dB in it", "silent", name=name)
        if info.seconds > max_seconds:
            raise RecordingError(f"{name} is {info.seconds:.1f} s long (without its silence); "
                                 f"a prompt may be at most {max_seconds:g} s", "too_long", name=name,
                                 seconds=f"{info.seconds:.1f}", max=f"{max_seconds:g}")
        gain = TARGET_RMS_DB - _db(info.rms)
        levelled = work / "levelled.wav"
        # -l: a limiter, so raising a quiet voice never clips its peaks
        proc = _run(["sox", "-q", str(trimmed), "-b", "16", str(levelled), "gain", "-l", f"{gain:.2f}"])
        if proc.returncode != 0:
            raise RecordingError(f"sox could not level the recording: {proc.stderr.strip()}")
        shutil.copyfile(levelled, dst)
    return Converted(info.seconds, source_seconds, gain)
