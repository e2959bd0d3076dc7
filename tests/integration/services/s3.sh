#!/usr/bin/env bash
# A real S3-compatible server for the tests: moto in server mode (PyPI
# moto[server]), on loopback, with a fresh in-memory store per start.
#
#   s3.sh install                 install moto into its cached virtualenv
#   s3.sh start STATEDIR          install (cached), start, wait until it answers,
#                                 print YAML lines for integration_config.yml
#   s3.sh stop STATEDIR           stop it
#
# moto lives in its own virtualenv, $AISTACK_CACHE/moto-<version>/ (its
# botocore needs a python-dateutil the kubernetes client's pin excludes, so it
# cannot share the project's virtualenv). The stamp file is written only after
# the whole install succeeded. moto checks signatures only with
# INITIAL_NO_AUTH_ACTION_COUNT set: start creates an IAM user with its own key
# pair (printed as s3_access_key/s3_secret_key) and from then on moto answers
# InvalidAccessKeyId for an unknown key and SignatureDoesNotMatch for a wrong
# secret, as a real store does. The state (buckets, objects) is in memory and
# ends with the server.
set -euo pipefail
cmd="${1:?usage: s3.sh install|start|stop [STATEDIR]}"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/lib.sh
. "$here/../../../scripts/lib.sh"
MOTO_VERSION="${AISTACK_MOTO_VERSION:-5.2.5}"
venv="$AISTACK_CACHE/moto-$MOTO_VERSION"

install() {
  local stamp="$venv/.aistack-stamp" want="moto[server]==$MOTO_VERSION"
  if [ -x "$venv/bin/moto_server" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  log "s3: installing $want into $venv"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$AISTACK_PYTHON" -c 'import ensurepip' 2>/dev/null || ensure_apt python3-venv
  "$AISTACK_PYTHON" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip >&2
  "$venv/bin/pip" install -q "$want" >&2
  echo "$want" >"$stamp"
}

start() {
  local state="$1" port n
  install
  mkdir -p "$state"
  port="$("$AISTACK_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  # setsid: its own process group, so stop ends the server and its reloader.
  # With INITIAL_NO_AUTH_ACTION_COUNT=0 moto checks every request's signature
  # against the IAM keys it knows (the default ones printed below).
  INITIAL_NO_AUTH_ACTION_COUNT=3 MOTO_ALLOW_NONEXISTENT_REGION=true \
    setsid "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$state/server.log" 2>&1 &
  echo $! >"$state/server.pid"
  echo "$port" >"$state/port"
  for n in $(seq 1 150); do
    if "$AISTACK_PYTHON" - "$port" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/moto-api/" % sys.argv[1], timeout=2).read()
PY
    kill -0 "$(cat "$state/server.pid")" 2>/dev/null || {
      cat "$state/server.log" >&2
      die "moto server died"
    }
    [ "$n" -eq 150 ] && die "moto server did not answer on port $port"
    sleep 0.2
  done
  # The first three requests are not checked: they create the test's user,
  # its key pair and a policy allowing it every S3 action. From then on moto
  # checks every signature (the bucket below is created with the new keys).
  "$venv/bin/python" - "$port" <<'PY'
import sys

import boto3

url = "http://127.0.0.1:%s" % sys.argv[1]
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="aistack-test")
key = iam.create_access_key(UserName="aistack-test")["AccessKey"]
iam.put_user_policy(
    UserName="aistack-test",
    PolicyName="s3-all",
    PolicyDocument='{"Version": "2012-10-17", "Statement": '
    '[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
)
# The bucket the integration targets use (the modules never create buckets).
boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
             aws_secret_access_key=key["SecretAccessKey"]).create_bucket(Bucket="aistack-test")
print('s3_endpoint: "%s"' % url)
print('s3_access_key: "%s"' % key["AccessKeyId"])
print('s3_secret_key: "%s"' % key["SecretAccessKey"])
print('s3_region: "us-east-1"')
print('s3_bucket: "aistack-test"')
PY
}

stop() {
  local state="$1" pid
  [ -f "$state/server.pid" ] || return 0
  pid="$(cat "$state/server.pid")"
  kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  rm -f "$state/server.pid"
}

case "$cmd" in
  install) install ;;
  start) start "${2:?usage: s3.sh start STATEDIR}" ;;
  stop) stop "${2:?usage: s3.sh stop STATEDIR}" ;;
  *)
    echo "usage: s3.sh install|start|stop [STATEDIR]" >&2
    exit 2
    ;;
esac
