#!/usr/bin/env bash
# The client judge over a live `notion-sim serve`, as another test framework would use it: a
# client scenario posted to /__admin/scenario (its faults replace serve's, their windows counted
# from then), requests made with curl, the verdict read from /__admin/verdict. A client that
# repeats a request at once after a 429 with Retry-After breaks retry_after_respected and backoff
# is not judged (a Retry-After was given); one that waits holds; the scenario's `expect` is read
# from the state at the time of asking. Bounded: serve is killed on exit, every curl has a timeout.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:?usage: serve_verdict.sh NOTION_SIM OUT_DIR}
out=${2:?}
rm -rf "$out"; mkdir -p "$out"
token="secret_verdict_$(date +%s%N | sha256sum | cut -c1-16)"
start_serve "$out" --tokens "$token"
data_source=$(grep -o 'data_source=[0-9a-f-]*' "$out/serve.txt" | cut -d= -f2)
fail() { echo "FAIL: $*"; exit 1; }
api() { curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
          -H 'Notion-Version: 2025-09-03' "$@"; }
verdict() { curl -s -m 5 "$url/__admin/verdict" > "$out/$1.json"; cat "$out/$1.json"; echo; }
field() { python3 -c "import json,sys; d=json.load(open('$out/$1.json')); print($2)"; }

scenario='{"name": "verdict", "client": {},
  "faults": [{"match": {"path": "/v1/users/me"}, "trigger": {"first": 1}, "action": "respond",
              "status": 429, "retry_after_s": 2}],
  "expect": [{"data_source": "Tasks", "pages": 1}]}'
code=$(curl -s -m 5 -o "$out/load.json" -w '%{http_code}' -X POST "$url/__admin/scenario" \
       --data-binary "$scenario")
[ "$code" = 201 ] || { cat "$out/load.json"; fail "POST /__admin/scenario: $code"; }
grep -q '"faults":1' "$out/load.json" || fail "the scenario's fault was not installed: $(cat "$out/load.json")"

# A client that does not wait: 429, then the same request at once.
[ "$(api "$url/v1/users/me")" = 429 ] || fail "the scenario's 429 did not fire"
[ "$(api "$url/v1/users/me")" = 200 ] || fail "the repeat was not answered 200"
verdict early
[ "$(field early "d['verdict']")" = violated ] || fail "an early repeat held"
[ "$(field early "[i['name'] for i in d['invariants'] if i['verdict'] == 'violated']")" = \
  "['retry_after_respected', 'finished']" ] || fail "expected retry_after_respected and finished"
[ "$(field early "d['requests']")" = 2 ] || fail "expected 2 requests judged"
[ "$(field early "d['expects'][0]['found']")" = "it holds 0 pages" ] || fail "expect not read"

# Loaded again: judged from scratch. A client that waits out the Retry-After and creates the page.
curl -s -m 5 -o /dev/null -X POST "$url/__admin/scenario" --data-binary "$scenario"
[ "$(api "$url/v1/users/me")" = 429 ] || fail "the reloaded scenario's 429 did not fire"
sleep 2.1
[ "$(api "$url/v1/users/me")" = 200 ] || fail "the patient repeat was not answered 200"
[ "$(api -X POST -H 'Content-Type: application/json' "$url/v1/pages" \
      --data "{\"parent\": {\"data_source_id\": \"$data_source\"}, \"properties\": {\"Name\": {\"title\": [{\"text\": {\"content\": \"one\"}}]}}}")" = 200 ] \
  || fail "the create failed"
verdict patient
[ "$(field patient "d['verdict']")" = held ] || fail "a patient client was judged violated"
[ "$(field patient "d['requests']")" = 3 ] || fail "expected 3 requests judged"
grep -q "$token" "$out"/*.json && fail "the token appears in an admin answer"
echo "serve's verdict: ok"
