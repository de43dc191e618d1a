#!/usr/bin/env bash
# The whole pipeline on the local backend, with a few days of synthetic traffic of a site in
# Berlin: people who come back, referrers and campaigns. Prints what pageviews shows of it and
# where the HTML report is. Uses a fresh temporary data directory unless PAGEVIEWS_DATA_DIR is
# set; PAGEVIEWS_BIN runs a binary already built instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${PAGEVIEWS_BIN:-}" ]; then
  pageviews="$PAGEVIEWS_BIN"
elif [ "${PAGEVIEWS_DEMO_PROFILE:-release}" = debug ]; then
  # The test script reuses the debug build it just made.
  cargo build --locked --quiet
  pageviews=target/debug/pageviews
else
  cargo build --release --locked --quiet
  pageviews=target/release/pageviews
fi
export PAGEVIEWS_DATA_DIR="${PAGEVIEWS_DATA_DIR:-$(mktemp -d)}"
# Synthetic days in the past, in the site's own time zone; the seed makes every run the same.
zone=Europe/Berlin
from=2021-03-10
to=2021-03-13

# Each step prints the command it runs, so that the demo shows what to type.
run() {
  printf '\n$ pageviews %s\n' "$*"
  "$pageviews" "$@"
}

run init --time-zone "$zone" 2>&1
run send --count 40000 --visitors 6000 --breakdowns --pages 50 --seed 1 \
  --from "$from" --to "$to" 2>&1
run drain --wait-seconds 0.2 2>&1
run aggregate --from "$from" --to "$to" 2>&1
run report --day "$to" --top 10
run report --day "$to" --by referrer --top 5
run report --from "$from" --to "$to" --chart --top 5
run status
html="$PAGEVIEWS_DATA_DIR/report.html"
run report --from "$from" --to "$to" --format html --output "$html" 2>&1
cat <<NEXT

The HTML report of these four days: $html
The dashboard on this data: PAGEVIEWS_DATA_DIR=$PAGEVIEWS_DATA_DIR pageviews serve
  (then open http://127.0.0.1:8090 and pick 2021-03-10 to 2021-03-13).
Next: count your own site in three commands, README.md "Count your own site".
NEXT
