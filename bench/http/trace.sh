#!/usr/bin/env bash
# Where a write request's time goes: samples the bench host's threads with dotnet-trace during one phase of the
# write bench and prints the shares per request kind (bench/http/trace-shares.py).
#   bench/http/trace.sh refresh|submit|workers [seconds=15]
# Environment as for writes.sh (REFRESH_CLIENTS=1 or 16, SUBMITTERS, WORKERS, JOBS). Needs dotnet-trace on PATH or
# in DOTNET_TRACE (dotnet tool install dotnet-trace --tool-path ~/.dotnet/tools) and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:?refresh, submit or workers}; seconds=${2:-15}
trace=${DOTNET_TRACE:-$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")}
[ -x "$trace" ] || { echo "needs dotnet-trace: dotnet tool install dotnet-trace --tool-path ~/.dotnet/tools"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if ! dotnet build -c Release bench/Aiprod.Bench.Writes -v q -nologo >"$out/build.log" 2>&1; then cat "$out/build.log"; exit 1; fi
case "$mode" in
  refresh) roots=("AuthController+<Refresh>"); marker="round 1: bare SQLite"; export DURATION=$((seconds + 10)) ;;
  submit)  roots=("PipelineController+<Run>"); marker="round 1: bare SQLite"; export DURATION=$((seconds + 10)) ;;
  workers) roots=("WorkerController+<Claim>" "WorkerController+<Complete>"); marker="workers start"; export DURATION=3 JOBS=${JOBS:-$(( (seconds + 5) * 800 ))} ;;
  *) echo "mode: refresh, submit or workers"; exit 2 ;;
esac
# The trace must end while the host lives: a trace cut by the host's exit has no method names.
ROUNDS=1 dotnet bench/Aiprod.Bench.Writes/bin/Release/net10.0/Aiprod.Bench.Writes.dll "$mode" >"$out/bench.log" 2>&1 &
driver=$!
for _ in $(seq 1 1200); do grep -q "$marker" "$out/bench.log" && break; sleep 0.5; done
pid=$(grep -o "host pid [0-9]*" "$out/bench.log" | awk '{print $3}')
sleep 1
"$trace" collect -p "$pid" --profile dotnet-sampled-thread-time --duration "00:00:00:$seconds" -o "$out/host.nettrace" >/dev/null
wait "$driver" || { cat "$out/bench.log"; exit 1; }
grep "round 1:" "$out/bench.log" | grep -v "bare SQLite\|workers start" | cut -c1-160
"$trace" convert "$out/host.nettrace" --format speedscope -o "$out/host" >/dev/null
python3 bench/http/trace-shares.py "$out/host.speedscope.json" "${roots[@]}"
