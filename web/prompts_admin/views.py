"""The Prompts page (#18, role admin): every standard phrase with its text, rule, where it plays,
what made its audio and a player; upload a recording, revert to speech, edit the text, and the
history with a restore per version. The work is the core's (hotline.prompt_library.library), the
same as `hotline prompts`."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from hotline.models import PromptVersion
from hotline.prompt_library import library
from hotline.prompt_library.recording import ACCEPTED, RecordingError
from web.auth.access import roles
from web.context import db, settings

log = logging.getLogger(__name__)
bp = Blueprint("prompts_admin", __name__)


@bp.app_template_global()
def prompt_plays(used: str) -> str:
    """Where a prompt plays (hotline/phrases.toml's ``used``) in the page's language; a text
    without its translation shows as written. Plain text: the template escapes it."""
    return _(used)


def _labels() -> dict[str, str]:
    """What made a prompt's audio, and what a change was, in the page's language."""
    return {"recording": _("recording"), "gtts": "gTTS", "espeak": "espeak-ng", "missing": _("missing"),
            "unknown": _("unknown"), "build": _("built by the speech engine"), "upload": _("recording uploaded"),
            "revert": _("reverted to speech"), "text": _("text edited"), "restore": _("version restored")}


def _message(exc: library.PromptChangeError | RecordingError) -> str:
    p = exc.params
    known = {
        "not_audio": lambda: _("%(name)s is not an audio file that can be read (wav, mp3, m4a, ogg are accepted).",
                               name=p["name"]),
        "silent": lambda: _("%(name)s is silent: nothing to hear in it.", name=p["name"]),
        "too_long": lambda: _("%(name)s is %(seconds)s s long without its silence; a prompt may be at most "
                              "%(max)s s.", name=p["name"], seconds=p["seconds"], max=p["max"]),
        "no_version": lambda: _("This prompt has no version %(version)s.", version=p["version"]),
        "file_gone": lambda: _("The file of version %(version)s is gone.", version=p["version"]),
        "engine": lambda: _("The speech engine could not say this text: %(why)s", why=p["why"]),
        "not_recording": lambda: _("This prompt is no recording: the speech engine says it already."),
        "empty": lambda: _("The text is empty."),
        "text_long": lambda: _("The text is %(n)s characters long; at most %(max)s.", n=p["n"], max=p["max"]),
        "bad_text": lambda: _("The text cannot be said: %(why)s", why=p["why"]),
        "unchanged": lambda: _("The prompt already has this text."),
    }
    return known[exc.kind]() if exc.kind in known else str(exc)


def _prompt_or_404(pid: str) -> library.PromptState:
    try:
        return library.state(settings(), pid)
    except library.PromptChangeError:
        abort(404)


@bp.get("/prompts")
@roles("admin")
def index() -> Any:
    return render_template("prompts_admin/index.html", states=library.states(settings()), labels=_labels())


@bp.get("/prompts/<path:pid>/audio")
@roles("admin")
def audio(pid: str) -> Any:
    st = _prompt_or_404(pid)
    path = st.prompt.wav_path(settings())
    if not path.is_file():
        abort(404)
    resp = send_file(path, mimetype="audio/wav", conditional=True, max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"  # the next play must hear a new upload
    return resp


@bp.get("/prompts/versions/<int:version_id>/audio")
@roles("admin")
def version_audio(version_id: int) -> Any:
    row = db().get(PromptVersion, version_id)
    path = library.version_file(settings(), row) if row is not None else None
    if path is None or not path.is_file():
        abort(404)
    resp = send_file(path, mimetype="audio/wav", conditional=True, max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _page(st: library.PromptState, status: int = 200) -> Any:
    return render_template("prompts_admin/prompt.html", st=st, history=library.history(db(), st.prompt.id),
                           labels=_labels(), accepted=ACCEPTED, max_s=settings().prompt_upload_max_s,
                           version_file=lambda row: library.version_file(settings(), row)), status


@bp.get("/prompts/<path:pid>")
@roles("admin")
def prompt(pid: str) -> Any:
    return _page(_prompt_or_404(pid))


def _done(st: library.PromptState, what: str) -> Any:
    flash(what, "ok")
    return redirect(url_for("prompts_admin.prompt", pid=st.prompt.id))


def _refused(st: library.PromptState, exc: library.PromptChangeError | RecordingError) -> Any:
    log.warning("prompt %s: change by %s refused: %s", st.prompt.id, current_user.username, exc)
    db().rollback()
    flash(_message(exc), "error")
    return _page(library.state(settings(), st.prompt.id), 400)


@bp.url_value_preprocessor
def _upload_size(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A recording may be larger than the panel's 1 MB per request (a minute of CD-quality wav is
    10 MB): the upload may send what the server takes (web_max_request_body_bytes). Set here, as
    URL values are processed before the CSRF check reads the form."""
    if endpoint == "prompts_admin.upload":
        request.max_content_length = settings().web_max_request_body_bytes


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge) -> Any:
    flash(_("The file is larger than %(mb)s MB: upload a shorter recording, or an mp3, m4a or ogg.",
            mb=settings().web_max_request_body_bytes // (1024 * 1024)), "error")
    return redirect(request.path.rsplit("/", 1)[0]) if request.path.endswith("/upload") else (str(exc), 413)


@bp.post("/prompts/<path:pid>/upload")
@roles("admin")
def upload(pid: str) -> Any:
    st = _prompt_or_404(pid)
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("Choose a recording to upload."), "error")
        return _page(st, 400)
    name = Path(file.filename).name[:200]
    suffix = Path(name).suffix.lower()
    # sox knows a file's format by its extension: keep the uploaded one (when it is a plain one)
    suffix = suffix if suffix[1:].isalnum() and len(suffix) <= 6 else ""
    with tempfile.TemporaryDirectory(prefix="hotline-upload-") as tmp:
        src = Path(tmp) / f"upload{suffix}"
        file.save(src)
        try:
            library.upload(db(), settings(), st.prompt.id, src, current_user.username, name)
        except (library.PromptChangeError, RecordingError) as exc:
            return _refused(st, exc)
    return _done(st, _("Recording uploaded: callers hear it from the next call on."))


def _change(pid: str, change: Callable[[str], object], done: str) -> Any:
    """One operator change of prompt ``pid`` made by the core: refused → the page again, saying why."""
    st = _prompt_or_404(pid)
    try:
        change(st.prompt.id)
    except (library.PromptChangeError, RecordingError) as exc:
        return _refused(st, exc)
    return _done(st, done)


@bp.post("/prompts/<path:pid>/revert")
@roles("admin")
def revert(pid: str) -> Any:
    return _change(pid, lambda p: library.revert(db(), settings(), p, current_user.username),
                   _("The speech engine says this prompt again."))


@bp.post("/prompts/<path:pid>/text")
@roles("admin")
def text(pid: str) -> Any:
    return _change(pid, lambda p: library.edit_text(db(), settings(), p, request.form.get("text") or "",
                                                    current_user.username), _("Text saved."))


@bp.post("/prompts/<path:pid>/restore")
@roles("admin")
def restore(pid: str) -> Any:
    try:
        version = int(request.form.get("version") or "")
    except ValueError:
        abort(400)
    return _change(pid, lambda p: library.restore(db(), settings(), p, version, current_user.username),
                   _("Version %(version)s restored: callers hear it from the next call on.", version=version))
