"""IVR test fixtures: the FastAGI server in-process on the session Asterisk's agi_port, with its
own SQLite database and an injectable clock; helpers to place simulated calls and read their trace."""

from __future__ import annotations

import csv
import math
import threading
import time
import uuid
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import open_db
from hotline.pbx.ami import Ami
from hotline.pbx.process import Asterisk
from hotline.settings import Settings
from ivr.app import IvrApp, build
from ivr.server import ServerThread
from tests.support.pbx import EventTap
from tests.support.postgres import new_db_url
from tests.support.waiting import eventually


class MovableClock:
    """Real time passing from a chosen local wall-clock start (R-ANS-HOURS tests)."""

    def __init__(self, tz: str):
        self.tz = ZoneInfo(tz)
        self._base = datetime.now(UTC)
        self._t0 = time.monotonic()
        self._lock = threading.Lock()

    def set_local(self, hh: int, mm: int = 0) -> datetime:
        """From now on the clock reads today's hh:mm local (then runs on)."""
        local = datetime.now(self.tz).replace(hour=hh, minute=mm, second=0, microsecond=0)
        with self._lock:
            self._base, self._t0 = local.astimezone(UTC), time.monotonic()
        return self._base

    def __call__(self) -> datetime:
        with self._lock:
            return self._base + timedelta(seconds=time.monotonic() - self._t0)


@dataclass
class IvrEnv:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: MovableClock
    thread: ServerThread
    pbx: Asterisk

    @property
    def app_server(self):  # the AgiServer, for its stats
        return self.thread.server


def ivr_settings(pbx: Asterisk, db_dir: Path) -> Settings:
    # short waits keep the real-Asterisk tests quick; the flow is the production one. The database
    # is SQLite, or PostgreSQL under `make test-postgres` (HOTLINE_TEST_DB=postgres)
    return pbx.settings.replace(database_url=new_db_url(db_dir, "ivr.db"), ivr_key_timeout_s=2.0,
                                ivr_entry_timeout_s=3.0, ivr_record_max_s=6, ivr_record_silence_s=3)


def serve_ivr(s: Settings, pbx: Asterisk, clock: MovableClock | None = None) -> Iterator[IvrEnv]:
    """The IVR app on ``s`` serving ``pbx``, for a module fixture (``yield from``)."""
    _engine, sessions = open_db(s)
    clock = clock or MovableClock(s.timezone)
    holder: dict[str, IvrApp] = {}

    def make():  # type: ignore[no-untyped-def]
        holder["app"] = build(s, clock=clock, sessions=sessions)
        return holder["app"].server

    thread = ServerThread(make).start()
    try:
        yield IvrEnv(s, sessions, clock, thread, pbx)
    finally:
        thread.stop()
        holder["app"].store.close()


@pytest.fixture(scope="module")
def ivr_env(pbx: Asterisk, built_prompts: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IvrEnv]:
    """The IVR serving the session's Asterisk (prompts from the `built_prompts` session fixture)."""
    yield from serve_ivr(ivr_settings(pbx, tmp_path_factory.mktemp("ivrdb")), pbx)


def prompt_seconds(s: Settings, *ids: str) -> float:
    total = 0.0
    for pid in ids:
        with wave.open(str(s.sounds_dir / "hotline" / f"{pid}.wav")) as w:
            total += w.getnframes() / w.getframerate()
    return total


def pause(seconds: float) -> str:
    """SendDTMF pauses ('w' = 0.5 s) lasting at least ``seconds``."""
    return "w" * max(1, math.ceil(seconds / 0.5))


@dataclass
class PlacedCall:
    call_id: str  # the Linkedid (= ChannelId of the caller's side)
    caller: str
    ivr_channel_id: str  # uniqueid of the from-pstn side (the channel the IVR runs on)
    events: list[Any] = field(default_factory=list)

    def path(self) -> list[tuple[str, str, str]]:
        return [(e.get("Step"), e.get("Digits") or "", e.get("Result")) for e in self.events
                if e.name == "UserEvent" and e.get("UserEvent") == "HotlineIvr"]

    def vars(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for e in self.events:
            if e.name == "VarSet" and (e.get("Variable") or "").startswith("HOTLINE_"):
                out[e.get("Variable")] = e.get("Value") or ""
        return out

    def named(self, name: str) -> list[Any]:
        return [e for e in self.events if e.name == name]


def place_call(s: Settings, caller: str, dtmf: str = "", stay: float = 30, delay: float = 1,
               **variables: str) -> PlacedCall:
    """A simulated caller dialling the hotline (context from-pstn), pressing ``dtmf``."""
    call_id = f"ivr-{uuid.uuid4().hex[:12]}"
    other = call_id + "-2"
    vars_ = {"SIM_STAY": str(stay), "SIM_DTMF": dtmf, "SIM_DTMF_DELAY": str(delay), **variables}
    with Ami.from_settings(s) as ami:
        ami.action("Originate", variables=vars_, Channel=f"Local/{s.hotline_number}@from-pstn",
                   Context="sim-caller", Exten="s", Priority=1, CallerID=f'"IVR test" <{caller}>',
                   Async="true", Timeout=30000, ChannelId=call_id, OtherChannelId=other)
    return PlacedCall(call_id, caller, other)


def finish(tap: EventTap, call: PlacedCall, timeout: float = 90) -> PlacedCall:
    call.events = tap.wait_call_gone(call.call_id, timeout)
    return call


def poll(what: str, fn: Callable[[], Any], timeout: float = 30) -> Any:
    """tests.support.waiting.eventually in this package's argument order."""
    return eventually(fn, timeout, what)


def playbacks(pbx: Asterisk, call_id: str) -> list[tuple[str, float]]:
    """What Asterisk's CEL says the Playback application played on the call: (AppData, seconds from
    its APP_START to its APP_END); a Playback not ended yet is left out."""
    started: dict[str, tuple[str, float]] = {}
    out = []
    with pbx.layout.cel_csv.open(newline="", encoding="utf-8", errors="replace") as fh:
        for row in csv.reader(fh):
            if len(row) > 15 and row[10] == "Playback" and row[15] == call_id:
                if row[0] == "APP_START":
                    started[row[14]] = (row[11], float(row[1]))
                elif row[0] == "APP_END" and row[14] in started:
                    data, at = started.pop(row[14])
                    out.append((data, float(row[1]) - at))
    return out
