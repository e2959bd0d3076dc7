#!/usr/bin/env bash
# Build the collection tarball, install it into an empty collections path and
# check that its modules and roles resolve by FQCN from there (not from the
# repository link).
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
ensure_venv
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$AISTACK_ROOT"
ansible-galaxy collection build --force --output-path "$work/dist" . >/dev/null
tarball="$(ls "$work"/dist/aistack-baremetal-*.tar.gz)"
log "built $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"
# --no-deps: dependencies come from the ansible bundle in the venv (Galaxy is unreachable).
# --force: the repository link in .cache/collections would otherwise count as installed.
printf "[defaults]\n" >"$work/empty.cfg"
ANSIBLE_CONFIG="$work/empty.cfg" ansible-galaxy collection install --force --no-deps -p "$work/collections" "$tarball" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; die "installing the built tarball failed"; }
installed="$work/collections/ansible_collections/aistack/baremetal"
[ -f "$installed/MANIFEST.json" ] || die "installed collection has no MANIFEST.json"
export ANSIBLE_COLLECTIONS_PATH="$work/collections:$AISTACK_VENV/lib/python3.11/site-packages"
unset ANSIBLE_CONFIG
cd "$work"
rc=0
for m in "$installed"/plugins/modules/*.py; do
  [ -e "$m" ] || continue
  name="aistack.baremetal.$(basename "$m" .py)"
  if ansible-doc -t module "$name" >/dev/null 2>"$work/doc.err"; then
    log "module resolves: $name"
  else
    log "module does NOT resolve: $name"; cat "$work/doc.err" >&2; rc=1
  fi
done
for r in "$installed"/roles/*/; do
  [ -d "$r" ] || continue
  role="aistack.baremetal.$(basename "$r")"
  printf -- '- hosts: localhost\n  gather_facts: false\n  roles:\n    - role: %s\n' "$role" >"$work/play.yml"
  if ansible-playbook --syntax-check -i localhost, "$work/play.yml" >/dev/null 2>"$work/play.err"; then
    log "role resolves: $role"
  else
    log "role does NOT resolve: $role"; cat "$work/play.err" >&2; rc=1
  fi
done
exit $rc
