"""The process tree, read from /proc: which services `hotline run` has started (tests, load benches)."""

from __future__ import annotations

from pathlib import Path


def children(pid: int) -> dict[int, str]:
    """pid → command line of the direct children of ``pid``."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
    return out
