#!/usr/bin/env bash
# Workflows through the CI verdict, on the real binary:
# - `gate --help` lists the workflow metrics from the one catalogue;
# - a scenario gate on workflow.enrich.makespan_s passes with room and fails on a planted bound
#   that is too tight (`run` and `gate` exit 1 and name the measured makespan);
# - items_end_once is "off" (not applicable) in a run without workflows and "held" in one with
#   them, the same in the result JSON, the HTML page and JUnit, and the gate passes both;
# - the run's summary line counts the workflow's items, not its one run.
set -u
bin=${1:?}; src=${2:?}; out=${3:?}
rm -rf "$out"; mkdir -p "$out"
fail() { echo "FAIL: $1"; exit 1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# --- gate --help: the workflow metrics, with units and directions --------------------------------
"$bin" gate --help > "$out/help.txt" 2>&1
for m in 'workflow.<workflow>.makespan_s +s +lower' 'workflow.<workflow>.time_to_90pct_s +s +lower' \
         'workflow.<workflow>.items_per_min +per min +higher' \
         'workflow.<workflow>.api_calls_per_item +per item +lower' \
         'workflow.<workflow>.step.<step>.latency_ms.p99 +ms +lower' \
         'op.<operation>.latency_ms.p99 +ms +lower' 'latency_ms.p99 +ms +lower'; do
  grep -qE "^  ${m//./\\.}" "$out/help.txt" || fail "gate --help does not list: $m"
done

# --- a makespan gate: with room, then planted too tight ------------------------------------------
python3 - "$src/scenarios/capacity/enrich_backfill.json" "$out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for name, bound in (("roomy", 3600), ("tight", 600)):
    j["name"] = "enrich_" + name
    j["gates"] = [{"metric": "workflow.enrich.makespan_s", "max": bound},
                  {"metric": "workflow.enrich.step.ask.latency_ms.p99", "max": 30000}]
    json.dump(j, open("%s/enrich_%s.json" % (sys.argv[2], name), "w"))
PY
"$bin" run "$out/enrich_roomy.json" --out "$out/roomy" > "$out/roomy.txt" 2>&1; code=$?
[ $code -eq 0 ] || { cat "$out/roomy.txt"; fail "run with a roomy makespan gate: exit $code"; }
"$bin" gate "$out/roomy" > "$out/gate_roomy.txt" 2>&1; code=$?
[ $code -eq 0 ] || { cat "$out/gate_roomy.txt"; fail "gate on a roomy makespan bound: exit $code"; }
makespan=$(json "$out/roomy/enrich_roomy.result.json" \
  '[g["measured"] for g in d["gates"] if g["metric"] == "workflow.enrich.makespan_s"][0]')
# The example's makespan on its seed (the same in every build: virtual time).
[ "$makespan" = 683.172307 ] || fail "makespan $makespan s, expected 683.172307"
"$bin" run "$out/enrich_tight.json" --out "$out/tight" > "$out/tight.txt" 2>&1; code=$?
[ $code -eq 1 ] || { cat "$out/tight.txt"; fail "run with a planted too-tight makespan gate: exit $code, expected 1"; }
"$bin" gate "$out/tight" > "$out/gate_tight.txt" 2>&1; code=$?
cat "$out/gate_tight.txt"
[ $code -eq 1 ] || fail "gate on the planted too-tight bound: exit $code, expected 1"
grep -q "FAIL enrich_tight: gate workflow.enrich.makespan_s = 683.172 (max 600): fail" "$out/gate_tight.txt" \
  || fail "gate does not name the makespan and its bound"
[ "$(grep -c '^FAIL' "$out/gate_tight.txt")" -eq 1 ] || fail "gate: only the makespan gate fails"
"$bin" gate "$out/tight" --json > "$out/gate_tight.json" 2>/dev/null
[ "$(json "$out/gate_tight.json" '[f["kind"] for f in d["failures"]]')" = "['gate']" ] \
  || fail "gate --json: one gate failure"

# --- the summary line counts items ----------------------------------------------------------------
grep -q "enrich_roomy: pass, 1,000 items of enrich (1,000 succeeded, 0 degraded, 0 failed, 0 dead-lettered, 0 aborted, 0 unfinished; item p99 " \
  "$out/roomy.txt" || { cat "$out/roomy.txt"; fail "summary line does not count the workflow's items"; }
grep -q " 1 ops " "$out/roomy.txt" && fail "summary line still counts the workflow as 1 ops"

# --- items_end_once: off without workflows, held with them; JSON, HTML, JUnit and gate agree -----
"$bin" run "$src/scenarios/library/burst_5xx.json" --out "$out/plain" > "$out/plain.txt" 2>&1
inv() { json "$1" "[i['verdict'] for i in d['invariants'] if i['name'] == 'items_end_once'][0]"; }
[ "$(inv "$out/plain/burst_5xx.result.json")" = off ] || fail "items_end_once not off without workflows"
[ "$(inv "$out/roomy/enrich_roomy.result.json")" = held ] || fail "items_end_once not held with workflows"
checked=$(json "$out/roomy/enrich_roomy.result.json" \
  "[i['checked_count'] for i in d['invariants'] if i['name'] == 'items_end_once'][0]")
[ "$checked" = 1000 ] || fail "items_end_once checked $checked items, expected 1000"
grep -q '<tr data-invariant="items_end_once"><td>items_end_once</td><td class="off">off</td>' \
  "$out/plain/burst_5xx.html" || fail "HTML: items_end_once not off without workflows"
grep -q '<tr data-invariant="items_end_once"><td>items_end_once</td><td class="held">held</td>' \
  "$out/roomy/enrich_roomy.html" || fail "HTML: items_end_once not held with workflows"
python3 - "$out/plain/junit.xml" "$out/roomy/junit.xml" <<'PY' || fail "JUnit: items_end_once"
import sys, xml.etree.ElementTree as ET
def case(path):
    for c in ET.parse(path).iter("testcase"):
        if c.get("name") == "items_end_once":
            return c
    raise SystemExit("no items_end_once case in " + path)
assert case(sys.argv[1]).find("skipped") is not None, "not skipped without workflows"
c = case(sys.argv[2])
assert c.find("skipped") is None and c.find("failure") is None, "not passed with workflows"
PY
"$bin" gate "$out/plain" "$out/roomy" > "$out/gate_both.txt" 2>&1 \
  || { cat "$out/gate_both.txt"; fail "gate over a run without workflows and one with them"; }
echo "workflow gate e2e ok"
