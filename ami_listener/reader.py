"""AMI framing at the byte level.

Frames end with a blank line (CRLF CRLF). Splitting bytes before decoding means a UTF-8
character split across two TCP reads is joined again before it is decoded; bytes that are not
UTF-8 are replaced, never fatal. The banner line (``Asterisk Call Manager/5.0.x``) carries no blank
line after it and is recognised on its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterable, Iterator

log = logging.getLogger(__name__)

SEP = b"\r\n\r\n"
BANNER = b"Asterisk Call Manager"
MAX_FRAME = 1 << 20  # a frame larger than this is garbage; it is dropped, logged


@dataclass(slots=True)
class Message:
    """One AMI frame: an event, a response, or something unknown."""

    headers: dict[str, str]
    raw: str = field(repr=False)

    @property
    def kind(self) -> str:
        if "Event" in self.headers:
            return "event"
        if "Response" in self.headers:
            return "response"
        if "Banner" in self.headers:
            return "banner"  # a (re)connection: in a capture, what lies before it may be missing
        return "unknown"

    @property
    def name(self) -> str:
        return self.headers.get("Event") or self.headers.get("Response") or ""

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.headers.get(key, default)

    def __getitem__(self, key: str) -> str:
        return self.headers[key]

    @property
    def timestamp(self) -> float | None:
        value = self.headers.get("Timestamp")
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            return None


def parse(frame: bytes) -> Message:
    """Headers of one frame. The first occurrence of a repeated header wins; lines without a
    colon are ignored (and kept in ``raw``)."""
    text = frame.decode("utf-8", errors="replace")
    if frame.startswith(BANNER):
        return Message({"Banner": text.strip()}, text)
    headers: dict[str, str] = {}
    for line in text.split("\r\n") if "\r\n" in text else text.split("\n"):
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip()
        if key and key not in headers:
            headers[key] = value.strip()
    return Message(headers, text)


class FrameReader:
    """Feed bytes as they arrive; get whole frames back."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.dropped = 0

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf
        buf += data
        if SEP not in buf:
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
