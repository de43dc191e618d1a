#!/usr/bin/env bash
# The whole test suite, as README.md documents it: formatting, lints, unit and integration tests,
# then the README's pipeline demo. Installs what the tests need on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# The drain tests signal processes with `kill`; Debian images usually have it (procps).
if ! command -v kill >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq procps
fi

# The AWS backend's tests run against moto's server mode (SQS and DynamoDB on loopback).
# A virtual environment of our own: system Pythons may refuse packages installed beside theirs.
if ! command -v moto_server >/dev/null 2>&1; then
  if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3-venv
  fi
  [ -x .venv-moto/bin/moto_server ] || {
    python3 -m venv .venv-moto
    .venv-moto/bin/pip install --quiet 'moto[server]==5.2.1'
  }
  export PATH="$PWD/.venv-moto/bin:$PATH"
fi

# The snippet's test drives Debian's headless Chromium through ChromeDriver. It must not be
# skipped quietly: when the packages cannot be installed, the suite stops here and says why.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium chromium-driver; }; then
    echo "error: cannot install Debian's chromium and chromium-driver, which the browser test" \
         "of the tracking snippet needs; install them and run again" >&2
    exit 1
  fi
fi

# Tests never ask for instance metadata (a link-local address) when a credential is missing.
export AWS_EC2_METADATA_DISABLED=true

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
# The library as the release binary has it: without the tests' `test-support` items.
cargo clippy --lib --bins --locked -- -D warnings
./scripts/dead-code.sh
cargo test --locked
# The demo on the debug build just made: the release build of the AWS SDK alone takes minutes.
PAGEVIEWS_DEMO_PROFILE=debug ./scripts/demo.sh
