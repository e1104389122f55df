"""The operator's prompts (#18): upload a recording, revert to speech, edit a text, restore an
earlier version — the same functions for the panel's Prompts page and `hotline prompts`.

Asterisk plays a prompt by name (``hotline/welcome`` → ``sounds_dir/hotline/welcome.wav``) and
opens the file anew at every playback, so the IVR and the dialplan hear a new file from the next
call on with no restart or reload; a call already playing the old file keeps its open copy. The
file is swapped atomically: the new audio is written beside it and renamed over it, so a
playback never opens half a file.

Every change is a ``prompt_versions`` row (who, when, what, the file kept under
``runtime_dir/prompt-versions``); the first change of a prompt first keeps what the build made, so
everything the prompt ever said can be restored. A change that fails changes nothing: the file,
the manifest and the history are written only once the new audio exists.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import PromptVersion
from hotline.prompt_catalogue import CatalogueError, Prompt, by_id, load_catalogue, render_text
from hotline.prompt_library.audio import wav_seconds
from hotline.prompt_library.builder import BuildError, build_unlocked
from hotline.prompt_library.manifest import (
    FILE_MODE,
    RECORDING,
    Manifest,
    current_text,
    locked,
    read_manifest,
    shared_dir,
    template_of,
    write_manifest,
)
from hotline.prompt_library.recording import convert
from hotline.settings import Settings
from hotline.vocabulary import PromptAction

log = logging.getLogger(__name__)

MAX_TEXT = 500
BUILD_AUTHOR = "hotline prompts build"


class PromptChangeError(ValueError):
    """A change refused (unknown prompt, bad text, nothing to revert …); nothing was changed.
    ``kind`` and ``params`` let the panel say it in the page's language."""

    def __init__(self, message: str, kind: str = "other", **params: object):
        super().__init__(message)
        self.kind, self.params = kind, params


@dataclass(frozen=True)
class PromptState:
    prompt: Prompt
    text: str  # what it says now (rendered from the settings)
    template: str  # the text as the operator has it (placeholders unrendered)
    edited: bool  # the operator's own text, not the catalogue's
    source: str  # the engine of the current file (gtts / espeak / recording), "missing" without one
    stale: bool  # a recording whose words are no longer the prompt's text
    recorded_text: str  # what the current file says
    seconds: float | None


def versions_dir(s: Settings) -> Path:
    return s.runtime_dir / "prompt-versions"


def prompt(pid: str) -> Prompt:
    """A catalogue prompt by id ("welcome", "hotline/welcome", "digits/3")."""
    key = pid[len("hotline/"):] if pid.startswith("hotline/") else pid
    found = by_id(load_catalogue()).get(key)
    if found is None:
        raise PromptChangeError(f"no prompt {pid!r} in the catalogue (hotline prompts list)", "unknown", id=pid)
    return found


def _state(s: Settings, p: Prompt, entry: dict[str, Any] | None) -> PromptState:
    entry = entry or {}
    path = p.wav_path(s)
    exists = path.is_file()
    text = current_text(p, s, entry)
    source = str(entry.get("engine") or "unknown") if exists else "missing"
    recorded = str(entry.get("text") or "")
    return PromptState(p, text, template_of(p, entry), template_of(p, entry) != p.template, source,
                       source == RECORDING and recorded != text, recorded,
                       wav_seconds(path) if exists else None)


def states(s: Settings) -> list[PromptState]:
    manifest = read_manifest(s.sounds_dir)
    return [_state(s, p, manifest.get(p.id)) for p in load_catalogue()]


def state(s: Settings, pid: str) -> PromptState:
    p = prompt(pid)
    return _state(s, p, read_manifest(s.sounds_dir).get(p.id))


def history(session: Session, pid: str) -> list[PromptVersion]:
    """Every version of the prompt, the newest first."""
    p = prompt(pid)
    rows = session.scalars(select(PromptVersion).where(PromptVersion.prompt_id == p.id)
                           .order_by(PromptVersion.id.desc()))
    return list(rows)


def version_file(s: Settings, row: PromptVersion) -> Path:
    return versions_dir(s) / row.audio_file


def _now() -> datetime:
    return datetime.now(UTC)


def _keep(s: Settings, p: Prompt, audio: Path) -> tuple[str, float]:
    """A copy of audio in the versions dir; its name there and its length."""
    name = f"{p.id.replace('/', '_')}-{uuid.uuid4().hex[:12]}.wav"
    dst = shared_dir(versions_dir(s)) / name
    tmp = dst.with_name(f".{name}.tmp")
    shutil.copyfile(audio, tmp)
    tmp.chmod(FILE_MODE)
    os.replace(tmp, dst)
    return name, wav_seconds(dst)


def _install(s: Settings, p: Prompt, audio: Path) -> None:
    """audio becomes the prompt's file in one rename: a playback opens the old file or the new."""
    dst = p.wav_path(s)
    shared_dir(dst.parent)
    tmp = dst.with_name(f".{dst.stem}.{os.getpid()}.install.wav")
    shutil.copyfile(audio, tmp)
    tmp.chmod(FILE_MODE)
    os.replace(tmp, dst)


def _add(session: Session, s: Settings, p: Prompt, action: PromptAction, entry: dict[str, Any], by: str,
         audio: Path | None = None, kept: PromptVersion | None = None, **extra: Any) -> PromptVersion:
    """A history row for what entry describes: with a new copy of audio, or sharing kept's file."""
    if audio is not None:
        name, seconds = _keep(s, p, audio)
    elif kept is not None:
        name, seconds = kept.audio_file, kept.seconds
    else:
        raise ValueError("a version needs its audio")
    entry = {k: v for k, v in entry.items() if k != "version"}
    text = extra.pop("text", None) or str(entry.get("text") or "")
    row = PromptVersion(prompt_id=p.id, action=action.value, source=str(entry.get("engine") or "unknown"),
                        text=text, audio_file=name, seconds=seconds, entry=entry,
                        made_by=by, made_at=extra.pop("made_at", None) or _now(), **extra)
    session.add(row)
    session.flush()
    return row


def _current_version(session: Session, s: Settings, p: Prompt, manifest: Manifest) -> PromptVersion | None:
    """The version the current file is, kept first when it is none yet (what a build made)."""
    entry = manifest.get(p.id) or {}
    path = p.wav_path(s)
    if not path.is_file():
        return None
    vid = entry.get("version")
    row = session.get(PromptVersion, vid) if isinstance(vid, int) else None
    if row is not None and row.prompt_id == p.id and version_file(s, row).is_file() \
            and version_file(s, row).stat().st_size == path.stat().st_size:
        return row
    made = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    row = _add(session, s, p, PromptAction.BUILD, {**entry, "text": entry.get("text") or current_text(p, s, entry)},
               BUILD_AUTHOR, audio=path, made_at=made)
    manifest[p.id] = {**entry, "version": row.id}
    return row


def _commit_and_install(session: Session, s: Settings, p: Prompt, manifest: Manifest, row: PromptVersion) -> None:
    """The history first, then the file and the manifest: a file never plays without its row."""
    entry = {**row.entry, "version": row.id}
    session.commit()
    try:
        _install(s, p, version_file(s, row))
    except OSError:
        session.delete(row)
        session.commit()
        raise
    manifest[p.id] = entry
    write_manifest(s.sounds_dir, manifest)


def upload(session: Session, s: Settings, pid: str, src: Path, by: str, name: str | None = None) -> PromptVersion:
    """A recording (wav / mp3 / m4a / ogg) becomes the prompt: checked, converted, trimmed and
    levelled first (hotline.prompt_library.recording), so a refused file changes nothing."""
    p = prompt(pid)
    name = name or src.name
    with tempfile.TemporaryDirectory(prefix="hotline-upload-") as tmp:
        converted = Path(tmp) / "prompt.wav"
        convert(src, converted, s.prompt_upload_max_s, name)
        with locked(s):
            manifest = read_manifest(s.sounds_dir)
            _current_version(session, s, p, manifest)
            entry = {k: v for k, v in (manifest.get(p.id) or {}).items() if k == "template"}
            entry.update(engine=RECORDING, text=current_text(p, s, manifest.get(p.id)), file=f"{p.sound}.wav",
                         upload=name)
            row = _add(session, s, p, PromptAction.UPLOAD, entry, by, audio=converted, upload_name=name[:255])
            _commit_and_install(session, s, p, manifest, row)
    log.info("prompt %s: recording %s uploaded by %s (version %s)", p.id, name, by, row.id)
    return row


def restore(session: Session, s: Settings, pid: str, version_id: int, by: str) -> PromptVersion:
    """An earlier version is the prompt again: its audio, and the text it was made for."""
    p = prompt(pid)
    old = session.get(PromptVersion, version_id)
    if old is None or old.prompt_id != p.id:
        raise PromptChangeError(f"prompt {p.id} has no version {version_id}", "no_version", version=version_id)
    if not version_file(s, old).is_file():
        raise PromptChangeError(f"the file of version {version_id} is gone from {versions_dir(s)}", "file_gone",
                                version=version_id)
    with locked(s):
        manifest = read_manifest(s.sounds_dir)
        _current_version(session, s, p, manifest)
        row = _add(session, s, p, PromptAction.RESTORE, dict(old.entry), by, kept=old, restored_from=old.id)
        _commit_and_install(session, s, p, manifest, row)
    log.info("prompt %s: version %s restored by %s (version %s)", p.id, old.id, by, row.id)
    return row


def _speak(session: Session, s: Settings, p: Prompt, manifest: Manifest, entry: dict[str, Any],
           action: PromptAction, by: str) -> PromptVersion:
    """The engine says the prompt (entry: its manifest entry before, the edited text kept); on a
    failure the manifest on disk is put back, the rows not yet committed dropped: nothing changed."""
    on_disk = read_manifest(s.sounds_dir)
    manifest[p.id] = entry
    write_manifest(s.sounds_dir, manifest)
    why = ""
    try:
        report = build_unlocked(s, engine=s.prompts_engine, force=True, progress=None, only=[p.id])
        why = report.failed.get(p.id, "")
    except BuildError as exc:
        why = str(exc)
    if why or p.id not in report.rendered:
        session.rollback()
        write_manifest(s.sounds_dir, on_disk)
        raise PromptChangeError(f"the speech engine could not say prompt {p.id}: {why or 'nothing rendered'}",
                                "engine", why=why or "nothing rendered")
    manifest.update(read_manifest(s.sounds_dir))
    row = _add(session, s, p, action, manifest[p.id], by, audio=p.wav_path(s))
    session.commit()
    manifest[p.id] = {**manifest[p.id], "version": row.id}
    write_manifest(s.sounds_dir, manifest)
    return row


def revert(session: Session, s: Settings, pid: str, by: str) -> PromptVersion:
    """The recording gives way to the speech engine saying the prompt's text."""
    p = prompt(pid)
    with locked(s):
        manifest = read_manifest(s.sounds_dir)
        entry = dict(manifest.get(p.id) or {})
        if entry.get("engine") != RECORDING or not p.wav_path(s).is_file():
            raise PromptChangeError(f"prompt {p.id} is no recording: it is already said by the speech engine",
                                    "not_recording")
        _current_version(session, s, p, manifest)
        row = _speak(session, s, p, manifest, {k: v for k, v in entry.items() if k == "template"},
                     PromptAction.REVERT, by)
    log.info("prompt %s: reverted to speech (%s) by %s (version %s)", p.id, row.source, by, row.id)
    return row


def _checked_template(s: Settings, p: Prompt, text: str) -> str:
    text = text.strip()
    if not text:
        raise PromptChangeError("the text is empty", "empty")
    if len(text) > MAX_TEXT:
        raise PromptChangeError(f"the text is {len(text)} characters long; at most {MAX_TEXT}", "text_long",
                                n=len(text), max=MAX_TEXT)
    try:
        render_text(text, s, p.id)
    except (CatalogueError, ValueError, IndexError) as exc:
        raise PromptChangeError(f"the text cannot be said: {exc}", "bad_text", why=str(exc)) from exc
    return text


def edit_text(session: Session, s: Settings, pid: str, text: str, by: str) -> PromptVersion:
    """The prompt's own text. Speech is said again with it; a recording is kept, and shown as not
    matching its text until a new one is uploaded or the prompt reverts to speech."""
    p = prompt(pid)
    template = _checked_template(s, p, text)
    with locked(s):
        manifest = read_manifest(s.sounds_dir)
        entry = dict(manifest.get(p.id) or {})
        if template == template_of(p, entry):
            raise PromptChangeError(f"prompt {p.id} already has this text", "unchanged")
        current = _current_version(session, s, p, manifest)
        entry.pop("template", None)
        if template != p.template:
            entry["template"] = template
        if entry.get("engine") == RECORDING and current is not None:
            row = _add(session, s, p, PromptAction.TEXT, entry, by, kept=current, text=current_text(p, s, entry))
            manifest[p.id] = {**entry, "version": row.id}
            session.commit()
            write_manifest(s.sounds_dir, manifest)
        else:
            row = _speak(session, s, p, manifest, entry, PromptAction.TEXT, by)
    log.info("prompt %s: text edited by %s (version %s)", p.id, by, row.id)
    return row
