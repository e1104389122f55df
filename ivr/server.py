"""An asyncio FastAGI server: one task per channel, each session isolated from the others.

A malformed request, a protocol error, a hang-up or any exception in a flow ends that session only
(logged); the server keeps serving. Command turnaround — from the last line read from Asterisk to
the next command written, i.e. how long a channel waits on the IVR, database look-ups included —
is measured here, in the server, for the benchmark.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from ivr.agi import AgiProtocolError, AgiRequest, CallerHangup, Reply, command_line, parse_reply, parse_request

log = logging.getLogger(__name__)


class PortCheck(AgiProtocolError):
    """A connection closed before sending a byte: a port check, not a bad request."""

MAX_LINE = 8192
# Commands Asterisk still runs on a dead channel: after HANGUP only these are sent.
DEAD_OK = {"SET VARIABLE", "GET VARIABLE", "GET FULL VARIABLE", "VERBOSE", "NOOP", "DATABASE PUT",
           "DATABASE GET", "DATABASE DEL"}


# Turnaround samples kept: the latest ones, for the benches' percentiles. A service runs for weeks: a
# window of a million (as it was) filled by ~40 MB, a few MB an hour under load — the IVR's growth in
# the soak (#17, README "Load figures"); 50 000 floats in a deque are ~2.5 MB at most.
TURNAROUND_KEPT = 50_000


@dataclass
class Stats:
    """Counters and command turnaround samples (seconds), a bounded window of the latest."""

    sessions_started: int = 0
    sessions_ended: int = 0
    sessions_failed: int = 0
    bad_requests: int = 0
    refused_peers: int = 0  # connections from an address not allowed
    refused_busy: int = 0  # connections over the session cap
    active: int = 0
    peak_active: int = 0
    commands: int = 0  # every command timed since the start
    turnaround: deque[float] = field(default_factory=lambda: deque(maxlen=TURNAROUND_KEPT))

    def add_turnaround(self, seconds: float) -> None:
        self.commands += 1
        self.turnaround.append(seconds)

    def percentile(self, p: float) -> float | None:
        if not self.turnaround:
            return None
        data = sorted(self.turnaround)
        k = min(len(data) - 1, max(0, round(p / 100 * (len(data) - 1))))
        return data[k]


class AgiChannel:
    """One AGI session: send commands, read replies."""

    def __init__(self, request: AgiRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 stats: Stats, reply_timeout_s: float = 600.0):
        self.request = request
        self._reader, self._writer = reader, writer
        self._stats = stats
        self._reply_timeout = reply_timeout_s
        self.hung_up = False
        # turnaround: how long Asterisk waits on us, from its last line read to our next command
        self._last_read = time.perf_counter()

    async def _line(self) -> str:
        raw = await asyncio.wait_for(self._reader.readline(), self._reply_timeout)
        if not raw:
            raise CallerHangup("AGI connection closed by Asterisk")
        return raw.decode("utf-8", errors="replace").rstrip("\r\n")

    async def command(self, verb: str, *args: object) -> Reply:
        """Send one command; raise CallerHangup when the channel is gone (for media commands)."""
        if self.hung_up and verb not in DEAD_OK:
            raise CallerHangup(f"{verb} after hang-up")
        self._stats.add_turnaround(time.perf_counter() - self._last_read)
        self._writer.write(command_line(verb, *args))
        await self._writer.drain()
        line = await self._line()
        while line == "HANGUP":
            self.hung_up = True
            line = await self._line()
        if line.startswith("520-"):
            block = [line]
            while not line.startswith("520 "):
                line = await self._line()
                block.append(line)
            reply = Reply(520, text="\n".join(block))
        else:
            reply = parse_reply(line)
        self._last_read = time.perf_counter()
        if reply.hangup:
            self.hung_up = True
            if verb not in DEAD_OK:
                raise CallerHangup(f"{verb}: channel hung up")
        elif not reply.ok:
            log.warning("AGI %s on %s: %s", verb, self.request.channel, reply.text)
        return reply


Handler = Callable[[AgiChannel], Awaitable[None]]


def _networks(allowed: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(a, strict=False) for a in allowed]


class AgiServer:
    """Routes each session by its request path (agi://host:port/<path>) to a handler.

    Only ``allowed_peers`` (addresses or networks: the Asterisk) may open a session, and at most
    ``max_sessions`` at once: AGI commands run dialplan applications on live calls, and each
    session holds a database worker. A refused connection is closed before anything is sent; the
    dialplan then queues the caller as when the IVR is down."""

    def __init__(self, routes: dict[str, Handler], host: str, port: int, request_timeout_s: float = 10.0,
                 allowed_peers: Iterable[str] = ("127.0.0.1", "::1"), max_sessions: int = 500):
        self.routes = routes
        self.host, self.port = host, port
        self.request_timeout_s = request_timeout_s
        self.allowed = _networks(allowed_peers)
        self.max_sessions = max_sessions
        self.stats = Stats()
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.on_close: list[Callable[[], Awaitable[None]]] = []  # run after the sessions ended

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port, limit=MAX_LINE,
                                                  reuse_address=True, backlog=1024)
        log.info("FastAGI listening on %s:%s", self.host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for hook in self.on_close:
            await hook()

    def _refusal(self, peer: object) -> str | None:
        """Why a connection from ``peer`` is refused, or None."""
        host = peer[0] if isinstance(peer, tuple) and peer else ""
        try:
            addr = ipaddress.ip_address(str(host).split("%", 1)[0])
        except ValueError:
            addr = None
        if addr is None or not any(addr in net for net in self.allowed):
            self.stats.refused_peers += 1
            return "address not allowed (setting agi_allowed_peers)"
        if len(self._tasks) >= self.max_sessions:
            self.stats.refused_busy += 1
            return f"{self.max_sessions} sessions already (setting ivr_max_sessions)"
        return None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        refusal = self._refusal(writer.get_extra_info("peername"))
        if task is not None and refusal is None:
            self._tasks.add(task)
        try:
            if refusal is not None:
                log.warning("FastAGI: refused %s: %s", writer.get_extra_info("peername"), refusal)
                return
            await self._session(reader, writer)
        except asyncio.CancelledError:
            pass  # the server is closing: asyncio would log the cancellation as an error
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            try:
                await writer.wait_closed()
            except (OSError, asyncio.CancelledError):
                pass

    async def _read_request(self, reader: asyncio.StreamReader) -> AgiRequest:
        lines: list[str] = []
        while True:
            raw = await reader.readline()
            if not raw and not lines:
                raise PortCheck("connected and closed without a byte")
            if not raw:
                raise AgiProtocolError("connection closed before the request ended")
            if not raw.endswith(b"\n"):
                raise AgiProtocolError("request line too long")
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if not line:
                return parse_request(lines)
            lines.append(line)
            if len(lines) > 200:
                raise AgiProtocolError("AGI request too long")

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stats = self.stats
        peer = writer.get_extra_info("peername")
        try:
            request = await asyncio.wait_for(self._read_request(reader), self.request_timeout_s)
        except PortCheck:
            # `hotline run` (and monitoring) checks the port answers: no request, nothing wrong
            log.debug("FastAGI: %s connected and closed without a request (a port check)", peer)
            return
        except (TimeoutError, AgiProtocolError, ValueError, asyncio.LimitOverrunError, OSError) as exc:
            stats.bad_requests += 1
            log.warning("FastAGI: bad request from %s: %s", peer, exc or type(exc).__name__)
            return
        handler = self.routes.get(request.path)
        if handler is None:
            stats.bad_requests += 1
            log.warning("FastAGI: no flow for path %r (channel %s)", request.path, request.channel)
            return
        stats.sessions_started += 1
        stats.active += 1
        stats.peak_active = max(stats.peak_active, stats.active)
        chan = AgiChannel(request, reader, writer, stats)
        try:
            await handler(chan)
        except CallerHangup as exc:
            log.info("FastAGI %s: caller hung up (%s)", request.channel, exc)
        except AgiProtocolError as exc:
            stats.bad_requests += 1
            log.warning("FastAGI %s: %s", request.channel, exc)
        except asyncio.CancelledError:
            raise
        except Exception:  # one broken session must never take the server down
            stats.sessions_failed += 1
            log.exception("FastAGI %s: session failed", request.channel)
        finally:
            stats.active -= 1
            stats.sessions_ended += 1


class ServerThread:
    """Runs an AgiServer on its own event loop in a thread (tests, benchmarks)."""

    def __init__(self, make_server: Callable[[], AgiServer]):
        self._make = make_server
        self.server: AgiServer | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> ServerThread:
        self._thread = threading.Thread(target=self._run, name="fastagi", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise TimeoutError("FastAGI server did not start")
        if self._error:
            raise self._error
        return self

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        try:
            self.server = self._make()
            self.loop.run_until_complete(self.server.start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.server.close())
        self.loop.close()

    def stop(self) -> None:
        if self.loop and self._thread and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
