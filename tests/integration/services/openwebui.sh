#!/usr/bin/env bash
# Real Open WebUI for the integration tier: the user's pinned 0.6.12, 0.11.0
# (what the open-webui chart 16.0.0 deploys) and the newest 0.12.x, installed
# from PyPI into cached virtualenvs (see tests/harness/openwebui.sh) and
# started offline on loopback, each on a free port with a fresh DATA_DIR.
#
#   openwebui.sh start STATEDIR   install (cached), start them, wait for
#                                 /health, print YAML for integration_config.yml
#   openwebui.sh stop STATEDIR    stop them
#
# Only YAML goes to stdout; progress goes to stderr, server output to
# STATEDIR/<version>/server.log (its access log is how the targets check
# independently that a no-op run wrote nothing).
# AISTACK_OPENWEBUI_VERSIONS overrides the versions (space separated).
set -euo pipefail
cmd="${1:?usage: openwebui.sh start|stop STATEDIR}"
state="${2:?usage: openwebui.sh start|stop STATEDIR}"
here="$(cd "$(dirname "$0")" && pwd)"
harness="$here/../../harness/openwebui.sh"
# shellcheck source=scripts/lib.sh
. "$here/../../../scripts/lib.sh"
read -r -a versions <<<"${AISTACK_OPENWEBUI_VERSIONS:-0.6.12 0.11.0 0.12.4}"

free_port() {
  "$AISTACK_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local v port data password
  mkdir -p "$state"
  # One after the other: each install is CPU- and disk-heavy (~5 min, ~3-4 GB).
  bash "$harness" install "${versions[@]}" >&2
  # The admin password is made per run and lives only in the (ignored) state
  # directory and integration_config.yml.
  password="$("$AISTACK_PYTHON" -c 'import secrets; print("Aa1!" + secrets.token_urlsafe(18))')"
  for v in "${versions[@]}"; do
    port="$(free_port)"
    data="$state/$v"
    rm -rf "$data"
    mkdir -p "$data"
    echo "$port" >"$data/port"
    bash "$harness" start "$v" "$port" "$data" >/dev/null
  done
  # How a target starts instances of its own (the stack target: with Redis
  # and its own Ollama URLs), and which versions are installed.
  echo "openwebui_harness: \"env AISTACK_CACHE=$AISTACK_CACHE bash $harness\""
  echo "openwebui_versions: [$(printf '"%s", ' "${versions[@]}" | sed 's/, $//')]"
  echo "openwebui_admin_email: admin@example.com"
  echo "openwebui_admin_password: \"$password\""
  echo "openwebui_instances:"
  for v in "${versions[@]}"; do
    data="$state/$v"
    port="$(cat "$data/port")"
    log "openwebui: waiting for $v on port $port"
    bash "$harness" wait "http://127.0.0.1:$port" 240 >&2 || {
      tail -n 40 "$data/server.log" >&2
      exit 1
    }
    echo "  - version: \"$v\""
    echo "    url: \"http://127.0.0.1:$port\""
    echo "    data_dir: \"$data\""
    echo "    log: \"$data/server.log\""
    echo "    restart_cmd: \"env AISTACK_CACHE=$AISTACK_CACHE bash $harness restart $v $port $data\""
    echo "    stop_cmd: \"env AISTACK_CACHE=$AISTACK_CACHE bash $harness stop $data/server.pid\""
  done
}

stop() {
  local v
  for v in "${versions[@]}"; do
    bash "$harness" stop "$state/$v/server.pid" || true
  done
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: openwebui.sh start|stop STATEDIR" >&2
    exit 2
    ;;
esac
