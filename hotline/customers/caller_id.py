"""A caller's name as the caller ID gives it (CallerIDName), for a form to start from when the
customer master does not know the caller (the desk's case form, 新建工单).

The caller ID is the caller's to choose and the network's to fill: a carrier's placeholder
("anonymous", "unknown", …), the number again, control characters or markup. Only a name that
reads as one is offered; the page escapes it as any text (autoescaped), so markup shows as typed."""

from __future__ import annotations

import logging
import unicodedata

from hotline.callbacks.numbers import is_withheld

log = logging.getLogger(__name__)


def caller_id_name(raw: str | None, limit: int) -> str | None:
    """``raw`` as a name of at most ``limit`` characters: control and format characters (a line
    break, a NUL, a bidi override) become spaces, runs of spaces one; None when nothing is left,
    for a placeholder of a withheld caller ID, or for a number (no letter in it: digits, ``+``,
    dashes)."""
    if raw is None:
        return None
    text = " ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in raw).split())
    if is_withheld(text) or is_withheld(text.strip("<>")) or not any(ch.isalpha() for ch in text):
        return None
    if len(text) > limit:
        log.info("a caller-ID name of %d characters cut to %d", len(text), limit)
    return text[:limit].rstrip() or None
