"""Where recordings may be served from: only files inside the configured monitor directory."""

from __future__ import annotations

from pathlib import Path

from hotline.pbx.config import Layout
from hotline.settings import Settings


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
