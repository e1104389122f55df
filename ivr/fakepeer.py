"""A scripted AGI peer: what Asterisk does on the other end of a FastAGI session, answered at once.

Used by the server tests and the load benchmark (bench/ivr_load.py). Keys are handed out in
order to GET DATA / EXEC Read / STREAM FILE (a key given to STREAM FILE interrupts it, as a caller
would; Read leaves its keys and READSTATUS in channel variables, which GET FULL VARIABLE reads);
``hangup_after`` makes the channel hang up after that many commands (Asterisk's ``HANGUP`` line,
then ``-1`` / ``511`` replies).
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass, field


@dataclass
class PeerScript:
    caller: str = "13800000000"
    path: str = "inbound"
    linkedid: str = "1700000000.1"
    keys: list[str] = field(default_factory=list)  # one entry per GET DATA / Read ("12345678" for a number)
    hangup_after: int | None = None  # commands answered before the channel hangs up
    media_s: float = 0.0  # how long a prompt / key wait takes before its reply (a caller's pace)
    listens: tuple[str, ...] = ()  # prompts (``hotline/welcome``) heard to the end: no key pressed over them


@dataclass
class PeerResult:
    commands: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)  # what SET VARIABLE set
    channel: dict[str, str] = field(default_factory=dict)  # what applications (Read) set on the channel
    closed_by_server: bool = False


def _unquote(arg: str) -> str:
    if len(arg) >= 2 and arg[0] == '"' and arg[-1] == '"':
        return arg[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return arg


def _split(line: str) -> list[str]:
    out, cur, quoted, esc = [], "", False, False
    for ch in line:
        if esc:
            cur += ch
            esc = False
        elif ch == "\\" and quoted:
            esc = True
        elif ch == '"':
            quoted = not quoted
        elif ch == " " and not quoted:
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def _answer(verb: str, parts: list[str], script: PeerScript, keys: list[str], res: PeerResult) -> str:
    """The reply of a live channel to one command (``keys``: those not pressed yet)."""
    if verb == "SET VARIABLE":
        res.variables[_unquote(parts[2])] = _unquote(parts[3]) if len(parts) > 3 else ""
        return "200 result=1"
    if verb == "EXEC READ":
        # Read(variable,files,maxdigits,options,attempts,timeout): the next key entry
        key = keys.pop(0) if keys else ""
        res.channel[_unquote(parts[2]).split(",", 1)[0]] = key
        res.channel["READSTATUS"] = "OK" if key else "TIMEOUT"
        return "200 result=0"
    if verb == "GET FULL":  # GET FULL VARIABLE "${A}|${B}"
        value = re.sub(r"\$\{([^}]*)\}", lambda m: res.channel.get(m.group(1), ""), _unquote(parts[3]))
        return f"200 result=1 ({value})"
    if verb == "GET DATA":
        key = keys.pop(0) if keys else ""
        return f"200 result={key}" + ("" if key else " (timeout)")
    if verb == "STREAM FILE":
        escape = _unquote(parts[3]) if len(parts) > 3 and _unquote(parts[2]) not in script.listens else ""
        if keys and escape and len(keys[0]) == 1 and keys[0] in escape:
            return f"200 result={ord(keys.pop(0))} endpos=800"
        return "200 result=0 endpos=8000"
    if verb == "RECORD FILE":
        return "200 result=35 (dtmf) endpos=8000"
    return "200 result=0"  # EXEC, SAY DIGITS, …


async def run_peer(host: str, port: int, script: PeerScript, uniqueid: str = "1700000000.1") -> PeerResult:
    reader, writer = await asyncio.open_connection(host, port)
    env = {
        "network": "yes", "network_script": script.path, "request": f"agi://{host}:{port}/{script.path}",
        "channel": f"Local/10000@from-pstn-{uniqueid};2", "language": "zh", "type": "Local",
        "uniqueid": uniqueid, "version": "16.28.0", "callerid": script.caller, "calleridname": "load",
        "context": "from-pstn", "extension": "10000", "priority": "4", "enhanced": "0.0",
        "accountcode": "", "threadid": "1", "arg_1": script.linkedid,
    }
    writer.write("".join(f"agi_{k}: {v}\n" for k, v in env.items()).encode() + b"\n")
    await writer.drain()
    res = PeerResult()
    keys = list(script.keys)
    hung_up = False
    try:
        while True:
            raw = await reader.readline()
            if not raw:
                res.closed_by_server = True
                break
            line = raw.decode().rstrip("\n")
            res.commands.append(line)
            parts = _split(line)
            verb = " ".join(parts[:2]).upper()
            if script.hangup_after is not None and len(res.commands) > script.hangup_after and not hung_up:
                hung_up = True
                writer.write(b"HANGUP\n")
            if hung_up:
                reply = "200 result=1" if verb in ("SET VARIABLE", "GET VARIABLE", "GET FULL") else \
                    "200 result=-1" if verb in ("STREAM FILE", "GET DATA", "RECORD FILE", "SAY DIGITS") else \
                    "511 Command Not Permitted on a dead channel or intercept routine"
            else:
                reply = _answer(verb, parts, script, keys, res)
            if script.media_s and verb in ("STREAM FILE", "GET DATA", "RECORD FILE", "SAY DIGITS", "EXEC READ"):
                await asyncio.sleep(script.media_s * random.uniform(0.5, 1.5))  # callers differ
            writer.write((reply + "\n").encode())
            await writer.drain()
    except (ConnectionResetError, BrokenPipeError):
        res.closed_by_server = True
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
    return res
