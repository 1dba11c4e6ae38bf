#!/usr/bin/env bash
# The project's own style checks on the whole tree, as CI runs them (.ci/run):
#  1. clang-format (.clang-format): every C++ file must already be formatted;
#  2. clang-tidy (.clang-tidy's allow-list: bugprone-*, performance-*, modernize-use-override,
#     readability-identifier-naming) on every C++ source of the libraries, the command line, the
#     tests and the fuzz targets, with the compile commands of a configured build (build/asan by
#     default: clang-14's flags, which clang-tidy-14 reads as they are; the benchmarks are checked
#     when the build has them, which the asan preset does not). scripts/lint_tidy.py checks the
#     sources of each CMake target as one unit, so the headers they share are read once per target.
# Each step prints what it checked and how long it took; the script exits 1 when either found
# something. `scripts/lint.sh --fix` rewrites the files clang-format would change instead.
#   scripts/lint.sh                       # both, using build/asan (configured if missing)
#   NSIM_LINT_BUILD=build/dev scripts/lint.sh
#   scripts/lint.sh --format-only
#   scripts/lint.sh engine/src/runner.cc cli/main.cc   # only these files (paths from the root)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${NSIM_LINT_BUILD:-build/asan}
fix=0; tidy=1; only=()
for arg in "$@"; do
  case "$arg" in
    --fix) fix=1 ;;
    --format-only) tidy=0 ;;
    -*) echo "scripts/lint.sh: unknown argument $arg (--fix, --format-only, FILE...)" >&2; exit 2 ;;
    *) [ -f "$arg" ] || { echo "scripts/lint.sh: $arg: no such file" >&2; exit 2; }
       only+=("$arg") ;;
  esac
done
format=$(command -v clang-format-14 || command -v clang-format || true)
tidy_bin=$(command -v clang-tidy-14 || command -v clang-tidy || true)
if [ -z "$format" ] || { [ $tidy = 1 ] && [ -z "$tidy_bin" ]; }; then
  NSIM_LINT=1 scripts/deps.sh
  format=$(command -v clang-format-14); tidy_bin=$(command -v clang-tidy-14)
fi

# The C++ files of the project: tracked ones in a git checkout, else every one under the folders.
folders=(engine checks policies simulator scenarios reports explore cli tests bench fuzz)
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  mapfile -t files < <(git ls-files -- "${folders[@]/%//*.h}" "${folders[@]/%//*.cc}")
else
  mapfile -t files < <(find "${folders[@]}" -name '*.h' -o -name '*.cc' | sort)
fi
[ ${#only[@]} -eq 0 ] || files=("${only[@]}")
status=0

start=$SECONDS
if [ $fix = 1 ]; then
  "$format" -i "${files[@]}"
  echo "lint: clang-format rewrote ${#files[@]} file(s) as needed"
  exit 0
fi
report=$(mktemp)
trap 'rm -f "$report"' EXIT
if ! "$format" --dry-run --Werror "${files[@]}" 2> "$report"; then
  grep -E '^[^ ].*: (error|warning):' "$report" | cut -d: -f1 | sort -u | sed 's/^/  /'
  echo "lint: clang-format: the files above are not formatted (scripts/lint.sh --fix formats them)"
  status=1
fi
echo "lint: clang-format: ${#files[@]} file(s) in $((SECONDS - start)) s"

if [ $tidy = 1 ]; then
  start=$SECONDS
  if [ ! -f "$build/compile_commands.json" ]; then
    NSIM_FUZZ=1 scripts/deps.sh  # the asan preset's clang-14, to configure
    cmake --preset "$(basename "$build")" > /dev/null
  fi
  # Generated headers (build_info.h) must exist before sources that include them are read.
  cmake --build "$build" --target notion_sim_build_info > /dev/null
  mapfile -t sources < <(printf '%s\n' "${files[@]}" | grep '\.cc$')
  log=$build/clang-tidy.log
  # One line per unit as it is done, with its findings (pipefail: the status is lint_tidy.py's).
  if ! python3 scripts/lint_tidy.py "$tidy_bin" "$build" "$(nproc)" "$PWD" "${sources[@]}" 2>&1 |
       tee "$log"; then
    echo "lint: clang-tidy found the above (whole log: $log)"
    status=1
  fi
  echo "lint: clang-tidy: ${#sources[@]} source(s) in $((SECONDS - start)) s"
fi
exit $status
