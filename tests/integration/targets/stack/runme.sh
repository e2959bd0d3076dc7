#!/usr/bin/env bash
# The stack test without Kubernetes, once per Open WebUI release (0.6.12 and
# the newest 0.12.x; AISTACK_STACK_VERSIONS overrides):
#
#   1. stack.sh up: two Ollama emulators (primary, standalone) and a real Open
#      WebUI wired to both and to the tier's real Redis (websocket manager,
#      app state);
#   2. the first admin (openwebui_admin), then the collection's content
#      playbooks - playbooks/models.yml and playbooks/webui_settings.yml - with
#      the example inventory's stack variables (its model list and settings),
#      first in check mode (changes predicted, nothing pulled or written);
#   3. the same two playbooks again: the recap must show changed=0, and the
#      requests the rerun cost are counted on the emulators and in Open WebUI's
#      access log;
#   4. verify.yml: models per tier on each instance, Open WebUI lists the
#      models of both, a chat is answered, the primary is stopped and the
#      model list and a chat still work through the standalone (the time to
#      the first answer is the failover figure), Redis holds Open WebUI's keys.
#
# AISTACK_STACK_KEEP=1 leaves each stack running, also when a step fails (for
# debugging); `stack.sh down STATE HARNESS` stops it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
config="${AISTACK_STACK_CONFIG:-$root/tests/integration/integration_config.yml}"
example="$root/inventories/example/group_vars/all/stack.yml"
state_root="${OUTPUT_DIR:-$(mktemp -d)}/stack"
cd "$here"

value() {
  python - "$config" "$1" <<'PY'
import sys, yaml
data = yaml.safe_load(open(sys.argv[1])) or {}
value = data.get(sys.argv[2])
if value is None:
    sys.exit(f"{sys.argv[2]} is not in integration_config.yml: did its service start?")
print(" ".join(value) if isinstance(value, list) else value)
PY
}
harness="$(value openwebui_harness)"
redis_url="$(value redis_url)"
redis_port="$(value redis_port)"
redis_password="$(value redis_password)"
installed=" $(value openwebui_versions) "
read -r -a versions <<<"${AISTACK_STACK_VERSIONS:-0.6.12 0.12.4}"

playbook() {
  ansible-playbook -i inventory.yml -e @"$config" -e @"$example" -e @stack_vars.yml -e @"$state/vars.yml" "$@"
}

stats() { # total API requests an emulator has answered
  curl -fsS "$1/_emulator/stats" | python -c 'import json, sys; print(json.load(sys.stdin)["requests"].get("total", 0))'
}

db=0
for version in "${versions[@]}"; do
  case "$installed" in
    *" $version "*) ;;
    *)
      echo "Open WebUI $version is not installed by the openwebui service (it has:$installed)" >&2
      exit 1
      ;;
  esac
  state="$state_root/$version"
  rm -rf "$state"
  trap '[ -n "${AISTACK_STACK_KEEP:-}" ] || bash "$here/stack.sh" down "$state" "$harness"' EXIT
  echo "=== stack $version: starting the emulators and Open WebUI with Redis db $db"
  # An empty database, so the keys verify.yml finds are this Open WebUI's.
  REDISCLI_AUTH="$redis_password" redis-cli -h 127.0.0.1 -p "$redis_port" -n "$db" flushdb >/dev/null
  bash "$here/stack.sh" up "$version" "$state" "$harness" "$redis_url" "$db"
  primary="$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["stack_primary_url"])' "$state/vars.yml")"
  standalone="$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["stack_standalone_url"])' "$state/vars.yml")"
  log="$state/owui/server.log"

  echo "=== stack $version: first admin, the content playbooks in check mode, then for real"
  playbook bootstrap.yml
  posts_before="$(grep -F '"POST /' "$log" | grep -vcF '/auths/signin' || true)"
  playbook content.yml --check | tee "$state/check.log"
  posts_after="$(grep -F '"POST /' "$log" | grep -vcF '/auths/signin' || true)"
  models="$(curl -fsS "$primary/api/tags" | python -c 'import json, sys; print(len(json.load(sys.stdin)["models"]))')"
  if ! grep -Eq 'stack-host +: .*changed=[1-9]' "$state/check.log" || [ "$posts_after" != "$posts_before" ] || [ "$models" != 0 ]; then
    echo "check mode: predicted no change, or wrote (Open WebUI POSTs $posts_before -> $posts_after, primary models $models)" >&2
    exit 1
  fi
  playbook content.yml | tee "$state/first.log"
  grep -Eq 'stack-host +: .*changed=[1-9]' "$state/first.log" || {
    echo "the first run of the content playbooks changed nothing" >&2
    exit 1
  }

  echo "=== stack $version: the second run must change nothing"
  curl -fsS -X POST "$primary/_emulator/stats/reset" >/dev/null
  curl -fsS -X POST "$standalone/_emulator/stats/reset" >/dev/null
  owui_before="$(grep -c '"[A-Z]* /' "$log" || true)"
  owui_posts_before="$(grep -F '"POST /' "$log" | grep -vcF '/auths/signin' || true)"
  start="$(date +%s.%N)"
  playbook content.yml | tee "$state/rerun.log"
  end="$(date +%s.%N)"
  grep -Eq 'stack-host +: .*changed=0 ' "$state/rerun.log" || {
    echo "the second run of the content playbooks changed something" >&2
    exit 1
  }
  owui_after="$(grep -c '"[A-Z]* /' "$log" || true)"
  owui_posts_after="$(grep -F '"POST /' "$log" | grep -vcF '/auths/signin' || true)"
  cat >"$state/rerun.yml" <<YAML
---
stack_rerun:
  seconds: $(python -c "print(round($end - $start, 2))")
  ollama_requests: {primary: $(stats "$primary"), standalone: $(stats "$standalone")}
  openwebui_requests: $((owui_after - owui_before))
  openwebui_writes: $((owui_posts_after - owui_posts_before))
YAML

  echo "=== stack $version: verify, then fail over to the standalone"
  playbook verify.yml -e @"$state/rerun.yml"
  trap - EXIT
  if [ -n "${AISTACK_STACK_KEEP:-}" ]; then
    echo "=== stack $version left running: $state"
  else
    bash "$here/stack.sh" down "$state" "$harness"
  fi
  db=$((db + 1))
done
