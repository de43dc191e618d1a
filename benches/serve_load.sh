#!/usr/bin/env bash
# Load on the dashboard (`pageviews serve`, local backend): the overview of a 90-day range of
# 10,000 pages with every breakdown, asked for by 20 clients at once (wrk), its latency
# percentiles and the server's peak memory (VmHWM). Recorded in docs/performance.md.
#
#   benches/serve_load.sh                  # the release binary; makes the data on first use
#   PAGEVIEWS_BIN=path benches/serve_load.sh
#
# Settings: SERVE_BENCH_DIR (the data directory, kept between runs: default
# /tmp/pageviews-serve-bench), SERVE_BENCH_VIEWS_PER_DAY (default 100000),
# SERVE_BENCH_SECONDS (default 30), SERVE_BENCH_CLIENTS (default 20). Needs wrk.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${PAGEVIEWS_BIN:-target/release/pageviews}"
dir="${SERVE_BENCH_DIR:-/tmp/pageviews-serve-bench}"
per_day="${SERVE_BENCH_VIEWS_PER_DAY:-100000}"
seconds="${SERVE_BENCH_SECONDS:-30}"
clients="${SERVE_BENCH_CLIENTS:-20}"
first=2026-09-01
last=2026-11-29 # 90 days

command -v wrk >/dev/null || { echo "error: wrk is missing: apt-get install wrk" >&2; exit 2; }
[ -x "$bin" ] || { echo "error: no binary at $bin: cargo build --release, or set PAGEVIEWS_BIN" >&2; exit 2; }
export PAGEVIEWS_DATA_DIR="$dir"

if [ ! -e "$dir/pageviews.sqlite3" ]; then
  echo "making 90 days of $per_day views on 10,000 pages in $dir" >&2
  "$bin" init >/dev/null
  for i in $(seq 0 89); do
    day=$(date -u -d "$first + $i days" +%F)
    "$bin" send --count "$per_day" --day "$day" --pages 10000 --visitors $((per_day / 5)) \
      --breakdowns --seed "$i" >/dev/null
  done
  "$bin" drain --wait-seconds 0 --idle-polls 1 >/dev/null
  "$bin" aggregate --from "$first" --to "$last" >/dev/null
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
url="http://127.0.0.1:$port/?from=$first&to=$last"
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
  sleep 0.1
done
# The first overview reads the range (serve keeps it while its days are unchanged): timed on its
# own, since wrk then measures the answers from what is kept.
cold=$(curl -fsS -o /dev/null -w '%{time_total}' "$url") || { echo "error: serve did not answer $url" >&2; exit 1; }
echo "first overview (reading the range): ${cold} s"

echo "overview of $first to $last, $clients clients, ${seconds} s"
wrk -t2 -c"$clients" -d"${seconds}s" --latency "$url" | sed -n '/Latency Distribution/,/Requests\/sec/p'
echo "serve's peak memory: $(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$server/status")"
