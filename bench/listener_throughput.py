"""Listener throughput on a large capture built from the real ones (issue 3's target).

    .venv/bin/python bench/listener_throughput.py [--events 200000]

Concatenates the real captures, renumbering every Uniqueid/Linkedid per copy and shifting
Timestamps so calls stay distinct and ordered, until there are at least --events events. Then,
on the same bytes, prints events/s for: asterisk-ami's own reader (the baseline, same run),
our reader alone, reader + call builder (and through the listener's inbox), reader + builder +
SQLite store; each as a ratio of the baseline. Memory: Python heap before/after and open calls left
(a per-call leak shows here).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ami_listener.inbox import Inbox
from ami_listener.pipeline import Pipeline
from ami_listener.reader import FrameReader, parse
from ami_listener.store import Store
from hotline.db import open_db
from hotline.settings import load

CAPTURES = Path(__file__).resolve().parent.parent / "tests" / "captures"
ID_HEADER = re.compile(rb"^(?:\w*Uniqueid|\w*Linkedid|\w*LinkedID|ChannelId): (\S+)\r$", re.M)
TS = re.compile(rb"^Timestamp: (\d+\.\d+)\r$", re.M)
CHUNK = 1 << 16


def big_capture(min_events: int, rounds: list[int] | None = None) -> tuple[bytes, int]:
    """The real captures, copied until there are min_events; ``rounds`` gets the byte offset
    where each full pass over the captures ends."""
    bodies = []
    for path in sorted(CAPTURES.glob("*.ami")):
        data = path.read_bytes()
        start = data.find(b"Event: ")
        bodies.append(data[start:])  # without banner and login response
    out, events, k, shift, size = [], 0, 0, 0.0, 0
    while events < min_events:
        for body in bodies:
            ids = set(ID_HEADER.findall(body))
            text = body
            for i in sorted(ids, key=len, reverse=True):
                text = text.replace(i, i + b"-" + str(k).encode())
            # the callback runs inside this sub(), but binding shift keeps it independent of the loop
            text = TS.sub(lambda m, offset=shift: b"Timestamp: %.6f\r" % (float(m.group(1)) + offset), text)
            out.append(text)
            size += len(text)
            events += text.count(b"\r\nEvent: ") + 1
            k += 1
            shift += 100.0
        if rounds is not None:
            rounds.append(size)
    return b"".join(out), events


def chunks(data: bytes):
    for i in range(0, len(data), CHUNK):
        yield data[i:i + CHUNK]


def run_asterisk_ami(data: bytes) -> int:
    """asterisk-ami's own reading: AMIClient._next_pack + fire_recv_pack (Event.read), fed from memory."""
    from asterisk.ami import AMIClient

    class FakeSocket:
        def __init__(self) -> None:
            self.it = chunks(data)

        def recv(self, n: int) -> bytes:
            return next(self.it, b"")

        def close(self) -> None:
            pass

    client = AMIClient()
    client._socket = FakeSocket()
    client.finished = threading.Event()
    count = [0]
    client.add_event_listener(lambda event, source: count.__setitem__(0, count[0] + 1))
    gen = client._next_pack()
    next(gen)  # the first line, as AMIClient.listen does with the banner
    for pack in gen:
        client.fire_recv_pack(pack)
    return count[0]


def run_reader(data: bytes) -> int:
    reader, n = FrameReader(), 0
    for chunk in chunks(data):
        for frame in reader.feed(chunk):
            parse(frame)
            n += 1
    return n


def run_pipeline(data: bytes, store: Store | None) -> tuple[int, Pipeline]:
    s = load(config_file=None, env={}, ring_cycle_s=1.0, server_id="bench")
    pipe = Pipeline(s, store)  # batches as the live listener makes them under load
    reader = FrameReader()
    for chunk in chunks(data):
        pipe.feed_frames(reader.feed(chunk))
    pipe.close()
    return pipe.counts["events"], pipe


def run_inbox(data: bytes) -> tuple[int, Pipeline]:
    """Reader → the listener's bounded inbox (``Listener.inbox``: its byte counting on the way in
    and out) → call builder; on one thread, so what is added to "reader + call builder" is the
    hand-off's own cost (the bound is never reached here)."""
    s = load(config_file=None, env={}, ring_cycle_s=1.0, server_id="bench")
    pipe, inbox, reader = Pipeline(s, None), Inbox(1 << 40), FrameReader()
    for chunk in chunks(data):
        inbox.put_read(reader.feed(chunk))
        frames = inbox.get(0)
        assert isinstance(frames, list)
        pipe.feed_frames(frames)
    pipe.close()
    return pipe.counts["events"], pipe


def timed(label: str, fn, baseline: float | None = None, repeat: int = 3):  # type: ignore[no-untyped-def]
    """Best of ``repeat`` runs in CPU seconds of this process: other work on the machine (the
    figures are taken on 2 shared cores) barely moves it, unlike wall-clock time."""
    best, result = None, None
    for _ in range(repeat):
        t0, w0 = time.process_time(), time.perf_counter()
        result = fn()
        cpu, wall = time.process_time() - t0, time.perf_counter() - w0
        if best is None or cpu < best[0]:
            best = (cpu, wall)
    n = result[0] if isinstance(result, tuple) else result
    rate = n / best[0]
    ratio = "" if baseline is None else f"  {rate / baseline:5.2f}× baseline"
    print(f"{label:40s} {n:7d} events  cpu {best[0]:6.2f} s (wall {best[1]:6.2f} s) {rate:8.0f} events/s{ratio}",
          flush=True)
    return rate, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=200_000)
    args = ap.parse_args()
    rounds: list[int] = []
    data, n = big_capture(args.events, rounds)
    print(f"capture: {len(data) / 1e6:.1f} MB, about {n} events from {len(list(CAPTURES.glob('*.ami')))} real captures")
    base, _ = timed("baseline: asterisk-ami reader (Event.read)", lambda: run_asterisk_ami(data))
    timed("our reader (framing + parse)", lambda: run_reader(data), base)
    _, (_, pipe) = timed("reader + call builder", lambda: run_pipeline(data, None), base)
    print(f"  calls built {pipe.counts['calls']}, open calls left {len(pipe.tracker.open)}")
    timed("reader + inbox hand-off + call builder", lambda: run_inbox(data), base)
    # memory: the Python heap after each pass over the captures (the same calls in flight at
    # each of those points, so flat = no per-call leak)
    tracemalloc.start()
    samples = []
    s = load(config_file=None, env={}, ring_cycle_s=1.0, server_id="bench")
    mem_pipe = Pipeline(s, None)
    reader = FrameReader()
    start = 0
    for end in rounds:
        mem_pipe.feed_frames(reader.feed(data[start:end]))
        start = end
        samples.append(tracemalloc.get_traced_memory()[0] / 1e6)
    mem_pipe.close()
    tracemalloc.stop()
    print(f"  heap MB after each of the {len(rounds)} passes: " + " ".join(f"{m:.1f}" for m in samples))
    with tempfile.TemporaryDirectory() as tmp:
        s = load(config_file=None, env={})
        # a fresh database each run (a second run would find every batch already stored), made
        # and migrated before the clock starts
        fresh = [open_db(s.replace(database_url=f"sqlite:///{Path(tmp) / f'bench-{i}.db'}"), upgrade=True)[1]
                 for i in range(3)]

        def stored() -> tuple[int, Pipeline]:
            return run_pipeline(data, Store(fresh.pop(), "bench"))

        timed("reader + builder + SQLite store", stored, base)


if __name__ == "__main__":
    main()
