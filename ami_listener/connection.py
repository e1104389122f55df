"""A live AMI connection for reading events: login, keepalive Ping, reconnect with capped backoff.

Runs in its own thread. Bytes go to ``on_bytes`` exactly as received (for captures); frames go to
``on_message``. A handler that raises is logged and the reading goes on: one bad event never
stops the listener.

Every duration the builder works out comes from the events' ``Timestamp`` headers, which Asterisk
sends only with ``timestampevents = yes`` in manager.conf. An operator's Asterisk without it is
said loudly, once per connection (ERROR, with the fix); with ``stamp_arrival`` each event is then
given its arrival time as ``Timestamp`` (less exact: TCP batching, our own delays) and the state
handler hears ``"untimed"`` so that the records built from such events can say so.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable

from ami_listener.reader import FrameReader, Message, parse

log = logging.getLogger(__name__)


class AmiConnection:
    def __init__(self, host: str, port: int, user: str, secret: str, *,
                 on_message: Callable[[Message], None] | None = None,
                 on_frames: Callable[[list[bytes]], None] | None = None,
                 on_bytes: Callable[[bytes], None] | None = None,
                 on_state: Callable[[str], None] | None = None,
                 ping_interval: float = 5.0, backoff_max: float = 10.0, events: str = "on",
                 stamp_arrival: bool = False):
        self.host, self.port, self.user, self.secret = host, port, user, secret
        self.on_message, self.on_bytes, self.on_state = on_message, on_bytes, on_state
        # the listener takes frames unparsed, a read at a time (Pipeline.feed_frames): cheaper
        # than a Message and a queue hop per event
        self.on_frames = on_frames
        self.ping_interval, self.backoff_max, self.events = ping_interval, backoff_max, events
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._send_lock = threading.Lock()
        self.connected = threading.Event()
        self.connects = 0
        self._hold_until = 0.0
        # cleared by pause(): the session ends after the read in hand and no new one starts
        # until resume() (the listener's inbox full, listen.py)
        self._reading = threading.Event()
        self._reading.set()
        self.stamp_arrival = stamp_arrival
        self.untimed: bool | None = None  # this session's events lack Timestamp (None: no event yet)

    # -- control ----------------------------------------------------------------------------
    def start(self) -> AmiConnection:
        self._thread = threading.Thread(target=self.run, name="ami-reader", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._reading.set()  # a paused reader wakes to stop
        self.drop()
        if self._thread is not None:
            self._thread.join(5)

    def hold_off(self, seconds: float) -> None:
        """Drop the connection and stay away this long (tests and operators simulating a gap)."""
        self._hold_until = time.monotonic() + seconds
        self.drop()

    def pause(self) -> None:
        """Stop reading: the session ends once the read in hand is delivered (at once when called
        from a frames handler, within the 1 s receive timeout otherwise), the state handler hears
        ``"paused"``, and no new session starts before :meth:`resume`. Events meanwhile are not
        read at all: the listener backfills them as for any AMI gap."""
        self._reading.clear()

    def resume(self) -> None:
        """Read again: a new session (login, ``"up"``) starts at once."""
        self._reading.set()

    def drop(self) -> None:
        """Close the TCP connection (the reader reconnects unless stopped)."""
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def send(self, action: str, **fields: str) -> None:
        lines = [f"Action: {action}"] + [f"{k}: {v}" for k, v in fields.items()]
        if any("\r" in x or "\n" in x for x in lines):
            raise ValueError("AMI header values must not contain line breaks")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode()
        with self._send_lock:
            if self._sock is None:
                raise ConnectionError("AMI not connected")
            self._sock.sendall(data)

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                self._session()
                backoff = 0.2
            except OSError as exc:
                if not self._stop.is_set():  # stop() closes it on purpose: a finished demo is no warning
                    log.warning("AMI %s:%s: %s", self.host, self.port, exc)
            finally:
                self._sock = None
                if self.connected.is_set():
                    self.connected.clear()
                    self._state("down" if self._reading.is_set() else "paused")
            self._reading.wait()  # paused: until resume() or stop()
            wait = max(backoff, self._hold_until - time.monotonic())  # a hold_off meanwhile still holds
            if self._stop.wait(wait):
                break
            backoff = min(backoff * 2, self.backoff_max)

    def _state(self, state: str) -> None:
        if self.on_state:
            try:
                self.on_state(state)
            except Exception:
                log.exception("AMI state handler failed")

    def _deliver(self, frames: list[bytes]) -> None:
        if self.on_frames:
            try:
                self.on_frames(frames)
            except Exception:
                log.exception("AMI frames handler failed")
            return
        if self.on_message:
            for frame in frames:
                msg = parse(frame, thin=False)
                try:
                    self.on_message(msg)
                except Exception:
                    log.exception("AMI handler failed on %s", msg.name)

    def _timed(self, frames: list[bytes]) -> list[bytes]:
        """Frames with a Timestamp: as they are when Asterisk sends one (checked once per session:
        timestampevents is global), else stamped with their arrival time."""
        if self.untimed is None:
            # FullyBooted is written straight to the new session, never with a Timestamp
            first = next((f for f in frames if f.startswith(b"Event: ") and not f.startswith(b"Event: FullyBooted")),
                         None)
            if first is None:
                return frames
            self.untimed = b"\r\nTimestamp: " not in first
            if self.untimed:
                log.error("AMI %s:%s sends events without a Timestamp header: call times and durations "
                          "are taken from when events arrive (less exact) and those records are marked. "
                          "Fix: `timestampevents = yes` in the [general] section of manager.conf, then "
                          "`asterisk -rx 'manager reload'`", self.host, self.port)
            self._state("untimed" if self.untimed else "timed")
        if not self.untimed:
            return frames
        stamp = b"\r\nTimestamp: %.6f" % time.time()
        return [f + stamp if f.startswith(b"Event: ") and b"\r\nTimestamp: " not in f else f for f in frames]

    def _session(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=5)
        sock.settimeout(1.0)
        self._sock = sock
        reader = FrameReader()
        self.untimed = None
        self.send("Login", Username=self.user, Secret=self.secret, Events=self.events)
        last_ping = time.monotonic()
        logged_in = False
        reading = self._reading.is_set
        try:
            while not self._stop.is_set() and reading():
                try:
                    data = sock.recv(1 << 16)
                except TimeoutError:
                    data = None
                if data == b"":
                    raise ConnectionError("AMI closed the connection")
                if data:
                    if self.on_bytes:
                        try:
                            self.on_bytes(data)
                        except Exception:
                            log.exception("AMI bytes handler failed")
                    frames = reader.feed(data)
                    if not logged_in:
                        for i, frame in enumerate(frames):
                            msg = parse(frame, thin=False)
                            if msg.kind == "response":
                                if msg.name.lower() != "success":
                                    raise ConnectionError(f"AMI login refused: {msg.get('Message')}")
                                logged_in = True
                                self.connects += 1
                                self.connected.set()
                                self._state("up")
                                del frames[i]  # the login's answer is ours, not the handlers'
                                break
                    if frames and self.stamp_arrival:
                        frames = self._timed(frames)
                    if frames:
                        self._deliver(frames)
                now = time.monotonic()
                if logged_in and now - last_ping >= self.ping_interval:
                    self.send("Ping")
                    last_ping = now
        finally:
            sock.close()
