"""What the panel says when the callback rules refuse a dial (the agent page's 回拨, the desk's
dial-out), in the page's language: from the refusal's code (``hotline.callbacks.DialRefusal``),
never from the core's English sentence, which is for logs and the CLI."""

from __future__ import annotations

from flask_babel import gettext as _

from hotline.callbacks import DialRefusal, DialRefused
from web.i18n import label
from web.view import local_time


def _why(r: DialRefused) -> str:
    at = local_time(r.at, "%Y-%m-%d %H:%M")
    limit = r.limit if r.limit is not None else "?"
    why = {DialRefusal.NO_TASK: _("there is no such callback task."),
           DialRefusal.NOT_AN_AGENT: _("your extension is not an agent's extension number."),
           # ``label``: a known status in the page's language, anything else as plain text
           DialRefusal.CLOSED: _("the task is closed (%(status)s).", status=label(r.status)),
           DialRefusal.IN_PROGRESS: _("a call of this task is still going on."),
           DialRefusal.NO_ATTEMPTS_LEFT: _("the task has had its %(n)s attempts.", n=limit),
           DialRefusal.RETRY_LATER: _("too soon after the last attempt: dial again from %(at)s.", at=at),
           DialRefusal.NOT_YET: _("the task may be dialled from %(at)s.", at=at),
           DialRefusal.HELD: _("the number is outside the dialling policy and waits for a supervisor's approval."),
           DialRefusal.OUTSIDE_POLICY: _("the number is outside the dialling policy: the task now waits for a "
                                         "supervisor's approval."),
           DialRefusal.DAY_CAP: _("the hotline has made its %(n)s dials for today.", n=limit),
           DialRefusal.NUMBER_DAY_CAP: _("this number has been dialled %(n)s times today, the most allowed.", n=limit),
           DialRefusal.PBX_FAILED: _("the phone system cannot be reached.")}
    return why[r.reason]


def dial_refusal_text(exc: Exception) -> str:
    """Why a dial was not made, as the agent reads it. Anything without a code (a ``CallbackError``
    of a rule outside the dial itself, a task this agent may not see) is said as a plain refusal:
    its English text is the log's."""
    if isinstance(exc, DialRefused):
        return _("Not dialled: %(reason)s", reason=_why(exc))
    return _("Not dialled: the callback rules refuse it.")
