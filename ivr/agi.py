"""The AGI wire protocol: the request Asterisk opens a session with, commands, their replies.

A FastAGI session starts with ``agi_<name>: <value>`` lines ended by a blank line. Each command is
one line; its reply is ``200 result=<r> [(<data>)] [key=value ...]``, ``510``/``511`` errors, or a
``520-`` block ended by ``520 End of proper usage.``. When the channel hangs up, Asterisk writes a
lone ``HANGUP`` line (FastAGI only) before the next reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_ENV_LINES = 200  # a request longer than this is not AGI
_ENV_LINE = re.compile(r"^agi_([a-z0-9_]+):\s?(.*)$")
_REPLY = re.compile(r"^(\d{3})[ -](.*)$")
_RESULT = re.compile(r"^result=(\S*)\s*(?:\((.*?)\))?\s*(.*)$")
# An Asterisk uniqueid / linkedid ("1700000000.12", "pbx1-1700000000.12"): it names files (the
# voice description's RECORD FILE path), so nothing else may pass — no "/", no leading ".".
_CALL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


DTMF_KEYS = frozenset("0123456789*#ABCD")


class AgiProtocolError(ValueError):
    """What the peer sent is not AGI."""


class CallerHangup(Exception):
    """The channel hung up: the session can only end."""


@dataclass(frozen=True)
class AgiRequest:
    """The session's opening: ``env`` without the ``agi_`` prefix, ``args`` = agi_arg_1.. in order."""

    env: dict[str, str]

    @property
    def path(self) -> str:
        """The script part of agi://host:port/<path>, without the leading slash or a query."""
        req = self.env.get("request", "")
        if "://" in req:
            req = req.split("://", 1)[1]
            req = req.split("/", 1)[1] if "/" in req else ""
        return req.split("?", 1)[0].strip("/")

    @property
    def args(self) -> list[str]:
        out = []
        n = 1
        while f"arg_{n}" in self.env:
            out.append(self.env[f"arg_{n}"])
            n += 1
        return out

    @property
    def caller(self) -> str:
        num = self.env.get("callerid", "")
        return "" if num in ("unknown", "") else num

    @property
    def channel(self) -> str:
        return self.env.get("channel", "")

    @property
    def uniqueid(self) -> str:
        return self.env.get("uniqueid", "")


def safe_call_id(value: str) -> str | None:
    """``value`` when it has the shape of an Asterisk call id, else None (it may reach a file name)."""
    return value if _CALL_ID.fullmatch(value) else None


def parse_env_line(line: str) -> tuple[str, str]:
    m = _ENV_LINE.match(line)
    if not m:
        raise AgiProtocolError(f"not an AGI request line: {line[:80]!r}")
    return m.group(1), m.group(2)


def parse_request(lines: list[str]) -> AgiRequest:
    """The lines before the blank line that ends the request."""
    if not lines:
        raise AgiProtocolError("empty AGI request")
    if len(lines) > MAX_ENV_LINES:
        raise AgiProtocolError(f"AGI request longer than {MAX_ENV_LINES} lines")
    env = dict(parse_env_line(x) for x in lines)
    if "request" not in env or "channel" not in env:
        raise AgiProtocolError("AGI request without agi_request or agi_channel")
    return AgiRequest(env)


@dataclass(frozen=True)
class Reply:
    code: int
    result: str = ""
    data: str | None = None  # the parenthesised part: "timeout", "dtmf", "hangup", a value
    extra: dict[str, str] = field(default_factory=dict)  # endpos=…
    text: str = ""  # the raw line(s)

    @property
    def ok(self) -> bool:
        return self.code == 200

    @property
    def hangup(self) -> bool:
        """A dead channel: result -1 on a media command, or 511 (not permitted on a dead channel)."""
        return self.code == 511 or (self.code == 200 and self.result == "-1")

    @property
    def digit(self) -> str:
        """The key that ended a STREAM FILE / RECORD FILE / WAIT FOR DIGIT ('' for none)."""
        try:
            n = int(self.result)
        except ValueError:
            return ""
        # only a DTMF key: RECORD FILE ended by silence was seen answering result=56801, whose
        # chr() is a lone surrogate that then failed the session's next command (utf-8)
        key = chr(n) if 0 < n < 128 else ""
        return key if key in DTMF_KEYS else ""


def parse_reply(line: str) -> Reply:
    """One reply line (a ``520-`` block is joined by the reader and parsed by its last line)."""
    m = _REPLY.match(line)
    if not m:
        raise AgiProtocolError(f"not an AGI reply: {line[:80]!r}")
    code, rest = int(m.group(1)), m.group(2)
    if code != 200:
        return Reply(code, text=line)
    r = _RESULT.match(rest)
    if not r:
        raise AgiProtocolError(f"AGI 200 reply without result: {line[:80]!r}")
    extra = dict(kv.split("=", 1) for kv in r.group(3).split() if "=" in kv)
    return Reply(200, r.group(1), r.group(2), extra, line)


def quote(arg: object) -> str:
    """One command argument as Asterisk's AGI parser reads it: double-quoted, \\ and " escaped."""
    text = str(arg)
    if "\n" in text or "\r" in text:
        raise ValueError(f"AGI argument contains a line break: {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def command_line(verb: str, *args: object) -> bytes:
    """``verb`` is trusted (``STREAM FILE``); every argument is quoted."""
    parts = [verb] + [quote(a) for a in args]
    return (" ".join(parts) + "\n").encode("utf-8")
