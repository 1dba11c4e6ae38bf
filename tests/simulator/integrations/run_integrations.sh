#!/usr/bin/env bash
# Runs popular open-source Notion integrations from npm (integrations.mjs) against
# `notion-sim serve`.
#   run_integrations.sh NOTION_SIM SOURCE_DIR WORK_DIR
# Installs the pinned packages into WORK_DIR (the build tree) once. Exits 77 (CTest's
# SKIP_RETURN_CODE) only when node/npm or the registry is missing; any other failure fails.
set -u
cli=${1:?usage: run_integrations.sh NOTION_SIM SOURCE_DIR WORK_DIR}
src=${2:?}
work=${3:?}
skip() { echo "SKIPPED: node/npm or the registry is not available ($1)"; exit 77; }

command -v node >/dev/null 2>&1 || skip "no node on PATH"
command -v npm >/dev/null 2>&1 || skip "no npm on PATH"
mkdir -p "$work" || exit 1
cp "$src/package.json" "$src/integrations.mjs" "$work/" || exit 1
stale=$(node -e '
  const deps = require(process.argv[1]).dependencies || {};
  for (const [name, want] of Object.entries(deps)) {
    let have = "";
    try { have = require(process.argv[2] + "/node_modules/" + name + "/package.json").version; } catch (e) {}
    if (have !== want) { console.log(name + "@" + want); }
  }' "$work/package.json" "$work" 2>/dev/null)
if [ -n "$stale" ]; then
  echo "installing $stale into $work"
  if ! timeout 240 npm install --prefix "$work" --no-audit --no-fund --no-package-lock \
       --loglevel=error; then
    timeout 30 npm ping >/dev/null 2>&1 || skip "npm install failed and npm ping got no answer"
    echo "npm install failed although the registry answers"
    exit 1
  fi
fi
exec timeout 200 node "$work/integrations.mjs" "$cli"
