#!/usr/bin/env bash
# Faults under load (docs/benchmarks.md): builds Release and runs bench/MultiAgent.FaultBench, which hosts the platform itself
# (processes mode, free ports, a fresh data directory), submits 200 tasks through the Api, and while they run kills -9 the
# Orchestrator, the AiGateway and the Api and restarts RabbitMQ, Redis and Postgres; then checks that every task completed,
# none was lost and nothing was stored or billed twice. Exit code 1 when a check fails.
#
#   bench/faults.sh                                  # 200 tasks, model latency 400 ms, every fault
#   bench/faults.sh --tasks 50 --faults aigateway    # MultiAgent.FaultBench's own options (--help lists them)
#
# Report: bench/results/faults-<time>/summary.md (and .json, timeline.csv); every service's log in logs/ beside it.
# Needs what `dotnet test` needs (the three servers installed); takes about 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

results="bench/results/faults-$(date -u +%Y%m%dT%H%M%SZ)"
echo "faults: building Release"
dotnet build -c Release bench/MultiAgent.FaultBench >/dev/null
dotnet run -c Release --no-build --project bench/MultiAgent.FaultBench -- --results "$results" "$@"
