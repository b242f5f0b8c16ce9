#!/usr/bin/env bash
# Benchmark: the secret detector (shared/benches/secrets_detector.rs; variables/second on
# generated environments: benign, 5 % secrets, all secret, 10 ignore globs, long values) and
# the Lambda evaluation (shared/benches/lambda_eval.rs; report_full over 1,000 and 5,000
# generated functions, functions/second), with criterion on the bench (release) profile.
# Extra arguments go to criterion (e.g. a filter or shorter runs:
# scripts/bench-lambda.sh --warm-up-time 1 --measurement-time 5). Usage:
#   scripts/bench-lambda.sh [CRITERION_ARGS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
nice -n 10 cargo bench -p ztscan --bench secrets_detector --bench lambda_eval -- "$@"
