#!/usr/bin/env bash
# Lints template.yaml offline: cfn-lint, then `sam validate --lint`. Needs no AWS account: dummy
# credentials and region are set, and SAM CLI telemetry is off.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup-tools.sh >/dev/null
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 SAM_CLI_TELEMETRY=0
unset AWS_PROFILE AWS_ENDPOINT_URL

echo "cfn-lint template.yaml"
.venv/bin/cfn-lint template.yaml
echo "sam validate --lint --template template.yaml"
.venv/bin/sam validate --lint --template template.yaml --region us-east-1
echo "template lint OK"
