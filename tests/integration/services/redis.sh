#!/usr/bin/env bash
# Real Redis (Debian's redis-server) for the integration tier: the websocket
# manager and app-state store of the Open WebUI instances in the `stack`
# target. One server on a free loopback port, with a password made per run,
# no persistence (the state directory is thrown away after the run).
#
#   redis.sh start STATEDIR   install redis-server (apt, once), start it, wait
#                             for PONG, print YAML for integration_config.yml
#   redis.sh stop STATEDIR    stop it
#
# Only YAML goes to stdout. The password lives only in the (ignored) state
# directory and integration_config.yml.
set -euo pipefail
cmd="${1:?usage: redis.sh start|stop STATEDIR}"
state="${2:?usage: redis.sh start|stop STATEDIR}"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/lib.sh
. "$here/../../../scripts/lib.sh"

start() {
  local port password i
  ensure_apt redis-server >&2
  mkdir -p "$state"
  port="$("$AISTACK_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  password="$("$AISTACK_PYTHON" -c 'import secrets; print(secrets.token_hex(16))')"
  # The password goes in a config file (mode 0600), not on the command line.
  (
    umask 077
    cat >"$state/redis.conf" <<CONF
bind 127.0.0.1
port $port
requirepass $password
dir $state
save ""
appendonly no
daemonize no
logfile $state/redis.log
CONF
  )
  redis-server "$state/redis.conf" </dev/null >/dev/null 2>&1 &
  echo $! >"$state/redis.pid"
  for ((i = 0; i < 100; i++)); do
    if REDISCLI_AUTH="$password" redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
      break
    fi
    kill -0 "$(cat "$state/redis.pid")" 2>/dev/null || { cat "$state/redis.log" >&2; die "redis-server died"; }
    [ "$i" -eq 99 ] && die "redis-server did not answer on port $port"
    sleep 0.1
  done
  echo "redis_host: 127.0.0.1"
  echo "redis_port: $port"
  echo "redis_password: \"$password\""
  echo "redis_url: \"redis://:$password@127.0.0.1:$port\""
}

stop() {
  [ -s "$state/redis.pid" ] || return 0
  kill "$(cat "$state/redis.pid")" 2>/dev/null || true
  rm -f "$state/redis.pid"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: redis.sh start|stop STATEDIR" >&2
    exit 2
    ;;
esac
