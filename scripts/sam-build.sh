#!/usr/bin/env bash
# `sam build` of template.yaml on a fresh machine, the way a deployer runs it: installs the
# tools (.venv: SAM CLI, cargo-lambda with zig), adds the aarch64 Rust target, builds every
# function with SAM's rust-cargolambda builder (release, arm64), then checks that each function
# of the template has an aarch64 `bootstrap` in .aws-sam/build. Needs no AWS account.
# Usage: scripts/sam-build.sh   (a cold build takes tens of minutes on 2 cores; see BENCHMARKS.md)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup-tools.sh >/dev/null
rustup target add aarch64-unknown-linux-gnu >/dev/null
export PATH="$root/.venv/bin:$PATH" SAM_CLI_TELEMETRY=0
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
unset AWS_ENDPOINT_URL AWS_PROFILE
sam build --template template.yaml --config-env default
functions=$(.venv/bin/python - <<'PY'
import re
text = open("template.yaml").read()
# Logical ids of AWS::Serverless::Function resources (two-space indented keys under Resources).
ids = re.findall(r"^  ([A-Za-z0-9]+):\n    Type: AWS::Serverless::Function", text, re.M)
print(" ".join(ids))
PY
)
[ -n "$functions" ] || { echo "no AWS::Serverless::Function in template.yaml" >&2; exit 1; }
for f in $functions; do
  bin=".aws-sam/build/$f/bootstrap"
  [ -x "$bin" ] || { echo "sam build did not produce $bin" >&2; exit 1; }
  file -b "$bin" | grep -q "ARM aarch64" || { echo "$bin is not an aarch64 binary: $(file -b "$bin")" >&2; exit 1; }
  printf '%-28s %s\n' "$f" "$(du -h "$bin" | cut -f1) aarch64 bootstrap"
done
echo "sam build OK"
