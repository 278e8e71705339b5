#!/usr/bin/env bash
# PostgreSQL for the MultiAgent AppHost in processes mode (see docs/infrastructure.md).
#
# Environment (set by the AppHost):
#   PG_BIN             directory with postgres and initdb
#   PG_DATA_ROOT       <data dir>/postgres: holds data/ (the cluster) and run/ (the Unix socket)
#   PG_PORT            TCP port, on localhost only
#   POSTGRES_PASSWORD  password of the 'postgres' role (secret: never put on a command line or in a log)
#   PG_OS_USER         OS user that runs the server when started as root (default: postgres)
#
# First run: initdb. Every run: password (SCRAM) authentication only, the role password set to the current
# secret in single-user mode, then the server runs in the foreground until TERM/INT, which become a fast shutdown.
set -euo pipefail

: "${PG_BIN:?}" "${PG_DATA_ROOT:?}" "${PG_PORT:?}" "${POSTGRES_PASSWORD:?}"
password=$POSTGRES_PASSWORD
unset POSTGRES_PASSWORD

pgdata="$PG_DATA_ROOT/data"
sockdir="$PG_DATA_ROOT/run"
mkdir -p "$PG_DATA_ROOT" "$sockdir"
chmod 700 "$PG_DATA_ROOT" "$sockdir"

# On Linux, setpriv makes a child die with this script (PR_SET_PDEATHSIG) even if the script is killed outright.
has_setpriv=
if command -v setpriv >/dev/null 2>&1; then has_setpriv=1; fi

# Postgres refuses to run as root: as root, run every Postgres program as PG_OS_USER, owning the data.
as_owner=()
if [ "$(id -u)" = 0 ]; then
  os_user=${PG_OS_USER:-postgres}
  if ! id "$os_user" >/dev/null 2>&1; then
    echo "postgres.sh: running as root, but there is no '$os_user' user to run PostgreSQL as (set PG_OS_USER)." >&2
    exit 1
  fi
  os_group=$(id -gn "$os_user")
  # The data directory itself may be private to root (a test's temporary directory is 0700): let other users
  # pass through it (x only), so PG_OS_USER reaches its own postgres/ subdirectory, which stays 0700.
  data_dir=$(dirname "$PG_DATA_ROOT")
  if ! runuser -u "$os_user" -- test -x "$data_dir" 2>/dev/null; then chmod o+x "$data_dir"; fi
  chown "$os_user:$os_group" "$PG_DATA_ROOT" "$sockdir"
  if [ -d "$pgdata" ] && [ "$(stat -c %U "$pgdata" 2>/dev/null || stat -f %Su "$pgdata")" != "$os_user" ]; then
    chown -R "$os_user:$os_group" "$pgdata"
  fi
  if [ -n "$has_setpriv" ]; then
    # setpriv execs the program itself, so signals reach postgres directly.
    as_owner=(setpriv --reuid="$os_user" --regid="$os_group" --init-groups --)
  else
    as_owner=(runuser -u "$os_user" --)
  fi
  if ! ${as_owner[@]+"${as_owner[@]}"} test -w "$PG_DATA_ROOT"; then
    echo "postgres.sh: the '$os_user' user cannot write $PG_DATA_ROOT (is a parent directory private, like /root?)." >&2
    echo "postgres.sh: set Infrastructure:DataDirectory to a directory it can reach, e.g. /var/lib/multiagent." >&2
    exit 1
  fi
fi

if [ ! -s "$pgdata/PG_VERSION" ]; then
  echo "postgres.sh: initialising a new PostgreSQL cluster in $pgdata"
  # Trust only for this offline step; pg_hba.conf is replaced below before the server ever listens.
  ${as_owner[@]+"${as_owner[@]}"} "$PG_BIN/initdb" -D "$pgdata" -U postgres -E UTF8 --no-locale --auth=trust --no-instructions
fi

# Password authentication for every connection, local socket included.
cat > "$pgdata/pg_hba.conf" <<'HBA'
# Written by the MultiAgent AppHost (postgres.sh) on every start.
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
HBA
if [ ${#as_owner[@]} -gt 0 ]; then chown "$os_user:$os_group" "$pgdata/pg_hba.conf"; fi
chmod 600 "$pgdata/pg_hba.conf"

# Set the role password to the current secret. The SQL goes through stdin (printf is a shell builtin, so the
# password is on no command line); error statements are not logged, and the echo of results is discarded.
escaped=${password//\'/\'\'}
printf "ALTER ROLE postgres WITH PASSWORD '%s';\n" "$escaped" \
  | ${as_owner[@]+"${as_owner[@]}"} "$PG_BIN/postgres" --single -D "$pgdata" \
      -c log_min_error_statement=panic -c log_statement=none -c password_encryption=scram-sha-256 \
      postgres > /dev/null
unset password escaped

# If this script is killed outright (the AppHost's orchestrator does that to a process still running a few
# seconds after TERM), the parent-death signal still gives postgres a fast shutdown.
run_server=(${as_owner[@]+"${as_owner[@]}"})
if [ -n "$has_setpriv" ]; then
  if [ ${#run_server[@]} -gt 0 ]; then
    run_server=(setpriv --reuid="$os_user" --regid="$os_group" --init-groups --pdeathsig INT --)
  else
    run_server=(setpriv --pdeathsig INT --)
  fi
fi
${run_server[@]+"${run_server[@]}"} "$PG_BIN/postgres" -D "$pgdata" -p "$PG_PORT" -k "$sockdir" \
  -c listen_addresses=localhost -c unix_socket_permissions=0700 -c max_connections=300 &
pid=$!

# TERM (what the AppHost sends on stop) or INT: fast shutdown (SIGINT), which disconnects clients and
# checkpoints, instead of a smart shutdown that would wait for every client to leave.
trap 'kill -INT "$pid" 2>/dev/null || true' TERM INT HUP

set +e
wait "$pid"
status=$?
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid"
  status=$?
done
exit "$status"
