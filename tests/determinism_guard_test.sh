#!/usr/bin/env bash
# The determinism guard must fail on planted mistakes: a real-clock call in a header that a
# deterministic source includes (two includes deep), and a deterministic target linking libcurl;
# and pass on the same graph once both are gone, while a live file outside the graph may call
# the clock.
set -u
guard=${1:?usage: determinism_guard_test.sh tests/determinism_guard.sh}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/a/include/notion_sim/a" "$work/a/src" "$work/live"
cat > "$work/a/src/a.cc" <<'CC'
#include "notion_sim/a/a.h"
#include <vector>
int A() { return 1; }
CC
echo '#include "inner.h"' > "$work/a/include/notion_sim/a/a.h"
echo 'inline long Now() { return std::chrono::steady_clock::now().time_since_epoch().count(); }' \
  > "$work/a/include/notion_sim/a/inner.h"
echo 'long Live() { return std::chrono::steady_clock::now().time_since_epoch().count(); }' \
  > "$work/live/live.cc"
tab=$'\t'
graph() {
  printf 'deterministic%snotion_sim_a\n' "$tab"
  printf 'source%snotion_sim_a%s%s\n' "$tab" "$tab" "$work/a/src/a.cc"
  printf 'include_dir%snotion_sim_a%s%s\n' "$tab" "$tab" "$work/a/include"
  printf 'links%snotion_sim_a%snlohmann_json::nlohmann_json\n' "$tab" "$tab"
  printf 'links%snotion_sim_a%sThreads::Threads\n' "$tab" "$tab"
  printf 'allow%snotion_sim_a%sThreads::Threads\n' "$tab" "$tab"
  [ "${1:-}" = dirty ] && printf 'links%snotion_sim_a%sCURL::libcurl\n' "$tab" "$tab"
}
graph dirty > "$work/dirty.tsv"
out=$("$guard" "$work/dirty.tsv"); rc=$?
fail=0
[ $rc -eq 1 ] || { echo "FAIL: dirty graph exit $rc, want 1"; fail=1; }
grep -q "notion_sim_a links CURL::libcurl" <<<"$out" || { echo "FAIL: the libcurl link was not named"; fail=1; }
grep -q "inner.h:1:" <<<"$out" || { echo "FAIL: the clock call two includes deep was not found"; fail=1; }
grep -q "live.cc" <<<"$out" && { echo "FAIL: a file outside the graph was judged"; fail=1; }
grep -q "Threads" <<<"$out" && { echo "FAIL: an allowed link was reported"; fail=1; }
echo 'inline long Now() { return 0; }' > "$work/a/include/notion_sim/a/inner.h"
graph > "$work/clean.tsv"
"$guard" "$work/clean.tsv" >/dev/null; rc=$?
[ $rc -eq 0 ] || { echo "FAIL: clean graph exit $rc, want 0"; fail=1; }
"$guard" "$work/missing.tsv" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || { echo "FAIL: missing graph exit $rc, want 2"; fail=1; }
[ $fail -eq 0 ] && echo "determinism guard self-test: planted clock call and libcurl link caught"
exit $fail
