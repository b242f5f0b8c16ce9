#!/usr/bin/env bash
# THE demo: on a fresh machine, scan a local AWS account seeded with misconfigurations for every
# audit of the registry and show the findings, first with the `ztscan` CLI, then through the
# Lambda pipeline (every audit function → SQS → publish-findings → Security Hub + SNS alert) on
# the real Lambda Runtime API.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "tools (.venv, .venv-moto)"
scripts/setup-tools.sh

step "build (first run on a fresh machine compiles the AWS SDK: ~15-20 min on 2 cores)"
# --all-targets, as scripts/test.sh builds: the test targets' dev-dependencies change the SDK
# crates' feature set, so building only the binaries would compile every SDK crate a second time
# for anyone who also runs the tests.
cargo build --workspace --all-targets

step "local AWS (moto on 127.0.0.1)"
trap 'scripts/moto.sh stop >/dev/null 2>&1 || true' EXIT
scripts/moto.sh start
# shellcheck source=/dev/null
. .run/moto.env
export PATH="$root/.venv/bin:$PATH"

step "seed the demo account through the Rust SDK"
target/debug/ztscan-demo seed

# The demo's scan configuration, merged from every audit's demo data (e.g. the account audit
# reads the seeded regions only, not the ~30 regions moto lists).
target/debug/ztscan-demo config > .run/demo-config.json

step "ztscan scan --region us-east-1 --config .run/demo-config.json --format table"
set +e
target/debug/ztscan scan --region us-east-1 --config .run/demo-config.json --format table --fail-on high
code=$?
set -e
echo "(exit status $code: 1 means a HIGH or CRITICAL finding failed)"

step "ztscan scan --format json (first two findings of $(target/debug/ztscan scan --region us-east-1 --config .run/demo-config.json --format json --fail-on critical | .venv/bin/python -c 'import json,sys; print(len(json.load(sys.stdin)))' || true))"
target/debug/ztscan scan --region us-east-1 --config .run/demo-config.json --format json --fail-on critical | .venv/bin/python -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[:2], indent=2))' || true

step "the Lambda pipeline on the Runtime API: every audit function → SQS → publish-findings → Security Hub + SNS"
target/debug/ztscan-demo pipeline
