#!/usr/bin/env bash
# Fails on code the release binary never reaches. The library's modules are public (tests and
# benchmarks reach them), so rustc's dead-code lint cannot see what only tests call. This checks
# a copy in which the modules are private and the binary's `main` is the library's one public
# item, without the `test-support` feature: whatever is then unused is dead, or test-only code
# that belongs behind `#[cfg(test)]` or `#[cfg(feature = "test-support")]`.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
copy="$(mktemp -d)"
trap 'rm -rf "$copy"' EXIT

git ls-files -z --cached --others --exclude-standard | tar -c --null -T - -f - | tar -x -C "$copy"
cd "$copy"
# Modules private; main.rs becomes the module `entry`, its `main` the one public function.
sed -i -E 's/^pub mod ([a-z_]+);/mod \1;/' src/lib.rs
sed -e 's/pageviews::/crate::/g' -e 's/^fn main()/pub fn main()/' -e '/^#!\[forbid/d' \
  src/main.rs > src/entry.rs
echo 'pub mod entry;' >> src/lib.rs
# Every item is unreachable from outside now, which is the point: that lint is not the question.
sed -i '/^unreachable_pub = /d' Cargo.toml

log="$copy/check.log"
CARGO_TARGET_DIR="$root/target/dead-code" cargo check --lib --locked --quiet \
  --message-format short 2>"$log" || true
if grep -E "never (used|read|constructed)|is never|unused" "$log"; then
  echo "error: the lines above name code the release binary never reaches; delete it, or mark" \
       "what only tests use with #[cfg(test)] or #[cfg(any(test, feature = \"test-support\"))]" >&2
  exit 1
fi
if grep -E "^(error|.*: error)" "$log"; then
  echo "error: the dead-code check could not build its copy of the library (above)" >&2
  exit 1
fi
echo "dead-code check: nothing the binary never reaches"
