//! `export` and `archive` to S3 (moto's server): the same files and bytes as in a folder;
//! an archive verified on S3 before the raw events go, reports unchanged, and the archived
//! files imported into a fresh deployment give the same reports.

use serde_json::Value;
use std::collections::BTreeMap;

use crate::harness::{aws_env, aws_settings, block_on, Env, Kind};
use crate::on_both_backends;

on_both_backends!(an_archive_on_s3_is_verified_then_the_raw_events_go);

fn days_ago(ago: i64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(ago)).to_string()
}

pub(crate) fn s3() -> aws_sdk_s3::Client {
    let settings = aws_settings();
    block_on(async {
        let aws = pageviews::backend::aws::Aws::new(settings);
        let s3 = aws_sdk_s3::config::Builder::from(aws.config().await.unwrap())
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(s3)
    })
}

/// Every object under `prefix`, by key relative to it, with its bytes.
pub(crate) fn objects(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> BTreeMap<String, Vec<u8>> {
    block_on(async {
        let listed = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .send()
            .await
            .unwrap();
        let mut found = BTreeMap::new();
        for object in listed.contents() {
            let key = object.key().unwrap();
            let body = client
                .get_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .unwrap();
            let bytes = body.body.collect().await.unwrap().into_bytes().to_vec();
            found.insert(key.strip_prefix(prefix).unwrap().to_owned(), bytes);
        }
        found
    })
}

fn files(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    for day in std::fs::read_dir(dir).unwrap() {
        for file in std::fs::read_dir(day.unwrap().path()).unwrap() {
            let file = file.unwrap().path();
            let name = file.strip_prefix(dir).unwrap().display().to_string();
            found.insert(name, std::fs::read(&file).unwrap());
        }
    }
    found
}

/// Runs with the S3 emulator's settings (the local backend too, for its destination).
fn run_s3(env: &Env, args: &[&str]) -> String {
    let output = env.cmd().envs(aws_env()).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn send(env: &Env, day: &str, count: u64, seed: u64) {
    let (count, seed) = (count.to_string(), seed.to_string());
    env.ok(&[
        "send",
        "--count",
        &count,
        "--day",
        day,
        "--seed",
        &seed,
        "--visitors",
        "20",
    ]);
    env.drain(&[]);
}

fn an_archive_on_s3_is_verified_then_the_raw_events_go(kind: Kind) {
    let client = s3();
    let bucket = format!("pv-{}", env_suffix(kind));
    block_on(client.create_bucket().bucket(&bucket).send()).unwrap();
    let env = Env::on(kind, &[]);
    let (first, second, pending) = (days_ago(30), days_ago(20), days_ago(10));
    send(&env, &first, 80, 1);
    send(&env, &second, 40, 2);
    env.ok(&["aggregate", "--from", &first, "--to", &second]);
    send(&env, &pending, 10, 3);
    let range = ["--from", first.as_str(), "--to", pending.as_str()];
    let report = env.report(&range);

    // An export to S3 writes what an export to a folder writes, byte for byte.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap();
    fn export<'a>(output: &'a str, range: &[&'a str]) -> Vec<&'a str> {
        [
            &["export", "--what", "events", "--output", output][..],
            range,
        ]
        .concat()
    }
    env.ok(&export(folder, &range));
    let s3_export = format!("s3://{bucket}/export/");
    run_s3(&env, &export(&s3_export, &range));
    let on_s3 = objects(&client, &bucket, "export/");
    assert_eq!(on_s3.len(), 6);
    assert_eq!(on_s3, files(dir.path()));

    let archive = [
        "archive",
        "--before",
        &days_ago(5),
        "--summary",
        "json",
        "--output",
    ];
    let output = format!("s3://{bucket}/archive");
    let archived: Value =
        serde_json::from_str(&run_s3(&env, &[&archive[..], &[output.as_str()]].concat())).unwrap();
    let days: Vec<(String, u64)> = archived["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["day"].as_str().unwrap().to_owned(),
                d["deleted"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [(first.clone(), 80), (second.clone(), 40)],
        "{archived}"
    );
    assert_eq!(archived["kept"][0]["reason"], "not-counted");
    assert_eq!(archived["kept"][0]["day"], pending.as_str());
    assert_eq!(
        env.report(&range),
        report,
        "reports read the daily rows, which stay"
    );
    let status: Value = serde_json::from_str(&env.ok(&["status", "--format", "json"])).unwrap();
    assert_eq!(status["oldest_raw_day"], pending.as_str());
    // Again: nothing left to archive.
    let again: Value =
        serde_json::from_str(&run_s3(&env, &[&archive[..], &[output.as_str()]].concat())).unwrap();
    assert_eq!(again["days"], serde_json::json!([]));

    // The archive brought back into a fresh deployment.
    let archived_files = objects(&client, &bucket, "archive/");
    assert_eq!(archived_files.len(), 4);
    let back = tempfile::tempdir().unwrap();
    let mut import = vec!["import".to_owned(), "--format".into(), "ndjson".into()];
    for (key, bytes) in &archived_files {
        let path = back.path().join(key.replace('/', "-"));
        std::fs::write(&path, bytes).unwrap();
        if key.ends_with(".gz") {
            import.push(path.display().to_string());
        }
    }
    let fresh = Env::on(kind, &[]);
    let import: Vec<&str> = import.iter().map(String::as_str).collect();
    fresh.ok(&import);
    fresh.drain(&[]);
    fresh.ok(&["aggregate", "--from", &first, "--to", &second]);
    let two_days = ["--from", first.as_str(), "--to", second.as_str()];
    assert_eq!(fresh.report(&two_days), env.report(&two_days));
}

fn env_suffix(kind: Kind) -> String {
    format!(
        "{}-{}-{}",
        match kind {
            Kind::Local => "local",
            Kind::Aws | Kind::Kinesis => "aws",
        },
        std::process::id(),
        rand_suffix()
    )
}

fn rand_suffix() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
}

/// A file larger than a part goes up as a multipart upload, appears whole only when finished,
/// and reads back byte for byte; an aborted one leaves nothing.
#[test]
fn large_files_are_multipart_uploads_that_appear_whole() {
    use pageviews::backend::aws::Aws;
    use pageviews::export::destination::{open, PART_BYTES};
    let client = s3();
    let bucket = format!("pv-multipart-{}", rand_suffix());
    block_on(client.create_bucket().bucket(&bucket).send()).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut noise = |len: usize| -> Vec<u8> {
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    };
    let parts = [noise(PART_BYTES), noise(PART_BYTES), noise(1234)];
    let whole: Vec<u8> = parts.concat();
    block_on(async {
        let dest = open(&format!("s3://{bucket}/big"), &Aws::new(aws_settings()))
            .await
            .unwrap();
        let mut upload = dest
            .create("day=2021-03-13/events.ndjson.gz")
            .await
            .unwrap();
        upload.part(parts[0].clone()).await.unwrap();
        upload.part(parts[1].clone()).await.unwrap();
        assert_eq!(
            dest.size("day=2021-03-13/events.ndjson.gz").await.unwrap(),
            None
        );
        upload.finish(parts[2].clone()).await.unwrap();
        let key = "day=2021-03-13/events.ndjson.gz";
        assert_eq!(dest.size(key).await.unwrap(), Some(whole.len() as u64));
        assert!(dest.read(key).await.unwrap().unwrap() == whole);
        let mut aborted = dest
            .create("day=2021-03-14/events.ndjson.gz")
            .await
            .unwrap();
        aborted.part(parts[0].clone()).await.unwrap();
        aborted.abort().await;
        assert_eq!(
            dest.size("day=2021-03-14/events.ndjson.gz").await.unwrap(),
            None
        );
        assert_eq!(dest.name(key), format!("s3://{bucket}/big/{key}"));
    });
    let missing = block_on(async {
        let dest = open("s3://no-such-bucket-pv/x", &Aws::new(aws_settings()))
            .await
            .unwrap();
        let upload = dest.create("a").await.unwrap();
        upload.finish(b"x".to_vec()).await.unwrap_err()
    });
    assert!(
        format!("{missing:#}").contains("bucket \"no-such-bucket-pv\" does not exist"),
        "{missing:#}"
    );
}
