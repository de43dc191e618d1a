//! The AWS backend's configuration errors, dry run, teardown and IAM policies.

use crate::harness::{Env, Kind};
use std::time::{Duration, Instant};

/// A command on the AWS backend with no AWS configuration at all, and no instance metadata.
fn unconfigured(env: &Env) -> std::process::Command {
    let mut cmd = env.std_cmd();
    for key in [
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL",
    ] {
        cmd.env_remove(key);
    }
    let empty = env.write("empty-aws-file", "");
    cmd.env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

fn run(mut cmd: std::process::Command, args: &[&str]) -> (i32, String) {
    let output = cmd.args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_missing_region_is_one_line_saying_what_to_set() {
    let env = Env::bare_on(Kind::Aws);
    let (code, stderr) = run(unconfigured(&env), &["status"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no AWS region: pass --region, set AWS_REGION"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn missing_credentials_are_one_line_saying_what_to_set() {
    let env = Env::bare_on(Kind::Aws);
    let (code, stderr) = run(unconfigured(&env), &["--region", "eu-west-1", "status"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no usable AWS credentials"), "{stderr}");
    assert!(stderr.contains("AWS_ACCESS_KEY_ID"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn an_unreachable_endpoint_fails_fast_with_a_clear_message() {
    let env = Env::bare_on(Kind::Aws);
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let (code, stderr) = run(
        env.std_cmd(),
        &[
            "--endpoint-url",
            &format!("http://127.0.0.1:{port}"),
            "status",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cannot reach the AWS endpoint"), "{stderr}");
    assert!(stderr.contains("--endpoint-url"), "{stderr}");
    // Generous: it gives up after the SDK's and our retries, not after a hang.
    assert!(started.elapsed() < Duration::from_secs(120));
}

#[test]
fn dry_run_creates_nothing_and_teardown_deletes_everything() {
    let env = Env::bare_on(Kind::Aws);
    let (code, _, stderr) = env.run(&["init", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.matches("would create").count(), 5, "{stderr}");
    assert!(stderr.contains("dead-letter queue"), "{stderr}");
    assert!(stderr.contains("after 5 receives"), "{stderr}");
    let (code, _, stderr) = env.run(&["status"]);
    assert_eq!(code, 1, "still nothing there: {stderr}");

    env.ok(&["init"]);
    env.ok(&["send", "--count", "10", "--day", "2021-03-13"]);
    let (code, _, stderr) = env.run(&["teardown"]);
    assert_eq!(code, 2, "{stderr}");
    let (_, _, stderr) = env.run(&["teardown", "--yes"]);
    assert_eq!(stderr.matches("deleted").count(), 4, "{stderr}");
    let (code, _, stderr) = env.run(&["status"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("run `pageviews init` first"), "{stderr}");
}

#[test]
fn iam_policies_name_only_the_deployments_resources() {
    let env = Env::bare();
    let policy = env.ok(&[
        "--name",
        "shop",
        "--region",
        "us-west-2",
        "iam-policy",
        "--role",
        "drainer",
        "--account-id",
        "123456789012",
    ]);
    let policy: serde_json::Value = serde_json::from_str(&policy).unwrap();
    let text = policy.to_string();
    assert_eq!(policy["Version"], "2012-10-17");
    assert!(
        text.contains("arn:aws:sqs:us-west-2:123456789012:shop-events"),
        "{text}"
    );
    assert!(
        text.contains("arn:aws:dynamodb:us-west-2:123456789012:table/shop-events"),
        "{text}"
    );
    assert!(text.contains("dynamodb:BatchWriteItem"));
    assert!(!text.contains("CreateTable"));
    let (code, _, stderr) = env.run(&["iam-policy", "--role", "drainer", "--account-id", "12"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--account-id"), "{stderr}");
}

#[test]
fn cost_from_usage_reads_the_aws_deployment() {
    let env = Env::on(Kind::Aws, &[]);
    env.ok(&[
        "send",
        "--count",
        "300",
        "--day",
        "2021-03-13",
        "--pages",
        "4",
        "--seed",
        "2",
    ]);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let estimate: serde_json::Value =
        serde_json::from_str(&env.ok(&["cost", "--from-usage", "--format", "json"])).unwrap();
    assert_eq!(estimate["inputs"]["views_per_day"], 300);
    assert_eq!(estimate["inputs"]["pages"], 4);
    assert_eq!(estimate["region"], "us-east-1");
}
