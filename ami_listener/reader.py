"""AMI framing at the byte level.

Frames end with a blank line (CRLF CRLF). Splitting bytes before decoding means a UTF-8
character split across two TCP reads is joined again before it is decoded; bytes that are not
UTF-8 are replaced, never fatal. The banner line (``Asterisk Call Manager/5.0.x``) carries no blank
line after it and is recognised on its own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from operator import methodcaller

log = logging.getLogger(__name__)

SEP = b"\r\n\r\n"
BANNER = b"Asterisk Call Manager"
MAX_FRAME = 1 << 20  # a frame larger than this is garbage; it is dropped, logged


class Message:
    """One AMI frame: an event, a response, a banner, or something unknown.

    ``raw`` is the frame's bytes exactly as received (what the event store keeps). ``name``,
    ``kind`` and ``timestamp`` are worked out once here: the tracker and the builder read them for
    every event many times over."""

    __slots__ = ("headers", "kind", "name", "raw", "thin", "timestamp")

    def __init__(self, headers: dict[str, str], raw: bytes, thin: bool = False):
        self.headers = headers
        self.raw = raw
        self.thin = thin  # only Event, Linkedid, Timestamp were read: see full()
        if "Event" in headers:
            self.kind, self.name = "event", headers["Event"]
        elif "Response" in headers:
            self.kind, self.name = "response", headers["Response"]
        elif "Banner" in headers:
            # a (re)connection: in a capture, what lies before it may be missing
            self.kind, self.name = "banner", ""
        else:
            self.kind, self.name = "unknown", ""
        self.timestamp = _timestamp(headers.get("Timestamp"))

    def __repr__(self) -> str:
        return f"Message({self.kind} {self.name})"

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.headers.get(key, default)

    def full(self) -> Message:
        """Every header, for a frame that was parsed thin."""
        return _parse_full(self.raw) if self.thin else self

    def __getitem__(self, key: str) -> str:
        return self.headers[key]


# the latest time a datetime can hold (9999-12-31, as epoch seconds): a Timestamp past it, or
# not finite ("inf", "nan", "1e400"), is no time at all and would crash whatever shows it
_LAST_EPOCH = 253402300799.0


def _timestamp(text: str | bytes | None) -> float | None:
    """A frame's ``Timestamp`` as epoch seconds; None when missing or not a time (logged by no
    one: a frame without a usable time is placed by its order, as one without the header is)."""
    if text is None:
        return None
    try:
        ts = float(text)
    except ValueError:
        return None
    return ts if 0.0 <= ts <= _LAST_EPOCH else None


_new_message = object.__new__


# Frames the call builder and the live view never read beyond their name, Linkedid and time, but
# that make up most of the stream (VarSet and CEL alone are two thirds of it). They are parsed thin;
# the raw bytes are kept whole for the event store, and ``full()`` parses it on demand. VarSet of the
# variables the builder reads (HOTLINE_*, QUEUESTATUS, MIXMONITOR_FILENAME) is parsed in full; so is
# DTMFEnd (one per key, rare): a key the queued caller pressed is how it left by the exit key.
THIN_EVENTS = frozenset((b"CEL", b"Newexten", b"AGIExecStart", b"AGIExecEnd", b"RTCPSent", b"RTCPReceived",
                         b"DTMFBegin", b"DeviceStateChange", b"ExtensionStatus", b"VarSet",
                         b"MusicOnHoldStart", b"MusicOnHoldStop", b"NewConnectedLine", b"LocalBridge",
                         b"ChannelTalkingStart", b"ChannelTalkingStop"))


# name → (its str, how its Linkedid line starts, that header's key): one lookup per frame
_THIN = {name: (name.decode(), b"\r\nLinkedID: " if name == b"CEL" else b"\r\nLinkedid: ",
                "LinkedID" if name == b"CEL" else "Linkedid") for name in THIN_EVENTS}
# VarSet of these variables is read by the builder: parsed in full
_WANTED_VARSET = re.compile(rb"\r\nVariable: (?:(?:__)?HOTLINE_|QUEUESTATUS\r\n|MIXMONITOR_FILENAME\r\n)")
# a Newexten running Queue() names the queue a caller it refused never joined (JOINEMPTY: no queue
# event does): parsed in full, the rest of the dialplan's steps thin
_QUEUE_APP = b"\r\nApplication: Queue\r\n"


def thin_fields(frame: bytes) -> tuple[str, str, str | None, float | None] | None:
    """For a frame of a THIN_EVENTS kind: (its name, its Linkedid header's key, the Linkedid,
    the Timestamp) — all the listener needs of it; None for any other frame. Runs for most of
    the stream, so it is written out by hand."""
    if not frame.startswith(b"Event: "):
        return None
    end = frame.find(b"\r\n")
    spec = _THIN.get(frame[7:end] if end > 0 else b"")
    if spec is None or (spec[0] == "VarSet" and _WANTED_VARSET.search(frame)) or (
            spec[0] == "Newexten" and _QUEUE_APP in frame):
        return None
    name, key, header = spec
    ts = lid = None
    at = frame.find(b"\r\nTimestamp: ")
    if at >= 0:
        end = frame.find(b"\r\n", at + 13)
        ts = _timestamp(frame[at + 13:] if end < 0 else frame[at + 13:end])
    at = frame.find(key)
    if at >= 0:
        at += len(key)
        end = frame.find(b"\r\n", at)
        lid = (frame[at:] if end < 0 else frame[at:end]).decode("utf-8", "replace")
        if "\x00" in lid:
            lid = lid.replace("\x00", "\ufffd")
    return name, header, lid, ts


def thin_message(name: str, header: str, lid: str | None, ts: float | None, frame: bytes) -> Message:
    msg = _new_message(Message)
    msg.headers = {"Event": name} if lid is None else {"Event": name, header: lid}
    msg.raw, msg.thin, msg.kind, msg.name, msg.timestamp = frame, True, "event", name, ts
    return msg


def parse(frame: bytes, thin: bool = True) -> Message:
    """Headers of one frame. The first occurrence of a repeated header wins; lines without a
    colon are ignored (and kept in ``raw``). With ``thin``, bulk events keep only their name,
    Linkedid and ``timestamp`` (all the listener needs of them; see thin_fields). In header
    values a NUL byte (no AMI text has one; PostgreSQL refuses it in text) becomes U+FFFD like
    any other undecodable byte; ``raw`` keeps the bytes as they came."""
    if thin:
        fields = thin_fields(frame)
        if fields is not None:
            return thin_message(*fields, frame)
    return _parse_full(frame)


def _parse_full(frame: bytes) -> Message:
    text = frame.decode("utf-8", errors="replace")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if frame.startswith(BANNER):
        return Message({"Banner": text.strip()}, frame)
    if text.count(": ") == text.count("\r\n") + 1:
        # the usual frame: every line one "Key: value" — split in one go, in C
        parts = text.replace("\r\n", ": ").split(": ")
        it = iter(parts)
        headers = dict(zip(it, it, strict=False))  # an odd part out is caught just below
        if len(headers) * 2 == len(parts) and "" not in headers:
            return Message(headers, frame)
    headers = {}
    for line in text.split("\r\n") if "\r\n" in text else text.split("\n"):
        key, sep, value = line.partition(": ")
        if not sep:  # "Key:" with no value, or "Key:value"
            key, sep, value = line.partition(":")
            if not sep:
                continue
            key, value = key.strip(), value.strip()
        if key and key not in headers:
            headers[key] = value
    return Message(headers, frame)


_trim = methodcaller("strip", b"\r\n")


class FrameReader:
    """Feed bytes as they arrive; get whole frames back."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.dropped = 0

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf
        # look for a frame end only where one can newly be: a peer trickling a huge frame in
        # small reads must not make every read rescan the whole buffer
        start = max(0, len(buf) - len(SEP) + 1)
        buf += data
        if buf.find(SEP, start) < 0:
            if len(buf) > MAX_FRAME:
                log.warning("AMI: dropping %d bytes without a frame end", len(buf))
                self.dropped += 1
                buf.clear()
            return []
        whole = bytes(buf)
        parts = whole.split(SEP)
        buf[:] = parts.pop()
        if len(whole) <= MAX_FRAME and BANNER not in whole:
            # the usual read (no frame can be oversized, no banner): only blank lines to drop
            return [part for part in map(_trim, parts) if part]
        out = []
        for part in parts:
            part = part.strip(b"\r\n")
            if not part:
                continue
            if len(part) > MAX_FRAME:
                log.warning("AMI: dropping an oversized frame of %d bytes", len(part))
                self.dropped += 1
                continue
            if part.startswith(BANNER):
                # the banner line has no blank line after it: it shares a frame with what follows
                banner, _, part = part.partition(b"\r\n")
                out.append(banner)
                if not part:
                    continue
            out.append(part)
        return out

    def pending(self) -> bytes:
        return bytes(self._buf)


def read_frames(chunks: Iterable[bytes]) -> Iterator[list[bytes]]:
    """The frames of a byte stream, a read at a time."""
    reader = FrameReader()
    for chunk in chunks:
        frames = reader.feed(chunk)
        if frames:
            yield frames
    tail = reader.pending().strip(b"\r\n")
    if tail:
        log.warning("AMI: stream ended inside a frame; %d bytes of it dropped", len(tail))


def read_messages(chunks: Iterable[bytes]) -> Iterator[Message]:
    for frames in read_frames(chunks):
        for frame in frames:
            yield parse(frame)


def file_chunks(path: str, chunk_size: int = 1 << 16) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while block := fh.read(chunk_size):
            yield block
