"""Local stand-ins (127.0.0.1 only) for Google's batchexecute endpoint that gTTS posts to."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PATH = "/_/TranslateWebserverUi/data/batchexecute"


def tone_mp3(path: Path, seconds: float = 1.2, freq: int = 440) -> bytes:
    """An mp3 gTTS would return; a pure tone, so a test can tell gTTS's audio from espeak's."""
    subprocess.run(["sox", "-n", "-r", "24000", "-c", "1", str(path), "synth", str(seconds), "sine", str(freq)],
                   check=True, capture_output=True)
    return path.read_bytes()


class _Server(ThreadingHTTPServer):
    # listen()'s backlog: http.server's 5 refused a connection once on a loaded machine (the suite
    # beside a soak), and that prompt went to espeak
    request_queue_size = 128


class FakeBatchExecute:
    """Answers the way translate.google.com's batchexecute does: an anti-XSSI prefix, then a
    line with ["wrb.fr","jQ1olc","[\\"<base64 mp3>\\"]",...] which gTTS's regex extracts."""

    def __init__(self, mp3: bytes):
        self.mp3 = mp3
        self.requests: list[tuple[str, str]] = []  # (text, lang) as gTTS sent them
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                freq = urllib.parse.parse_qs(body)["f.req"][0]
                rpc = json.loads(freq)[0][0]
                text, lang = json.loads(rpc[1])[:2]
                outer.requests.append((text, lang))
                inner = json.dumps([base64.b64encode(outer.mp3).decode()])
                line = json.dumps([["wrb.fr", rpc[0], inner, None, None, None, "generic"]], separators=(",", ":"))
                payload = f")]}}'\n\n{len(line)}\n{line}\n".encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                """Silent: http.server would print every request to stderr."""

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{PATH}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeBatchExecute:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Blackhole:
    """Accepts connections and never answers: what made gTTS (timeout=None) hang forever."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}{PATH}"
        self.accepted: list[socket.socket] = []
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted.append(conn)

    def __enter__(self) -> Blackhole:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._thread.join()
        for c in self.accepted:
            c.close()
        self.sock.close()


def closed_port_url() -> str:
    """An endpoint where nothing listens: connection refused at once (like DNS failing here)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{PATH}"
