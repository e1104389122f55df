"""``hotline listener listen|capture|replay|rebuild|reimport|simulate``: the AMI listener's verbs."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from hotline.settings import Settings

if TYPE_CHECKING:
    from ami_listener.record import CallRecord


def register(sub: argparse._SubParsersAction) -> None:
    area = sub.add_parser("listener", help="the AMI listener: one record per call, captures, replays, demo calls")
    verbs = area.add_subparsers(dest="listener_command", metavar="ACTION", required=True)
    p = verbs.add_parser("capture", help="write the raw AMI byte stream to a file (for test fixtures)")
    p.add_argument("out", type=Path)
    p.add_argument("--seconds", type=float, help="stop after this long (default: until Ctrl-C)")
    p.set_defaults(func=_capture)

    p = verbs.add_parser("listen", help="read AMI live and keep one record per call")
    p.set_defaults(func=_listen)

    p = verbs.add_parser("replay", help="feed AMI captures through the listener's reader/builder/store")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--json", action="store_true", help="print one JSON object per call, sorted by started_at")
    p.add_argument("--no-store", action="store_true", help="do not write to the database")
    p.set_defaults(func=_replay)

    p = verbs.add_parser("rebuild", help="rebuild the call records of a time window from the stored events")
    p.add_argument("--since", required=True, help="ISO date/time (UTC unless it has an offset)")
    p.add_argument("--until", required=True)
    p.set_defaults(func=_rebuild)

    p = verbs.add_parser("reimport",
                         help="write again the batches the database refused (kept in the journal's .rejected)")
    p.set_defaults(func=_reimport)

    p = verbs.add_parser("simulate", help="originate realistic demo/test calls into the private Asterisk")
    p.add_argument("--calls", type=int, default=20)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--seed", type=int)
    p.add_argument("--fault-every", type=int, default=4,
                   help="every so many calls, one reports a fault by keypad to the end (0: none)")
    p.set_defaults(func=_simulate)


def _wait_for_signal(seconds: float | None) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait(seconds)
    except KeyboardInterrupt:
        pass


def _capture(s: Settings, args: argparse.Namespace) -> int:
    from ami_listener.connection import AmiConnection
    from hotline.pbx.ami import AmiRole, ami_login

    with open(args.out, "wb") as fh:

        def keep(data: bytes) -> None:
            fh.write(data)

        conn = AmiConnection(s.ami_host, s.ami_port, *ami_login(s, AmiRole.LISTENER), on_bytes=keep)
        conn.start()
        if not conn.connected.wait(10):
            print(f"hotline listener capture: cannot log in to AMI at {s.ami_host}:{s.ami_port}", file=sys.stderr)
            conn.stop()
            return 1
        print(f"capturing AMI from {s.ami_host}:{s.ami_port} into {args.out} (Ctrl-C stops)", file=sys.stderr)
        _wait_for_signal(args.seconds)
        conn.stop()
    return 0


def _listen(s: Settings, args: argparse.Namespace) -> int:
    from ami_listener.listen import Listener
    from hotline import service_memory

    service_memory.start("listener", s)  # before any thread: the arena cap counts only then (#17)
    listener = Listener(s).start()
    print(f"listening to AMI {s.ami_host}:{s.ami_port} as server {s.server_id!r}, storing into {s.db_url}",
          file=sys.stderr, flush=True)
    _wait_for_signal(None)
    listener.stop()
    return 0


def _replay(s: Settings, args: argparse.Namespace) -> int:
    from ami_listener.jsonout import record_json
    from ami_listener.pipeline import Pipeline
    from ami_listener.store import Store
    from hotline.db import open_db

    store = None
    if not args.no_store:
        _, sessions = open_db(s)
        store = Store(sessions, s.server_id)
    records: list[CallRecord] = []
    pipe = Pipeline(s, store, on_call=records.append)
    missing = [p for p in args.files if not p.exists()]
    if missing:
        print(f"hotline listener replay: no such file {missing[0]}", file=sys.stderr)
        return 2
    for frames in joined_frames([str(p) for p in args.files]):
        pipe.feed_frames(frames)
    pipe.close()
    if args.json:
        records.sort(key=lambda r: (r.started_at is None, r.started_at or 0.0, r.call_id))
        for rec in records:
            print(json.dumps(record_json(rec, s.timezone), ensure_ascii=False))
    _say_untimed(records)
    print(f"replayed {pipe.counts['events']} events: {pipe.counts['calls']} calls"
          + (f", {pipe.counts['errors']} errors (see log)" if pipe.counts["errors"] else ""), file=sys.stderr)
    return 0


def _say_untimed(records: list[CallRecord]) -> None:
    """Loud, once: calls replayed from events without a Timestamp header (a capture of an Asterisk
    with timestampevents = no) have no times; their records say so (builder.UNTIMED)."""
    from ami_listener.builder import UNTIMED
    from hotline.chanvars import ChanVar

    n = sum(1 for r in records if r.vars.get(ChanVar.SOURCE.value) == UNTIMED)
    if n:
        print(f"hotline listener replay: ERROR: {n} calls came from events without a Timestamp header (recorded "
              "from an Asterisk with timestampevents = no): their times and durations are unknown, the records "
              f"are marked incomplete with vars.HOTLINE_SOURCE = {UNTIMED!r}. Fix for the next recordings: "
              "`timestampevents = yes` in the [general] section of manager.conf, then "
              "`asterisk -rx 'manager reload'`", file=sys.stderr)


def joined_frames(paths: list[str]) -> Iterator[list[bytes]]:
    """The frames of captures given together, as one stream: each later file's opening banner is
    where the recording was split, not a reconnect, so it is left out (a banner inside a file still
    marks a gap)."""
    from ami_listener.reader import BANNER, file_chunks, read_frames

    for i, path in enumerate(paths):
        opening = i > 0
        for frames in read_frames(file_chunks(path)):
            if opening:
                opening = False
                frames = frames[1:] if frames[0].startswith(BANNER) else frames
            yield frames


def _parse_when(text: str) -> datetime:
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _rebuild(s: Settings, args: argparse.Namespace) -> int:
    from ami_listener.rebuild import rebuild

    n = rebuild(s, _parse_when(args.since), _parse_when(args.until))
    print(f"rebuilt {n} calls", file=sys.stderr)
    return 0


def _reimport(s: Settings, args: argparse.Namespace) -> int:
    from ami_listener.listen import journal_of
    from ami_listener.store import Store
    from hotline.db import open_db

    journal = journal_of(s)
    _, sessions = open_db(s)
    written, refused = journal.reimport(Store(sessions, s.server_id))
    print(f"reimported {written} batches from {journal.rejected_path}"
          + (f"; {refused} still refused, left there (see the log)" if refused else ""), file=sys.stderr)
    return 1 if refused else 0


def _simulate(s: Settings, args: argparse.Namespace) -> int:
    from ami_listener.simulate import simulate

    t0 = time.monotonic()
    outcomes = simulate(s, calls=args.calls, concurrency=args.concurrency, seed=args.seed,
                        fault_every=args.fault_every)
    print(f"simulated {len(outcomes)} calls in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    return 0
