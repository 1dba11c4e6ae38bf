# shellcheck shell=bash disable=SC2154
# Sourced by scripts/bench_serve.sh and scripts/bench_mountebank.sh: what both do the same way.
# The caller sets `bench` (its name, for messages), `duration_s`, `connections`, `wrk_threads`,
# `server_threads` and `nsim` first. Gives `work` (a temporary folder removed on exit), `pids`
# (processes stopped on exit), run_wrk, rps_of, p_of, wait_listening and start_serve.

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Waits (bounded, 10 s) for a line matching "listening on http://HOST:PORT" in $1.
wait_listening() {
  local out=$1
  for _ in $(seq 1 200); do
    if grep -q "listening on http://" "$out" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "$bench: no 'listening on' line in $out:" >&2
  cat "$out" >&2
  return 1
}

# Runs wrk against $1 (URL) with the remaining arguments as extra wrk flags; prints its output.
run_wrk() {
  local url=$1
  shift
  timeout $((duration_s + 30)) wrk -t"$wrk_threads" -c"$connections" -d"${duration_s}s" \
    --latency "$@" "$url"
}

# "Requests/sec:  1234.56" -> 1234.56; "99%  1.23ms" -> microseconds.
rps_of() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
p_of() {
  awk -v p="$2%" '$1 == p {
    v = $2; unit = v; sub(/^[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v);
    f = (unit == "us") ? 1 : (unit == "ms") ? 1000 : (unit == "s") ? 1000000 : 0;
    printf "%.0f\n", v * f }' "$1"
}

# Starts `notion-sim serve` with rate limits off (the fake's 3 req/s budget would answer 429s)
# and fetches one real page of it into $work/page.json. Sets serve_url, token and page.
start_serve() {
  cat >"$work/workspace.json" <<'EOF'
{"databases": [{"title": "Tasks", "data_sources": [{"title": "Tasks", "pages": 10}]}],
 "rate_limits": {"mode": "off"}}
EOF
  "$nsim" serve --port 0 --seed 1 --threads "$server_threads" --journal-size 1000 \
    --workspace "$work/workspace.json" >"$work/serve.out" 2>"$work/serve.err" &
  pids+=($!)
  wait_listening "$work/serve.out" || { cat "$work/serve.err" >&2; return 1; }
  local line status
  line=$(grep "listening on" "$work/serve.out")
  serve_url=$(sed -E 's/.*listening on (http:[^ ]+).*/\1/' <<<"$line")
  token=$(sed -E 's/.*token=([^ ]+).*/\1/' <<<"$line")
  page=$(sed -E 's/.*root_page=([^ ]+).*/\1/' <<<"$line")
  status=$(curl -s -o "$work/page.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
    -H "Notion-Version: 2025-09-03" "$serve_url/v1/pages/$page")
  if [ "$status" != 200 ]; then
    echo "$bench: GET /v1/pages/$page answered $status: $(cat "$work/page.json")" >&2
    return 1
  fi
}
