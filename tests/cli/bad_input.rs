//! Bad command-line input: exit code 2 and a message that names the offending flag or value.

use crate::harness::Env;

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    let env = Env::new();
    let cases: &[(&[&str], &str)] = &[
        (&["send", "--day", "2021-02-30"], "--day"),
        (&["send", "--day", "13/03/2021"], "YYYY-MM-DD"),
        (&["send", "--count", "-5"], "--count"),
        (&["send", "--count", "0"], "--count"),
        (&["send", "--count", "lots"], "--count"),
        (&["send", "--pages", "0"], "--pages"),
        (
            &["send", "--from", "2021-03-14", "--to", "2021-03-13"],
            "--from 2021-03-14 is after --to",
        ),
        (&["send", "--from", "2021-03-14"], "--to"),
        (
            &["send", "--events-per-message", "0"],
            "--events-per-message",
        ),
        (
            &["send", "--input", "/no/such/file.ndjson"],
            "--input /no/such/file.ndjson",
        ),
        (&["send", "--skip-invalid"], "--input"),
        (
            &["drain", "--visibility-timeout", "0"],
            "--visibility-timeout",
        ),
        (&["drain", "--wait-seconds", "60"], "--wait-seconds"),
        (&["drain", "--workers", "0"], "--workers"),
        (&["drain", "--format", "yaml"], "--format"),
        (&["aggregate", "--day", "2021-13-01"], "--day"),
        (
            &["aggregate", "--from", "2021-03-14", "--to", "2021-03-01"],
            "--from 2021-03-14 is after --to",
        ),
        (
            &["aggregate", "--day", "2021-03-01", "--from", "2021-03-01"],
            "--day",
        ),
        (&["report", "--format", "xml"], "--format"),
        (&["report", "--top", "-1"], "--top"),
        (&["report", "--page", "pricing"], "--page"),
        (
            &["report", "--from", "2021-03-02", "--to", "2021-03-01"],
            "--from 2021-03-02 is after --to",
        ),
        (&["init", "--max-receives", "0"], "--max-receives"),
        (&["--name", "bad name", "status"], "--name"),
        (&["--backend", "s3", "status"], "--backend"),
        (&["status", "--format", "csv"], "--format"),
        (
            &["send", "--day", "2099-01-01"],
            "2099-01-01 is after today",
        ),
        (&["send", "--input", "/"], "it is a directory"),
        (&["collect"], "--allow-origin"),
        (
            &["collect", "--allow-origin", "example.com"],
            "--allow-origin \"example.com\"",
        ),
        (
            &["collect", "--allow-origin", "https://example.com/blog"],
            "--allow-origin",
        ),
        (
            &["collect", "--allow-any-origin", "--rate-limit", "0/s"],
            "--rate-limit",
        ),
        (
            &["collect", "--allow-any-origin", "--rate-limit", "10"],
            "--rate-limit",
        ),
        (
            &["collect", "--allow-any-origin", "--listen", "localhost"],
            "--listen",
        ),
        (
            &["collect", "--allow-any-origin", "--flush-interval", "0"],
            "--flush-interval",
        ),
        (
            &["collect", "--allow-any-origin", "--buffer", "-1"],
            "--buffer",
        ),
        (
            &["collect", "--allow-any-origin", "--trust-forwarded-for"],
            "--rate-limit",
        ),
        (
            &["collect", "--allow-any-origin", "--keep-query", ""],
            "--keep-query",
        ),
        (
            &["snippet", "--endpoint", "stats.example.com"],
            "--endpoint",
        ),
        (
            &["snippet", "--endpoint", "https://x.test/?a=1"],
            "--endpoint",
        ),
        (&["snippet"], "--endpoint"),
        (
            &["aggregate", "--day", "2099-01-01"],
            "2099-01-01 is in the future",
        ),
        (
            &["aggregate", "--from", "2000-01-01", "--to", "2020-01-01"],
            "at most 3660",
        ),
        (
            &["report", "--from", "0001-01-01", "--to", "2020-01-01"],
            "at most 3660",
        ),
        (&["init", "--shards", "0"], "--shards"),
        (&["init", "--retention-days", "-3"], "--retention-days"),
        (&["teardown"], "--yes"),
        (&["iam-policy"], "--role"),
        (&["iam-policy", "--role", "god"], "--role"),
        (
            &["iam-policy", "--role", "reader", "--account-id", "abc"],
            "--account-id",
        ),
        (&["cost", "--region", "mars-1"], "mars-1"),
        (&["cost", "--views-per-day", "-1"], "--views-per-day"),
        (&["cost", "--prices", "/no/such/prices.json"], "--prices"),
        (&["--aws-timeout", "0", "status"], "--aws-timeout"),
        (&["dlq"], "subcommand"),
        (&["dlq", "list", "--format", "xml"], "--format"),
        (&["dlq", "purge"], "--yes"),
        (&["completions", "tcsh"], "tcsh"),
        (&["frobnicate"], "frobnicate"),
    ];
    for (args, needle) in cases {
        let (code, stdout, stderr) = env.run(args);
        assert_eq!(code, 2, "pageviews {args:?}: {stderr}");
        assert!(
            stdout.is_empty(),
            "pageviews {args:?} printed data: {stdout}"
        );
        assert!(
            stderr.starts_with("error: ") && stderr.contains(needle),
            "pageviews {args:?}: the error should name {needle:?}: {stderr}"
        );
        assert_eq!(
            stderr.lines().count(),
            1,
            "pageviews {args:?}: one line: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
