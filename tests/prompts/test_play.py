"""Built prompts play in the real Asterisk in language zh (issue 4)."""

from __future__ import annotations

import uuid

import pytest

from hotline.pbx.process import Asterisk
from hotline.prompt_library.audio import wav_info
from tests.support.pbx import EventTap

pytestmark = pytest.mark.asterisk


def test_built_prompts_play_in_asterisk(pbx: Asterisk, built_prompts) -> None:
    s = pbx.settings
    sounds = ["hotline/welcome", "digits/7", "hotline/late_apology"]
    seconds = sum(wav_info(s.sounds_dir / f"{name}.wav").seconds for name in sounds)
    log_before = pbx.layout.messages.stat().st_size if pbx.layout.messages.exists() else 0
    with EventTap(s) as tap, pbx.ami() as ami:
        chan_id = f"play-{uuid.uuid4().hex[:12]}"
        # context `play` runs Playback(${PLAY}); `&` plays the files one after the other
        ami.originate("Local/s@play", application="Wait", data="30", channel_id=chan_id,
                      variables={"PLAY": "&".join(sounds), "CHANNEL(language)": "zh"})
        events = tap.wait_call_gone(chan_id, timeout=seconds + 20)
    player = [e for e in events if e.get("Channel", "").endswith(";2")]
    assert player and all(e.get("Language") == "zh" for e in player)
    status = [e for e in player if e.name == "VarSet" and e.get("Variable") == "PLAYBACKSTATUS"]
    assert [e.get("Value") for e in status] == ["SUCCESS"]
    started = next(e for e in player if e.name == "Newchannel").timestamp
    # Playback really ran through the files (a missing file fails at once)
    assert status[0].timestamp - started >= 0.9 * seconds
    with open(pbx.layout.messages, "rb") as fh:
        fh.seek(log_before)
        log = fh.read().decode("utf-8", "replace")
    for name in sounds:
        assert f"File {name} does not exist" not in log
        assert f"Unable to open {name}" not in log
