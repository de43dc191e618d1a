//! Load on `pageviews collect` (local backend) from wrk on loopback: views/s accepted, latency
//! percentiles, the collector's resident memory over the run and views per queue request. Then
//! the collector is stopped with SIGTERM, the queue drained, the day(s) aggregated and reported,
//! and the report must equal the views accepted. Run with `cargo bench --bench collect_load`.
//!
//! Needs wrk (`apt-get install wrk`). The load is benches/collect_load.lua: POST /v1/view as a
//! browser's sendBeacon sends it, over 100 pages, each view with a campaign URL and a referrer
//! (as a visitor from a campaign link sends it), from five browsers at addresses of several
//! networks, one request in 20 a bot's. Settings, by environment:
//! PAGEVIEWS_COLLECT_BENCH_SECONDS (default 60), PAGEVIEWS_COLLECT_BENCH_THREADS (wrk threads,
//! default 2), PAGEVIEWS_COLLECT_BENCH_CONNECTIONS (default 100),
//! PAGEVIEWS_COLLECT_BENCH_ARGS (more `collect` flags, split at spaces, e.g.
//! `--trust-forwarded-for --geoip tests/cli/fixtures/geoip/city.mmdb`) and
//! PAGEVIEWS_COLLECT_BENCH_BINARY (another pageviews binary to measure, e.g. one built from an
//! earlier commit, for a before/after in one session). With the defaults, on 2 cores,
//! wrk and the collector together keep both cores busy (the CPU line of the output says so).

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ORIGIN: &str = "http://site.test";
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/collect_load.lua");

fn setting(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a whole number")),
        Err(_) => default,
    }
}

fn pageviews(data_dir: &Path) -> Command {
    let binary = std::env::var("PAGEVIEWS_COLLECT_BENCH_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_pageviews").to_owned());
    let mut command = Command::new(binary);
    command
        .env("PAGEVIEWS_DATA_DIR", data_dir)
        .env("PAGEVIEWS_NAME", "collect-bench");
    command
}

fn ok(data_dir: &Path, args: &[&str]) -> String {
    let output = pageviews(data_dir)
        .env("PAGEVIEWS_LOG", "error")
        .args(args)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Resident memory of a process in MiB, from /proc.
fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU time (user + system) a process has used so far, in seconds, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("process is alive");
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // SAFETY: sysconf has no preconditions.
    ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

/// Busy and total CPU time of the whole machine so far, in seconds, from /proc/stat.
fn machine_cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    let ticks: Vec<f64> = stat
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .take(8) // user nice system idle iowait irq softirq steal
        .map(|field| field.parse().unwrap())
        .collect();
    let total: f64 = ticks.iter().sum();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    ((total - ticks[3] - ticks[4]) / hz, total / hz)
}

/// Waits for a child with wait4; its exit code, CPU seconds and peak resident memory (MiB).
/// `block`: false returns None while the child still runs.
fn reap(child: &Child, block: bool) -> Option<(i32, f64, f64)> {
    let mut status = 0;
    // SAFETY: all-zero is a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let flags = if block { 0 } else { libc::WNOHANG };
    // SAFETY: waiting for our own child; `status` and `usage` are valid out-pointers.
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, flags, &mut usage) };
    assert!(waited >= 0, "wait4 failed");
    if waited == 0 {
        return None;
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    Some((code, cpu, usage.ru_maxrss as f64 / 1024.0))
}

/// The collector's port, from the line it prints once it listens.
fn wait_for_port(log: &Path, collector: &Child) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(rest) = text.split("collecting views on http://").nth(1) {
            let address = rest.split_whitespace().next().unwrap();
            return address.rsplit(':').next().unwrap().parse().unwrap();
        }
        assert!(
            Instant::now() < deadline && rss_mib(collector.id()).is_some(),
            "collect did not start listening:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The collector's /metrics, scraped over plain HTTP.
fn scrape(port: u16) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
}

/// The value of one series, e.g. `pageviews_collect_queue_sends_total{result="ok"}`.
fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series} missing from /metrics"))
        .trim()
        .parse()
        .unwrap()
}

/// The smallest histogram bucket bound holding `share` of the queue sends, in ms.
fn send_bound_ms(text: &str, share: f64) -> String {
    let prefix = "pageviews_collect_queue_send_seconds_bucket{le=\"";
    let count = metric(text, "pageviews_collect_queue_send_seconds_count");
    text.lines()
        .filter_map(|line| line.strip_prefix(prefix))
        .filter_map(|rest| {
            let (bound, value) = rest.split_once("\"} ")?;
            Some((bound.to_string(), value.trim().parse::<f64>().ok()?))
        })
        .find(|(_, cumulative)| *cumulative >= share * count)
        .map(|(bound, _)| match bound.parse::<f64>() {
            Ok(seconds) => format!("{:.0} ms", seconds * 1000.0),
            Err(_) => bound,
        })
        .unwrap_or_else(|| "?".into())
}

/// One line of wrk's output that starts with `label`, without the label.
fn wrk_line<'a>(output: &'a str, label: &str) -> Option<&'a str> {
    output
        .lines()
        .find_map(|line| line.trim_start().strip_prefix(label))
        .map(str::trim)
}

/// Kills a child that is still running when the bench panics, so no collector is left behind.
struct KillOnPanic(u32);

impl Drop for KillOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = Command::new("kill")
                .args(["-KILL", &self.0.to_string()])
                .status();
        }
    }
}

/// Set for this benchmark's own binary when it runs as the bare handler.
const BARE_HANDLER_ENV: &str = "PAGEVIEWS_BENCH_BARE_HANDLER";

/// The floor the collector is measured against: an axum handler that answers 204 to
/// `POST /v1/view` and does nothing else (not even read the body), on a runtime of two workers
/// as every pageviews command's (`cmd::run`). Prints its port, then serves until killed.
fn serve_bare_handler() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap().port());
        let app = axum::Router::new().route(
            "/v1/view",
            axum::routing::post(|| async { axum::http::StatusCode::NO_CONTENT }),
        );
        axum::serve(listener, app).await.unwrap();
    });
}

/// wrk's requests per second and 99th percentile of latency against the bare handler, under
/// the load the collector gets (`wrk_args` without the URL).
#[allow(clippy::zombie_processes)] // killed, then reaped by `reap` (wait4)
fn bare_handler_run(wrk_args: &[String]) -> (f64, String) {
    use std::io::BufRead;
    let mut bare = Command::new(std::env::current_exe().unwrap())
        .env(BARE_HANDLER_ENV, "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let guard = KillOnPanic(bare.id());
    let mut port = String::new();
    std::io::BufReader::new(bare.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let url = format!("http://127.0.0.1:{}/v1/view", port.trim());
    let output = Command::new("wrk")
        .args(wrk_args)
        .arg(url)
        .output()
        .unwrap();
    Command::new("kill")
        .args(["-KILL", &bare.id().to_string()])
        .status()
        .unwrap();
    reap(&bare, true);
    drop(guard); // reaped
    let output = String::from_utf8(output.stdout).unwrap();
    let rate = wrk_line(&output, "Requests/sec:")
        .and_then(|rate| rate.parse().ok())
        .unwrap_or_else(|| panic!("wrk printed no rate for the bare handler:\n{output}"));
    let p99 = wrk_line(&output, "99%").unwrap_or("?").to_string();
    (rate, p99)
}

#[allow(clippy::zombie_processes)] // both children are reaped by `reap` (wait4)
fn main() {
    if std::env::var_os(BARE_HANDLER_ENV).is_some() {
        return serve_bare_handler();
    }
    let seconds = setting("PAGEVIEWS_COLLECT_BENCH_SECONDS", 60);
    let threads = setting("PAGEVIEWS_COLLECT_BENCH_THREADS", 2);
    let connections = setting("PAGEVIEWS_COLLECT_BENCH_CONNECTIONS", 100);
    match Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            panic!("this benchmark needs wrk as its load generator: apt-get install wrk")
        }
        Err(err) => panic!("cannot run wrk: {err}"),
        Ok(_) => {} // `wrk --version` prints its usage and exits 1
    }

    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    ok(&data_dir, &["init"]);
    let log_path = dir.path().join("collect.log");
    let first_day = chrono::Utc::now().date_naive();
    let extra = std::env::var("PAGEVIEWS_COLLECT_BENCH_ARGS").unwrap_or_default();
    let collector = pageviews(&data_dir)
        .args([
            "collect",
            "--listen",
            "127.0.0.1:0",
            "--allow-origin",
            ORIGIN,
        ])
        .args(extra.split_whitespace())
        .stderr(File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let collector_guard = KillOnPanic(collector.id());
    let port = wait_for_port(&log_path, &collector);
    std::thread::sleep(Duration::from_millis(500));
    let idle_mib = rss_mib(collector.id()).unwrap();

    let url = format!("http://127.0.0.1:{port}/v1/view");
    let load = [
        format!("-t{threads}"),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        "--latency".into(),
        "-s".into(),
        SCRIPT.into(),
    ];
    // The floor first, with the collector started and idle beside it.
    let (bare_rate, bare_p99) = bare_handler_run(&load);
    let wrk_args: Vec<String> = load.iter().cloned().chain([url]).collect();
    let wrk_out = dir.path().join("wrk.txt");
    let collector_cpu_before = cpu_seconds(collector.id());
    let machine_before = machine_cpu_seconds();
    let started = Instant::now();
    let wrk = Command::new("wrk")
        .args(&wrk_args)
        .stdout(File::create(&wrk_out).unwrap())
        .spawn()
        .unwrap();
    let wrk_guard = KillOnPanic(wrk.id());
    let mut samples: Vec<(f64, f64)> = Vec::new();
    let (wrk_code, wrk_cpu) = loop {
        if let Some((code, cpu, _)) = reap(&wrk, false) {
            break (code, cpu);
        }
        if let Some(mib) = rss_mib(collector.id()) {
            samples.push((started.elapsed().as_secs_f64(), mib));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(wrk_guard); // reaped
    let load_seconds = started.elapsed().as_secs_f64();
    let collector_cpu = cpu_seconds(collector.id()) - collector_cpu_before;
    let machine_after = machine_cpu_seconds();
    let machine_busy = machine_after.0 - machine_before.0;
    let machine_cores = (machine_after.1 - machine_before.1) / load_seconds;
    let wrk_output = std::fs::read_to_string(&wrk_out).unwrap();
    assert_eq!(wrk_code, 0, "wrk failed:\n{wrk_output}");

    // The last partly filled message goes to the queue within a flush interval (1 s).
    let flushed_by = Instant::now() + Duration::from_secs(10);
    let metrics = loop {
        let metrics = scrape(port);
        if metric(&metrics, "pageviews_collect_buffer_views") == 0.0 || Instant::now() > flushed_by
        {
            break metrics;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    Command::new("kill")
        .args(["-TERM", &collector.id().to_string()])
        .status()
        .unwrap();
    let (collector_code, _, collector_max_mib) = reap(&collector, true).unwrap();
    drop(collector_guard); // reaped
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert_eq!(
        collector_code, 0,
        "collect did not exit 0 after SIGTERM:\n{log}"
    );
    let last_day = chrono::Utc::now().date_naive();

    let drain_started = Instant::now();
    ok(&data_dir, &["drain"]);
    let drain_seconds = drain_started.elapsed().as_secs_f64();
    let mut reported = 0;
    let mut day = first_day;
    while day <= last_day {
        let day_text = day.format("%Y-%m-%d").to_string();
        ok(&data_dir, &["aggregate", "--day", &day_text]);
        let report: Vec<serde_json::Value> = serde_json::from_str(&ok(
            &data_dir,
            &["report", "--day", &day_text, "--format", "json"],
        ))
        .unwrap();
        reported += report
            .iter()
            .map(|row| row["views"].as_u64().unwrap())
            .sum::<u64>();
        day = day.succ_opt().unwrap();
    }

    let accepted = metric(&metrics, "pageviews_collect_views_accepted_total") as u64;
    let queued = metric(&metrics, "pageviews_collect_views_queued_total") as u64;
    // Bots' hits kept go to the queue with the views (a binary from before the audience keeps
    // none, and has no such series).
    let bot_hits: u64 = metrics
        .lines()
        .filter(|line| line.starts_with("pageviews_collect_bot_hits_total{"))
        .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum::<f64>() as u64;
    let bots_dropped = metrics
        .lines()
        .find_map(|line| {
            line.strip_prefix("pageviews_collect_views_dropped_total{reason=\"bot\"} ")
        })
        .and_then(|value| value.trim().parse::<f64>().ok())
        .unwrap_or(0.0) as u64;
    let sends = metric(
        &metrics,
        "pageviews_collect_queue_sends_total{result=\"ok\"}",
    ) as u64;
    let failed_sends = metric(
        &metrics,
        "pageviews_collect_queue_sends_total{result=\"error\"}",
    ) as u64;
    let dropped: Vec<String> = metrics
        .lines()
        .filter(|line| line.starts_with("pageviews_collect_views_dropped_total{"))
        .filter(|line| !line.ends_with(" 0"))
        .filter(|line| !line.contains("reason=\"bot\""))
        .map(str::to_string)
        .collect();
    let send_mean_ms = 1000.0 * metric(&metrics, "pageviews_collect_queue_send_seconds_sum")
        / metric(&metrics, "pageviews_collect_queue_send_seconds_count");
    let stopped = log
        .lines()
        .find(|line| line.starts_with("stopped: "))
        .unwrap_or("(no summary line)");

    // wrk's Requests/sec is its completed requests over its measured run time.
    let completed: f64 = wrk_output
        .lines()
        .find_map(|line| line.trim().split_once(" requests in "))
        .and_then(|(count, _)| count.parse().ok())
        .expect("wrk printed its request count");
    let rate: f64 = wrk_line(&wrk_output, "Requests/sec:")
        .and_then(|rate| rate.parse().ok())
        .expect("wrk printed its rate");
    let wrk_seconds = completed / rate;
    let percentile = |label: &str| wrk_line(&wrk_output, label).unwrap_or("?").to_string();
    let peak = samples.iter().map(|(_, mib)| *mib).fold(0.0, f64::max);
    let at = |t: f64| {
        samples
            .iter()
            .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
            .map(|(_, mib)| *mib)
            .unwrap_or(0.0)
    };
    let quarter = samples.len() / 4;
    let mean = |part: &[(f64, f64)]| {
        part.iter().map(|(_, mib)| mib).sum::<f64>() / part.len().max(1) as f64
    };

    println!("wrk {}", wrk_args.join(" "));
    print!("{wrk_output}");
    println!("--");
    println!(
        "views accepted: {accepted} in {wrk_seconds:.2} s of load: {:.0} views/s (wrk: \
         {completed} responses, {rate:.0} requests/s); bots' requests {bots_dropped}, of them \
         {bot_hits} kept as hits",
        accepted as f64 / wrk_seconds,
    );
    println!(
        "latency: p50 {}, p75 {}, p90 {}, p99 {}",
        percentile("50%"),
        percentile("75%"),
        percentile("90%"),
        percentile("99%")
    );
    println!(
        "collect / bare handler: {:.2}x ({:.0} views/s against {bare_rate:.0} requests/s of an \
         axum handler answering 204 under the same wrk load just before; p99 {} against \
         {bare_p99})",
        accepted as f64 / wrk_seconds / bare_rate,
        accepted as f64 / wrk_seconds,
        percentile("99%"),
    );
    println!(
        "collect resident memory: {idle_mib:.1} MiB idle before the load; during it, peak \
         {peak:.1} MiB over {} samples, {:.1} MiB at 10 s, {:.1} MiB at the end; mean by quarter \
         of the run: {:.1}, {:.1}, {:.1}, {:.1} MiB; peak over the process's life (wait4): \
         {collector_max_mib:.1} MiB",
        samples.len(),
        at(10.0),
        samples.last().map(|(_, mib)| *mib).unwrap_or(0.0),
        mean(&samples[..quarter]),
        mean(&samples[quarter..2 * quarter]),
        mean(&samples[2 * quarter..3 * quarter]),
        mean(&samples[3 * quarter..]),
    );
    println!(
        "queue: {queued} events in {sends} sends: {:.1} per queue request; {failed_sends} \
         failed sends; send latency mean {send_mean_ms:.2} ms, p50 <= {}, p99 <= {}",
        queued as f64 / sends.max(1) as f64,
        send_bound_ms(&metrics, 0.5),
        send_bound_ms(&metrics, 0.99),
    );
    println!(
        "CPU over the {load_seconds:.1} s of load, in cores ({machine_cores:.0} cores): collect \
         {:.2}, wrk {:.2}, anything else on the machine {:.2}, idle {:.2}",
        collector_cpu / load_seconds,
        wrk_cpu / load_seconds,
        (machine_busy - collector_cpu - wrk_cpu).max(0.0) / load_seconds,
        machine_cores - machine_busy / load_seconds,
    );
    println!("collect after SIGTERM: exit {collector_code}, {stopped}");
    println!(
        "drain {drain_seconds:.1} s; reported views {first_day}..{last_day}: {reported} (accepted: {accepted})"
    );

    assert!(accepted > 0, "no view was accepted:\n{metrics}");
    assert!(
        dropped.is_empty(),
        "the load was not all counted views: {dropped:?}"
    );
    assert_eq!(
        queued,
        accepted + bot_hits,
        "accepted views not on the queue"
    );
    assert!(
        stopped.starts_with(&format!(
            "stopped: {} views accepted",
            pageviews::model::text::thousands(accepted)
        )),
        "{stopped}"
    );
    assert_eq!(reported, accepted, "views lost or counted twice");
}
