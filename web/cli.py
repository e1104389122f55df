"""``hotline web serve`` (the panel) and ``hotline user add|passwd|disable|enable|token`` (panel
users, their sessions and API tokens)."""

from __future__ import annotations

import argparse
import getpass
import io
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from hotline.models import ROLES
from hotline.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("web", help="the panel and its JSON API")
    wsub = p.add_subparsers(dest="web_command", metavar="ACTION", required=True)
    serve = wsub.add_parser("serve", help="serve them on web_host:web_port until stopped (waitress)")
    serve.add_argument("--dev", action="store_true", help="Werkzeug's development server instead (one machine, tests)")
    serve.set_defaults(func=_serve)

    u = sub.add_parser("user", help="panel users")
    usub = u.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = usub.add_parser("add", help="add a panel user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--agent", help="the agent's extension (role agent)")
    add.add_argument("--password", help="default: generated and printed once")
    add.set_defaults(func=_user_add)
    pw = usub.add_parser("passwd", help="set a user's password (asked twice, or generated); ends their sessions")
    pw.add_argument("name")
    pw.add_argument("--generate", action="store_true", help="generate one and print it once")
    pw.set_defaults(func=_user_passwd)
    for verb, active, text in (("disable", False, "disable a user: their sessions end, their tokens stop working"),
                               ("enable", True, "enable a disabled user again")):
        d = usub.add_parser(verb, help=text)
        d.add_argument("name")
        d.set_defaults(func=_user_active, active=active)
    tok = usub.add_parser("token", help="API tokens: NAME makes one (printed once); list NAME; revoke NAME [--id]",
                          description="hotline user token NAME | hotline user token list NAME | "
                                      "hotline user token revoke NAME [--id ID]")
    tok.add_argument("words", nargs="+", metavar="[list|revoke] NAME")
    tok.add_argument("--label", help="a name for a new token")
    tok.add_argument("--days", type=int, help="a new token's lifetime (default: api_token_days; 0: never expires)")
    tok.add_argument("--id", type=int, dest="token_id", help="revoke this token only (default: all of the user's)")
    tok.set_defaults(func=_user_token)


# waitress's per-connection output buffer (#17): an event stream is one response that lasts an hour,
# and once a write does not fit its 8 KB string buffer (a wallboard's event, a client that lags a
# moment) waitress keeps everything written after it in one BytesIO, sent or not, until that buffer
# has taken outbuf_high_watermark bytes (16 MB by default: Pylons/waitress#265). At this mark the
# buffer is replaced and the old one freed once sent; it is also how far a client may lag before
# the stream's thread waits for it. Each open stream may hold up to the mark and one event: at 32 KB
# (three wallboard events) 60 streams hold ≤ ~2.2 MB; at 256 KB it was ~17 MB. (The fleet soak's
# desks did not fill it: their events are small and left waitress's string buffer at once.)
STREAM_OUTBUF_BYTES = 32 * 1024


def waitress_options(s: Settings) -> dict[str, object]:
    """``waitress.serve``'s options for the panel: threads and no fork, so a server-sent event stream
    (the wallboard, the desk) is one thread held open, every response byte is sent as written
    (send_bytes 1), the limits and timeouts are settings (README: Running on a server)."""
    return dict(host=s.web_host, port=s.web_port, ident="hotline", threads=s.web_threads,
                connection_limit=s.web_connection_limit, backlog=s.web_backlog,
                channel_timeout=s.web_channel_timeout_s, max_request_body_size=s.web_max_request_body_bytes,
                max_request_header_size=s.web_max_request_header_bytes,
                outbuf_high_watermark=STREAM_OUTBUF_BYTES,
                asyncore_use_poll=True)  # poll, not select: no 1024-descriptor ceiling


def held_output_bytes(server: Any) -> int:
    """The bytes a waitress server's connections hold in memory for their output, sent or not (what
    :data:`STREAM_OUTBUF_BYTES` bounds per connection): a figure of the panel's memory facts. Read
    without touching the buffers (another thread may be writing to them)."""
    total = 0
    for channel in list(server._map.values()):
        for outbuf in list(getattr(channel, "outbufs", ())):
            f = getattr(getattr(outbuf, "buf", None), "file", None)
            total += sys.getsizeof(f) if isinstance(f, io.BytesIO) else len(getattr(outbuf, "strbuf", b""))
    return total


def _serve(s: Settings, args: argparse.Namespace) -> int:
    """waitress (:func:`waitress_options`) under the services' malloc policy (``hotline.service_memory``:
    the panel's many threads and large transients otherwise grow its RSS, #17)."""
    from hotline import memory_facts, qa_sheet, service_memory
    from web import create_app
    from web.team import warm

    try:  # a score sheet the rules refuse stops the panel at start, said once, not a 500 on each call page
        qa_sheet.sheet(s)
    except qa_sheet.SheetError as exc:
        print(f"hotline web serve: {exc}", file=sys.stderr)
        return 2
    service_memory.start("panel", s)  # before any thread: the arena cap counts only then (#17)
    app = create_app(s)
    warm.start(app, s)  # the supervisor page's first view finds its figures read (#17)
    print(f"panel on http://{s.web_host}:{s.web_port}/{' (development server)' if args.dev else ''}", flush=True)
    if args.dev:
        from werkzeug.serving import run_simple

        run_simple(s.web_host, s.web_port, app, threaded=True, use_reloader=False, use_debugger=False)
        return 0
    import waitress

    server = waitress.create_server(app, **waitress_options(s))
    engine = app.extensions["hotline"]["engine"]
    memory_facts.watch("stream_outbuf_bytes", lambda: held_output_bytes(server))
    memory_facts.watch("connections", lambda: sum(1 for c in list(server._map.values()) if hasattr(c, "outbufs")))
    memory_facts.watch("compiled_cache", lambda: len(engine._compiled_cache))
    memory_facts.watch("pool_connections", lambda: engine.pool.checkedin() + engine.pool.checkedout())
    server.run()
    return 0


@contextmanager
def _db(s: Settings) -> Iterator[Session]:
    from hotline.db import open_db

    _engine, factory = open_db(s)
    with factory() as db:
        yield db


def _run(command: str, action: Callable[[], int]) -> int:
    """A user command's refusals (web.auth.users.UserError) as one line and exit status 2."""
    from web.auth.users import UserError

    try:
        return action()
    except UserError as exc:
        print(f"hotline user {command}: {exc}", file=sys.stderr)
        return 2


def _user_add(s: Settings, args: argparse.Namespace) -> int:
    from web.auth.users import add_user

    password = args.password or secrets.token_urlsafe(12)

    def add() -> int:
        with _db(s) as db:
            add_user(db, args.name, args.role, password, args.agent)
        print(f"user {args.name} ({args.role}{', agent ' + args.agent if args.agent else ''}) added")
        if not args.password:
            print(f"password: {password}")
        return 0

    return _run("add", add)


def _user_passwd(s: Settings, args: argparse.Namespace) -> int:
    from web.auth.users import UserError, set_password

    def passwd() -> int:
        if args.generate:
            password = secrets.token_urlsafe(12)
        else:  # never on the command line, where other users' `ps` would see it
            password = getpass.getpass("new password: ")
            if getpass.getpass("again: ") != password:
                raise UserError("the two passwords differ")
        with _db(s) as db:
            set_password(db, args.name, password)
        print(f"password of {args.name} changed; their sessions have ended")
        if args.generate:
            print(f"password: {password}")
        return 0

    return _run("passwd", passwd)


def _user_active(s: Settings, args: argparse.Namespace) -> int:
    from web.auth.users import set_active

    def change() -> int:
        with _db(s) as db:
            set_active(db, args.name, args.active)
        print(f"user {args.name} {'enabled' if args.active else 'disabled: sessions ended, tokens refused'}")
        return 0

    return _run(args.user_command, change)


def _user_token(s: Settings, args: argparse.Namespace) -> int:
    from web.auth.users import UserError, find_user, new_token, revoke_tokens, tokens_of

    words = list(args.words)
    verb = words.pop(0) if len(words) == 2 and words[0] in ("list", "revoke") else "add"
    if len(words) != 1:
        print("hotline user token: NAME, list NAME or revoke NAME", file=sys.stderr)
        return 2
    name = words[0]

    def token() -> int:
        with _db(s) as db:
            if verb == "revoke":
                print(f"{revoke_tokens(db, name, args.token_id)} token(s) of {name} revoked")
            elif verb == "list":
                for t in tokens_of(db, find_user(db, name)):
                    state = "revoked" if t.revoked else f"expires {t.expires_at or 'never'}"
                    used = t.last_used_at or "never"
                    print(f"{t.id}\t{t.name or ''}\tmade {t.created_at}\tlast used {used}\t{state}")
            else:
                days = s.api_token_days if args.days is None else args.days
                if days < 0:
                    raise UserError("--days: 0 (never expires) or more")
                print(new_token(db, find_user(db, name), args.label, days))
        return 0

    return _run(f"token {verb}" if verb != "add" else "token", token)
