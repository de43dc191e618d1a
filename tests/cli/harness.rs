//! Test harness: each test gets its own data directory and deployment name, and helpers that
//! run the binary and read its JSON output.

use assert_cmd::Command;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

/// Which backend a test deployment lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Local,
    Aws,
    /// The AWS backend with a Kinesis data stream as its queue (`init --queue kinesis`).
    Kinesis,
}

impl Kind {
    /// Whether the deployment is on AWS (SQS or a Kinesis stream).
    pub(crate) fn is_aws(self) -> bool {
        matches!(self, Kind::Aws | Kind::Kinesis)
    }
}

/// A deployment of its own for one test.
pub(crate) struct Env {
    dir: tempfile::TempDir,
    pub name: String,
    pub kind: Kind,
}

/// Deployment names unique within this test run, and across runs sharing one moto server.
fn unique_name() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("t{}-{n}", std::process::id())
}

#[derive(Debug, Deserialize, PartialEq, Eq, Clone)]
pub(crate) struct Row {
    pub day: String,
    pub page: String,
    pub views: u64,
    pub visitors: u64,
    pub hours: Vec<u64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct QueueStats {
    pub visible: u64,
    pub in_flight: u64,
    pub dead_letters: u64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct UnfinishedWrite {
    pub day: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Status {
    pub time_zone: String,
    pub queue: QueueStats,
    pub events_stored: u64,
    pub days_aggregated: u64,
    pub pending_days: Vec<String>,
    pub unfinished_writes: Vec<UnfinishedWrite>,
    pub last_day: Option<LastDay>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
pub(crate) struct LastDay {
    pub day: String,
    pub views: u64,
    pub visitors: u64,
    pub keyless_views: u64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DrainSummary {
    pub messages: u64,
    pub messages_deleted: u64,
    pub events_written: u64,
    pub duplicates: Option<u64>,
}

impl Env {
    /// A fresh, un-initialised local deployment.
    pub(crate) fn bare() -> Self {
        Env::bare_on(Kind::Local)
    }

    pub(crate) fn bare_on(kind: Kind) -> Self {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            name: unique_name(),
            kind,
        }
    }

    /// An un-initialised deployment of `kind` under a name of the test's choosing.
    pub(crate) fn bare_named(kind: Kind, name: &str) -> Self {
        Env {
            name: name.to_owned(),
            ..Env::bare_on(kind)
        }
    }

    /// A fresh local deployment after `init` (visibility timeout 30 s, max receives 5).
    pub(crate) fn new() -> Self {
        Env::on(Kind::Local, &[])
    }

    /// A fresh deployment of `kind` after `init` with `init_args` (on AWS with 2 shards unless
    /// given, since moto is slow, and a 30 s visibility timeout unless given).
    pub(crate) fn on(kind: Kind, init_args: &[&str]) -> Self {
        let env = Env::bare_on(kind);
        let mut args = vec!["init"];
        if kind == Kind::Kinesis {
            // One shard: a receive brings what the scenarios expect of it (all that is
            // queued, up to a group); tests/cli/kinesis.rs reads several shards.
            args.extend(["--queue", "kinesis", "--stream-shards", "1"]);
        }
        if kind.is_aws() {
            if !init_args.contains(&"--shards") {
                args.extend(["--shards", "2"]);
            }
            if !init_args.contains(&"--visibility-timeout") {
                args.extend(["--visibility-timeout", "30"]);
            }
        }
        args.extend_from_slice(init_args);
        env.ok(&args);
        env
    }

    pub(crate) fn is_local(&self) -> bool {
        self.kind == Kind::Local
    }

    /// `local` on the local backend, `aws` on moto (which gets slow with volume).
    pub(crate) fn scale(&self, local: u64, aws: u64) -> u64 {
        match self.kind {
            Kind::Local => local,
            Kind::Aws | Kind::Kinesis => aws,
        }
    }

    /// Opens the deployment in-process, for scripted faults and direct inspection.
    pub(crate) async fn open_backend(&self) -> pageviews::backend::Backend {
        match self.kind {
            Kind::Local => pageviews::backend::local::open(self.data_dir(), &self.name).unwrap(),
            Kind::Aws | Kind::Kinesis => pageviews::backend::aws::open(&aws_settings(), &self.name)
                .await
                .unwrap(),
        }
    }

    pub(crate) fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The configuration directory the binary sees (where `import` keeps its key).
    pub(crate) fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// The binary with this deployment's settings and nothing from the caller's environment.
    pub(crate) fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("pageviews"));
        for (key, _) in std::env::vars() {
            if key.starts_with("PAGEVIEWS_") || key.starts_with("AWS_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("PAGEVIEWS_DATA_DIR", self.data_dir())
            .env("PAGEVIEWS_NAME", &self.name)
            // The import key's default file is under the configuration directory: the test's.
            .env("XDG_CONFIG_HOME", self.config_dir())
            .env("NO_COLOR", "1")
            // Never look for instance metadata (a link-local address) from a test.
            .env("AWS_EC2_METADATA_DISABLED", "true");
        if self.kind.is_aws() {
            cmd.env("PAGEVIEWS_BACKEND", "aws");
            for (key, value) in aws_env() {
                cmd.env(key, value);
            }
        }
        cmd
    }

    pub(crate) fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// Runs and asserts success; returns stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let output = self.cmd().args(args).output().expect("runs");
        assert!(
            output.status.success(),
            "pageviews {args:?} failed ({:?}):\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("stdout is UTF-8")
    }

    /// Runs and returns (exit code, stdout, stderr).
    pub(crate) fn run(&self, args: &[&str]) -> (i32, String, String) {
        let output = self.cmd().args(args).output().expect("runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Starts the binary in the background.
    pub(crate) fn spawn(&self, args: &[&str]) -> Child {
        self.spawn_with(args, &[])
    }

    /// Starts the binary in the background with extra environment variables.
    pub(crate) fn spawn_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Child {
        self.std_cmd()
            .envs(vars.iter().copied())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawns")
    }

    pub(crate) fn write(&self, file: &str, content: &str) -> PathBuf {
        let path = self.data_dir().join(file);
        std::fs::write(&path, content).expect("writes");
        path
    }

    pub(crate) fn drain(&self, extra: &[&str]) -> DrainSummary {
        let mut args = vec!["drain", "--format", "json", "--wait-seconds", "0.2"];
        args.extend_from_slice(extra);
        serde_json::from_str(&self.ok(&args)).expect("drain summary is JSON")
    }

    pub(crate) fn status(&self) -> Status {
        serde_json::from_str(&self.ok(&["status", "--format", "json"])).expect("status is JSON")
    }

    pub(crate) fn report(&self, range: &[&str]) -> Vec<Row> {
        let mut args = vec!["report", "--format", "json"];
        args.extend_from_slice(range);
        serde_json::from_str(&self.ok(&args)).expect("report is JSON")
    }

    /// Views per (day, page) from the JSON report.
    pub(crate) fn views(&self, range: &[&str]) -> BTreeMap<(String, String), u64> {
        self.report(range)
            .into_iter()
            .map(|row| ((row.day, row.page), row.views))
            .collect()
    }

    pub(crate) fn total(&self, range: &[&str]) -> u64 {
        self.report(range).iter().map(|row| row.views).sum()
    }
}

/// Runs each named scenario `fn(Kind)` twice: as `local_backend::name` against SQLite and as
/// `aws_backend::name` against moto's SQS and DynamoDB.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod local_backend {
            $( #[test] fn $name() { super::$name($crate::harness::Kind::Local) } )*
        }
        mod aws_backend {
            $( #[test] fn $name() { super::$name($crate::harness::Kind::Aws) } )*
        }
    };
}

/// Runs each named scenario `fn(Kind)` three times: on SQLite, on moto's SQS and DynamoDB,
/// and on moto's Kinesis and DynamoDB (`kinesis_stream::name`).
#[macro_export]
macro_rules! on_every_queue {
    ($($name:ident),* $(,)?) => {
        $crate::on_both_backends!($($name),*);
        mod kinesis_stream {
            $( #[test] fn $name() { super::$name($crate::harness::Kind::Kinesis) } )*
        }
    };
}

/// How often a wait looks again.
const POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// Waits until `done` holds, looking every 50 ms; fails naming `what` after `limit`. Tests
/// wait for a condition, never for a fixed time that a slow machine may overrun.
pub(crate) fn wait_until(what: &str, limit: std::time::Duration, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "waited {limit:?} for {what}"
        );
        std::thread::sleep(POLL);
    }
}

/// [`wait_until`] for async conditions (in-process backends).
pub(crate) async fn wait_until_async<F, Done>(what: &str, limit: std::time::Duration, mut done: F)
where
    F: FnMut() -> Done,
    Done: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + limit;
    while !done().await {
        assert!(
            std::time::Instant::now() < deadline,
            "waited {limit:?} for {what}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until `visible` messages are visible on the queue again: their visibility timeout
/// has passed and the next receive gets them.
pub(crate) async fn visible_again(backend: &pageviews::backend::Backend, visible: u64) {
    let what = format!("{visible} messages visible again");
    wait_until_async(&what, std::time::Duration::from_secs(60), || async {
        backend.queue.stats().await.expect("queue counts").visible >= visible
    })
    .await;
}

/// Today in UTC, the day a view stamped with the clock falls on. A test takes it before it
/// sends such views and reads [`days_since`] it afterwards, so that a run across midnight
/// still finds its views.
pub(crate) fn utc_today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `--from FIRST --to TODAY` (UTC, as of now): every day views sent since `first` are on.
pub(crate) fn days_since(first: chrono::NaiveDate) -> [String; 4] {
    [
        "--from".into(),
        first.to_string(),
        "--to".into(),
        utc_today().to_string(),
    ]
}

/// Runs a future to completion on a fresh runtime (scenarios are plain functions).
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// The environment that points the AWS SDK at the test moto server.
pub(crate) fn aws_env() -> [(&'static str, String); 4] {
    [
        ("AWS_ENDPOINT_URL", crate::moto::endpoint().to_owned()),
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ]
}

/// The same settings for in-process use, with the emulator's credentials given directly (the
/// test process's environment is never changed while tests run).
pub(crate) fn aws_settings() -> pageviews::backend::aws::AwsSettings {
    pageviews::backend::aws::AwsSettings {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url: Some(crate::moto::endpoint().to_owned()),
        attempt_timeout: std::time::Duration::from_secs(15),
        credentials: Some(aws_sdk_sqs::config::Credentials::new(
            "test", "test", None, None, "tests",
        )),
    }
}

/// The dead-letter queue's messages as (reason, body), oldest first. Locally read from the
/// database; on AWS received from the dead-letter queue (and so consumed).
pub(crate) async fn dead_letters(env: &Env) -> Vec<(String, Vec<u8>)> {
    match env.kind {
        Kind::Local => {
            let path = pageviews::backend::local::database_path(env.data_dir(), &env.name);
            let db = rusqlite::Connection::open(path).unwrap();
            let mut select = db
                .prepare("SELECT reason, body FROM dead_letters ORDER BY seq")
                .unwrap();
            let rows = select
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            rows
        }
        Kind::Aws | Kind::Kinesis => {
            let clients = pageviews::backend::aws::connect(&aws_settings())
                .await
                .unwrap();
            let url = clients
                .sqs
                .get_queue_url()
                .queue_name(format!("{}-events-dlq", env.name))
                .send()
                .await
                .unwrap()
                .queue_url
                .unwrap();
            let mut letters = Vec::new();
            loop {
                let received = clients
                    .sqs
                    .receive_message()
                    .queue_url(&url)
                    .max_number_of_messages(10)
                    .message_attribute_names("All")
                    .visibility_timeout(600)
                    .send()
                    .await
                    .unwrap();
                let messages = received.messages.unwrap_or_default();
                if messages.is_empty() {
                    return letters;
                }
                for message in messages {
                    let reason = message
                        .message_attributes
                        .as_ref()
                        .and_then(|a| a.get("reason"))
                        .and_then(|v| v.string_value.clone())
                        .unwrap_or_default();
                    letters.push((reason, message.body.unwrap_or_default().into_bytes()));
                }
            }
        }
    }
}

/// One NDJSON line.
pub(crate) fn line(page: &str, time: &str, id: Option<&str>) -> String {
    match id {
        Some(id) => format!(r#"{{"page":"{page}","time":"{time}","id":"{id}"}}"#),
        None => format!(r#"{{"page":"{page}","time":"{time}"}}"#),
    }
}

/// Every item of a DynamoDB table at the test moto server.
pub(crate) async fn scan_table(
    table: &str,
) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    let clients = pageviews::backend::aws::connect(&aws_settings())
        .await
        .unwrap();
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = clients
            .dynamodb
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            return items;
        }
    }
}

/// CSV with its first `n` columns only: the views and visitors a test checks, without the
/// engagement columns after them (tests/cli/engagement.rs checks those). Splits on every comma:
/// for CSV without quoted commas.
pub(crate) fn first_columns(csv: &str, n: usize) -> String {
    csv.lines()
        .map(|line| line.split(',').take(n).collect::<Vec<_>>().join(",") + "\n")
        .collect()
}
