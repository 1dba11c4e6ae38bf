#!/usr/bin/env bash
# The duplicate-creates trap with a stack that retries creates blindly (the tutorial's fixed-delay
# wrapper instead of reconcile-before-retry): the run must fail (exit 1), name the invariant, the
# operation and the two committed creates, and print a command that reproduces it.
set -u
bin=${1:?}; src=${2:?}; out=${3:?}
rm -rf "$out"; mkdir -p "$out"
python3 - "$src/scenarios/library/lost_creates.json" "$out/broken.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["name"] = "lost_creates_blind_retry"
j["stack"] = {"profile": "fixed-delay"}
json.dump(j, open(sys.argv[2], "w"), indent=2)
PY
"$bin" run "$out/broken.json" --out "$out/r" > "$out/log.txt" 2>&1; code=$?
cat "$out/log.txt" | head -20
fail() { echo "FAIL: $1"; exit 1; }
[ $code -eq 1 ] || fail "exit $code, expected 1"
grep -q "invariant no_duplicate_creates: op [0-9]*: 2 creates committed" "$out/log.txt" || fail "no duplicate-create violation named"
grep -q "reproduce: notion-sim run $out/broken.json --seed 105" "$out/log.txt" || fail "no reproduce command"
grep -q 'no_duplicate_creates' "$out/r/junit.xml" || fail "junit.xml lacks the invariant"
grep -q '<failure' "$out/r/junit.xml" || fail "junit.xml has no failure"
echo "broken stack caught"
