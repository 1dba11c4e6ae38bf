#!/usr/bin/env bash
# Runs the examples (examples/node, examples/python, examples/bash) through `notion-sim test` under
# one client scenario and checks each one's verdict: exactly the invariants client_examples.json
# expects to be violated (none for the good integrations, the planted mistake's for each variant).
#   client_examples.sh NOTION_SIM SOURCE_DIR WORK_DIR SCENARIO_FILE
# The official SDK is installed in WORK_DIR/../client-sdk by client_sdk_install.sh (a CTest
# fixture). Exits 77 (CTest's SKIP_RETURN_CODE) only when node or the SDK is not there because
# the registry could not be reached; any other problem fails the test. The variants run at once,
# each against its own server on loopback; each is bounded by the scenario's duration_s.
set -u
cli=${1:?usage: client_examples.sh NOTION_SIM SOURCE_DIR WORK_DIR SCENARIO_FILE}
src=${2:?}
work=${3:?}
scenario=${4:?}
name=$(basename "$scenario" .json)
sdk="$(dirname "$work")/client-sdk"
skip() { echo "SKIPPED: $1"; exit 77; }

command -v node >/dev/null 2>&1 || skip "no node on PATH (scripts/deps.sh installs it)"
for tool in python3 curl jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "no $tool on PATH (scripts/deps.sh installs it)"; exit 1; }
done
[ -f "$sdk/node_modules/@notionhq/client/package.json" ] ||
  skip "the SDK is not installed in $sdk (client.sdk_install skipped: registry unreachable?)"
rm -rf "$work" && mkdir -p "$work" || exit 1

# The variants expected for this scenario: "variant<TAB>command..." lines.
plan=$(python3 - "$src/tests/e2e/client_examples.json" "$name" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
expected = doc["expected"].get(sys.argv[2])
if expected is None:
    sys.exit(f"client_examples.json has no \"expected\" entry for {sys.argv[2]}")
for variant in expected:
    print(variant + "\t" + "\t".join(doc["variants"][variant]))
EOF
) || exit 1

pids=()
while IFS=$'\t' read -r variant program script; do
  (
    cd "$src" &&
      NODE_PATH="$sdk/node_modules" "$cli" test "$scenario" --quiet --out "$work/$variant" \
        -- "$program" "$script" >"$work/$variant.log" 2>&1
    echo $? >"$work/$variant.exit"
  ) &
  pids+=($!)
done <<<"$plan"
for p in "${pids[@]}"; do wait "$p"; done

python3 - "$src/tests/e2e/client_examples.json" "$name" "$work" <<'EOF'
import json, os, sys
doc = json.load(open(sys.argv[1]))
name, work = sys.argv[2], sys.argv[3]
failed = 0
print(f"{name}:")
for variant, want in doc["expected"][name].items():
    code = open(os.path.join(work, variant + ".exit")).read().strip()
    try:
        result = json.load(open(os.path.join(work, variant, name + ".result.json")))
        got = [i["name"] for i in result["invariants"] if i["verdict"] == "violated"]
    except (OSError, ValueError) as e:
        got = None
    ok = got == want and code == ("0" if not want else "1")
    failed += 0 if ok else 1
    shown = "held everything" if got == [] else ", ".join(got) if got else "no result"
    print(f"  {'ok  ' if ok else 'FAIL'} {variant}: exit {code}, {shown}" +
          ("" if ok else f" (expected {', '.join(want) or 'everything held'})"))
    if not ok:
        print(open(os.path.join(work, variant + ".log")).read())
sys.exit(1 if failed else 0)
EOF
