#!/usr/bin/env bash
# Write-path throughput of the API on loopback, each figure beside the bare SQLite commit rate of the same disk,
# measured in the same run (see bench/Aiprod.Bench.Writes/Program.cs for the knobs):
#   ROUNDS=3 DURATION=10 bench/http/writes.sh refresh|submit|workers|all [--profile] [--Key=Value ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! dotnet build -c Release bench/Aiprod.Bench.Writes -v q -nologo >"$log" 2>&1; then cat "$log"; exit 1; fi
dotnet bench/Aiprod.Bench.Writes/bin/Release/net10.0/Aiprod.Bench.Writes.dll "$@"
