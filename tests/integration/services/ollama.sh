#!/usr/bin/env bash
# Ollama API emulator (a test double from tests/emulators/ollama, not Ollama)
# for the integration tier: two independent instances, "primary" and
# "standalone" (the backup instance of the stack tests).
#
#   ollama.sh start STATEDIR   start both, wait until they answer, print YAML
#                              lines for integration_config.yml on stdout
#   ollama.sh stop STATEDIR    stop them
set -euo pipefail
cmd="${1:?usage: ollama.sh start|stop STATEDIR}"
state="${2:?usage: ollama.sh start|stop STATEDIR}"
here="$(cd "$(dirname "$0")" && pwd)"
emulator="$here/../../emulators/ollama/ollama_emulator.py"
python="${AISTACK_VENV:-$here/../../../.venv}/bin/python"
[ -x "$python" ] || python="$(command -v python3)"
instances=(primary standalone)

start() {
  mkdir -p "$state"
  local i port n
  for i in "${instances[@]}"; do
    rm -f "$state/$i.port"
    "$python" "$emulator" --port 0 --port-file "$state/$i.port" >"$state/$i.log" 2>&1 &
    echo $! >"$state/$i.pid"
  done
  for i in "${instances[@]}"; do
    for n in $(seq 1 100); do
      if [ -s "$state/$i.port" ]; then
        port="$(cat "$state/$i.port")"
        "$python" - "$port" <<'PY' && break
import sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/api/version" % sys.argv[1], timeout=2).read()
PY
      fi
      kill -0 "$(cat "$state/$i.pid")" 2>/dev/null || { cat "$state/$i.log" >&2; echo "ollama emulator $i died" >&2; exit 1; }
      [ "$n" -eq 100 ] && { echo "ollama emulator $i did not answer" >&2; exit 1; }
      sleep 0.1
    done
    echo "ollama_${i}_url: http://127.0.0.1:$port"
    echo "ollama_${i}_control_url: http://127.0.0.1:$port/_emulator"
  done
}

stop() {
  local i pid
  for i in "${instances[@]}"; do
    [ -f "$state/$i.pid" ] || continue
    pid="$(cat "$state/$i.pid")"
    kill "$pid" 2>/dev/null || true
    rm -f "$state/$i.pid"
  done
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: ollama.sh start|stop STATEDIR" >&2; exit 2 ;;
esac
