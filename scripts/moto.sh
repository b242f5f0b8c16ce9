#!/usr/bin/env bash
# The local AWS: a moto server on 127.0.0.1, on a free port, in the background.
#
#   scripts/moto.sh start   start it (or reuse the one already running) and write .run/moto.env
#   scripts/moto.sh stop    stop it
#   scripts/moto.sh env     print the environment to use it (`eval "$(scripts/moto.sh env)"`)
#
# Files: .run/moto.pid (its process id), .run/moto.log (its log), .run/moto.env (exports:
# AWS_ENDPOINT_URL, dummy credentials, region, ZTSCAN_MOTO_URL). Tests read ZTSCAN_MOTO_URL.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
run="$root/.run"
pid_file="$run/moto.pid"
log_file="$run/moto.log"
env_file="$run/moto.env"
port_file="$run/moto.port"
venv="$root/.venv-moto"
timeout_s=${ZTSCAN_MOTO_TIMEOUT:-60}

die() {
  echo "moto.sh: $*" >&2
  exit 1
}

# True when the pid file names a live moto_server process.
running() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid=$(cat "$pid_file")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid belonging to something else.
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q moto_server || return 1
  fi
}

# True when the server on $1 answers GET /moto-api/.
answers() {
  "$venv/bin/python" - "$1" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=2).read()
PY
}

write_env() {
  local url="http://127.0.0.1:$1"
  cat >"$env_file" <<EOF
export AWS_ENDPOINT_URL=$url AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_MAX_ATTEMPTS=2 ZTSCAN_MOTO_URL=$url
EOF
}

start() {
  "$root/scripts/setup-tools.sh" >/dev/null
  mkdir -p "$run"
  if running && [ -f "$port_file" ] && answers "$(cat "$port_file")"; then
    write_env "$(cat "$port_file")"
    echo "moto already running (pid $(cat "$pid_file")) at http://127.0.0.1:$(cat "$port_file")"
    return 0
  fi
  # A stale or half-started server: stop it before starting afresh.
  stop >/dev/null
  local port pid
  port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  # No AWS credentials of the caller leak into the server; setsid gives it its own session so a
  # Ctrl-C in the calling terminal does not kill it.
  MOTO_IAM_LOAD_MANAGED_POLICIES=true \
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
    setsid "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log_file" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pid_file"
  echo "$port" >"$port_file"
  local deadline=$((SECONDS + timeout_s))
  until answers "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pid_file" "$port_file"
      die "moto_server exited during start-up; last lines of $log_file:
$(tail -n 20 "$log_file")"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      stop >/dev/null
      die "moto_server did not answer GET http://127.0.0.1:$port/moto-api/ within ${timeout_s}s; see $log_file"
    fi
    sleep 0.25
  done
  write_env "$port"
  echo "moto started (pid $pid) at http://127.0.0.1:$port; env in $env_file"
}

stop() {
  if [ -f "$pid_file" ]; then
    local pid
    pid=$(cat "$pid_file")
    if running; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
      done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
      echo "moto stopped (pid $pid)"
    fi
  fi
  rm -f "$pid_file" "$port_file" "$env_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env)
    if [ -f "$env_file" ] && running; then
      cat "$env_file"
    else
      die "moto is not running; run: scripts/moto.sh start"
    fi
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
