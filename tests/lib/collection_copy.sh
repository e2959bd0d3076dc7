# shellcheck shell=bash
# copy_collection DEST: copy the tracked and not-ignored files of the repository
# to DEST/ansible_collections/aistack/baremetal (ansible-test needs that layout)
# and print that directory.
copy_collection() {
  local dest="$1/ansible_collections/aistack/baremetal"
  rm -rf "$dest"; mkdir -p "$dest"
  (cd "$AISTACK_ROOT" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"
  done | rsync -a --from0 --files-from=- ./ "$dest/")
  # ansible-test lists content with git: without a repository of its own it
  # would walk up to the clone, where .cache/ is ignored, and see no files.
  git -C "$dest" init -q
  printf '%s\n' "$dest"
}

# ansible-test downloads a pip bootstrap script from a host this project's
# machines cannot reach, unless a copy is cached: put our stand-in there for
# the pip version this ansible-test pins.
ensure_ansible_test_pip_bootstrap() {
  local ver
  ver="$(python - <<'PY'
from ansible_test._internal.python_requirements import get_venv_packages
from ansible_test._internal.host_configs import NativePythonConfig
print(get_venv_packages(NativePythonConfig(version="3.11", path="/usr/bin/python3"))["pip"])
PY
)" || ver=""
  [ -n "$ver" ] || die "cannot tell which pip version ansible-test bootstraps"
  mkdir -p "$HOME/.ansible/test/cache"
  install -m 0644 "$AISTACK_ROOT/tests/tools/ansible_test_get_pip.py" "$HOME/.ansible/test/cache/get_pip_${ver//./_}.py"
}
