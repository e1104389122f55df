"""R-PRIVACY in the core: what a reader who may not see personal numbers (an inspector) is shown.
The one masking rule; the panel's ``web.view.number_for`` applies the same rule to its user."""

from __future__ import annotations

import logging
import re

from hotline.vocabulary import Role

KEEP_DIGITS = 4


def mask_number(number: str | None) -> str | None:
    """Only the last 4 digits shown: ``+8613800001234`` → ``**********1234``."""
    if number is None:
        return None
    return "*" * max(len(number) - KEEP_DIGITS, 3) + number[-KEEP_DIGITS:]


def sees_numbers(role: str) -> bool:
    """Inspectors read records with numbers masked; agents, supervisors and admins see them."""
    return role != Role.INSPECTOR


# A phone number in free text: 7 to 15 digits, maybe after a "+", standing alone — not part of a
# word, a channel's unique id (``1733384346.12``) or a longer run of digits.
_NUMBER_IN_TEXT = re.compile(r"(?<![\w.+])\+?\d{7,15}(?![\w.])")
# What comes before an Asterisk channel name's sequence suffix: ``Local/10000@from-pstn-`` in
# ``Local/10000@from-pstn-00000014;2`` (8 hex digits, which may all be digits). A hyphen alone is
# no sign: ``010-12345678`` is a landline number.
_CHANNEL_BEFORE_SUFFIX = re.compile(r"\b[A-Za-z][\w-]*/[^\s/,]*-\Z")


def _is_channel_suffix(m: re.Match[str]) -> bool:
    return len(m.group(0)) == 8 and bool(_CHANNEL_BEFORE_SUFFIX.search(m.string, max(0, m.start() - 200), m.start()))


def redact_numbers(text: str) -> str:
    """R-PRIVACY in logs: every phone number in ``text`` masked like an inspector sees it; a
    channel name's sequence suffix is no phone number (the number a channel name holds is)."""
    return _NUMBER_IN_TEXT.sub(lambda m: m.group(0) if _is_channel_suffix(m) else mask_number(m.group(0)) or "",
                               text)


class RedactNumbers(logging.Filter):
    """A logging filter that masks phone numbers in each record's message (R-PRIVACY: logs
    outlive calls and are read by whoever runs the server). Installed on the root handlers by
    ``hotline.cli.main``, so every service's log is covered."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_numbers(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
