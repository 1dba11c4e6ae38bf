#!/usr/bin/env bash
# Fails when simulated code reads the real clock or real randomness (docs/architecture.md, rule 1).
# The live parts (LiveLoop, CurlTransport, the HTTP server) are allowed them: they live in files
# whose path contains "live", "curl" or "http_server".
set -u
root=${1:?usage: determinism_guard.sh SOURCE_DIR}
cd "$root" || exit 2
pattern='system_clock::now|steady_clock::now|high_resolution_clock::now|random_device|[^_a-zA-Z]rand\(|srand\(|std::[a-z_]+_distribution|time\(NULL\)|time\(nullptr\)|gettimeofday|clock_gettime'
hits=$(grep -rnE "$pattern" engine checks policies simulator scenarios explore --include='*.h' --include='*.cc' \
       | grep -vE '/(live|curl|http_server)[^/]*|/src/live/' || true)
if [ -n "$hits" ]; then
  echo "Real time or real randomness in simulated code:"
  echo "$hits"
  exit 1
fi
echo "determinism guard: no banned call in engine/ checks/ policies/ simulator/ scenarios/ explore/ (live parts excepted)"
