"""The core's refusals, sayable in the panel's language: a :class:`DomainError` carries an English
message template (a gettext msgid with ``%(name)s`` placeholders) and its named params. Its text,
``str(exc)``, is the English sentence the logs, the CLI and the core's tests read; the panel
translates ``exc.template`` and fills in ``exc.params`` (web/reasons.py). Templates are marked
with :func:`N_` so that web/translations/zh.py extracts them from hotline/ too."""

from __future__ import annotations

from typing import Self


def N_(template: str) -> str:
    """Marks ``template`` for extraction; translated where it is shown, not here."""
    return template


class DomainError(ValueError):
    """A request the domain refuses. ``template`` % ``params`` is the English message."""

    def __init__(self, template: str, /, **params: object) -> None:
        self.template, self.params = template, params
        super().__init__(template % params if params else template)

    @classmethod
    def wrapping(cls, exc: Exception) -> Self:
        """This kind of error saying what ``exc`` said: a DomainError's own template and params
        (so it stays translatable), anything else's text as its one param."""
        if isinstance(exc, DomainError):
            return cls(exc.template, **exc.params)
        return cls(N_("%(text)s"), text=str(exc))
