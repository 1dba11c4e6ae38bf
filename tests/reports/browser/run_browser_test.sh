#!/usr/bin/env bash
# The HTML pages in a real browser: writes a run of the scenario library (index.html and a page per
# scenario), a failing run, an A/B comparison of two profiles and a 2-D sweep, then opens every
# page in Debian's headless Chromium (driven by playwright-core) and asserts on the rendered DOM
# (pages_test.cjs). Screenshots land in WORK/screenshots/.
#   run_browser_test.sh NOTION_SIM REPORTS_FIXTURE SOURCE_DIR WORK_DIR
# Chromium comes from Debian (scripts/deps.sh installs it); playwright-core (pinned in
# package.json) is installed into WORK_DIR once. Exits 77 (CTest's SKIP_RETURN_CODE) only when
# node/npm is missing or the npm registry does not answer; a missing Chromium fails the test.
set -u
cli=${1:?usage: run_browser_test.sh NOTION_SIM REPORTS_FIXTURE SOURCE_DIR WORK_DIR}
fixture=${2:?}
src=${3:?}
work=${4:?}
here="$src/tests/reports/browser"
fail() { echo "FAIL: $*"; exit 1; }
# shellcheck source=tests/npm_pinned.sh
. "$src/tests/npm_pinned.sh"

need_node
chromium=${NSIM_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || fail "$chromium not found: scripts/deps.sh installs Debian's chromium"
mkdir -p "$work" || exit 1
cp "$here/package.json" "$here/pages_test.cjs" "$work/" || exit 1
install_pinned "$work" 180

pages="$work/pages"
rm -rf "$pages" "$work/screenshots"
mkdir -p "$pages" "$work/screenshots"
# The library (every scenario passes on its seed); exit 1 would mean a scenario failed.
"$cli" run "$src/scenarios/library" --out "$pages/library" --quiet > "$pages/library.txt" 2>&1 ||
  { cat "$pages/library.txt"; fail "notion-sim run scenarios/library"; }
# A failing run: the fixture's result with a violated invariant and a failed gate.
"$fixture" "$pages/fixture" || fail "reports_fixture"
"$cli" report "$pages/fixture/failing" --out "$pages/failing" > /dev/null 2>&1 ||
  fail "notion-sim report (failing fixture)"
# Profile A against profile B: the same bad day through two stacks.
for p in recommended opossum; do
  "$cli" run "$src/scenarios/profiles/profile_$p.json" --out "$pages/$p" --quiet > /dev/null 2>&1
  [ $? -le 1 ] || fail "notion-sim run profile_$p"
done
"$cli" compare "$pages/recommended" "$pages/opossum" --html "$pages/compare.html" \
  > "$pages/compare.md" 2>&1
[ $? -le 1 ] || { cat "$pages/compare.md"; fail "notion-sim compare"; }
# A two-axis sweep (a heat map per objective).
"$cli" sweep "$src/scenarios/library/burst_5xx.json" --grid 'stack.retry.max_attempts=1,2,3' \
  --grid 'stack.breaker.error_threshold_percentage=25,50,75' --seeds 3 --threads 2 --quiet \
  --out "$pages/sweep" > "$pages/sweep.txt" 2>&1 || { cat "$pages/sweep.txt"; fail "notion-sim sweep"; }

exec timeout 240 node "$work/pages_test.cjs" "$pages" "$work/screenshots" "$chromium"
