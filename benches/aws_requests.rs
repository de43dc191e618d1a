//! Benchmark: AWS requests per 1,000 events end to end (send + drain + aggregate of one day),
//! counted at the emulator: moto's server mode behind a counting proxy on loopback. Also the
//! write and read capacity units the same work costs on DynamoDB, computed from the item
//! sizes (moto's own capacity figures are not realistic). Run with
//! `cargo bench --bench aws_requests` (needs `moto_server`; scripts/test.sh installs it).

#[path = "../tests/cli/moto.rs"]
mod moto;

use pageviews::backend::aws::keys::{event_partition, shard_of};
use pageviews::cost::sizes::raw_item_bytes;
use pageviews::day::{Day, DayRange};
use pageviews::synth::Synth;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};

const DAY: &str = "2021-03-13";
const SHARDS: u32 = 8;

type Counts = Arc<Mutex<BTreeMap<String, u64>>>;

/// A TCP proxy to moto that counts requests by their X-Amz-Target header (the operation).
fn start_proxy(upstream: u16) -> (u16, Counts) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("proxy port");
    let port = listener.local_addr().unwrap().port();
    let counts: Counts = Arc::default();
    let shared = counts.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                continue;
            };
            let (client_read, server_write) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            let counts = shared.clone();
            std::thread::spawn(move || copy_counting(client_read, server_write, counts));
            std::thread::spawn(move || copy_plain(server, client));
        }
    });
    (port, counts)
}

fn copy_plain(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}

fn copy_counting(mut from: TcpStream, mut to: TcpStream, counts: Counts) {
    const HEADER: &[u8] = b"x-amz-target:";
    let mut buffer = [0u8; 64 * 1024];
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        if to.write_all(&buffer[..read]).is_err() {
            break;
        }
        pending.extend_from_slice(&buffer[..read]);
        loop {
            let lower = pending.to_ascii_lowercase();
            let Some(at) = lower.windows(HEADER.len()).position(|w| w == HEADER) else {
                let keep = pending.len().saturating_sub(HEADER.len());
                pending.drain(..keep);
                break;
            };
            let rest = &pending[at + HEADER.len()..];
            let Some(end) = rest.windows(2).position(|w| w == b"\r\n") else {
                pending.drain(..at);
                break;
            };
            let target = String::from_utf8_lossy(&rest[..end]).trim().to_owned();
            let operation = target.rsplit('.').next().unwrap_or(&target).to_owned();
            *counts.lock().unwrap().entry(operation).or_default() += 1;
            pending.drain(..at + HEADER.len() + end);
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

fn pageviews(endpoint: &str, name: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_pageviews"))
        .args(args)
        .env("PAGEVIEWS_BACKEND", "aws")
        .env("PAGEVIEWS_NAME", name)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("pageviews runs");
    assert!(
        output.status.success(),
        "pageviews {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn take(counts: &Counts) -> BTreeMap<String, u64> {
    std::mem::take(&mut *counts.lock().unwrap())
}

/// Capacity units the scenario's events cost on DynamoDB: one write unit per item of at most
/// 1 KB; strongly consistent reads of 4 KB units, summed per shard (one query page each).
fn capacity(events: u64, seed: u64) -> (u64, u64, u64) {
    let range = DayRange::single(Day::parse(DAY).unwrap());
    let mut write_units = 0;
    let mut shard_bytes: BTreeMap<String, u64> = BTreeMap::new();
    let mut pages = std::collections::BTreeSet::new();
    for event in Synth::new(events, range, 50, seed) {
        pages.insert(event.page.clone());
        let bytes = raw_item_bytes(event.page.len() as u64, event.id.len() as u64);
        write_units += bytes.div_ceil(1024);
        *shard_bytes
            .entry(event_partition(
                event.day_in(pageviews::zone::Zone::UTC),
                shard_of(&event.id, SHARDS),
            ))
            .or_default() += bytes;
    }
    let read_units = shard_bytes.values().map(|bytes| bytes.div_ceil(4096)).sum();
    // One daily row per page, each well under 1 KB.
    (write_units, read_units, pages.len() as u64)
}

fn scenario(endpoint: &str, counts: &Counts, name: &str, events: u64, per_message: Option<&str>) {
    let count = events.to_string();
    pageviews(endpoint, name, &["init", "--shards", &SHARDS.to_string()]);
    take(counts);
    let mut send = vec![
        "send", "--count", &count, "--day", DAY, "--seed", "1", "--pages", "50",
    ];
    if let Some(n) = per_message {
        send.extend(["--events-per-message", n]);
    }
    let phases: Vec<(&str, Vec<&str>)> = vec![
        ("send", send),
        ("drain", vec!["drain", "--wait-seconds", "1"]),
        ("aggregate", vec!["aggregate", "--day", DAY]),
    ];
    let mut total = 0;
    let mut by_operation: BTreeMap<String, u64> = BTreeMap::new();
    println!(
        "\n{events} events, {}:",
        per_message.map_or("packed (default)".into(), |n| format!(
            "{n} event(s) per message"
        ))
    );
    for (phase, args) in phases {
        pageviews(endpoint, name, &args);
        let phase_counts = take(counts);
        let requests: u64 = phase_counts.values().sum();
        total += requests;
        let detail: Vec<String> = phase_counts
            .iter()
            .map(|(op, n)| format!("{op} {n}"))
            .collect();
        println!(
            "  {phase:<10} {requests:>6} requests  ({})",
            detail.join(", ")
        );
        for (op, n) in phase_counts {
            *by_operation.entry(op).or_default() += n;
        }
    }
    let per_thousand = total as f64 * 1000.0 / events as f64;
    println!("  total      {total:>6} requests = {per_thousand:.1} per 1,000 events");
    let (raw_units, read_units, daily_rows) = capacity(events, 1);
    let updates = by_operation.get("UpdateItem").copied().unwrap_or(0);
    let write_units = raw_units + daily_rows + updates;
    println!(
        "  capacity   write: {raw_units} raw items + {daily_rows} daily rows + {updates} day-status \
         updates = {write_units} units; read: {read_units} units to count the day \
         => {:.0} WCU and {:.1} RCU per 1,000 events",
        write_units as f64 * 1000.0 / events as f64,
        read_units as f64 * 1000.0 / events as f64,
    );
}

fn main() {
    let endpoint = moto::endpoint();
    let upstream: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let (port, counts) = start_proxy(upstream);
    let proxy = format!("http://127.0.0.1:{port}");
    let run = std::process::id();
    scenario(&proxy, &counts, &format!("bench{run}-packed"), 10_000, None);
    scenario(
        &proxy,
        &counts,
        &format!("bench{run}-single"),
        500,
        Some("1"),
    );
}
