#!/usr/bin/env bash
# The main job: installs what is missing, builds notion-sim (release), and runs the scenario
# library on the embedded fake. Reports go to ${OUT:-out}/. Extra arguments go to `notion-sim run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release > /dev/null
cmake --build --preset release --target notion-sim
build/release/cli/notion-sim run scenarios/library --out "${OUT:-out}" "$@"
