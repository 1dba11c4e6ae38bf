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
# shellcheck source=tests/npm_pinned.sh
. "$(dirname "$0")/../../npm_pinned.sh"

need_node
mkdir -p "$work" || exit 1
cp "$src/package.json" "$src/integrations.mjs" "$work/" || exit 1
install_pinned "$work" 240
exec timeout 200 node "$work/integrations.mjs" "$cli"
