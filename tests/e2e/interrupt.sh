#!/usr/bin/env bash
# Ctrl-C on the real binary: SIGINT sent to explore, sweep, capacity, run and a live run once they
# have made progress. Each must stop without starting more work, write what finished marked
# partial, and exit 130; the outputs must be readable (a partial explore or sweep is refused by merge, naming it).
# Bounded: every wait has a limit, serve is killed on exit.
set -u
bin=${1:?}; src=${2:?}; out=${3:?}
rm -rf "$out"; mkdir -p "$out"
fail() { echo "FAIL: $1"; exit 1; }
export NOTION_SIM_PROGRESS_S=0  # a progress line per update, so the test sees progress at once
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# wait_for FILE REGEX: up to 300 s (ASan builds on a busy machine are slow).
wait_for() {
  for _ in $(seq 1 3000); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# interrupt PID NAME: SIGINT, then the exit code (killed if it does not stop within 300 s).
interrupt() {
  kill -INT "$1"
  for _ in $(seq 1 3000); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$1" 2>/dev/null && { kill -KILL "$1"; fail "$2 did not stop after SIGINT"; }
  wait "$1"
}

# --- explore: 100000 seeds, stopped after the first ones ----------------------------------------
"$bin" explore "$src/scenarios/library/storm_429.json" --seeds 100000 --threads 2 --no-corpus \
  --out "$out/x" > "$out/x.txt" 2> "$out/x.err" &
pid=$!
wait_for "$out/x.err" ': [1-9][0-9]*/100000 ' || { kill -KILL $pid; fail "explore made no progress"; }
interrupt $pid explore; code=$?
cat "$out/x.err" | tail -3
[ $code -eq 130 ] || fail "explore exit $code after SIGINT, expected 130"
[ "$(json "$out/x/explore.json" 'd["partial"]')" = True ] || fail "explore.json not partial"
runs=$(json "$out/x/explore.json" 'len(d["records"])')
[ "$runs" -ge 1 ] && [ "$runs" -lt 100000 ] || fail "explore.json holds $runs records"
[ "$(json "$out/x/explore.json" 'd["planned"]')" = 100000 ] || fail "explore.json: planned"
[ "$(json "$out/x/explore.json" '[r["index"] for r in d["records"]] == list(range(len(d["records"])))')" = True ] \
  || fail "explore.json: the records are not the first seeds"
grep -q "PARTIAL: interrupted after $runs of 100000 seed(s)" "$out/x/explore.md" || fail "explore.md not marked"
grep -q "PARTIAL" "$out/x.txt" || fail "explore's terminal text not marked"
"$bin" merge "$out/x" --out "$out/xm" > "$out/xm.txt" 2>&1; code=$?
[ $code -eq 2 ] && grep -q 'is partial' "$out/xm.txt" || fail "merge of a partial explore: exit $code"
echo "explore: stopped after $runs of 100000 seeds, explore.json partial, exit 130"

# --- sweep: 200 configurations x 50 seeds -------------------------------------------------------
"$bin" sweep "$src/scenarios/library/burst_5xx.json" --grid "stack.retry.max_attempts=$(seq -s, 1 10)" \
  --grid "stack.breaker.error_threshold_percentage=$(seq -s, 5 5 100)" --seeds 50 --threads 2 \
  --out "$out/w" > "$out/w.txt" 2> "$out/w.err" &
pid=$!
wait_for "$out/w.err" ': [1-9][0-9]*/10000 ' || { kill -KILL $pid; fail "sweep made no progress"; }
interrupt $pid sweep; code=$?
[ $code -eq 130 ] || fail "sweep exit $code after SIGINT, expected 130"
[ "$(json "$out/w/sweep.json" 'd["partial"]')" = True ] || fail "sweep.json not partial"
runs=$(json "$out/w/sweep.json" 'len(d["runs"])')
[ "$runs" -ge 1 ] && [ "$runs" -lt 10000 ] || fail "sweep.json holds $runs runs"
# Configurations cut short are neither complete nor recommended.
[ "$(json "$out/w/sweep.json" 'all(c["complete"] == (c["runs"] == 50) for c in d["configs"])')" = True ] \
  || fail "sweep.json: complete flags"
[ "$(json "$out/w/sweep.json" 'd["recommended"] is None or d["configs"][d["recommended"]]["complete"]')" = True ] \
  || fail "sweep recommended an incomplete configuration"
[ "$(wc -l < "$out/w/sweep.csv")" -eq 201 ] || fail "sweep.csv: a row per configuration"
grep -q "PARTIAL: interrupted after $runs of 10000 run(s)" "$out/w/sweep.md" || fail "sweep.md not marked"
echo "sweep: stopped after $runs of 10000 runs, sweep.json partial, exit 130"

# --- run: 300 scenario files, stopped after the first -------------------------------------------
mkdir -p "$out/many"
python3 - "$src/scenarios/library/sync_checkpoints.json" "$out/many" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for i in range(300):
    j["name"] = "copy_%03d" % i
    json.dump(j, open("%s/copy_%03d.json" % (sys.argv[2], i), "w"))
PY
"$bin" run "$out/many" --out "$out/r" > "$out/r.txt" 2> "$out/r.err" &
pid=$!
wait_for "$out/r.txt" 'copy_000' || { kill -KILL $pid; fail "run made no progress"; }
interrupt $pid run; code=$?
[ $code -eq 130 ] || fail "run exit $code after SIGINT, expected 130"
[ "$(json "$out/r/results.json" 'd["partial"]')" = True ] || fail "results.json not partial"
done_runs=$(json "$out/r/results.json" 'len(d["results"])')
not_run=$(json "$out/r/results.json" 'len(d["not_run"])')
[ "$done_runs" -ge 1 ] && [ $((done_runs + not_run)) -eq 300 ] \
  || fail "results.json: $done_runs results + $not_run not run != 300"
[ "$(ls "$out/r"/*.result.json | wc -l)" -eq "$done_runs" ] || fail "result files != results.json"
test -s "$out/r/summary.md" && test -s "$out/r/junit.xml" || fail "reports of the finished runs missing"
echo "run: stopped after $done_runs of 300 scenarios, results.json partial, exit 130"

# --- capacity: 6 candidates x 20 seeds, every one run (--all), stopped once the first is whole ----
"$bin" capacity "$src/scenarios/capacity/enrich_backfill.json" --vary 'workload.workflows.0.tokens=1..6' \
  --target 'workflow.enrich.makespan_s<=480' --seeds 20 --all --threads 2 --out "$out/c" \
  > "$out/c.txt" 2> "$out/c.err" &
pid=$!
wait_for "$out/c.err" ': (2[1-9]|[3-9][0-9]|1[01][0-9])/120 ' || { kill -KILL $pid; fail "capacity made no progress"; }
interrupt $pid capacity; code=$?
[ $code -eq 130 ] || fail "capacity exit $code after SIGINT, expected 130"
[ "$(json "$out/c/capacity.json" 'd["partial"]')" = True ] || fail "capacity.json not partial"
runs=$(json "$out/c/capacity.json" 'd["runs"]')
[ "$runs" -gt 20 ] && [ "$runs" -lt 120 ] || fail "capacity.json holds $runs runs"
# Only whole candidates (every seed ran) are reported, in order; the one cut short is left out.
evaluated=$(json "$out/c/capacity.json" 'len(d["evaluated"])')
[ "$evaluated" -ge 1 ] && [ $((evaluated * 20)) -le "$runs" ] && [ "$evaluated" -lt 6 ] \
  || fail "capacity.json: $evaluated candidates of $runs runs"
[ "$(json "$out/c/capacity.json" '[c["value"] for c in d["evaluated"]] == list(range(1, len(d["evaluated"]) + 1))')" = True ] \
  || fail "capacity.json: the candidates are not the smallest ones"
# One token misses the 8 minutes on every seed: no answer yet, and the sentence says what it knows.
[ "$(json "$out/c/capacity.json" 'd["evaluated"][0]["met"]')" = False ] || fail "1 token met the target"
[ "$(json "$out/c/capacity.json" 'd["answer"] is None or any(c["met"] for c in d["evaluated"])')" = True ] \
  || fail "capacity.json: an answer no finished candidate met"
grep -q "PARTIAL: interrupted after $runs run(s)" "$out/c/capacity.md" || fail "capacity.md not marked"
grep -q "PARTIAL" "$out/c.txt" || fail "capacity's terminal text not marked"
grep -q "1 misses: workflow.enrich.makespan_s<=480 (" "$out/c.txt" || grep -q "with workload.workflows.0.tokens = " "$out/c.txt" \
  || fail "capacity's sentence does not say what the finished candidates showed"
echo "capacity: stopped after $runs of 120 runs ($evaluated whole candidate(s)), capacity.json partial, exit 130"

# --- a live run against serve: arrivals stop, in-flight work drains, the result is written -------
token="ntn_interrupt_$(date +%s%N | sha256sum | cut -c1-16)"
"$bin" serve --port 0 --tokens "$token" > "$out/serve.txt" 2> "$out/serve.err" &
serve=$!
trap 'kill $serve 2>/dev/null; wait $serve 2>/dev/null' EXIT
wait_for "$out/serve.txt" 'http://127\.0\.0\.1:[0-9]+' || fail "serve did not start"
url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$out/serve.txt" | head -1)
python3 - "$out/slow_reads.json" <<'PY'
import json, sys
json.dump({"name": "slow_reads", "seed": 5, "duration_s": 120, "drain_limit_s": 30,
           "stack": {"profile": "recommended", "limiter": {"rate_per_s": 20, "burst": 20}},
           "workload": {"streams": [{"operation": "retrieve_page", "rate_per_s": 2}]}},
          open(sys.argv[1], "w"))
PY
NOTION_TOKEN=$token "$bin" run --live --base-url "$url" --out "$out/live" "$out/slow_reads.json" \
  > "$out/live.txt" 2> "$out/live.err" &
pid=$!
wait_for "$out/live.err" 'live slow_reads: .* [1-9][0-9]* ended' || { kill -KILL $pid; cat "$out/live.err"; fail "live run made no progress"; }
interrupt $pid "live run"; code=$?
cat "$out/live.err" | tail -4
[ $code -eq 130 ] || fail "live run exit $code after SIGINT, expected 130"
[ "$(json "$out/live/results.json" 'd["cut_short"]')" = "['slow_reads']" ] || fail "results.json: cut_short"
started=$(json "$out/live/slow_reads.result.json" 'd["ops"]["started"]')
unfinished=$(json "$out/live/slow_reads.result.json" 'd["ops"]["unfinished"]')
# 240 operations arrive over the full 120 s; the run stopped long before.
[ "$started" -ge 1 ] && [ "$started" -lt 240 ] || fail "live run started $started operations"
[ "$unfinished" -eq 0 ] || fail "live run left $unfinished operations in flight"
grep -q -- '--resume' "$out/live.err" || fail "no hint to resume"
grep -q "$token" -r "$out/live" "$out/live.err" "$out/live.txt" && fail "the token leaked"
echo "live run: stopped after $started of 240 operations, drained, result written, exit 130"
echo "interrupt e2e ok"
