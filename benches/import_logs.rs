//! Benchmark: `import` of N generated lines (default 1,000,000; a realistic mix of pages,
//! assets, bots, errors and campaign links from many addresses, `common/log_lines.rs`) in
//! each log format, on the local backend: lines parsed and queued per second, and the import's
//! peak memory, each format into a deployment of its own; then, for `combined`, the events'
//! `export` (drained first) in rows per second. Each phase is its own release process. Run
//! with `cargo bench --bench import_logs`; PAGEVIEWS_BENCH_LINES changes N,
//! PAGEVIEWS_BENCH_FORMATS (comma-separated `--format` names) the formats, and
//! PAGEVIEWS_BENCH_LINES_PER_DAY spreads the lines over days from 2021-03-13 (all on that day
//! unless it is set): a larger input at the same traffic, to see that memory stays flat.

#[path = "common/log_lines.rs"]
mod log_lines;
#[path = "common/timed.rs"]
mod timed;

use std::path::Path;

/// One format's import: time, peak memory, views.
struct Imported {
    seconds: f64,
    peak_mib: f64,
    views: u64,
    log_mib: f64,
}

fn import(data_dir: &Path, format: &str, lines: u64, per_day: u64) -> Imported {
    let log = data_dir.join(format!("access.{format}"));
    log_lines::write_log(&log, format, lines, per_day);
    let log_mib = std::fs::metadata(&log).unwrap().len() as f64 / (1024.0 * 1024.0);
    let name = format!("bench-{format}");
    timed::run(data_dir, &name, &["--quiet", "init"]);
    let summary = data_dir.join(format!("summary.{format}.json"));
    let args = [
        "--quiet",
        "import",
        "--summary",
        "json",
        "--format",
        format,
        "--site",
        "example.com",
        log.to_str().unwrap(),
    ];
    let (seconds, peak_mib) = timed::run_to(data_dir, &name, &args, Some(&summary));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    std::fs::remove_file(&log).expect("log removed");
    Imported {
        seconds,
        peak_mib,
        views: summary["views"].as_u64().unwrap(),
        log_mib,
    }
}

/// Drains and exports the day imported as `combined`: the export's rate and peak memory.
fn export(data_dir: &Path) {
    let name = "bench-combined";
    let (drain_s, _) = timed::run(
        data_dir,
        name,
        &["--quiet", "drain", "--wait-seconds", "0.2"],
    );
    let out = data_dir.join("export");
    let (export_s, export_mib) = timed::run(
        data_dir,
        name,
        &[
            "--quiet",
            "export",
            "--day",
            "2021-03-13",
            "--what",
            "events",
            "--output",
            out.to_str().unwrap(),
        ],
    );
    let manifest = std::fs::read_to_string(out.join("day=2021-03-13/manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let rows = manifest["files"]["events.ndjson.gz"]["rows"]
        .as_u64()
        .unwrap();
    println!("drain (combined): {drain_s:.2} s");
    println!(
        "export: {rows} rows in {export_s:.2} s, {:.0} rows/s, peak {export_mib:.1} MiB",
        rows as f64 / export_s
    );
}

fn main() {
    let lines: u64 = std::env::var("PAGEVIEWS_BENCH_LINES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let per_day: u64 = std::env::var("PAGEVIEWS_BENCH_LINES_PER_DAY")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(lines);
    let formats: Vec<String> = match std::env::var("PAGEVIEWS_BENCH_FORMATS") {
        Ok(list) => list.split(',').map(|f| f.trim().to_owned()).collect(),
        Err(_) => log_lines::FORMATS.iter().map(|f| (*f).to_owned()).collect(),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path();
    println!("{lines} lines per format, {per_day} a day");
    println!("| format | log MiB | views | import s | lines/s | views/s | peak MiB |");
    println!("|---|---|---|---|---|---|---|");
    for format in &formats {
        let imported = import(data_dir, format, lines, per_day);
        println!(
            "| {format} | {:.0} | {} | {:.2} | {:.0} | {:.0} | {:.1} |",
            imported.log_mib,
            imported.views,
            imported.seconds,
            lines as f64 / imported.seconds,
            imported.views as f64 / imported.seconds,
            imported.peak_mib,
        );
        if format != "combined" {
            // The queue of each format's deployment is not needed after its import.
            let _ = std::fs::remove_file(data_dir.join(format!("bench-{format}.sqlite3")));
        }
    }
    if formats.iter().any(|format| format == "combined") {
        export(data_dir);
    }
}
