#!/usr/bin/env bash
# Redis for the MultiAgent AppHost in processes mode (see docs/infrastructure.md).
#
# Environment (set by the AppHost):
#   REDIS_SERVER    path of redis-server
#   REDIS_DATA_DIR  <data dir>/redis: RDB snapshots and the append-only file
#   REDIS_PORT      TCP port, on localhost only
#   REDIS_PASSWORD  requirepass (secret: goes to redis-server through stdin, never on a command line)
set -euo pipefail

: "${REDIS_SERVER:?}" "${REDIS_DATA_DIR:?}" "${REDIS_PORT:?}" "${REDIS_PASSWORD:?}"
mkdir -p "$REDIS_DATA_DIR"
chmod 700 "$REDIS_DATA_DIR"

# Quote for the redis config syntax: backslash and double quote are escaped inside "...".
password=${REDIS_PASSWORD//\\/\\\\}
password=${password//\"/\\\"}
unset REDIS_PASSWORD

config() {
  printf '%s\n' \
    "bind 127.0.0.1 -::1" \
    "protected-mode yes" \
    "port $REDIS_PORT" \
    "daemonize no" \
    "logfile \"\"" \
    "dir \"$REDIS_DATA_DIR\"" \
    "appendonly yes" \
    "save 3600 1 300 100 60 10000"
  printf 'requirepass "%s"\n' "$password"
}

# 'redis-server -' reads the configuration from stdin; exec so that TERM from the AppHost reaches Redis,
# which then saves and exits.
exec "$REDIS_SERVER" - < <(config)
