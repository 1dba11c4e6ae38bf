# shellcheck shell=bash
# Sourced by the tests that run npm packages (tests/simulator/sdk, tests/simulator/integrations,
# tests/e2e/client_sdk_install.sh, tests/reports/browser): node and npm on PATH, and the
# dependencies a package.json pins installed at those versions, once, into the build tree.
# Exits 77 (CTest's SKIP_RETURN_CODE) only when node/npm is missing or the npm registry does not
# answer; any other failure fails the test (exit 1).

skip() { echo "SKIPPED: node/npm or the registry is not available ($1)"; exit 77; }

# Skips unless node and npm are on PATH.
need_node() {
  command -v node >/dev/null 2>&1 || skip "no node on PATH"
  command -v npm >/dev/null 2>&1 || skip "no npm on PATH"
}

# install_pinned DIR TIMEOUT_S: installs DIR/package.json's dependencies into DIR when one of them
# is missing from DIR/node_modules or at another version than pinned.
install_pinned() {
  local dir=$1 timeout_s=$2 stale
  stale=$(node -e '
    const deps = require(process.argv[1]).dependencies || {};
    for (const [name, want] of Object.entries(deps)) {
      let have = "";
      try { have = require(process.argv[2] + "/node_modules/" + name + "/package.json").version; } catch (e) {}
      if (have !== want) { console.log(name + "@" + want); }
    }' "$dir/package.json" "$dir" 2>/dev/null)
  [ -n "$stale" ] || return 0
  echo "installing $stale into $dir"
  if ! timeout "$timeout_s" npm install --prefix "$dir" --no-audit --no-fund --no-package-lock \
       --loglevel=error; then
    timeout 30 npm ping >/dev/null 2>&1 || skip "npm install failed and npm ping got no answer"
    echo "npm install failed although the registry answers"
    exit 1
  fi
}
