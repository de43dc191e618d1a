//! `import` of W3C extended logs as IIS writes them (directives, a `#Fields` line that changes
//! midway, `+` for spaces) and of JSON access logs (nginx's names, and names given with
//! `--json-field` or its environment twin): the exact views and skipped lines each gives.

use serde_json::json;
use std::collections::BTreeMap;

use crate::harness::Env;
use crate::logs::{by, combined, import, rows, CHROME, FIREFOX, SAFARI};

const IIS_FIELDS: &str = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs-version cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus sc-win32-status time-taken";

/// An IIS line in the layout of [`IIS_FIELDS`].
// One argument per field the lines of the test differ in.
#[allow(clippy::too_many_arguments)]
fn iis(
    time: &str,
    method: &str,
    stem: &str,
    query: &str,
    ip: &str,
    agent: &str,
    referrer: &str,
    status: u16,
) -> String {
    let agent = agent.replace(' ', "+");
    format!("2021-03-13 {time} 10.0.0.4 {method} {stem} {query} 443 - {ip} HTTP/2 {agent} {referrer} www.example.com {status} 0 0 46")
}

#[test]
fn iis_w3c_logs_read_by_their_fields_lines() {
    let env = Env::new();
    let log = [
        "#Software: Microsoft Internet Information Services 10.0".to_owned(),
        "#Version: 1.0".to_owned(),
        "#Date: 2021-03-13 10:00:00".to_owned(),
        IIS_FIELDS.to_owned(),
        iis(
            "10:00:00",
            "GET",
            "/posts/a",
            "utm_source=news&id=7",
            "203.0.113.9",
            FIREFOX,
            "https://www.google.com/",
            200,
        ),
        iis(
            "10:01:00",
            "GET",
            "/posts/b",
            "-",
            "2001:db8::1",
            SAFARI,
            "-",
            200,
        ),
        iis(
            "10:01:01",
            "GET",
            "/Content/site.css",
            "v=3",
            "2001:db8::1",
            SAFARI,
            "https://www.example.com/posts/b",
            200,
        ),
        iis(
            "10:02:00",
            "GET",
            "/missing",
            "-",
            "203.0.113.9",
            FIREFOX,
            "-",
            404,
        ),
        iis(
            "10:03:00",
            "POST",
            "/contact",
            "-",
            "203.0.113.9",
            FIREFOX,
            "-",
            200,
        ),
        iis(
            "10:04:00",
            "GET",
            "/",
            "-",
            "157.55.39.1",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "-",
            200,
        ),
        // Cut short.
        "2021-03-13 10:05:00 10.0.0.4 GET /posts/a - 443".to_owned(),
        // IIS restarted with other fields: a new header, and lines in its order.
        "#Software: Microsoft Internet Information Services 10.0".to_owned(),
        "#Fields: date time c-ip cs-method cs-uri-stem sc-status cs(User-Agent) cs(Referer)"
            .to_owned(),
        format!(
            "2021-03-13 11:00:00 198.51.100.7 GET /posts/a 304 {} -",
            CHROME.replace(' ', "+")
        ),
        combined(
            "192.0.2.1",
            "13/Mar/2021:11:01:00 +0000",
            "GET /posts/a HTTP/1.1",
            200,
            "-",
            FIREFOX,
        ),
    ];
    let file = env.write("u_ex210313.log", &(log.join("\n") + "\n"));
    let args = ["--format", "w3c", file.to_str().unwrap()];
    let summary = import(&env, &args);
    assert_eq!(summary["lines"], 9, "{summary}");
    assert_eq!(summary["views"], 3, "{summary}");
    assert_eq!(
        summary["skipped"],
        json!({"method": 1, "status": 1, "asset": 1})
    );
    assert_eq!(summary["bot_hits"], 1, "{summary}");
    let reasons: Vec<(u64, &str)> = summary["unparsable_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["line"].as_u64().unwrap(),
                line["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (11, "fewer fields than the #Fields line names"),
            (15, "no time where #Fields has it")
        ]
    );
    let expected = BTreeMap::from([
        ("/posts/a".to_owned(), (2, 2)),
        ("/posts/b".to_owned(), (1, 1)),
    ]);
    assert_eq!(rows(&env), expected);
    assert_eq!(by(&env, "referrer")[0]["referrer"], "google.com");
    assert_eq!(by(&env, "source")[0]["source"], "news");
    assert_eq!(import(&env, &args)["views"], 3);
    assert_eq!(rows(&env), expected);
    // A log without a usable #Fields line says so.
    let headless = env.write("headless.log", &(log[4..6].join("\n") + "\n"));
    let (code, _, stderr) = env.run(&["import", "--format", "w3c", headless.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("headless.log:1: no #Fields line with what a view needs before this line"),
        "{stderr}"
    );
}

#[test]
fn json_access_logs_with_the_usual_names_and_names_given() {
    let env = Env::new();
    let line = |time: &str, ip: &str, request: &str, status: &str, referrer: &str, agent: &str| {
        json!({
            "time_iso8601": time, "remote_addr": ip, "remote_user": "-", "request": request,
            "status": status, "body_bytes_sent": "512", "http_referer": referrer,
            "http_user_agent": agent, "host": "example.com"
        })
        .to_string()
    };
    let log = [
        line(
            "2021-03-13T10:00:00+00:00",
            "203.0.113.9",
            "GET /posts/a?utm_campaign=spring HTTP/1.1",
            "200",
            "https://www.google.com/",
            FIREFOX,
        ),
        line(
            "2021-03-13T11:00:00+01:00",
            "2001:db8::1",
            "GET /posts/b HTTP/2.0",
            "200",
            "-",
            SAFARI,
        ),
        line(
            "2021-03-13T10:00:01+00:00",
            "203.0.113.9",
            "GET /app.js HTTP/1.1",
            "200",
            "https://example.com/posts/a",
            FIREFOX,
        ),
        line(
            "2021-03-13T10:02:00+00:00",
            "66.249.66.1",
            "GET /posts/a HTTP/1.1",
            "200",
            "-",
            "Googlebot/2.1 (+http://www.google.com/bot.html)",
        ),
        line(
            "2021-03-13T10:03:00+00:00",
            "203.0.113.9",
            "GET /gone HTTP/1.1",
            "410",
            "-",
            FIREFOX,
        ),
        // The referrer is the site itself.
        line(
            "2021-03-13T10:04:00+00:00",
            "203.0.113.9",
            "GET /posts/b HTTP/1.1",
            "200",
            "https://example.com/posts/a",
            FIREFOX,
        ),
        combined(
            "192.0.2.1",
            "13/Mar/2021:10:05:00 +0000",
            "GET /posts/a HTTP/1.1",
            200,
            "-",
            FIREFOX,
        ),
    ];
    let file = env.write("access.json", &(log.join("\n") + "\n"));
    let summary = import(&env, &["--format", "nginx-json", file.to_str().unwrap()]);
    assert_eq!(summary["views"], 3, "{summary}");
    assert_eq!(summary["skipped"], json!({"status": 1, "asset": 1}));
    assert_eq!(summary["bot_hits"], 1, "{summary}");
    assert_eq!(
        summary["unparsable_lines"][0]["reason"],
        "not a JSON object"
    );
    assert_eq!(
        rows(&env),
        BTreeMap::from([
            ("/posts/a".to_owned(), (1, 1)),
            ("/posts/b".to_owned(), (2, 2)),
        ])
    );
    assert_eq!(by(&env, "campaign")[0]["campaign"], "spring");
    // Other names, given in the environment twin of --json-field: nested, numbers for time
    // and status.
    let other = json!({"ts": 1615630000.5, "client": {"ip": "198.51.100.7"}, "req": {"verb": "GET", "path": "/posts/c"}, "code": 200, "ua": CHROME}).to_string();
    let file = env.write("other.json", &(other + "\n"));
    let output = env
        .cmd()
        .env(
            "PAGEVIEWS_JSON_FIELDS",
            "time=ts,address=client.ip,method=req.verb,uri=req.path,status=code,user-agent=ua",
        )
        .args([
            "import",
            "--summary",
            "json",
            "--format",
            "nginx-json",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["views"], 1, "{summary}");
    assert_eq!(rows(&env)["/posts/c"], (1, 1));
    // A name for another format, or a role that is none, is refused.
    let (code, _, stderr) = env.run(&[
        "import",
        "--format",
        "combined",
        "--json-field",
        "time=ts",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--json-field names the keys of --format nginx-json; the format is combined: drop --json-field"), "{stderr}");
    let (code, _, stderr) = env.run(&[
        "import",
        "--format",
        "nginx-json",
        "--json-field",
        "size=bytes",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no role \"size\": roles are time, address, method, uri, request, status, referrer, user-agent, host"), "{stderr}");
}
