"""``hotline doctor``'s reading of manager.conf: what the listener's AMI user may read and which
events its ``eventfilter`` lines let through. Asterisk tells a user neither over AMI (there is no
action for its own ``read`` classes or filters), and a user short of a class or behind a filter
still logs in and still sees the doctor's probe event, while the call builder silently loses
queues, agents or talk times (an existing Asterisk with ``read = call`` gave answered calls no
queue and an interface for an agent; ``eventfilter = !Event: Bridge`` gave them 0 s of talk).

The file is the one named by ``manager_conf_path``, else the private Asterisk's, else
/etc/asterisk/manager.conf. It is read as Asterisk reads it: ``#include`` / ``#tryinclude`` (globs,
relative to the file's directory: Debian's manager.conf keeps its users in ``manager.d/*.conf``),
templates (``[user](tmpl)``), additions (``[user](+)``), ``;`` comments; the last ``read`` wins and
every ``eventfilter`` counts (main/manager.c)."""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass, field
from pathlib import Path

from hotline.pbx.ami import AmiRole
from hotline.pbx.config import AMI_PERMISSIONS
from hotline.settings import Settings

# The AMI events the call builder and the live state read (ami_listener: builder, inbound,
# outbound, channels, bridges, transfers, live, tracker): a filter hiding one loses calls or fields.
NEEDED_EVENTS = ("Newchannel", "Hangup", "HangupRequest", "SoftHangupRequest", "VarSet", "UserEvent",
                 "DialBegin", "DialEnd", "BridgeEnter", "BridgeLeave", "QueueCallerJoin", "QueueCallerLeave",
                 "QueueCallerAbandon", "AgentCalled", "AgentConnect", "AgentComplete", "AgentRingNoAnswer",
                 "QueueMemberStatus", "QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause",
                 "BlindTransfer", "AttendedTransfer",
                 # the queue's exit key, the caller's holds, a supervisor's ChanSpy (no record of its own)
                 "DTMFEnd", "Hold", "Unhold", "ChanSpyStart")
# The listener user's ``read`` classes, as the private Asterisk gives them (hotline.pbx.config)
NEEDED_READ = tuple(sorted(AMI_PERMISSIONS[AmiRole.LISTENER][0]))
SYSTEM_MANAGER_CONF = Path("/etc/asterisk/manager.conf")
_INCLUDE = re.compile(r'^#\s*(try)?include\s+"?([^"]+?)"?\s*$')
_MAX_DEPTH = 8  # includes nest no deeper (a file including itself stops here)


def manager_conf(s: Settings) -> Path:
    """The manager.conf the doctor reads (it may not exist)."""
    if s.manager_conf_path:
        return Path(s.manager_conf_path)
    private = s.asterisk_dir / "etc" / "manager.conf"
    return private if private.is_file() else SYSTEM_MANAGER_CONF


def conf_lines(path: Path, base: Path | None = None, depth: int = 0) -> list[str]:
    """The file's lines with its includes put in place and comments cut. A relative include is
    Asterisk's config directory's (the top file's), wherever the including file lies."""
    base = base or path.parent
    out: list[str] = []
    for raw in path.read_text(errors="replace").splitlines():
        stripped = raw.strip()
        include = _INCLUDE.match(stripped)
        if include:
            if depth < _MAX_DEPTH:
                pattern = include.group(2)
                pattern = pattern if pattern.startswith("/") else str(base / pattern)
                for name in sorted(glob.glob(pattern)):
                    out += conf_lines(Path(name), base, depth + 1)
            continue
        line = stripped.split(";", 1)[0].strip()
        if line:
            out.append(line)
    return out


@dataclass
class ManagerUser:
    """One user section as Asterisk builds it."""

    found: bool = False
    read: str | None = None  # the last ``read =``
    filters: list[str] = field(default_factory=list)


def manager_user(lines: list[str], user: str) -> ManagerUser:
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for line in lines:
        if line.startswith("[") and "]" in line:
            name, rest = line[1:line.index("]")], line[line.index("]") + 1:].strip()
            options = [o.strip() for o in rest.strip("()").split(",")] if rest.startswith("(") else []
            if "+" in options and name in sections:
                current = sections[name]
                continue
            current = sections[name] = []
            for template in options:
                current += sections.get(template, [])  # "!" (a template) and unknown names add nothing
        elif current is not None and "=" in line:
            key, _, value = line.partition("=")
            current.append((key.strip().lower(), value.lstrip(">").strip()))
    if user not in sections:
        return ManagerUser()
    found = ManagerUser(found=True)
    for key, value in sections[user]:
        if key == "read":
            found.read = value
        elif key == "eventfilter":
            found.filters.append(value)
    return found


def missing_read(read: str | None) -> list[str]:
    """The classes of :data:`NEEDED_READ` a ``read =`` value leaves out (no line reads nothing)."""
    have = {c.strip().lower() for c in (read or "").split(",")}
    return [] if "all" in have else [c for c in NEEDED_READ if c not in have]


def hidden_events(filters: list[str], events: tuple[str, ...] = NEEDED_EVENTS) -> list[str]:
    """The events these filters drop (Asterisk's rules: with any plain filter an event must match
    one; an event matching a ``!`` filter is dropped). Matched on the event's first line."""
    allow = [f for f in filters if not f.startswith("!")]
    deny = [f[1:] for f in filters if f.startswith("!")]
    hidden = []
    for name in events:
        text = f"Event: {name}\r\n"
        passes = not allow or any(re.search(f, text) for f in allow)
        if not passes or any(re.search(f, text) for f in deny):
            hidden.append(name)
    return hidden
