#!/usr/bin/env bash
# Deploys ztscan to one environment of samconfig.toml, then applies the stack's termination
# protection as that environment's [<env>.ztscan.parameters] termination_protection says. The
# SAM CLI has no flag or samconfig key for termination protection, so this script is the one way
# the setting in samconfig.toml takes effect, by hand and in the pipeline alike
# (scripts/deploy/pipeline.yaml runs this script in every deploy stage).
#
# Usage: scripts/deploy.sh [--dry-run] <env> [--template-file FILE] [-- <more sam deploy options>]
#   <env>              a samconfig.toml environment: dev, staging, prod, default
#   --template-file    deploy this (e.g. a `sam package` output) instead of the last `sam build`
#   --dry-run          print the commands, run nothing (needs no credentials)
#   after `--`         passed to `sam deploy` as they are, e.g. --no-confirm-changeset
#
# termination_protection = true enables protection after the deploy, false disables it, and an
# absent key leaves the stack as it is. The stack name and region come from the environment's
# deploy (or global) parameters; --stack-name / --region after `--` override both, as they do for
# `sam deploy`. staging and prod must set CodeSigningConfigArn in their parameter_overrides
# (code signing is required there). Needs python3 >= 3.11 (tomllib), the SAM CLI and the AWS CLI (override the
# commands with $SAM and $AWS_CLI).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
config="${ZTSCAN_SAMCONFIG:-$root/samconfig.toml}"
sam_cmd=${SAM:-sam}
aws_cmd=${AWS_CLI:-aws}

usage() {
  echo "usage: $0 [--dry-run] <env> [--template-file FILE] [-- <sam deploy options>]" >&2
  exit 2
}

dry_run=false
env_name=""
template_file=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=true; shift ;;
    --template-file)
      [ $# -ge 2 ] || { echo "deploy.sh: --template-file needs a file" >&2; usage; }
      template_file=$2; shift 2 ;;
    --template-file=*) template_file=${1#--template-file=}; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage ;;
    -*) echo "deploy.sh: unknown option $1 (sam deploy options go after --)" >&2; usage ;;
    *)
      [ -z "$env_name" ] || { echo "deploy.sh: one environment only, got $env_name and $1" >&2; usage; }
      env_name=$1; shift ;;
  esac
done
[ -n "$env_name" ] || usage
if [ -n "$template_file" ] && [ ! -f "$template_file" ]; then
  echo "deploy.sh: template file $template_file does not exist" >&2
  exit 2
fi

# Reads <env>'s stack name, region and termination_protection from samconfig.toml; prints three
# lines (termination_protection: true, false or unset). Exits 1 naming the problem otherwise.
settings=$(python3 - "$config" "$env_name" <<'PY'
import sys
try:
    import tomllib
except ModuleNotFoundError:
    sys.exit("deploy.sh: python3 >= 3.11 is needed (tomllib)")
path, env = sys.argv[1], sys.argv[2]
try:
    with open(path, "rb") as f:
        cfg = tomllib.load(f)
except (OSError, tomllib.TOMLDecodeError) as e:
    sys.exit(f"deploy.sh: cannot read {path}: {e}")
section = cfg.get(env)
if not isinstance(section, dict):
    envs = ", ".join(k for k, v in cfg.items() if isinstance(v, dict))
    sys.exit(f"deploy.sh: no environment {env!r} in {path} (it has: {envs})")
def param(command, key):
    value = section.get(command, {}).get("parameters", {}).get(key)
    return value
def setting(key):
    value = param("deploy", key) or param("global", key)
    if not isinstance(value, str) or not value:
        sys.exit(f"deploy.sh: [{env}.deploy.parameters] or [{env}.global.parameters] in {path} has no {key}")
    return value
# Code signing is on for staging and prod: their deploys refuse to run without a code-signing
# config (the stack then rejects unsigned code; the pipeline signs it with sam package).
if env in ("staging", "prod"):
    overrides = param("deploy", "parameter_overrides") or []
    if isinstance(overrides, str):
        overrides = overrides.split()
    if not any(isinstance(o, str) and o.startswith("CodeSigningConfigArn=") and o.split("=", 1)[1].strip('"') for o in overrides):
        sys.exit(f"deploy.sh: [{env}.deploy.parameters] parameter_overrides in {path} sets no CodeSigningConfigArn: code signing is required for {env}")
protection = param("ztscan", "termination_protection")
if protection is None:
    protection = "unset"
elif isinstance(protection, bool):
    protection = "true" if protection else "false"
else:
    sys.exit(f"deploy.sh: [{env}.ztscan.parameters] termination_protection in {path} must be true or false, not {protection!r}")
print(setting("stack_name"))
print(setting("region"))
print(protection)
PY
)
{ read -r stack_name; read -r region; read -r protection; } <<<"$settings"

# Options after `--` that change the target stack apply to the protection call too.
for ((i = 0; i < ${#extra[@]}; i++)); do
  case "${extra[$i]}" in
    --stack-name) stack_name=${extra[$((i + 1))]:-$stack_name} ;;
    --stack-name=*) stack_name=${extra[$i]#--stack-name=} ;;
    --region) region=${extra[$((i + 1))]:-$region} ;;
    --region=*) region=${extra[$i]#--region=} ;;
  esac
done

run() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
  if ! $dry_run; then
    "$@"
  fi
}

deploy=("$sam_cmd" deploy --config-file "$config" --config-env "$env_name")
if [ -n "$template_file" ]; then
  deploy+=(--template-file "$template_file")
fi
run "${deploy[@]}" "${extra[@]}"

case "$protection" in
  true)
    run "$aws_cmd" cloudformation update-termination-protection --enable-termination-protection \
      --stack-name "$stack_name" --region "$region" ;;
  false)
    run "$aws_cmd" cloudformation update-termination-protection --no-enable-termination-protection \
      --stack-name "$stack_name" --region "$region" ;;
  *)
    echo "deploy.sh: [$env_name.ztscan.parameters] sets no termination_protection; $stack_name left as it is" ;;
esac
