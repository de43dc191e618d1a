//! `pageviews cost`'s output kept exactly: representative runs against insta snapshots in
//! tests/cli/golden/cost/.

use assert_cmd::Command;

use crate::harness::Env;

/// Representative runs whose output is compared with the snapshots in tests/cli/golden/cost/:
/// a change to the cost code that alters a character of the output fails here, showing the
/// difference. To change the output on purpose, review and accept the new snapshots
/// (`cargo insta review`, README "Development") and commit them with the reason.
const GOLDEN: [(&str, &[&str]); 10] = [
    ("default", &[]),
    (
        "us-east-1-archive",
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
        "us-west-2-million",
        &["--region", "us-west-2", "--views-per-day", "1000000"],
    ),
    (
        "eu-west-1-retention-90-json",
        &[
            "--region",
            "eu-west-1",
            "--retention-days",
            "90",
            "--format",
            "json",
        ],
    ),
    ("ap-southeast-1", &["--region", "ap-southeast-1"]),
    (
        "given-prices",
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
        "eventually-consistent-unpacked",
        &["--eventually-consistent", "--events-per-message", "1"],
    ),
    (
        "given-sizes",
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
        "lambda-drain",
        &["--drain", "lambda", "--views-per-day", "1000000"],
    ),
    ("help", &["--help"]),
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

/// insta's switches that write snapshots or pass without failing: a golden test here always
/// compares, and accepting new output is a step of its own (README, "Development").
fn refuse_switches_that_skip_the_comparison() {
    let update = std::env::var("INSTA_UPDATE").unwrap_or_default();
    let force = std::env::var_os("INSTA_FORCE_PASS").is_some();
    assert!(
        update != "always" && update != "unseen" && !force,
        "INSTA_UPDATE={update:?} / INSTA_FORCE_PASS would accept any output: run the test \
         without them, then review the .snap.new files it writes (`cargo insta review`)"
    );
}

#[test]
fn cost_golden_output_is_unchanged() {
    refuse_switches_that_skip_the_comparison();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("golden/cost");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for (name, args) in GOLDEN {
        let output = unconfigured().arg("cost").args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "cost {args:?}: {stderr}");
        let actual = String::from_utf8(output.stdout).unwrap();
        let command: String = args.iter().map(|arg| format!(" {arg}")).collect();
        settings.set_description(format!("pageviews cost{command}"));
        settings.bind(|| insta::assert_snapshot!(name, actual));
    }
}
