//! Benchmark: send, drain and aggregate N synthetic events (default 1,000,000) on the local
//! backend, each phase as its own process with its peak memory, beside a baseline: the rows the
//! drain stored, inserted again into a fresh events table with a prepared statement. Run with
//! `cargo bench --bench local_pipeline`; PAGEVIEWS_BENCH_EVENTS changes N.

use std::time::Instant;

const DAY: &str = "2021-03-13";
const SEED: &str = "1";
const PAGES: usize = 500;

struct Phase {
    name: &'static str,
    seconds: f64,
    peak_mib: Option<f64>,
}

/// Rows per transaction of the baseline: large enough that commits are a small part of it.
const BASELINE_ROWS_PER_TRANSACTION: usize = 10_000;

/// The floor the drain is measured against: the rows the drain stored (every column, read back
/// from the benchmark's database before the clock starts), inserted with one prepared statement
/// into the events table of a fresh `pageviews init`, 10,000 rows per transaction. Returns the
/// seconds taken and the rows inserted.
fn baseline(data_dir: &std::path::Path) -> (f64, usize) {
    let stored = pageviews::backend::local::database_path(data_dir, "bench");
    let (columns, rows) = stored_events(&stored);
    run(data_dir, "baseline", &["init"]);
    let path = pageviews::backend::local::database_path(data_dir, "baseline");
    // The same connection settings as the drain's.
    let mut conn = pageviews::backend::local::connect_existing(&path).expect("opens");
    let insert_sql = format!(
        "INSERT INTO events ({}) VALUES ({})",
        columns.join(", "),
        vec!["?"; columns.len()].join(", ")
    );
    let started = Instant::now();
    for chunk in rows.chunks(BASELINE_ROWS_PER_TRANSACTION) {
        let tx = conn.transaction().unwrap();
        {
            let mut insert = tx.prepare_cached(&insert_sql).unwrap();
            for row in chunk {
                insert
                    .execute(rusqlite::params_from_iter(row.iter()))
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    (started.elapsed().as_secs_f64(), rows.len())
}

/// Every column of every stored event, in key order, with their column names.
fn stored_events(path: &std::path::Path) -> (Vec<String>, Vec<Vec<rusqlite::types::Value>>) {
    let conn = pageviews::backend::local::connect_existing(path).expect("opens");
    let mut select = conn.prepare("SELECT * FROM events").unwrap();
    let columns: Vec<String> = select
        .column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let rows = select
        .query_map([], |row| {
            (0..columns.len())
                .map(|i| row.get::<_, rusqlite::types::Value>(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    (columns, rows)
}

#[path = "common/timed.rs"]
mod timed;
use timed::run;

fn main() {
    let events: u64 = std::env::var("PAGEVIEWS_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path();
    let count = events.to_string();
    let pages = PAGES.to_string();
    run(data_dir, "bench", &["init"]);
    let mut phases = Vec::new();
    // PAGEVIEWS_BENCH_VISITORS=N: the views carry visitor keys of N people, and aggregation
    // counts exact distinct visitors per page and for the site.
    let visitors = std::env::var("PAGEVIEWS_BENCH_VISITORS").ok();
    let mut send = vec![
        "send", "--count", &count, "--day", DAY, "--seed", SEED, "--pages", &pages,
    ];
    if let Some(visitors) = &visitors {
        send.extend(["--visitors", visitors.as_str()]);
    }
    // PAGEVIEWS_BENCH_BREAKDOWNS=1: views with referrers, campaigns, variants, downloads and
    // custom events, all counted beside the pages.
    let breakdowns = std::env::var_os("PAGEVIEWS_BENCH_BREAKDOWNS").is_some();
    if breakdowns {
        send.push("--breakdowns");
    }
    // PAGEVIEWS_BENCH_ENGAGEMENT=1: each view followed by its engagement beacon (N views, so
    // 2N events), counted into entries, exits, bounces, engaged time and scroll depth.
    let engagement = std::env::var_os("PAGEVIEWS_BENCH_ENGAGEMENT").is_some();
    if engagement {
        send.push("--engagement");
    }
    for (name, args) in [
        ("send", &send[..]),
        (
            "drain",
            &["drain", "--wait-seconds", "0", "--idle-polls", "1"][..],
        ),
        ("aggregate", &["aggregate", "--day", DAY][..]),
    ] {
        let (seconds, peak) = run(data_dir, "bench", args);
        phases.push(Phase {
            name,
            seconds,
            peak_mib: Some(peak),
        });
    }
    let (baseline_seconds, stored_rows) = baseline(data_dir);
    phases.push(Phase {
        name: "baseline insert",
        seconds: baseline_seconds,
        peak_mib: None,
    });
    println!(
        "{events} events, {PAGES} pages, {} visitors{}, one day ({DAY}); each phase a \
         separate process",
        visitors.as_deref().unwrap_or("no"),
        match (breakdowns, engagement) {
            (true, true) => ", with breakdowns and an engagement beacon per view",
            (true, false) => ", with breakdowns",
            (false, true) => ", with an engagement beacon per view",
            (false, false) => "",
        }
    );
    println!(
        "{:<16} {:>9} {:>14} {:>10}",
        "phase", "seconds", "events/s", "peak MiB"
    );
    for phase in &phases {
        println!(
            "{:<16} {:>9.3} {:>14.0} {:>10}",
            phase.name,
            phase.seconds,
            events as f64 / phase.seconds,
            phase.peak_mib.map_or("-".into(), |mib| format!("{mib:.1}"))
        );
    }
    let drain = phases[1].seconds;
    let base = phases[3].seconds;
    println!(
        "drain / baseline time: {:.2}x (the baseline inserted the {stored_rows} rows the \
         drain stored, {BASELINE_ROWS_PER_TRANSACTION} a transaction)",
        drain / base
    );
    let db = pageviews::backend::local::database_path(data_dir, "bench");
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!(
        "database size after the run: {:.1} MiB",
        size as f64 / 1048576.0
    );
}
