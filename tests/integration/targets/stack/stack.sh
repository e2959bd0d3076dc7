#!/usr/bin/env bash
# One stack without Kubernetes: two Ollama emulators (primary, standalone; a
# test double, tests/emulators/ollama) and a real Open WebUI wired to both
# (OLLAMA_BASE_URLS) and to the real Redis of the integration tier as its
# websocket manager and app-state store.
#
#   stack.sh up VERSION STATE HARNESS REDIS_URL REDIS_DB   start, write STATE/vars.yml
#   stack.sh stop-primary STATE                            stop the primary emulator
#   stack.sh down STATE                                    stop everything
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
emulator="$root/tests/emulators/ollama/ollama_emulator.py"
python="$(command -v python)"

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_emulator() {
  local name="$1" state="$2" i
  rm -f "$state/$name.port"
  "$python" "$emulator" --port 0 --port-file "$state/$name.port" >"$state/$name.log" 2>&1 &
  echo $! >"$state/$name.pid"
  for ((i = 0; i < 100; i++)); do
    if [ -s "$state/$name.port" ] && curl -fsS --max-time 2 "http://127.0.0.1:$(cat "$state/$name.port")/api/version" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  cat "$state/$name.log" >&2
  echo "ollama emulator $name did not answer" >&2
  exit 1
}

up() {
  local version="$1" state="$2" harness="$3" redis="$4" db="$5" port primary standalone
  mkdir -p "$state"
  start_emulator primary "$state"
  start_emulator standalone "$state"
  primary="http://127.0.0.1:$(cat "$state/primary.port")"
  standalone="http://127.0.0.1:$(cat "$state/standalone.port")"
  port="$(free_port)"
  rm -rf "$state/owui"
  mkdir -p "$state/owui"
  (
    umask 077
    cat >"$state/owui/extra.env" <<ENV
OLLAMA_BASE_URLS=$primary;$standalone
ENABLE_WEBSOCKET_SUPPORT=true
WEBSOCKET_MANAGER=redis
WEBSOCKET_REDIS_URL=$redis/$db
REDIS_URL=$redis/$db
ENV
  )
  # shellcheck disable=SC2086
  $harness start "$version" "$port" "$state/owui" >/dev/null
  # shellcheck disable=SC2086
  $harness wait "http://127.0.0.1:$port" 300 || {
    tail -n 40 "$state/owui/server.log" >&2
    exit 1
  }
  cat >"$state/vars.yml" <<VARS
---
stack_version: "$version"
stack_url: "http://127.0.0.1:$port"
stack_log: "$state/owui/server.log"
stack_primary_url: "$primary"
stack_standalone_url: "$standalone"
stack_redis_db: $db
stack_state: "$state"
VARS
}

stop_pidfile() {
  [ -s "$1" ] || return 0
  kill "$(cat "$1")" 2>/dev/null || true
  rm -f "$1"
}

case "${1:-}" in
  up)
    shift
    up "$@"
    ;;
  stop-primary) stop_pidfile "$2/primary.pid" ;;
  down)
    harness="${3:-}"
    if [ -n "$harness" ] && [ -f "$2/owui/server.pid" ]; then
      # shellcheck disable=SC2086
      $harness stop "$2/owui/server.pid" || true
    fi
    stop_pidfile "$2/primary.pid"
    stop_pidfile "$2/standalone.pid"
    ;;
  *)
    sed -n '2,11p' "$0" >&2
    exit 2
    ;;
esac
