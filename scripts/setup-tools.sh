#!/usr/bin/env bash
# Installs every tool the project needs that is not part of the machine's Rust toolchain, into
# project virtualenvs:
#   .venv       cargo-lambda (Lambda Runtime API emulator and builder), cfn-lint, the SAM CLI
#   .venv-moto  moto's server (the local AWS), kept apart because its pins conflict with the SAM CLI's
#   .venv-checkov  checkov (template security checks), kept apart for the same reason
# Pins are in scripts/requirements-*.txt. Idempotent: a second run only compares the pins.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

install() { # venv-dir requirements-file
  local venv=$1 req=$2 stamp="$1/.installed"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  if [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp"; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    cp "$req" "$stamp"
  fi
}

install "$root/.venv" "$root/scripts/requirements-tools.txt"
install "$root/.venv-moto" "$root/scripts/requirements-moto.txt"
install "$root/.venv-checkov" "$root/scripts/requirements-checkov.txt"
echo "tools ready in .venv, .venv-moto and .venv-checkov"
