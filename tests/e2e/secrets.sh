#!/usr/bin/env bash
# Secrets end to end, as a user meets them: distinctive tokens go in through every door notion-sim
# has (a scenario's tenants, workspace, fault rules and upstream keys; serve's --tokens, admin
# token, workspace and fault files; the environment of a live run; flags and files given by
# mistake; bearer tokens a client sends, right and wrong) and then every run, report, log, journal,
# ledger, listing, metric, HTTP answer and error message is searched for them: none may hold one.
# Also: serve binds 127.0.0.1 by default, warns when told to bind elsewhere, and its admin API
# answers 401 without its token.
#
# Bounded: every process runs under `timeout`; serve only ever listens on loopback (the
# non-loopback case binds 192.0.2.1, TEST-NET-1, which no machine has, so the bind fails after the
# warning and nothing is exposed) and is stopped on exit. A few seconds.
#
#   tests/e2e/secrets.sh BIN OUT_DIR
set -u
bin=${1:?usage: secrets.sh BIN OUT_DIR}; out=${2:?usage: secrets.sh BIN OUT_DIR}
rm -rf "$out"
in=$out/in    # what the test writes: holds the tokens, never searched
o=$out/out    # everything notion-sim writes or prints, and every HTTP answer: searched
mkdir -p "$in" "$o/http"
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }  # check NAME 'shell test'
run() { timeout 60 "$bin" "$@"; }
serve_pids=()
stop_all() {
  for p in "${serve_pids[@]}"; do kill "$p" 2> /dev/null; done
  for p in "${serve_pids[@]}"; do wait "$p" 2> /dev/null; done
  serve_pids=()
}
trap stop_all EXIT

# --- the tokens: unique to this run, so a hit can only be a leak ----------------------------------
r=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
L=$(tr -dc 'G-Z' < /dev/urandom | head -c 3)  # short tokens: letters no id or digest holds
declare -A S=(
  [tenant_a]=ntn_tenantA_${r}_k1     [tenant_b]=secret_tenantB_${r}_k2
  [rule_sim]=ntn_simrule_${r}_k3     [upstream_key]=sk_upstream_${r}_k4
  [serve_a]=ntn_serveA_${r}_k5       [serve_b]=ntn_serveB_${r}_k6
  [admin]=adm_admin_${r}_k7          [wrong_admin]=adm_wrong_${r}_k8
  [wrong_bearer]=ntn_wrong_${r}_k9   [short_bearer]=Q${L}
  [rule_posted]=ntn_posted_${r}_ka   [short_rule]=W${L}
  [in_broken]=ntn_broken_${r}_kb     [as_flag]=ntn_asflag_${r}_kc
  [as_env_name]=ntn_asenv_${r}_kd    [in_query]=ntn_query_${r}_ke
  [ws_file]=ntn_wsfile_${r}_kf       [x_api_key]=sk_xapikey_${r}_kg
  [in_admin_path]=ntn_adminpath_${r}_kh
)

# --- 1. a simulated run whose scenario holds tokens; every report; explore, sweep, merge ----------
python3 - "$in/scn.json" "${S[tenant_a]}" "${S[tenant_b]}" "${S[rule_sim]}" \
  "${S[upstream_key]}" <<'PY'
import json, sys
path, a, b, rule, key = sys.argv[1:]
# Lost creates through a blindly retrying stack: it fails, so explore writes failure files.
json.dump({
  "name": "secrets", "seed": 7,
  "phases": {"safety_s": 60, "liveness_s": 30},
  "tenants": [{"name": "acme", "token": a}, {"name": "globex", "token": b}],
  "workspace": {"tokens": [{"token": a, "name": "acme"}, {"token": b, "name": "globex"}]},
  "upstream": {"api_keys": [key]},
  "stack": {"profile": "fixed-delay"},
  "faults": [
    {"name": "lost", "match": {"operation": "create_page"}, "trigger": {"probability": 0.2},
     "action": "lose_after_commit", "loss": "timeout"},
    {"name": "one token", "match": {"token": rule}, "trigger": {"always": True},
     "action": "respond", "status": 503}],
  "workload": {"streams": [
    {"operation": "create_page", "rate_per_s": 1, "tenant": "acme"},
    {"operation": "retrieve_page", "rate_per_s": 1, "tenant": "globex"}]},
}, open(path, "w"), indent=2)
PY
run validate "$in/scn.json" > "$o/validate.txt" 2>&1
check "validate a scenario that holds tokens" '[ $? -eq 0 ]'
run run "$in/scn.json" --out "$o/sim" --log "$o/sim.log" > "$o/sim.txt" 2>&1; code=$?
check "simulated run: result JSON, summary, JUnit, HTML (exit $code)" \
  '[ $code -le 1 ] && [ -s "$o/sim/secrets.result.json" ] && [ -s "$o/sim/results.json" ] &&
   [ -s "$o/sim/summary.md" ] && [ -s "$o/sim/junit.xml" ] && [ -s "$o/sim/secrets.html" ]'
run report "$o/sim" --out "$o/report" > "$o/report.txt" 2>&1
check "report re-renders the results" '[ $? -eq 0 ]'
run gate "$o/sim" > "$o/gate.txt" 2>&1
check "gate reads them" '[ $? -le 1 ]'
run explore "$in/scn.json" --seeds 2 --threads 1 --out "$o/explore" > "$o/explore.txt" 2>&1
code=$?
check "explore finds failures (exit $code)" \
  '[ $code -eq 1 ] && ls "$o"/explore/failures/*.json > /dev/null 2>&1'
# A failure file holds no token, yet reproduces its seed exactly (same digest).
repro=$(ls "$o"/explore/failures/*.json | head -1)
digest=$(python3 - "$o/explore/explore.json" "$repro" <<'PY'
import json, sys
explore, failure = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print([r for r in explore["records"] if r["seed"] == failure["seed"]][0]["digest"])
PY
)
run run "$repro" --out "$o/repro" > "$o/repro.txt" 2>&1
check "a failure file reproduces digest $digest" 'grep -q "digest $digest" "$o/repro.txt"'
check "a failure file names the tokens by placeholder" 'grep -q redacted_token_1 "$repro"'
for i in 0 1; do
  run explore "$in/scn.json" --seeds 2 --no-corpus --shard $i/2 --out "$o/shard$i" --quiet \
    > "$o/shard$i.txt" 2>&1
done
run merge "$o/shard0" "$o/shard1" --out "$o/merged" > "$o/merge.txt" 2>&1
check "merge of explore shards" '[ $? -eq 1 ] && ls "$o"/merged/failures/*.json > /dev/null 2>&1'
run sweep "$in/scn.json" --grid 'stack.retry.max_attempts=2,3' --seeds 1 --threads 1 \
  --out "$o/sweep" > "$o/sweep.txt" 2>&1
check "sweep" '[ $? -le 1 ] && [ -s "$o/sweep/sweep.json" ]'

# --- 2. serve with tokens and an admin token: good and bad requests -------------------------------
# start_serve NAME ARGS...: serve on a free loopback port; sets url (empty if it did not start).
start_serve() {
  local name=$1; shift
  timeout 60 "$bin" serve --port 0 "$@" > "$o/$name.out" 2> "$o/$name.err" &
  serve_pids+=($!)
  url=""
  for _ in $(seq 1 200); do
    url=$(grep -o 'http://127\.0\.0\.[0-9]*:[0-9]*' "$o/$name.out" 2> /dev/null | head -1)
    [ -n "$url" ] && return 0
    sleep 0.05
  done
  echo "serve $name did not start:"; cat "$o/$name.err"
}
# req NAME METHOD PATH [CURL ARGS...]: body, headers and status into $o/http/NAME.*
req() {
  local name=$1 method=$2 path=$3; shift 3
  curl -s --noproxy '*' -m 10 -X "$method" -D "$o/http/$name.headers" -o "$o/http/$name.body" \
    -w '%{http_code}' "$url$path" "$@" > "$o/http/$name.status" 2> "$o/http/$name.curl_err"
}
# statuses CODE NAME...: every named request was answered CODE.
statuses() {
  local want=$1; shift
  for n in "$@"; do [ "$(cat "$o/http/$n.status")" = "$want" ] || return 1; done
}
bearer() { echo "Authorization: Bearer $1"; }
rule_on() { echo "{\"match\": {\"token\": \"$1\"}, \"trigger\": {\"first\": 1}, $2}"; }
nv=(-H 'Notion-Version: 2025-09-03')
admin=(-H "$(bearer "${S[admin]}")")

rule_on "${S[serve_b]}" '"action": "respond", "status": 503, "code": "service_unavailable"' \
  | sed 's/^/{"faults": [/; s/$/]}/' > "$in/faults.json"
export NSIM_SECRETS_ADMIN=${S[admin]}
start_serve serve --tokens "${S[serve_a]},${S[serve_b]}" --admin-token-env NSIM_SECRETS_ADMIN --log "$o/serve.log" \
  --faults "$in/faults.json" --log-requests
check "serve binds 127.0.0.1 by default" '[ "${url%:*}" = http://127.0.0.1 ]'
port=${url##*:}
check "its listening socket is 127.0.0.1:$port" \
  "grep -q ' 0100007F:$(printf %04X "$port") 00000000:0000 0A ' /proc/net/tcp"
check "no warning on loopback" '! grep -q warning "$o/serve.err"'

req me_a GET /v1/users/me "${nv[@]}" -H "$(bearer "${S[serve_a]}")"
check "a good token: 200" 'statuses 200 me_a'
req me_b1 GET /v1/users/me "${nv[@]}" -H "$(bearer "${S[serve_b]}")"
req me_b2 GET /v1/users/me "${nv[@]}" -H "$(bearer "${S[serve_b]}")"
check "the rule on token b fires once: 503, then 200" 'statuses 503 me_b1 && statuses 200 me_b2'
req wrong GET /v1/users/me "${nv[@]}" -H "$(bearer "${S[wrong_bearer]}")"
req short GET /v1/users/me "${nv[@]}" -H "$(bearer "${S[short_bearer]}")"
req none GET /v1/users/me "${nv[@]}"
req lower GET /v1/users/me "${nv[@]}" -H "authorization: bearer ${S[wrong_bearer]}"
req xkey GET /v1/users/me "${nv[@]}" -H "x-api-key: ${S[x_api_key]}"
check "wrong, short, missing tokens: 401" 'statuses 401 wrong short none lower xkey'
req query GET "/v1/users/me?token=${S[in_query]}" "${nv[@]}" -H "$(bearer "${S[serve_a]}")"
req create POST /v1/pages "${nv[@]}" -H "$(bearer "${S[serve_a]}")" \
  -H 'Content-Type: application/json' -d '{"parent": {"type": "workspace", "workspace": true},
  "properties": {"title": {"title": [{"text": {"content": "x"}}]}}}'
check "a create with a good token: 200" 'statuses 200 create'

# The admin API: 401 without its token, with a wrong one, with a client's, for every route.
for p in faults faults/1 journal journal/decisions ledger health; do
  n=${p//\//_}
  req "noadm_$n" GET "/__admin/$p"
  req "wrongadm_$n" GET "/__admin/$p" -H "$(bearer "${S[wrong_admin]}")"
  req "clientadm_$n" GET "/__admin/$p" -H "$(bearer "${S[serve_a]}")"
  check "admin $p: 401 without, with a wrong and with a client token" \
    'statuses 401 noadm_$n wrongadm_$n clientadm_$n'
done
req noadm_path GET "/__admin/${S[in_admin_path]}"  # a made-up path is no label of /metrics
req noadm_reset POST /__admin/reset
req noadm_add POST /__admin/faults -d '{"action": "reset"}'
req noadm_del DELETE /__admin/faults -H "$(bearer "${S[wrong_admin]}")"
check "admin writes and unknown routes: 401 without the admin token" \
  'statuses 401 noadm_path noadm_reset noadm_add noadm_del'
req adm_health GET /__admin/health "${admin[@]}"
check "admin with its token: 200" 'statuses 200 adm_health'

# Rules that name tokens: listed redacted; broken ones answered without echoing them.
req add_long POST /__admin/faults "${admin[@]}" \
  -d "$(rule_on "${S[rule_posted]}" '"action": "respond", "status": 503')"
req add_short POST /__admin/faults "${admin[@]}" \
  -d "$(rule_on "${S[short_rule]}" '"action": "respond", "status": 503')"
check "rules on tokens added" 'statuses 201 add_long add_short'
printf '{"match": {"token": "%s\n"}, "action": "respond"}' "${S[in_broken]}" > "$in/rule_nl.json"
req add_newline POST /__admin/faults "${admin[@]}" --data-binary @"$in/rule_nl.json"
req add_badfield POST /__admin/faults "${admin[@]}" \
  -d "{\"match\": {\"token\": \"${S[rule_posted]}\", \"methd\": \"GET\"}, \"action\": \"respond\"}"
req add_badaction POST /__admin/faults "${admin[@]}" \
  -d "$(rule_on "${S[rule_posted]}" '"action": "explode"')"
check "broken rules next to a token: 400" 'statuses 400 add_newline add_badfield add_badaction'
req adm_unknown GET "/__admin/nothing_here" "${admin[@]}"
for p in faults faults/1 journal journal/decisions ledger health; do
  req "adm_${p//\//_}" GET "/__admin/$p" "${admin[@]}"
done
req metrics GET /metrics
check "listing, journal, ledger and metrics answer" \
  'statuses 200 adm_faults adm_faults_1 adm_journal adm_journal_decisions adm_ledger metrics'
check "the listing shows a matched token redacted" \
  'grep -q "\"token\":\"…" "$o/http/adm_faults.body"'

# --- 3. a live run against that serve: tokens from the environment --------------------------------
python3 - "$in/live.json" "${S[serve_a]}" <<'PY'
import json, sys
path, token = sys.argv[1:]
json.dump({
  "name": "secrets_live", "seed": 3, "duration_s": 1, "drain_limit_s": 2,
  "stack": {"profile": "recommended", "timeouts": {"request_ms": 1000, "connect_ms": 1000},
            "retry": {"initial_delay_ms": 100, "max_delay_ms": 500}},
  # A rule on the token the run uses: it fires only if the run installs the token itself.
  "faults": [{"name": "a once", "match": {"token": token, "operation": "retrieve_page"},
              "trigger": {"first": 1}, "action": "respond", "status": 503,
              "code": "service_unavailable"}],
  "workload": {"streams": [{"operation": "retrieve_page", "rate_per_s": 3},
                           {"operation": "create_page", "rate_per_s": 1}]},
}, open(path, "w"), indent=2)
PY
NSIM_SECRETS_TOKEN=${S[serve_a]} run run --live --base-url "$url" --token-env NSIM_SECRETS_TOKEN \
  --admin-token-env NSIM_SECRETS_ADMIN --out "$o/live" --log "$o/live.log" "$in/live.json" \
  > "$o/live.txt" 2>&1
code=$?
check "live run: results and reports (exit $code)" \
  '[ $code -le 1 ] && [ -s "$o/live/secrets_live.result.json" ] && [ -s "$o/live/junit.xml" ]'
check "the live run installed its rule on its token, and it fired" \
  'grep -q "\"rule_id\"" "$o/live/secrets_live.decisions.json"'
run replay --journal "$o/live/secrets_live.decisions.json" --out "$o/replay" "$in/live.json" \
  > "$o/replay.txt" 2>&1
check "replay of the live run" '[ $? -le 1 ]'
run replay --recording "$o/live/secrets_live.recording.jsonl" --out "$o/replay_rec" \
  --log "$o/replay_rec.log" "$in/live.json" > "$o/replay_rec.txt" 2>&1
check "replay of the live run from the client's recording" '[ $? -le 1 ]'
check "the structured logs were written (run, live run, its recording)" \
  '[ -s "$o/sim.log" ] && grep -q "\"kind\":\"attempt\"" "$o/live.log" &&
   grep -q "notion-sim.recording" "$o/live/secrets_live.recording.jsonl"'
run compare "$o/replay/secrets_live.result.json" "$o/live/secrets_live.result.json" \
  --out "$o/compare.md" > "$o/compare.txt" 2>&1
check "compare of replay and live" '[ $? -le 1 ]'
req adm_journal_after GET "/__admin/journal?limit=1000" "${admin[@]}"
req adm_ledger_after GET /__admin/ledger "${admin[@]}"
req adm_faults_after GET /__admin/faults "${admin[@]}"
req metrics_after GET /metrics
stop_all
check "serve logged its requests" 'grep -q "GET /v1/users/me 401" "$o/serve.err"'
check "serve's banner shows the tokens redacted" 'grep -q "tokens=…" "$o/serve.out"'

# A workspace file's token, and a loopback address other than 127.0.0.1: no warning.
printf '{"tokens": [{"token": "%s", "name": "fromfile"}]}\n' "${S[ws_file]}" > "$in/ws.json"
start_serve serve_ws --workspace "$in/ws.json" --bind 127.0.0.2 --log-requests
req ws_me GET /v1/users/me "${nv[@]}" -H "$(bearer "${S[ws_file]}")"
req ws_journal GET /__admin/journal
check "serve --workspace: its token works; no warning on 127.0.0.2" \
  'statuses 200 ws_me && ! grep -q warning "$o/serve_ws.err"'
stop_all
check "serve --log: a JSON line per request, the live run's trace ids among them" \
  'grep -q "\"kind\":\"request\"" "$o/serve.log" && grep -q "\"trace_id\"" "$o/serve.log"'

# Not loopback: the warning, then the bind fails (192.0.2.1 belongs to no machine).
run serve --port 0 --bind 192.0.2.1 > "$o/bind.out" 2> "$o/bind.err"; code=$?
check "serve --bind 192.0.2.1 warns (exit $code)" \
  '[ $code -eq 2 ] && grep -q "warning: binding to 192.0.2.1 exposes" "$o/bind.err" &&
   grep -q "no --admin-token-env" "$o/bind.err"'

# --- 4. error paths that meet tokens --------------------------------------------------------------
err() {  # err NAME ARGS...: a notion-sim command that must fail with exit 2 and say why
  local name=$1; shift
  run "$@" > "$o/err_$name.out" 2> "$o/err_$name.err"; local code=$?
  check "error: $name (exit $code)" '[ $code -eq 2 ] && [ -s "$o/err_$name.err" ]'
}
err admin_token_flag serve --port 0 --admin-token "${S[as_flag]}"
err admin_token_eq serve --port 0 "--admin-token=${S[as_flag]}"
err token_eq run "$in/scn.json" --live "--token=${S[as_flag]}" --out "$o/never"
err api_key_flag serve --port 0 --tokens "${S[serve_a]}" --api-key "${S[as_flag]}"
err token_as_subcommand "${S[as_flag]}"
err tokens_then_bad_flag serve --port 0 --tokens "${S[serve_a]}" --bogus
check "a token given as a flag: the message says where tokens go" \
  'grep -q "read them from environment variables" "$o/err_admin_token_flag.err"'
err serve_admin_env_is_token serve --port 0 --admin-token-env "${S[as_env_name]}"
check "a token given as a variable's name: said so" \
  'grep -q "shown redacted" "$o/err_serve_admin_env_is_token.err"'
err token_env_is_token run --live --base-url http://127.0.0.1:9 \
  --token-env "${S[as_env_name]}" --out "$o/never" "$in/live.json"
err live_admin_env_is_token run --live --base-url http://127.0.0.1:9 \
  --token-env NSIM_SECRETS_ADMIN --admin-token-env "${S[as_env_name]}" --out "$o/never" \
  "$in/live.json"
# Broken files next to, or around, a token.
scenario() {  # scenario FILE TENANTS_AND_MORE [TAIL]: a scenario document around a fragment
  printf '{"name": "x", %s,\n "workload": {"streams": [{"operation": "create_page"}]}}%s' \
    "$2" "${3:-}" > "$in/$1.json"
}
t=${S[in_broken]}
scenario bad_newline "\"tenants\": [{\"name\": \"a\", \"token\": \"$t
\"}]"
scenario bad_escape "\"tenants\": [{\"name\": \"a\", \"token\": \"$t\\q\"}]"
scenario bad_field "\"tenants\": [{\"name\": \"a\", \"token\": \"$t\", \"tokn\": 1}]"
scenario bad_comma "\"tenants\": [{\"name\": \"a\", \"token\": \"$t\" \"name\": \"b\"}]"
scenario bad_twice "\"workspace\": {\"tokens\": [{\"token\": \"$t\"}, {\"token\": \"$t\"}]}"
scenario bad_rule "\"faults\": [{\"match\": {\"token\": \"$t\", \"method\": \"FETCH\"},
  \"action\": \"respond\"}]"
scenario bad_trailing '"seed": 1' " \"$t"
for f in bad_newline bad_escape bad_field bad_comma bad_twice bad_rule bad_trailing; do
  err "validate_$f" validate "$in/$f.json"
done
err run_bad_newline run "$in/bad_newline.json" --out "$o/never"
err explore_bad_newline explore "$in/bad_newline.json" --seeds 1 --out "$o/never"
err sweep_bad_escape sweep "$in/bad_escape.json" --grid 'stack.retry.max_attempts=2,3' \
  --out "$o/never"
printf '{"tokens": [{"name": "a", "token": "%s\n"}]}' "$t" > "$in/bad_ws.json"
err serve_bad_workspace serve --port 0 --workspace "$in/bad_ws.json"
printf '{"faults": [%s]}' "$(rule_on "$t" '"action": "respond", "status": "x"')" \
  > "$in/bad_faults.json"
err serve_bad_faults serve --port 0 --faults "$in/bad_faults.json"
printf '{"faults": [{"match": {"token": "%s\t"}, "action": "respond"}]}' "$t" \
  > "$in/bad_faults_tab.json"
err serve_bad_faults_tab serve --port 0 --faults "$in/bad_faults_tab.json"
check "a JSON error still says where (file, line, column) and what was expected" \
  'grep -q "bad_newline.json:1:[0-9]*: not valid JSON" "$o/err_validate_bad_newline.err" &&
   grep -q "expected end of input" "$o/err_validate_bad_trailing.err"'

# --- 5. the search: no token in anything notion-sim wrote, printed or answered --------------------
files=$(find "$o" -type f | wc -l)
for k in "${!S[@]}"; do
  hits=$(grep -rlaF -- "${S[$k]}" "$o")
  if [ -n "$hits" ]; then
    bad "token $k leaked into: $(echo $hits)"
    grep -raF -- "${S[$k]}" "$o" | head -3 | cut -c1-300
  fi
done
echo "searched $files files for ${#S[@]} tokens"
[ $fails -eq 0 ] || { echo "secrets e2e: $fails failure(s)"; exit 1; }
echo "secrets e2e: ok"
