#!/usr/bin/env bash
# Runs one scenario twice with the same seed; the trace digests must match (DESIGN.md rule 5),
# and the run itself must pass (exit 0).
set -u
bin=${1:?}; scenario=${2:?}; out=${3:?}
rm -rf "$out"; mkdir -p "$out"
"$bin" run "$scenario" --out "$out/a" --quiet > "$out.a.txt" 2>&1; a=$?
"$bin" run "$scenario" --out "$out/b" --quiet > "$out.b.txt" 2>&1; b=$?
cat "$out.a.txt"
if [ $a -ne 0 ] || [ $b -ne 0 ]; then echo "run failed: exit $a / $b"; cat "$out.b.txt"; exit 1; fi
da=$(grep -o 'digest [0-9a-f]*' "$out.a.txt"); db=$(grep -o 'digest [0-9a-f]*' "$out.b.txt")
if [ -z "$da" ] || [ "$da" != "$db" ]; then
  echo "non-deterministic: '$da' vs '$db'"; exit 1
fi
echo "deterministic: $da twice"
