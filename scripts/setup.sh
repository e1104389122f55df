#!/usr/bin/env bash
# Everything the hotline needs on a fresh Debian 12 machine: system packages (Asterisk from
# bullseye, sox, espeak-ng, SIPp, Chromium, PostgreSQL, coturn) and the Python virtualenv. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system.sh

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha1
want=$(cat requirements.txt requirements-dev.txt pyproject.toml | sha1sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages into .venv" >&2
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -e . --config-settings editable_mode=compat
  echo "$want" >"$stamp"
fi
