#!/usr/bin/env bash
# Benchmark: a full S3 scan of N buckets (default 1000) on the local moto server, with the
# debug build of `ztscan`. Prints wall time and peak memory (GNU time). Usage:
#   scripts/bench-scan.sh [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-1000}
scripts/setup-tools.sh >/dev/null
cargo build --workspace --bins
trap 'scripts/moto.sh stop >/dev/null 2>&1 || true' EXIT
scripts/moto.sh start >/dev/null
# shellcheck source=/dev/null
. .run/moto.env
.venv-moto/bin/python - "$n" <<'PY'
import sys, boto3
s3 = boto3.client("s3", endpoint_url=__import__("os").environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
for i in range(int(sys.argv[1])):
    s3.create_bucket(Bucket=f"bench-{i:05d}")
PY
echo "seeded $n buckets"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" target/debug/ztscan scan --region us-east-1 --format json --fail-on critical > /tmp/ztscan-bench.json || true
python3 -c "import json; print(len(json.load(open('/tmp/ztscan-bench.json'))), 'findings')"
