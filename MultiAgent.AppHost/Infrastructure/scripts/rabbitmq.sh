#!/usr/bin/env bash
# RabbitMQ for the MultiAgent AppHost in processes mode (see docs/infrastructure.md).
#
# Environment (set by the AppHost):
#   RABBITMQ_BIN_DIR          directory with rabbitmq-server and rabbitmqctl (Debian: /usr/lib/rabbitmq/bin)
#   EPMD_BIN                  path of epmd (optional: else found on PATH)
#   RABBITMQ_DATA_ROOT        <data dir>/rabbitmq: mnesia/, log/, home/ (Erlang cookie), config files
#   RABBITMQ_NODE_PORT        AMQP port, on localhost only
#   RABBITMQ_DIST_PORT        Erlang distribution port of the node
#   RABBITMQ_MANAGEMENT_PORT  management UI/API port (empty: management plugin off)
#   ERL_EPMD_PORT             port of our own epmd, so a system RabbitMQ/Erlang (4369) is left alone
#   RABBITMQ_APP_USER         the user services log in as
#   RABBITMQ_APP_PASSWORD     its password (secret: given to rabbitmqctl through stdin only)
#
# The broker runs in the background of this script, which on TERM/INT stops it and then our epmd, so nothing
# is left running. Once the broker is up, the application user is created (or its password updated to the
# current secret), and the default 'guest' user is removed.
set -euo pipefail

: "${RABBITMQ_BIN_DIR:?}" "${RABBITMQ_DATA_ROOT:?}" "${RABBITMQ_NODE_PORT:?}" "${RABBITMQ_DIST_PORT:?}"
: "${ERL_EPMD_PORT:?}" "${RABBITMQ_APP_USER:?}" "${RABBITMQ_APP_PASSWORD:?}"
app_password=$RABBITMQ_APP_PASSWORD
unset RABBITMQ_APP_PASSWORD

root=$RABBITMQ_DATA_ROOT
mkdir -p "$root/mnesia" "$root/log" "$root/home"
chmod 700 "$root"

export HOME="$root/home"            # the Erlang cookie lives here, shared by the server and rabbitmqctl
export ERL_EPMD_PORT
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_NODENAME="${RABBITMQ_NODENAME:-multiagent@localhost}"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT RABBITMQ_DIST_PORT
export RABBITMQ_MNESIA_BASE="$root/mnesia"
export RABBITMQ_LOG_BASE="$root/log"
export RABBITMQ_ENABLED_PLUGINS_FILE="$root/enabled_plugins"
export RABBITMQ_CONFIG_FILE="$root/rabbitmq.conf"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

{
  echo "# Written by the MultiAgent AppHost (rabbitmq.sh) on every start."
  if [ -n "${RABBITMQ_MANAGEMENT_PORT:-}" ]; then
    echo "management.tcp.ip = 127.0.0.1"
    echo "management.tcp.port = $RABBITMQ_MANAGEMENT_PORT"
  fi
} > "$RABBITMQ_CONFIG_FILE"
if [ -n "${RABBITMQ_MANAGEMENT_PORT:-}" ]; then
  echo "[rabbitmq_management]." > "$RABBITMQ_ENABLED_PLUGINS_FILE"
else
  echo "[]." > "$RABBITMQ_ENABLED_PLUGINS_FILE"
fi

ctl() { "$RABBITMQ_BIN_DIR/rabbitmqctl" -q "$@"; }

# On Linux, children get a parent-death signal (PR_SET_PDEATHSIG via setpriv): they stop with this script even
# when the orchestrator kills it outright because the broker took more than a few seconds to shut down.
tied=()
if command -v setpriv >/dev/null 2>&1; then tied=(setpriv --pdeathsig TERM --); fi

epmd_bin=${EPMD_BIN:-}
[ -n "$epmd_bin" ] || epmd_bin=$(command -v epmd || true)
epmd_pid=
if [ -n "$epmd_bin" ]; then
  # Our own epmd in the foreground of this script (not -daemon), on the private port, so we can stop it.
  ${tied[@]+"${tied[@]}"} "$epmd_bin" -port "$ERL_EPMD_PORT" -address 127.0.0.1 &
  epmd_pid=$!
  # Let it listen before the node starts, or the node would spawn an 'epmd -daemon' of its own.
  for _ in $(seq 1 50); do
    "$epmd_bin" -port "$ERL_EPMD_PORT" -names >/dev/null 2>&1 && break
    kill -0 "$epmd_pid" 2>/dev/null || break
    sleep 0.1
  done
fi

${tied[@]+"${tied[@]}"} "$RABBITMQ_BIN_DIR/rabbitmq-server" &
rabbit_pid=$!

configure() {
  local i
  for i in $(seq 1 120); do
    ctl await_startup --timeout 120 >/dev/null 2>&1 && break
    kill -0 "$rabbit_pid" 2>/dev/null || exit 1
    sleep 1
  done
  local users
  users=$(ctl list_users --no-table-headers 2>/dev/null | cut -f1)
  if printf '%s\n' "$users" | grep -qx "$RABBITMQ_APP_USER"; then
    printf '%s\n' "$app_password" | ctl change_password "$RABBITMQ_APP_USER" >/dev/null
  else
    # Created with a throwaway password, given its permissions, and only then the real password: the real
    # credentials never work before the user may use the vhost (the readiness check would pass too early).
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | ctl add_user "$RABBITMQ_APP_USER" >/dev/null
    ctl set_user_tags "$RABBITMQ_APP_USER" administrator >/dev/null
    ctl set_permissions -p / "$RABBITMQ_APP_USER" '.*' '.*' '.*' >/dev/null
    printf '%s\n' "$app_password" | ctl change_password "$RABBITMQ_APP_USER" >/dev/null
  fi
  if printf '%s\n' "$users" | grep -qx guest; then
    ctl delete_user guest >/dev/null
  fi
  echo "rabbitmq.sh: user '$RABBITMQ_APP_USER' is ready."
}
configure &
configure_pid=$!

stopping=
stop() {
  stopping=1
  kill "$configure_pid" 2>/dev/null || true
  # rabbitmq-server turns TERM into an orderly broker shutdown.
  kill -TERM "$rabbit_pid" 2>/dev/null || true
}
trap stop TERM INT HUP

set +e
wait "$rabbit_pid"
status=$?
while kill -0 "$rabbit_pid" 2>/dev/null; do
  wait "$rabbit_pid"
  status=$?
done
kill "$configure_pid" 2>/dev/null
if [ -n "$epmd_pid" ]; then
  kill "$epmd_pid" 2>/dev/null
  wait "$epmd_pid" 2>/dev/null
fi
[ -n "$stopping" ] && exit 0
exit "$status"
