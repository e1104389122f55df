"""A fake Asterisk manager for the listener's tests that need what the private Asterisk never does
(no Timestamp headers, a stream faster than the worker): it accepts connections, greets, reads
the first action, and hands each session to :meth:`FakeAmiPeer.serve`. What it sends are real
captures' events (:func:`capture_events`), never hand-typed frames."""

from __future__ import annotations

import socket
import threading

from tests.ami_listener.replay import CAPTURES

LOGIN_OK = b"Response: Success\r\nMessage: Authentication accepted\r\n\r\n"


def capture_events(*names: str) -> bytes:
    """The events of the captures ``names`` (tests/captures/<name>.ami), one after the other."""
    out = []
    for name in names:
        data = (CAPTURES / f"{name}.ami").read_bytes()
        out += [f + b"\r\n\r\n" for f in data.split(b"\r\n\r\n") if f.startswith(b"Event: ")]
    return b"".join(out)


class FakeAmiPeer:
    """Listens on a free port; session ``n`` (1, 2, …) is greeted, its first action read, then
    served by :meth:`serve` in a thread of its own."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sessions = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def serve(self, conn: socket.socket, n: int, action: bytes) -> None:
        raise NotImplementedError

    def ended(self, n: int) -> None:
        """Session ``n`` is over (its client closed it, or :meth:`serve` returned)."""

    def close(self) -> None:
        self.sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.sessions += 1
            threading.Thread(target=self._session, args=(conn, self.sessions), daemon=True).start()

    def _session(self, conn: socket.socket, n: int) -> None:
        with conn:
            try:
                conn.sendall(b"Asterisk Call Manager/5.0.4\r\n")
                buf = b""
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(4096)
                    if not data:
                        return
                    buf += data
                self.serve(conn, n, buf)
            except OSError:
                return  # the listener closed the connection (or reset it): the session is over
            finally:
                self.ended(n)

    @staticmethod
    def drain(conn: socket.socket) -> None:
        """Reads the client's Pings until it goes."""
        while conn.recv(4096):
            continue
