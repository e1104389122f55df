"""Recordings: served only from inside the configured monitor directory, every listen on record
(R-PRIVACY)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Response, abort, request, send_file
from flask_login import current_user
from sqlalchemy import select

from hotline.models import Call, RecordingListen
from hotline.pbx.config import Layout
from hotline.recording_parts import Part, parts
from hotline.settings import Settings
from hotline.timeutil import utcnow
from web.context import db, settings

log = logging.getLogger(__name__)


def recordings_dir(s: Settings) -> Path:
    return Path(s.recordings_dir) if s.recordings_dir else Layout(s.asterisk_dir).monitor


def safe_path(s: Settings, stored: str | None) -> Path | None:
    """The recording file if it lies inside the recordings dir (after resolving links and '..')
    and exists; None otherwise — the stored path is never trusted as such."""
    if not stored:
        return None
    base = recordings_dir(s).resolve()
    try:
        path = Path(stored).resolve()
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def playable(s: Settings, c: Call) -> list[Part]:
    """The parts of the call's recording that may be served, in the order their agents' legs
    started (hotline/recording_parts.py): a transferred call's agents each recorded theirs."""
    return [p for p in parts(c.call_id, c.recording) if safe_path(s, str(p.path)) is not None]


def serve(c: Call, part: int = 0) -> Response:
    """Part ``part`` of the call's recording for the current user (a 404 when there is none to serve)."""
    found = playable(settings(), c)
    if not 0 <= part < len(found):
        if c.recording and not found:
            log.warning("call %s: recording %r is not a file inside the recordings dir; not served", c.id, c.recording)
        abort(404)
    path = safe_path(settings(), str(found[part].path))
    if path is None:  # gone since it was listed
        abort(404)
    resp = send_file(path, mimetype="audio/wav", conditional=True, max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    if starts_a_listen(resp) or (sends_content(resp) and not listened_lately(c)):
        db().add(RecordingListen(call_pk=c.id, user_id=current_user.id, username=current_user.username,
                                 remote_addr=request.remote_addr, at=utcnow()))
        db().commit()
    return resp


LISTEN_WINDOW = timedelta(minutes=30)  # a player's later ranges belong to the listen that started it


def sends_content(resp: Response) -> bool:
    return resp.status_code in (200, 206)  # not 304 or 416: nothing of the file sent


def listened_lately(c: Call) -> bool:
    """Whether this user's listen of this call is on record within LISTEN_WINDOW: a fetch of a later
    part of the file (``bytes=1-`` is the whole file but its first byte) is a listen of its own
    unless it follows one."""
    since = utcnow() - LISTEN_WINDOW
    q = select(RecordingListen.id).where(RecordingListen.call_pk == c.id, RecordingListen.user_id == current_user.id,
                                         RecordingListen.at >= since).limit(1)
    return db().scalar(q) is not None


def starts_a_listen(resp: Response) -> bool:
    """R-PRIVACY: every listen is on record. A player fetches in ranges; a listen is any answer
    that carries the file's first byte — the whole file (200), or a range from byte 0 however the
    Range header spelled it (``bytes=00-``, ``BYTES=0-``, ``bytes=-<size>``, several ranges, an
    If-Range that no longer matches). Judged on what is sent, as Werkzeug parsed the request,
    not on the header's text."""
    if resp.status_code != 206:
        return resp.status_code == 200
    rng = resp.content_range
    return rng is None or rng.start is None or rng.start == 0
