#!/usr/bin/env bash
# Real PostgreSQL (Debian's postgresql package) for the tests of
# openwebui_backup's PostgreSQL path: one throwaway cluster on a free loopback
# port, password authentication (scram-sha-256) with a password made per run,
# one database "openwebui" owned by the user "openwebui".
#
#   postgres.sh start STATEDIR   install postgresql (apt, once), initdb, start,
#                                wait until it accepts connections, print YAML
#                                for integration_config.yml
#   postgres.sh stop STATEDIR    stop it and remove the cluster
#
# The server refuses to run as root: when the tests run as root the cluster
# belongs to the "postgres" user the package creates, in its own directory
# under /tmp (a pytest tmp_path is not readable by other users). Only YAML goes
# to stdout; the password lives only in the state directory (mode 0600) and
# integration_config.yml.
set -euo pipefail
cmd="${1:?usage: postgres.sh start|stop STATEDIR}"
state="${2:?usage: postgres.sh start|stop STATEDIR}"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/lib.sh
. "$here/../../../scripts/lib.sh"

bindir() {
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
  [ -x "$dir/initdb" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
  echo "$dir"
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bin port password cluster i
  ensure_apt postgresql >&2
  bin="$(bindir)"
  mkdir -p "$state"
  port="$("$AISTACK_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  password="$("$AISTACK_PYTHON" -c 'import secrets; print(secrets.token_hex(16))')"
  cluster="$(mktemp -d /tmp/aistack-postgres.XXXXXX)"
  echo "$cluster" >"$state/cluster"
  (
    umask 077
    printf '%s\n' "$password" >"$cluster/pwfile"
  )
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$cluster"
  as_owner "$bin/initdb" -D "$cluster/data" -U openwebui --pwfile="$cluster/pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1 \
    || { cat "$state/initdb.log" >&2; die "initdb failed"; }
  rm -f "$cluster/pwfile"
  as_owner "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $cluster -c fsync=off" start >&2 \
    || { cat "$cluster/server.log" >&2; die "PostgreSQL did not start"; }
  for ((i = 0; i < 100; i++)); do
    if PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U openwebui -d postgres -Atqc 'SELECT 1' \
      >/dev/null 2>&1; then
      break
    fi
    [ "$i" -eq 99 ] && die "PostgreSQL did not accept connections on port $port"
    sleep 0.1
  done
  PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U openwebui -d postgres -Atqc \
    'CREATE DATABASE openwebui' >/dev/null
  echo "postgres_host: 127.0.0.1"
  echo "postgres_port: $port"
  echo "postgres_bin_dir: \"$bin\""
  echo "postgres_url: \"postgresql://openwebui:$password@127.0.0.1:$port/openwebui\""
}

stop() {
  local cluster
  [ -s "$state/cluster" ] || return 0
  cluster="$(cat "$state/cluster")"
  if [ -d "$cluster/data" ]; then
    as_owner "$(bindir)/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$cluster"
  rm -f "$state/cluster"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: postgres.sh start|stop STATEDIR" >&2
    exit 2
    ;;
esac
