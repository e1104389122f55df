"""`hotline prompts upload|text|revert|history|restore` (#18): the command a scripted deployment
runs, as a process of its own (umask 077 like every area): the audio it writes is world-readable
for Asterisk, the database stays private, a refused file says why and exits 1."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from hotline.settings import ROOT
from tests.hotline.prompt_library.audio_files import not_audio, tone


def hotline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hotline", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_upload_text_revert_history_restore(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOTLINE_RUNTIME_DIR": str(var), "HOTLINE_PROMPTS_ENGINE": "espeak",
           "HOTLINE_ESPEAK_SPEED_WPM": "260", "HOTLINE_PROMPT_UPLOAD_MAX_S": "10"}
    assert hotline(env, "db", "upgrade").returncode == 0
    wav = var / "sounds" / "zh" / "hotline" / "welcome.wav"

    r = hotline(env, "prompts", "upload", "welcome", str(tone(tmp_path / "greeting.ogg")))
    assert r.returncode == 0, r.stderr
    assert " upload greeting.ogg " in r.stdout and " recording " in r.stdout
    assert stat.S_IMODE(wav.stat().st_mode) == 0o644 and stat.S_IMODE(wav.parent.stat().st_mode) == 0o755
    assert stat.S_IMODE((var / "hotline.db").stat().st_mode) == 0o600  # personal data stays private

    r = hotline(env, "prompts", "upload", "welcome", str(not_audio(tmp_path / "fake.wav")))
    assert r.returncode == 1
    assert "hotline prompts upload: fake.wav is not an audio file that can be read" in r.stderr

    assert hotline(env, "prompts", "text", "welcome", "您好,这里是{company}。").returncode == 0
    listed = hotline(env, "prompts", "list").stdout.splitlines()
    assert any(x.startswith("hotline/welcome ") and x.endswith("(recording does not say this text)") for x in listed)
    r = hotline(env, "prompts", "revert", "welcome")
    assert r.returncode == 0, r.stderr
    assert " revert " in r.stdout and " espeak " in r.stdout

    r = hotline(env, "prompts", "history", "welcome")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("hotline/welcome: now espeak")
    actions = [x.split()[4] for x in lines[1:]]
    assert actions == ["revert", "text", "upload"], r.stdout
    upload_version = lines[3].split()[0]
    r = hotline(env, "prompts", "restore", "welcome", upload_version)
    assert r.returncode == 0 and f" restore of {upload_version} " in r.stdout, r.stderr
    r = hotline(env, "prompts", "revert", "nope")
    assert r.returncode == 1 and "hotline prompts revert: no prompt 'nope' in the catalogue" in r.stderr
