#!/usr/bin/env bash
# Print, as JSON, the podman settings that boot a systemd container on this machine:
#
#   tests/harness/podman-opts.sh IMAGE
#   {"runtime": "runc", "ulimits": ["nofile=20000:20000", "nproc=65536:65536"]}
#
#   tests/harness/podman-opts.sh --args IMAGE    # the same as podman run flags
#
# Two things differ between machines and are probed instead of assumed:
# - the OCI runtime: crun refuses hosts with cgroups in hybrid (v1) mode, runc
#   works there; on an ordinary cgroup v2 box podman's default (crun) works.
#   Candidates are tried in order: podman's default, runc, crun.
# - ulimits: without explicit values podman asks for limits above this
#   process's hard limits and fails where it lacks CAP_SYS_RESOURCE. Both
#   nofile and nproc start at min(hard limit, 1048576); when the runtime still
#   refuses one (some sandboxes allow less than `ulimit -H` says), that one is
#   lowered to the next power of two below and tried again.
# The answer is cached under $AISTACK_CACHE/podman/, keyed by everything it
# depends on (podman version, runtime binaries, cgroup type, hard limits, image).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"

format=json
if [ "${1:-}" = "--args" ]; then format=args; shift; fi
[ "$#" -eq 1 ] || { echo "usage: $0 [--args] IMAGE" >&2; exit 2; }
image="$1"

cap() {
  local hard="$1" max=1048576
  if [ "$hard" = unlimited ] || [ "$hard" -gt "$max" ]; then echo "$max"; else echo "$hard"; fi
}
# The largest power of two below $1.
lower() {
  local n=1
  while [ $((n * 2)) -lt "$1" ]; do n=$((n * 2)); done
  echo "$n"
}
hard_nofile="$(cap "$(ulimit -Hn)")"
hard_nproc="$(cap "$(ulimit -Hu)")"

candidates=("")
for r in runc crun; do command -v "$r" >/dev/null && candidates+=("$r"); done

image_id="$(podman image inspect --format '{{.Id}}' "$image")" || die "image $image not found (build it with tests/harness/image.sh)"
key="$( {
  podman --version
  for r in "${candidates[@]:1}"; do command -v "$r"; done
  stat -fc %T /sys/fs/cgroup
  echo "$hard_nofile $hard_nproc $image_id"
} | sha256sum | cut -c1-16)"
cache="$AISTACK_CACHE/podman/opts-$key"
mkdir -p "$AISTACK_CACHE/podman"

# Try one runtime, lowering whichever rlimit it refuses (type 6 = RLIMIT_NPROC,
# 7 = RLIMIT_NOFILE). Prints "RUNTIME NOFILE NPROC" on success.
probe() {
  local r="$1" nofile="$hard_nofile" nproc="$hard_nproc" out args
  while [ "$nofile" -ge 1024 ] && [ "$nproc" -ge 1024 ]; do
    args=(--rm --privileged --systemd=always --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")
    [ -n "$r" ] && args+=(--runtime "$r")
    if out="$(podman run "${args[@]}" "$image" /bin/true 2>&1)"; then
      echo "${r:-$(podman info --format '{{.Host.OCIRuntime.Name}}')} $nofile $nproc"
      return 0
    fi
    case "$out" in
      *"rlimit type 6"*) nproc="$(lower "$nproc")" ;;
      *"rlimit type 7"*) nofile="$(lower "$nofile")" ;;
      *) break ;;
    esac
  done
  echo "runtime '${r:-podman default}' (nofile=$nofile nproc=$nproc): $out" >&2
  return 1
}

if [ ! -s "$cache" ]; then
  errors="$(mktemp)" found="$(mktemp)"
  for r in "${candidates[@]}"; do
    probe "$r" >"$found" 2>>"$errors" && break
  done
  [ -s "$found" ] || { cat "$errors" >&2; rm -f "$errors" "$found"; die "no OCI runtime can start $image here"; }
  mv "$found" "$cache" # atomic: parallel probes never read a half-written answer
  rm -f "$errors"
fi
read -r runtime nofile nproc <"$cache"

if [ "$format" = args ]; then
  printf -- '--runtime %s --ulimit nofile=%s:%s --ulimit nproc=%s:%s\n' "$runtime" "$nofile" "$nofile" "$nproc" "$nproc"
else
  printf '{"runtime": "%s", "ulimits": ["nofile=%s:%s", "nproc=%s:%s"]}\n' "$runtime" "$nofile" "$nofile" "$nproc" "$nproc"
fi
