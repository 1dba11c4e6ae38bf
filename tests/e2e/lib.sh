# shellcheck shell=bash disable=SC2154
# Sourced by the shell tests that drive notion-sim's CLI (tests/e2e, tests/reports): check, which
# counts failures in `fails`, and start_serve. The caller sets `bin` (notion-sim) first.

fails=0
check() {  # check NAME EXPECTED_EXIT ACTUAL_EXIT [grep-pattern file]
  if [ "$2" != "$3" ]; then echo "FAIL $1: exit $3, expected $2"; [ $# -ge 5 ] && cat "$5"; fails=$((fails+1)); return; fi
  if [ $# -ge 5 ] && ! grep -qE -- "$4" "$5"; then
    echo "FAIL $1: output lacks /$4/:"; cat "$5"; fails=$((fails+1)); return
  fi
  echo "ok   $1"
}

# start_serve DIR [SERVE ARGS...]: `notion-sim serve` on a free loopback port, its output in
# DIR/serve.txt and DIR/serve.err, killed on exit. Sets serve (the pid) and url; exits 1 when serve
# has not started within 10 s.
start_serve() {
  local dir=$1
  shift
  "$bin" serve --port 0 "$@" > "$dir/serve.txt" 2> "$dir/serve.err" &
  serve=$!
  trap 'kill $serve 2>/dev/null; wait $serve 2>/dev/null' EXIT
  url=""
  for _ in $(seq 1 200); do
    url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$dir/serve.txt" | head -1)
    [ -n "$url" ] && break
    sleep 0.05
  done
  [ -n "$url" ] || { echo "serve did not start"; cat "$dir/serve.err"; exit 1; }
}
