"""``hotline web serve`` (the panel) and ``hotline user add|token`` (panel users, API tokens)."""

from __future__ import annotations

import argparse
import secrets
import sys

from hotline.models import ROLES
from hotline.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("web", help="the panel and its JSON API")
    wsub = p.add_subparsers(dest="web_command", metavar="ACTION", required=True)
    wsub.add_parser("serve", help="serve them on web_host:web_port until stopped").set_defaults(func=_serve)

    u = sub.add_parser("user", help="panel users")
    usub = u.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = usub.add_parser("add", help="add a panel user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--agent", help="the agent's extension (role agent)")
    add.add_argument("--password", help="default: generated and printed once")
    add.set_defaults(func=_user_add)
    tok = usub.add_parser("token", help="create an API token for a user (printed once)")
    tok.add_argument("name")
    tok.add_argument("--label")
    tok.set_defaults(func=_user_token)


def _serve(s: Settings, args: argparse.Namespace) -> int:
    # werkzeug's threaded server: enough for a call centre's handful of screens (each wallboard
    # holds one thread for its event stream); put a reverse proxy in front for TLS.
    from werkzeug.serving import run_simple

    from web import create_app
    from web.team.warm import start_for

    app = create_app(s)
    print(f"panel on http://{s.web_host}:{s.web_port}/", flush=True)
    # the supervisor page's figures of past days, computed before the first supervisor asks
    start_for(app)
    run_simple(s.web_host, s.web_port, app, threaded=True, use_reloader=False, use_debugger=False)
    return 0


def _user_add(s: Settings, args: argparse.Namespace) -> int:
    from hotline.db import open_db
    from web.auth.users import UserError, add_user

    password = args.password or secrets.token_urlsafe(12)
    _engine, Session = open_db(s)
    with Session() as db:
        try:
            add_user(db, args.name, args.role, password, args.agent)
        except UserError as exc:
            print(f"hotline user add: {exc}", file=sys.stderr)
            return 2
    print(f"user {args.name} ({args.role}{', agent ' + args.agent if args.agent else ''}) added")
    if not args.password:
        print(f"password: {password}")
    return 0


def _user_token(s: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from hotline.db import open_db
    from hotline.models import User
    from web.auth.users import new_token

    _engine, Session = open_db(s)
    with Session() as db:
        user = db.scalar(select(User).where(User.username == args.name))
        if user is None:
            print(f"hotline user token: no user {args.name!r}", file=sys.stderr)
            return 2
        print(new_token(db, user, args.label))
    return 0
