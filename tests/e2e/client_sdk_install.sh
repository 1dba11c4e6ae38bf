#!/usr/bin/env bash
# Installs the official SDK pinned in examples/node/package.json (@notionhq/client) into the build
# tree, once, for the client.* tests (the CTest fixture client_sdk).
#   client_sdk_install.sh SOURCE_DIR SDK_DIR
# Exits 77 (CTest's SKIP_RETURN_CODE) only when node/npm is missing or the npm registry does not
# answer; any other failure fails the test.
set -u
src=${1:?usage: client_sdk_install.sh SOURCE_DIR SDK_DIR}
sdk=${2:?}
# shellcheck source=tests/npm_pinned.sh
. "$(dirname "$0")/../npm_pinned.sh"

need_node
mkdir -p "$sdk" || exit 1
cp "$src/examples/node/package.json" "$sdk/" || exit 1
install_pinned "$sdk" 180
