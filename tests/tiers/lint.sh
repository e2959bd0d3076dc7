#!/usr/bin/env bash
# Lint tier: yamllint, ansible-lint (production profile), ruff, mypy on
# module_utils, and the argument_specs <-> defaults sync check.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
ensure_venv
cd "$AISTACK_ROOT" || exit 1
rc=0
step() { log "lint: $*"; "$@" || { log "lint step failed: $*"; rc=1; }; }
step yamllint -s .
step ruff check plugins tests benchmarks
step ruff format --check plugins tests benchmarks
step mypy --config-file "$AISTACK_ROOT/pyproject.toml" plugins/module_utils
step python tests/tools/check_argument_specs.py
step antsibull-changelog lint
step ansible-lint --profile production --offline -q
exit $rc
