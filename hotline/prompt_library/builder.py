"""Renders the catalogue into settings.sounds_dir: hotline/<id>.wav and digits/<n>.wav.

A recording the operator uploaded (hotline.prompt_library.library) is never synthesised over, even
with --force: `hotline prompts revert` goes back to speech. A prompt whose text was edited is
said with its edited text (the manifest's ``template``).

A manifest in the sounds dir remembers, per file, the hash of (output format, text, engine,
voice) it was made from, so a rebuild renders only what changed. Engines are tried best first
(gTTS, then espeak-ng); gTTS is probed once per build and dropped for the rest of the build on
its first failure, so an unreachable endpoint costs one timeout, not one per prompt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from hotline.prompt_catalogue import Prompt, load_catalogue
from hotline.prompt_library.audio import FORMAT_TAG, AudioError, to_asterisk_wav
from hotline.prompt_library.engines import Engine, EngineError, engines_for
from hotline.prompt_library.manifest import RECORDING, current_text, locked, read_manifest, write_manifest
from hotline.settings import Settings

log = logging.getLogger(__name__)

ENGINE_CHOICES = ("auto", "gtts", "espeak")


class BuildError(RuntimeError):
    """The build could not run at all (no engine works, bad catalogue)."""


@dataclass
class BuildReport:
    sounds_dir: Path
    rendered: dict[str, str] = field(default_factory=dict)  # prompt id → engine, made by this build
    kept: dict[str, str] = field(default_factory=dict)  # prompt id → engine, already up to date
    failed: dict[str, str] = field(default_factory=dict)  # prompt id → why
    notes: list[str] = field(default_factory=list)  # engines not used and why

    def by_engine(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for pid, eng in {**self.kept, **self.rendered}.items():
            out.setdefault(eng, []).append(pid)
        return out

    def summary(self) -> str:
        total = len(self.rendered) + len(self.kept) + len(self.failed)
        lines = [f"prompts: {total} in {self.sounds_dir}: {len(self.rendered)} rendered, "
                 f"{len(self.kept)} unchanged, {len(self.failed)} failed"]
        for eng, ids in sorted(self.by_engine().items()):
            lines.append(f"  {eng}: {len(ids)} — {', '.join(ids)}")
        for pid, why in self.failed.items():
            lines.append(f"  FAILED {pid}: {why}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def cache_key(text: str, engine: str, variant: str) -> str:
    blob = json.dumps([FORMAT_TAG, text, engine, variant], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _up_to_date(p: Prompt, s: Settings, text: str, entry: dict[str, Any] | None,
                engines: Mapping[str, Engine], acceptable: list[str]) -> str | None:
    """The engine that made the current file when it still fits, else None."""
    if not entry or not p.wav_path(s).is_file():
        return None
    eng = entry.get("engine", "")
    if eng not in acceptable or eng not in engines:
        return None
    return eng if entry.get("key") == cache_key(text, eng, engines[eng].variant) else None


def build(s: Settings, engine: str = "auto", force: bool = False, progress: TextIO | None = sys.stderr,
          engines: Mapping[str, Engine] | None = None, catalogue: Path | None = None,
          only: Collection[str] | None = None) -> BuildReport:
    """:func:`build_unlocked` holding the sounds dir's lock (a panel upload waits for it)."""
    with locked(s):
        return build_unlocked(s, engine, force, progress, engines, catalogue, only)


def build_unlocked(s: Settings, engine: str = "auto", force: bool = False, progress: TextIO | None = sys.stderr,
                   engines: Mapping[str, Engine] | None = None, catalogue: Path | None = None,
                   only: Collection[str] | None = None) -> BuildReport:
    """Renders every catalogue phrase to every audio format Asterisk plays, with progress and a
    report of which engine made each (gTTS online, espeak-ng offline). One loop over the phrases
    with its cache check, engine fallback and conversion in line: split, the fallback order would
    be spread over helpers that each need the whole state."""
    if engine not in ENGINE_CHOICES:
        raise BuildError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINE_CHOICES)}")
    engines = dict(engines or engines_for(s))
    order = list(engines) if engine == "auto" else [engine]
    prompts = load_catalogue(catalogue)
    if only is not None:
        unknown = set(only) - {p.id for p in prompts}
        if unknown:
            raise BuildError(f"no prompt {', '.join(sorted(unknown))} in the catalogue")
        prompts = [p for p in prompts if p.id in only]
    manifest = read_manifest(s.sounds_dir)
    texts = {p.id: current_text(p, s, manifest.get(p.id)) for p in prompts}
    s.sounds_dir.mkdir(parents=True, exist_ok=True)
    report = BuildReport(s.sounds_dir)

    def todo(acceptable: list[str]) -> list[Prompt]:
        out = []
        for p in prompts:
            if manifest.get(p.id, {}).get("engine") == RECORDING and p.wav_path(s).is_file():
                report.kept[p.id] = RECORDING  # the operator's own voice: only a revert replaces it
                continue
            eng = None if force else _up_to_date(p, s, texts[p.id], manifest.get(p.id), engines, acceptable)
            if eng is None:
                out.append(p)
            else:
                report.kept[p.id] = eng
        return out

    # Everything already made by the best engine: nothing to render, no need to probe anything.
    pending = todo(order[:1])
    if not pending:
        return report

    usable: list[str] = []
    for name in order:
        why = engines[name].probe()
        if why is None:
            usable.append(name)
        else:
            report.notes.append(f"{name} not used: {why}")
    if not usable:
        raise BuildError("no text-to-speech engine works: " + "; ".join(report.notes)
                         + " (install espeak-ng with scripts/install-system.sh, or make gTTS's endpoint reachable)")
    # Files made by an engine at least as good as the best usable one are kept.
    report.kept.clear()
    pending = todo(order[:order.index(usable[0]) + 1])

    with tempfile.TemporaryDirectory(prefix="hotline-prompts-") as tmp:
        for i, p in enumerate(pending, 1):
            text = texts[p.id]
            if progress:
                print(f"prompts: [{i}/{len(pending)}] {p.sound}", file=progress, flush=True)
            errors = []
            for name in list(usable):
                work = Path(tmp) / f"{i}-{name}"
                work.mkdir()
                try:
                    to_asterisk_wav(engines[name].synthesize(text, work), p.wav_path(s))
                except (EngineError, AudioError) as exc:
                    errors.append(f"{name}: {exc}")
                    if len(usable) > 1:
                        # an engine that failed once is dropped for the rest of the build, so a
                        # dead endpoint costs one timeout, not one per prompt
                        usable.remove(name)
                        report.notes.append(f"{name} dropped after failing on {p.id}: {exc}")
                    continue
                entry = {"key": cache_key(text, name, engines[name].variant), "engine": name,
                         "voice": engines[name].voice, "text": text, "file": f"{p.sound}.wav"}
                if "template" in manifest.get(p.id, {}):
                    entry["template"] = manifest[p.id]["template"]
                manifest[p.id] = entry
                write_manifest(s.sounds_dir, manifest)
                report.rendered[p.id] = name
                break
            else:
                report.failed[p.id] = "; ".join(errors)
    return report
