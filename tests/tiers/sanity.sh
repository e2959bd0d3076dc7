#!/usr/bin/env bash
# Sanity tier: ansible-test sanity on a copy of the tracked (and not ignored)
# files placed under ansible_collections/aistack/baremetal, as ansible-test requires.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
. "$AISTACK_ROOT/tests/lib/collection_copy.sh"
ensure_venv
command -v rsync >/dev/null || ensure_apt rsync
ensure_ansible_test_pip_bootstrap
dest="$(copy_collection "$AISTACK_ROOT/.cache/sanity")"
rc=0
bash "$AISTACK_ROOT/tests/tools/check_build.sh" || rc=1
cd "$dest"
# --venv builds one virtualenv per sanity test from ansible-test's own pinned
# requirements (PyPI, pip's cache makes reruns fast).
# shellcheck disable=SC2086
ansible-test sanity --venv --requirements --python 3.11 --color no ${AISTACK_SANITY_ARGS:-} || rc=1
exit $rc
