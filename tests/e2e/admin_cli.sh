#!/usr/bin/env bash
# notion-sim admin against a real `notion-sim serve` on loopback, guarded by an admin token: fault
# rules added (inline, from a file, from stdin), listed with their counts, cleared one by one and
# all at once; journal, ledger, health, reset; the verdict route (or the clear error of a server
# without it); --json; 401 without the token and errors that name what is wrong; and the admin
# token in nothing printed. Bounded: serve is killed on exit, every call has a timeout.
set -u
bin=${1:?}; out=${2:?}
rm -rf "$out"; mkdir -p "$out"
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
admin_token="adm_$(date +%s%N | sha256sum | cut -c1-24)"
token="ntn_admin_e2e_$(date +%s%N | sha256sum | cut -c1-16)"
NSIM_ADMIN=$admin_token start_serve "$out" --tokens "$token" --admin-token-env NSIM_ADMIN
a() { NOTION_SIM_URL=$url NOTION_SIM_ADMIN_TOKEN=$admin_token timeout 30 "$bin" admin "$@"; }

# Without the token: 401, said clearly.
NOTION_SIM_URL=$url timeout 30 "$bin" admin faults list > "$out/401.txt" 2>&1
check unauthorized 2 $? 'admin token \(401\).*NOTION_SIM_ADMIN_TOKEN' "$out/401.txt"

a faults add '{"match": {"method": "POST"}, "trigger": {"first": 2}, "action": "respond", "status": 429, "retry_after_s": 1}' > "$out/add1.txt" 2>&1
check add-inline 0 $? '^added #1 respond 429' "$out/add1.txt"
printf '{"faults": [{"name": "slow reads", "match": {"method": "GET"}, "action": "delay", "delay_ms": 10}]}' > "$out/plan.json"
a faults add "$out/plan.json" > "$out/add2.txt" 2>&1
check add-file 0 $? '^added #2 delay "slow reads"' "$out/add2.txt"
printf '{"action": "reset", "trigger": {"every": 1000}}' | a faults add - > "$out/add3.txt" 2>&1
check add-stdin 0 $? '^added #3 reset' "$out/add3.txt"
a faults add '{"action": "respond", "status": 200}' > "$out/bad.txt" 2>&1
check add-invalid 2 $? 'POST /__admin/faults answered 400: .*status' "$out/bad.txt"
a faults add "$out/missing.json" > "$out/missing.txt" 2>&1
check add-missing-file 2 $? 'missing.json: cannot read' "$out/missing.txt"

# Traffic for the journal and the ledger: a create the first rule answers 429.
curl -s -o /dev/null -X POST "$url/v1/pages" -H "Authorization: Bearer $token" \
  -H "Notion-Version: 2025-09-03" -H "Content-Type: application/json" -d '{}'
a faults list > "$out/list.txt" 2>&1
check list 0 $? '^#1 respond 429 .* matched 1, fired 1' "$out/list.txt"
[ "$(grep -c '^#' "$out/list.txt")" -eq 3 ]; check list-three 0 $?
a faults list --json > "$out/list.json" 2> /dev/null
check list-json 0 $?
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['command']=='admin faults list' and d['exit_code']==0 and len(d['faults'])==3" "$out/list.json"
check list-json-object 0 $?
a journal --limit 5 --method POST > "$out/journal.txt" 2>&1
check journal 0 $? 'POST /v1/pages  429 .*fault respond' "$out/journal.txt"
a ledger > "$out/ledger.txt" 2>&1
check ledger 0 $? '^[0-9.]+ s  create_page [0-9a-f-]{36}  tenant 0' "$out/ledger.txt"
a health > "$out/health.txt" 2>&1
check health 0 $? '"server"' "$out/health.txt"
a faults clear 2 > "$out/clear1.txt" 2>&1
check clear-one 0 $? 'removed 1 fault rule' "$out/clear1.txt"
a faults clear 99 > "$out/clear99.txt" 2>&1
check clear-unknown 2 $? 'answered 404: No fault rule 99' "$out/clear99.txt"
a faults clear x1 > "$out/clearx.txt" 2>&1
check clear-bad-id 2 $? "ID x1: expected a rule's number" "$out/clearx.txt"
a faults clear > "$out/clear.txt" 2>&1
check clear-all 0 $? 'removed 2 fault rule' "$out/clear.txt"
a journal --clear > "$out/jclear.txt" 2>&1
check journal-clear 0 $? 'journal cleared' "$out/jclear.txt"
a reset > "$out/reset.txt" 2>&1
check reset 0 $? '^reset' "$out/reset.txt"

# The verdict: the traffic so far judged by serve, or a clear word that this serve has no route.
# serve judges once a client scenario is loaded (POST /__admin/scenario); before that the answer
# is a 400 naming the step, which admin verdict reports as bad input.
a verdict > "$out/verdict.txt" 2>&1; code=$?
if grep -q 'has no verdict endpoint' "$out/verdict.txt"; then
  check verdict-missing-route 2 $code 'GET /__admin/verdict answered 404' "$out/verdict.txt"
elif grep -q 'No client scenario is loaded' "$out/verdict.txt"; then
  check verdict-no-scenario 2 $code 'POST one to /__admin/scenario first' "$out/verdict.txt"
else
  check verdict 0 $code '^verdict: ' "$out/verdict.txt"
fi

# Bad --url; an unreachable server; a token given where a variable's name belongs.
timeout 30 "$bin" admin --url ftp://x faults list > "$out/url.txt" 2>&1
check bad-url 2 $? '--url ftp://x: expected http://HOST:PORT' "$out/url.txt"
timeout 30 "$bin" admin --url http://127.0.0.1:1 faults list > "$out/down.txt" 2>&1
check unreachable 2 $? 'cannot reach http://127\.0\.0\.1:1/__admin/faults' "$out/down.txt"
NOTION_SIM_URL=$url timeout 30 "$bin" admin --admin-token-env "$admin_token" faults list > "$out/envname.txt" 2>&1
check token-as-env-name 2 $? 'shown redacted' "$out/envname.txt"

if grep -rq "$admin_token" "$out"/*.txt "$out"/*.json; then
  echo "FAIL the admin token appears in the output"; fails=$((fails+1))
fi
if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "admin client e2e ok"
