#!/usr/bin/env bash
# Requests/s of one minimal read, anonymous vs JWT-authenticated (ES256, revocation check included), in one run
# on loopback, alternating rounds. Extra arguments go to the host as configuration, e.g.
#   bench/http/auth-throughput.sh --Jwt:ValidationCache:Enabled=false
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install -y wrk)"; exit 1; }
port=${PORT:-5199}; duration=${DURATION:-10s}; connections=${CONNECTIONS:-64}; rounds=${ROUNDS:-3}
out=$(mktemp -d)
dotnet build -c Release bench/Aiprod.Bench.Http -v q -nologo >/dev/null
dotnet bench/Aiprod.Bench.Http/bin/Release/net10.0/Aiprod.Bench.Http.dll --port "$port" --out "$out" "$@" >"$out/host.log" 2>&1 &
host=$!
trap 'kill $host 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do [ -f "$out/ready" ] && break; sleep 1; done
[ -f "$out/ready" ] || { cat "$out/host.log"; exit 1; }
token=$(cat "$out/access_token")
url=http://127.0.0.1:$port/bench
rps() { wrk -t1 -c"$connections" -d"$duration" "$@" | awk '/Requests\/sec/ {print $2}'; }
# Warm-up: JIT, connection pools, the validated-token cache.
wrk -t1 -c"$connections" -d3s "$url/anonymous" >/dev/null
wrk -t1 -c"$connections" -d3s -H "Authorization: Bearer $token" "$url/authenticated" >/dev/null
anon_total=0; auth_total=0
for r in $(seq 1 "$rounds"); do
  a=$(rps "$url/anonymous"); b=$(rps -H "Authorization: Bearer $token" "$url/authenticated")
  echo "round $r: anonymous $a req/s, jwt $b req/s"
  anon_total=$(echo "$anon_total + $a" | bc -l); auth_total=$(echo "$auth_total + $b" | bc -l)
done
printf 'mean: anonymous %.0f req/s, jwt %.0f req/s, ratio %.1f%%\n' \
  "$(echo "$anon_total / $rounds" | bc -l)" "$(echo "$auth_total / $rounds" | bc -l)" "$(echo "100 * $auth_total / $anon_total" | bc -l)"
