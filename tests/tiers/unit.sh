#!/usr/bin/env bash
# Unit tier: pytest over tests/unit, run from the collection's place in the
# ansible_collections tree so `ansible_collections.aistack.baremetal...` imports work.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
ensure_venv
cd "$AISTACK_ROOT/.cache/collections/ansible_collections/aistack/baremetal"
export PYTHONPATH="$AISTACK_ROOT/.cache/collections${PYTHONPATH:+:$PYTHONPATH}"
exec python -m pytest -q -p no:cacheprovider --durations=10 tests/unit
