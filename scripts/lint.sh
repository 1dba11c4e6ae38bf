#!/usr/bin/env bash
# The project's own style checks on the whole tree, as CI runs them (.ci/run):
#  1. clang-format (.clang-format): every C++ file must already be formatted;
#  2. clang-tidy (.clang-tidy's allow-list: bugprone-*, performance-*, modernize-use-override,
#     readability-identifier-naming) on every C++ source of the libraries, the command line, the
#     tests, the benchmarks and the fuzz targets, with the compile commands of a configured build
#     (build/asan by default: clang-14's flags, which clang-tidy-14 reads as they are).
# Each step prints what it checked and how long it took; the script exits 1 when either found
# something. The benchmarks are checked when the build has them (not the asan preset). `scripts/lint.sh --fix` rewrites the files clang-format would change instead.
#   scripts/lint.sh                       # both, using build/asan (configured if missing)
#   NSIM_LINT_BUILD=build/dev scripts/lint.sh
#   scripts/lint.sh --format-only
set -euo pipefail
cd "$(dirname "$0")/.."
build=${NSIM_LINT_BUILD:-build/asan}
fix=0; tidy=1
for arg in "$@"; do
  case "$arg" in
    --fix) fix=1 ;;
    --format-only) tidy=0 ;;
    *) echo "scripts/lint.sh: unknown argument $arg (--fix, --format-only)" >&2; exit 2 ;;
  esac
done
format=$(command -v clang-format-14 || command -v clang-format || true)
tidy_bin=$(command -v clang-tidy-14 || command -v clang-tidy || true)
runner=$(command -v run-clang-tidy-14 || command -v run-clang-tidy || true)
if [ -z "$format" ] || { [ $tidy = 1 ] && { [ -z "$tidy_bin" ] || [ -z "$runner" ]; }; }; then
  NSIM_LINT=1 scripts/deps.sh
  format=$(command -v clang-format-14); tidy_bin=$(command -v clang-tidy-14)
  runner=$(command -v run-clang-tidy-14)
fi

# The C++ files of the project: tracked ones in a git checkout, else every one under the folders.
folders=(engine checks policies simulator scenarios reports explore cli tests bench fuzz)
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  mapfile -t files < <(git ls-files -- "${folders[@]/%//*.h}" "${folders[@]/%//*.cc}")
else
  mapfile -t files < <(find "${folders[@]}" -name '*.h' -o -name '*.cc' | sort)
fi
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
    cmake --preset "$(basename "$build")" > /dev/null
  fi
  # Generated headers (build_info.h) must exist before sources that include them are read.
  cmake --build "$build" --target notion_sim_build_info > /dev/null
  mapfile -t sources < <(printf '%s\n' "${files[@]}" | grep '\.cc$')
  # run-clang-tidy takes regexes; anchor each path so that one never matches another.
  regexes=()
  for f in "${sources[@]}"; do regexes+=("$PWD/$f\$"); done
  log=$build/clang-tidy.log
  if ! "$runner" -clang-tidy-binary "$tidy_bin" -p "$build" -j "$(nproc)" -quiet \
       "${regexes[@]}" > "$log" 2>&1; then
    grep -E '(error|warning): ' "$log" | sort -u | head -100
    echo "lint: clang-tidy found the above (whole log: $log)"
    status=1
  fi
  echo "lint: clang-tidy: ${#sources[@]} source(s) in $((SECONDS - start)) s"
fi
exit $status
