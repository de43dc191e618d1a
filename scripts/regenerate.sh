#!/usr/bin/env bash
# Regenerates the committed files that are made from the code. Tests compare them (or, for the
# screenshot, make it) but never write them: a failing test names the step to run here.
#
#   scripts/regenerate.sh generated    completions/ and docs/pageviews.1, from the clap definitions
#   scripts/regenerate.sh screenshot   docs/report.png and docs/dashboard-*.png, in headless Chromium
#   scripts/regenerate.sh              both
#
# The cost command's golden outputs are insta snapshots: `cargo insta review` (README).
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-all}"
case "$what" in
  generated|screenshot|all) ;;
  *) echo "error: unknown target '$what': give generated, screenshot or nothing for both" >&2; exit 2 ;;
esac

if [ "$what" != screenshot ]; then
  cargo run --quiet --locked --example regenerate
fi
if [ "$what" != generated ]; then
  # The browser test takes the screenshot of the page it checks, into target/tmp.
  cargo test --quiet --locked --test cli \
    the_html_report_shows_the_deployments_numbers_in_chromium_and_asks_for_nothing
  cp target/tmp/report.png docs/report.png
  echo "wrote docs/report.png" >&2
  # The dashboard's browser test leaves the overview at 1280 and 390 px, light and dark.
  cargo test --quiet --locked --test cli \
    the_dashboard_works_in_chromium_and_asks_nothing_of_other_origins
  for shot in 1280-light 1280-dark 390-light 390-dark; do
    cp "target/tmp/dashboard-$shot.png" "docs/dashboard-$shot.png"
  done
  echo "wrote docs/dashboard-*.png" >&2
fi
