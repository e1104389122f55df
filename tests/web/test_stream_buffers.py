"""An open event stream's output buffer in waitress stays under ``web.cli.STREAM_OUTBUF_BYTES``
(#17): with waitress's defaults, once one write does not fit its 8 KB string buffer (a wallboard's
event) the connection keeps every byte written after it, sent or not, up to 16 MB per stream."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import waitress

from hotline.settings import load
from web.cli import STREAM_OUTBUF_BYTES, held_output_bytes, waitress_options

EVENT = b"data: " + b"x" * 9000 + b"\n\n"  # larger than waitress's 8 KB string buffer
EVENTS = 300  # ~2.7 MB through one response, 10x the mark


def _stream_through(options: dict[str, Any]) -> int:
    """Serves one stream of EVENTS, reads it all from a socket, and returns what the server still
    holds for that open connection (the stream waits, open, until then)."""
    written, hold = threading.Event(), threading.Event()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/event-stream")])
        for _ in range(EVENTS):
            yield EVENT
        written.set()
        hold.wait(60)  # the stream stays open, as a desk's or a wallboard's does

    server = waitress.create_server(app, **options)
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    try:
        with socket.create_connection(("127.0.0.1", server.effective_port), timeout=60) as sock:
            sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            got, deadline = 0, time.monotonic() + 60
            while got < EVENTS * len(EVENT):  # the body's bytes (chunked: a little more)
                assert time.monotonic() < deadline, f"read {got} bytes"
                got += len(sock.recv(1 << 16))
            assert written.wait(60)
            deadline = time.monotonic() + 30
            while any(getattr(ch, "total_outbufs_len", 0) for ch in list(server._map.values())):
                assert time.monotonic() < deadline, "not everything was sent"
                time.sleep(0.01)
            held = held_output_bytes(server)
            hold.set()
            return held
    finally:
        hold.set()
        server.task_dispatcher.shutdown()
        server.close()


def _options(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    s = load(config_file=None, env={}, runtime_dir=tmp_path / "var")
    return {**waitress_options(s), "host": "127.0.0.1", "port": 0, "threads": 2, **overrides}


def test_an_open_stream_holds_at_most_the_mark(tmp_path: Path) -> None:
    opts = _options(tmp_path)
    assert opts["outbuf_high_watermark"] == STREAM_OUTBUF_BYTES
    held = _stream_through(opts)
    assert held <= STREAM_OUTBUF_BYTES + 2 * len(EVENT), held
    # the panel may hold this for every open desk and wallboard: 60 streams ≤ ~3 MB (at a 256 KB mark
    # ~300 KB each: 18 MB)
    assert held <= 48 * 1024, held


def test_without_the_mark_the_stream_keeps_what_it_sent(tmp_path: Path) -> None:
    # what the mark is for: waitress's default (16 MB) keeps the whole stream written so far
    opts = _options(tmp_path)
    del opts["outbuf_high_watermark"]
    assert _stream_through(opts) >= (EVENTS - 2) * len(EVENT)
