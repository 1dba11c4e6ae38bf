#!/usr/bin/env bash
# notion-sim explore / sweep / merge end to end: a broken stack is found and its failure file
# reproduces it with `notion-sim run` (same digest); the corpus replays first next time; 1 thread
# and 2 threads write byte-identical reports; shards merged give the unsharded report; bad input
# exits 2 naming the flag.
set -u
bin=${1:?}; src=${2:?}; out=${3:?}
rm -rf "$out"; mkdir -p "$out"
fail() { echo "FAIL: $1"; exit 1; }

# A library scenario through a stack that retries creates blindly.
python3 - "$src/scenarios/library/lost_creates.json" "$out/blind.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["name"] = "lost_creates_blind"
j["stack"] = {"profile": "fixed-delay"}
j["phases"] = {"safety_s": 300, "liveness_s": 120}
j["sometimes"] = ["faults_injected", "retried"]
json.dump(j, open(sys.argv[2], "w"), indent=2)
PY

# --- explore: found, deduped, reproducible -------------------------------------------------------
"$bin" explore "$out/blind.json" --seeds 6 --threads 1 --out "$out/x1" > "$out/x1.txt" 2> "$out/x1.err"; code=$?
cat "$out/x1.txt"
[ $code -eq 1 ] || fail "explore exit $code, expected 1"
grep -q 'safety: no_duplicate_creates (fixed-delay)' "$out/x1.txt" || fail "no duplicate-create failure"
grep -q 'sometimes: faults_injected 6/6' "$out/x1.txt" || fail "sometimes goals not tallied"
repro=$(grep -o 'reproduce: notion-sim run [^ ]*no_dup[^ ]*\|reproduce: notion-sim run [^ ]*' "$out/x1.txt" | head -1 | sed 's/reproduce: notion-sim run //')
[ -f "$repro" ] || fail "reproducing file $repro missing"
"$bin" run "$repro" --out "$out/repro" > "$out/repro.txt" 2>&1; code=$?
[ $code -eq 1 ] || fail "notion-sim run on the failure file exit $code, expected 1"
grep -q 'invariant no_duplicate_creates' "$out/repro.txt" || fail "the failure file does not reproduce the violation"
seed=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['seed'])" "$repro")
digest=$(python3 -c "
import json,sys
e=json.load(open(sys.argv[1])); r=[x for x in e['records'] if x['seed']==int(sys.argv[2])][0]; print(r['digest'])" "$out/x1/explore.json" "$seed")
grep -q "$digest" "$out/repro.txt" || fail "digest $digest of seed $seed not reproduced"
echo "reproduced seed $seed with digest $digest"

# --- the corpus replays first --------------------------------------------------------------------
"$bin" explore "$out/blind.json" --seeds 6 --threads 2 --out "$out/x1" > "$out/x1b.txt" 2>&1
grep -q 'from the corpus' "$out/x1b.txt" || fail "no corpus line"
grep -q '(fixed plan, 0 from the corpus' "$out/x1b.txt" && fail "the corpus was not replayed"

# --- threads and shards do not change the report -------------------------------------------------
"$bin" explore "$out/blind.json" --seeds 6 --swarm --threads 1 --no-corpus --out "$out/s1" --quiet > /dev/null
"$bin" explore "$out/blind.json" --seeds 6 --swarm --threads 2 --no-corpus --out "$out/s2" --quiet > /dev/null
diff -r "$out/s1" "$out/s2" || fail "explore differs between 1 and 2 threads"
for i in 0 1 2; do
  "$bin" explore "$out/blind.json" --seeds 6 --swarm --no-corpus --shard $i/3 --out "$out/sh$i" --quiet > /dev/null
done
"$bin" merge "$out/sh0" "$out/sh1" "$out/sh2" --out "$out/sm" > "$out/merge.txt"; code=$?
[ $code -eq 1 ] || fail "merge exit $code, expected 1 (the stack is broken)"
rm -rf "$out/sm/corpus"
diff -r "$out/s1" "$out/sm" || fail "merged explore shards differ from the unsharded run"
"$bin" merge "$out/sh0" "$out/sh2" --out "$out/bad" > /dev/null 2>&1; code=$?
[ $code -eq 2 ] || fail "merge with a missing shard exit $code, expected 2"
echo "explore: 1 thread = 2 threads = 3 shards merged"

# --- sweep ---------------------------------------------------------------------------------------
sw=(sweep "$src/scenarios/library/burst_5xx.json" --grid 'stack.retry.max_attempts=1,3'
    --grid 'stack.breaker.error_threshold_percentage=25,75' --seeds 2 --quiet
    --objective ops.success_ratio --objective api_calls_per_op --objective latency_ms.p99
    --constraint 'ops.success_ratio>=0.5')
"$bin" "${sw[@]}" --threads 1 --out "$out/w1" > "$out/w1.txt"; code=$?
cat "$out/w1.txt"
[ $code -eq 0 ] || fail "sweep exit $code, expected 0"
grep -q '^recommended: ' "$out/w1.txt" || fail "no recommendation"
grep -q '<svg' "$out/w1/sweep.html" || fail "no chart in sweep.html"
grep -q 'Pareto frontier' "$out/w1/sweep.md" || fail "no frontier in sweep.md"
[ "$(wc -l < "$out/w1/sweep.csv")" -eq 5 ] || fail "sweep.csv should have 4 configurations"
"$bin" "${sw[@]}" --threads 2 --out "$out/w2" > /dev/null
diff -r "$out/w1" "$out/w2" || fail "sweep differs between 1 and 2 threads"
"$bin" "${sw[@]}" --shard 0/2 --out "$out/ws0" > /dev/null
"$bin" "${sw[@]}" --shard 1/2 --out "$out/ws1" > /dev/null
"$bin" merge "$out/ws1" "$out/ws0" --out "$out/wm" > /dev/null || fail "sweep merge failed"
diff -r "$out/w1" "$out/wm" || fail "merged sweep shards differ from the unsharded sweep"
echo "sweep: 1 thread = 2 threads = 2 shards merged"

# --- bad input -----------------------------------------------------------------------------------
"$bin" explore "$out/blind.json" --seeds 2 --shard 3/3 > "$out/e.txt" 2>&1; code=$?
[ $code -eq 2 ] && grep -q -- '--shard 3/3' "$out/e.txt" || fail "bad --shard: exit $code"
"$bin" sweep "$out/blind.json" --grid 'stack.retry.max_attempts=3,1000' > "$out/e.txt" 2>&1; code=$?
[ $code -eq 2 ] && grep -q 'retry.max_attempts=1000' "$out/e.txt" || fail "bad grid value: exit $code"
"$bin" sweep "$out/blind.json" --grid 'x' > "$out/e.txt" 2>&1; code=$?
[ $code -eq 2 ] && grep -q -- '--grid x' "$out/e.txt" || fail "bad --grid: exit $code"
echo "explore/sweep/merge e2e ok"
