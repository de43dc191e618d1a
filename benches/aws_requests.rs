//! Benchmark: AWS requests per 1,000 events end to end (send + drain + aggregate of one day),
//! with the queue on SQS and on a Kinesis stream (`PAGEVIEWS_BENCH_QUEUES=sqs` or `kinesis` for
//! one of them), counted at the emulator: moto's server mode behind a counting proxy on loopback. Also the
//! write units, read units and storage the same work costs on DynamoDB, computed from the sizes
//! of the items actually written (the proxy reads every BatchWriteItem: moto's own capacity
//! figures are not realistic), and how long each phase took. Run with
//! `cargo bench --bench aws_requests` (needs `moto_server`; scripts/test.sh installs it).

#[path = "../tests/cli/moto.rs"]
mod moto;

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

const DAY: &str = "2021-03-13";
const SHARDS: u32 = 8;
/// DynamoDB bills storage per item as its size plus 100 bytes.
const ITEM_OVERHEAD: u64 = 100;

/// What the proxy saw: requests by operation, and the last size of every item written.
#[derive(Default)]
struct Seen {
    requests: BTreeMap<String, u64>,
    /// (table, pk, sk) -> bytes of its latest write.
    items: HashMap<(String, String, String), u64>,
    /// Write units of every put and delete, by table.
    write_units: BTreeMap<String, u64>,
}

type Shared = Arc<Mutex<Seen>>;

/// A TCP proxy to moto that reads each HTTP request (headers and body), notes it, and passes
/// it on unchanged.
fn start_proxy(upstream: u16) -> (u16, Shared) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("proxy port");
    let port = listener.local_addr().unwrap().port();
    let seen: Shared = Arc::default();
    let shared = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                continue;
            };
            let (client_read, server_write) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            let seen = shared.clone();
            std::thread::spawn(move || copy_requests(client_read, server_write, seen));
            std::thread::spawn(move || copy_plain(server, client));
        }
    });
    (port, seen)
}

fn copy_plain(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}

/// Forwards requests one by one, each once whole (the SDK sends a Content-Length).
fn copy_requests(mut from: TcpStream, mut to: TcpStream, seen: Shared) {
    let mut pending: Vec<u8> = Vec::new();
    let mut buffer = [0u8; 64 * 1024];
    loop {
        while let Some((length, operation, body)) = whole_request(&pending) {
            if to.write_all(&pending[..length]).is_err() {
                return;
            }
            note(&seen, &operation, &body);
            pending.drain(..length);
        }
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => pending.extend_from_slice(&buffer[..read]),
        }
    }
    let _ = to.write_all(&pending);
    let _ = to.shutdown(Shutdown::Write);
}

/// The first whole request in `bytes`: its length, operation and body.
fn whole_request(bytes: &[u8]) -> Option<(usize, String, Vec<u8>)> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
    let header = |name: &str| {
        head.lines()
            .find_map(|line| line.strip_prefix(name).map(|v| v.trim().to_owned()))
    };
    let length: usize = header("content-length:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if bytes.len() < end + length {
        return None;
    }
    let target = header("x-amz-target:").unwrap_or_default();
    let operation = target.rsplit('.').next().unwrap_or(&target).to_owned();
    Some((end + length, operation, bytes[end..end + length].to_vec()))
}

fn note(seen: &Shared, operation: &str, body: &[u8]) {
    // The header was lower-cased: operations are compared in lower case too.
    let operation = canonical(operation);
    let mut seen = seen.lock().unwrap();
    *seen.requests.entry(operation.clone()).or_default() += 1;
    if operation != "BatchWriteItem" {
        return;
    }
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    for (table, writes) in request["RequestItems"].as_object().into_iter().flatten() {
        for write in writes.as_array().into_iter().flatten() {
            let (item, deleting) =
                match (&write["PutRequest"]["Item"], &write["DeleteRequest"]["Key"]) {
                    (Value::Object(item), _) => (item, false),
                    (_, Value::Object(key)) => (key, true),
                    _ => continue,
                };
            let bytes = item_bytes(item);
            *seen.write_units.entry(table.clone()).or_default() += bytes.div_ceil(1024).max(1);
            let key = (
                table.clone(),
                item["pk"]["S"].as_str().unwrap_or_default().to_owned(),
                item["sk"]["S"].as_str().unwrap_or_default().to_owned(),
            );
            if deleting {
                seen.items.remove(&key);
            } else {
                seen.items.insert(key, bytes);
            }
        }
    }
}

/// The operation's name as AWS spells it, from its lower-cased header.
fn canonical(lower: &str) -> String {
    const OPERATIONS: &[&str] = &[
        "BatchWriteItem",
        "ChangeMessageVisibilityBatch",
        "DeleteItem",
        "DeleteMessageBatch",
        "DescribeStreamSummary",
        "DescribeTable",
        "GetItem",
        "GetQueueAttributes",
        "GetQueueUrl",
        "GetRecords",
        "GetShardIterator",
        "ListShards",
        "PutItem",
        "PutRecords",
        "Query",
        "ReceiveMessage",
        "SendMessage",
        "SendMessageBatch",
        "UpdateItem",
    ];
    OPERATIONS
        .iter()
        .find(|name| name.to_ascii_lowercase() == lower)
        .map_or_else(|| lower.to_owned(), |name| (*name).to_owned())
}

/// An item's size as DynamoDB bills it, from its JSON wire form.
fn item_bytes(item: &serde_json::Map<String, Value>) -> u64 {
    item.iter()
        .map(|(name, value)| name.len() as u64 + value_bytes(value))
        .sum()
}

fn value_bytes(value: &Value) -> u64 {
    let Some((kind, inner)) = value.as_object().and_then(|v| v.iter().next()) else {
        return 0;
    };
    match kind.as_str() {
        "S" => inner.as_str().map_or(0, str::len) as u64,
        "N" => {
            let digits = inner
                .as_str()
                .unwrap_or("0")
                .trim_start_matches(['-', '0'])
                .replace('.', "");
            (digits.trim_end_matches('0').len() as u64)
                .max(1)
                .div_ceil(2)
                + 1
        }
        "B" => base64_len(inner.as_str().unwrap_or_default()),
        "SS" => inner
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|s| s.len() as u64)
            .sum(),
        "L" => {
            3 + inner
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| 1 + value_bytes(v))
                .sum::<u64>()
        }
        _ => 1,
    }
}

/// Bytes a base64 text decodes to.
fn base64_len(text: &str) -> u64 {
    let padding = text.bytes().rev().take_while(|b| *b == b'=').count() as u64;
    text.len() as u64 / 4 * 3 - padding
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

fn take(seen: &Shared) -> Seen {
    std::mem::take(&mut *seen.lock().unwrap())
}

/// Shards of the stream when the queue is Kinesis.
const STREAM_SHARDS: &str = "2";

struct Scenario<'a> {
    events: u64,
    per_message: Option<&'a str>,
    visitors: Option<&'a str>,
}

fn scenario(endpoint: &str, shared: &Shared, name: &str, run: &Scenario, queue: &str) {
    let count = run.events.to_string();
    let shards = SHARDS.to_string();
    let mut init = vec!["init", "--shards", &shards, "--queue", queue];
    if queue == "kinesis" {
        init.extend(["--stream-shards", STREAM_SHARDS]);
    }
    pageviews(endpoint, name, &init);
    take(shared);
    let mut send = vec![
        "send", "--count", &count, "--day", DAY, "--seed", "1", "--pages", "50",
    ];
    if let Some(n) = run.per_message {
        send.extend(["--events-per-message", n]);
    }
    if let Some(people) = run.visitors {
        send.extend(["--visitors", people]);
    }
    let phases: Vec<(&str, Vec<&str>)> = vec![
        ("send", send),
        (
            "drain",
            vec!["drain", "--wait-seconds", "1", "--format", "json"],
        ),
        ("aggregate", vec!["aggregate", "--day", DAY]),
    ];
    let mut total = 0;
    let mut by_operation: BTreeMap<String, u64> = BTreeMap::new();
    let mut write_units: BTreeMap<String, u64> = BTreeMap::new();
    let mut items = HashMap::new();
    let on = match queue {
        "kinesis" => format!("a Kinesis stream of {STREAM_SHARDS} shards"),
        _ => "SQS".to_owned(),
    };
    println!(
        "\n{} events on {on}, {}{}:",
        run.events,
        run.per_message
            .map_or("packed (default)".into(), |n| format!(
                "{n} event(s) per message"
            )),
        run.visitors
            .map_or(String::new(), |n| format!(", {n} visitors")),
    );
    for (phase, args) in phases {
        let started = Instant::now();
        let stdout = pageviews(endpoint, name, &args);
        let seconds = started.elapsed().as_secs_f64();
        // The drain's own measure: up to the end of its last batch, without the final empty
        // polls.
        let busy = serde_json::from_str::<Value>(&stdout)
            .ok()
            .and_then(|summary| summary["busy_seconds"].as_f64());
        let phase_seen = take(shared);
        let requests: u64 = phase_seen.requests.values().sum();
        total += requests;
        let detail: Vec<String> = phase_seen
            .requests
            .iter()
            .map(|(op, n)| format!("{op} {n}"))
            .collect();
        let pace = match busy {
            Some(busy) => format!(
                "{seconds:>6.2} s, busy {busy:.2} s: {:>7.0} events/s",
                run.events as f64 / busy
            ),
            None => format!(
                "{seconds:>6.2} s: {:>7.0} events/s",
                run.events as f64 / seconds
            ),
        };
        println!(
            "  {phase:<10} {requests:>6} requests in {pace}  ({})",
            detail.join(", ")
        );
        for (op, n) in phase_seen.requests {
            *by_operation.entry(op).or_default() += n;
        }
        for (table, units) in phase_seen.write_units {
            *write_units.entry(table).or_default() += units;
        }
        items.extend(phase_seen.items);
    }
    let thousand = |value: f64| value * 1000.0 / run.events as f64;
    println!(
        "  total      {total:>6} requests = {:.1} per 1,000 events",
        thousand(total as f64)
    );
    let raw_table = format!("{name}-events");
    let raw: Vec<(&(String, String, String), &u64)> = items
        .iter()
        .filter(|((table, _, _), _)| *table == raw_table)
        .collect();
    let raw_bytes: u64 = raw.iter().map(|(_, bytes)| **bytes).sum();
    let raw_units = write_units.get(&raw_table).copied().unwrap_or(0);
    let daily_units = write_units
        .get(&format!("{name}-daily"))
        .copied()
        .unwrap_or(0);
    let updates = by_operation.get("UpdateItem").copied().unwrap_or(0);
    let write_total = raw_units + daily_units + updates;
    // A strongly consistent query reads 4 KB units of the items it returns: one per shard.
    let mut per_shard: BTreeMap<&str, u64> = BTreeMap::new();
    for ((_, pk, _), bytes) in &raw {
        *per_shard.entry(pk.as_str()).or_default() += **bytes;
    }
    let read_units: u64 = per_shard.values().map(|bytes| bytes.div_ceil(4096)).sum();
    println!(
        "  capacity   write: {raw_units} for {} raw items + {daily_units} for daily rows + {updates} \
         day-status updates = {write_total} units; read: {read_units} units to count the day \
         => {:.1} WCU and {:.1} RCU per 1,000 events",
        raw.len(),
        thousand(write_total as f64),
        thousand(read_units as f64),
    );
    println!(
        "  storage    {} raw items of {:.0} B on average: {:.1} B per event with DynamoDB's 100 B \
         per item",
        raw.len(),
        raw_bytes as f64 / raw.len().max(1) as f64,
        (raw_bytes + ITEM_OVERHEAD * raw.len() as u64) as f64 / run.events as f64,
    );
}

fn main() {
    let endpoint = moto::endpoint();
    let upstream: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let (port, shared) = start_proxy(upstream);
    let proxy = format!("http://127.0.0.1:{port}");
    let run = std::process::id();
    let runs = [
        Scenario {
            events: 10_000,
            per_message: None,
            visitors: None,
        },
        Scenario {
            events: 500,
            per_message: Some("1"),
            visitors: None,
        },
        Scenario {
            events: 100_000,
            per_message: None,
            visitors: Some("30000"),
        },
        // Run only when asked for (PAGEVIEWS_BENCH_SCENARIO=3): minutes against moto.
        Scenario {
            events: 1_000_000,
            per_message: None,
            visitors: Some("300000"),
        },
    ];
    let only: Option<usize> = std::env::var("PAGEVIEWS_BENCH_SCENARIO")
        .ok()
        .and_then(|n| n.parse().ok());
    let queues = std::env::var("PAGEVIEWS_BENCH_QUEUES").unwrap_or_else(|_| "sqs,kinesis".into());
    for (i, scenario_run) in runs.iter().enumerate() {
        if only.map_or(i == 3, |only| only != i) {
            continue;
        }
        for queue in queues.split(',') {
            let name = format!("bench{run}-{i}-{queue}");
            scenario(&proxy, &shared, &name, scenario_run, queue);
        }
    }
}
