//! Who the visitors are, never who they are, through the collector: the screen class the
//! script sends; country and region from a GeoIP database (read again when it changes on
//! disk); device, browser and OS families from the user agent; bots counted apart by category
//! and name; networks the site owner ignores counted nowhere. Each dimension's views and exact
//! visitors for known requests, on both backends, views without a value under "unknown".

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::collector::{today_range, Collector, BROWSER, SITE};
use crate::harness::{Env, Kind};
use crate::on_both_backends;

on_both_backends!(
    screens_are_counted_per_view_with_exact_visitors,
    countries_browsers_and_bots_are_counted_apart_exactly,
);

/// The GeoIP databases of tests/cli/fixtures/geoip (made by make.py there).
pub(crate) fn geoip(file: &str) -> String {
    format!(
        "{}/tests/cli/fixtures/geoip/{file}",
        env!("CARGO_MANIFEST_DIR")
    )
}

pub(crate) const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) \
                          AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 \
                          Safari/604.1";
pub(crate) const FIREFOX_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
pub(crate) const ANDROID_TABLET: &str =
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 \
                                  (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
pub(crate) const GPTBOT: &str = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; \
                          GPTBot/1.2; +https://openai.com/gptbot)";
pub(crate) const GOOGLEBOT: &str =
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/// What `report --by` of a dimension gives: its name, its key's columns, and each key's views
/// and visitors.
pub(crate) type Expected = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, u64, u64)],
);

/// `(key, views, visitors)` rows, for comparing with `by`.
pub(crate) fn rows(expected: &[(&str, u64, u64)]) -> BTreeMap<String, (u64, u64)> {
    expected
        .iter()
        .map(|(key, views, visitors)| ((*key).to_owned(), (*views, *visitors)))
        .collect()
}

/// A beacon from the test site by a client at `address` (the collector trusts
/// X-Forwarded-For here, so each address is another visitor).
pub(crate) fn beacon_from(collector: &Collector, address: &str, agent: &str, body: &str) -> u16 {
    // An empty user agent is none (the client library would send its own otherwise).
    let headers = [
        ("origin", SITE),
        ("content-type", "text/plain;charset=UTF-8"),
        ("x-forwarded-for", address),
        ("user-agent", agent),
    ];
    let reply = collector.post("/v1/view", &headers, body);
    assert_eq!(reply.status, 204, "{body}: {}", reply.text());
    reply.status
}

/// `report --by what` over today and yesterday in JSON, as key (the columns joined by " / ")
/// -> (views, visitors), summed over the days (a test may cross midnight).
pub(crate) fn by(env: &Env, what: &str, columns: &[&str]) -> BTreeMap<String, (u64, u64)> {
    let mut args = vec!["report", "--by", what, "--format", "json"];
    let range = today_range();
    args.extend(range.iter().map(String::as_str));
    let rows: serde_json::Value = serde_json::from_str(&env.ok(&args)).expect("JSON");
    let mut counted = BTreeMap::new();
    for row in rows.as_array().expect("an array") {
        let key: Vec<&str> = columns.iter().map(|c| row[c].as_str().unwrap()).collect();
        let entry: &mut (u64, u64) = counted.entry(key.join(" / ")).or_default();
        entry.0 += row["views"].as_u64().unwrap();
        entry.1 += row["visitors"].as_u64().unwrap();
    }
    counted
}

/// Drains the queue and aggregates today and yesterday.
pub(crate) fn store_and_count(env: &Env) {
    env.drain(&[]);
    let mut args = vec!["aggregate"];
    let range = today_range();
    args.extend(range.iter().map(String::as_str));
    env.ok(&args);
}

fn screens_are_counted_per_view_with_exact_visitors(kind: Kind) {
    let env = Env::on(kind, &[]);
    let collector = Collector::start(&env, &["--allow-origin", SITE, "--trust-forwarded-for"]);
    for (address, screen) in [
        ("203.0.113.1", "phone"),
        ("203.0.113.1", "phone"),
        ("203.0.113.2", "Phone"),
        ("203.0.113.3", "desktop"),
        ("203.0.113.4", ""),
    ] {
        let body = format!(r#"{{"page": "/a", "screen": "{screen}"}}"#);
        beacon_from(&collector, address, BROWSER, &body);
    }
    let refused = collector.post(
        "/v1/view",
        &[("origin", SITE), ("user-agent", BROWSER)],
        r#"{"page": "/a", "screen": "1920x1080"}"#,
    );
    assert_eq!(refused.status, 400);
    assert!(refused
        .text()
        .contains("screen must be phone, tablet, laptop or desktop"));
    collector.stop_ok();
    store_and_count(&env);
    let expected = BTreeMap::from([
        ("desktop".to_owned(), (1, 1)),
        ("phone".to_owned(), (3, 2)),
        ("unknown".to_owned(), (1, 1)),
    ]);
    assert_eq!(by(&env, "screen", &["screen"]), expected);
    let mut args = vec!["report", "--by", "screen", "--format", "csv"];
    let range = today_range();
    args.extend(range.iter().map(String::as_str));
    let csv = env.ok(&args);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("day,screen,views,visitors"));
    let mut rows: Vec<&str> = lines.map(|line| line.split_once(',').unwrap().1).collect();
    rows.sort();
    assert_eq!(rows, ["desktop,1,1", "phone,3,2", "unknown,1,1"]);
}

fn countries_browsers_and_bots_are_counted_apart_exactly(kind: Kind) {
    let env = Env::on(kind, &[]);
    let city = geoip("city.mmdb");
    let collector = Collector::start(
        &env,
        &[
            "--allow-origin",
            SITE,
            "--trust-forwarded-for",
            "--geoip",
            &city,
            "--ignore-network",
            "192.0.2.0/24",
        ],
    );
    let view = r#"{"page": "/a"}"#;
    for (address, agent) in [
        // The address behind the proxy (X-Forwarded-For's last entry) is the one looked up.
        ("6.6.6.6, 81.2.69.10", BROWSER),
        ("81.2.69.10", BROWSER),
        ("2001:db8:1::5", IPHONE),
        ("198.51.100.7", FIREFOX_WINDOWS),
        ("203.0.113.9", ANDROID_TABLET),
        // The site owner's office: answered, counted nowhere.
        ("192.0.2.50", BROWSER),
        // Bots, from anywhere: hits of their category and name, never views.
        ("81.2.69.11", GPTBOT),
        ("203.0.113.20", GOOGLEBOT),
        ("203.0.113.21", "curl/8.5.0"),
        ("203.0.113.22", ""),
    ] {
        beacon_from(&collector, address, agent, view);
    }
    assert_eq!(
        collector.metric("pageviews_collect_views_accepted_total"),
        5.0
    );
    assert_eq!(collector.dropped("ignored-network"), 1.0);
    assert_eq!(collector.dropped("bot"), 3.0);
    assert_eq!(collector.dropped("no-user-agent"), 1.0);
    let hits = |category: &str| {
        collector.metric(&format!(
            "pageviews_collect_bot_hits_total{{category=\"{category}\"}}"
        ))
    };
    assert_eq!(
        [
            hits("ai-crawler"),
            hits("search-engine"),
            hits("automation"),
            hits("other"),
            hits("seo")
        ],
        [1.0, 1.0, 1.0, 1.0, 0.0]
    );
    let stderr = collector.stop_ok();
    assert!(stderr.contains("; 4 bot hits counted apart"), "{stderr}");
    store_and_count(&env);

    // Pages and the site count the five views of four visitors only.
    let pages: Vec<(String, u64, u64)> = env
        .report(&today_range().iter().map(String::as_str).collect::<Vec<_>>())
        .into_iter()
        .map(|row| (row.page, row.views, row.visitors))
        .fold(BTreeMap::new(), |mut pages, (page, views, visitors)| {
            let entry: &mut (u64, u64) = pages.entry(page).or_default();
            entry.0 += views;
            entry.1 += visitors;
            pages
        })
        .into_iter()
        .map(|(page, (views, visitors))| (page, views, visitors))
        .collect();
    assert_eq!(pages, [("/a".to_owned(), 5, 4)]);
    let expected: [Expected; 9] = [
        (
            "country",
            &["country"],
            &[("GB", 2, 1), ("DE", 1, 1), ("US", 1, 1), ("unknown", 1, 1)],
        ),
        (
            "region",
            &["region"],
            &[("GB-ENG", 2, 1), ("DE-BY", 1, 1), ("unknown", 2, 2)],
        ),
        (
            "device",
            &["device"],
            &[("desktop", 3, 2), ("mobile", 1, 1), ("tablet", 1, 1)],
        ),
        (
            "browser",
            &["browser"],
            &[("Chrome", 3, 2), ("Mobile Safari", 1, 1), ("Firefox", 1, 1)],
        ),
        (
            "browser-version",
            &["browser", "version"],
            &[
                ("Chrome / 131", 3, 2),
                ("Mobile Safari / 17", 1, 1),
                ("Firefox / 133", 1, 1),
            ],
        ),
        (
            "os",
            &["os"],
            &[
                ("Linux", 2, 1),
                ("iOS", 1, 1),
                ("Windows", 1, 1),
                ("Android", 1, 1),
            ],
        ),
        (
            "os-version",
            &["os", "version"],
            &[
                ("Linux / ", 2, 1),
                ("iOS / 17", 1, 1),
                ("Windows / 10", 1, 1),
                ("Android / 14", 1, 1),
            ],
        ),
        (
            "bot-category",
            &["category"],
            &[
                ("ai-crawler", 1, 0),
                ("search-engine", 1, 0),
                ("automation", 1, 0),
                ("other", 1, 0),
            ],
        ),
        (
            "bot",
            &["category", "bot"],
            &[
                ("ai-crawler / GPTBot", 1, 0),
                ("search-engine / Googlebot", 1, 0),
                ("automation / curl", 1, 0),
                ("other / no user agent", 1, 0),
            ],
        ),
    ];
    for (what, columns, counted) in expected {
        assert_eq!(by(&env, what, columns), rows(counted), "report --by {what}");
    }
    // The HTML page has a section per breakdown; bots' numbers are hits, a share of hits.
    let range = today_range();
    let args = ["report", "--format", "html"];
    let page = env.ok(&[
        &args[..],
        &range.iter().map(String::as_str).collect::<Vec<_>>(),
    ]
    .concat());
    for id in [
        "countries",
        "regions",
        "devices",
        "browsers",
        "systems",
        "bots",
    ] {
        assert!(
            page.contains(&format!("<section id=\"{id}\"")),
            "no {id} in {page}"
        );
    }
    let bots = &page[page.find("<section id=\"bots\"").unwrap()..];
    let bots = &bots[..bots.find("</section>").unwrap()];
    assert!(
        bots.contains("<th>Hits</th>") && bots.contains("25.0%"),
        "{bots}"
    );
}

/// Waits until the collector's log says `line`, for at most `seconds`.
fn wait_for_log(collector: &Collector, line: &str, seconds: u64) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !collector.log().contains(line) {
        assert!(
            Instant::now() < deadline,
            "no {line:?} within {seconds} s:\n{}",
            collector.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_geoip_database_replaced_on_disk_is_used_without_a_restart() {
    let env = Env::new();
    let path = env.data_dir().join("GeoIP.mmdb");
    std::fs::copy(geoip("city.mmdb"), &path).unwrap();
    // -v: the reload is said at the info level.
    let args = [
        "-v",
        "--allow-origin",
        SITE,
        "--trust-forwarded-for",
        "--geoip",
    ];
    let collector = Collector::start(&env, &[&args[..], &[path.to_str().unwrap()]].concat());
    beacon_from(&collector, "81.2.69.10", BROWSER, r#"{"page": "/a"}"#);
    // As geoipupdate replaces it: a new file renamed over the old one.
    let next = env.data_dir().join("GeoIP.mmdb.new");
    std::fs::copy(geoip("dbip-country.mmdb"), &next).unwrap();
    std::fs::rename(&next, &path).unwrap();
    wait_for_log(
        &collector,
        "the GeoIP database changed on disk and is in use",
        20,
    );
    beacon_from(&collector, "81.2.69.10", BROWSER, r#"{"page": "/a"}"#);
    // A broken file leaves the database in use.
    std::fs::write(&path, b"not a database").unwrap();
    wait_for_log(&collector, "the one read before stays in use", 20);
    beacon_from(&collector, "2001:db8:1::9", BROWSER, r#"{"page": "/a"}"#);
    collector.stop_ok();
    store_and_count(&env);
    let countries = by(&env, "country", &["country"]);
    assert_eq!(countries, rows(&[("GB", 1, 1), ("FR", 1, 1), ("NL", 1, 1)]));
    // DB-IP has no region codes: the views after the change have none.
    let regions = by(&env, "region", &["region"]);
    assert_eq!(regions, rows(&[("GB-ENG", 1, 1), ("unknown", 2, 2)]));
    // The HTML page credits DB-IP's data under countries and regions, as its licence asks,
    // when told the database is DB-IP's; a GeoLite2 database asks for nothing on the page.
    let range = today_range();
    let html = |database: &str| {
        let args = ["report", "--format", "html", "--geoip", database];
        env.ok(&[
            &args[..],
            &range.iter().map(String::as_str).collect::<Vec<_>>(),
        ]
        .concat())
    };
    let credit = "IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0";
    let dbip = html(&geoip("dbip-country.mmdb"));
    assert_eq!(dbip.matches(credit).count(), 2, "{dbip}");
    let countries = &dbip[dbip.find("id=\"countries\"").unwrap()..];
    assert!(countries[..countries.find("</section>").unwrap()].contains(credit));
    assert!(!html(&geoip("city.mmdb")).contains(credit));
}

#[test]
fn a_database_that_cannot_serve_is_refused_at_start_in_one_line() {
    let env = Env::new();
    let missing = env.data_dir().join("missing.mmdb");
    for (file, says) in [
        (missing.to_str().unwrap().to_owned(), "cannot read it"),
        (
            geoip("asn.mmdb"),
            "is a GeoLite2-ASN database, which holds no countries",
        ),
        (geoip("make.py"), "is not a MaxMind-format (.mmdb) database"),
    ] {
        let (code, _, stderr) = env.run(&["collect", "--allow-origin", SITE, "--geoip", &file]);
        assert_eq!(code, 2, "{file}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!("--geoip {file}: {says}")),
            "{stderr}"
        );
    }
    let (code, _, stderr) = env.run(&[
        "collect",
        "--allow-origin",
        SITE,
        "--ignore-network",
        "office",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is not a network: give CIDR notation"),
        "{stderr}"
    );
}
