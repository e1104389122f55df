"""The ``hotline`` console entry point: ``hotline <area> <verb>``, plus ``hotline run`` (the whole
hotline). Each area's module registers its own verbs. Apps are named here as strings and imported
when the command line is built, so the core never imports an app (README, Layout)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys

from hotline import settings as settings_mod
from hotline.db import SchemaError
from hotline.privacy import RedactNumbers

# one module per area, in the order `hotline --help` lists them
COMMAND_MODULES = [
    "hotline.run",  # run: the whole hotline
    "hotline.pbx.cli",  # pbx render|start|cli
    "hotline.dbcli",  # db upgrade|status
    "ami_listener.cli",  # listener listen|capture|replay|rebuild|simulate
    "ivr.cli",  # ivr serve
    "web.cli",  # web serve, user add|token
    "prompts.cli",  # prompts build|list
    "scheduler.callbacks_cli",  # callbacks list|dial|consult|…
    "scheduler.cli",  # scheduler run|purge
    "scheduler.customers_cli",  # customers import|export, cases complaint-categories
    "hotline.doctor",  # doctor: every check of a server and its Asterisk
    "hotline.service_settings.cli",  # settings show|set|history: the panel's service settings
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline", description="Asterisk hotline for a telecom / cable-TV operator")
    parser.add_argument("--config", help="TOML settings file (default: $HOTLINE_CONFIG or ./hotline.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="AREA")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


# Personal data at rest (#19): the database and its WAL, journals, logs, recordings and secrets of
# every hotline process — and of Asterisk, its child — are created readable by this user only.
# Prompt audio is no personal data, and an Asterisk of its own running as another user must read
# it: hotline.prompt_library makes what it writes world-readable itself (`hotline prompts` opens
# the database too, so it runs under this umask like every area).
PRIVATE_UMASK = 0o077


def configure_logging(verbose: bool = False) -> None:
    """Every service logs through the root handlers; numbers in them are masked (R-PRIVACY)."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactNumbers())
    logging.getLogger("alembic.runtime.migration").addFilter(_quiet_alembic_context)


def _quiet_alembic_context(record: logging.LogRecord) -> bool:
    """Alembic says which dialect it uses each time a command checks the schema: two INFO lines
    on every `hotline user add`, `hotline settings show` … that tell a user nothing. The
    migrations it runs are still logged."""
    return not record.getMessage().startswith(("Context impl ", "Will assume "))


def take_back_ctrl_c() -> None:
    """Make SIGINT raise KeyboardInterrupt again when this process started with it ignored.

    A shell starts a background job (``make run &``, a script's ``cmd &``, a CI step) with SIGINT
    ignored, and Python then installs no KeyboardInterrupt. SIGINT is how a user stops
    `hotline run` and how its supervisor stops each service along its flush path
    (hotline/supervisor.py). Ignored, every service would be SIGKILLed after the grace, losing
    what it held."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: list[str] | None = None) -> int:
    take_back_ctrl_c()
    parser = build_parser()
    args = parser.parse_args(argv)
    os.umask(PRIVATE_UMASK)
    configure_logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        settings = settings_mod.load(args.config)
    except settings_mod.SettingsError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args.func(settings, args) or 0)
    except SchemaError as exc:  # a service on a database `hotline db upgrade` has not brought up to date
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    except settings_mod.SettingsError as exc:  # a setting only its command reads (internal_number_pattern)
        print(f"hotline: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
