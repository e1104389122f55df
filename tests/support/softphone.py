"""Helpers for the browser softphone's tests: the fake microphone's tone, how much of a recording
is that tone, the Chromium flags for a fake microphone."""

from __future__ import annotations

import array
import math
import wave
from pathlib import Path

TONE_HZ = 1000.0

# Chromium's fake capture device plays a file instead of a microphone; permission is given per
# context (Playwright's grant_permissions), so a context without it is a refused microphone.
FAKE_MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
                   "--disable-features=WebRtcHideLocalIpsWithMdns"]


def write_tone(path: Path, hz: float = TONE_HZ, seconds: float = 5.0, rate: int = 16000) -> Path:
    samples = array.array("h", (int(12000 * math.sin(2 * math.pi * hz * i / rate))
                                for i in range(int(seconds * rate))))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path


def read_mono(path: Path) -> tuple[list[int], int]:
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2, "16-bit recordings expected"
        data = array.array("h", w.readframes(w.getnframes()))
        ch = w.getnchannels()
        return list(data[::ch]), w.getframerate()


def tone_share(samples: list[int], rate: int, hz: float = TONE_HZ) -> tuple[float, float]:
    """(RMS of the samples, the share of their energy at ``hz``) by the Goertzel algorithm."""
    n = len(samples)
    if n == 0:
        return 0.0, 0.0
    total = sum(x * x for x in samples)
    k = round(n * hz / rate)
    coeff = 2 * math.cos(2 * math.pi * k / n)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2  # |X(k)|^2
    # a pure tone of amplitude A has |X(k)|^2 = (A n / 2)^2 and sum x^2 = A^2 n / 2
    share = (2 * power / n) / total if total else 0.0
    return math.sqrt(total / n), share
