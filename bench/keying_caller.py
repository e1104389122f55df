"""A simulated caller that presses its keys when the IVR listens, not on a clock.

The dialplan's ``sim-caller`` sends a fixed script of keys with timed pauses (``SendDTMF``). A key
Asterisk receives while no AGI command is listening (between commands: trace events, call
variables, the database) is read and dropped by Asterisk's AGI loop — so once the IVR's steps take
longer than the script's pauses (300 calls on 2 cores), keys go missing or land on the wrong
question and the script can no longer complete a report. A person hears the question first.

This caller runs in the benchmark's process next to the in-process IVR: it wraps
``AgiChannel.command``, and when the IVR sends a command that listens for keys (GET DATA, a
STREAM FILE with escape digits, RECORD FILE, the Read of an apology and its question asked again)
it presses that call's next group of keys on the IVR's channel (AMI ``PlayDTMF`` with ``Receive``:
as if the caller had sent them) shortly after. A group the reply shows was not taken (a timeout,
nothing keyed; for a Read, the GET FULL VARIABLE that fetches its keys) is pressed again at the
next listening command — as a caller does when asked again. It counts both, so a run says how many
keys were lost.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from hotline.fault_keys import FAULT_GROUPS
from hotline.pbx.ami import Ami, AmiError, AmiRole
from hotline.settings import Settings
from ivr.agi import Reply
from ivr.server import AgiChannel

AGENT_GROUPS = ("0",)  # over the greeting (or at the menu): an agent
PRESS_AFTER_S = 0.4  # after the command is sent: Asterisk has started it (keys before it are dropped)
RECORD_AFTER_S = 1.5  # RECORD FILE plays its beep first, and a key over the beep is dropped


def reads(verb: str, args: tuple[object, ...]) -> bool:
    """The Read application (ivr/flow.py Call.reask): its keys come back by GET FULL VARIABLE."""
    return verb == "EXEC" and bool(args) and args[0] == "Read"


def listens(verb: str, args: tuple[object, ...]) -> bool:
    """Whether this AGI command takes keys from the caller."""
    if verb in ("GET DATA", "RECORD FILE") or reads(verb, args):
        return True
    return verb == "STREAM FILE" and len(args) > 1 and bool(str(args[1]))


def taken(verb: str, reply: Reply) -> bool:
    """Whether the reply shows the keys were received (a RECORD FILE ends either way; a Read's
    keys are the GET FULL VARIABLE's answer that follows it, "<keys>|<READSTATUS>")."""
    if verb == "RECORD FILE":
        return True
    if verb == "GET DATA":
        return bool(reply.result) and reply.result != "-1"
    if verb == "GET FULL VARIABLE":
        return bool((reply.data or "").partition("|")[0])
    return bool(reply.digit)


@dataclass
class _Caller:
    groups: tuple[str, ...]
    next: int = 0
    reading: int | None = None  # the group pressed into a Read, settled by the GET FULL VARIABLE after it


@dataclass
class KeyingCaller:
    """Install with ``with KeyingCaller(s, scripts):`` around the IVR's run; ``scripts`` maps a
    call id (the Linkedid the IVR is given) to its key groups."""

    settings: Settings
    scripts: dict[str, tuple[str, ...]]
    pressed: int = 0  # groups pressed
    repeated: int = 0  # groups pressed again because the previous press was not taken
    errors: Counter[str] = field(default_factory=Counter)
    _tasks: set[asyncio.Future[None]] = field(default_factory=set)
    _callers: dict[str, _Caller] = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: ThreadPoolExecutor | None = None
    _original: Callable[..., Awaitable[Reply]] | None = None

    def __enter__(self) -> KeyingCaller:
        self._callers = {cid: _Caller(groups) for cid, groups in self.scripts.items()}
        self._pool = ThreadPoolExecutor(32, thread_name_prefix="keying-caller")
        self._original = original = AgiChannel.command
        caller = self

        async def command(ch: AgiChannel, verb: str, *args: object) -> Reply:
            who = caller._callers.get(ch.request.args[0] if ch.request.args else "")
            if who is not None and who.reading is not None and verb == "GET FULL VARIABLE":
                reply = await original(ch, verb, *args)
                caller._settle(who, who.reading, taken(verb, reply))
                who.reading = None
                return reply
            if who is None or who.next >= len(who.groups) or not listens(verb, args):
                return await original(ch, verb, *args)
            group, sent = who.groups[who.next], who.next
            caller._press(ch.request.channel, group, RECORD_AFTER_S if verb == "RECORD FILE" else PRESS_AFTER_S)
            reply = await original(ch, verb, *args)
            if reads(verb, args):
                who.reading = sent
            else:
                caller._settle(who, sent, taken(verb, reply))
            return reply

        setattr(AgiChannel, "command", command)  # noqa: B010 (a method replaced for the run)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._original is not None:
            setattr(AgiChannel, "command", self._original)  # noqa: B010
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _settle(self, who: _Caller, sent: int, was_taken: bool) -> None:
        if was_taken:
            who.next = max(who.next, sent + 1)
        else:
            with self._lock:
                self.repeated += 1

    def _press(self, channel: str, keys: str, after_s: float) -> None:
        with self._lock:
            self.pressed += 1
        # the wait is the event loop's, not a worker's: 300 callers waiting would queue behind
        # a few sleeping workers and press long after the question timed out
        self._tasks.add(task := asyncio.ensure_future(self._press_later(channel, keys, after_s)))
        task.add_done_callback(self._tasks.discard)

    async def _press_later(self, channel: str, keys: str, after_s: float) -> None:
        await asyncio.sleep(after_s)
        await asyncio.get_running_loop().run_in_executor(self._pool, self._send, channel, keys)

    def _send(self, channel: str, keys: str) -> None:
        ami: Ami | None = getattr(self._local, "ami", None)
        try:
            if ami is None:
                ami = self._local.ami = Ami.from_settings(self.settings, role=AmiRole.DESK).__enter__()
            for key in keys:
                ami.action("PlayDTMF", Channel=channel, Digit=key, Duration=120, Receive="true")
        except AmiError as exc:  # the caller hung up meanwhile: nothing to press into
            with self._lock:
                self.errors[str(exc)[:70]] += 1

    def summary(self) -> str:
        done = sum(c.next >= len(c.groups) for c in self._callers.values())
        return (f"{self.pressed} key groups pressed, {self.repeated} not taken and pressed again; "
                f"{done} of {len(self._callers)} callers keyed everything"
                + (f"; PlayDTMF errors: {dict(self.errors.most_common(3))}" if self.errors else ""))


def scripts_for(ids: list[str], is_fault: Callable[[int], bool]) -> dict[str, tuple[str, ...]]:
    return {cid: FAULT_GROUPS if is_fault(i) else AGENT_GROUPS for i, cid in enumerate(ids)}

