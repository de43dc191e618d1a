//! Runs one `pageviews` command as its own process, for the benchmarks: its wall-clock time
//! and its peak resident memory, read with `wait4`.

use std::process::Command;
use std::time::Instant;

/// Runs the release binary (or the one PAGEVIEWS_BENCH_BINARY names: an earlier build, to
/// measure before and after a change in one session), waits with wait4 to read its peak
/// resident memory.
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which std's Child cannot do
pub(crate) fn run(data_dir: &std::path::Path, name: &str, args: &[&str]) -> (f64, f64) {
    run_to(data_dir, name, args, None)
}

/// As `run`, with the process's stdout written into `stdout` when given.
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which std's Child cannot do
pub(crate) fn run_to(
    data_dir: &std::path::Path,
    name: &str,
    args: &[&str],
    stdout: Option<&std::path::Path>,
) -> (f64, f64) {
    let started = Instant::now();
    let binary = std::env::var_os("PAGEVIEWS_BENCH_BINARY")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_pageviews").into());
    let mut command = Command::new(binary);
    command
        .args(args)
        .env("PAGEVIEWS_DATA_DIR", data_dir)
        .env("PAGEVIEWS_NAME", name)
        .env("PAGEVIEWS_LOG", "error");
    if let Some(path) = stdout {
        command.stdout(std::fs::File::create(path).expect("stdout file created"));
    }
    let child = command.spawn().expect("binary starts");
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child; `usage` is a valid out-pointer.
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        waited > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "pageviews {args:?} failed"
    );
    (seconds, usage.ru_maxrss as f64 / 1024.0)
}
