"""Why a callback task was not dialled (``hotline.callbacks.dial``: the panel's 回拨, the desk's
dial-out, the CLI). A refused dial raises :class:`DialRefused`, a ``CallbackError`` and so a
``hotline.errors.DomainError``: an English template with its params (``id``, a time ``at`` in the
operator's zone, ``limit``, ``status`` …). ``str(exc)`` is the English sentence for logs and the
CLI; the panel says the template in the agent's language (web/reasons.py), as every other core
refusal. Nothing stores a refusal."""

from __future__ import annotations

from hotline.callbacks.tasks import CallbackError


class DialRefused(CallbackError):
    """A dial the callback rules (or the PBX) refuse: the dialer logs it once, so the panel need
    not log it again."""
