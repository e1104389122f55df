"""The panel's and the scheduler's AMI sessions (hotline/pbx/ami.py) against a manager that does not
do what Asterisk usually does: here, one that never answers Logoff nor hangs up."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator

import pytest

from hotline.pbx.ami import Ami


@pytest.fixture
def mute_manager() -> Iterator[int]:
    """Greets, accepts the Login, then reads whatever comes and says nothing more, the connection
    kept open (a manager slow under load, or a proxy in between that holds it)."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def session(conn: socket.socket) -> None:
        conn.sendall(b"Asterisk Call Manager/5.0.4\r\n")
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += conn.recv(4096)
        action_id = re.search(rb"ActionID: (\S+)", buf)
        conn.sendall(b"Response: Success\r\n" + (b"ActionID: " + action_id.group(1) + b"\r\n" if action_id else b"")
                     + b"Message: Authentication accepted\r\n\r\n")
        try:
            while conn.recv(4096):
                pass  # the Logoff, unanswered
        except OSError:
            return

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            threading.Thread(target=session, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for conn in held:
        conn.close()


def test_closing_a_session_does_not_wait_for_the_manager(mute_manager: int) -> None:
    """A desk control's answer waited for the session's close; the client's disconnect closed its
    socket and joined its reader thread for the whole timeout, the reader blocked in a recv that a
    close does not wake (a control answered 10 s late, seen under a soak's load). The reader is
    gone once ``close`` returns; the timeout here is far longer than the wait allowed."""
    ami = Ami("127.0.0.1", mute_manager, "desk", "secret", timeout=30.0)
    ami.login()
    client = ami._client
    assert client is not None
    closing = threading.Thread(target=ami.close, daemon=True)
    closing.start()
    closing.join(10.0)
    assert not closing.is_alive(), "close() waited for the manager"
    assert not client._thread.is_alive()
