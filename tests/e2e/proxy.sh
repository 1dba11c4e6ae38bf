#!/usr/bin/env bash
# notion-sim proxy and conformance on loopback, with a `notion-sim serve` as the target (the real
# API is out of reach in tests):
#  1. a patient client through the proxy under a client scenario's faults (a 429 with Retry-After,
#     a 503): the faults reach it, the serve behind sees only forwarded requests, the verdict
#     holds (exit 0), the outputs are written and the recording holds every forwarded exchange
#     with the token redacted; a delay, a hang and commit_then_503 around forwarding (the
#     target commits, the client gets Notion's 503 naming the target's page), and a target that
#     does not answer (502 bad_gateway);
#  2. planted mistakes, each failing its invariant: a repeat at once after a 429
#     (retry_after_respected), a create repeated blindly after its answer was lost — forwarded,
#     committed by the target, then dropped (no_duplicate_creates, no_unsafe_retry);
#  3. conformance of the recording of (1) against the in-process fake and against a fresh served
#     fake: zero differences; an edited recording (a status, a key, an error code): each reported,
#     exit 1.
# Bounded: every server is killed on exit, every curl has a time limit, the proxies stop on
# SIGTERM.
set -u
bin=${1:?usage: proxy.sh NOTION_SIM OUT_DIR}
out=${2:?}
rm -rf "$out"; mkdir -p "$out"
token="secret_proxy_$(date +%s%N | sha256sum | cut -c1-16)"
shown="…${token: -4}"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# wait_url FILE: the first base URL printed in FILE.
wait_url() {
  local url=""
  for _ in $(seq 1 200); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$1" | head -1)
    [ -n "$url" ] && break
    sleep 0.05
  done
  echo "$url"
}
start_serve() {  # NAME: a fresh serve (seed 1, our token); sets serve_url, data_source
  "$bin" serve --port 0 --tokens "$token" > "$out/$1.txt" 2> "$out/$1.err" &
  pids+=($!)
  serve_url=$(wait_url "$out/$1.txt")
  [ -n "$serve_url" ] || { cat "$out/$1.err"; fail "serve $1 did not start"; }
  data_source=$(grep -o 'data_source=[0-9a-f-]*' "$out/$1.txt" | cut -d= -f2)
}
start_proxy() {  # NAME SCENARIO [ARGS...]: sets proxy_url, proxy_pid
  local name=$1 scenario=$2; shift 2
  "$bin" proxy --target "$serve_url" "$scenario" --port 0 "$@" > "$out/$name.txt" \
    2> "$out/$name.err" &
  proxy_pid=$!
  pids+=($proxy_pid)
  proxy_url=$(wait_url "$out/$name.txt")
  [ -n "$proxy_url" ] || { cat "$out/$name.err"; fail "proxy $name did not start"; }
}
stop_proxy() {  # NAME: SIGTERM, then its exit code in proxy_exit
  kill -TERM "$proxy_pid"
  wait "$proxy_pid"
  proxy_exit=$?
}
api() {  # METHOD PATH [BODY]: prints the status ("000" when no answer)
  local args=(-s -m 5 -o "$out/last.json" -w '%{http_code}' -X "$1"
              -H "Authorization: Bearer $token" -H 'Notion-Version: 2025-09-03')
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data "$3")
  curl "${args[@]}" "$proxy_url$2"
}
field() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }
create_body() {
  echo "{\"parent\": {\"data_source_id\": \"$data_source\"}, \"properties\": {\"Name\": {\"title\": [{\"text\": {\"content\": \"$1\"}}]}}}"
}
pages_in_serve() { curl -s -m 5 "$serve_url/__admin/health" | python3 -c "import json,sys; print(json.load(sys.stdin)['pages'])"; }

cat > "$out/faults.json" <<'EOF'
{"name": "proxy_faults", "purpose": "the proxy's faults in front of a serve", "client": {},
 "faults": [
   {"match": {"path": "/v1/users/me"}, "trigger": {"first": 1}, "action": "respond",
    "status": 429, "retry_after_s": 1},
   {"match": {"method": "GET", "path": "/v1/data_sources/*"}, "trigger": {"first": 1},
    "action": "respond", "status": 503}]}
EOF
cat > "$out/lost.json" <<'EOF'
{"name": "proxy_lost_create", "purpose": "a create forwarded, committed, its answer dropped",
 "client": {},
 "faults": [{"match": {"operation": "create_page"}, "trigger": {"first": 1},
             "action": "lose_after_commit", "loss": "reset"}]}
EOF

# --- 1. a patient client, recorded ------------------------------------------------------------
start_serve serve1
pages_before=$(pages_in_serve)
start_proxy patient "$out/faults.json" --record "$out/rec.jsonl" --out "$out/patient"
[ "$(api GET /v1/users/me)" = 429 ] || fail "the scenario's 429 did not reach the client"
grep -qi '^retry-after' <(curl -s -m 5 -D - -o /dev/null "$proxy_url/v1/users/me" \
  -H "Authorization: Bearer other_token_for_headers" -H 'Notion-Version: 2025-09-03') \
  && fail "a 429 fired twice (first 1)"
sleep 1.1
[ "$(api GET /v1/users/me)" = 200 ] || fail "users/me after the Retry-After was not 200"
[ "$(api GET "/v1/data_sources/$data_source")" = 503 ] || fail "the scenario's 503 did not fire"
sleep 0.6
[ "$(api GET "/v1/data_sources/$data_source")" = 200 ] || fail "the data source was not 200"
[ "$(api POST /v1/pages "$(create_body one)")" = 200 ] || fail "the create was not 200"
page=$(field "$out/last.json" "d['id']")
[ "$(api GET "/v1/pages/$page")" = 200 ] || fail "the created page was not found through the proxy"
[ "$(api POST "/v1/data_sources/$data_source/query" '{"page_size": 10}')" = 200 ] \
  || fail "the query was not 200"
[ "$(api GET /v1/pages/00000000-0000-4000-8000-000000000001)" = 404 ] || fail "expected a 404"
[ "$(api POST /v1/pages '{"parent": {}}')" = 400 ] || fail "expected a validation error"
[ "$(field "$out/last.json" "d['code']")" = validation_error ] || fail "expected validation_error"
verdict=$(curl -s -m 5 "$proxy_url/__admin/verdict")
echo "$verdict" > "$out/patient.verdict.json"
[ "$(field "$out/patient.verdict.json" "d['verdict']")" = held ] || fail "patient: $verdict"
[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST "$proxy_url/__admin/verdict")" = 405 ] \
  || fail "POST /__admin/verdict was not refused"
stop_proxy patient
[ "$proxy_exit" = 0 ] || { cat "$out/patient.err"; fail "patient: the proxy exited $proxy_exit"; }
# 10 client requests (the other token's included), 2 answered by the faults, 8 forwarded.
[ "$(field "$out/patient/proxy_faults.result.json" "d['metrics']['requests']['total']")" = 10 ] \
  || fail "patient: expected 10 requests judged"
[ "$(field "$out/patient/proxy_faults.result.json" "d['metrics']['responses']['faults_injected']")" = 2 ] \
  || fail "patient: expected 2 injected faults"
for f in summary.md junit.xml proxy_faults.html results.json; do
  [ -s "$out/patient/$f" ] || fail "patient: $f was not written"
done
[ "$(wc -l < "$out/rec.jsonl")" = 8 ] || fail "expected 8 recorded exchanges, got $(wc -l < "$out/rec.jsonl")"
[ "$(pages_in_serve)" = $((pages_before + 1)) ] || fail "the serve behind did not get exactly one page"
grep -q "$token" "$out/rec.jsonl" "$out"/patient/* "$out"/patient.* && fail "the token leaked"
grep -q "\"Bearer $shown\"" "$out/rec.jsonl" || fail "the recording does not show the redacted token"
[ "$(python3 -c "
import json
lines = [json.loads(l) for l in open('$out/rec.jsonl')]
print(sorted({l['status'] for l in lines}))")" = "[200, 400, 401, 404]" ] || fail "recorded statuses"

# --- 1b. the other faults, around forwarding ---------------------------------------------------
cat > "$out/more.json" <<'EOF'
{"name": "proxy_more_faults", "purpose": "delay, hang and commit_then_503 around forwarding",
 "client": {},
 "faults": [
   {"match": {"path": "/v1/users/me"}, "trigger": {"first": 1}, "action": "delay",
    "delay": {"dist": "fixed", "ms": 200}},
   {"match": {"method": "GET", "path": "/v1/data_sources/*"}, "trigger": {"first": 1},
    "action": "hang"},
   {"match": {"operation": "create_page"}, "trigger": {"first": 1}, "action": "commit_then_503"}]}
EOF
before=$(pages_in_serve)
start_proxy more "$out/more.json" --max-hold-s 1
[ "$(api GET /v1/users/me)" = 200 ] || fail "more: the delayed answer was not 200"
[ "$(api GET "/v1/data_sources/$data_source")" = 000 ] || fail "more: the hang was answered"
sleep 0.2  # a patient client backs off
[ "$(api GET "/v1/data_sources/$data_source")" = 200 ] || fail "more: after the hang, not 200"
[ "$(api POST /v1/pages "$(create_body committed)")" = 503 ] || fail "more: no 503 after the commit"
committed=$(field "$out/last.json" "d['additional_data']['committed_resource_id']")
[ "$(pages_in_serve)" = $((before + 1)) ] || fail "more: the create did not reach the target"
[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
      -H 'Notion-Version: 2025-09-03' "$serve_url/v1/pages/$committed")" = 200 ] \
  || fail "more: committed_resource_id is not the target's page"
curl -s -m 5 "$proxy_url/__admin/journal?limit=10" > "$out/more.journal.json"
[ "$(field "$out/more.journal.json" \
        "[(e['status'], (e.get('fault') or {}).get('action')) for e in d['entries']]")" = \
  "[(200, 'delay'), (0, 'hang'), (200, None), (503, 'commit_then_503')]" ] \
  || fail "more: journal $(cat "$out/more.journal.json")"
stop_proxy more
[ "$proxy_exit" = 0 ] || { cat "$out/more.err"; fail "more: exited $proxy_exit"; }

# A target that does not answer: 502 bad_gateway in Notion's error shape.
"$bin" proxy --target http://127.0.0.1:1 --port 0 --timeout-s 2 > "$out/down.txt" 2> "$out/down.err" &
proxy_pid=$!; pids+=($proxy_pid)
proxy_url=$(wait_url "$out/down.txt")
[ "$(api GET /v1/users/me)" = 502 ] || fail "down: expected 502"
[ "$(field "$out/last.json" "d['code']")" = bad_gateway ] || fail "down: expected bad_gateway"
stop_proxy down

# --- 2. planted mistakes ----------------------------------------------------------------------
start_proxy hot "$out/faults.json"
[ "$(api GET /v1/users/me)" = 429 ] || fail "hot: no 429"
[ "$(api GET /v1/users/me)" = 200 ] || fail "hot: the repeat was not forwarded"
stop_proxy hot
[ "$proxy_exit" = 1 ] || fail "hot: a repeat at once after a 429 exited $proxy_exit"
grep -q "invariant retry_after_respected" "$out/hot.err" || fail "hot: retry_after_respected"
[ "$(grep -c '^  invariant ' "$out/hot.err")" = 1 ] || { cat "$out/hot.err"; fail "hot: more than one invariant failed"; }

before=$(pages_in_serve)
start_proxy lost "$out/lost.json" --out "$out/lost"
[ "$(api POST /v1/pages "$(create_body twice)")" = 000 ] || fail "lost: the answer was not dropped"
sleep 0.3  # it backs off (backoff holds), but does not look the page up first
[ "$(api POST /v1/pages "$(create_body twice)")" = 200 ] || fail "lost: the blind repeat failed"
stop_proxy lost
[ "$proxy_exit" = 1 ] || fail "lost: a blind create repeat exited $proxy_exit"
[ "$(pages_in_serve)" = $((before + 2)) ] || fail "lost: the dropped create was not committed behind"
[ "$(field "$out/lost/proxy_lost_create.result.json" \
        "sorted(i['name'] for i in d['invariants'] if i['verdict'] == 'violated')")" = \
  "['no_duplicate_creates', 'no_unsafe_retry']" ] || fail "lost: expected no_duplicate_creates and no_unsafe_retry"

# --- 3. conformance ---------------------------------------------------------------------------
"$bin" conformance "$out/rec.jsonl" --out "$out/conf.json" > "$out/conf.txt" 2>&1
code=$?
[ "$code" = 0 ] || { cat "$out/conf.txt"; fail "conformance in-process exited $code"; }
[ "$(field "$out/conf.json" "(d['replayed'], d['differing'], len(d['differences']))")" = "(8, 0, 0)" ] \
  || fail "conformance in-process: $(cat "$out/conf.txt")"

start_serve serve2
NOTION_SIM_CONF_TOKEN=$token "$bin" conformance "$out/rec.jsonl" --target "$serve_url" \
  --token-env NOTION_SIM_CONF_TOKEN > "$out/conf-served.txt" 2>&1
code=$?
[ "$code" = 0 ] || { cat "$out/conf-served.txt"; fail "conformance against a served fake exited $code"; }
grep -q "8 request(s) of .* replayed against the fake served at .*: 0 with differences" \
  "$out/conf-served.txt" || fail "served conformance: $(cat "$out/conf-served.txt")"

# The planted differences: the create's status, a key of the query's answer renamed, the
# validation error's code.
python3 - "$out/rec.jsonl" "$out/edited.jsonl" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
for l in lines:
    if l['method'] == 'POST' and l['path'] == '/v1/pages' and l['status'] == 200:
        l['status'] = 201
    elif l['path'].endswith('/query'):
        body = json.loads(l['response_body'])
        body['has_more_results'] = body.pop('has_more')
        l['response_body'] = json.dumps(body)
    elif l['status'] == 400:
        body = json.loads(l['response_body'])
        body['code'] = 'invalid_json'
        l['response_body'] = json.dumps(body)
with open(sys.argv[2], 'w') as f:
    for l in lines:
        f.write(json.dumps(l) + '\n')
EOF
"$bin" conformance "$out/edited.jsonl" > "$out/conf-edited.txt" 2>&1
code=$?
[ "$code" = 1 ] || { cat "$out/conf-edited.txt"; fail "planted differences: exit $code"; }
grep -q "POST /v1/pages: status 201 recorded, 200 from the fake" "$out/conf-edited.txt" \
  || fail "the status difference was not reported"
grep -q "/query: shape \$.has_more_results: missing from the fake (boolean recorded)" \
  "$out/conf-edited.txt" || fail "the missing key was not reported"
grep -q "/query: shape \$.has_more: only the fake has it (boolean)" "$out/conf-edited.txt" \
  || fail "the extra key was not reported"
grep -q "POST /v1/pages: code invalid_json recorded, validation_error from the fake" \
  "$out/conf-edited.txt" || fail "the code difference was not reported"
grep -q ": 3 with differences (4 listed)" "$out/conf-edited.txt" \
  || fail "expected exactly 3 differing exchanges, 4 differences: $(cat "$out/conf-edited.txt")"
echo "proxy and conformance: ok"
