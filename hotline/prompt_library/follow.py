"""Prompts that name a service setting follow it (#18): the fault-type menu (``ivr_fault_types``),
the staffed hours, the repair promises. When the settings in force change, every synthesised prompt
whose text they change is said again by the speech engine — the same build, limited to those
prompts, under the sounds dir's lock — and the IVR plays it from the next call on. A recording is
never said over: it is reported (and shown on the Prompts page and by ``hotline prompts list``) as
no longer saying its text, until the supervisor uploads a new one or reverts it to speech.

The scheduler calls :func:`follow_settings` every few seconds with the settings in force
(``scheduler/prompt_sync.py``); it costs a read of the manifest when nothing changed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from hotline.prompt_catalogue import load_catalogue
from hotline.prompt_library.builder import BuildReport, build_unlocked
from hotline.prompt_library.manifest import RECORDING, Manifest, current_text, locked, read_manifest
from hotline.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Drift:
    speech: list[str] = field(default_factory=list)  # synthesised prompts whose text changed: said again
    recordings: list[str] = field(default_factory=list)  # recordings that no longer say their text


def drift(s: Settings, manifest: Manifest | None = None) -> Drift:
    """The prompts whose file no longer says what ``s`` makes their text. A prompt not built yet
    is left to the build (``hotline prompts build``, ``hotline run``)."""
    manifest = read_manifest(s.sounds_dir) if manifest is None else manifest
    out = Drift()
    for p in load_catalogue():
        entry = manifest.get(p.id)
        if not entry or "text" not in entry or not p.wav_path(s).is_file():
            continue
        if entry["text"] != current_text(p, s, entry):
            (out.recordings if entry.get("engine") == RECORDING else out.speech).append(p.id)
    return out


def follow_settings(s: Settings) -> tuple[BuildReport | None, Drift]:
    """Say again the synthesised prompts ``s`` changed (``prompts_engine``); the report of that
    build (None: nothing to say) and what drifted. Checked first without the lock, so the usual
    answer — nothing changed — never waits for an upload in progress."""
    found = drift(s)
    if not found.speech:
        return None, found
    with locked(s):
        found = drift(s)  # again: a panel change may have said them meanwhile
        if not found.speech:
            return None, found
        report = build_unlocked(s, engine=s.prompts_engine, progress=None, only=found.speech)
    for pid, why in report.failed.items():
        log.warning("prompt %s could not be said again for the changed settings: %s", pid, why)
    if report.rendered:
        log.info("prompts said again for the changed settings: %s", ", ".join(report.rendered))
    return report, found
