//! The committed completions and man page match what clap generates from the CLI definitions.
//! The tests only compare; regenerating the files is a step of its own:
//! `cargo run --example regenerate` (README, "Development").

use clap_complete::Shell;
use pageviews::cmd::completions::{file_name, man_page, script, SHELLS};
use std::path::Path;

/// Fails when the committed file at `path` is not `expected`, saying how to regenerate it.
fn check(path: &Path, expected: &[u8]) {
    let committed = std::fs::read(path).unwrap_or_default();
    assert!(
        committed == expected,
        "{} is stale (the CLI definitions changed): run `cargo run --example regenerate` and \
         commit it",
        path.display()
    );
}

#[test]
fn completions_are_fresh() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for shell in SHELLS {
        check(&dir.join(file_name(shell)), &script(shell));
    }
}

#[test]
fn man_page_is_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/pageviews.1");
    check(&path, &man_page().unwrap());
}

#[test]
fn completions_command_prints_the_committed_script() {
    let env = crate::harness::Env::bare();
    let stdout = env.ok(&["completions", "bash"]);
    assert_eq!(stdout.as_bytes(), script(Shell::Bash));
    assert!(stdout.contains("aggregate"));
}
