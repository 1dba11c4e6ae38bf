#!/usr/bin/env bash
# `notion-sim serve` against a bare cpp-httplib server, side by side, with wrk (issue 8).
#
# Both servers are built by the project (notion-sim and bench/bare_httplib_server), listen on
# loopback with the same thread pool, keep-alive and TCP_NODELAY settings, and get the same wrk
# run: GET /v1/pages/{id} (serve: a real page of the fake, with its auth and version headers;
# bare: a constant page body of about the same size). Prints requests/s and latency percentiles
# of each, the throughput ratio and the p99 serve adds.
#
#   scripts/bench_serve.sh [BUILD_DIR]        # default build/release; builds the two targets
#   DURATION_S=10 CONNECTIONS=16 WRK_THREADS=1 scripts/bench_serve.sh build/b
#   SMOKE=1 scripts/bench_serve.sh BUILD_DIR  # 1-second runs, no build (the CTest smoke test)
#   NO_BUILD=1 scripts/bench_serve.sh DIR     # DIR/cli/notion-sim and DIR/bench/bare_httplib_server
#                                             # as they are (e.g. a copy of an older build)
#
# Bounded: each wrk run lasts DURATION_S (+ a 30 s timeout), servers are stopped on exit.
# Exit: 0 measured, 1 a step failed, 77 wrk is not installed (CTest skips).
set -euo pipefail

build=${1:-build/release}
duration_s=${DURATION_S:-10}
connections=${CONNECTIONS:-16}
wrk_threads=${WRK_THREADS:-1}
server_threads=${SERVER_THREADS:-16}
if [ "${SMOKE:-0}" != 0 ]; then duration_s=1; connections=4; fi

for tool in wrk curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench_serve: $tool is not installed (apt-get install $tool)" >&2
    exit 77
  fi
done
if [ "${SMOKE:-0}" = 0 ] && [ "${NO_BUILD:-0}" = 0 ]; then
  cmake --build "$build" --target notion-sim bare_httplib_server >/dev/null
fi
nsim="$build/cli/notion-sim"
bare="$build/bench/bare_httplib_server"
for b in "$nsim" "$bare"; do
  [ -x "$b" ] || { echo "bench_serve: $b is missing (build it first)" >&2; exit 1; }
done

bench=bench_serve
# shellcheck source=scripts/bench_common.sh
. "$(dirname "$0")/bench_common.sh"

# --- notion-sim serve ---------------------------------------------------------------------------
start_serve
body_bytes=$(wc -c <"$work/page.json")

# --- the bare server, same body size ------------------------------------------------------------
"$bare" --port 0 --threads "$server_threads" --body-bytes "$body_bytes" >"$work/bare.out" 2>&1 &
pids+=($!)
wait_listening "$work/bare.out"
bare_url=$(sed -E 's/.*listening on (http:[^ ]+).*/\1/' <"$work/bare.out")

echo "bench_serve: wrk -t$wrk_threads -c$connections -d${duration_s}s, keep-alive, loopback;" \
  "server threads $server_threads; body $body_bytes bytes; load: $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm both, then measure each; bare first, serve second, then bare again to see drift.
run_wrk "$bare_url/v1/pages/$page" -d1s >/dev/null
run_wrk "$serve_url/v1/pages/$page" -d1s -H "Authorization: Bearer $token" \
  -H "Notion-Version: 2025-09-03" >/dev/null
run_wrk "$bare_url/v1/pages/$page" >"$work/bare1.txt"
run_wrk "$serve_url/v1/pages/$page" -H "Authorization: Bearer $token" \
  -H "Notion-Version: 2025-09-03" >"$work/serve.txt"
run_wrk "$bare_url/v1/pages/$page" >"$work/bare2.txt"

if grep -q "Non-2xx" "$work/serve.txt"; then
  echo "bench_serve: serve answered non-2xx:" >&2
  cat "$work/serve.txt" >&2
  exit 1
fi

bare_rps=$(awk -v a="$(rps_of "$work/bare1.txt")" -v b="$(rps_of "$work/bare2.txt")" \
  'BEGIN {printf "%.0f", (a + b) / 2}')
serve_rps=$(rps_of "$work/serve.txt")
printf '%-8s %12s %10s %10s %10s\n' server "requests/s" "p50_us" "p90_us" "p99_us"
for f in bare1 serve bare2; do
  printf '%-8s %12.0f %10s %10s %10s\n' "$f" "$(rps_of "$work/$f.txt")" \
    "$(p_of "$work/$f.txt" 50)" "$(p_of "$work/$f.txt" 90)" "$(p_of "$work/$f.txt" 99)"
done
bare_p99=$(( ($(p_of "$work/bare1.txt" 99) + $(p_of "$work/bare2.txt" 99)) / 2 ))
serve_p99=$(p_of "$work/serve.txt" 99)
awk -v s="$serve_rps" -v b="$bare_rps" -v sp="$serve_p99" -v bp="$bare_p99" 'BEGIN {
  printf "serve/bare throughput: %.3f (target >= 0.80)\n", s / b;
  printf "p99 added by serve: %d us (target < 1000 us)\n", sp - bp }'
