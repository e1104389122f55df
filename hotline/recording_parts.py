"""A call's recording in parts: each agent's leg that reaches the caller records its own part
([hotline-agent-transfer] in asterisk/extensions.conf), named
``<Linkedid>-<leg's Uniqueid>-<agent's extension>.wav``. The call record names one of them (the
last started, ami_listener/builder.py); the others are found beside it by the call's Linkedid.
Recordings made before 7 December (``<Linkedid>-<Uniqueid>.wav``, the first agent's leg alone)
are parts with no agent named. The panel plays every part (web/calls) and retention deletes them
all together (hotline/retention.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hotline.timeutil import from_epoch

UNKNOWN = 2**63  # a part whose name carries no Uniqueid comes last
# the Linkedid is shortest-first: a Uniqueid (epoch.sequence) and an extension never hold a '-'
_NAME = re.compile(r"(?P<linkedid>.+?)-(?P<epoch>\d+)\.(?P<seq>\d+)(?:-(?P<agent>\d+))?\.wav", re.IGNORECASE)


@dataclass(frozen=True)
class Part:
    path: Path
    agent: str | None  # None: a recording of before 7 December, or one named otherwise
    started: datetime | None  # the leg's start to the second, from its Uniqueid
    order: tuple[int, int]  # the Uniqueid (epoch, sequence): the order the legs were made


def call_of(name: str) -> str | None:
    """The Linkedid of the call a recording's file name belongs to; None: not a part's name."""
    m = _NAME.fullmatch(name)
    return m["linkedid"] if m else None


def _part(path: Path) -> Part:
    m = _NAME.fullmatch(path.name)
    if m is None:
        return Part(path, None, None, (UNKNOWN, UNKNOWN))
    return Part(path, m["agent"], from_epoch(int(m["epoch"])), (int(m["epoch"]), int(m["seq"])))


def parts(call_id: str, recording: str | None) -> list[Part]:
    """Every part of the call's recording, in the order its legs started: the file the record
    names and the files beside it named for the same call. A name of another form (a FreePBX's
    own recording) is that file alone; a directory that cannot be read, the named file alone."""
    if not recording:
        return []
    named = Path(recording)
    if call_of(named.name) != call_id:
        return [_part(named)]
    try:
        files = {p for p in named.parent.iterdir() if call_of(p.name) == call_id}
    except OSError:
        files = set()
    files.add(named)
    return sorted((_part(p) for p in files), key=lambda p: (p.order, p.path.name))
