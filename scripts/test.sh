#!/usr/bin/env bash
# The tests: installs what is missing, builds everything under AddressSanitizer + UBSan (the `asan`
# preset: clang-14, no recovery, warnings as errors; the libFuzzer targets of fuzz/ are built
# alongside) and runs the whole CTest suite. NSIM_PRESET=dev runs it on the plain gcc build
# instead (quicker to build, no sanitizers). Extra arguments go to ctest (e.g. -R scenario).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${NSIM_PRESET:-asan}
case "$preset" in
  asan) NSIM_FUZZ=1 scripts/deps.sh ;;  # also clang-14 and libclang-rt-14-dev
  dev) scripts/deps.sh ;;
  *) echo "scripts/test.sh: NSIM_PRESET=$preset: expected asan or dev" >&2; exit 2 ;;
esac
cmake --preset "$preset" > /dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" "$@"
