"""Recordings: served only from inside the configured monitor directory, every listen on record
(R-PRIVACY)."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Response, abort, request, send_file
from flask_login import current_user

from hotline.models import Call, RecordingListen
from hotline.pbx.config import Layout
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


def serve(c: Call) -> Response:
    """The call's recording for the current user (a 404 when there is none to serve)."""
    path = safe_path(settings(), c.recording)
    if path is None:
        if c.recording:
            log.warning("call %s: recording %r is not a file inside the recordings dir; not served", c.id, c.recording)
        abort(404)
    # R-PRIVACY: every listen is on record. A player fetches in ranges; the first range (or a
    # whole-file request) is the listen.
    rng = request.headers.get("Range", "")
    if not rng or rng.replace(" ", "").startswith("bytes=0-"):
        db().add(RecordingListen(call_pk=c.id, user_id=current_user.id, username=current_user.username,
                                 remote_addr=request.remote_addr, at=utcnow()))
        db().commit()
    resp = send_file(path, mimetype="audio/wav", conditional=True, max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
