#!/usr/bin/env python3
"""Pin every packaged code object of a `sam package` output to its S3 object version.

`sam package` writes `CodeUri: s3://<bucket>/<key>`; a later run (the pipeline queues runs)
could overwrite that key, and a deploy would then take code other than what the gate tested.
This rewrites each such line to `CodeUri: {Bucket: ..., Key: ..., Version: ...}` with the
version S3 reports now (the artifact bucket is versioned), in place. A key without a version
is an error: nothing is deployed unpinned.

Usage: pin-versions.py packaged.yaml
"""
import json
import re
import subprocess
import sys

LINE = re.compile(r"^(\s*CodeUri:\s*)s3://([^/\s]+)/(\S+)\s*$")


def version_of(bucket: str, key: str) -> str:
    out = subprocess.run(
        ["aws", "s3api", "head-object", "--bucket", bucket, "--key", key, "--output", "json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    version = json.loads(out).get("VersionId")
    if not version or version == "null":
        sys.exit(f"pin-versions: s3://{bucket}/{key} has no version (is the bucket versioned?)")
    return version


def main(path: str) -> None:
    lines = open(path, encoding="utf-8").read().splitlines(keepends=True)
    pinned = 0
    for i, line in enumerate(lines):
        m = LINE.match(line)
        if not m:
            continue
        prefix, bucket, key = m.groups()
        lines[i] = f"{prefix}{{Bucket: {bucket}, Key: {key}, Version: {version_of(bucket, key)}}}\n"
        pinned += 1
    if pinned == 0:
        sys.exit("pin-versions: no `CodeUri: s3://...` line found")
    open(path, "w", encoding="utf-8").write("".join(lines))
    print(f"pin-versions: {pinned} code objects pinned to their versions")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
