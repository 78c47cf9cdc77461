#!/usr/bin/env bash
# duckdag's benchmark harness: bench/run.sh [--lake A|B|tiny] [--reps N] [--rows N] [--files N]
#   [--years N] [--tables N] [--memory 1GB] [--threads 2] [--chain 1000] [--skip-rss]
#   [--rss-memory 512MB] [--rss-rows N] [--work DIR] [--sections full,nightly,queries,rss,engine] [--keep]
# Builds the jar if needed, compiles bench/*.java against it, and prints a Markdown report (also
# written to <work>/results-<lake>.md). See docs/BENCHMARKS.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/duckdag" --version >/dev/null            # builds target/duckdag.jar when missing or stale
classes="$here/target/bench-classes"
mkdir -p "$classes"
javac -d "$classes" -cp "$here/target/duckdag.jar" "$here/bench/Bench.java" "$here/bench/Script.java"
exec java -cp "$here/target/duckdag.jar:$classes" Bench --jar "$here/target/duckdag.jar" --classes "$classes" "$@"
