//! The audience from its other sources and what is left of it on disk: access logs (families
//! from the user agent, countries with `import --geoip`, bots counted apart), a CDN's country
//! header at the collector and at a Lambda function URL, export and import carrying the new
//! fields; and a scan of every file, table and export for the address, the user agent, the
//! city and the coordinates, which must be in none.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::audience::{
    beacon_from, by, geoip, rows, store_and_count, Expected, ANDROID_TABLET, GOOGLEBOT, GPTBOT,
    IPHONE,
};
use crate::collector::{today_range, Collector, BROWSER, SITE};
use crate::harness::{block_on, scan_table, Env, Kind};
use crate::logs::{combined, import, CHROME, FIREFOX, SAFARI};
use crate::on_both_backends;

on_both_backends!(
    a_log_gives_families_countries_and_bots_exactly_and_its_export_carries_them,
    nothing_of_the_address_the_user_agent_or_the_city_is_stored_or_exported,
);

/// `report --by what` of 2021-03-13, as key -> (views, visitors).
fn by_day(env: &Env, what: &str, columns: &[&str]) -> BTreeMap<String, (u64, u64)> {
    let rows = crate::logs::by(env, what);
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let key: Vec<&str> = columns.iter().map(|c| row[c].as_str().unwrap()).collect();
            let numbers = (
                row["views"].as_u64().unwrap(),
                row["visitors"].as_u64().unwrap(),
            );
            (key.join(" / "), numbers)
        })
        .collect()
}

fn a_log_gives_families_countries_and_bots_exactly_and_its_export_carries_them(kind: Kind) {
    let env = Env::on(kind, &[]);
    let at = |second: u32| format!("13/Mar/2021:10:00:{second:02} +0000");
    let lines = [
        combined("81.2.69.142", &at(0), "GET /a HTTP/1.1", 200, "-", FIREFOX),
        combined("81.2.69.142", &at(1), "GET /b HTTP/1.1", 200, "-", FIREFOX),
        combined("2001:db8:1::7", &at(2), "GET /a HTTP/1.1", 200, "-", SAFARI),
        combined("203.0.113.5", &at(3), "GET /a HTTP/1.1", 200, "-", CHROME),
        combined(
            "66.249.66.1",
            &at(4),
            "GET /a HTTP/1.1",
            200,
            "-",
            GOOGLEBOT,
        ),
        combined(
            "20.15.240.64",
            &at(5),
            "GET /b?x=1 HTTP/1.1",
            200,
            "-",
            GPTBOT,
        ),
        // A bot's asset and a bot's missing page are no hits, as they would be no views.
        combined(
            "20.15.240.64",
            &at(6),
            "GET /style.css HTTP/1.1",
            200,
            "-",
            GPTBOT,
        ),
        combined(
            "20.15.240.64",
            &at(7),
            "GET /gone HTTP/1.1",
            404,
            "-",
            GPTBOT,
        ),
        combined("203.0.113.6", &at(8), "GET /a HTTP/1.1", 200, "-", "-"),
    ];
    let log = env.write("access.log", &(lines.join("\n") + "\n"));
    let city = geoip("city.mmdb");
    let log_path = log.to_str().unwrap();
    let summary = import(&env, &["--format", "combined", "--geoip", &city, log_path]);
    assert_eq!(
        (&summary["views"], &summary["bot_hits"], &summary["skipped"]),
        (&json!(4), &json!(3), &json!({"asset": 1, "status": 1})),
        "{summary}"
    );
    let pages = crate::logs::rows(&env);
    assert_eq!(
        pages,
        BTreeMap::from([("/a".into(), (3, 3)), ("/b".into(), (1, 1))])
    );
    let expected: [Expected; 5] = [
        (
            "country",
            &["country"],
            &[("GB", 2, 1), ("DE", 1, 1), ("unknown", 1, 1)],
        ),
        (
            "region",
            &["region"],
            &[("GB-ENG", 2, 1), ("DE-BY", 1, 1), ("unknown", 1, 1)],
        ),
        (
            "device",
            &["device"],
            &[("desktop", 3, 2), ("mobile", 1, 1)],
        ),
        (
            "browser",
            &["browser"],
            &[("Firefox", 2, 1), ("Mobile Safari", 1, 1), ("Chrome", 1, 1)],
        ),
        (
            "bot",
            &["category", "bot"],
            &[
                ("search-engine / Googlebot", 1, 0),
                ("ai-crawler / GPTBot", 1, 0),
                ("other / no user agent", 1, 0),
            ],
        ),
    ];
    for (what, columns, counted) in expected {
        assert_eq!(
            by_day(&env, what, columns),
            rows(counted),
            "report --by {what}"
        );
    }

    // Exported and imported elsewhere, the events count the same.
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().to_str().unwrap();
    env.ok(&[
        "export",
        "--day",
        "2021-03-13",
        "--what",
        "events",
        "--output",
        dest,
    ]);
    let elsewhere = Env::on(kind, &[]);
    let exported = out.path().join("day=2021-03-13/events.ndjson.gz");
    import(
        &elsewhere,
        &["--format", "ndjson", exported.to_str().unwrap()],
    );
    assert_eq!(crate::logs::rows(&elsewhere), pages);
    for (what, columns, counted) in expected {
        assert_eq!(
            by_day(&elsewhere, what, columns),
            rows(counted),
            "imported: {what}"
        );
    }
}

#[test]
fn a_cdn_header_names_the_country_and_the_database_answers_without_it() {
    let env = Env::new();
    let city = geoip("city.mmdb");
    let collector = Collector::start(
        &env,
        &[
            "--allow-origin",
            SITE,
            "--trust-forwarded-for",
            "--geoip",
            &city,
            "--country-header",
            "CF-IPCountry",
        ],
    );
    let send = |address: &str, country: Option<&str>| {
        let mut headers = vec![
            ("origin", SITE),
            ("user-agent", BROWSER),
            ("x-forwarded-for", address),
        ];
        headers.extend(country.map(|country| ("cf-ipcountry", country)));
        let reply = collector.post("/v1/view", &headers, r#"{"page": "/a"}"#);
        assert_eq!(reply.status, 204, "{}", reply.text());
    };
    // The header wins over the database; "XX" (unknown to the CDN) leaves it to the database.
    send("81.2.69.10", Some("de"));
    send("81.2.69.11", None);
    send("81.2.69.12", Some("XX"));
    send("203.0.113.1", Some("Germany"));
    collector.stop_ok();
    store_and_count(&env);
    let countries = by(&env, "country", &["country"]);
    assert_eq!(
        countries,
        rows(&[("DE", 1, 1), ("GB", 2, 2), ("unknown", 1, 1)])
    );
}

#[test]
fn a_function_url_reads_the_cdn_headers_collect_reads() {
    use crate::lambda::FunctionProcess;
    use crate::lambda_http::{beacon, SITE as FUNCTION_SITE};
    use crate::runtime_api::RuntimeApi;
    let env = Env::on(Kind::Aws, &[]);
    block_on(async {
        let api = RuntimeApi::start().await;
        let _function = FunctionProcess::start(
            &env,
            &api,
            &[
                ("PAGEVIEWS_ALLOW_ORIGIN", FUNCTION_SITE),
                ("PAGEVIEWS_COUNTRY_HEADER", "CloudFront-Viewer-Country"),
                (
                    "PAGEVIEWS_REGION_HEADER",
                    "CloudFront-Viewer-Country-Region",
                ),
            ],
        );
        let headers = |agent: &str, country: Option<(&str, &str)>| {
            let mut headers = json!({"origin": FUNCTION_SITE, "user-agent": agent});
            if let Some((country, region)) = country {
                headers["cloudfront-viewer-country"] = json!(country);
                if !region.is_empty() {
                    headers["cloudfront-viewer-country-region"] = json!(region);
                }
            }
            headers
        };
        for request in [
            headers(BROWSER, Some(("DE", "BY"))),
            headers(BROWSER, Some(("FR", ""))),
            headers(BROWSER, None),
            headers(IPHONE, Some(("DE", "HH"))),
            headers(ANDROID_TABLET, Some(("US", "CA"))),
            headers(GPTBOT, Some(("US", "CA"))),
        ] {
            let answer = api
                .invoke(beacon(request, r#"{"page":"/a"}"#), Duration::from_secs(30))
                .await
                .response();
            assert_eq!(answer["statusCode"], 204, "{answer}");
        }
    });
    store_and_count(&env);
    // One address (the function URL's source IP): visitors differ by browser only.
    let countries = by(&env, "country", &["country"]);
    let expected = [("DE", 2, 2), ("FR", 1, 1), ("US", 1, 1), ("unknown", 1, 1)];
    assert_eq!(countries, rows(&expected));
    let regions = by(&env, "region", &["region"]);
    let expected = [
        ("DE-BY", 1, 1),
        ("DE-HH", 1, 1),
        ("US-CA", 1, 1),
        ("unknown", 2, 1),
    ];
    assert_eq!(regions, rows(&expected));
    let devices = by(&env, "device", &["device"]);
    let expected = [("desktop", 3, 1), ("mobile", 1, 1), ("tablet", 1, 1)];
    assert_eq!(devices, rows(&expected));
    let bots = by(&env, "bot", &["category", "bot"]);
    assert_eq!(bots, rows(&[("ai-crawler / GPTBot", 1, 0)]));
}

const PRIVATE_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like \
                             Gecko) Chrome/131.0.0.0 Safari/537.36 PrivacyAgent9";
const PRIVATE_ADDRESS: &str = "81.2.69.33";
/// What the City database knows of the address besides its country and region: nothing of it
/// may be stored.
const SECRETS: [&str; 6] = [
    PRIVATE_ADDRESS,
    PRIVATE_AGENT,
    "PrivacyAgent9",
    "GPTBot/1.2",
    "Testcity",
    "51.5142",
];

/// Every byte of every file under `dir`, folders included.
fn every_byte_under(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            bytes.extend(every_byte_under(&path));
        } else {
            bytes.extend(std::fs::read(&path).unwrap());
            if path.extension().is_some_and(|ext| ext == "gz") {
                let mut text = Vec::new();
                let file = std::fs::File::open(&path).unwrap();
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(file), &mut text)
                    .unwrap();
                bytes.extend(text);
            }
        }
    }
    bytes
}

fn assert_none_in(bytes: &[u8], place: &str) {
    for secret in SECRETS {
        let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(!found, "{secret} found in {place}");
    }
}

/// The bytes of every attribute of every item of the deployment's tables.
fn every_byte_stored_on_aws(env: &Env) -> Vec<u8> {
    let items = block_on(async {
        let mut items = scan_table(&format!("{}-events", env.name)).await;
        items.extend(scan_table(&format!("{}-daily", env.name)).await);
        items
    });
    let mut bytes = Vec::new();
    for item in &items {
        for (name, value) in item {
            bytes.extend(name.as_bytes());
            match value {
                AttributeValue::B(blob) => bytes.extend(blob.as_ref()),
                AttributeValue::S(text) | AttributeValue::N(text) => bytes.extend(text.as_bytes()),
                other => bytes.extend(format!("{other:?}").into_bytes()),
            }
        }
    }
    bytes
}

fn nothing_of_the_address_the_user_agent_or_the_city_is_stored_or_exported(kind: Kind) {
    let env = Env::on(kind, &[]);
    let city = geoip("city.mmdb");
    let args = [
        "--allow-origin",
        SITE,
        "--trust-forwarded-for",
        "--geoip",
        &city,
    ];
    let collector = Collector::start(&env, &args);
    beacon_from(
        &collector,
        PRIVATE_ADDRESS,
        PRIVATE_AGENT,
        r#"{"page": "/private"}"#,
    );
    beacon_from(
        &collector,
        PRIVATE_ADDRESS,
        GPTBOT,
        r#"{"page": "/private"}"#,
    );
    collector.stop_ok();
    store_and_count(&env);
    // What may be kept was kept.
    assert_eq!(by(&env, "country", &["country"]), rows(&[("GB", 1, 1)]));
    assert_eq!(by(&env, "region", &["region"]), rows(&[("GB-ENG", 1, 1)]));
    assert_eq!(by(&env, "browser", &["browser"]), rows(&[("Chrome", 1, 1)]));
    let out = tempfile::tempdir().unwrap();
    let range = today_range();
    let range: Vec<&str> = range.iter().map(String::as_str).collect();
    for (what, format) in [("events", "ndjson"), ("events", "csv"), ("daily", "ndjson")] {
        let dest = out.path().join(format!("{what}-{format}"));
        let dest = dest.to_str().unwrap();
        let args = [
            "export", "--what", what, "--format", format, "--output", dest,
        ];
        env.ok(&[&args[..], &range].concat());
    }
    assert_none_in(&every_byte_under(out.path()), "the export");
    match kind {
        Kind::Local => assert_none_in(&every_byte_under(env.data_dir()), "the data directory"),
        Kind::Aws | Kind::Kinesis => assert_none_in(&every_byte_stored_on_aws(&env), "the tables"),
    }
}
