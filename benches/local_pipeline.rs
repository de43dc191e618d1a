//! Benchmark: send, drain and aggregate N synthetic events (default 1,000,000) on the local
//! backend, each phase as its own process with its peak memory, beside a baseline bulk insert
//! of the same rows into SQLite. Run with `cargo bench --bench local_pipeline`;
//! PAGEVIEWS_BENCH_EVENTS changes N.

use pageviews::model::day::{Day, DayRange};
use pageviews::synth::Synth;
use std::time::Instant;

const DAY: &str = "2021-03-13";
const SEED: &str = "1";
const PAGES: usize = 500;

struct Phase {
    name: &'static str,
    seconds: f64,
    peak_mib: Option<f64>,
}

/// A plain bulk insert of the same rows into an events table made by `pageviews init`.
fn baseline(data_dir: &std::path::Path, events: u64) -> f64 {
    run(data_dir, "baseline", &["init"]);
    let path = pageviews::backend::local::database_path(data_dir, "baseline");
    // The same connection settings as the drain's.
    let mut conn = pageviews::backend::local::connect_existing(&path).expect("opens");
    let range = DayRange::single(Day::parse(DAY).unwrap());
    let rows: Vec<_> = Synth::new(events, range, PAGES, SEED.parse().unwrap()).collect();
    let started = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO events (day, time_ms, page, id) VALUES (?1, ?2, ?3, ?4)")
            .unwrap();
        for event in &rows {
            insert
                .execute(rusqlite::params![
                    event.day_in(pageviews::model::zone::Zone::UTC).number(),
                    event.time_ms(),
                    event.page,
                    event.id
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    started.elapsed().as_secs_f64()
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
    phases.push(Phase {
        name: "baseline insert",
        seconds: baseline(data_dir, events),
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
    println!("drain / baseline time: {:.2}x", drain / base);
    let db = pageviews::backend::local::database_path(data_dir, "bench");
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!(
        "database size after the run: {:.1} MiB",
        size as f64 / 1048576.0
    );
}
