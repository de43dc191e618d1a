//! `import` of Caddy's JSON log and of Apache's logs (gzip on stdin, --include and --exclude,
//! the common format): the exact views, skipped lines and times each gives.

use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write as _;

use crate::harness::Env;
use crate::logs::{by, combined, import, json_of, rows, CHROME, FIREFOX, SAFARI};

#[test]
fn caddy_json_lines_with_hosts_and_headers() {
    let env = Env::new();
    let line = |ts: &str, ip: &str, uri: &str, status: u16, agent: &str, referrer: &str| {
        let referrer = match referrer {
            "" => String::new(),
            referrer => format!(r#","Referer":["{referrer}"]"#),
        };
        format!(
            r#"{{"level":"info","ts":{ts},"logger":"http.log.access.log0","msg":"handled request","request":{{"remote_ip":"10.0.0.2","remote_port":"41342","client_ip":"{ip}","proto":"HTTP/2.0","method":"GET","host":"Example.com","uri":"{uri}","headers":{{"User-Agent":["{agent}"]{referrer}}}}},"bytes_read":0,"duration":0.000912,"size":10900,"status":{status}}}"#
        )
    };
    let log = [
        // 2021-03-13T12:00:00.5Z; a referrer within the site is none.
        line(
            "1615636800.5",
            "2001:db8::7",
            "/posts/a?utm_campaign=spring&utm_source=mastodon",
            200,
            FIREFOX,
            "https://example.com/",
        ),
        line(
            "1615636801.25",
            "2001:db8::7",
            "/assets/site.js",
            200,
            FIREFOX,
            "https://example.com/posts/a",
        ),
        line(
            "1615636802",
            "192.0.2.9",
            "/posts/b",
            200,
            SAFARI,
            "https://lobste.rs/",
        ),
        line("1615636803", "192.0.2.9", "/nope", 404, SAFARI, ""),
        line(
            "1615636804",
            "192.0.2.10",
            "/posts/b",
            200,
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "",
        ),
        // Time as RFC 3339 text (time_format iso8601): 2021-03-13T14:00:00Z.
        line(
            r#""2021-03-13T15:00:00+01:00""#,
            "198.51.100.3",
            "/",
            304,
            CHROME,
            "",
        ),
        r#"{"level":"info","ts":1615636800,"logger":"tls","msg":"certificate obtained"}"#
            .to_owned(),
        r#"{"level":"info","ts":1615636800,"request":{"#.to_owned(),
    ];
    let file = env.write("caddy.json", &(log.join("\n") + "\n"));
    let summary = import(&env, &["--format", "caddy", file.to_str().unwrap()]);
    assert_eq!(summary["views"], 3, "{summary}");
    assert_eq!(summary["bot_hits"], 1, "{summary}");
    assert_eq!(summary["skipped"], json!({"status": 1, "asset": 1}));
    assert_eq!(summary["unparsable"], 2);
    let reasons: Vec<&str> = summary["unparsable_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        ["no `request` (not an access log line)", "not a JSON object"]
    );
    assert_eq!(
        rows(&env),
        BTreeMap::from([
            ("/".to_owned(), (1, 1)),
            ("/posts/a".to_owned(), (1, 1)),
            ("/posts/b".to_owned(), (1, 1)),
        ])
    );
    let referrers = by(&env, "referrer");
    assert_eq!(referrers.as_array().unwrap().len(), 1, "{referrers}");
    assert_eq!(referrers[0]["referrer"], "lobste.rs");
    let campaigns = by(&env, "campaign");
    assert_eq!(campaigns[0]["campaign"], "spring");
    // The hours are the log's: 12:00 and 14:00 UTC.
    let hours: Vec<u64> =
        env.report(&["--day", "2021-03-13"])
            .iter()
            .fold(vec![0; 24], |mut sum, row| {
                for (hour, views) in row.hours.iter().enumerate() {
                    sum[hour] += views;
                }
                sum
            });
    assert_eq!((hours[12], hours[14]), (2, 1));
}

#[test]
fn apache_logs_from_gzip_on_stdin_with_include_and_exclude_and_the_common_format() {
    let env = Env::new();
    let lines = [
        combined("192.0.2.1", "13/Mar/2021:09:00:00 +0000", "GET /papers/a.pdf HTTP/1.1", 200, "-", FIREFOX),
        combined("192.0.2.1", "13/Mar/2021:09:00:00 +0000", "GET /files/b.pdf HTTP/1.1", 200, "-", FIREFOX),
        combined("192.0.2.1", "13/Mar/2021:09:00:00 +0000", "GET /admin/users HTTP/1.1", 200, "-", FIREFOX),
        combined("192.0.2.1", "13/Mar/2021:09:00:00 +0000", "GET /about HTTP/1.1", 206, "-", FIREFOX),
        // Apache escapes a quote in the agent as \".
        r#"192.0.2.2 - bob [13/Mar/2021:09:30:00 +0000] "GET /about HTTP/1.1" 200 99 "-" "Mozilla/5.0 \"odd\" Firefox/133.0""#.to_owned(),
    ];
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all((lines.join("\n") + "\n").as_bytes()).unwrap();
    let output = env
        .cmd()
        .args([
            "import",
            "--format",
            "combined",
            "--summary",
            "json",
            "--include",
            "/papers/*.pdf",
            "--exclude",
            "/admin/**",
            "-",
        ])
        .write_stdin(gz.finish().unwrap())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = json_of(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(summary["views"], 3, "{summary}");
    assert_eq!(summary["skipped"], json!({"asset": 1, "excluded": 1}));
    let common = [
        r#"192.0.2.3 - - [13/Mar/2021:18:00:00 -0800] "GET /posts/d HTTP/1.1" 200 512"#,
        r#"192.0.2.3 - - [13/Mar/2021:18:00:01 -0800] "GET /style.css HTTP/1.1" 200 512"#,
        r#"192.0.2.3 - - [13/Mar/2021:18:00:02 -0800] "GET /gone HTTP/1.1" 410 0"#,
    ];
    let file = env.write("common.log", &(common.join("\n") + "\n"));
    let summary = import(&env, &["--format", "common", file.to_str().unwrap()]);
    assert_eq!(summary["views"], 1, "{summary}");
    assert_eq!(
        rows(&env),
        BTreeMap::from([
            ("/about".to_owned(), (2, 2)),
            ("/papers/a.pdf".to_owned(), (1, 1)),
        ])
    );
    // 18:00 at -0800 is 02:00 UTC on the 14th.
    env.ok(&["aggregate", "--day", "2021-03-14"]);
    let next: Vec<(String, u64)> = env
        .report(&["--day", "2021-03-14"])
        .into_iter()
        .map(|r| (r.page, r.views))
        .collect();
    assert_eq!(next, [("/posts/d".to_owned(), 1)]);
}

/// Views drained so far, waited for until there are `expected` (at most 30 s).
pub(crate) fn drained_until(env: &Env, expected: u64, so_far: &mut u64) {
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while *so_far < expected && std::time::Instant::now() < give_up {
        *so_far += env.drain(&[]).events_written;
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(*so_far, expected);
}

#[test]
fn follow_reads_a_growing_log_and_its_rotation_until_stopped() {
    let env = Env::new();
    let at = |minute: u32, page: &str| {
        combined(
            "192.0.2.7",
            &format!("13/Mar/2021:10:{minute:02}:00 +0000"),
            &format!("GET {page} HTTP/1.1"),
            200,
            "-",
            FIREFOX,
        )
    };
    let log = env.write(
        "access.log",
        &format!("{}\n{}\n", at(0, "/a"), at(1, "/a.css")),
    );
    let path = log.to_str().unwrap();
    let child = env.spawn(&[
        "import",
        "--format",
        "combined",
        "--follow",
        "--summary",
        "json",
        path,
    ]);
    let mut drained = 0;
    drained_until(&env, 1, &mut drained);
    // Appended, half a line first: it is read once whole.
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    write!(file, "{}", &at(2, "/b")[..20]).unwrap();
    file.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(600));
    writeln!(file, "{}", &at(2, "/b")[20..]).unwrap();
    drained_until(&env, 2, &mut drained);
    // Rotated: renamed, and a new file at the path.
    std::fs::rename(&log, env.data_dir().join("access.log.1")).unwrap();
    env.write("access.log", &format!("{}\n", at(3, "/c")));
    drained_until(&env, 3, &mut drained);
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = json_of(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(summary["views"], 3, "{summary}");
    assert_eq!(summary["skipped"], json!({"asset": 1}));
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(env.total(&["--day", "2021-03-13"]), 3);
}
