//! Benchmark: `import --format combined` of N generated nginx lines (default 1,000,000; a
//! realistic mix of pages, assets, bots, errors and campaign links from many addresses), on
//! the local backend: lines parsed and queued per second, and peak memory; then the events'
//! `export` (drained first) in rows per second. Each phase is its own release process. Run with
//! `cargo bench --bench import_logs`; PAGEVIEWS_BENCH_LINES changes N.

use std::io::Write as _;

const AGENTS: [&str; 5] = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
];

/// A small deterministic generator (xorshift), so every run reads the same log.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Line `i` of the log: 13 March 2021, one line every few milliseconds.
fn line(rng: &mut Rng, i: u64, lines: u64, out: &mut Vec<u8>) {
    let second = i * 86_400 / lines.max(1);
    let (h, m, s) = (second / 3600, second / 60 % 60, second % 60);
    let r = rng.next();
    let visitor = r % 50_000;
    let address = format!(
        "10.{}.{}.{}",
        visitor >> 16,
        (visitor >> 8) & 255,
        visitor & 255
    );
    let agent = AGENTS[(visitor % 4) as usize + usize::from(r.is_multiple_of(20))];
    let page = (r >> 20) % 500;
    let (target, status) = match (r >> 40) % 20 {
        0..=10 => (format!("/posts/{page}"), 200),
        11 => (
            format!("/posts/{page}?utm_source=news&utm_medium=email"),
            200,
        ),
        12 => (format!("/posts/{page}"), 304),
        13..=17 => (format!("/static/{}.css", page % 10), 200),
        18 => (format!("/img/{page}.png"), 200),
        _ => (format!("/missing/{page}"), 404),
    };
    let referrer = match (r >> 50) % 4 {
        0 => "https://www.google.com/",
        1 => "https://news.example.net/item",
        _ => "-",
    };
    writeln!(
        out,
        "{address} - - [13/Mar/2021:{h:02}:{m:02}:{s:02} +0000] \"GET {target} HTTP/1.1\" {status} {} \"{referrer}\" \"{agent}\"",
        1000 + page
    )
    .unwrap();
}

fn run(data_dir: &std::path::Path, args: &[&str]) -> (f64, f64) {
    timed::run(data_dir, "bench", args)
}

#[path = "common/timed.rs"]
mod timed;

fn main() {
    let lines: u64 = std::env::var("PAGEVIEWS_BENCH_LINES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path();
    let log = data_dir.join("access.log");
    // Written as generated: this process stays small, so the children's peak memory (which
    // Linux reports as at least the parent's at their fork) is their own.
    let mut out = std::io::BufWriter::new(std::fs::File::create(&log).expect("log created"));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut text = Vec::with_capacity(256);
    for i in 0..lines {
        text.clear();
        line(&mut rng, i, lines, &mut text);
        out.write_all(&text).expect("log written");
    }
    out.flush().expect("log written");
    drop(out);
    let log_mib = std::fs::metadata(&log).unwrap().len() as f64 / (1024.0 * 1024.0);
    run(data_dir, &["init"]);
    let log_path = log.to_str().unwrap();
    let (import_s, import_mib) = run(
        data_dir,
        &[
            "--quiet",
            "import",
            "--format",
            "combined",
            "--site",
            "example.com",
            log_path,
        ],
    );
    let (drain_s, _) = run(data_dir, &["--quiet", "drain", "--wait-seconds", "0.2"]);
    let out = data_dir.join("export");
    let (export_s, export_mib) = run(
        data_dir,
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
    println!("log: {lines} lines, {log_mib:.1} MiB; {rows} became views");
    println!(
        "import: {import_s:.2} s, {:.0} lines/s ({:.0} views/s), peak {import_mib:.1} MiB",
        lines as f64 / import_s,
        rows as f64 / import_s
    );
    println!("drain:  {drain_s:.2} s");
    println!(
        "export: {export_s:.2} s, {:.0} rows/s, peak {export_mib:.1} MiB",
        rows as f64 / export_s
    );
}
