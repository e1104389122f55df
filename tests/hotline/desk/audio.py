"""Finding a prompt's audio inside a recording: the loudness envelopes (20 ms frames) of both are
compared at every offset; a normalised correlation near 1 means the prompt is there, whatever
silence the recording skipped (MixMonitor writes no frames while nothing is sent)."""

from __future__ import annotations

import math
import wave
from array import array
from pathlib import Path

FRAME_S = 0.02


def envelope(path: Path) -> list[float]:
    with wave.open(str(path)) as w:
        assert (w.getsampwidth(), w.getnchannels()) == (2, 1), path
        samples = array("h", w.readframes(w.getnframes()))
        n = int(w.getframerate() * FRAME_S)
    return [math.sqrt(sum(x * x for x in samples[i:i + n]) / n) for i in range(0, len(samples) - n + 1, n)]


def _corr(a: list[float], b: list[float]) -> float:
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    num = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    den = math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))
    return num / den if den else 0.0


def best_match(recording: Path, prompt: Path) -> tuple[float, float]:
    """(correlation, offset in seconds) of the prompt's best place in the recording."""
    rec, pat = envelope(recording), envelope(prompt)
    # leading / trailing silence of the prompt file is not part of what is compared
    loud = [i for i, v in enumerate(pat) if v > 0.05 * max(pat)]
    pat = pat[loud[0]:loud[-1] + 1]
    if len(rec) < len(pat):
        return 0.0, 0.0
    best = max((_corr(rec[i:i + len(pat)], pat), i) for i in range(len(rec) - len(pat) + 1))
    return best[0], best[1] * FRAME_S


def loud_seconds(recording: Path, threshold: float = 300.0) -> float:
    return sum(FRAME_S for v in envelope(recording) if v > threshold)
