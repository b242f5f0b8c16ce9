#!/usr/bin/env bash
# Benchmark: the policy engine (shared/benches/policy_eval.rs) with criterion, on the bench
# (release) profile: parse_iam, external_grants, allowed_actions and all three together on
# generated policies of 1, 10, 100 and 1,000 statements; throughput in statements/second.
# Extra arguments go to criterion (e.g. a filter: scripts/bench-policy.sh parse_iam). Usage:
#   scripts/bench-policy.sh [CRITERION_ARGS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
nice -n 10 cargo bench -p ztscan --bench policy_eval -- "$@"
