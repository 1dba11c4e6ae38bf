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
# shellcheck source=tests/npm_pinned.sh
. "$(dirname "$0")/../../npm_pinned.sh"

need_node
mkdir -p "$work" || exit 1
cp "$src/package.json" "$src/sdk_test.cjs" "$src/shapes.ts" "$work/" || exit 1

# Every pinned dependency (the SDK, and ajv + ts-json-schema-generator for the typed shape
# checks) is installed at its pinned version.
install_pinned "$work" 180
exec timeout 240 node "$work/sdk_test.cjs" "$cli"
