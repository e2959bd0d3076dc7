#!/usr/bin/env bash
# The prepared GPU-host check for the nvidia_driver role (see README.md here).
#
# Run from the repository root on a host with an NVIDIA GPU and a working
# driver (no network needed):
#   tests/gpu/run_nvidia_driver_check.sh [OUTDIR]
# It runs the role with a local connection
#   1. in verify mode, for real: must find the GPU and driver, change nothing;
#   2. in install mode (branch = the running driver's), in check mode: must
#      decide the working driver stays, and change nothing;
# and fails when either run fails or reports a change. Facts and logs go to
# OUTDIR (default: $OUT when set, else tests/gpu/output).
#
# ansible-core comes from, in this order: $AISTACK_ANSIBLE_PLAYBOOK, an
# ansible-playbook on PATH, or an offline virtualenv built from the wheels in
# tests/gpu/wheels (made beforehand by tests/gpu/prepare_wheels.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-${OUT:-$root/tests/gpu/output}}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log() { printf '[gpu-check] %s\n' "$*" | tee -a "$out/summary.txt" >&2; }
: >"$out/summary.txt"

log "host: $(uname -n) kernel $(uname -r); $(grep PRETTY_NAME /etc/os-release 2>/dev/null | cut -d= -f2)"
log "nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -3 | tr '\n' ';')"

playbook="${AISTACK_ANSIBLE_PLAYBOOK:-$(command -v ansible-playbook || true)}"
if [ -z "$playbook" ]; then
  [ -d "$root/tests/gpu/wheels" ] || { log "FAIL: no ansible-playbook and no tests/gpu/wheels (run tests/gpu/prepare_wheels.sh where PyPI is reachable)"; exit 2; }
  log "building an offline virtualenv from tests/gpu/wheels"
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q --no-index --find-links "$root/tests/gpu/wheels" ansible-core
  playbook="$work/venv/bin/ansible-playbook"
fi
python="$(head -1 "$playbook" | sed -n 's/^#! *//p' | awk '{print $1}')"
[ -x "$python" ] || python="$(command -v python3)"
log "ansible: $("$playbook" --version | head -1) (python $python)"

# The repository as the collection aistack.baremetal.
mkdir -p "$work/collections/ansible_collections/aistack"
ln -s "$root" "$work/collections/ansible_collections/aistack/baremetal"
cat >"$work/inventory.yml" <<INV
all:
  hosts:
    gpu_host:
      ansible_connection: local
      ansible_python_interpreter: $python
INV
export ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_ROLES_PATH="$root/roles"
export ANSIBLE_STDOUT_CALLBACK=ansible.builtin.default ANSIBLE_CALLBACK_RESULT_FORMAT=yaml
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=false AISTACK_GPU_CHECK_OUT="$out"
: >"$work/ansible.cfg"; export ANSIBLE_CONFIG="$work/ansible.cfg"

rc=0
run() { # name, extra args...
  local name="$1"; shift
  local start=$SECONDS
  if "$playbook" -i "$work/inventory.yml" "$root/tests/gpu/nvidia_driver_check.yml" "$@" >"$out/$name.log" 2>&1; then
    local recap; recap="$(grep -E '^gpu_host +:' "$out/$name.log" | tail -1)"
    if [[ "$recap" =~ changed=0 ]] && [[ "$recap" =~ failed=0 ]]; then
      log "PASS $name in $((SECONDS - start))s: $recap"
    else
      log "FAIL $name: not a no-change run: $recap"; rc=1
    fi
  else
    log "FAIL $name (ansible-playbook exit $?), see $out/$name.log"; tail -30 "$out/$name.log" >&2; rc=1
  fi
}
run verify -e nvidia_driver_mode=verify
branch="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1 | cut -d. -f1 || true)"
run install-check --check -e nvidia_driver_mode=install -e "nvidia_driver_branch=${branch:-580}"
for f in "$out"/nvidia_driver_state-*.json; do
  [ -e "$f" ] || continue
  log "facts $(basename "$f"):"
  tee -a "$out/summary.txt" <"$f" >&2
done
if [ "$rc" -eq 0 ]; then log "RESULT: PASS"; else log "RESULT: FAIL"; fi
exit "$rc"
