#!/usr/bin/env bash
# Fuzz the policy parser and evaluators (fuzz/fuzz_targets/policy_parse.rs) for a bounded
# time. Installs cargo-fuzz into .tools/ on first use and runs it on the nightly toolchain,
# niced, seeded from fuzz/seeds. Usage:
#   scripts/fuzz.sh [SECONDS [LIBFUZZER_FLAGS...]]     (default 300 seconds)
# Crashes are written to fuzz/artifacts/policy_parse/ and the script exits non-zero.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-300}
[ $# -gt 0 ] && shift
case $seconds in '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;; esac

if [ ! -x .tools/bin/cargo-fuzz ]; then
    cargo install cargo-fuzz --locked --root .tools
fi
export PATH="$root/.tools/bin:$PATH"

corpus=fuzz/corpus/policy_parse
mkdir -p "$corpus"
cp fuzz/seeds/* "$corpus"/

cd fuzz
nice -n 10 cargo +nightly fuzz run policy_parse -- -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -print_final_stats=1 "$@"
