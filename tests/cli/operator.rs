//! What an operator meets around the pipeline: closed pipes in cron, environment twins,
//! read-only databases, one output per format, every bad line named (operator_messages.rs:
//! log levels, clear errors from odd endpoints, the small print of summaries and reports).

use std::io::{Read, Write};
use std::process::Stdio;
use std::time::Duration;

use crate::harness::{line, Env, Kind};
use crate::on_both_backends;

on_both_backends!(
    a_closed_stderr_never_stops_the_work_or_panics,
    init_reports_differences_only_for_what_was_asked,
);

/// Runs `args` with stderr connected to a pipe whose reading end is already closed, as in
/// `pageviews aggregate 2>&1 | head -1` once head has gone; returns the exit code.
fn run_with_closed_stderr(env: &Env, args: &[&str]) -> i32 {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let status = env
        .std_cmd()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::from(writer))
        .status()
        .expect("runs");
    status.code().unwrap_or(-1)
}

fn a_closed_stderr_never_stops_the_work_or_panics(kind: Kind) {
    let env = Env::on(kind, &[]);
    let count = env.scale(2_000, 300).to_string();
    let send = [
        "send",
        "--count",
        &count,
        "--from",
        "2021-03-01",
        "--to",
        "2021-03-10",
        "--seed",
        "3",
        "--events-per-message",
        "20",
    ];
    assert_eq!(run_with_closed_stderr(&env, &send), 0);
    assert_eq!(
        run_with_closed_stderr(&env, &["drain", "--wait-seconds", "0.2"]),
        0
    );
    let aggregate = ["aggregate", "--from", "2021-03-01", "--to", "2021-03-10"];
    assert_eq!(run_with_closed_stderr(&env, &aggregate), 0);
    let status = env.status();
    assert_eq!(status.days_aggregated, 10);
    assert!(status.pending_days.is_empty(), "{:?}", status.pending_days);
    assert_eq!(
        env.total(&["--from", "2021-03-01", "--to", "2021-03-10"]),
        count.parse::<u64>().unwrap()
    );
    // A failing command still says nothing and exits 1, without a panic's 101.
    let missing = ["--name", "no-such-deployment", "status"];
    assert_eq!(run_with_closed_stderr(&env, &missing), 1);
}

fn init_reports_differences_only_for_what_was_asked(kind: Kind) {
    let env = Env::on(kind, &[]);
    let (code, _, stderr) = env.run(&["init"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains(" - "), "nothing was asked for: {stderr}");
    let (code, _, stderr) = env.run(&["init", "--max-receives", "7"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("max receives is 5, not 7 (kept)"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("(kept)").count(), 1, "{stderr}");
}

#[test]
fn a_flag_wins_over_its_environment_twin_and_empty_twins_are_unset() {
    let env = Env::new();
    let status = env
        .cmd()
        .env("PAGEVIEWS_BACKEND", "bogus")
        .args(["--backend", "local", "status"])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    // An empty name is no name: the default, `pageviews`, is used.
    let init = env
        .cmd()
        .env("PAGEVIEWS_NAME", "")
        .arg("init")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&init.stderr);
    assert!(init.status.success(), "{stderr}");
    assert!(stderr.contains("pageviews.sqlite3"), "{stderr}");
    for no in ["0", "no", "false", "off"] {
        let drain = env
            .cmd()
            .env("PAGEVIEWS_FOLLOW", no)
            .args(["drain", "--wait-seconds", "0.1"])
            .output()
            .unwrap();
        assert!(drain.status.success(), "PAGEVIEWS_FOLLOW={no}");
    }
    let bogus = env
        .cmd()
        .env("PAGEVIEWS_FOLLOW", "perhaps")
        .arg("drain")
        .output()
        .unwrap();
    assert_eq!(bogus.status.code(), Some(2));
}

#[test]
fn a_yes_in_an_environment_twin_turns_a_switch_on() {
    let env = Env::new();
    for yes in ["1", "yes", "true", "on"] {
        let mut drain = env
            .std_cmd()
            .env("PAGEVIEWS_FOLLOW", yes)
            .args(["drain", "--wait-seconds", "0.1"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Two idle polls end a drain that does not follow within half a second.
        std::thread::sleep(Duration::from_millis(1_500));
        assert!(
            drain.try_wait().unwrap().is_none(),
            "PAGEVIEWS_FOLLOW={yes} should keep draining"
        );
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &drain.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        assert_eq!(drain.wait().unwrap().code(), Some(0));
    }
}

/// Makes the deployment's database readable but not writable by the commands run next, and
/// returns how to run them: as root (where permissions do not bind) as the `nobody` user, from
/// a copy of the binary it may execute; otherwise as this user, without write permission.
/// `folder_writable` leaves the data folder writable.
fn read_only(env: &Env, folder_writable: bool) -> impl Fn(&[&str]) -> (i32, String) + '_ {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let mode = |path: &std::path::Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let root = unsafe { libc::geteuid() } == 0;
    let binary = tempfile::tempdir().unwrap();
    let program = binary.path().join("pageviews");
    std::fs::copy(assert_cmd::cargo::cargo_bin("pageviews"), &program).unwrap();
    mode(binary.path(), 0o755);
    for entry in std::fs::read_dir(env.data_dir()).unwrap() {
        mode(&entry.unwrap().path(), 0o444);
    }
    let folder = match (folder_writable, root) {
        (false, _) => 0o555,
        (true, true) => 0o777,
        (true, false) => 0o755,
    };
    mode(env.data_dir(), folder);
    move |args: &[&str]| {
        let mut cmd = std::process::Command::new(&program);
        for (key, value) in env.std_cmd().get_envs() {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        if root {
            cmd.uid(65_534).gid(65_534);
        }
        let _keep = &binary;
        let output = cmd.args(args).output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.code().unwrap_or(-1), text)
    }
}

#[test]
fn reading_commands_work_on_a_database_this_user_cannot_write() {
    for folder_writable in [true, false] {
        let env = Env::new();
        env.ok(&[
            "send",
            "--count",
            "50",
            "--day",
            "2021-03-13",
            "--seed",
            "1",
        ]);
        env.drain(&[]);
        env.ok(&["aggregate", "--day", "2021-03-13"]);
        env.ok(&["send", "--count", "5", "--day", "2021-03-13", "--seed", "2"]);
        let run = read_only(&env, folder_writable);
        for args in [
            &["status"][..],
            &["report", "--day", "2021-03-13", "--format", "csv"],
            &["dlq", "list"],
        ] {
            let (code, output) = run(args);
            assert_eq!(
                code, 0,
                "{args:?} (folder writable: {folder_writable}): {output}"
            );
        }
        let (_, report) = run(&["report", "--day", "2021-03-13", "--format", "json"]);
        assert!(report.contains("\"views\""), "{report}");
        let (code, output) = run(&["drain"]);
        assert_eq!(code, 1, "{output}");
        let database = pageviews::backend::local::database_path(env.data_dir(), &env.name);
        assert!(
            output.contains(&format!(
                "database {} is read-only here",
                database.display()
            )),
            "{output}"
        );
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(env.data_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_damaged_database_is_named_with_the_likely_cause() {
    let env = Env::new();
    let database = pageviews::backend::local::database_path(env.data_dir(), &env.name);
    std::fs::write(&database, vec![b'x'; 8192]).unwrap();
    let (code, _, stderr) = env.run(&["status"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("database {} is damaged", database.display())),
        "{stderr}"
    );
}

#[test]
fn json_summaries_come_without_the_text_one() {
    let env = Env::new();
    env.ok(&[
        "send",
        "--count",
        "20",
        "--day",
        "2021-03-13",
        "--seed",
        "1",
    ]);
    for args in [
        &["drain", "--format", "json", "--wait-seconds", "0.1"][..],
        &["aggregate", "--day", "2021-03-13", "--format", "json"],
        &["dlq", "redrive", "--format", "json"],
        &["status", "--format", "json"],
    ] {
        let (code, stdout, stderr) = env.run(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(
            serde_json::from_str::<serde_json::Value>(&stdout).is_ok(),
            "{args:?}: {stdout}"
        );
        assert_eq!(stderr, "", "{args:?} also printed a text summary");
    }
}

#[test]
fn every_invalid_line_is_listed_and_can_be_kept_aside() {
    let env = Env::new();
    let mut lines = Vec::new();
    let mut bad = Vec::new();
    for n in 0..40 {
        if n % 7 == 3 || n >= 30 {
            let line = format!(r#"{{"page":"no-slash-{n}","time":"2021-03-13T00:00:00Z"}}"#);
            bad.push((n + 1, line.clone()));
            lines.push(line);
        } else {
            lines.push(line(&format!("/p{n}"), "2021-03-13T01:00:00Z", None));
        }
    }
    assert_eq!(bad.len(), 14);
    let input = env.write("views.ndjson", &(lines.join("\n") + "\n"));
    let input = input.to_str().unwrap();
    let (code, _, stderr) = env.run(&["send", "--input", input]);
    assert_eq!(code, 2);
    for (number, _) in &bad {
        assert!(
            stderr.contains(&format!("{input}:{number}: page must be a path")),
            "{stderr}"
        );
    }
    let rejects = env.data_dir().join("rejects.ndjson");
    let (code, _, stderr) = env.run(&[
        "send",
        "--input",
        input,
        "--skip-invalid",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr.matches(": page must be a path").count(),
        14,
        "{stderr}"
    );
    assert!(stderr.contains("sent 26 events"), "{stderr}");
    let kept: Vec<String> = bad.into_iter().map(|(_, line)| line).collect();
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap(),
        kept.join("\n") + "\n"
    );
}

#[test]
fn a_line_longer_than_an_event_is_refused_without_being_held_in_memory() {
    use std::os::unix::process::CommandExt;
    let env = Env::new();
    const LINE_BYTES: usize = 200 * 1024 * 1024;
    let mut cmd = env.std_cmd();
    cmd.args(["send", "--input", "/dev/stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // Less memory than the line: a reader that kept the whole line would fail.
    // SAFETY: setrlimit is async-signal-safe and only affects the child being started.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 128 * 1024 * 1024,
                rlim_max: 128 * 1024 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_DATA, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'x'; 1024 * 1024];
        stdin.write_all(b"{\"page\":\"/").ok();
        for _ in 0..LINE_BYTES / chunk.len() {
            if stdin.write_all(&chunk).is_err() {
                return;
            }
        }
        stdin.write_all(b"\"}\n").ok();
    });
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    writer.join().unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("/dev/stdin:1: line is {} bytes", LINE_BYTES + 12)),
        "{stderr}"
    );
}
