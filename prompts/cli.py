"""``hotline prompts build`` and ``hotline prompts list``."""

from __future__ import annotations

import argparse
import sys

from hotline.prompt_catalogue import CatalogueError, load_catalogue
from hotline.settings import Settings
from prompts.builder import ENGINE_CHOICES, BuildError, build, read_manifest


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prompts", help="the standard phrases and their audio")
    psub = p.add_subparsers(dest="prompts_command", metavar="ACTION", required=True)
    b = psub.add_parser("build", help="render every prompt to 8 kHz wav in settings.sounds_dir")
    b.add_argument("--engine", choices=ENGINE_CHOICES, default="auto",
                   help="auto: gTTS when reachable, else espeak-ng (default)")
    b.add_argument("--force", action="store_true", help="render every prompt again, ignoring the cache")
    b.add_argument("--quiet", action="store_true", help="no progress lines")
    b.set_defaults(func=_build)
    ls = psub.add_parser("list", help="list the catalogue: id, rule, engine that built it, text")
    ls.set_defaults(func=_list)


def _build(s: Settings, args: argparse.Namespace) -> int:
    try:
        report = build(s, engine=args.engine, force=args.force, progress=None if args.quiet else sys.stderr)
    except (BuildError, CatalogueError) as exc:
        print(f"hotline prompts build: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 1 if report.failed else 0


def _list(s: Settings, args: argparse.Namespace) -> int:
    try:
        prompts = load_catalogue()
    except CatalogueError as exc:
        print(f"hotline prompts list: {exc}", file=sys.stderr)
        return 1
    manifest = read_manifest(s.sounds_dir)
    for p in prompts:
        built = manifest.get(p.id, {}).get("engine", "-") if p.wav_path(s).is_file() else "missing"
        print(f"{p.sound:36} {p.rule:20} {built:8} {p.text(s)}")
    return 0
