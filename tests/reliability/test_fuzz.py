"""Hostile AMI input: real captures mutated by hypothesis (byte flips, truncation, frames
duplicated and reordered, headers removed or replaced by nonsense, huge headers and frames) go
through the reader, the tracker and the call builder — called directly, so a builder exception is
not hidden by the pipeline's catch-all. Nothing may raise, hang, or hold more than MAX_FRAME."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ami_listener.builder import build_call
from ami_listener.jsonout import record_json
from ami_listener.reader import MAX_FRAME, SEP, FrameReader, parse, thin_fields
from ami_listener.record import CallRecord
from ami_listener.tracker import MAX_EVENTS_PER_CALL, CallTracker
from hotline.rules import RingRule
from tests.ami_listener.replay import CAPTURES

# the small captures: the large ones only repeat the same frames and would slow every example
NAMES = sorted(p.stem for p in CAPTURES.glob("*.ami") if p.stat().st_size < 200_000)
RAW = {name: (CAPTURES / f"{name}.ami").read_bytes() for name in NAMES}
NASTY = ["", " ", "nan", "inf", "-inf", "-1", "1e308", "0x10", "\x00", "\x00abc", "😀" * 3, "ä" * 5000,
         "Local/;2", "1.5.6", "<script>", "\\r\\n", "9" * 400, "-9999999999.999999"]

LIMIT = 12 * MAX_FRAME  # a mutated stream is cut here: enough for every oversize path
fuzz = settings(max_examples=60, deadline=timedelta(seconds=20), derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _mutate(data: bytes, ops: list[tuple[Any, ...]]) -> bytes:
    frames = data.split(SEP)
    for op in ops:
        kind, a, b, c = op
        n = len(frames)
        if n == 0:
            break
        i, j = a % n, b % n
        if kind == "flip":
            f = bytearray(frames[i])
            if f:
                f[b % len(f)] ^= (c % 255) + 1
            frames[i] = bytes(f)
        elif kind == "truncate_tail":
            frames = frames[: max(1, i)]
        elif kind == "truncate_head":
            frames = frames[i:]
        elif kind == "cut_inside":
            frames[i] = frames[i][: b % (len(frames[i]) + 1)]
        elif kind == "dup":
            lo, hi = min(i, j), max(i, j) + 1
            at = c % n
            frames[at:at] = frames[lo:hi][:200]
        elif kind == "swap":
            frames[i], frames[j] = frames[j], frames[i]
        elif kind == "drop_header":
            lines = frames[i].split(b"\r\n")
            if len(lines) > 1:
                del lines[b % len(lines)]
            frames[i] = b"\r\n".join(lines)
        elif kind == "nasty_value":
            lines = frames[i].split(b"\r\n")
            k = b % len(lines)
            key = lines[k].partition(b": ")[0]
            lines[k] = key + b": " + NASTY[c % len(NASTY)].encode("utf-8")
            frames[i] = b"\r\n".join(lines)
        elif kind == "huge_header":
            size = (MAX_FRAME // 4, MAX_FRAME + 1, 3 * MAX_FRAME)[c % 3]
            frames[i] = frames[i] + b"\r\nX-Huge: " + b"x" * size
        elif kind == "no_frame_end":
            # a peer that never ends its frame: bytes without a blank line
            frames[i] = frames[i] + b"\r\n" + b"y" * (MAX_FRAME + 17)
        elif kind == "crlf_to_lf":
            frames[i] = frames[i].replace(b"\r\n", b"\n")
        if sum(map(len, frames)) > LIMIT:
            break  # duplicated huge frames: the size, not the content, would be under test
    return SEP.join(frames)[:LIMIT]


ops = st.lists(st.tuples(
    st.sampled_from(["flip", "flip", "flip", "truncate_tail", "truncate_head", "cut_inside", "dup", "swap", "swap",
                     "drop_header", "drop_header", "nasty_value", "nasty_value", "huge_header", "no_frame_end",
                     "crlf_to_lf"]),
    st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=12)


def _run(data: bytes, chunk: int) -> list[CallRecord]:
    """reader → tracker → builder, asserting the reader's memory bound on the way."""
    records: list[CallRecord] = []
    rules = RingRule(1.0, 4)

    def build_finished() -> None:
        for call_id, events, gap in tracker.take():
            records.append(build_call(call_id, events, server="fuzz", rules=rules, members=tracker.members, gap=gap))

    tracker = CallTracker()
    reader = FrameReader()
    for at in range(0, len(data), chunk):
        for frame in reader.feed(data[at:at + chunk]):
            assert len(frame) <= MAX_FRAME
            # as Pipeline.feed_frames does (the live listener's path)
            fields = thin_fields(frame)
            if fields is None:
                tracker.feed(parse(frame, thin=False))
            else:
                tracker.feed_thin_fields(fields, frame)
            build_finished()
        # what the reader holds back is bounded whatever the peer sends
        assert len(reader.pending()) <= MAX_FRAME + chunk
    assert all(len(c.events) <= MAX_EVENTS_PER_CALL for c in tracker.open.values())
    tracker.flush()
    build_finished()
    return records


@pytest.mark.timeout(240)
@fuzz
@given(name=st.sampled_from(NAMES), mutations=ops, chunk=st.sampled_from([1, 13, 512, 4096, 65536, 1 << 21]))
def test_mutated_captures_never_crash_the_reader_or_builder(name: str, mutations: list, chunk: int) -> None:
    data = _mutate(RAW[name], mutations)
    if chunk == 1:
        data = data[:20_000]  # one byte per read is the slow path; its first frames are enough
    for rec in _run(data, chunk):
        assert isinstance(rec.call_id, str) and rec.call_id
        record_json(rec, "Asia/Shanghai")  # what replay --json and the store serialise


@pytest.mark.timeout(120)
@fuzz
@given(frame=st.binary(max_size=4096))
def test_any_bytes_parse_to_a_message(frame: bytes) -> None:
    msg = parse(frame)
    assert msg.kind in ("event", "response", "banner", "unknown")
    msg.full()
    fields = thin_fields(b"Event: VarSet\r\n" + frame)
    assert fields is None or (fields[0] == "VarSet" and (fields[2] is None or "\x00" not in fields[2]))


def test_unmutated_captures_still_build_whole_calls() -> None:
    """The harness itself: untouched captures give complete records (a fuzz run that silently
    built nothing would prove nothing)."""
    for name in NAMES:
        recs = _run(RAW[name], 4096)
        if b"\r\nTimestamp: " not in RAW[name]:
            # recorded from an Asterisk with timestampevents = no: no time known, so incomplete by design
            assert recs and all(r.vars.get("HOTLINE_SOURCE") == "untimed" for r in recs), name
            continue
        assert recs and any(not r.incomplete for r in recs), name


def test_a_peer_that_never_ends_a_frame_is_dropped_not_buffered() -> None:
    reader = FrameReader()
    for _ in range(6):  # 3 × ½ MAX_FRAME passes the bound: dropped twice
        assert reader.feed(b"z" * (MAX_FRAME // 2)) == []
        assert len(reader.pending()) <= MAX_FRAME
    assert reader.dropped >= 2
    # and the stream recovers at the next frame end
    got = reader.feed(b"\r\n\r\nEvent: Hangup\r\nLinkedid: x\r\n\r\n")
    assert got[-1].startswith(b"Event: Hangup")
