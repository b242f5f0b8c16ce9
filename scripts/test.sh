#!/usr/bin/env bash
# THE test command: runs every test on a fresh machine (Rust toolchain + python3 assumed).
#
#   1. installs the tools into .venv (scripts/setup-tools.sh)
#   2. cargo fmt --all --check
#   3. starts the local AWS (moto, scripts/moto.sh) and stops it again on exit (a moto that was
#      already running is reused and left running)
#   4. cargo build --workspace --all-targets --locked
#   5. cargo test --workspace, with the moto environment exported and .venv/bin on PATH
#      (the end-to-end test drives the functions through cargo-lambda's Runtime API emulator)
#   6. cargo clippy --workspace --all-targets -- -D warnings
#   7. scripts/lint-template.sh (cfn-lint, sam validate --lint and checkov on the templates)
#   8. scripts/sam-build.sh: `sam build` of template.yaml with SAM's rust-cargolambda builder
#      (release, arm64), checking that every function got an aarch64 bootstrap. This is the
#      deploy build, so CI proves it works on a fresh machine. Cold, it is the longest step
#      (about 27 min on 2 cores, see BENCHMARKS.md); warm, cargo's release target/ makes it short.
#
# ZTSCAN_CLIPPY=0 skips clippy (it needs its own check build: a few minutes on a cold cache).
# ZTSCAN_SAM_BUILD=0 skips the `sam build` step, for quick local runs; CI (.ci/run) never sets it.
# Extra arguments are passed to `cargo test` (e.g. `scripts/test.sh -- --nocapture`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

current=""
step() {
  current="$*"
  printf '\n==> %s\n' "$*"
}
stop_moto=0
finish() {
  local rc=$?
  if [ "$stop_moto" = 1 ]; then
    scripts/moto.sh stop >/dev/null 2>&1 || true
  fi
  echo
  if [ "$rc" = 0 ]; then
    echo "ALL TESTS PASSED"
  else
    echo "TESTS FAILED (exit $rc) at: $current"
  fi
  exit "$rc"
}
trap finish EXIT

step "tools"
scripts/setup-tools.sh

step "cargo fmt --all --check"
cargo fmt --all --check

step "local AWS (moto)"
# Stop moto on exit, unless it was already running before (then it belongs to someone else).
if ! scripts/moto.sh env >/dev/null 2>&1; then
  stop_moto=1
fi
scripts/moto.sh start
# shellcheck source=/dev/null
. .run/moto.env
export PATH="$root/.venv/bin:$PATH"

locked=()
if git ls-files --error-unmatch Cargo.lock >/dev/null 2>&1; then
  locked=(--locked)
fi

step "cargo build --workspace --all-targets ${locked[*]:-}"
cargo build --workspace --all-targets "${locked[@]}"

step "cargo test --workspace"
cargo test --workspace "${locked[@]}" "$@"

if [ "${ZTSCAN_CLIPPY:-1}" = "1" ]; then
  step "cargo clippy --workspace --all-targets -- -D warnings"
  cargo clippy --workspace --all-targets "${locked[@]}" -- -D warnings
fi

step "template lint"
scripts/lint-template.sh

if [ "${ZTSCAN_SAM_BUILD:-1}" = "1" ]; then
  step "sam build (release, arm64, every function)"
  scripts/sam-build.sh
fi
