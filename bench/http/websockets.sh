#!/usr/bin/env bash
# WebSocket capacity and delivery latency of one API instance, on loopback:
#   bench/http/websockets.sh [subscribers=1000] [reports=50] [max-sockets=10000]
# PERF=FILE records the host with `perf record -g` while the reports fan out (then: perf report -i FILE).
# ISOLATED=1 sends each report only once every socket has the one before (one report's latency, not reports queued
# behind the last fan-out).
# HOST_ENV="NAME=value ..." sets environment variables of the host alone (runtime knobs), not of the client.
set -euo pipefail
cd "$(dirname "$0")/../.."
subscribers=${1:-1000}; reports=${2:-50}; ceiling=${3:-10000}; port=${PORT:-5198}
out=$(mktemp -d)
for p in bench/Aiprod.Bench.Http bench/Aiprod.Bench.WebSockets; do
  if ! dotnet build -c Release "$p" -v q -nologo >"$out/build.log" 2>&1; then cat "$out/build.log"; exit 1; fi
done
ulimit -n "$(ulimit -Hn)" || true
if [ -n "${PERF:-}" ]; then export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0; fi  # names for perf
env ${HOST_ENV:-} dotnet bench/Aiprod.Bench.Http/bin/Release/net10.0/Aiprod.Bench.Http.dll --port "$port" --out "$out" \
  --RateLimits:Enabled=false --WebSockets:CredentialCheckInterval=00:00:30 \
  --WebSockets:MaxSocketsPerUser=1000000 >"$out/host.log" 2>&1 &  # every bench socket is one user's
host=$!
trap 'kill $host 2>/dev/null; wait $host 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do [ -f "$out/ready" ] && break; sleep 1; done
[ -f "$out/ready" ] || { cat "$out/host.log"; exit 1; }
dotnet bench/Aiprod.Bench.WebSockets/bin/Release/net10.0/Aiprod.Bench.WebSockets.dll \
  --out "$out" --port "$port" --subscribers "$subscribers" --reports "$reports" --max-sockets "$ceiling" --host-pid "$host" \
  ${PERF:+--perf-out "$PERF"} ${ISOLATED:+--isolated}
