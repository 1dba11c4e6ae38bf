#!/usr/bin/env bash
# Runs the official SDK test (sdk_test.cjs) against `notion-sim serve`.
#   run_sdk_test.sh NOTION_SIM SDK_SOURCE_DIR WORK_DIR
# Installs the pinned @notionhq/client into WORK_DIR (the build tree) once. Exits 77 (CTest's
# SKIP_RETURN_CODE) only when node/npm is missing or the npm registry does not answer; any other
# failure fails the test.
set -u
cli=${1:?usage: run_sdk_test.sh NOTION_SIM SDK_SOURCE_DIR WORK_DIR}
src=${2:?}
work=${3:?}
skip() { echo "SKIPPED: node/npm or the registry is not available ($1)"; exit 77; }

command -v node >/dev/null 2>&1 || skip "no node on PATH"
command -v npm >/dev/null 2>&1 || skip "no npm on PATH"
mkdir -p "$work" || exit 1
cp "$src/package.json" "$src/sdk_test.cjs" "$src/shapes.ts" "$work/" || exit 1

# Every pinned dependency (the SDK, and ajv + ts-json-schema-generator for the typed shape
# checks) must be installed at its pinned version.
stale=$(node -e '
  const deps = require(process.argv[1]).dependencies || {};
  for (const [name, want] of Object.entries(deps)) {
    let have = "";
    try { have = require(process.argv[2] + "/node_modules/" + name + "/package.json").version; } catch (e) {}
    if (have !== want) { console.log(name + "@" + want); }
  }' "$work/package.json" "$work" 2>/dev/null)
if [ -n "$stale" ]; then
  echo "installing $stale into $work"
  if ! timeout 180 npm install --prefix "$work" --no-audit --no-fund --no-package-lock \
       --loglevel=error; then
    timeout 30 npm ping >/dev/null 2>&1 || skip "npm install failed and npm ping got no answer"
    echo "npm install failed although the registry answers"
    exit 1
  fi
fi
exec timeout 240 node "$work/sdk_test.cjs" "$cli"
