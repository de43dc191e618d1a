//! `import s3://BUCKET/PREFIX` against moto's S3: the objects under the prefix, gzipped or
//! plain, read once; a second run reads only what is new or replaced, a replaced object's
//! lines count once, a late object's day is counted again; `--follow` reads objects as they
//! arrive; a 503 SlowDown while listing or reading is retried; a missing bucket is refused.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write as _;

use crate::fault_proxy::{self, Action, Rule};
use crate::harness::{aws_env, block_on, Env, Kind};
use crate::log_formats::drained_until;
use crate::logs::{combined, json_of, CHROME, FIREFOX, SAFARI};
use crate::on_both_backends;

on_both_backends!(objects_added_between_runs_are_read_once_and_late_days_counted_again);

const DAY: &str = "2021-03-13";

/// A bucket of its own for each test.
fn bucket(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let bucket = format!("pv-{test}-{}-{nanos}", std::process::id());
    let client = crate::archive::s3();
    block_on(client.create_bucket().bucket(&bucket).send()).unwrap();
    bucket
}

fn put(bucket: &str, key: &str, body: Vec<u8>) {
    let client = crate::archive::s3();
    block_on(
        client
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(body.into())
            .send(),
    )
    .unwrap();
}

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

/// A combined line of the test day at `time` (`HH:MM`).
fn at(time: &str, request: &str, status: u16, agent: &str) -> String {
    combined(
        "203.0.113.9",
        &format!("13/Mar/2021:{time}:00 +0000"),
        request,
        status,
        "-",
        agent,
    )
}

fn log(lines: &[String]) -> String {
    lines.join("\n") + "\n"
}

/// Two views and an asset.
fn first_object() -> String {
    log(&[
        at("10:00", "GET /a HTTP/1.1", 200, FIREFOX),
        at("10:05", "GET /b HTTP/2.0", 200, SAFARI),
        at("10:05", "GET /app.css HTTP/2.0", 200, SAFARI),
    ])
}

/// Two views and a 404; replaced later by the same lines and one more view.
fn second_object(longer: bool) -> String {
    let mut lines = vec![
        at("11:00", "GET /a HTTP/1.1", 200, CHROME),
        at("11:10", "GET /c HTTP/1.1", 200, FIREFOX),
        at("11:15", "GET /missing HTTP/1.1", 404, FIREFOX),
    ];
    if longer {
        lines.push(at("11:20", "GET /c HTTP/1.1", 200, CHROME));
    }
    log(&lines)
}

/// Runs `pageviews` with the emulator's AWS settings (S3 on either backend).
fn run(env: &Env, args: &[&str]) -> (i32, String, String) {
    let output = env.cmd().envs(aws_env()).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

fn import(env: &Env, location: &str) -> Value {
    let args = [
        "import",
        "--summary",
        "json",
        "--format",
        "combined",
        location,
    ];
    let (code, stdout, stderr) = run(env, &args);
    assert_eq!(code, 0, "{stderr}");
    json_of(&stdout)
}

/// (files, lines, views) of an import's summary.
fn read(summary: &Value) -> (u64, u64, u64) {
    let number = |name: &str| summary[name].as_u64().unwrap();
    (number("files"), number("lines"), number("views"))
}

fn pages(env: &Env) -> BTreeMap<String, u64> {
    env.report(&["--day", DAY])
        .into_iter()
        .map(|row| (row.page, row.views))
        .collect()
}

fn expected(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs
        .iter()
        .map(|(page, views)| ((*page).to_owned(), *views))
        .collect()
}

fn objects_added_between_runs_are_read_once_and_late_days_counted_again(kind: Kind) {
    let env = Env::on(kind, &[]);
    let bucket = bucket(&format!("cron-{kind:?}").to_lowercase());
    let location = format!("s3://{bucket}/cf/");
    put(&bucket, "cf/E2.2021-03-13-10.a.gz", gzip(&first_object()));
    put(
        &bucket,
        "cf/E2.2021-03-13-11.b",
        second_object(false).into_bytes(),
    );
    // Outside the prefix: never read.
    let outside = log(&[at("10:30", "GET /outside HTTP/1.1", 200, FIREFOX)]);
    put(&bucket, "other/E2.2021-03-13-10.x", outside.into_bytes());

    let summary = import(&env, &location);
    assert_eq!(read(&summary), (2, 6, 4), "{summary}");
    assert_eq!(summary["skipped"], json!({"asset": 1, "status": 1}));
    env.drain(&[]);
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(pages(&env), expected(&[("/a", 2), ("/b", 1), ("/c", 1)]));

    // Nothing new: nothing read (as a run from cron finds it).
    assert_eq!(read(&import(&env, &location)), (0, 0, 0));

    // A late object of the same day, and the second one replaced by a longer one.
    let late = log(&[
        at("23:50", "GET /a HTTP/1.1", 200, SAFARI),
        at("12:00", "GET /d HTTP/1.1", 200, CHROME),
    ]);
    put(&bucket, "cf/E2.2021-03-13-12.c.gz", gzip(&late));
    put(
        &bucket,
        "cf/E2.2021-03-13-11.b",
        second_object(true).into_bytes(),
    );
    let summary = import(&env, &location);
    // Read again whole: the replaced object's 4 lines (3 views), the new one's 2 views.
    assert_eq!(read(&summary), (2, 6, 5), "{summary}");
    env.drain(&[]);
    assert_eq!(env.status().pending_days, [DAY]);
    env.ok(&["aggregate", "--pending"]);
    // The replaced object's first two views count once; three views are new.
    assert_eq!(
        pages(&env),
        expected(&[("/a", 3), ("/b", 1), ("/c", 2), ("/d", 1)])
    );
    if env.is_local() {
        // DynamoDB's per-day counter counts every write, a rewritten item too.
        assert_eq!(env.status().events_stored, 7);
    }
    assert_eq!(read(&import(&env, &location)), (0, 0, 0));
}

#[test]
fn follow_reads_objects_as_they_arrive_until_stopped() {
    let env = Env::new();
    let bucket = bucket("follow");
    put(&bucket, "alb/1.log.gz", gzip(&first_object()));
    let location = format!("s3://{bucket}/alb/");
    let vars: Vec<(&str, String)> = aws_env().to_vec();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let child = env.spawn_with(
        &[
            "import",
            "--format",
            "combined",
            "--follow",
            "--poll-seconds",
            "1",
            "--summary",
            "json",
            &location,
        ],
        &vars,
    );
    let mut drained = 0;
    drained_until(&env, 2, &mut drained);
    put(&bucket, "alb/2.log", second_object(false).into_bytes());
    drained_until(&env, 4, &mut drained);
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let summary = json_of(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(read(&summary), (2, 6, 4), "{summary}");
    // Both objects are remembered: a run after it reads nothing.
    assert_eq!(read(&import(&env, &location)), (0, 0, 0));
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(pages(&env), expected(&[("/a", 2), ("/b", 1), ("/c", 1)]));
}

/// 503 SlowDown, S3's answer under load.
fn slow_down(operation: &'static str, skip: u32) -> Rule {
    Rule {
        operation,
        action: Action::Refuse {
            status: 503,
            code: "SlowDown",
            message: "Please reduce your request rate.",
        },
        skip,
        times: 1,
    }
}

#[test]
fn s3_slowing_down_a_listing_and_a_read_is_retried() {
    let env = Env::new();
    let bucket = bucket("slowdown");
    put(&bucket, "cf/1.gz", gzip(&first_object()));
    put(&bucket, "cf/2", second_object(false).into_bytes());
    // The first listing, and the second object's first read.
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![slow_down("ListObjectsV2", 0), slow_down("GetObject", 1)],
    );
    let location = format!("s3://{bucket}/cf/");
    let output = env
        .cmd()
        .envs(aws_env())
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .args([
            "import",
            "--summary",
            "json",
            "--format",
            "combined",
            &location,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let summary = json_of(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(read(&summary), (2, 6, 4), "{summary}");
    assert_eq!(proxy.calls("ListObjectsV2"), 2);
    assert_eq!(proxy.calls("GetObject"), 3);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(pages(&env), expected(&[("/a", 2), ("/b", 1), ("/c", 1)]));
}

#[test]
fn a_bucket_that_is_not_there_is_refused_with_one_line() {
    let env = Env::new();
    let location = format!("s3://pv-not-there-{}/logs/", std::process::id());
    let (code, stdout, stderr) = run(&env, &["import", "--format", "cloudfront", &location]);
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("does not exist"), "{stderr}");
    let (code, _, stderr) = run(&env, &["import", "--format", "alb", "s3://No_Such/x"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("names no valid bucket"), "{stderr}");
    assert_eq!(env.status().queue.visible, 0, "nothing was queued");
}
