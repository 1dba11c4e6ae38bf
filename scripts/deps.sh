#!/usr/bin/env bash
# Installs what notion-sim needs from Debian's packages, only when something is missing.
# Runs apt-get as root, or through sudo.
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config git
          libcurl4-openssl-dev nlohmann-json3-dev libcpp-httplib-dev librapidcheck-dev
          libgtest-dev libgmock-dev libbenchmark-dev libssl-dev libsqlite3-dev libcli11-dev
          curl python3   # the end-to-end tests drive serve with curl and write files with python3
          jq             # examples/bash/sync.sh, the curl integration `notion-sim test` judges
          chromium fonts-dejavu-core  # the HTML pages are checked in headless Chromium
          libxml2-utils python3-jsonschema)  # junit.xml against junit-10.xsd; JSON Schemas
# node and npm run the official SDK and the examples that `notion-sim test` judges (the SDK itself
# comes from the npm registry). Debian's packages, unless a node is on PATH already.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
# The fuzz build (scripts/fuzz.sh) also needs clang and libFuzzer.
if [ "${NSIM_FUZZ:-0}" = 1 ]; then packages+=(clang-14 libclang-rt-14-dev); fi
# scripts/lint.sh needs clang-format and clang-tidy (with run-clang-tidy).
if [ "${NSIM_LINT:-0}" = 1 ]; then packages+=(clang-format-14 clang-tidy-14); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "notion-sim: installing missing packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
