"""A call's recording in parts (hotline/recording_parts.py): found by the call's Linkedid beside
the part the record names, in the order the agents' legs were made."""

from __future__ import annotations

from pathlib import Path

from hotline.recording_parts import call_of, parts


def _touch(path: Path) -> Path:
    path.write_bytes(b"RIFF")
    return path


def test_parts_are_the_calls_files_in_the_order_their_legs_were_made(tmp_path: Path) -> None:
    # a Uniqueid is epoch.sequence: sequence 10 follows 9 within the same second
    first = _touch(tmp_path / "ivr-ab12-1700000000.9-8001.wav")
    second = _touch(tmp_path / "ivr-ab12-1700000000.10-8002.wav")
    _touch(tmp_path / "ivr-ab12-2-1700000000.11-8003.wav")  # another call's (Linkedid ivr-ab12-2)
    _touch(tmp_path / "ivr-ab12-notes.txt")
    found = parts("ivr-ab12", str(second))
    assert [(p.path, p.agent) for p in found] == [(first, "8001"), (second, "8002")]
    assert found[0].started is not None and found[0].started.timestamp() == 1700000000


def test_a_recording_of_before_7_december_and_a_foreign_one_are_one_part(tmp_path: Path) -> None:
    old = _touch(tmp_path / "1700000000.1-1700000000.2.wav")  # the first agent's leg alone, no agent named
    assert [(p.path, p.agent) for p in parts("1700000000.1", str(old))] == [(old, None)]
    foreign = _touch(tmp_path / "q-10000-13800000000-20231114-221320-1700000000.1.wav")  # a FreePBX's
    assert [p.path for p in parts("1700000000.1", str(foreign))] == [foreign]
    assert parts("1700000000.1", None) == []
    assert call_of(foreign.name) != "1700000000.1" and call_of(old.name) == "1700000000.1"
