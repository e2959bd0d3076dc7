#!/usr/bin/env bash
# Build (or re-import) the Debian systemd images the Molecule scenarios boot.
#
#   tests/harness/image.sh bookworm trixie     # Debian 12 and 13
#   AISTACK_DEBIAN_MIRROR=http://mirror/debian tests/harness/image.sh bookworm
#
# Each suite becomes localhost/aistack-debian-systemd:<suite>, a debootstrap
# minbase rootfs with systemd as PID 1 and what Ansible needs to manage it.
# The rootfs tarball is cached outside the clone under
# $AISTACK_CACHE/images/, keyed by suite + package list + this script's
# version, so fresh CI clones on the same machine only re-import it (seconds)
# instead of bootstrapping again (~80 s per suite). Prints the image names.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"

# Bump when the way the rootfs is made changes: it invalidates every cached tarball.
IMAGE_SCRIPT_VERSION=3
IMAGE_REPO="${AISTACK_IMAGE_REPO:-localhost/aistack-debian-systemd}"
# What Ansible and the scenarios need inside the host: systemd as init, dbus
# for systemctl/timedatectl, python3 (+ python3-apt for the apt module), sudo
# for become, iproute2 for default_ipv4 facts, kmod/procps like a real host.
# The packages the roles install are deliberately absent, so converge installs them.
IMAGE_PACKAGES=(systemd systemd-sysv dbus python3 python3-apt sudo iproute2 procps kmod ca-certificates)
declare -A SUITES=([bookworm]=12 [trixie]=13)

usage() { echo "usage: $0 SUITE... (known: ${!SUITES[*]})" >&2; exit 2; }

# The Debian mirror this machine's apt already uses (deb822 .sources first,
# then one-line sources.list), so image builds work where only that mirror is
# reachable. The security archive is skipped; deb.debian.org is the fallback.
detect_mirror() {
  local uri f
  if [ -n "${AISTACK_DEBIAN_MIRROR:-}" ]; then echo "$AISTACK_DEBIAN_MIRROR"; return; fi
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    uri="$(awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f" \
      | grep -E '/debian/?$' | head -n1 || true)"
    [ -n "$uri" ] && { echo "${uri%/}"; return; }
  done
  if [ -e /etc/apt/sources.list ]; then
    uri="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' \
      /etc/apt/sources.list | grep -E '/debian/?$' | head -n1 || true)"
    [ -n "$uri" ] && { echo "${uri%/}"; return; }
  fi
  echo "http://deb.debian.org/debian"
}

cache_key() {
  local suite="$1"
  printf '%s\n' "$suite" "$IMAGE_SCRIPT_VERSION" "${IMAGE_PACKAGES[@]}" | sha256sum | cut -c1-12
}

# debootstrap into a temporary directory, adjust it for life as a container,
# and pack it; the tarball appears atomically (rename) so a killed build
# never leaves a half-written cache entry behind.
build_tarball() (
  local suite="$1" tarball="$2" mirror rootfs
  mirror="$(detect_mirror)"
  rootfs="$(mktemp -d "$AISTACK_CACHE/images/rootfs.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: the trap must remove this rootfs
  trap "as_root rm -rf '$rootfs' '$tarball.part'" EXIT
  log "image: debootstrap $suite from $mirror (minbase + ${IMAGE_PACKAGES[*]})"
  as_root debootstrap --variant=minbase --include="$(IFS=,; echo "${IMAGE_PACKAGES[*]}")" \
    "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
    || { tail -n 30 "$rootfs.log" >&2; die "debootstrap $suite failed (log: $rootfs.log)"; }
  rm -f "$rootfs.log"
  # A container has no consoles, no fstab to remount and no kernel to tune:
  # mask the units that would only fail there (and leave the system degraded).
  local unit
  for unit in getty@tty1.service serial-getty@console.service console-getty.service \
    systemd-remount-fs.service systemd-firstboot.service systemd-udevd.service \
    systemd-udev-trigger.service systemd-modules-load.service proc-sys-fs-binfmt_misc.automount \
    sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount; do
    as_root ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
  done
  # Empty machine-id: systemd generates a fresh one per container at boot.
  as_root sh -c ": >'$rootfs/etc/machine-id'"
  as_root rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*_Packages
  as_root tar -C "$rootfs" --numeric-owner -cf "$tarball.part" .
  as_root mv "$tarball.part" "$tarball"
)

ensure_image() {
  local suite="$1" key tarball image current
  [ -n "${SUITES[$suite]:-}" ] || usage
  key="$(cache_key "$suite")"
  tarball="$AISTACK_CACHE/images/debian-$suite-$key.tar"
  image="$IMAGE_REPO:$suite"
  current="$(podman image inspect --format '{{ index .Config.Labels "org.aistack.image-key" }}' "$image" 2>/dev/null || true)"
  if [ "$current" = "$key" ]; then
    log "image: $image is current (key $key)"
    echo "$image"
    return
  fi
  if [ ! -s "$tarball" ]; then
    build_tarball "$suite" "$tarball"
  else
    log "image: reusing cached rootfs $tarball"
  fi
  log "image: importing $image"
  podman import --quiet \
    --change 'CMD ["/lib/systemd/systemd"]' \
    --change 'ENV container=podman' \
    --change 'STOPSIGNAL SIGRTMIN+3' \
    --change "LABEL org.aistack.image-key=$key" \
    --change "LABEL org.aistack.debian-version=${SUITES[$suite]}" \
    "$tarball" "$image" >/dev/null
  echo "$image"
}

[ "$#" -gt 0 ] || usage
ensure_apt podman runc debootstrap debian-archive-keyring
mkdir -p "$AISTACK_CACHE/images"
# One build per suite at a time, also across parallel test runs on this machine.
for suite in "$@"; do
  exec {lock}>"$AISTACK_CACHE/images/$suite.lock"
  flock "$lock"
  ensure_image "$suite"
  flock -u "$lock"
  exec {lock}>&-
done
