"""`hotline listener replay a.ami b.ami …`: captures given together replay as one stream."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from pathlib import Path

from ami_listener.cli import joined_frames
from ami_listener.pipeline import Pipeline
from ami_listener.record import CallRecord
from tests.ami_listener.replay import CAPTURES, replay_frames, replay_settings


def _replay(paths: list[Path]) -> dict[str, CallRecord]:
    records: dict[str, CallRecord] = {}
    pipe = Pipeline(replay_settings(), None, on_call=lambda r: records.__setitem__(r.call_id, r))
    for frames in joined_frames([str(p) for p in paths]):
        pipe.feed_frames(frames)
    pipe.close()
    return records


def test_a_recording_split_in_two_files_replays_as_the_whole(tmp_path: Path) -> None:
    data = (CAPTURES / "quick_answer.ami").read_bytes()
    banner, _, rest = data.partition(b"\r\n")
    cut = rest.index(b"Event: DialEnd")  # in the middle of the call
    a, b = tmp_path / "a.ami", tmp_path / "b.ami"
    a.write_bytes(banner + b"\r\n" + rest[:cut])
    b.write_bytes(banner + b"\r\n" + rest[cut:])  # the second file of a split recording opens with the banner
    whole = replay_frames(data)
    assert _replay([a, b]) == whole
    assert not next(iter(whole.values())).incomplete


def test_a_reconnect_inside_a_file_is_still_a_gap(tmp_path: Path) -> None:
    data = (CAPTURES / "quick_answer.ami").read_bytes()
    banner, _, rest = data.partition(b"\r\n")
    cut = rest.index(b"Event: DialEnd")
    one = tmp_path / "one.ami"
    one.write_bytes(banner + b"\r\n" + rest[:cut] + banner + b"\r\n" + rest[cut:])
    assert all(r.incomplete for r in _replay([one]).values())


def test_separate_recordings_together() -> None:
    names = ["quick_answer", "foreign_pjsip_busy"]
    together = _replay([CAPTURES / f"{n}.ami" for n in names])
    apart = {k: v for n in names for k, v in replay_frames((CAPTURES / f"{n}.ami").read_bytes()).items()}
    assert together == apart


def test_replaying_a_capture_without_timestamps_says_so(tmp_path: Path) -> None:
    """A capture of an Asterisk with timestampevents = no (issue #12): the records come out with no
    time claimed, and the command says why, loudly, once."""
    from ami_listener.cli import _replay
    from hotline.settings import load

    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(files=[CAPTURES / "foreign_untimed_answered.ami", CAPTURES / "quick_answer.ami"],
                              json=True, no_store=True)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert _replay(load(config_file=None, env={}, runtime_dir=tmp_path), args) == 0
    records = {r["dialed"]: r for r in map(json.loads, out.getvalue().splitlines())}
    assert records["500"]["vars"] == {"HOTLINE_SOURCE": "untimed"} and records["500"]["ring_seconds"] is None
    assert "HOTLINE_SOURCE" not in records["10000"]["vars"] and records["10000"]["ring_seconds"] is not None
    said = [line for line in err.getvalue().splitlines() if "timestampevents = yes" in line]
    assert len(said) == 1 and said[0].startswith("hotline listener replay: ERROR: 1 calls")
