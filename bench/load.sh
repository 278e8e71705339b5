#!/usr/bin/env bash
# Starts the platform in Release (processes mode, a fresh data directory) with a given simulated-model latency, runs load
# scenarios against its public API, and stops it. Figures go to bench/results/load-<date>.jsonl and the console.
#
#   bench/load.sh                      # the standard scenarios of docs/benchmarks.md
#   bench/load.sh 0 --tasks 300        # one scenario: model latency 0 ms, then MultiAgent.LoadTest's own options
#
# The platform runs with its per-user and per-address request limits raised (the load comes from one address and
# a few users); everything else is the default configuration.
# Needs what `dotnet test` needs (the three servers installed) and the default ports free (5100-5400, 15000, 55432...).
set -euo pipefail
cd "$(dirname "$0")/.."

results="bench/results"
mkdir -p "$results"
out="$results/load-$(date -u +%Y%m%dT%H%M%SZ).jsonl"

echo "bench: building Release"
dotnet build -c Release MultiAgent.AppHost >/dev/null
dotnet build -c Release bench/MultiAgent.LoadTest >/dev/null

apphost_pid=
data_dir=
stop_platform() {
  if [ -n "$apphost_pid" ] && kill -0 "$apphost_pid" 2>/dev/null; then
    kill -TERM "$apphost_pid" 2>/dev/null || true
    wait "$apphost_pid" 2>/dev/null || true
  fi
  apphost_pid=
  [ -z "$data_dir" ] || rm -rf "$data_dir"
  data_dir=
}
trap stop_platform EXIT

# start_platform <latency ms> [more AppHost arguments]
start_platform() {
  local latency=$1; shift
  data_dir=$(mktemp -d /tmp/multiagent-load-XXXXXX)
  chmod 755 "$data_dir"
  echo "bench: starting the platform (model latency ${latency} ms, data in $data_dir)"
  dotnet run -c Release --no-build --project MultiAgent.AppHost -- \
    --Infrastructure:Mode=processes --Infrastructure:DataDirectory="$data_dir" \
    --AI:Simulated:LatencyMs="$latency" \
    --RateLimits:ApiRequestsPerMinute=100000 --RateLimits:TaskCreationPerHour=100000 \
    --RateLimits:TaskCreationPerDay=100000 --RateLimits:ConcurrentTasks=5000 \
    "$@" >"$data_dir/apphost.log" 2>&1 &
  apphost_pid=$!
  for _ in $(seq 1 180); do
    if curl -fsS http://localhost:5200/api/v1/health >/dev/null 2>&1; then
      echo "bench: platform healthy"
      return 0
    fi
    sleep 1
  done
  echo "bench: the platform did not become healthy; see $data_dir/apphost.log" >&2
  tail -50 "$data_dir/apphost.log" >&2
  return 1
}

postgres_connection() {
  local password
  password=$(dotnet user-secrets --project MultiAgent.AppHost list 2>/dev/null | sed -n 's/^Parameters:postgres-password = //p')
  echo "Host=localhost;Port=55432;Username=postgres;Password=$password;Database=postgres"
}

# scenario <latency ms> <label> [LoadTest options]
scenario() {
  local latency=$1 label=$2; shift 2
  start_platform "$latency"
  dotnet run -c Release --no-build --project bench/MultiAgent.LoadTest -- \
    --label "$label" --postgres "$(postgres_connection)" --json "$out" --model-latency "$latency" "$@" \
    || echo "bench: $label ended with failures"
  stop_platform
}

if [ $# -gt 0 ]; then
  latency=$1; shift
  scenario "$latency" "custom ${latency}ms" "$@"
else
  scenario 0 "1. model 0 ms, 300 tasks at once" --tasks 300
  scenario 200 "2. model 200 ms, 20 tasks one at a time" --tasks 20 --one-at-a-time
  scenario 2000 "3a. model 2 s, 100 tasks at once" --tasks 100
  scenario 2000 "3. model 2 s, 1000 tasks at once" --tasks 1000 --timeout 2400
  scenario 0 "4. model 0 ms, 5 tasks/s for 2 minutes" --tasks 600 --rate 5
  for n in 100 1000; do
    scenario 0 "growth: model 0 ms, $n tasks at once" --tasks "$n"
  done
fi
echo "bench: results in $out"
