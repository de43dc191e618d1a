//! `pageviews cost`'s output kept byte for byte: representative runs against the files in
//! tests/cli/golden/cost/.

use assert_cmd::Command;
use std::path::Path;

use crate::harness::Env;

/// Representative runs whose output is checked byte for byte against tests/cli/golden/cost/:
/// a change to the cost code that alters a character of the output fails here. To change the
/// output on purpose, run `PAGEVIEWS_BLESS=1 cargo test --test cli cost_golden` and commit the
/// files with the reason.
const GOLDEN: [(&str, &[&str]); 10] = [
    ("default.txt", &[]),
    (
        "us-east-1-archive.txt",
        &[
            "--region",
            "us-east-1",
            "--views-per-day",
            "1000000",
            "--raw-retention-days",
            "30",
            "--archive",
            "s3",
        ],
    ),
    (
        "us-west-2-million.txt",
        &["--region", "us-west-2", "--views-per-day", "1000000"],
    ),
    (
        "eu-west-1-retention-90.json",
        &[
            "--region",
            "eu-west-1",
            "--retention-days",
            "90",
            "--format",
            "json",
        ],
    ),
    ("ap-southeast-1.txt", &["--region", "ap-southeast-1"]),
    (
        "given-prices.txt",
        &[
            "--timestream-tcu-hour-usd",
            "0.5",
            "--influxdb-instance-hour-usd",
            "0.3",
            "--influxdb-storage-gb-month-usd",
            "0.2",
        ],
    ),
    (
        "eventually-consistent-unpacked.txt",
        &["--eventually-consistent", "--events-per-message", "1"],
    ),
    (
        "given-sizes.txt",
        &[
            "--region",
            "us-west-2",
            "--views-per-day",
            "200000",
            "--pages",
            "500",
            "--report-days",
            "7",
            "--event-bytes",
            "2000",
            "--events-per-message",
            "1",
            "--shards",
            "2",
            "--drain-workers",
            "3",
            "--timestream-batch",
            "10",
            "--memory-store-hours",
            "48",
            "--timestream-query-seconds",
            "90",
            "--influxdb-instances",
            "2",
            "--influxdb-storage-gb",
            "20",
        ],
    ),
    (
        "lambda-drain.txt",
        &["--drain", "lambda", "--views-per-day", "1000000"],
    ),
    ("help.txt", &["--help"]),
];

/// `pageviews` as a user without any configuration runs it: the help shows environment values,
/// and clap wraps it at COLUMNS (100 without it).
fn unconfigured() -> Command {
    let mut cmd = Env::bare().cmd();
    cmd.env_remove("PAGEVIEWS_DATA_DIR")
        .env_remove("PAGEVIEWS_NAME")
        .env_remove("COLUMNS");
    cmd
}

/// Where `actual` departs from `expected`, shown as a diff shows it: two lines of context,
/// then the expected lines (-) and the actual ones (+) from the first difference.
fn difference(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let expected: Vec<&str> = expected.split_inclusive('\n').collect();
    let actual: Vec<&str> = actual.split_inclusive('\n').collect();
    let first = expected
        .iter()
        .zip(&actual)
        .position(|(e, a)| e != a)
        .unwrap_or(expected.len().min(actual.len()));
    let mut out = format!(
        "first difference at line {} ({} lines expected, {} got)\n",
        first + 1,
        expected.len(),
        actual.len()
    );
    for line in &expected[first.saturating_sub(2)..first] {
        out.push_str(&format!("  {line}"));
    }
    for (sign, lines) in [('-', &expected), ('+', &actual)] {
        for line in lines.iter().skip(first).take(4) {
            out.push_str(&format!("{sign} {}\n", line.trim_end_matches('\n')));
        }
    }
    Some(out)
}

#[test]
fn cost_golden_output_is_unchanged() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/golden/cost");
    let bless = std::env::var_os("PAGEVIEWS_BLESS").is_some();
    let mut failures = Vec::new();
    for (file, args) in GOLDEN {
        let output = unconfigured().arg("cost").args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "cost {args:?}: {stderr}");
        let actual = String::from_utf8(output.stdout).unwrap();
        let path = dir.join(file);
        if bless {
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(diff) = difference(&expected, &actual) {
            let command: String = args.iter().map(|arg| format!(" {arg}")).collect();
            failures.push(format!(
                "{} (pageviews cost{command}): {diff}",
                path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "the output differs from the golden files; if that is intended, run \
         `PAGEVIEWS_BLESS=1 cargo test --test cli cost_golden` and commit them with the reason\n\n{}",
        failures.join("\n")
    );
}
