#!/usr/bin/env bash
# Integration tier: start the real or emulated services the targets talk to,
# write their addresses into tests/integration/integration_config.yml (which
# ansible-test passes to every target as variables), run ansible-test
# integration on the collection copy, stop the services.
#
# Service contract: tests/integration/services/<name>.sh start STATEDIR prints
# "key: value" YAML lines for integration_config.yml; "stop STATEDIR" ends it.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
. "$AISTACK_ROOT/tests/lib/collection_copy.sh"
ensure_venv
command -v rsync >/dev/null || ensure_apt rsync
# The verify report's screenshot test (tests/integration/test_verify_screenshot.py).
command -v chromium >/dev/null || ensure_apt chromium || log "chromium not installed: the screenshot test is skipped"

# Playbook tests: pytest files in tests/integration that run the repository's
# playbooks with ansible-playbook (kept out of the unit tier, which runs no
# playbook), and the chart contract tests (tests/integration/contract: plan
# mode's manifests rendered with the real pinned charts by a real Helm v4).
# AISTACK_INTEGRATION_ARGS="playbooks" runs only them; other target names skip them.
# Their ansible-playbook runs start together at the first test, AISTACK_TEST_JOBS
# (default: the CPU count) at a time (tests/integration/playbook_runs.py); the
# slowest tests are listed at the end (--durations).
args="${AISTACK_INTEGRATION_ARGS:-}"
playbooks_rc=0
if [ -z "$args" ] || [ "$args" = playbooks ]; then
  ensure_helm
  log "integration: playbook and chart contract tests (tests/integration/test_*.py, tests/integration/contract)"
  (cd "$AISTACK_ROOT/.cache/collections/ansible_collections/aistack/baremetal" \
    && PYTHONPATH="$AISTACK_ROOT/.cache/collections${PYTHONPATH:+:$PYTHONPATH}" \
      python -m pytest -q -p no:cacheprovider --durations=15 tests/integration/test_*.py tests/integration/contract) \
    || playbooks_rc=$?
  [ "$args" = playbooks ] && exit "$playbooks_rc"
fi

state="$AISTACK_ROOT/.cache/integration-state"
rm -rf "$state"; mkdir -p "$state"
services=()
for s in "$AISTACK_ROOT"/tests/integration/services/*.sh; do
  [ -e "$s" ] && services+=("$s")
done
stop_all() {
  local s
  for s in "${services[@]}"; do bash "$s" stop "$state/$(basename "$s" .sh)" || true; done
}
trap stop_all EXIT

config="$state/integration_config.yml"
echo "---" >"$config"
for s in "${services[@]}"; do
  name="$(basename "$s" .sh)"
  log "integration: starting service $name"
  mkdir -p "$state/$name"
  bash "$s" start "$state/$name" >>"$config"
done

dest="$(copy_collection "$AISTACK_ROOT/.cache/integration")"
cp "$config" "$dest/tests/integration/integration_config.yml"
cd "$dest"
# shellcheck disable=SC2086
ansible-test integration --python 3.11 --color no $args || exit $?
exit "$playbooks_rc"
