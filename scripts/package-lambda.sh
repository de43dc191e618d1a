#!/usr/bin/env bash
# Builds the Lambda package `pageviews deploy --package` takes: the pageviews binary, built for
# Linux on arm64 (Graviton) or x86_64, as `bootstrap` in a zip.
#
#   scripts/package-lambda.sh            # arm64 (the default of deploy --architecture)
#   scripts/package-lambda.sh x86_64
#
# Needs cargo-lambda (https://www.cargo-lambda.info), which brings zig to cross-compile:
#   pip install cargo-lambda             # or: brew install cargo-lambda/tap/cargo-lambda
# Writes target/lambda/pageviews/bootstrap.zip and prints its path.
set -euo pipefail

arch="${1:-arm64}"
case "$arch" in
  arm64) flag=--arm64 ;;
  x86_64) flag=--x86-64 ;;
  *) echo "error: unknown architecture '$arch': give arm64 or x86_64" >&2; exit 2 ;;
esac

if ! command -v cargo-lambda >/dev/null 2>&1; then
  echo "error: cargo-lambda is not installed: pip install cargo-lambda (see docs/serverless.md)" >&2
  exit 1
fi

cd "$(dirname "$0")/.."
cargo lambda build --release --locked "$flag" --bin pageviews --output-format zip >&2
package=target/lambda/pageviews/bootstrap.zip
test -f "$package" || { echo "error: cargo-lambda made no $package" >&2; exit 1; }
echo "$package"
