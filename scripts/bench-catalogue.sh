#!/usr/bin/env bash
# Benchmark: the full-catalogue scan of the demo account. Seeds moto with the demo's
# misconfigured account (`ztscan-demo seed`), then runs `ztscan scan` (every service, with the
# demo's configuration: the account audit judges us-east-1 and eu-west-1) RUNS times
# (default 3), and once per service, printing for each run:
#   wall time and peak RSS (GNU time), the number of AWS API calls (HTTP requests moto served
#   during the run, counted in moto's request log) and the findings by status.
# Uses the debug build that `scripts/test.sh` and `scripts/demo.sh` build (same artifacts).
# Usage: scripts/bench-catalogue.sh [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${1:-3}
scripts/setup-tools.sh >/dev/null
cargo build --workspace --all-targets
trap 'scripts/moto.sh stop >/dev/null 2>&1 || true' EXIT
scripts/moto.sh start >/dev/null
# shellcheck source=/dev/null
. .run/moto.env
log=.run/moto.log
target/debug/ztscan-demo seed >/dev/null
out=$(mktemp -d)
# The demo's configuration (as scripts/demo.sh): e.g. the account audit judges us-east-1 and
# eu-west-1.
target/debug/ztscan-demo config > "$out/config.json"

requests() { grep -c '" [0-9][0-9][0-9] ' "$log" || true; }

one_run() { # label, extra args...
  local label=$1
  shift
  local before after
  before=$(requests)
  /usr/bin/time -f "%e %M" -o "$out/time" target/debug/ztscan scan --region us-east-1 --config "$out/config.json" --format json --fail-on critical "$@" \
    >"$out/findings.json" 2>"$out/stderr" || true
  sleep 0.2 # let moto flush its request log
  after=$(requests)
  # GNU time writes "Command exited with non-zero status N" first when --fail-on trips.
  read -r wall rss < <(tail -n 1 "$out/time")
  python3 - "$label" "$wall" "$rss" "$((after - before))" "$out/findings.json" <<'PY'
import collections, json, sys
label, wall, rss, calls, path = sys.argv[1:]
findings = json.load(open(path))
by = collections.Counter(f["status"] for f in findings)
print(f"{label:<16} wall {float(wall):6.2f} s  peak RSS {int(rss)/1024:6.1f} MiB  API calls {int(calls):5d}  "
      f"findings {len(findings):4d} ({', '.join(f'{k} {v}' for k, v in sorted(by.items()))})")
PY
}

echo "full catalogue, $runs runs:"
for i in $(seq 1 "$runs"); do
  one_run "all (run $i)"
done
echo "per service:"
# The default of --services is every audit of the registry (the long help lists it space-separated).
services=$(target/debug/ztscan scan --help | sed -n "s/.*\[default: \([a-z0-9]*[ ,][a-z0-9 ,]*\)\].*/\1/p" | head -n 1)
[ -n "$services" ] || { echo "could not read the audits from ztscan scan --help" >&2; exit 1; }
for s in ${services//,/ }; do
  one_run "$s" --services "$s"
done
rm -rf "$out"
