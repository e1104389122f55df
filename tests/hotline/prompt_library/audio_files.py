"""Recordings for the prompt tests, made by sox (and ffmpeg for m4a) as an operator's would be."""

from __future__ import annotations

import subprocess
from pathlib import Path


def tone(path: Path, seconds: float = 2.0, freq: int = 1000, rate: int = 16000, channels: int = 2,
         lead_silence: float = 0.0) -> Path:
    """A sine tone (wav / mp3 / ogg by path's extension; m4a through ffmpeg), with silence before it."""
    target = path.with_suffix(".src.wav") if path.suffix == ".m4a" else path
    pad = ["pad", str(lead_silence), "0.5"] if lead_silence else []
    subprocess.run(["sox", "-q", "-n", "-r", str(rate), "-c", str(channels), str(target), "synth", str(seconds),
                    "sine", str(freq), "vol", "0.3", *pad], check=True)
    if target != path:
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(target), "-c:a", "aac", str(path)],
                       check=True)
    return path


def silence(path: Path, seconds: float = 3.0) -> Path:
    subprocess.run(["sox", "-q", "-n", "-r", "8000", "-c", "1", str(path), "trim", "0", str(seconds)], check=True)
    return path


def not_audio(path: Path) -> Path:
    path.write_text("this is a text file, renamed\n", encoding="utf-8")
    return path
