"""``hotline prompts``: build and list the prompts' audio, and the operator's changes — upload a
recording, revert to speech, edit a text, see and restore the history — through the same core
functions as the panel's Prompts page (hotline.prompt_library)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hotline.models import PromptVersion
from hotline.prompt_catalogue import CatalogueError
from hotline.prompt_library import library
from hotline.prompt_library.builder import ENGINE_CHOICES, BuildError, build
from hotline.prompt_library.recording import ACCEPTED, RecordingError
from hotline.service_settings import in_force
from hotline.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prompts", help="the standard phrases and their audio")
    psub = p.add_subparsers(dest="prompts_command", metavar="ACTION", required=True)
    b = psub.add_parser("build", help="render every prompt to 8 kHz wav in settings.sounds_dir")
    b.add_argument("--engine", choices=ENGINE_CHOICES, default="auto",
                   help="auto: gTTS when reachable, else espeak-ng (default)")
    b.add_argument("--force", action="store_true",
                   help="render every prompt again, ignoring the cache (recordings are kept)")
    b.add_argument("--quiet", action="store_true", help="no progress lines")
    b.set_defaults(func=_in_force(_build))
    ls = psub.add_parser("list", help="list the catalogue: id, rule, engine that built it, text")
    ls.set_defaults(func=_in_force(_list))
    up = psub.add_parser("upload", help=f"a recording ({' / '.join(ACCEPTED)}) becomes the prompt NAME")
    up.add_argument("name", help="prompt id (welcome, digits/3; `hotline prompts list`)")
    up.add_argument("file", type=Path)
    up.set_defaults(func=_in_force(_upload))
    rv = psub.add_parser("revert", help="the prompt NAME is said by the speech engine again")
    rv.add_argument("name")
    rv.set_defaults(func=_in_force(_revert))
    hi = psub.add_parser("history", help="every version of the prompt NAME: who, when, what")
    hi.add_argument("name")
    hi.set_defaults(func=_in_force(_history))
    tx = psub.add_parser("text", help="the prompt NAME's own text (speech is said again; a recording is flagged)")
    tx.add_argument("name")
    tx.add_argument("text", help="zh-CN text; may use {company}, {sla_urban_arrive}, … like hotline/phrases.toml")
    tx.set_defaults(func=_in_force(_text))
    rs = psub.add_parser("restore", help="version VERSION (`hotline prompts history`) is the prompt NAME again")
    rs.add_argument("name")
    rs.add_argument("version", type=int)
    rs.set_defaults(func=_in_force(_restore))


def _in_force(verb: Callable[[Settings, argparse.Namespace], int]) -> Callable[[Settings, argparse.Namespace], int]:
    """``verb`` with the settings in force: the panel's service settings over the file's, since
    prompts say some of them (fault types, hours, repair promises) — a build or a text edit here
    says what the scheduler would (hotline.prompt_library.follow), and ``list`` flags a recording
    a changed setting left behind."""
    return lambda s, args: verb(in_force(s), args)


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
        states = library.states(s)
    except CatalogueError as exc:
        print(f"hotline prompts list: {exc}", file=sys.stderr)
        return 1
    for st in states:
        flag = " (recording does not say this text)" if st.stale else ""
        print(f"{st.prompt.sound:36} {st.prompt.rule:20} {st.source:9} {st.text}{flag}")
    return 0


def _session(s: Settings) -> Session:
    from hotline.db import open_db

    return open_db(s)[1]()


def _who() -> str:
    return f"cli:{getpass.getuser()}"


def _change(verb: str, s: Settings, run: Callable[[Session], PromptVersion]) -> int:
    session = _session(s)
    try:
        row = run(session)
    except (library.PromptChangeError, RecordingError, CatalogueError) as exc:
        print(f"hotline prompts {verb}: {exc}", file=sys.stderr)
        return 1
    finally:
        session.close()
    print(_line(s, row))
    return 0


def _upload(s: Settings, args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"hotline prompts upload: no file {args.file}", file=sys.stderr)
        return 1
    return _change("upload", s, lambda db: library.upload(db, s, args.name, args.file, _who()))


def _revert(s: Settings, args: argparse.Namespace) -> int:
    return _change("revert", s, lambda db: library.revert(db, s, args.name, _who()))


def _text(s: Settings, args: argparse.Namespace) -> int:
    return _change("text", s, lambda db: library.edit_text(db, s, args.name, args.text, _who()))


def _restore(s: Settings, args: argparse.Namespace) -> int:
    return _change("restore", s, lambda db: library.restore(db, s, args.name, args.version, _who()))


def _line(s: Settings, row: PromptVersion) -> str:
    when = row.made_at.astimezone(ZoneInfo(s.timezone)).strftime("%Y-%m-%d %H:%M:%S")
    what = row.action + (f" of {row.restored_from}" if row.restored_from else "") \
        + (f" {row.upload_name}" if row.upload_name else "")
    return f"{row.id:6} {when} {row.made_by:24} {what:32} {row.source:9} {row.seconds:5.1f} s  {row.text}"


def _history(s: Settings, args: argparse.Namespace) -> int:
    session = _session(s)
    try:
        st = library.state(s, args.name)
        rows = library.history(session, args.name)
    except library.PromptChangeError as exc:
        print(f"hotline prompts history: {exc}", file=sys.stderr)
        return 1
    finally:
        session.close()
    print(f"{st.prompt.sound}: now {st.source}" + (" (recording does not say its text)" if st.stale else "")
          + f" — {st.text}")
    for row in rows:
        print(_line(s, row))
    if not rows:
        print("  no changes yet")
    return 0
