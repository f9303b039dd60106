#!/usr/bin/env bash
# Requests/s of one minimal read, anonymous vs authenticated, in one run on loopback, alternating rounds.
#   bench/http/throughput.sh jwt      ES256 access token (validated-token cache, session-revocation check)
#   bench/http/throughput.sh apikey   X-API-Key (checksum, SHA-256, cached look-up, scope check, usage count)
# Extra arguments go to the host as configuration, e.g. --Jwt:ValidationCache:Enabled=false.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-jwt}; shift || true
command -v wrk >/dev/null || { echo "needs wrk (apt-get install -y wrk)"; exit 1; }
port=${PORT:-5199}; duration=${DURATION:-10s}; connections=${CONNECTIONS:-64}; rounds=${ROUNDS:-3}
out=$(mktemp -d)
if ! dotnet build -c Release bench/Aiprod.Bench.Http -v q -nologo >"$out/build.log" 2>&1; then cat "$out/build.log"; exit 1; fi
dotnet bench/Aiprod.Bench.Http/bin/Release/net10.0/Aiprod.Bench.Http.dll --port "$port" --out "$out" "$@" >"$out/host.log" 2>&1 &
host=$!
trap 'kill $host 2>/dev/null; wait $host 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do [ -f "$out/ready" ] && break; sleep 1; done
[ -f "$out/ready" ] || { cat "$out/host.log"; exit 1; }
url=http://127.0.0.1:$port/bench
case "$mode" in
  jwt)    header="Authorization: Bearer $(cat "$out/access_token")"; path=authenticated ;;
  apikey) header="X-API-Key: $(cat "$out/api_key")"; path=key-authenticated ;;
  *) echo "mode: jwt or apikey"; exit 2 ;;
esac
rps() { wrk -t1 -c"$connections" -d"$duration" "$@" | awk '/Requests\/sec/ {print $2}'; }
# Warm-up: JIT, connection pools, caches; and a check that the credential works.
curl -sf -o /dev/null -H "$header" "$url/$path" || { echo "the $mode credential was refused"; exit 1; }
wrk -t1 -c"$connections" -d3s "$url/anonymous" >/dev/null
wrk -t1 -c"$connections" -d3s -H "$header" "$url/$path" >/dev/null
anon_total=0; auth_total=0
for r in $(seq 1 "$rounds"); do
  a=$(rps "$url/anonymous"); b=$(rps -H "$header" "$url/$path")
  echo "round $r: anonymous $a req/s, $mode $b req/s"
  anon_total=$(echo "$anon_total + $a" | bc -l); auth_total=$(echo "$auth_total + $b" | bc -l)
done
printf 'mean: anonymous %.0f req/s, %s %.0f req/s, ratio %.1f%%\n' \
  "$(echo "$anon_total / $rounds" | bc -l)" "$mode" "$(echo "$auth_total / $rounds" | bc -l)" "$(echo "100 * $auth_total / $anon_total" | bc -l)"
