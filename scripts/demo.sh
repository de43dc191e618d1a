#!/usr/bin/env bash
# Builds pageviews and runs the whole pipeline on the local backend, then prints a report.
# Uses a fresh temporary data directory unless PAGEVIEWS_DATA_DIR is set.
set -euo pipefail
cd "$(dirname "$0")/.."

# PAGEVIEWS_DEMO_PROFILE=debug reuses a debug build (as the test script does).
if [ "${PAGEVIEWS_DEMO_PROFILE:-release}" = debug ]; then
  cargo build --locked --quiet
  pageviews=target/debug/pageviews
else
  cargo build --release --locked --quiet
  pageviews=target/release/pageviews
fi
export PAGEVIEWS_DATA_DIR="${PAGEVIEWS_DATA_DIR:-$(mktemp -d)}"
echo "data directory: $PAGEVIEWS_DATA_DIR" >&2

"$pageviews" init
"$pageviews" send --count 100000 --day 2021-03-13 --pages 50 --seed 1
"$pageviews" drain --wait-seconds 0.2
"$pageviews" aggregate --day 2021-03-13
"$pageviews" report --day 2021-03-13 --top 10
"$pageviews" status
