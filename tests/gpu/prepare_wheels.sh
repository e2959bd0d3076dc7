#!/usr/bin/env bash
# Download ansible-core and its dependencies as wheels for the GPU host
# (Python 3.12, x86_64, no network) into tests/gpu/wheels. Run where PyPI is
# reachable; the wheels are not committed (they travel with the working tree).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
py="${AISTACK_GPU_PYTHON_VERSION:-3.12}"
"${PIP:-$root/.venv/bin/pip}" download -q --dest "$root/tests/gpu/wheels" \
  --only-binary=:all: --python-version "$py" --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
  --implementation cp "ansible-core==2.19.14"
ls "$root/tests/gpu/wheels"
