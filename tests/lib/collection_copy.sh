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
  printf '%s\n' "$dest"
}
