"""AMI framing at the byte level.

Frames end with a blank line (CRLF CRLF). Splitting bytes before decoding means a UTF-8
character split across two TCP reads is joined again before it is decoded; bytes that are not
UTF-8 are replaced, never fatal. The banner line (``Asterisk Call Manager/5.0.x``) carries no blank
line after it and is recognised on its own.
"""

from __future__ import annotations

import logging
from typing import Iterable, Iterator

log = logging.getLogger(__name__)

SEP = b"\r\n\r\n"
SEP_TEXT = "\r\n\r\n"
BANNER = b"Asterisk Call Manager"
MAX_FRAME = 1 << 20  # a frame larger than this is garbage; it is dropped, logged


class Message:
    """One AMI frame: an event, a response, a banner, or something unknown.

    ``name``, ``kind`` and ``timestamp`` are worked out once here: the tracker and the builder
    read them for every event many times over."""

    __slots__ = ("headers", "raw", "name", "kind", "timestamp", "thin")

    def __init__(self, headers: dict[str, str], raw: str, thin: bool = False):
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
        ts = headers.get("Timestamp")
        try:
            self.timestamp: float | None = None if ts is None else float(ts)
        except ValueError:
            self.timestamp = None

    def __repr__(self) -> str:
        return f"Message({self.kind} {self.name})"

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.headers.get(key, default)

    def full(self) -> "Message":
        """Every header, for a frame that was parsed thin."""
        return _parse_full(self.raw.encode("utf-8", "replace")) if self.thin else self

    def __getitem__(self, key: str) -> str:
        return self.headers[key]


# Frames the call builder and the live view never read beyond their name, Linkedid and time, but
# that make up most of the stream (VarSet and CEL alone are two thirds of it). They are parsed thin;
# the raw text is kept whole for the event store, and ``full()`` parses it on demand. VarSet of the
# variables the builder reads (HOTLINE_*, QUEUESTATUS, MIXMONITOR_FILENAME) is parsed in full.
THIN_EVENTS = frozenset((b"CEL", b"Newexten", b"AGIExecStart", b"AGIExecEnd", b"RTCPSent", b"RTCPReceived",
                         b"DTMFBegin", b"DTMFEnd", b"DeviceStateChange", b"ExtensionStatus", b"VarSet",
                         b"MusicOnHoldStart", b"MusicOnHoldStop", b"NewConnectedLine", b"LocalBridge",
                         b"ChannelTalkingStart", b"ChannelTalkingStop"))


def _header(text: str, key: str) -> str | None:
    at = text.find(key)
    if at < 0:
        return None
    at += len(key)
    end = text.find("\r\n", at)
    return text[at:] if end < 0 else text[at:end]


def parse(frame: bytes, thin: bool = True) -> Message:
    """Headers of one frame. The first occurrence of a repeated header wins; lines without a
    colon are ignored (and kept in ``raw``). With ``thin``, bulk events keep only their name,
    Linkedid and Timestamp (all the listener needs of them). A NUL byte (no AMI text has one;
    PostgreSQL refuses to store it) becomes U+FFFD like any other undecodable byte."""
    if b"\x00" in frame:
        frame = frame.replace(b"\x00", "\ufffd".encode())
    if thin and frame.startswith(b"Event: "):
        end = frame.find(b"\r\n")
        name = frame[7:end] if end > 0 else b""
        if name in THIN_EVENTS and not (name == b"VarSet" and (
                b"\r\nVariable: HOTLINE_" in frame or b"\r\nVariable: QUEUESTATUS\r\n" in frame
                or b"\r\nVariable: MIXMONITOR_FILENAME\r\n" in frame)):
            text = frame.decode("utf-8", errors="replace")
            headers = {"Event": name.decode("ascii", "replace")}
            key = "LinkedID" if name == b"CEL" else "Linkedid"  # CEL spells it differently
            value = _header(text, "\r\n" + key + ": ")
            if value is not None:
                headers[key] = value
            value = _header(text, "\r\nTimestamp: ")
            if value is not None:
                headers["Timestamp"] = value
            return Message(headers, text, thin=True)
    return _parse_full(frame)


def _parse_full(frame: bytes) -> Message:
    text = frame.decode("utf-8", errors="replace")
    if frame.startswith(BANNER):
        return Message({"Banner": text.strip()}, text)
    headers: dict[str, str] = {}
    for line in text.split("\r\n") if "\r\n" in text else text.split("\n"):
        key, sep, value = line.partition(": ")
        if not sep:  # "Key:" with no value, or "Key:value"
            key, sep, value = line.partition(":")
            if not sep:
                continue
            key, value = key.strip(), value.strip()
        if key and key not in headers:
            headers[key] = value
    return Message(headers, text)


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
        parts = bytes(buf).split(SEP)
        buf[:] = parts.pop()
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


def read_messages(chunks: Iterable[bytes]) -> Iterator[Message]:
    reader = FrameReader()
    for chunk in chunks:
        for frame in reader.feed(chunk):
            yield parse(frame)
    tail = reader.pending().strip(b"\r\n")
    if tail:
        log.warning("AMI: stream ended inside a frame; %d bytes of it dropped", len(tail))


def read_file(path: str, chunk_size: int = 1 << 16) -> Iterator[Message]:
    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as fh:
            while block := fh.read(chunk_size):
                yield block
    return read_messages(chunks())
