"""The operator's recording is what the next real call hears (#18, R-ANS-GREET), with no restart of
Asterisk or the IVR: a call before the upload hears the synthesised greeting, the call after it
hears the uploaded tone; the dialplan's own Playback() (the late-answer apology's way) hears an
upload the same. The proof is the caller's side of the call, recorded by Asterisk (the originated
Local channel runs Record() on what the other side plays it)."""

from __future__ import annotations

import math
import uuid
import wave
from pathlib import Path

from hotline.pbx.ami import Ami
from hotline.prompt_library import library
from tests.hotline.prompt_library.audio_files import tone
from tests.ivr.conftest import IvrEnv
from tests.support.pbx import EventTap

TONE_HZ = 1000
HEARD_S = 2  # the first seconds of the call: the greeting


def _tone_share(path: Path, hz: int, start_s: float = 0.3, end_s: float = 1.5) -> float:
    """The part of the window's energy at hz (Goertzel): ~1 for a pure tone, small for speech."""
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        frames = w.readframes(w.getnframes())
    samples = [int.from_bytes(frames[i:i + 2], "little", signed=True) for i in range(0, len(frames), 2)]
    x = samples[int(start_s * rate):int(end_s * rate)]
    assert len(x) > rate // 2, f"the caller's recording is {len(samples) / rate:.2f} s long"
    coeff = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + coeff * s1 - s2, s1
    power = (s1 * s1 + s2 * s2 - coeff * s1 * s2) * 2 / len(x)
    total = sum(v * v for v in x) or 1
    return power / total


def _call_and_hear(env: IvrEnv, tap: EventTap, out: Path, channel: str | None = None,
                   variables: dict[str, str] | None = None) -> None:
    """A call into channel (the hotline number by default) whose caller records what it hears."""
    s = env.settings
    call_id = f"prompt-{uuid.uuid4().hex[:12]}"
    with Ami.from_settings(s) as ami:
        # q: no beep, k: keep the file when the other side hangs up first
        ami.action("Originate", variables=variables, Channel=channel or f"Local/{s.hotline_number}@from-pstn",
                   Application="Record", Data=f"{out.with_suffix('')}.wav,0,{HEARD_S},qk",
                   CallerID='"Prompt test" <13900000018>', Async="true", Timeout=30000, ChannelId=call_id,
                   OtherChannelId=call_id + "-2")
    tap.wait_call_gone(call_id, timeout=60)
    assert out.is_file(), f"Asterisk recorded nothing into {out}"


def test_the_next_call_hears_an_uploaded_prompt(ivr_env: IvrEnv, tmp_path: Path) -> None:
    s = ivr_env.settings
    db = ivr_env.sessions()
    changed: list[str] = []
    try:
        with EventTap(s) as tap:
            _call_and_hear(ivr_env, tap, tmp_path / "before.wav")
            assert _tone_share(tmp_path / "before.wav", TONE_HZ) < 0.2  # the synthesised voice

            changed.append("welcome")
            library.upload(db, s, "welcome", tone(tmp_path / "greeting.wav", seconds=2.5, freq=TONE_HZ), "root")
            _call_and_hear(ivr_env, tap, tmp_path / "after.wav")
            assert _tone_share(tmp_path / "after.wav", TONE_HZ) > 0.8  # the operator's recording, from this call on

            changed.append("late_apology")
            library.upload(db, s, "late_apology", tone(tmp_path / "sorry.wav", seconds=2.5, freq=TONE_HZ), "root")
            # the [play] context: Playback(${PLAY}), as [agents-phone] plays hotline/late_apology
            _call_and_hear(ivr_env, tap, tmp_path / "played.wav", "Local/s@play", {"PLAY": "hotline/late_apology"})
            assert _tone_share(tmp_path / "played.wav", TONE_HZ) > 0.8
    finally:
        for pid in changed:  # the session's other tests hear the built prompts again
            rows = library.history(db, pid)
            if rows:
                library.restore(db, s, pid, rows[-1].id, "test")
        db.close()
