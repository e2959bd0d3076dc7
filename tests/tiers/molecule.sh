#!/usr/bin/env bash
# Molecule tier: every scenario under extensions/molecule/ against real
# systemd hosts (Debian 12 and 13 containers, see docs/testing.md).
#
#   AISTACK_MOLECULE_SCENARIOS="base k3s" scripts/test molecule   # only those
#
# A scenario that needs a machine a container cannot stand in for carries a
# file REQUIRES_HOST whose first non-comment word names an environment
# variable (e.g. AISTACK_K3S_TEST_HOST); it runs only when that
# variable is set, and otherwise is reported as SKIPPED with the reason (a
# skip is never counted as a pass). Exits non-zero when any scenario fails.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"
set +e
ensure_venv
cd "$AISTACK_ROOT" || exit 1

# Images first (cached under $AISTACK_CACHE/images, ~80 s each when new).
tests/harness/image.sh bookworm trixie >/dev/null || die "building the Debian systemd images failed"

scenarios=()
if [ -n "${AISTACK_MOLECULE_SCENARIOS:-}" ]; then
  read -r -a scenarios <<<"$AISTACK_MOLECULE_SCENARIOS"
else
  for f in extensions/molecule/*/molecule.yml; do
    [ -e "$f" ] && scenarios+=("$(basename "$(dirname "$f")")")
  done
fi
[ "${#scenarios[@]}" -gt 0 ] || die "no Molecule scenarios found under extensions/molecule"

results=() failed=0 skipped=0
for s in "${scenarios[@]}"; do
  dir="extensions/molecule/$s"
  if [ ! -f "$dir/molecule.yml" ]; then
    results+=("$s: FAILED (no $dir/molecule.yml)"); failed=$((failed + 1)); continue
  fi
  if [ -f "$dir/REQUIRES_HOST" ]; then
    # First word of the first line that is not a comment: the variable's name.
    var="$(awk '!/^[[:space:]]*(#|$)/ { print $1; exit }' "$dir/REQUIRES_HOST")"
    if ! [[ "$var" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
      results+=("$s: FAILED ($dir/REQUIRES_HOST names no variable)"); failed=$((failed + 1)); continue
    fi
    if [ -z "${!var:-}" ]; then
      log "molecule: SKIPPED $s: needs a real host, set $var (see $dir/REQUIRES_HOST)"
      results+=("$s: SKIPPED (set $var to run it)"); skipped=$((skipped + 1)); continue
    fi
  fi
  log "molecule: scenario $s"
  start=$(date +%s)
  if molecule test -s "$s"; then
    results+=("$s: PASSED in $(( $(date +%s) - start ))s")
  else
    results+=("$s: FAILED in $(( $(date +%s) - start ))s"); failed=$((failed + 1))
  fi
done

log "molecule summary:"
printf '  %s\n' "${results[@]}" >&2
[ "$skipped" -gt 0 ] && log "molecule: $skipped scenario(s) skipped, not passed"
[ "$failed" -eq 0 ]
