#!/usr/bin/env bash
# The files CI systems and editors read, checked against their schemas:
# - junit.xml (a real run of the library, and a failing run with failures and skipped cases)
#   against the strict Jenkins xUnit schema tests/reports/xsd/junit-10.xsd, with xmllint;
# - every scenario file in scenarios/ against schemas/scenario.schema.json (those in
#   scenarios/client/ against schemas/client-scenario.schema.json), and every result a
#   real run writes (each *.result.json and each item of results.json) against
#   schemas/result.schema.json, with python3-jsonschema (Draft 2020-12);
# - that the schemas catch what they are for (a typo in a scenario, a field a result does not
#   have), that the loader accepts "$schema", and that the committed result schema is the one
#   generated from the result's field descriptions.
#   formats_test.sh NOTION_SIM REPORTS_FIXTURE SOURCE_DIR WORK_DIR
set -u
cli=${1:?}; fixture=${2:?}; src=${3:?}; work=${4:?}
py=/usr/bin/python3  # Debian's, which has python3-jsonschema (scripts/deps.sh installs it)
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
command -v xmllint >/dev/null 2>&1 || { echo "FAIL xmllint missing: scripts/deps.sh installs libxml2-utils"; exit 1; }
$py -c 'import jsonschema' 2>/dev/null || { echo "FAIL python3-jsonschema missing: scripts/deps.sh installs it"; exit 1; }
rm -rf "$work"; mkdir -p "$work"

"$cli" run "$src/scenarios/library" --out "$work/library" --quiet > "$work/run.txt" 2>&1 ||
  { cat "$work/run.txt"; bad "notion-sim run scenarios/library"; }
"$fixture" "$work/fixture" || bad "reports_fixture"
"$cli" report "$work/fixture/failing" "$work/fixture/same" --out "$work/failing" > /dev/null 2>&1 ||
  bad "notion-sim report (fixture)"

# --- JUnit --------------------------------------------------------------------------------------
xsd="$src/tests/reports/xsd/junit-10.xsd"
for f in "$work/library/junit.xml" "$work/failing/junit.xml"; do
  if xmllint --noout --schema "$xsd" "$f" > "$work/xmllint.txt" 2>&1; then
    ok "$(cat "$work/xmllint.txt")"
  else
    cat "$work/xmllint.txt"; bad "$f against junit-10.xsd"
  fi
done
grep -q '<failure type="invariant"' "$work/failing/junit.xml" && grep -q '<failure type="gate"' "$work/failing/junit.xml" &&
  ok "the failing run's junit.xml has an invariant's and a gate's failure" || bad "failing junit.xml lacks failures"
# An invariant switched off is a <skipped/> case.
$py - "$src/scenarios/library/lost_creates.json" "$work/off.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc.setdefault("invariants", {})["off"] = ["client_rate"]
json.dump(doc, open(sys.argv[2], "w"), indent=1)
PY
"$cli" run "$work/off.json" --out "$work/off" --quiet > /dev/null 2>&1
if grep -q '<skipped message="invariant off, not configured or not applicable to this run"/>' "$work/off/junit.xml" &&
   xmllint --noout --schema "$xsd" "$work/off/junit.xml" > "$work/xmllint.txt" 2>&1; then
  ok "a run with a skipped case: $(cat "$work/xmllint.txt")"
else
  cat "$work/xmllint.txt"; bad "junit.xml with a skipped case"
fi
# What the strict schema refuses (the old `skipped` on <testsuites>) is refused here too.
sed 's/<testsuites name="notion-sim"/<testsuites name="notion-sim" skipped="0"/' "$work/library/junit.xml" > "$work/old-junit.xml"
if xmllint --noout --schema "$xsd" "$work/old-junit.xml" > "$work/xmllint-old.txt" 2>&1; then
  bad "junit-10.xsd accepted skipped on <testsuites>"
else
  grep -q "attribute 'skipped': The attribute 'skipped' is not allowed" "$work/xmllint-old.txt" &&
    ok "junit-10.xsd refuses skipped on <testsuites>" || { cat "$work/xmllint-old.txt"; bad "unexpected xmllint output"; }
fi

# --- JSON Schemas -------------------------------------------------------------------------------
"$fixture" --result-schema > "$work/result.schema.json" || bad "reports_fixture --result-schema"
if cmp -s "$work/result.schema.json" "$src/schemas/result.schema.json"; then
  ok "schemas/result.schema.json is the schema generated from the field descriptions"
else
  diff "$work/result.schema.json" "$src/schemas/result.schema.json" | head -20
  bad "schemas/result.schema.json is stale: reports_fixture --result-schema > schemas/result.schema.json"
fi
# A scenario with "$schema" loads; one with a typo fails the schema and the loader alike.
$py - "$src/scenarios/library/storm_429.json" "$work" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
with_schema = {"$schema": "../schemas/scenario.schema.json", **doc}
json.dump(with_schema, open(sys.argv[2] + "/with_schema.json", "w"), indent=1)
typo = dict(doc); typo["sed"] = typo.pop("seed")
json.dump(typo, open(sys.argv[2] + "/typo.json", "w"), indent=1)
PY
"$cli" validate "$work/with_schema.json" > "$work/v1.txt" 2>&1 && ok "the loader accepts \$schema" || { cat "$work/v1.txt"; bad "the loader refuses \$schema"; }
"$cli" validate "$work/typo.json" > "$work/v2.txt" 2>&1
[ $? -eq 2 ] && grep -q 'unknown field "sed"' "$work/v2.txt" && ok "the loader refuses the typo" || { cat "$work/v2.txt"; bad "loader and typo"; }

$py - "$src" "$work" <<'PY' || fails=$((fails + 1))
import glob, json, os, sys
from jsonschema import Draft202012Validator as V
src, work = sys.argv[1], sys.argv[2]
failed = 0
def load(p): return json.load(open(p))
def report(what, errors):
    global failed
    if errors:
        failed += 1
        for e in errors[:5]:
            print("FAIL %s: at /%s: %s" % (what, "/".join(map(str, e.absolute_path)), e.message[:300]))
    return not errors
schemas = {}
for name in ("scenario", "client-scenario", "result"):
    s = load(os.path.join(src, "schemas", name + ".schema.json"))
    V.check_schema(s)
    schemas[name] = V(s)
    print("ok   schemas/%s.schema.json is a valid Draft 2020-12 schema" % name)
scenarios = sorted(glob.glob(os.path.join(src, "scenarios", "**", "*.json"), recursive=True))
client = os.path.join(src, "scenarios", "client") + os.sep
simulated = [f for f in scenarios if not f.startswith(client)]
clients = [f for f in scenarios if f.startswith(client)]
good = sum(report(os.path.relpath(f, src), list(schemas["scenario"].iter_errors(load(f)))) for f in simulated)
print("ok   %d of %d scenario files valid against schemas/scenario.schema.json" % (good, len(simulated)))
good = sum(report(os.path.relpath(f, src), list(schemas["client-scenario"].iter_errors(load(f)))) for f in clients)
print("ok   %d of %d client scenario files valid against schemas/client-scenario.schema.json" % (good, len(clients)))
scenarios = simulated
results = sorted(glob.glob(os.path.join(work, "library", "*.result.json")))
good = sum(report(os.path.basename(f), list(schemas["result"].iter_errors(load(f)))) for f in results)
index = load(os.path.join(work, "library", "results.json"))["results"]
good_index = sum(report("results.json item %d" % i, list(schemas["result"].iter_errors(r))) for i, r in enumerate(index))
print("ok   %d of %d result files and %d of %d results.json items valid against schemas/result.schema.json" % (good, len(results), good_index, len(index)))
if len(scenarios) < 15 or len(clients) < 9 or len(results) < 11: failed += 1; print("FAIL too few files checked")
c = load(clients[0]); c["client"]["run"] = 2
if any("'run' was unexpected" in e.message for e in schemas["client-scenario"].iter_errors(c)):
    print("ok   the client scenario schema flags the typo \"run\"")
else: failed += 1; print("FAIL the client scenario schema missed the typo \"run\"")
# The schemas catch what they are for.
typo = list(schemas["scenario"].iter_errors(load(os.path.join(work, "typo.json"))))
if any("'sed' was unexpected" in e.message for e in typo): print("ok   the scenario schema flags the typo \"sed\"")
else: failed += 1; print("FAIL the scenario schema missed the typo: %s" % [e.message for e in typo])
r = load(results[0]); r["metrics"]["latency"]["p99_ms"] = 1
if list(schemas["result"].iter_errors(r)): print("ok   the result schema flags a field results do not have")
else: failed += 1; print("FAIL the result schema accepted an unknown field")
r = load(results[0]); del r["metrics"]["series"]["bucket_us"]
if list(schemas["result"].iter_errors(r)): print("ok   the result schema flags a missing field")
else: failed += 1; print("FAIL the result schema accepted a missing field")
sys.exit(1 if failed else 0)
PY
echo "formats: $fails failure(s)"
[ $fails -eq 0 ]
