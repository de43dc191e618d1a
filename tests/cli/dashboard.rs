//! `pageviews serve` as a running process: every panel of the dashboard shows what `report
//! --format json` gives for the same range and dimension (on both backends), the API answers
//! what it prints byte for byte, today is counted from the raw events, sites switch, and
//! every refusal (no token, wrong token, other machines without access settings, a range in
//! the future, a page that does not exist, a query 100 KB long) says so.

use serde_json::Value;
use std::collections::BTreeMap;

use crate::dashboard_server::{attributes, raw_status, rows, texts, Server};
use crate::harness::{Env, Kind};
use crate::on_both_backends;

on_both_backends!(
    every_panel_equals_report_json,
    today_is_counted_from_raw_events,
    a_day_aggregated_again_shows_at_the_next_request
);

/// An NDJSON line of one view with `fields`.
pub(crate) fn line(page: &str, time: &str, visitor: &str, fields: &str) -> String {
    let extra = match fields {
        "" => String::new(),
        fields => format!(",{fields}"),
    };
    format!(r#"{{"page":"{page}","time":"{time}","visitor":"{visitor}"{extra}}}"#)
}

pub(crate) fn send(env: &Env, lines: &[String]) {
    let input = env.write("events.ndjson", &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
}

/// Three days of views with referrers, sources, campaigns, downloads and events.
pub(crate) fn three_days(env: &Env) {
    let mut lines = Vec::new();
    for (day, count) in [("11", 7), ("12", 12), ("13", 5)] {
        for n in 0..count {
            let page = ["/", "/pricing", "/blog/a", "/docs"][n % 4];
            let time = format!("2021-03-{day}T{:02}:15:00Z", 8 + n % 9);
            let visitor = format!("v{}", n % 5);
            let fields = match n % 3 {
                0 => r#""referrer":"news.example""#.to_owned(),
                1 => r#""source":"mail","medium":"email","campaign":"spring""#.to_owned(),
                _ => format!(r#""referrer":"r{}.example""#, n % 2),
            };
            lines.push(line(page, &time, &visitor, &fields));
        }
        let time = format!("2021-03-{day}T12:00:00Z");
        lines.push(line("/files/a.pdf", &time, "v1", r#""kind":"download""#));
        lines.push(line("/", &time, "v2", r#""kind":"event","name":"signup""#));
    }
    send(env, &lines);
    env.ok(&["aggregate", "--pending"]);
}

fn json(env: &Env, args: &[&str]) -> Value {
    serde_json::from_str(&env.ok(args)).expect("JSON")
}

/// Per key (the `columns` joined as the dashboard shows them): views and visitors summed
/// over the records of `report --format json` (or `--by`).
fn summed(records: &Value, columns: &[&str]) -> BTreeMap<String, (u64, u64)> {
    let mut sums = BTreeMap::new();
    for record in records.as_array().unwrap() {
        let parts: Vec<&str> = columns
            .iter()
            .map(|c| record[c].as_str().unwrap_or(""))
            .collect();
        let sum = sums.entry(parts.join(" / ")).or_insert((0, 0));
        sum.0 += record["views"].as_u64().unwrap();
        sum.1 += record["visitors"].as_u64().unwrap();
    }
    sums
}

/// A breakdown's rows by key, as `summed` gives them.
fn by_key(rows: Vec<(String, u64, u64)>) -> BTreeMap<String, (u64, u64)> {
    rows.into_iter()
        .map(|(key, views, visitors)| (key, (views, visitors)))
        .collect()
}

fn every_panel_equals_report_json(kind: Kind) {
    let env = Env::on(kind, &[]);
    three_days(&env);
    let (from, to) = ("2021-03-11", "2021-03-13");
    let range = ["--from", from, "--to", to, "--format", "json"];
    let server = Server::start(&env, &[]);
    let query = format!("from={from}&to={to}");
    let overview = server.page(&format!("/?{query}"));

    let pages = json(&env, &[&["report"], &range[..]].concat());
    let expected_pages = summed(&pages, &["page"]);
    assert_eq!(by_key(rows(&overview, "pages")), expected_pages);
    assert_eq!(expected_pages["/"], (7, 7));
    let totals = json(&env, &[&["report", "--totals"], &range[..]].concat());
    let site_days: Vec<&Value> = totals
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["page"].is_null())
        .collect();
    let views: Vec<String> = site_days.iter().map(|r| r["views"].to_string()).collect();
    assert_eq!(views, ["7", "12", "5"]);
    assert_eq!(
        attributes(&overview, "svg#chart g.period", "data-views"),
        views
    );
    let visitor_days: u64 = site_days
        .iter()
        .map(|r| r["visitors"].as_u64().unwrap())
        .sum();
    assert_eq!(
        attributes(&overview, "#summary dd", "data-value")[..2],
        ["24".to_owned(), visitor_days.to_string()]
    );

    for (by, section, columns) in [
        ("referrer", "referrers", &["referrer"][..]),
        ("source", "sources", &["source"][..]),
        (
            "campaign",
            "campaigns",
            &["source", "medium", "campaign"][..],
        ),
        ("download", "downloads", &["file"][..]),
        ("event", "events", &["event"][..]),
    ] {
        let records = json(&env, &[&["report", "--by", by], &range[..]].concat());
        let expected = summed(&records, columns);
        let shown: Vec<(u64, u64)> = rows(&overview, section)
            .into_iter()
            .map(|(_, v, u)| (v, u))
            .collect();
        let mut wanted: Vec<(u64, u64)> = expected.values().copied().collect();
        let mut got = shown.clone();
        wanted.sort();
        got.sort();
        assert_eq!(got, wanted, "{section}");
        if columns.len() == 1 {
            assert_eq!(by_key(rows(&overview, section)), expected, "{section}");
        }
        let list = server.page(&format!("/list?{query}&by={section}"));
        assert_eq!(rows(&list, section), rows(&overview, section), "{section}");
    }
    assert_eq!(by_key(rows(&overview, "referrers"))["news.example"], (9, 9));

    // A page's own view: its numbers and its series.
    let page = server.page(&format!("/page?{query}&page=/pricing"));
    let of_page = json(
        &env,
        &[&["report", "--page", "/pricing"], &range[..]].concat(),
    );
    let series: Vec<String> = of_page
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["views"].to_string())
        .collect();
    assert_eq!(
        attributes(&page, "svg#chart g.period", "data-views"),
        series
    );
    let (views, visitors) = expected_pages["/pricing"];
    assert_eq!(
        attributes(&page, "#summary dd", "data-value")[..2],
        [views.to_string(), visitors.to_string()]
    );

    // The API prints what the command prints, byte for byte.
    for (api, args) in [
        (format!("/api/v1/report?{query}"), vec![]),
        (format!("/api/v1/report?{query}&top=2"), vec!["--top", "2"]),
        (
            format!("/api/v1/report?{query}&page=/docs"),
            vec!["--page", "/docs"],
        ),
        (
            format!("/api/v1/report?{query}&period=week"),
            vec!["--by-period", "week"],
        ),
        (
            format!("/api/v1/report?{query}&by=referrer&top=1"),
            vec!["--by", "referrer", "--top", "1"],
        ),
    ] {
        let reply = server.get(&api, &[]);
        assert_eq!(reply.status, 200, "{api}");
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(
            reply.text(),
            env.ok(&[&["report"], &range[..], &args[..]].concat()),
            "{api}"
        );
    }
    let count = server.get("/api/v1/count?page=/pricing", &[]);
    let count: Value = serde_json::from_slice(&count.body).unwrap();
    assert_eq!(
        (count["views"].as_u64(), count["visitor_days"].as_u64()),
        (Some(views), Some(visitors))
    );
}

fn today_is_counted_from_raw_events(kind: Kind) {
    let env = Env::on(kind, &[]);
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let lines = [
        line("/", &now, "a", r#""referrer":"news.example""#),
        line("/", &now, "b", ""),
        line("/new", &now, "a", ""),
    ];
    send(&env, &lines);
    let server = Server::start(&env, &[]);
    let today = server.page("/?range=today");
    assert_eq!(
        attributes(&today, "#summary dd", "data-value")[..2],
        ["3", "2"]
    );
    assert_eq!(
        by_key(rows(&today, "pages")),
        BTreeMap::from([("/".into(), (2, 2)), ("/new".into(), (1, 1))])
    );
    assert_eq!(by_key(rows(&today, "referrers"))["news.example"], (1, 1));
    assert!(texts(&today, ".live")[0].starts_with("Today so far"));
    let page = server.page("/page?range=today&page=/new");
    assert_eq!(
        attributes(&page, "#summary dd", "data-value")[..2],
        ["1", "1"]
    );
}

/// The dashboard keeps a range's report while its days are unchanged: views that arrive late
/// and are counted by `aggregate` show at the next request, through the overview, its pages'
/// panel, a full list and the previous period of the range after.
fn a_day_aggregated_again_shows_at_the_next_request(kind: Kind) {
    let env = Env::on(kind, &[]);
    three_days(&env);
    let server = Server::start(&env, &[]);
    let range = "from=2021-03-11&to=2021-03-13";
    let views = |path: &str| attributes(&server.page(path), "#summary dd", "data-value")[0].clone();
    assert_eq!(views(&format!("/?{range}")), "24");
    let next = "/?from=2021-03-14&to=2021-03-16";
    let previously = |page| attributes(&page, "#views .change", "title");
    assert_eq!(previously(server.page(next)), ["previously 24"]);
    let late: Vec<String> = (0..5)
        .map(|n| line("/late", &format!("2021-03-12T1{n}:30:00Z"), "v7", ""))
        .collect();
    send(&env, &late);
    // Drained, not aggregated: the kept report still holds, and says the day changed.
    assert_eq!(views(&format!("/?{range}")), "24");
    env.ok(&["aggregate", "--pending"]);
    let overview = server.page(&format!("/?{range}"));
    assert_eq!(attributes(&overview, "#summary dd", "data-value")[0], "29");
    assert_eq!(by_key(rows(&overview, "pages"))["/late"], (5, 1));
    let list = server.page(&format!("/list?{range}&by=referrers"));
    assert!(!rows(&list, "referrers").is_empty());
    assert_eq!(previously(server.page(next)), ["previously 29"]);
    let expected = json(
        &env,
        &[
            "report",
            "--from",
            "2021-03-11",
            "--to",
            "2021-03-13",
            "--format",
            "json",
        ],
    );
    let sent: u64 = expected
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["views"].as_u64().unwrap())
        .sum();
    assert_eq!(sent, 29);
}

#[test]
fn not_counted_yet_names_only_days_of_the_shown_range() {
    let env = Env::new();
    three_days(&env);
    // A day before the range, drained and left unaggregated: the previous period's.
    send(&env, &[line("/", "2021-03-10T09:00:00Z", "v9", "")]);
    let server = Server::start(&env, &[]);
    let overview = server.page("/?from=2021-03-11&to=2021-03-13");
    assert_eq!(attributes(&overview, "#summary dd", "data-value")[0], "24");
    assert!(texts(&overview, "#notes li").is_empty());
    // Once the range holds it, it is named.
    let holding = server.page("/?from=2021-03-10&to=2021-03-13");
    assert_eq!(
        texts(&holding, "#notes li"),
        ["Not aggregated yet: 2021-03-10"]
    );
}

#[test]
fn sites_switch_each_with_its_own_numbers() {
    let env = Env::new();
    three_days(&env);
    env.ok(&["--name", "shop", "init", "--time-zone", "Europe/Berlin"]);
    let input = env.write(
        "shop.ndjson",
        &(line("/cart", "2021-03-12T10:00:00Z", "x", "") + "\n"),
    );
    env.ok(&["--name", "shop", "send", "--input", input.to_str().unwrap()]);
    env.ok(&["--name", "shop", "drain"]);
    env.ok(&["--name", "shop", "aggregate", "--pending"]);
    let name = env.name.clone();
    let server = Server::start(&env, &["--site", &name, "--site", "shop"]);
    let first = server.page("/?from=2021-03-12&to=2021-03-12");
    assert_eq!(
        texts(&first, "nav[aria-label=Sites] a"),
        [name.clone(), "shop".into()]
    );
    assert_eq!(attributes(&first, "#summary dd", "data-value")[0], "12");
    let shop = server.page("/?site=shop&from=2021-03-12&to=2021-03-12");
    assert_eq!(texts(&shop, "h1"), ["Page views of shop"]);
    assert_eq!(
        by_key(rows(&shop, "pages")),
        BTreeMap::from([("/cart".into(), (1, 1))])
    );
    assert!(texts(&shop, ".period")[0].contains("Europe/Berlin"));
    let unknown = server.get("/?site=nope", &[]);
    assert_eq!(unknown.status, 404);
    assert!(unknown.text().contains(&format!(
        "site=&quot;nope&quot; is not served here: expected {name}, shop"
    )));
}

#[test]
fn refusals_say_what_was_wrong() {
    let env = Env::new();
    three_days(&env);
    // Other machines: a token or --public first.
    let (code, _, stderr) = env.run(&["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "--listen 0.0.0.0:0 is reachable from other machines: give --token-file FILE"
        ),
        "{stderr}"
    );
    let short = env.write("short-token", "secret\n");
    let (code, _, stderr) = env.run(&["serve", "--token-file", short.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("must hold one token of at least 32 characters"),
        "{stderr}"
    );

    let token = "3f1c0a9e5b7d2468ace13579bdf02468";
    let file = env.write("token", &format!("{token}\n"));
    let server = Server::start(
        &env,
        &[
            "--listen",
            "0.0.0.0:0",
            "--token-file",
            file.to_str().unwrap(),
        ],
    );
    let mut server = server;
    server.base = server.base.replace("0.0.0.0", "127.0.0.1");
    let query = "/?from=2021-03-11&to=2021-03-13";
    let wrong = format!("Bearer {}0", &token[..31]);
    for headers in [
        vec![],
        vec![("authorization", wrong.as_str())],
        vec![("cookie", "pageviews_token=nope")],
    ] {
        for path in [
            query,
            "/api/v1/report?day=2021-03-12",
            "/api/v1/count?page=/",
        ] {
            let reply = server.get(path, &headers);
            assert_eq!(
                (reply.status, reply.text()),
                (401, String::new()),
                "{path} {headers:?}"
            );
        }
    }
    let bearer = format!("Bearer {token}");
    let with_token = [("authorization", bearer.as_str())];
    assert_eq!(server.get(query, &with_token).status, 200);
    assert_eq!(server.post("/login", "token=wrong").status, 401);
    let login = server.post("/login", &format!("token={token}"));
    assert_eq!(login.status, 303);
    let cookie = login.header("set-cookie").unwrap();
    assert_eq!(
        cookie,
        format!("pageviews_token={token}; Path=/; HttpOnly; SameSite=Strict; Secure")
    );
    let cookie = format!("pageviews_token={token}");
    assert_eq!(
        server.get(query, &[("cookie", cookie.as_str())]).status,
        200
    );

    let future = server.get("/?day=2999-01-01", &with_token);
    assert_eq!(future.status, 400);
    assert!(future
        .text()
        .contains("2999-01-01 is in the future: nothing is counted for it yet"));
    let api_future = server.get("/api/v1/report?day=2999-01-01", &with_token);
    assert_eq!(api_future.status, 400);
    let error: Value = serde_json::from_slice(&api_future.body).unwrap();
    assert!(error["error"]
        .as_str()
        .unwrap()
        .starts_with("2999-01-01 is in the future"));
    let missing = server.get(
        "/page?from=2021-03-11&to=2021-03-13&page=/nowhere",
        &with_token,
    );
    assert_eq!(missing.status, 404);
    assert!(missing
        .text()
        .contains("/nowhere has no views from 2021-03-11 to 2021-03-13"));
    // Longer than an `http::Uri` holds, so written by hand: refused, never read.
    assert_eq!(
        raw_status(&server, &format!("/?page=/{}", "a".repeat(100_000))),
        414
    );
    let long = server.get(&format!("/?page=/{}", "a".repeat(5_000)), &with_token);
    assert_eq!(long.status, 414);
    assert!(long
        .text()
        .contains("the query string has 5006 bytes; at most 4096 are read"));
    let typo = server.get("/?form=2021-03-11", &with_token);
    assert_eq!(typo.status, 400);
    assert!(typo.text().contains("unknown parameter"));
    let policy = server.get(query, &with_token);
    assert_eq!(
        policy.header("content-security-policy"),
        Some("default-src 'none'; style-src 'self'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    );
}

#[test]
fn the_count_is_readable_by_allowed_origins_only() {
    let env = Env::new();
    three_days(&env);
    let server = Server::start(&env, &["--allow-origin", "https://example.com"]);
    let allowed = server.get("/api/v1/count?page=/", &[("origin", "https://example.com")]);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://example.com")
    );
    let count: Value = serde_json::from_slice(&allowed.body).unwrap();
    assert_eq!(
        (count["page"].as_str(), count["views"].as_u64()),
        (Some("/"), Some(7))
    );
    let other = server.get(
        "/api/v1/count?page=/",
        &[("origin", "https://evil.example")],
    );
    assert_eq!(other.status, 200);
    assert_eq!(other.header("access-control-allow-origin"), None);
    let (code, _, stderr) = env.run(&["serve", "--allow-origin", "example.com"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--allow-origin \"example.com\" is not an origin"),
        "{stderr}"
    );
}
