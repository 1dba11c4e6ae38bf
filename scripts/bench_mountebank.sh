#!/usr/bin/env bash
# `notion-sim serve` against a mountebank imposter answering the same stub, side by side, with wrk
# (issue 18: serve should answer at least 10x the requests per second of mountebank).
#
# serve answers GET /v1/pages/{id} for a real page of the fake (auth and version headers checked);
# the imposter answers every request with the page body serve returned (status 200, the same
# Content-Type), which is all a mountebank stub of that endpoint does. Both on loopback, the same
# wrk run. Prints requests/s and latency percentiles of each and the throughput ratio.
#
#   MB=/path/to/node_modules/.bin/mb scripts/bench_mountebank.sh [BUILD_DIR]   # default build/dev
#   DURATION_S=10 CONNECTIONS=16 WRK_THREADS=1 SERVER_THREADS=16 MB=... scripts/bench_mountebank.sh
#
# mountebank is not a dependency of the project: install it where you like
# (`npm install --prefix /tmp/mb mountebank`, then MB=/tmp/mb/node_modules/.bin/mb).
# Bounded: each wrk run lasts DURATION_S (+ a 30 s timeout); servers are stopped on exit.
# Exit: 0 measured, 1 a step failed, 77 wrk, curl or mb is missing.
set -euo pipefail

build=${1:-build/dev}
duration_s=${DURATION_S:-10}
connections=${CONNECTIONS:-16}
wrk_threads=${WRK_THREADS:-1}
server_threads=${SERVER_THREADS:-16}
mb=${MB:-mb}

for tool in wrk curl "$mb"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench_mountebank: $tool is not installed" >&2
    exit 77
  fi
done
nsim="$build/cli/notion-sim"
[ -x "$nsim" ] || { echo "bench_mountebank: $nsim is missing (build notion-sim)" >&2; exit 1; }

bench=bench_mountebank
# shellcheck source=scripts/bench_common.sh
. "$(dirname "$0")/bench_common.sh"

# A free loopback port, from the kernel.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- notion-sim serve (as in bench_serve.sh) -----------------------------------------------------
start_serve

# --- mountebank, one imposter with the page as its only stub ------------------------------------
mb_port=$(free_port)
imp_port=$(free_port)
(cd "$work" && exec "$mb" start --port "$mb_port" --nologfile --loglevel error \
  --pidfile "$work/mb.pid" >"$work/mb.out" 2>&1) &
pids+=($!)
for _ in $(seq 1 200); do
  curl -s -o /dev/null "http://127.0.0.1:$mb_port/imposters" && break
  sleep 0.1
done
python3 - "$work/page.json" "$imp_port" >"$work/imposter.json" <<'EOF'
import json, sys
body = open(sys.argv[1]).read()
print(json.dumps({"protocol": "http", "port": int(sys.argv[2]), "recordRequests": False,
                  "stubs": [{"responses": [{"is": {"statusCode": 200,
                      "headers": {"Content-Type": "application/json"}, "body": body}}]}]}))
EOF
status=$(curl -s -o "$work/imp.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data @"$work/imposter.json" "http://127.0.0.1:$mb_port/imposters")
[ "$status" = 201 ] || { echo "bench_mountebank: imposter not created ($status)" >&2; cat "$work/imp.out" >&2; exit 1; }
mb_url="http://127.0.0.1:$imp_port"
cmp -s <(curl -s "$mb_url/v1/pages/$page") "$work/page.json" ||
  { echo "bench_mountebank: the imposter's body differs from serve's" >&2; exit 1; }

echo "bench_mountebank: wrk -t$wrk_threads -c$connections -d${duration_s}s, keep-alive, loopback;" \
  "serve threads $server_threads; mountebank $("$mb" --version); body $(wc -c <"$work/page.json") bytes;" \
  "load: $(cut -d' ' -f1-3 /proc/loadavg)"
auth=(-H "Authorization: Bearer $token" -H "Notion-Version: 2025-09-03")
run_wrk "$mb_url/v1/pages/$page" -d2s >/dev/null
run_wrk "$serve_url/v1/pages/$page" -d1s "${auth[@]}" >/dev/null
run_wrk "$mb_url/v1/pages/$page" "${auth[@]}" >"$work/mb1.txt"
run_wrk "$serve_url/v1/pages/$page" "${auth[@]}" >"$work/serve.txt"
run_wrk "$mb_url/v1/pages/$page" "${auth[@]}" >"$work/mb2.txt"
for f in mb1 serve mb2; do
  if grep -q "Non-2xx" "$work/$f.txt"; then
    echo "bench_mountebank: $f answered non-2xx:" >&2
    cat "$work/$f.txt" >&2
    exit 1
  fi
done

printf '%-8s %12s %10s %10s %10s\n' server "requests/s" "p50_us" "p90_us" "p99_us"
for f in mb1 serve mb2; do
  printf '%-8s %12.0f %10s %10s %10s\n' "$f" "$(rps_of "$work/$f.txt")" \
    "$(p_of "$work/$f.txt" 50)" "$(p_of "$work/$f.txt" 90)" "$(p_of "$work/$f.txt" 99)"
done
awk -v s="$(rps_of "$work/serve.txt")" -v a="$(rps_of "$work/mb1.txt")" \
  -v b="$(rps_of "$work/mb2.txt")" 'BEGIN {
  printf "serve/mountebank throughput: %.2f (target >= 10)\n", s / ((a + b) / 2) }'
