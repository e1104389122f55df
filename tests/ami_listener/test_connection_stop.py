"""The AMI connection's log: a connection its owner stopped (a finished demo, a listener's
Ctrl-C) ends without a warning; one the Asterisk side closed is still warned about."""

from __future__ import annotations

import logging
import socket

import pytest

from ami_listener.connection import AmiConnection
from tests.ami_listener.fake_ami import LOGIN_OK, FakeAmiPeer


class _Peer(FakeAmiPeer):
    def __init__(self, hang_up: bool) -> None:
        super().__init__()
        self.hang_up = hang_up

    def serve(self, conn: socket.socket, n: int, action: bytes) -> None:
        conn.sendall(LOGIN_OK)
        if not self.hang_up:
            self.drain(conn)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "ami_listener.connection"
            and r.levelno >= logging.WARNING]


@pytest.mark.parametrize("hang_up", [False, True])
def test_a_stopped_connection_is_no_warning(hang_up: bool, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ami_listener.connection")
    peer = _Peer(hang_up)
    conn = AmiConnection("127.0.0.1", peer.port, "u", "s", ping_interval=60).start()
    try:
        assert conn.connected.wait(5) or hang_up
        if hang_up:  # Asterisk closed it: said, and the reader tries again
            for _ in range(50):
                if _warnings(caplog):
                    break
                conn._stop.wait(0.1)
            assert any("AMI closed the connection" in w for w in _warnings(caplog))
    finally:
        conn.stop()
        peer.close()
    if not hang_up:
        assert _warnings(caplog) == []
