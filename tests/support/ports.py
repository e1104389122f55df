"""Free loopback ports, so test instances never collide with a running demo or each other."""

from __future__ import annotations

import os
import socket

_given: set[int] = set()


def _share() -> tuple[int, int]:
    """(this worker's index, the number of workers) under pytest-xdist, else (0, 1). A port is
    free when asked but taken only when its service starts: two workers could be handed the same
    one meanwhile, so each takes only its share (disjoint sets): the ports whose half ≡ its index
    modulo the workers — Linux gives bind(0) odd ports, so the parity itself cannot split them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if not worker.startswith("gw") or count < 2:
        return 0, 1
    return int(worker[2:]) % count, count


def free_port(udp_too: bool = False) -> int:
    index, count = _share()
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port in _given or (port >> 1) % count != index:
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
    """A random block of ``size`` ports between 30000 and 65535, among this worker's blocks only."""
    index, count = _share()
    blocks = (65536 - 30000) // size // count
    block = ((free_port() >> 1) // count) % blocks * count + index
    base = 30000 + block * size
    return base, base + size - 1
