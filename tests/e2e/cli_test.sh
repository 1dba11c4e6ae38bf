#!/usr/bin/env bash
# The command line as a user meets it: help, a run, the same digest twice, another seed giving
# another digest, and bad input giving exit 2 with a message naming what is wrong.
set -u
bin=${1:?}; src=${2:?}; out=${3:?}
rm -rf "$out"; mkdir -p "$out"
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
sample="$src/scenarios/library/sync_checkpoints.json"

"$bin" --help > "$out/help.txt" 2>&1; check help 0 $? 'run' "$out/help.txt"
"$bin" help > "$out/help2.txt" 2>&1; check help-command 0 $? 'Usage: notion-sim \[OPTIONS\] SUBCOMMAND' "$out/help2.txt"
"$bin" help sweep > "$out/help3.txt" 2>&1; check help-topic 0 $? '^Usage: notion-sim sweep ' "$out/help3.txt"
"$bin" help frobnicate > "$out/help4.txt" 2>&1; check help-unknown 2 $? 'unknown command "frobnicate"' "$out/help4.txt"
# Usage lines name the program, not the path it was started by.
! grep -q "$bin" "$out/help3.txt"; check usage-names-notion-sim 0 $?
"$bin" --version > "$out/version.txt" 2>&1; check version 0 $? '^notion-sim [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)$' "$out/version.txt"
# Every command has its section in docs/cli.md.
for c in $(sed -n '/^Subcommands:/,$p' "$out/help2.txt" | awk 'NR > 1 && NF {print $1}'); do
  grep -q "^## \`notion-sim $c\`" "$src/docs/cli.md"; check "docs-cli-$c" 0 $?
done
"$bin" run --help > "$out/runhelp.txt" 2>&1; check run-help 0 $? '--out' "$out/runhelp.txt"
"$bin" > "$out/none.txt" 2>&1; check no-subcommand 2 $? 'subcommand' "$out/none.txt"
"$bin" run "$sample" --bogus > "$out/flag.txt" 2>&1; check bad-flag 2 $? 'bogus' "$out/flag.txt"

"$bin" run "$sample" --out "$out/r1" > "$out/r1.txt" 2>&1; check run 0 $? 'digest [0-9a-f]{16}' "$out/r1.txt"
test -s "$out/r1/results.json"; check result-json 0 $?
"$bin" run "$sample" --out "$out/r2" > "$out/r2.txt" 2>&1
d1=$(grep -o 'digest [0-9a-f]*' "$out/r1.txt"); d2=$(grep -o 'digest [0-9a-f]*' "$out/r2.txt")
[ -n "$d1" ] && [ "$d1" = "$d2" ]; check same-seed-same-digest 0 $?
"$bin" run "$sample" --seed 99 --out "$out/r3" > "$out/r3.txt" 2>&1
d3=$(grep -o 'digest [0-9a-f]*' "$out/r3.txt")
[ -n "$d3" ] && [ "$d1" != "$d3" ]; check other-seed-other-digest 0 $?

"$bin" run "$out/missing.json" > "$out/m.txt" 2>&1; check missing-file 2 $? 'missing.json' "$out/m.txt"
printf '{"name": "x", "workload": {"streams": [ {"operation": "create_page",, }]}}' > "$out/bad.json"
"$bin" run "$out/bad.json" > "$out/b.txt" 2>&1; check malformed-json 2 $? 'bad.json:1:[0-9]+: not valid JSON' "$out/b.txt"
printf '{\n  "name": "x",\n  "workload": {"streams": [{"operation": "create_page", "rate_per_sec": 3}]}\n}\n' > "$out/typo.json"
"$bin" run "$out/typo.json" > "$out/t.txt" 2>&1; check unknown-field 2 $? 'typo.json:3:[0-9]+: at /workload/streams/0/rate_per_sec: unknown field' "$out/t.txt"
printf '{"name": "x", "workload": {"streams": [{"operation": "create_pages"}]}}' > "$out/enum.json"
"$bin" validate "$out/enum.json" > "$out/e.txt" 2>&1; check bad-enum 2 $? 'operation: expected one of' "$out/e.txt"
printf '{"name": "x", "seed": "one", "workload": {"streams": [{"operation": "create_page"}]}}' > "$out/type.json"
"$bin" validate "$out/type.json" > "$out/ty.txt" 2>&1; check bad-type 2 $? 'at /seed: expected an integer, found a string' "$out/ty.txt"

# --json: one object on stdout, human text on stderr.
jq_() { python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))" "$1"; }
"$bin" validate "$sample" --json > "$out/vj.json" 2> "$out/vj.err"; check validate-json 0 $?
[ "$(jq_ 'd["exit_code"], d["files"][0]["ok"], d["command"]' < "$out/vj.json")" = "(0, True, 'validate')" ]; check validate-json-object 0 $?
[ "$(wc -l < "$out/vj.json")" -eq 1 ]; check validate-json-one-line 0 $?
"$bin" validate "$out/typo.json" --json > "$out/vt.json" 2> /dev/null; check validate-json-bad 2 $?
[ "$(jq_ 'd["files"][0]["ok"], "rate_per_sec" in d["files"][0]["error"]' < "$out/vt.json")" = "(False, True)" ]; check validate-json-error 0 $?
"$bin" run "$sample" --out "$out/rj" --json > "$out/rj.json" 2> "$out/rj.err"; check run-json 0 $?
[ "digest $(jq_ 'd["scenarios"][0]["digest"]' < "$out/rj.json")" = "$d1" ]; check run-json-digest 0 $?
[ "$(jq_ 'd["partial"], d["scenarios"][0]["verdict"]' < "$out/rj.json")" = "(False, 'pass')" ]; check run-json-verdict 0 $?
grep -q 'digest' "$out/rj.err"; check run-json-text-on-stderr 0 $?
"$bin" gate "$out/rj" --json > "$out/gj.json" 2> /dev/null; check gate-json 0 $?
[ "$(jq_ 'd["passed"], d["scenarios"]' < "$out/gj.json")" = "(True, 1)" ]; check gate-json-object 0 $?
"$bin" run "$out/missing.json" --json > "$out/mj.json" 2> /dev/null; check run-json-bad 2 $?
[ "$(jq_ 'd["exit_code"], "missing.json" in d["error"]' < "$out/mj.json")" = "(2, True)" ]; check run-json-error-object 0 $?

if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all CLI checks passed"
