#!/usr/bin/env bash
# Start the local services tests use (Redis, PostgreSQL) when they are not already running.
# Under CI=true a service that cannot be started is a failure, never a skip.
set -uo pipefail

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # name port
  for _ in $(seq 1 50); do listening "$2" && return 0; sleep 0.2; done
  return 1
}

ensure() {  # name port start-command...
  local name=$1 port=$2; shift 2
  listening "$port" && return 0
  echo "services: starting $name on 127.0.0.1:$port"
  if command -v "$1" >/dev/null 2>&1; then "$@" >/dev/null 2>&1; fi
  wait_for "$name" "$port" && return 0
  echo "services: $name is not listening on 127.0.0.1:$port and could not be started" >&2
  return 1
}

status=0
ensure redis 6379 redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 \
  --save "" --appendonly no --dir /tmp --logfile /tmp/apiward-redis.log || status=1
ensure postgresql 5432 sh -c 'pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start' || status=1

if [ "$status" -ne 0 ]; then
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "services: continuing without them; tests that need them will fail" >&2
fi
exit 0
