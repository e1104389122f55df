"""Finding a prompt's audio inside a recording of what the caller heard, by the loudness envelopes
(RMS of 20 ms frames) of both.

A recording is not the prompt file with silence around it: on a loaded machine frames come late
or are lost (MixMonitor writes no frames while nothing is sent, so a stutter shifts the rest of
the prompt by a few frames, or leaves silence in it), and a prompt of several files (a work
number: prefix, digits, suffix, one Playback) comes with small gaps between them, a part of a
frame to a few frames. So the prompt is first placed where its whole envelope correlates best;
then each of its frames is aligned to the recording within ``DRIFT_S`` of that place, the
alignment moving in jumps of at most ``STEP_S`` that cost ``JUMP`` (in units of one perfectly
matching frame: a jump must win back several frames, so a different prompt cannot be pieced
together from bits of the recording) — free up to ``FILE_GAP_S`` where a file of the list begins;
the score is the normalised correlation of the prompt's envelope with the recording's frames so
aligned: near 1 when the prompt is there even with frames lost or inserted, clearly lower when a
different prompt is. The recording's envelope is taken every ``HOP_S`` so that a gap of part of a
frame costs nothing. Two prompts that differ only in a short stretch (work numbers differing in
one digit) score close to each other: their comparison rests on that stretch alone."""

from __future__ import annotations

import math
import os
import shutil
import wave
from array import array
from collections import deque
from collections.abc import Sequence
from itertools import accumulate
from pathlib import Path

FRAME_S = 0.02
HOP_S = 0.005  # the recording's envelope is taken every 5 ms, FRAME_S long
DRIFT_S = 0.5  # how far from the whole prompt's best place a frame may be found
STEP_S = 0.2  # the longest stutter: one jump of the alignment
JUMP = 8.0  # what a jump costs, in perfectly matching frames
FILE_GAP_S = 0.06  # where a file of a list begins, a jump of up to this is free (Playback's gap)
SILENT = 0.05  # prompt frames below this share of its loudest are silence: not compared


def _samples(path: Path) -> tuple[array[int], int]:
    with wave.open(str(path)) as w:
        assert (w.getsampwidth(), w.getnchannels()) == (2, 1), path
        return array("h", w.readframes(w.getnframes())), w.getframerate()


def _rms(path: Path, hop_s: float) -> list[float]:
    """RMS of FRAME_S windows every ``hop_s``."""
    samples, rate = _samples(path)
    n, hop = int(rate * FRAME_S), int(rate * hop_s)
    energy = [0, *accumulate(x * x for x in samples)]
    return [math.sqrt((energy[i + n] - energy[i]) / n) for i in range(0, len(samples) - n + 1, hop)]


def envelope(path: Path) -> list[float]:
    """The loudness of each successive FRAME_S of the file."""
    return _rms(path, FRAME_S)


def _corr(a: list[float], b: list[float]) -> float:
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    num = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    den = math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))
    return num / den if den else 0.0


def _loud_part(pat: list[float]) -> list[float]:
    """The prompt without its leading and trailing silence (not part of what is compared)."""
    loud = [i for i, v in enumerate(pat) if v > SILENT * max(pat)]
    return pat[loud[0]:loud[-1] + 1] if loud else []


def _at(rec: list[float], start: int, sub: int, length: int) -> list[float]:
    """``length`` frames of the fine envelope ``rec`` from ``start``, one every ``sub`` entries
    (zeros outside it: a prompt cut by the recording's ends is not there)."""
    return [rec[i] if 0 <= i < len(rec) else 0.0 for i in range(start, start + sub * length, sub)]


def _standard(xs: list[float]) -> tuple[float, float]:
    mean = sum(xs) / len(xs)
    return mean, math.sqrt(sum((x - mean) ** 2 for x in xs) / len(xs)) or 1.0


def _window_best(score: list[float], reach: int) -> list[tuple[float, int]]:
    """(max, argmax) of score[d - reach : d + reach + 1] for every d (a sliding-window maximum)."""
    out: list[tuple[float, int]] = []
    q: deque[int] = deque()
    for i in range(len(score) + reach):
        if i < len(score):
            while q and score[q[-1]] <= score[i]:
                q.pop()
            q.append(i)
        if (c := i - reach) >= 0:
            while q[0] < c - reach:
                q.popleft()
            out.append((score[q[0]], q[0]))
    return out


def _moves(score: list[float], step: int, free: int) -> list[int]:
    """For each shift, the previous frame's shift it best comes from: the same, a jump of at most
    ``free`` at no cost (0 but where a prompt file begins) or one of at most ``step`` for JUMP."""
    far = _window_best(score, step)
    near = _window_best(score, free) if free else far
    came = []
    for d, ((f, fd), (n, nd)) in enumerate(zip(far, near, strict=True)):
        best, c = (n, nd) if free and n > score[d] else (score[d], d)
        came.append(fd if f - JUMP > best else c)
    return came


def _alignment(rec: list[float], pat: list[float], starts: set[int], whole: int, sub: int) -> list[float]:
    """The recording's frames matched to the prompt's, one per prompt frame (see the module): the
    path of shifts (fine entries, around ``whole + sub * j``) with the greatest sum of
    standardised products, less JUMP per jump (none up to FILE_GAP_S where a file begins)."""
    drift, step, gap = round(DRIFT_S / HOP_S), round(STEP_S / HOP_S), round(FILE_GAP_S / HOP_S)
    mp, sp = _standard(pat)
    mr, sr = _standard(_at(rec, whole, sub, len(pat)))

    def frame(j: int, d: int) -> float:
        i = whole + sub * j + d - drift
        return rec[i] if 0 <= i < len(rec) else 0.0

    def gain(j: int, d: int) -> float:
        return (pat[j] - mp) / sp * (frame(j, d) - mr) / sr

    shifts = range(2 * drift + 1)
    score = [gain(0, d) for d in shifts]
    back: list[list[int]] = []
    for j in range(1, len(pat)):
        came = _moves(score, step, gap if j in starts else 0)
        score = [score[c] - (JUMP if abs(c - d) > (gap if j in starts else 0) else 0.0) + gain(j, d)
                 for d, c in zip(shifts, came, strict=True)]
        back.append(came)
    d = max(shifts, key=score.__getitem__)
    path = [d]
    for came in reversed(back):
        d = came[d]
        path.append(d)
    return [frame(j, d) for j, d in enumerate(reversed(path))]


def _prompt(parts: Sequence[Path]) -> tuple[list[float], set[int]]:
    """The envelope of the prompt's files one after the other (each from its own first frame, as
    Playback of a file list sends them) without leading and trailing silence, and the frames
    where a file after the first begins."""
    pat: list[float] = []
    starts = []
    for part in parts:
        starts.append(len(pat))
        pat += envelope(part)
    loud = [i for i, v in enumerate(pat) if v > SILENT * max(pat, default=0.0)]
    if not loud:
        return [], set()
    return pat[loud[0]:loud[-1] + 1], {s - loud[0] for s in starts[1:] if loud[0] < s <= loud[-1]}


def _keep(recording: Path) -> None:
    """With HOTLINE_TEST_KEEP_AUDIO=<dir>, recordings are copied there (named by test and file) to
    look at after a failure: tmp_path goes with the session."""
    if keep := os.environ.get("HOTLINE_TEST_KEEP_AUDIO"):
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(recording, Path(keep) / f"{recording.parent.name}-{recording.name}")


def best_match(recording: Path, prompt: Path | Sequence[Path]) -> tuple[float, float]:
    """(score, offset in seconds) of the prompt's best place in the recording; see the module. A
    prompt of several files (a Playback of ``a&b&c``) is given as their list."""
    _keep(recording)
    rec = _rms(recording, HOP_S)
    pat, starts = _prompt([prompt] if isinstance(prompt, Path) else prompt)
    sub = round(FRAME_S / HOP_S)  # fine entries per prompt frame
    if not pat or len(rec) < sub * len(pat):
        return 0.0, 0.0
    # the whole prompt's best place first: where its frames are looked for
    whole = max((_corr(_at(rec, i, sub, len(pat)), pat), i) for i in range(len(rec) - sub * (len(pat) - 1)))[1]
    return _corr(_alignment(rec, pat, starts, whole, sub), pat), whole * HOP_S


def loud_seconds(recording: Path, threshold: float = 300.0) -> float:
    return sum(FRAME_S for v in envelope(recording) if v > threshold)
