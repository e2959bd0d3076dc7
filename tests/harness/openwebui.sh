#!/usr/bin/env bash
# Install and run real Open WebUI releases from PyPI, offline on loopback.
#
#   tests/harness/openwebui.sh install VERSION...          # cached virtualenvs
#   tests/harness/openwebui.sh start VERSION PORT DATA_DIR # prints the PID
#   tests/harness/openwebui.sh stop PIDFILE
#   tests/harness/openwebui.sh restart VERSION PORT DATA_DIR # stop, start, wait
#   tests/harness/openwebui.sh wait URL [SECONDS]          # until /health answers
#   tests/harness/openwebui.sh openapi VERSION OUT.json    # dump its OpenAPI document (served)
#   tests/harness/openwebui.sh dump VERSION [BASE]         # OpenAPI document into the cache
#
# start/restart pass DATA_DIR/extra.env (KEY=VALUE lines, when present) to the
# server: how a test starts an instance wired to Redis or to other Ollama URLs.
# dump serves the document from a full install when VERSION has one, else
# imports VERSION's code over BASE's installed dependencies (see dump_quick);
# it writes <version>/openapi.json and openapi.source (how it was made).
# tests/tools/openwebui_bisect.py picks the releases to dump; then
# `python tests/tools/openwebui_schema.py --write --cache` turns the documents
# into plugins/module_utils/_openwebui_schema.py.
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
  sed -n '2,18p' "$0" >&2
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
  local version="$1" venv stamp want lock lock_fd
  venv="$(venv_dir "$version")"
  stamp="$venv/.aistack-stamp"
  want="$OPENWEBUI_HARNESS_VERSION $OPENWEBUI_TORCH $(extra_pins "$version")"
  # One install per version at a time: parallel runs wait instead of
  # deleting each other's half-built virtualenv.
  lock="$AISTACK_CACHE/openwebui/$version.lock"
  mkdir -p "$(dirname "$lock")"
  exec {lock_fd}>"$lock"
  flock "$lock_fd"
  if [ -x "$venv/bin/open-webui" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    exec {lock_fd}>&-
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
  exec {lock_fd}>&-
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
  # Extra environment for this instance, one KEY=VALUE per line.
  local -a extra=()
  if [ -s "$data/extra.env" ]; then
    mapfile -t extra <"$data/extra.env"
  fi
  # The environment keeps the server off the network: no model downloads,
  # no telemetry, no embedding model pulled at start, no OpenAI probing.
  # setsid puts the server in its own process group so stop ends its workers too.
  (
    cd "$data"
    DATA_DIR="$data" OFFLINE_MODE=true HF_HUB_OFFLINE=1 WEBUI_SECRET_KEY="$key" \
      ANONYMIZED_TELEMETRY=false DO_NOT_TRACK=true SCARF_NO_ANALYTICS=true \
      RAG_EMBEDDING_ENGINE=ollama ENABLE_OPENAI_API=false ENABLE_VERSION_UPDATE_CHECK=false \
      setsid env "${extra[@]}" "$venv/bin/open-webui" serve --host 127.0.0.1 --port "$port" \
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

# The OpenAPI document of any release without a full install (the --no-deps
# overlay): the release's wheel is unpacked without its dependencies into a
# scratch directory that is put in front of the installed virtualenv of BASE,
# a release with close dependencies, and the document is built by importing
# the app (what /openapi.json serves with ENV=dev) in a child of BASE's import
# server, which keeps BASE's packages imported between dumps
# (openwebui_import.py). The requirements BASE
# lacks by name, and the distributions those pull in that BASE lacks by name
# (pip resolves them against BASE with --dry-run), are added to the scratch
# directory; then each module an import still reports missing is added with
# what it pulls in, and where a name is missing from BASE's version of a
# package, the release's own requirement of that distribution (at most 8
# rounds; a distribution that does not provide the missing module ends the
# try). Without BASE the installed releases are
# tried, the default for the version's minor first. A release that does not
# import over any of them is reported, not guessed; the import's output is
# kept in OUT_DIR/dump-BASE.log.
# OUT_DIR/openapi.source says how the document was made: "served" (a full
# install, the server's /openapi.json) or "overlay BASE" plus what was added.
dump_quick() {
  local version="$1" base="${2:-}" out tmp candidate lock_fd
  out="$AISTACK_CACHE/openwebui/$version/openapi.json"
  [ -s "$out" ] && return 0
  mkdir -p "$(dirname "$out")"
  # One dump per version at a time; a second caller finds the document.
  exec {lock_fd}>"$AISTACK_CACHE/openwebui/$version.dump.lock"
  flock "$lock_fd"
  [ -s "$out" ] && return 0
  if [ -x "$(venv_dir "$version")/bin/open-webui" ]; then
    dump_openapi "$version" "$out.tmp" && mv "$out.tmp" "$out"
    echo "served by a full install of open-webui==$version" >"$(dirname "$out")/openapi.source"
    return 0
  fi
  local -a bases=()
  if [ -n "$base" ]; then
    bases=("$base")
  else
    case "$version" in
      0.6.*) bases=(0.6.12 0.11.0 0.12.4) ;;
      0.12.*) bases=(0.12.4 0.11.0 0.6.12) ;;
      *) bases=(0.11.0 0.12.4 0.6.12) ;;
    esac
  fi
  tmp="$(mktemp -d)"
  for candidate in "${bases[@]}"; do
    [ -x "$(venv_dir "$candidate")/bin/python" ] || continue
    if overlay_dump "$version" "$candidate" "$tmp" "$out"; then
      rm -rf "$tmp"
      rm -f "$(dirname "$out")"/dump-*.log
      log "openwebui: dumped the OpenAPI document of $version (code over $candidate)"
      return 0
    fi
    cp "$tmp/log" "$(dirname "$out")/dump-$candidate.log" 2>/dev/null || true
    log "openwebui: $version does not import over $candidate: $(cat "$tmp/why" 2>/dev/null)"
  done
  rm -rf "$tmp"
  die "open-webui $version does not import over the dependencies of: ${bases[*]} (see $(dirname "$out")/dump-*.log)"
}

# Wheels the overlay installs, fetched once into one wheelhouse shared by
# every dump (a distribution published only as an sdist is built into a wheel
# there): a retry, another base or another release needing the same pinned
# distribution installs it from disk. File names carry distribution and
# version, so the wheelhouse needs no index of its own.
WHEELHOUSE="$AISTACK_CACHE/openwebui/wheels"

# wheel_install PIP TARGET SPEC...: SPECs without dependencies into TARGET,
# from the wheelhouse, downloading into it first what it lacks. Downloads
# take the wheelhouse's lock exclusively, installs shared, so no install
# reads a half-written file.
wheel_install() {
  local pip="$1" target="$2" lock_fd status=0
  shift 2
  mkdir -p "$WHEELHOUSE"
  exec {lock_fd}>"$WHEELHOUSE/.lock"
  flock -s "$lock_fd"
  if ! "$pip" install -q --no-deps --no-index --find-links "$WHEELHOUSE" --upgrade --no-compile --target "$target" "$@" >/dev/null 2>&1; then
    flock -u "$lock_fd"
    flock -x "$lock_fd"
    if ! "$pip" wheel -q --no-deps -w "$WHEELHOUSE" "$@" >&2 ||
      ! "$pip" install -q --no-deps --no-index --find-links "$WHEELHOUSE" --upgrade --no-compile --target "$target" "$@" >&2; then
      status=1
    fi
  fi
  exec {lock_fd}>&-
  return "$status"
}

# lacking PIP PY TMP SPEC...: name==version of every distribution that SPECs
# need and BASE (the virtualenv of PY) lacks by name, SPECs included, as pip
# resolves them against BASE. Distributions BASE has in another version are
# left to BASE, as for the release's own requirements. When pip cannot
# resolve them, the SPECs themselves. The answer is kept per BASE and SPECs
# (many releases lack the same pinned requirements).
lacking() {
  local pip="$1" py="$2" tmp="$3" key memo
  shift 3
  key="$(printf '%s\n' "$pip" "$@" | sha256sum | cut -c1-16)"
  memo="$AISTACK_CACHE/openwebui/resolved/$key"
  if [ -s "$memo" ]; then
    cat "$memo"
    return 0
  fi
  mkdir -p "$(dirname "$memo")"
  rm -f "$tmp/report.json"
  if ! "$pip" install -q --dry-run --report "$tmp/report.json" "$@" >/dev/null 2>&1; then
    printf '%s\n' "$@"
    return 0
  fi
  "$py" - "$tmp/report.json" >"$memo.$$" <<'PY'
import json, sys
import importlib.metadata as md
for item in json.load(open(sys.argv[1], encoding="utf-8"))["install"]:
    name, version = item["metadata"]["name"], item["metadata"]["version"]
    try:
        md.distribution(name)
    except md.PackageNotFoundError:
        print(f"{name}=={version}")
PY
  mv "$memo.$$" "$memo"
  cat "$memo"
}

overlay_dump() {
  local version="$1" base="$2" tmp="$3" out="$4" py pip site extra round module dist rc older spec
  py="$(venv_dir "$base")/bin/python"
  pip="$(venv_dir "$base")/bin/pip"
  site="$tmp/site"
  extra="$tmp/extra-$base"
  rm -f "$tmp/why" "$tmp/log"
  if [ ! -d "$site/open_webui" ]; then
    wheel_install "$pip" "$site" "open-webui==$version" || die "cannot download open-webui==$version"
  fi
  rm -rf "$extra"
  mkdir -p "$extra"
  # Requirements of the release that BASE does not have at all (by name).
  local -a missing=()
  mapfile -t missing < <("$py" - "$site" <<'PY'
import glob, re, sys
import importlib.metadata as md
meta = glob.glob(sys.argv[1] + "/open_webui-*.dist-info/METADATA")[0]
for line in open(meta, encoding="utf-8"):
    if not line.startswith("Requires-Dist:"):
        continue
    req = line.split(":", 1)[1].strip()
    if ";" in req and "extra" in req.split(";", 1)[1]:
        continue
    name = re.split(r"[ <>=!~\[;(]", req, maxsplit=1)[0]
    try:
        md.distribution(name)
    except md.PackageNotFoundError:
        print(req.split(";")[0].strip())
PY
  )
  local -a added=()
  if [ "${#missing[@]}" -gt 0 ]; then
    mapfile -t added < <(lacking "$pip" "$py" "$tmp" "${missing[@]}")
    if ! wheel_install "$pip" "$extra" "${added[@]}"; then
      echo "cannot install what BASE lacks: ${added[*]}" >"$tmp/why"
      return 1
    fi
  fi
  rm -rf "$tmp/data"
  mkdir -p "$tmp/data"
  for ((round = 0; round < 8; round++)); do
    rc=0
    # BASE's import server (openwebui_import.py) forks a child that imports
    # the release's code with BASE's packages already loaded.
    "$py" "$(dirname "$0")/openwebui_import.py" dump "$AISTACK_CACHE/openwebui/import-$base.sock" \
      "$site" "$extra" "$tmp/data" "$out.tmp" "$tmp/log" || rc=$?
    if [ "$rc" -eq 0 ]; then
      mv "$out.tmp" "$out"
      echo "overlay: open-webui==$version --no-deps over open-webui==$base's virtualenv; added: ${added[*]:-nothing}" \
        >"$(dirname "$out")/openapi.source"
      return 0
    fi
    rm -f "$out.tmp"
    if [ "$rc" -eq 124 ]; then
      echo "the import did not finish within 900 s" >"$tmp/why"
      return 1
    fi
    module="$(grep -oE "No module named '[^']+'" "$tmp/log" | tail -n 1 | cut -d"'" -f2 | cut -d. -f1 || true)"
    # A name BASE's version of a package lacks: the release's own requirement
    # of the distribution that provides the module, when it pins one, is added
    # (in front of BASE's version), once per distribution.
    older="$(grep -oE "cannot import name '[^']+' from '[^']+' \(${py%/bin/python}/" "$tmp/log" | tail -n 1 | cut -d"'" -f4 | cut -d. -f1 || true)"
    if [ -z "$module" ] && [ -n "$older" ]; then
      spec="$("$py" - "$site" "$older" <<'PY'
import glob, re, sys
import importlib.metadata as md
dists = md.packages_distributions().get(sys.argv[2], [])
meta = glob.glob(sys.argv[1] + "/open_webui-*.dist-info/METADATA")[0]
for line in open(meta, encoding="utf-8"):
    if line.startswith("Requires-Dist:"):
        req = line.split(":", 1)[1].split(";")[0].strip()
        name = re.split(r"[ <>=!~\[(]", req, maxsplit=1)[0]
        if any(name.lower().replace("_", "-") == d.lower().replace("_", "-") for d in dists):
            print(req)
            break
PY
)"
      if [ -n "$spec" ] && [[ " ${added[*]} " != *" $spec "* ]] && wheel_install "$pip" "$extra" "$spec"; then
        added+=("$spec")
        continue
      fi
    fi
    if [ -z "$module" ]; then
      grep -E 'Error|error' "$tmp/log" | tail -n 1 >"$tmp/why" || true
      [ -s "$tmp/why" ] || { echo "exit status $rc: $(tail -n 1 "$tmp/log")" >"$tmp/why"; }
      return 1
    fi
    # Distributions named unlike the module they provide.
    case "$module" in
      jose) dist=python-jose ;;
      yaml) dist=pyyaml ;;
      rpds) dist=rpds-py ;;
      *) dist="${module//_/-}" ;;
    esac
    local -a more=()
    mapfile -t more < <(lacking "$pip" "$py" "$tmp" "$dist")
    if ! wheel_install "$pip" "$extra" "${more[@]}"; then
      echo "module $module is missing and distribution $dist does not install" >"$tmp/why"
      return 1
    fi
    if ! compgen -G "$extra/$module" >/dev/null && ! compgen -G "$extra/$module.*" >/dev/null; then
      echo "module $module is missing and distribution $dist does not provide it" >"$tmp/why"
      return 1
    fi
    added+=("${more[@]}")
  done
  echo "modules still missing after 8 rounds: $(grep -E 'Error|error' "$tmp/log" | tail -n 1)" >"$tmp/why"
  return 1
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
  dump)
    [ "$#" -ge 1 ] && [ "$#" -le 2 ] || usage
    dump_quick "$@"
    ;;
  venv)
    [ "$#" -eq 1 ] || usage
    venv_dir "$1"
    ;;
  *) usage ;;
esac
