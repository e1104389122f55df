"""Free loopback ports, so test instances never collide with a running demo or each other."""

from __future__ import annotations

import socket

_given: set[int] = set()


def free_port(udp_too: bool = False) -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port in _given:
            continue
        if udp_too:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                except OSError:
                    continue
        _given.add(port)
        return port


def rtp_range(size: int = 200) -> tuple[int, int]:
    base = 30000 + (free_port() % 200) * size
    return base, base + size - 1
