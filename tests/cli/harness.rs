//! Test harness: each test gets its own data directory and deployment name, and helpers that
//! run the binary and read its JSON output.

use assert_cmd::Command;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

/// A deployment of its own for one test.
pub struct Env {
    dir: tempfile::TempDir,
    pub name: String,
}

#[derive(Debug, Deserialize, PartialEq, Eq, Clone)]
pub struct Row {
    pub day: String,
    pub page: String,
    pub views: u64,
    pub hours: Vec<u64>,
}

#[derive(Debug, Deserialize)]
pub struct QueueStats {
    pub visible: u64,
    pub in_flight: u64,
    pub dead_letters: u64,
}

#[derive(Debug, Deserialize)]
pub struct Status {
    pub queue: QueueStats,
    pub events_stored: u64,
    pub days_aggregated: u64,
    pub pending_days: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct DrainSummary {
    pub messages: u64,
    pub events_written: u64,
    pub duplicates: Option<u64>,
}

impl Env {
    /// A fresh, un-initialised deployment.
    pub fn bare() -> Self {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            name: "test".into(),
        }
    }

    /// A fresh deployment after `init` (visibility timeout 30 s, max receives 5).
    pub fn new() -> Self {
        let env = Env::bare();
        env.ok(&["init"]);
        env
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The binary with this deployment's settings and nothing from the caller's environment.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("pageviews").expect("binary built");
        for (key, _) in std::env::vars() {
            if key.starts_with("PAGEVIEWS_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("PAGEVIEWS_DATA_DIR", self.data_dir())
            .env("PAGEVIEWS_NAME", &self.name)
            .env("NO_COLOR", "1");
        cmd
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
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
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let output = self.cmd().args(args).output().expect("runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Starts the binary in the background.
    pub fn spawn(&self, args: &[&str]) -> Child {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("pageviews"))
            .args(args)
            .env("PAGEVIEWS_DATA_DIR", self.data_dir())
            .env("PAGEVIEWS_NAME", &self.name)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawns")
    }

    pub fn write(&self, file: &str, content: &str) -> PathBuf {
        let path = self.data_dir().join(file);
        std::fs::write(&path, content).expect("writes");
        path
    }

    pub fn drain(&self, extra: &[&str]) -> DrainSummary {
        let mut args = vec!["drain", "--format", "json", "--wait-seconds", "0.2"];
        args.extend_from_slice(extra);
        serde_json::from_str(&self.ok(&args)).expect("drain summary is JSON")
    }

    pub fn status(&self) -> Status {
        serde_json::from_str(&self.ok(&["status", "--format", "json"])).expect("status is JSON")
    }

    pub fn report(&self, range: &[&str]) -> Vec<Row> {
        let mut args = vec!["report", "--format", "json"];
        args.extend_from_slice(range);
        serde_json::from_str(&self.ok(&args)).expect("report is JSON")
    }

    /// Views per (day, page) from the JSON report.
    pub fn views(&self, range: &[&str]) -> BTreeMap<(String, String), u64> {
        self.report(range)
            .into_iter()
            .map(|row| ((row.day, row.page), row.views))
            .collect()
    }

    pub fn total(&self, range: &[&str]) -> u64 {
        self.report(range).iter().map(|row| row.views).sum()
    }
}

/// One NDJSON line.
pub fn line(page: &str, time: &str, id: Option<&str>) -> String {
    match id {
        Some(id) => format!(r#"{{"page":"{page}","time":"{time}","id":"{id}"}}"#),
        None => format!(r#"{{"page":"{page}","time":"{time}"}}"#),
    }
}
