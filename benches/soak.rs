//! Soak: `drain --follow` on the local backend while `send` keeps writing, 1,000,000 events in
//! all (PAGEVIEWS_SOAK_EVENTS changes it). Samples the drain's resident memory ten times a second,
//! then stops it with SIGTERM and checks that the report equals what was sent. Run with
//! `cargo bench --bench soak`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const DAY: &str = "2021-03-13";
const SENDS: u64 = 10;

fn pageviews(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pageviews"));
    command
        .env("PAGEVIEWS_DATA_DIR", data_dir)
        .env("PAGEVIEWS_NAME", "soak")
        .env("PAGEVIEWS_LOG", "error");
    command
}

fn ok(data_dir: &std::path::Path, args: &[&str]) -> String {
    let output = pageviews(data_dir).args(args).output().expect("runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Resident memory of a process in MiB, from /proc.
fn rss_mib(child: &Child) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn stored(data_dir: &std::path::Path) -> u64 {
    let status: serde_json::Value =
        serde_json::from_str(&ok(data_dir, &["status", "--format", "json"])).unwrap();
    status["events_stored"].as_u64().unwrap()
}

fn main() {
    let events: u64 = std::env::var("PAGEVIEWS_SOAK_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let per_send = (events / SENDS).to_string();
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path();
    ok(data_dir, &["init"]);
    let mut drain = pageviews(data_dir)
        .args([
            "drain",
            "--follow",
            "--wait-seconds",
            "0.5",
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut samples: Vec<(f64, f64)> = Vec::new();
    let sender_dir = data_dir.to_owned();
    let sender = std::thread::spawn(move || {
        for seed in 0..SENDS {
            ok(
                &sender_dir,
                &[
                    "send",
                    "--count",
                    &per_send,
                    "--day",
                    DAY,
                    "--seed",
                    &seed.to_string(),
                ],
            );
        }
    });
    let deadline = started + Duration::from_secs(600);
    while stored(data_dir) < events && Instant::now() < deadline {
        if let Some(mib) = rss_mib(&drain) {
            samples.push((started.elapsed().as_secs_f64(), mib));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    sender.join().unwrap();
    Command::new("kill")
        .args(["-TERM", &drain.id().to_string()])
        .status()
        .unwrap();
    let status = drain.wait().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    ok(data_dir, &["aggregate", "--day", DAY]);
    let report: Vec<serde_json::Value> =
        serde_json::from_str(&ok(data_dir, &["report", "--day", DAY, "--format", "json"])).unwrap();
    let reported: u64 = report
        .iter()
        .map(|row| row["views"].as_u64().unwrap())
        .sum();

    let peak = samples.iter().map(|(_, mib)| *mib).fold(0.0, f64::max);
    let quarter = samples.len() / 4;
    let mean = |part: &[(f64, f64)]| {
        part.iter().map(|(_, mib)| mib).sum::<f64>() / part.len().max(1) as f64
    };
    println!(
        "{events} events sent in {SENDS} sends while `drain --follow` ran; {seconds:.1} s in all"
    );
    println!("drain exit status after SIGTERM: {status}");
    println!("reported views: {reported} (sent: {events})");
    println!(
        "drain resident memory: peak {peak:.1} MiB over {} samples; mean by quarter of the run: {:.1}, {:.1}, {:.1}, {:.1} MiB",
        samples.len(),
        mean(&samples[..quarter]),
        mean(&samples[quarter..2 * quarter]),
        mean(&samples[2 * quarter..3 * quarter]),
        mean(&samples[3 * quarter..])
    );
    assert!(status.success(), "drain did not exit 0 after SIGTERM");
    assert_eq!(reported, events, "views lost or counted twice");
}
