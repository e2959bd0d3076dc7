#!/usr/bin/env bash
# Install and run real Open WebUI releases from PyPI, offline on loopback.
#
#   tests/harness/openwebui.sh install VERSION...          # cached virtualenvs
#   tests/harness/openwebui.sh start VERSION PORT DATA_DIR # prints the PID
#   tests/harness/openwebui.sh stop PIDFILE
#   tests/harness/openwebui.sh restart VERSION PORT DATA_DIR # stop, start, wait
#   tests/harness/openwebui.sh wait URL [SECONDS]          # until /health answers
#   tests/harness/openwebui.sh openapi VERSION OUT.json    # dump its OpenAPI document
#   tests/harness/openwebui.sh schema VERSION=SPEC.json... # print BODIES for _openwebui_schema.py
#
# Each version lives in its own virtualenv under
# $AISTACK_CACHE/openwebui/<version>/venv. The stamp file is written only
# after the whole install succeeded, so an interrupted install is redone
# from scratch on the next call. CPU torch is installed first from the local
# wheel; otherwise pip resolves open-webui's torch requirement to a
# multi-gigabyte CUDA build.
#
# The server runs with its own DATA_DIR and a WEBUI_SECRET_KEY generated per
# start (written into DATA_DIR/.secret_key, mode 0600, never into the clone),
# so a restart with the same DATA_DIR keeps tokens and settings valid.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"

# Bump when the install recipe changes: every cached virtualenv is rebuilt.
OPENWEBUI_HARNESS_VERSION=1
OPENWEBUI_TORCH="${AISTACK_OPENWEBUI_TORCH:-torch==2.13.0}"

usage() {
  sed -n '2,11p' "$0" >&2
  exit 2
}

venv_dir() { echo "$AISTACK_CACHE/openwebui/$1/venv"; }

# Extra pins a release needs to install at all on Python 3.11.
extra_pins() {
  case "$1" in
    0.6.*) echo "pyarrow==20.0.0" ;;
    *) echo "" ;;
  esac
}

install_one() {
  local version="$1" venv stamp want
  venv="$(venv_dir "$version")"
  stamp="$venv/.aistack-stamp"
  want="$OPENWEBUI_HARNESS_VERSION $OPENWEBUI_TORCH $(extra_pins "$version")"
  if [ -x "$venv/bin/open-webui" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  log "openwebui: installing open-webui==$version into $venv (several minutes)"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$AISTACK_PYTHON" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip >&2
  "$venv/bin/pip" install -q "$OPENWEBUI_TORCH" >&2
  # shellcheck disable=SC2046
  "$venv/bin/pip" install -q "open-webui==$version" $(extra_pins "$version") >&2
  echo "$want" >"$stamp"
  log "openwebui: open-webui==$version installed"
}

start_one() {
  local version="$1" port="$2" data="$3" venv key
  venv="$(venv_dir "$version")"
  [ -x "$venv/bin/open-webui" ] || die "open-webui $version is not installed (run: $0 install $version)"
  mkdir -p "$data"
  if [ ! -s "$data/.secret_key" ]; then
    (umask 077 && "$AISTACK_PYTHON" -c 'import secrets; print(secrets.token_hex(32))' >"$data/.secret_key")
  fi
  key="$(cat "$data/.secret_key")"
  # The environment keeps the server off the network: no model downloads,
  # no telemetry, no embedding model pulled at start, no OpenAI probing.
  # setsid puts the server in its own process group so stop ends its workers too.
  (
    cd "$data"
    DATA_DIR="$data" OFFLINE_MODE=true HF_HUB_OFFLINE=1 WEBUI_SECRET_KEY="$key" \
      ANONYMIZED_TELEMETRY=false DO_NOT_TRACK=true SCARF_NO_ANALYTICS=true \
      RAG_EMBEDDING_ENGINE=ollama ENABLE_OPENAI_API=false ENABLE_VERSION_UPDATE_CHECK=false \
      setsid "$venv/bin/open-webui" serve --host 127.0.0.1 --port "$port" \
      >>"$data/server.log" 2>&1 </dev/null &
    echo $! >"$data/server.pid"
  )
  cat "$data/server.pid"
}

wait_health() {
  local url="$1" limit="${2:-180}" i
  for ((i = 0; i < limit; i++)); do
    if curl -fsS --max-time 2 "$url/health" 2>/dev/null | grep -q '"status":true'; then
      return 0
    fi
    sleep 1
  done
  die "openwebui: $url/health did not answer within ${limit}s"
}

stop_pidfile() {
  local pidfile="$1" pid i
  [ -s "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    # The server leads its own process group (setsid): end the group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# The OpenAPI document is served only with ENV=dev: start a throwaway instance.
dump_openapi() {
  local version="$1" out="$2" data port
  data="$(mktemp -d)"
  port="$("$AISTACK_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  ENV=dev start_one "$version" "$port" "$data" >/dev/null
  if wait_health "http://127.0.0.1:$port"; then
    curl -fsS "http://127.0.0.1:$port/openapi.json" >"$out"
  fi
  stop_pidfile "$data/server.pid"
  rm -rf "$data"
  [ -s "$out" ]
}

# Reduce OpenAPI documents to the request-body type trees of the sections
# openwebui_config manages (plugins/module_utils/_openwebui_schema.py).
print_schema() {
  "$AISTACK_PYTHON" - "$@" <<'PY'
"""Generate compact request-body type trees from Open WebUI OpenAPI specs."""
import json, sys, pprint

SECTIONS = {
    "auth": "/api/v1/auths/admin/config",
    "retrieval": "/api/v1/retrieval/config/update",
    "tasks": "/api/v1/tasks/config/update",
    "permissions": "/api/v1/users/default/permissions",
    "audio": "/api/v1/audio/config/update",
    "images": "/api/v1/images/config/update",
    "code_execution": "/api/v1/configs/code_execution",
}

def resolve(spec, sc):
    while "$ref" in sc:
        sc = spec["components"]["schemas"][sc["$ref"].split("/")[-1]]
    return sc

def typ(spec, sc):
    sc = resolve(spec, sc)
    if "anyOf" in sc:
        opts = [resolve(spec, o) for o in sc["anyOf"]]
        nullable = any(o.get("type") == "null" for o in opts)
        rest = [o for o in opts if o.get("type") != "null"]
        if len(rest) == 1:
            t = typ(spec, rest[0])
            if isinstance(t, str):
                return t + "?" if nullable and not t.endswith("?") else t
            return t  # nested object that may be null: keep tree
        kinds = [typ(spec, o) for o in rest]
        if all(isinstance(k, str) and k != "any" for k in kinds):
            return "|".join(k.rstrip("?") for k in kinds) + ("?" if nullable else "")
        return "any"
    t = sc.get("type")
    if t == "object" and "properties" in sc:
        return {k: typ(spec, v) for k, v in sc["properties"].items()}
    return {"boolean": "bool", "integer": "int", "number": "float", "string": "str",
            "array": "list", "object": "dict", None: "any"}.get(t, "any")

out = {}
for v in sys.argv[1:]:
    v, path = v.split("=", 1)
    spec = json.load(open(path))
    out[v] = {}
    for name, path in SECTIONS.items():
        op = spec["paths"].get(path, {}).get("post")
        if not op:
            continue
        sc = op["requestBody"]["content"]["application/json"]["schema"]
        out[v][name] = typ(spec, sc)
pprint.pprint(out, width=100, sort_dicts=True)
PY
}

cmd="${1:-}"
shift || true
case "$cmd" in
  install)
    [ "$#" -ge 1 ] || usage
    for v in "$@"; do install_one "$v"; done
    ;;
  start)
    [ "$#" -eq 3 ] || usage
    start_one "$@"
    ;;
  stop)
    [ "$#" -eq 1 ] || usage
    stop_pidfile "$1"
    ;;
  restart)
    [ "$#" -eq 3 ] || usage
    stop_pidfile "$3/server.pid"
    start_one "$@" >/dev/null
    wait_health "http://127.0.0.1:$2"
    ;;
  wait)
    [ "$#" -ge 1 ] || usage
    wait_health "$@"
    ;;
  openapi)
    [ "$#" -eq 2 ] || usage
    dump_openapi "$@"
    ;;
  schema)
    [ "$#" -ge 1 ] || usage
    print_schema "$@"
    ;;
  venv)
    [ "$#" -eq 1 ] || usage
    venv_dir "$1"
    ;;
  *) usage ;;
esac
