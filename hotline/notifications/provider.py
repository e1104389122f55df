"""What an SMS gateway is to the sender: one call per message, and a verdict that says whether the
message certainly did not go (retry), certainly went, or may have gone (never resent)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # the gateway took it
    NOT_SENT = "not_sent"  # certainly not taken (gateway down, busy): try again later
    REJECTED = "rejected"  # refused for good (bad number, bad credentials): failed
    UNKNOWN = "unknown"  # the request went out but no answer came: it may have gone, never resend


@dataclass(frozen=True)
class OutgoingSms:
    message_id: int
    to: str  # E.164
    text: str
    ref: str  # our reference for this send (the claim token), echoed in delivery reports


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_message_id: str | None = None
    detail: str | None = None


class SmsProvider(Protocol):
    name: str

    def send(self, sms: OutgoingSms) -> SendResult: ...
