#!/usr/bin/env bash
# The tests: installs what is missing, builds everything (dev preset, warnings as errors) and runs
# CTest. Extra arguments go to ctest (e.g. -R scenario).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset dev > /dev/null
cmake --build --preset dev
ctest --preset dev "$@"
