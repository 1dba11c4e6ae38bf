#!/usr/bin/env bash
# The live and HTTP tests under ThreadSanitizer (the `tsan` preset): LiveLoop and CurlTransport,
# live runs against the fake's HTTP door, and the door itself, also under load (serve_load_test).
# Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset tsan > /dev/null
cmake --build --preset tsan --target live_test live_run_test http_server_test admin_api_test \
  serve_load_test
ctest --preset tsan -L '^(live_test|live_run_test|http_server_test|admin_api_test|serve_load_test)$' \
  "$@"
