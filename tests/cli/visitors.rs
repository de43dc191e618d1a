//! Visitors and days of the site's time zone: exact distinct visitors per page and per site,
//! keys from the collector's daily salt, salts that do not outlive their days, and days cut at
//! local midnight (23 and 25 hours when clocks change, +05:30 and +05:45 zones).

use std::collections::BTreeMap;

use crate::collector::{Collector, BROWSER, SITE};
use crate::harness::{days_since, utc_today, Env, Kind, LastDay, Row};
use crate::on_both_backends;

on_both_backends!(
    known_visitors_are_counted_exactly_per_page_and_for_the_site,
    collector_clients_are_told_apart_by_address_and_user_agent,
    the_same_person_on_two_days_counts_once_each_day,
    days_are_cut_at_the_zones_midnight,
    a_deployment_with_events_keeps_its_time_zone,
);

/// An NDJSON line of a view with an optional visitor key.
fn view(page: &str, time: &str, visitor: Option<&str>) -> String {
    match visitor {
        Some(key) => format!(r#"{{"page":"{page}","time":"{time}","visitor":"{key}"}}"#),
        None => format!(r#"{{"page":"{page}","time":"{time}"}}"#),
    }
}

fn send_lines(env: &Env, lines: &[String]) {
    let input = env.write("views.ndjson", &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
}

/// (day, page) -> (views, visitors), from the JSON report.
fn numbers(rows: &[Row]) -> BTreeMap<(String, String), (u64, u64)> {
    rows.iter()
        .map(|row| {
            (
                (row.day.clone(), row.page.clone()),
                (row.views, row.visitors),
            )
        })
        .collect()
}

fn key(day: &str, page: &str) -> (String, String) {
    (day.to_owned(), page.to_owned())
}

fn known_visitors_are_counted_exactly_per_page_and_for_the_site(kind: Kind) {
    let env = Env::on(kind, &[]);
    let (d1, d2) = ("2021-03-13", "2021-03-14");
    send_lines(
        &env,
        &[
            view("/a", "2021-03-13T08:00:00Z", Some("v1")),
            view("/a", "2021-03-13T08:05:00Z", Some("v1")),
            view("/b", "2021-03-13T08:06:00Z", Some("v1")),
            view("/a", "2021-03-13T09:00:00Z", Some("v2")),
            view("/c", "2021-03-13T10:00:00Z", Some("v3")),
            view("/a", "2021-03-13T11:00:00Z", None),
            view("/a", "2021-03-14T08:00:00Z", Some("v1")),
            view("/b", "2021-03-14T09:00:00Z", Some("v4")),
            view("/b", "2021-03-14T09:30:00Z", Some("v4")),
        ],
    );
    let summary = env.ok(&["aggregate", "--from", d1, "--to", d2, "--format", "json"]);
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    // The site's visitors are the distinct keys of the day (3), not the sum over pages (4).
    assert_eq!(summary[0]["visitors"], 3);
    assert_eq!(summary[0]["keyless_views"], 1);
    assert_eq!(summary[1]["visitors"], 2);
    assert_eq!(summary[1]["keyless_views"], 0);
    let rows = env.report(&["--from", d1, "--to", d2]);
    assert_eq!(
        numbers(&rows),
        BTreeMap::from([
            (key(d1, "/a"), (4, 2)),
            (key(d1, "/b"), (1, 1)),
            (key(d1, "/c"), (1, 1)),
            (key(d2, "/a"), (1, 1)),
            (key(d2, "/b"), (2, 1)),
        ])
    );
    let csv = env.ok(&["report", "--day", d1, "--format", "csv"]);
    assert_eq!(
        crate::harness::first_columns(&csv, 4),
        "day,page,views,visitors\n2021-03-13,/a,4,2\n2021-03-13,/b,1,1\n2021-03-13,/c,1,1\n"
    );
    let table = env.ok(&["report", "--day", d1]);
    let total = table.lines().find(|l| l.starts_with("| Total")).unwrap();
    assert!(total.contains("|     6 |        3 |"), "{table}");
    assert!(table.contains("views without a visitor key"), "{table}");
    let range = env.ok(&["report", "--from", d1, "--to", d2]);
    let total = range.lines().find(|l| l.starts_with("| Total")).unwrap();
    assert!(total.contains("visitors summed per day"), "{range}");
    assert!(total.contains("|     9 |        5 |"), "{range}");
    assert_eq!(
        env.status().last_day,
        Some(LastDay {
            day: d2.into(),
            views: 3,
            visitors: 2,
            keyless_views: 0,
        })
    );
}

/// Drains, aggregates the days a collector's views can be on, and returns the report's rows.
fn collected(env: &Env) -> Vec<Row> {
    env.drain(&[]);
    let range = crate::collector::today_range();
    let range: Vec<&str> = range.iter().map(String::as_str).collect();
    env.ok(&[&["aggregate"][..], &range].concat());
    env.report(&range)
}

/// A view through a proxy that names the client in X-Forwarded-For.
fn view_from(collector: &Collector, page: &str, address: &str, agent: &str) {
    let reply = collector.post(
        "/v1/view",
        &[
            ("origin", SITE),
            ("user-agent", agent),
            ("x-forwarded-for", address),
        ],
        &serde_json::json!({ "page": page }).to_string(),
    );
    assert_eq!(reply.status, 204, "{}", reply.text());
}

fn collector_clients_are_told_apart_by_address_and_user_agent(kind: Kind) {
    let env = Env::on(kind, &[]);
    let collector = Collector::start(&env, &["--allow-origin", SITE, "--trust-forwarded-for"]);
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    for (page, address, agent) in [
        ("/a", "203.0.113.1", BROWSER),
        ("/b", "203.0.113.1", BROWSER),
        ("/a", "203.0.113.1", firefox),
        ("/a", "203.0.113.2", BROWSER),
        ("/a", "203.0.113.1", BROWSER),
        ("/b", "2001:db8::7", BROWSER),
    ] {
        view_from(&collector, page, address, agent);
    }
    collector.stop_ok();
    let rows = collected(&env);
    let per_page: BTreeMap<&str, (u64, u64)> = rows
        .iter()
        .map(|row| (row.page.as_str(), (row.views, row.visitors)))
        .collect();
    assert_eq!(per_page, BTreeMap::from([("/a", (4, 3)), ("/b", (2, 2))]));
    assert_eq!(env.status().last_day.map(|day| day.visitors), Some(4));
}

/// A deployment is one site: the same browser on `example.com`, `www.example.com` and a
/// subdomain (beacon and pixel) is one visitor, as its referrers already treat them as one site.
#[test]
fn the_hosts_of_one_site_share_one_key_space() {
    let env = Env::new();
    let collector = Collector::start(
        &env,
        &[
            "--allow-origin",
            "https://example.com",
            "--allow-origin",
            "https://www.example.com",
            "--allow-origin",
            "https://*.example.com",
        ],
    );
    let beacon = |origin: &str, page: &str| {
        let body = serde_json::json!({ "page": page }).to_string();
        let reply = collector.post(
            "/v1/view",
            &[("origin", origin), ("user-agent", BROWSER)],
            &body,
        );
        assert_eq!(reply.status, 204, "{origin}: {}", reply.text());
    };
    beacon("https://example.com", "/a");
    beacon("https://www.example.com", "/b");
    beacon("https://blog.example.com", "/c");
    let pixel = collector.get(
        "/v1/view.gif?page=/d",
        &[
            ("referer", "https://www.example.com/d"),
            ("user-agent", BROWSER),
        ],
    );
    assert_eq!(pixel.status, 200);
    collector.stop_ok();
    collected(&env);
    let day = env.status().last_day.unwrap();
    assert_eq!((day.views, day.visitors, day.keyless_views), (4, 1, 0));
    assert_eq!(visitor_keys(&env).len(), 1);
}

/// Behind a gateway that writes the client's port, or a proxy that writes garbage: addresses
/// with ports are the clients'; what is no address is counted, logged once, and its views
/// count without a visitor key, never as the proxy's one visitor.
#[test]
fn forwarded_addresses_with_ports_are_read_and_garbage_is_counted_apart() {
    let env = Env::new();
    let collector = Collector::start(&env, &["--allow-origin", SITE, "--trust-forwarded-for"]);
    for address in [
        "2.2.2.2:5555",
        "6.6.6.6, 2.2.2.2",
        "3.3.3.3:5555",
        "[2001:db8::9]:443",
        "unknown",
        "4.4.4.4,",
    ] {
        view_from(&collector, "/a", address, BROWSER);
    }
    assert_eq!(
        collector.metric("pageviews_collect_forwarded_for_unreadable_total"),
        2.0
    );
    let stderr = collector.stop_ok();
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("X-Forwarded-For entry is not an address"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].contains("xxxxxxx"), "{stderr}");
    for address in ["4.4.4.4", "6.6.6.6", "2.2.2.2"] {
        assert!(!stderr.contains(address), "{stderr}");
    }
    let rows = collected(&env);
    assert_eq!((rows[0].views, rows[0].visitors), (6, 3));
    let day = env.status().last_day.unwrap();
    assert_eq!((day.views, day.visitors, day.keyless_views), (6, 3, 2));
}

/// Seconds from now to the same time of day two days earlier: a collector's clock set back.
const TWO_DAYS_BACK: i64 = -2 * 86_400;

fn the_same_person_on_two_days_counts_once_each_day(kind: Kind) {
    let env = Env::on(kind, &[]);
    let back = utc_today() - chrono::Duration::days(2);
    let args = ["--allow-origin", SITE, "--trust-forwarded-for"];
    let before = Collector::start_shifted(&env, &args, TWO_DAYS_BACK);
    for page in ["/a", "/b", "/a"] {
        view_from(&before, page, "198.51.100.5", BROWSER);
    }
    before.stop_ok();
    let now = Collector::start(&env, &args);
    for page in ["/a", "/c"] {
        view_from(&now, page, "198.51.100.5", BROWSER);
    }
    now.stop_ok();
    env.drain(&[]);
    let range = days_since(back);
    let range: Vec<&str> = range.iter().map(String::as_str).collect();
    env.ok(&[&["aggregate"][..], &range].concat());
    let statuses: Vec<(u64, u64)> = env
        .report(&range)
        .iter()
        .filter(|row| row.page == "/a")
        .map(|row| (row.views, row.visitors))
        .collect();
    assert_eq!(statuses, [(2, 1), (1, 1)]);
    // Each day's key is a hash with that day's salt: the same person is someone else the
    // next day, and the keys cannot be linked.
    let keys = visitor_keys(&env);
    assert_eq!(keys.len(), 2, "{keys:?}");
}

/// The distinct visitor keys stored with raw events.
fn visitor_keys(env: &Env) -> std::collections::BTreeSet<String> {
    match env.kind {
        Kind::Local => {
            let path = pageviews::backend::local::database_path(env.data_dir(), &env.name);
            let db = rusqlite::Connection::open(path).unwrap();
            let mut select = db
                .prepare("SELECT DISTINCT visitor FROM events WHERE visitor IS NOT NULL")
                .unwrap();
            let keys = select
                .query_map([], |row| row.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            keys
        }
        Kind::Aws | Kind::Kinesis => crate::harness::block_on(async {
            let items = crate::harness::scan_table(&format!("{}-events", env.name)).await;
            let mut keys = std::collections::BTreeSet::new();
            for item in &items {
                pageviews::backend::aws::layout::each_event(item, 0, |view| {
                    keys.extend(view.event.visitor.map(str::to_owned));
                })
                .unwrap();
            }
            keys
        }),
    }
}

/// Sends `(time, page)` views, aggregates `days`, and returns each day's hourly views of `/p`.
fn hours_by_day(env: &Env, views: &[&str], days: &[&str]) -> BTreeMap<String, Vec<u64>> {
    let lines: Vec<String> = views.iter().map(|time| view("/p", time, None)).collect();
    send_lines(env, &lines);
    for day in days {
        env.ok(&["aggregate", "--day", day]);
    }
    let range = ["--from", days[0], "--to", days[days.len() - 1]];
    env.report(&range)
        .into_iter()
        .map(|row| (row.day, row.hours))
        .collect()
}

/// `(slot, views)` pairs of an hourly breakdown, for the slots that have views.
fn used_slots(hours: &[u64]) -> Vec<(usize, u64)> {
    hours
        .iter()
        .enumerate()
        .filter(|(_, views)| **views > 0)
        .map(|(slot, views)| (slot, *views))
        .collect()
}

fn days_are_cut_at_the_zones_midnight(kind: Kind) {
    // Berlin: 2021-03-28 has 23 hours (02:00 CET -> 03:00 CEST), 2021-10-31 has 25.
    let berlin = Env::on(kind, &["--time-zone", "Europe/Berlin"]);
    let hours = hours_by_day(
        &berlin,
        &[
            "2021-03-27T22:59:59Z", // 23:59:59 CET on the 27th
            "2021-03-27T23:00:00Z", // 00:00:00 CET on the 28th
            "2021-03-28T01:30:00Z", // 03:30 CEST: the third hour of the 23
            "2021-03-28T21:59:59Z", // 23:59:59 CEST: the last of the 23
            "2021-10-31T00:30:00Z", // 02:30 CEST
            "2021-10-31T01:30:00Z", // 02:30 CET, an hour later
            "2021-10-31T22:59:59Z", // 23:59:59 CET: the last of the 25
        ],
        &["2021-03-27", "2021-03-28", "2021-10-31"],
    );
    assert_eq!(hours["2021-03-27"].len(), 24);
    assert_eq!(used_slots(&hours["2021-03-27"]), [(23, 1)]);
    assert_eq!(hours["2021-03-28"].len(), 23);
    assert_eq!(used_slots(&hours["2021-03-28"]), [(0, 1), (2, 1), (22, 1)]);
    assert_eq!(hours["2021-10-31"].len(), 25);
    assert_eq!(used_slots(&hours["2021-10-31"]), [(2, 1), (3, 1), (24, 1)]);
    // +05:30 and +05:45: a second either side of local midnight.
    for (zone, midnight_minus_one, midnight) in [
        (
            "Asia/Kolkata",
            "2021-03-12T18:29:59Z",
            "2021-03-12T18:30:00Z",
        ),
        (
            "Asia/Kathmandu",
            "2021-03-12T18:14:59Z",
            "2021-03-12T18:15:00Z",
        ),
    ] {
        let env = Env::on(kind, &["--time-zone", zone]);
        let hours = hours_by_day(
            &env,
            &[midnight_minus_one, midnight],
            &["2021-03-12", "2021-03-13"],
        );
        assert_eq!(used_slots(&hours["2021-03-12"]), [(23, 1)], "{zone}");
        assert_eq!(used_slots(&hours["2021-03-13"]), [(0, 1)], "{zone}");
    }
}

fn a_deployment_with_events_keeps_its_time_zone(kind: Kind) {
    let env = Env::on(kind, &[]);
    // No events yet: the zone may still change.
    let (code, _, stderr) = env.run(&["init", "--time-zone", "Europe/Berlin"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("time zone changed from UTC to Europe/Berlin"),
        "{stderr}"
    );
    assert_eq!(env.status().time_zone, "Europe/Berlin");
    send_lines(&env, &[view("/a", "2021-03-13T10:00:00Z", None)]);
    let (code, _, stderr) = env.run(&["init", "--time-zone", "Asia/Tokyo"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("the deployment's days are days of Europe/Berlin"),
        "{stderr}"
    );
    assert!(stderr.contains("cannot change to Asia/Tokyo"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(env.status().time_zone, "Europe/Berlin");
    // Asking for the zone it has is no change.
    env.ok(&["init", "--time-zone", "Europe/Berlin"]);
}

#[test]
fn synthetic_visitors_are_the_people_asked_for() {
    let env = Env::new();
    env.ok(&[
        "send",
        "--count",
        "3000",
        "--day",
        "2021-03-13",
        "--visitors",
        "500",
        "--seed",
        "9",
    ]);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let last = env.status().last_day.unwrap();
    assert_eq!(
        (last.views, last.visitors, last.keyless_views),
        (3_000, 500, 0)
    );
    let rows = env.report(&["--day", "2021-03-13"]);
    // A visit is a few pages: most pages see fewer visitors than views.
    assert!(rows.iter().all(|row| row.visitors <= row.views));
    assert!(rows.iter().map(|row| row.visitors).sum::<u64>() > 500);
}

#[test]
fn an_unknown_time_zone_is_refused_naming_it() {
    let env = Env::bare_on(Kind::Local);
    let (code, _, stderr) = env.run(&["init", "--time-zone", "Mars/Olympus"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("\"Mars/Olympus\" is not an IANA time zone"),
        "{stderr}"
    );
}

/// The salts stored: (day, salt bytes), read straight from the database.
fn stored_salts(env: &Env) -> Vec<(i64, Vec<u8>)> {
    let path = pageviews::backend::local::database_path(env.data_dir(), &env.name);
    let db = rusqlite::Connection::open(path).unwrap();
    let mut select = db
        .prepare("SELECT day, salt FROM salts ORDER BY day")
        .unwrap();
    let salts = select
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    salts
}

/// Every byte of every file in the data directory: the database, its log and shared memory.
fn every_byte_stored(env: &Env) -> Vec<u8> {
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(env.data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            stored.extend(std::fs::read(path).unwrap());
        }
    }
    stored
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

const AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36 PrivacyAgent7";
const ADDRESS: &str = "198.51.100.23";

/// Views by one client two days ago (the collector's clock set back), then today: the first
/// salt is deleted when today's collector starts.
fn collect_over_two_days(env: &Env) {
    let args = ["--allow-origin", SITE, "--trust-forwarded-for"];
    let before = Collector::start_shifted(env, &args, TWO_DAYS_BACK);
    for page in ["/private", "/private"] {
        view_from(&before, page, ADDRESS, AGENT);
    }
    before.stop_ok();
}

#[test]
fn no_address_agent_or_expired_salt_remains_in_any_file() {
    let env = Env::new();
    let back = utc_today() - chrono::Duration::days(2);
    collect_over_two_days(&env);
    let old = stored_salts(&env);
    assert_eq!(old.len(), 1, "the first collector made one salt");
    let now = Collector::start(&env, &["--allow-origin", SITE, "--trust-forwarded-for"]);
    view_from(&now, "/private", ADDRESS, AGENT);
    now.stop_ok();
    env.drain(&[]);
    let range = days_since(back);
    let range: Vec<&str> = range.iter().map(String::as_str).collect();
    env.ok(&[&["aggregate"][..], &range].concat());
    let salts = stored_salts(&env);
    assert_eq!(salts.len(), 1, "only today's salt is left");
    assert_ne!(salts[0], old[0]);
    let stored = every_byte_stored(&env);
    for secret in [
        AGENT.as_bytes(),
        ADDRESS.as_bytes(),
        b"PrivacyAgent7",
        &old[0].1,
    ] {
        assert!(
            !contains(&stored, secret),
            "{} found in the data directory",
            String::from_utf8_lossy(secret)
        );
    }
    // Views and visitors were counted all the same.
    let visitors: Vec<u64> = env.report(&range).iter().map(|row| row.visitors).collect();
    assert_eq!(visitors, [1, 1]);
}

#[test]
fn aws_salts_are_deleted_with_their_days_and_nothing_identifying_is_stored() {
    let env = Env::on(Kind::Aws, &[]);
    let first_day = utc_today();
    collect_over_two_days(&env);
    let salt_days = |env: &Env| {
        crate::harness::block_on(async {
            let items = crate::harness::scan_table(&format!("{}-daily", env.name)).await;
            let mut days: Vec<String> = items
                .iter()
                .filter(|item| item.get("pk").and_then(|pk| pk.as_s().ok()) == Some(&"salt".into()))
                .filter_map(|item| item.get("sk")?.as_s().ok().cloned())
                .collect();
            days.sort();
            days
        })
    };
    // One salt, of the day two days before the collector's: the test's first day's, or a
    // later one's if the test runs across midnight.
    let two_days = chrono::Duration::days(2);
    let back = salt_days(&env);
    assert_eq!(back.len(), 1, "{back:?}");
    assert!(days_between(first_day - two_days, utc_today() - two_days).contains(&back[0]));
    let now = Collector::start(&env, &["--allow-origin", SITE, "--trust-forwarded-for"]);
    view_from(&now, "/private", ADDRESS, AGENT);
    now.stop_ok();
    let today = salt_days(&env);
    assert_eq!(today.len(), 1, "only today's salt is left: {today:?}");
    assert!(days_between(first_day, utc_today()).contains(&today[0]));
    env.drain(&[]);
    let items = crate::harness::block_on(async {
        let mut items = crate::harness::scan_table(&format!("{}-events", env.name)).await;
        items.extend(crate::harness::scan_table(&format!("{}-daily", env.name)).await);
        items
    });
    let stored = format!("{items:?}");
    for secret in ["PrivacyAgent7", ADDRESS] {
        assert!(!stored.contains(secret), "{secret} was stored");
    }
}

/// The days from `first` to `last`, as text.
fn days_between(first: chrono::NaiveDate, last: chrono::NaiveDate) -> Vec<String> {
    first
        .iter_days()
        .take_while(|day| *day <= last)
        .map(|day| day.to_string())
        .collect()
}
