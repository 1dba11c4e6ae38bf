#!/usr/bin/env bash
# notion-sim gate and report as CI meets them: exit 0 when everything holds, 1 with a list of
# what failed (violated invariants, failed gates, regressions against a baseline), 2 on bad input
# with the file and JSON path; report re-renders Markdown, JUnit and HTML from result files. Ends
# with a real run whose results gate and report must read back.
set -u
bin=${1:?}; fixture=${2:?}; src=${3:?}; out=${4:?}
rm -rf "$out"; mkdir -p "$out"
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
"$fixture" "$out/in" || { echo "FAIL fixture"; exit 1; }
in="$out/in"

"$bin" gate "$in/same" --baseline "$in/base" > "$out/same.txt" 2>&1
check same-as-baseline 0 $? '^gate: all held \(1 scenario\(s\), [0-9]+ metric\(s\) compared\)' "$out/same.txt"
"$bin" gate "$in/same" > "$out/abs.txt" 2>&1
check absolute-only 0 $? '^gate: all held \(1 scenario\(s\)\)$' "$out/abs.txt"
"$bin" gate "$in/slow" --baseline "$in/base" > "$out/slow.txt" 2>&1
check regression 1 $? '^FAIL storm_creates: regression: latency_ms\.p99 [0-9.]+ -> [0-9.]+ \(\+[0-9.]+ %, tolerance 5 %\)' "$out/slow.txt"
grep -qE '^gate: [0-9]+ failure\(s\)$' "$out/slow.txt"; check regression-count 0 $?
# The comparison as files: Markdown, JUnit (valid against junit-10.xsd) and JSON.
"$bin" gate "$in/slow" --baseline "$in/base" --out "$out/reg" > "$out/reg.txt" 2>&1
check regression-files 1 $? 'regression: latency_ms\.p99' "$out/reg.txt"
grep -qE '^\| storm_creates \| `latency_ms\.p99` \| [0-9.]+ \| [0-9.]+ \| regressed \(\+[0-9.]+ %\) \| 5 % \|$' "$out/reg/regressions.md"
check regression-markdown 0 $?
grep -q '^## Regressions' "$out/reg/regressions.md"; check regression-markdown-heading 0 $?
xmllint --noout --schema "$src/tests/reports/xsd/junit-10.xsd" "$out/reg/regressions.xml" > "$out/reg-xsd.txt" 2>&1
check regression-junit-xsd 0 $? 'validates' "$out/reg-xsd.txt"
grep -qE '<failure type="regression" message="latency_ms\.p99 [0-9.]+ -&gt; [0-9.]+' "$out/reg/regressions.xml"
check regression-junit-failure 0 $?
/usr/bin/python3 - "$out/reg/regressions.json" > "$out/reg-json.txt" 2>&1 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
p99 = [d for d in doc["deltas"] if d["metric"] == "latency_ms.p99"][0]
assert p99["change"] == "regressed" and p99["current"] > p99["baseline"], p99
assert doc["regressions"] == sum(d["change"] in ("regressed", "lost_data") for d in doc["deltas"])
assert doc["regressions"] >= 1
print("regressions", doc["regressions"], "of", len(doc["deltas"]))
PY
check regression-json 0 $? '^regressions [0-9]+ of [0-9]+$' "$out/reg-json.txt"
"$bin" gate "$in/slow" --baseline "$in/base" --tolerance 400% > "$out/loose.txt" 2>&1
check global-tolerance 0 $? 'all held' "$out/loose.txt"
"$bin" gate "$in/slow" --baseline "$in/base" --tolerance latency_ms.p99=400% > "$out/one.txt" 2>&1
check per-metric-tolerance 1 $? 'regression: latency_ms\.p50' "$out/one.txt"
! grep -q 'regression: latency_ms\.p99' "$out/one.txt"; check per-metric-tolerance-applies 0 $?
"$bin" gate "$in/slow" --baseline "$in/base" --metric http_5xx --metric ops.failed > "$out/only.txt" 2>&1
check metric-filter 0 $? '2 metric\(s\) compared' "$out/only.txt"
"$bin" gate "$in/failing" > "$out/failing.txt" 2>&1
check failed-invariant 1 $? '^FAIL storm_broken: invariant attempts_bounded violated \(1\): op 43: attempt 4 sent at' "$out/failing.txt"
grep -qE '^FAIL storm_broken: gate ops\.success_ratio = [0-9.]+ \(min 0\.999\): fail' "$out/failing.txt"; check failed-gate 0 $?
grep -qE 'reproduce: notion-sim run scenarios/library/storm_broken\.json --seed 7' "$out/failing.txt"; check reproduce-line 0 $?

"$bin" gate "$in/bad" > "$out/bad.txt" 2>&1
check malformed-result 2 $? 'bad/results.json: in /results/0: at /metrics/latency/p99_us: expected an integer' "$out/bad.txt"
"$bin" gate "$in/old" > "$out/old.txt" 2>&1
check old-schema 2 $? 'old/results.json: in /results/0: at /schema_version: version 1 is not supported \(this notion-sim reads versions 2 to [0-9]+' "$out/old.txt"
"$bin" gate "$in/same" --baseline "$in/v3" > "$out/v3.txt" 2>&1
check version-3-baseline 0 $? '^gate: all held \(1 scenario\(s\), [0-9]+ metric\(s\) compared\)' "$out/v3.txt"
"$bin" gate "$in/slow" --baseline "$in/v3" > "$out/v3slow.txt" 2>&1
check version-3-baseline-regression 1 $? 'regression: latency_ms\.p99' "$out/v3slow.txt"
"$bin" gate "$in/same" --baseline "$in/nowhere" > "$out/nobase.txt" 2>&1
check missing-baseline 2 $? 'nowhere: no such file or directory' "$out/nobase.txt"
"$bin" gate "$in/same" --baseline "$in/base" --tolerance latency.p99=0.1 > "$out/tol.txt" 2>&1
check unknown-metric 2 $? 'unknown metric "latency.p99"' "$out/tol.txt"
"$bin" gate "$in/same" --tolerance lots > "$out/tol2.txt" 2>&1
check bad-tolerance 2 $? 'expected a fraction' "$out/tol2.txt"
"$bin" gate > "$out/usage.txt" 2>&1
check usage 2 $? 'results' "$out/usage.txt"
"$bin" gate --help > "$out/help.txt" 2>&1
check help 0 $? 'latency_ms\.p99' "$out/help.txt"

"$bin" report "$in/failing" "$in/same" --out "$out/rep" > "$out/report.txt" 2>&1
check report 0 $? 'wrote .*/rep/storm_broken\.html' "$out/report.txt"
for f in summary.md junit.xml storm_broken.html storm_creates.html; do
  test -s "$out/rep/$f"; check "report-$f" 0 $?
done
grep -q '<svg ' "$out/rep/storm_creates.html"; check report-svg 0 $?
grep -q '## Failures' "$out/rep/summary.md"; check report-markdown-failures 0 $?
grep -q 'failures="2"' "$out/rep/junit.xml"; check report-junit-failures 0 $?
"$bin" report "$in/bad" --out "$out/rep2" > "$out/report2.txt" 2>&1
check report-bad-input 2 $? 'p99_us' "$out/report2.txt"

# A real run: gate must read back what run wrote and agree with the verdict recorded in it.
scenario=$(find "$src/scenarios/library" -name '*.json' | sort | head -1)
"$bin" run "$scenario" --out "$out/real" --quiet > "$out/real.txt" 2>&1
run_exit=$?
if [ $run_exit -le 1 ]; then
  expected=0
  grep -q '"verdict": "fail"' "$out/real/results.json" && expected=1
  "$bin" gate "$out/real" > "$out/real-gate.txt" 2>&1
  check real-run-gate-reads-verdict $expected $? '^gate: ' "$out/real-gate.txt"
  "$bin" gate "$out/real" --baseline "$out/real" > "$out/real-self.txt" 2>&1
  check real-run-self-baseline $expected $? 'metric\(s\) compared|failure' "$out/real-self.txt"
  ! grep -q 'regression' "$out/real-self.txt"; check real-run-no-self-regression 0 $?
  "$bin" report "$out/real" --out "$out/real-report" > "$out/real-report.txt" 2>&1
  check real-run-report 0 $? "$(basename "$scenario" .json)\\.html" "$out/real-report.txt"
else
  echo "FAIL real run: exit $run_exit"; cat "$out/real.txt"; fails=$((fails+1))
fi

if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all gate/report checks passed"
