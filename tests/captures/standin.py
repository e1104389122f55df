"""Runs the capture scenarios against a stand-in Asterisk and writes down how they drive it.

    .venv/bin/python -m tests.captures.standin OUT_DIR     (one OUT_DIR/<capture>.log each)

Recording needs the real Asterisk, SIPp and minutes; this needs neither and takes a second. The
stand-in logs, in order, every AMI action (name, fields, variables), every wait on the event tap
(what its predicate compares: each comparison is answered "yes" and written down), every phone
(its arguments, defaults filled in, and what its user does) and every pause, with generated call
ids and free ports normalised. Two runs of a scenario that log the same drove Asterisk the same
way, so a change to the scenario scripts that should not change a recording can be checked
without re-recording: run this before and after and compare the logs."""

from __future__ import annotations

import hashlib
import inspect
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from hotline.pbx.ami import Ami


class StandIn:
    """What the scenarios did, line by line, and the tokens handed back to them."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tokens = 0

    def log(self, text: str) -> None:
        self.lines.append(text)

    def token(self, field: str) -> str:
        self.tokens += 1
        return f"<{field}#{self.tokens}>"


class _Field(str):
    """A header value of a stand-in event: every comparison made on it holds, and is logged."""

    key: str
    seen: list[str]

    def __new__(cls, value: str, key: str, seen: list[str]) -> _Field:
        field = super().__new__(cls, value)
        field.key, field.seen = key, seen
        return field

    def __eq__(self, other: object) -> bool:
        self.seen.append(f"{self.key} == {other!r}")
        return True

    def __ne__(self, other: object) -> bool:
        self.seen.append(f"{self.key} != {other!r}")
        return True

    __hash__ = str.__hash__

    def startswith(self, prefix: Any, *args: Any) -> bool:
        self.seen.append(f"{self.key} startswith {prefix!r}")
        return True

    def endswith(self, suffix: Any, *args: Any) -> bool:
        self.seen.append(f"{self.key} endswith {suffix!r}")
        return True

    def __bool__(self) -> bool:
        self.seen.append(f"{self.key} set")
        return True

    def __contains__(self, part: object) -> bool:
        self.seen.append(f"{self.key} contains {part!r}")
        return True


class _Event:
    """A stand-in AMI event that matches whatever a predicate asks of it."""

    kind = "event"

    def __init__(self, run: StandIn, seen: list[str]):
        self.run, self.seen = run, seen

    @property
    def name(self) -> _Field:
        return _Field("?", "name", self.seen)

    def get(self, key: str, default: Any = None) -> _Field:
        return _Field(self.run.token(key), key, self.seen)

    def __getitem__(self, key: str) -> str:
        value = self.run.token(key)
        self.seen.append(f"-> {key} = {value}")
        return value


class _Tap:
    def __init__(self, run: StandIn, s: Any):
        self.run = run
        self.counts: dict[str | None, int] = {}

    def __enter__(self) -> _Tap:
        return self

    def __exit__(self, *exc: object) -> None:
        """The real tap stops its reader thread here; the stand-in reads no socket."""

    def wait_for(self, pred: Callable[[Any], bool], timeout: float = 20.0) -> _LoggedEvent:
        seen: list[str] = []
        ev = _Event(self.run, seen)
        if not pred(ev):
            raise AssertionError("a stand-in event failed a predicate")
        self.run.log(f"wait_for[{timeout}] " + " & ".join(seen))
        seen.clear()
        return _LoggedEvent(self.run, ev)

    def events(self, name: str | None = None, **match: str) -> list[Any]:
        # one more event each time it is asked, so that "the ones since" is never empty
        self.counts[name] = self.counts.get(name, 0) + 1
        self.run.log(f"events({name!r}, {match})")
        return [_LoggedEvent(self.run, _Event(self.run, [])) for _ in range(self.counts[name])]

    def wait_call_gone(self, linkedid: str, timeout: float = 30.0) -> list[Any]:
        self.run.log(f"wait_call_gone {linkedid} [{timeout}]")
        return []


class _LoggedEvent:
    """An event handed to the scenario: what it reads or compares afterwards is logged too."""

    kind = "event"

    def __init__(self, run: StandIn, ev: _Event):
        self.run, self.ev = run, ev

    def _flush(self) -> None:
        if self.ev.seen:
            self.run.log("  " + " & ".join(self.ev.seen))
            self.ev.seen.clear()

    @property
    def name(self) -> _Field:
        return self.ev.name

    def get(self, key: str, default: Any = None) -> _Field:
        return self.ev.get(key)

    def __getitem__(self, key: str) -> str:
        value = self.ev[key]
        self._flush()
        return value


class _Ami(Ami):
    def __init__(self, run: StandIn):  # no socket: nothing is sent
        self.run = run

    def __enter__(self) -> _Ami:
        self.run.log("ami session")
        return self

    def __exit__(self, *exc: object) -> None:
        """The real session logs off here; the stand-in opened no socket."""

    def action(self, name: str, variables: dict[str, Any] | None = None, **fields: Any) -> dict[str, str]:
        self.run.log(f"action {name} {dict(sorted((k, str(v)) for k, v in fields.items()))}"
                     + (f" variables={dict(sorted((k, str(v)) for k, v in variables.items()))}" if variables else ""))
        return {"Response": "Success"}


def _settings_line(s: Any) -> str:
    keys = ("server_id", "hotline_number", "queue_timeout_s", "queue_member_timeout_s", "queue_strategy", "agents",
            "agent_technology", "ivr_key_timeout_s", "ivr_entry_timeout_s")
    return " ".join(f"{k}={getattr(s, k, None)!r}" for k in keys)


def _asterisk(run: StandIn) -> type:
    class _Asterisk:
        def __init__(self, s: Any, templates: Path | None = None):
            digest = "ours"
            if templates is not None:
                text = "".join(f"{p.name}\n{p.read_text(encoding='utf-8')}" for p in sorted(templates.glob("*.conf")))
                digest = hashlib.sha1(text.encode()).hexdigest()[:12]
            run.log(f"asterisk {_settings_line(s)} config={digest}")

        def __enter__(self) -> Any:
            return self

        def __exit__(self, *exc: object) -> None:
            run.log("asterisk down")

        def ami(self, timeout: float = 10.0) -> _Ami:
            return _Ami(run)

    return _Asterisk


class _Cap:
    """The capture session, for the one scenario that drops it (ami_disconnect)."""

    def __init__(self, run: StandIn):
        self.run = run
        self.connected = self._Logged(run, "cap.connected")
        self._stop = self._Logged(run, "cap._stop")

    class _Logged:
        def __init__(self, run: StandIn, what: str):
            self.run, self.what = run, what

        def __getattr__(self, name: str) -> Callable[..., bool]:
            def call(*args: Any) -> bool:
                self.run.log(f"{self.what}.{name}{args}")
                return True
            return call

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in ("run", "connected", "_stop"):
            self.run.log(f"cap.{name} = {value!r}")
        object.__setattr__(self, name, value)

    def drop(self) -> None:
        self.run.log("cap.drop()")

    def start(self) -> None:
        self.run.log("cap.start()")


def _phone(run: StandIn, real: type) -> type:
    """A stand-in for one of the phone classes: logs its arguments (defaults filled in) and its
    user's doings; answers as the real phone does when all goes well."""
    def arguments(cls: type, args: tuple[Any, ...], kw: dict[str, Any]) -> dict[str, Any]:
        # a subclass's *args and **kw go on to its base's __init__: bound there too
        bound = inspect.signature(cls).bind(*args, **kw)
        bound.apply_defaults()
        named = dict(bound.arguments)
        rest_args, rest_kw = named.pop("args", ()), named.pop("kw", {})
        if rest_args or rest_kw:
            named.update(arguments(cls.__mro__[1], rest_args, rest_kw))
        return named

    class _Phone:
        def __init__(self, *args: Any, **kw: Any):
            self.log: list[str] = []  # the real phones' diagnostics
            shown = {k: float(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
                     for k, v in sorted(arguments(real, args, kw).items()) if k != "settings"}
            self.name = f"{real.__name__}({shown.get('ext')})"
            run.log(f"phone {real.__name__} {shown}")

        def __enter__(self) -> Any:
            run.log(f"{self.name} up")
            return self

        def __exit__(self, *exc: object) -> None:
            run.log(f"{self.name} down")

        def __getattr__(self, method: str) -> Callable[..., str]:
            answers = {"reinvite": "SIP/2.0 200 OK", "refer_replacing": "SIP/2.0 202 Accepted",
                       "dial_and_hang_up": "SIP/2.0 487 Request Terminated", "bye": ""}

            def call(*args: Any, **kw: Any) -> str:
                run.log(f"{self.name}.{method}{args}{kw or ''}")
                return answers[method] if method in answers else run.token(f"{method}")
            return call

    return _Phone


@contextmanager
def stand_in(run: StandIn) -> Iterator[None]:
    """Every Asterisk, tap, phone, pause and SIPp run of the recorders replaced by a logging stand-in."""
    import subprocess

    from tests.captures import phone_keys, record, replaces_phone
    from tests.support import sipphone

    def capture(s: Any, path: Path, scenario: Callable[[Any], None], login: Any = None) -> None:
        run.log(f"== {path.stem}")  # a login of its own (an unfiltered user) changes no step
        run.tokens = 0
        scenario(_Cap(run))

    def sipp(args: list[str], **kw: Any) -> None:
        shown = [re.sub(r"^127\.0\.0\.1:\d+$", "127.0.0.1:<port>", a) for a in args]
        shown[shown.index("-p") + 1] = "<port>"
        run.log(f"sipp {shown}")

    def ivr(s: Any) -> mock.Mock:
        run.log("ivr up")
        return mock.Mock()

    phones = {cls.__name__: _phone(run, cls) for cls in (sipphone.SipPhone, replaces_phone.ReplacesPhone,
                                                          phone_keys.KeyPhone, phone_keys.ReferPhone)}
    patches: list[Any] = [mock.patch.object(record, "Asterisk", _asterisk(run)),
               mock.patch.object(record, "EventTap", lambda s: _Tap(run, s)),
               mock.patch.object(record, "_capture", capture),
               mock.patch.object(record, "_start_ivr", ivr),
               mock.patch("hotline.prompt_library.builder.build", lambda *a, **k: run.log("prompts built")),
               mock.patch("time.sleep", lambda seconds: run.log(f"sleep {float(seconds)}")),
               mock.patch("shutil.which", lambda name: f"/usr/bin/{name}"),
               mock.patch.object(subprocess, "run", sipp)]
    modules = [m for name, m in sys.modules.items() if name.startswith(("tests.captures", "tests.support.sipphone"))]
    for module in modules:
        patches += [mock.patch.object(module, name, phone) for name, phone in phones.items() if hasattr(module, name)]
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("the stand-in patches module globals: run it from the main thread")
    for p in patches:
        p.start()
    try:
        yield
    finally:
        for p in reversed(patches):
            p.stop()


def recorders() -> dict[str, Callable[[list[str], Path], None]]:
    """Every recorder entry point, by the option that runs it."""
    import importlib

    from tests.captures import record

    # the sets in modules of their own, as record.py's options find them (one list: a new set is run here too)
    elsewhere = {"--" + flag.replace("_", "-"): getattr(importlib.import_module(module), recorder)
                 for flag, (module, recorder) in record.SETS_ELSEWHERE.items()}
    return {"": record.record, "--foreign": record.record_foreign, "--foreign-pjsip": record.record_foreign_pjsip,
            "--foreign-dial": record.record_foreign_dial, **elsewhere}


def run_all() -> dict[str, list[str]]:
    """Every scenario of every recorder on the stand-in: {capture name: its log}."""
    run = StandIn()
    with tempfile.TemporaryDirectory() as tmp, stand_in(run):
        for recorder in recorders().values():
            recorder([], Path(tmp))
    logs: dict[str, list[str]] = {}
    current, pending = "", list[str]()  # an Asterisk started is told with the first capture made on it
    ids: dict[str, str] = {}
    for line in run.lines:
        line = re.sub(r"cap-[0-9a-f]{10}", lambda m: ids.setdefault(m.group(0), f"cap-{len(ids) + 1}"), line)
        if line.startswith("== "):
            current = line[3:]
            ids.clear()
            logs[current], pending = pending, []
        elif line.startswith(("asterisk ", "prompts built", "ivr up")) and line != "asterisk down":
            pending.append(line)
        else:
            logs[current].append(line)
    return logs


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, lines in run_all().items():
        (out / f"{name}.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(list(out.glob('*.log')))} logs in {out}")
