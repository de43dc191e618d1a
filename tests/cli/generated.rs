//! The committed completions and man page match the CLI definitions. Regenerate them with
//! `PAGEVIEWS_BLESS=1 cargo test --test cli generated`.

use clap_complete::Shell;
use pageviews::cmd::completions::{file_name, man_page, script};
use std::path::Path;

fn check(path: &Path, expected: &[u8]) {
    if std::env::var_os("PAGEVIEWS_BLESS").is_some() {
        std::fs::write(path, expected).expect("writes the generated file");
        return;
    }
    let committed = std::fs::read(path).unwrap_or_default();
    assert!(
        committed == expected,
        "{} is stale: run `PAGEVIEWS_BLESS=1 cargo test --test cli generated` and commit it",
        path.display()
    );
}

#[test]
fn completions_are_fresh() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
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
