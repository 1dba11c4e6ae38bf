#!/usr/bin/env bash
# Builds the libFuzzer targets (in the `asan` preset's tree: clang-14, ASan + UBSan, build/asan) and
# runs each one on its seed corpus in fuzz/corpus/<target>/.
#
#   scripts/fuzz.sh                 # each target for 60 s
#   scripts/fuzz.sh 600             # each target for 600 s
#   scripts/fuzz.sh -runs=1000000   # each target for exactly 1,000,000 executions
#   scripts/fuzz.sh --smoke         # each target for ~10 s (the short run meant for CI)
#
# New inputs the fuzzer finds go to build/asan/fuzz-work/corpus/<target>/ (the repo's seeds stay as
# they are); a crash is written to build/asan/fuzz-work/artifacts/ and the script exits 1. Prints
# one line per target: executions, seconds, result.
set -euo pipefail
cd "$(dirname "$0")/.."
limit="-max_total_time=60"
case "${1:-}" in
  "") ;;
  --smoke) limit="-max_total_time=10" ;;
  -runs=*) limit="$1" ;;
  *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS|-runs=N|--smoke]" >&2; exit 2 ;;
  *) limit="-max_total_time=$1" ;;
esac

NSIM_FUZZ=1 scripts/deps.sh  # also clang-14 and libclang-rt-14-dev (libFuzzer)
cmake --preset asan >/dev/null
cmake --build --preset asan --target fuzz

targets=(scenario fault_plan fake_request retry_after cursor)
work_dir=build/asan/fuzz-work
mkdir -p "$work_dir/artifacts" "$work_dir/logs"
failed=0
printf '%-14s %12s %8s  %s\n' target executions seconds result
for t in "${targets[@]}"; do
  work="$work_dir/corpus/$t"
  mkdir -p "$work"
  log="$work_dir/logs/$t.log"
  start=$(date +%s%N)
  rc=0
  # JSON doors: inputs up to 256 KB, enough for 100,000 nested arrays (the class of input that
  # once overflowed the stack; libFuzzer's default stops at the corpus' largest file or 4 KB).
  case "$t" in scenario | fault_plan | fake_request) max_len=262144 ;; *) max_len=4096 ;; esac
  "build/asan/fuzz/${t}_fuzz" "$limit" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 \
      -artifact_prefix="$work_dir/artifacts/${t}-" "$work" "fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  end=$(date +%s%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$rc" -eq 0 ]; then result=ok; else result="FAILED (exit $rc; see $log)"; failed=1; fi
  printf '%-14s %12s %8.1f  %s\n' "$t" "${execs:-?}" "$(awk -v d=$((end - start)) 'BEGIN {print d / 1e9}')" "$result"
done
exit "$failed"
