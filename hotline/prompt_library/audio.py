"""Converting engine output to what Asterisk plays, and measuring a built file."""

from __future__ import annotations

import array
import math
import os
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

from hotline.prompt_library.manifest import FILE_MODE, shared_dir

RATE = 8000  # Asterisk's native narrowband: no transcoding when the call is 8 kHz
CHANNELS = 1
SAMPLE_BYTES = 2
FORMAT_TAG = "wav-8000-1-16-norm3"  # part of the cache key: a new output format re-renders everything


class AudioError(RuntimeError):
    pass


def to_asterisk_wav(src: Path, dst: Path) -> None:
    """Any audio sox reads (wav, mp3 with libsox-fmt-mp3) → 8 kHz mono 16-bit wav, written atomically
    so a running Asterisk never opens half a file."""
    shared_dir(dst.parent)
    tmp = dst.with_name(f".{dst.stem}.{os.getpid()}.tmp.wav")
    cmd = ["sox", "-q", str(src), "-r", str(RATE), "-c", str(CHANNELS), "-b", "16", "-e", "signed-integer",
           str(tmp), "gain", "-n", "-3"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError as exc:
        raise AudioError("sox is not installed (scripts/setup.sh installs it)") from exc
    except subprocess.TimeoutExpired as exc:
        raise AudioError(f"sox took too long converting {src}") from exc
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise AudioError(f"sox could not convert {src.name}: {proc.stderr.strip()}")
    tmp.chmod(FILE_MODE)  # whatever the umask: Asterisk may run as another user
    os.replace(tmp, dst)


@dataclass(frozen=True)
class WavInfo:
    rate: int
    channels: int
    sample_bytes: int
    seconds: float
    rms: float  # 0..1 of full scale


def wav_info(path: Path) -> WavInfo:
    with wave.open(str(path), "rb") as w:
        frames = w.readframes(w.getnframes())
        rate, channels, width, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
    rms = 0.0
    if width == 2 and frames:
        samples = array.array("h", frames)
        rms = math.sqrt(sum(x * x for x in samples) / len(samples)) / 32768.0
    return WavInfo(rate, channels, width, n / rate if rate else 0.0, rms)


def wav_seconds(path: Path) -> float:
    """A wav file's length from its header alone (the Prompts page lists every prompt's)."""
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate() if w.getframerate() else 0.0
