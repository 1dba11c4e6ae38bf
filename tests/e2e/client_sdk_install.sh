#!/usr/bin/env bash
# Installs the official SDK pinned in examples/node/package.json (@notionhq/client) into the build
# tree, once, for the client.* tests (the CTest fixture client_sdk).
#   client_sdk_install.sh SOURCE_DIR SDK_DIR
# Exits 77 (CTest's SKIP_RETURN_CODE) only when node/npm is missing or the npm registry does not
# answer; any other failure fails the test.
set -u
src=${1:?usage: client_sdk_install.sh SOURCE_DIR SDK_DIR}
sdk=${2:?}
skip() { echo "SKIPPED: node/npm or the registry is not available ($1)"; exit 77; }

command -v node >/dev/null 2>&1 || skip "no node on PATH"
command -v npm >/dev/null 2>&1 || skip "no npm on PATH"
mkdir -p "$sdk" || exit 1
cp "$src/examples/node/package.json" "$sdk/" || exit 1
pinned() { node -e 'const p = require(process.argv[1]); console.log((p.dependencies || {})["@notionhq/client"] || p.version || "")' "$1" 2>/dev/null; }
want=$(pinned "$sdk/package.json")
have=$(pinned "$sdk/node_modules/@notionhq/client/package.json")
if [ -n "$have" ] && [ "$have" = "$want" ]; then
  echo "@notionhq/client@$have already in $sdk"
  exit 0
fi
echo "installing @notionhq/client@$want into $sdk"
if ! timeout 180 npm install --prefix "$sdk" --no-audit --no-fund --no-package-lock --loglevel=error; then
  timeout 30 npm ping >/dev/null 2>&1 || skip "npm install failed and npm ping got no answer"
  echo "npm install failed although the registry answers"
  exit 1
fi
