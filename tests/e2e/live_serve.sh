#!/usr/bin/env bash
# A live scenario as the README shows it: `notion-sim serve` on a free loopback port, the scenario
# run live against it (its faults installed over the admin API), then in simulation, then both
# compared, then the live run replayed in simulation from the decisions serve journaled. Bounded:
# serve is killed on exit, every step has a timeout.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
bin=${1:?}; scenario=${2:?}; out=${3:?}
name=$(basename "$scenario" .json)
rm -rf "$out"; mkdir -p "$out"
token="ntn_e2e_$(date +%s%N | sha256sum | cut -c1-16)"
start_serve "$out" --tokens "$token"

NOTION_TOKEN=$token timeout 120 "$bin" run --live --base-url "$url" --out "$out/live" "$scenario" \
  > "$out/live.txt" 2>&1
code=$?
cat "$out/live.txt"
[ $code -eq 0 ] || { echo "live run: exit $code"; exit 1; }
grep -q '"mode": "live"' "$out/live/$name.result.json" || { echo "no live result"; exit 1; }
grep -q "$token" -r "$out/live" "$out/live.txt" && { echo "the token leaked into the output"; exit 1; }

timeout 120 "$bin" run --quiet --out "$out/sim" "$scenario" > "$out/sim.txt" 2>&1 \
  || { echo "simulated run failed"; cat "$out/sim.txt"; exit 1; }
timeout 60 "$bin" compare "$out/sim/$name.result.json" "$out/live/$name.result.json" \
  > "$out/compare.md" 2>&1
code=$?
cat "$out/compare.md"
[ $code -eq 0 ] || { echo "compare: exit $code"; exit 1; }
grep -q "held in both" "$out/compare.md" || { echo "compare: invariants not held in both"; exit 1; }

timeout 120 "$bin" replay --journal "$out/live/$name.decisions.json" --out "$out/replay" \
  "$scenario" > "$out/replay.txt" 2>&1
code=$?
cat "$out/replay.txt"
[ $code -le 1 ] || { echo "replay: exit $code"; exit 1; }
grep -q '"faults_injected": [1-9]' "$out/replay/$name.result.json" \
  || { echo "replay injected no recorded fault"; exit 1; }
echo "live run, compare and replay of $name: ok"
