"""The ``hotline`` console entry point. Each app registers its own subcommands; modules are
imported by name so the shared package never depends on an app at import time."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from hotline import settings as settings_mod

COMMAND_MODULES = [
    "hotline.run",
    "hotline.pbx.cli",
    "hotline.dbcli",
    "ami_listener.cli",
    "ivr.cli",
    "prompts.cli",
    "web.cli",
    "hotline.callbacks.cli",
    "hotline.retention_cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline", description="Asterisk hotline for a telecom / cable-TV operator")
    parser.add_argument("--config", help="TOML settings file (default: $HOTLINE_CONFIG or ./hotline.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that app is not there yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
