"""The soaks' desk stream reader (bench/desk_pop_fleet.StreamDesk) opens the stream again when the
panel ends it, as the page's EventSource does: the panel ends every desk stream after an hour
(web/desk/state.MAX_STREAM_S), and the soaks' 60 desks went quiet after their first hour."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.desk_pop_fleet import StreamDesk


class _Panel(BaseHTTPRequestHandler):
    """A login page and a desk stream that sends one event, then ends."""

    def do_GET(self) -> None:
        if self.path == "/login":
            body = b'<input name="csrf_token" value="t">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b'retry: 1000\n\ndata: {"now": 1, "live": {}}\n\n')
        self.close_connection = True

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(302)
        self.send_header("Location", "/desk")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        """Quiet: the test's output is the reader's."""


def test_a_stream_the_panel_ends_is_opened_again() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Panel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    desk = StreamDesk(f"http://127.0.0.1:{server.server_port}", "8001").start()
    try:
        deadline = time.monotonic() + 20
        while desk.updates < 3 and not desk.error and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        desk.stop()
        server.shutdown()
    assert desk.error == ""
    assert desk.updates >= 3 and desk.reconnects >= 2
