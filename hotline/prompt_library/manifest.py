"""What each prompt file in the sounds dir is: the manifest beside the audio, and the lock every
writer of the sounds dir holds.

The manifest (``.prompts-manifest.json``) maps a prompt id to how its current file was made:
``engine`` (``gtts`` / ``espeak`` for synthesised audio, ``recording`` for an uploaded one),
``text`` (what it says, rendered), ``key`` (the build's cache key, synthesised audio only),
``template`` (the operator's own text for the prompt, when it was edited in the panel or with
``hotline prompts text``; absent: the catalogue's) and ``version`` (the ``prompt_versions`` row the
file is a copy of, once it has one). It lives with the audio because it describes the audio: a
build, the IVR and the panel all read it without a database.

Prompt audio is no personal data and an Asterisk running as another user must read it (README
"Personal data at rest"): everything written here is made world-readable explicitly, since every
hotline process — the panel, `hotline prompts` — runs with umask 077.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hotline.prompt_catalogue import CatalogueError, Prompt, render_text
from hotline.settings import Settings

log = logging.getLogger(__name__)

MANIFEST = ".prompts-manifest.json"
LOCK = ".prompts.lock"
RECORDING = "recording"  # the engine of an uploaded file
FILE_MODE = 0o644
DIR_MODE = 0o755

Manifest = dict[str, dict[str, Any]]


def shared_dir(path: Path) -> Path:
    """path as a directory others may read; the parents it has to make too (a directory made
    under the private umask would be 0700)."""
    missing = [d for d in (path, *path.parents) if not d.exists()]
    for d in reversed(missing):
        d.mkdir(mode=DIR_MODE, exist_ok=True)
        d.chmod(DIR_MODE)
    if path.stat().st_mode & 0o777 != DIR_MODE and path.stat().st_uid == os.getuid():
        path.chmod(DIR_MODE)
    return path


def read_manifest(sounds_dir: Path) -> Manifest:
    path = sounds_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        # a damaged manifest only costs a full re-render
        log.warning("prompt manifest %s unreadable (%s): rendering everything", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def write_manifest(sounds_dir: Path, manifest: Manifest) -> None:
    path = sounds_dir / MANIFEST
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    tmp.chmod(FILE_MODE)
    os.replace(tmp, path)


@contextmanager
def locked(s: Settings) -> Iterator[None]:
    """Held by every writer of the sounds dir (a build, an upload, a revert …), across processes:
    a build running while the panel takes an upload must not write the old text's audio over it."""
    # the runtime dir holds the database and secrets: private, as `hotline run` makes it, even
    # when a first `hotline prompts build` makes it; only the audio below it is shared
    s.runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    shared_dir(s.sounds_dir)
    fd = os.open(s.sounds_dir / LOCK, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def template_of(p: Prompt, entry: dict[str, Any] | None) -> str:
    """The prompt's text as the operator has it: their own when edited, else the catalogue's."""
    own = (entry or {}).get("template")
    return own if isinstance(own, str) and own else p.template


def current_text(p: Prompt, s: Settings, entry: dict[str, Any] | None) -> str:
    """What the prompt should say now, rendered from the settings (company name, limits, hours)."""
    try:
        return render_text(template_of(p, entry), s, p.id)
    except CatalogueError:
        # an edited text checked at its edit can only stop rendering if a placeholder went away
        log.warning("prompt %s: its edited text no longer renders; using the catalogue's", p.id)
        return p.text(s)
