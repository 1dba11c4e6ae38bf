#!/usr/bin/env bash
# Fails when a deterministic target could read the real clock or real randomness
# (docs/architecture.md, rule 1). It follows the link graph the build writes
# (cmake/NotionSimGraph.cmake), not file names:
#   1. no deterministic target links a live dependency: libcurl, cpp-httplib, SQLite, threads,
#      the *_live targets or simulator_http (unless the graph allows that one link);
#   2. no source of a deterministic target, nor any header of ours it includes (followed through
#      the targets' include directories), calls the real clock or real randomness.
# The live parts (LiveLoop, CurlTransport, serve, live runs) pass because no deterministic target
# compiles them, wherever they live.
#
#   tests/determinism_guard.sh BUILD_DIR/determinism_graph.tsv
# Exit: 0 clean, 1 a violation (each printed), 2 usage or an unreadable graph.
set -u
graph=${1:?usage: determinism_guard.sh GRAPH_TSV (written by CMake into the build directory)}
[ -r "$graph" ] || { echo "determinism guard: cannot read $graph" >&2; exit 2; }

banned_link='^(CURL::.*|PkgConfig::HTTPLIB|SQLite::SQLite3|Threads::Threads|notion_sim_[a-z_]*_live|notion_sim_simulator_http|notion_sim::[a-z_]*_live|notion_sim::simulator_http)$'
banned_call='system_clock::now|steady_clock::now|high_resolution_clock::now|random_device|[^_a-zA-Z]rand\(|srand\(|std::[a-z_]+_distribution|time\(NULL\)|time\(nullptr\)|gettimeofday|clock_gettime'

status=0
targets=$(awk -F'\t' '$1 == "deterministic" {print $2}' "$graph")
[ -n "$targets" ] || { echo "determinism guard: no deterministic target in $graph" >&2; exit 2; }

# 1. Links.
while IFS=$'\t' read -r kind target dep; do
  [ "$kind" = links ] || continue
  [[ "$dep" =~ $banned_link ]] || continue
  if grep -qxF "$(printf 'allow\t%s\t%s' "$target" "$dep")" "$graph"; then continue; fi
  echo "deterministic target $target links $dep (a live dependency)"
  status=1
done < "$graph"

# 2. Sources and the headers of ours they include.
mapfile -t include_dirs < <(awk -F'\t' '$1 == "include_dir" {print $3}' "$graph" | sort -u)
declare -A seen=()
queue=()
while IFS=$'\t' read -r kind _ path; do
  [ "$kind" = source ] && queue+=("$path")
done < "$graph"
files=()
while [ ${#queue[@]} -gt 0 ]; do
  f=${queue[0]}
  queue=("${queue[@]:1}")
  [ -n "${seen[$f]:-}" ] && continue
  seen[$f]=1
  [ -r "$f" ] || { echo "determinism guard: cannot read $f" >&2; exit 2; }
  files+=("$f")
  # Quoted includes resolve next to the file or under an include directory of a deterministic
  # target; anything else (the standard library, third parties) is not ours.
  while IFS= read -r inc; do
    for dir in "$(dirname "$f")" "${include_dirs[@]}"; do
      if [ -r "$dir/$inc" ]; then
        queue+=("$(realpath "$dir/$inc")")
        break
      fi
    done
  done < <(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' "$f")
done
hits=$(grep -nHE "$banned_call" "${files[@]}" || true)
if [ -n "$hits" ]; then
  echo "Real time or real randomness in a deterministic target:"
  echo "$hits"
  status=1
fi
if [ $status -eq 0 ]; then
  echo "determinism guard: $(echo "$targets" | wc -l) deterministic targets link nothing live;" \
       "${#files[@]} of their sources and headers call no real clock or randomness"
fi
exit $status
