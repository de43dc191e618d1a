//! Data written by an earlier pageviews reads back unchanged: a SQLite file, DynamoDB items and
//! exports written by version 0.1 (tests/cli/fixtures/v0.1, made once by that version and kept
//! as they were) give the same reports, every field of every event counted as it was.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use flate2::read::GzDecoder;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::harness::{aws_settings, block_on, Env, Kind};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/fixtures/v0.1")
}

/// (page, views, visitors) of a day's rows, in the report's order.
type Rows = Vec<(&'static str, u64, u64)>;
/// (key, views, visitors) of a day's breakdown rows; a campaign's key is `source/medium/name`.
type Entries = Vec<(&'static str, u64, u64)>;

fn rows_13() -> Rows {
    vec![("/", 2, 2), ("/docs/ünï", 1, 0), ("/pricing", 1, 1)]
}

fn rows_14() -> Rows {
    vec![("/", 2, 1), ("/pricing", 1, 1)]
}

/// Every breakdown of 2021-03-13 as version 0.1 counted it.
fn breakdowns_13() -> Vec<(&'static str, Entries)> {
    vec![
        (
            "referrer",
            vec![("news.example.org", 1, 1), ("search.example.com", 1, 0)],
        ),
        ("source", vec![("=cmd", 1, 0), ("newsletter", 1, 1)]),
        (
            "campaign",
            vec![("=cmd//", 1, 0), ("newsletter/email/spring", 1, 1)],
        ),
        ("download", vec![("/files/report.pdf", 1, 1)]),
        ("event", vec![("signup", 1, 1)]),
        ("variant", vec![("A", 1, 0), ("B", 1, 1)]),
    ]
}

fn breakdowns_14() -> Vec<(&'static str, Entries)> {
    vec![
        ("referrer", vec![("news.example.org", 1, 1)]),
        ("source", vec![("newsletter", 1, 1)]),
        ("campaign", vec![("newsletter/email/spring", 1, 1)]),
        ("download", vec![]),
        ("event", vec![("signup", 1, 1)]),
        ("variant", vec![("A", 1, 1)]),
    ]
}

fn report_rows(env: &Env, day: &str) -> Vec<(String, u64, u64)> {
    env.report(&["--day", day])
        .into_iter()
        .map(|row| (row.page, row.views, row.visitors))
        .collect()
}

fn breakdown(env: &Env, day: &str, dimension: &str) -> Vec<(String, u64, u64)> {
    let text = env.ok(&[
        "report", "--day", day, "--by", dimension, "--format", "json",
    ]);
    let entries: Vec<Value> = serde_json::from_str(&text).unwrap();
    let key_of = |entry: &Value| match dimension {
        "campaign" => format!(
            "{}/{}/{}",
            entry["source"].as_str().unwrap(),
            entry["medium"].as_str().unwrap(),
            entry["campaign"].as_str().unwrap()
        ),
        "download" => entry["file"].as_str().unwrap().to_owned(),
        _ => entry[dimension].as_str().unwrap().to_owned(),
    };
    let mut found: Vec<(String, u64, u64)> = entries
        .iter()
        .map(|entry| {
            let count = |field: &str| entry[field].as_u64().unwrap();
            (key_of(entry), count("views"), count("visitors"))
        })
        .collect();
    found.sort();
    found
}

fn owned(entries: &[(&str, u64, u64)]) -> Vec<(String, u64, u64)> {
    entries
        .iter()
        .map(|(key, views, visitors)| (key.to_string(), *views, *visitors))
        .collect()
}

/// The reports of both days, 2021-03-13 as stored by version 0.1 and again after counting it
/// anew, 2021-03-14 once counted by today's code.
fn reports_read_back(env: &Env) {
    let check_day = |day: &str, rows: Rows, breakdowns: Vec<(&str, Entries)>| {
        assert_eq!(report_rows(env, day), owned(&rows), "{day}");
        for (dimension, entries) in breakdowns {
            assert_eq!(
                breakdown(env, day, dimension),
                owned(&entries),
                "{day} by {dimension}"
            );
        }
    };
    check_day("2021-03-13", rows_13(), breakdowns_13());
    let status = env.status();
    assert_eq!(status.pending_days, ["2021-03-14"]);
    env.ok(&["aggregate", "--pending"]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    check_day("2021-03-13", rows_13(), breakdowns_13());
    check_day("2021-03-14", rows_14(), breakdowns_14());
    let status = env.status();
    let last = status.last_day.expect("a day counted");
    assert_eq!(
        (
            last.day.as_str(),
            last.views,
            last.visitors,
            last.keyless_views
        ),
        ("2021-03-14", 3, 2, 1)
    );
    let experiment = env.ok(&[
        "report",
        "experiment",
        "--goal",
        "signup",
        "--from",
        "2021-03-13",
        "--to",
        "2021-03-14",
        "--format",
        "json",
    ]);
    let experiment: Value = serde_json::from_str(&experiment).unwrap();
    let variants: Vec<(String, u64, u64)> = experiment["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["variant"].as_str().unwrap().to_owned(),
                v["visitors"].as_u64().unwrap(),
                v["converted"].as_u64().unwrap(),
            )
        })
        .collect();
    // Visitor-days under each variant, and those of them that signed up.
    assert_eq!(variants, [("A".to_owned(), 1, 1), ("B".to_owned(), 1, 1)]);
}

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The export of both days' raw events, as lines, compared with what version 0.1 exported.
fn exports_the_same_events(env: &Env) {
    let out = env.data_dir().join("export");
    env.ok(&[
        "export",
        "--from",
        "2021-03-13",
        "--to",
        "2021-03-14",
        "--what",
        "events",
        "--output",
        out.to_str().unwrap(),
    ]);
    for day in ["2021-03-13", "2021-03-14"] {
        let file = format!("day={day}/events.ndjson.gz");
        let ours = gunzip(&out.join(&file));
        let theirs = gunzip(&fixtures().join("export-events").join(&file));
        if env.is_local() {
            assert_eq!(ours, theirs, "{day}");
        } else {
            // DynamoDB reads a day shard by shard: the same lines, in another order.
            let lines = |text: &str| text.lines().map(str::to_owned).collect::<BTreeSet<_>>();
            assert_eq!(lines(&ours), lines(&theirs), "{day}");
        }
    }
}

#[test]
fn a_database_of_version_0_1_reads_back_unchanged() {
    let env = Env::bare_named(Kind::Local, "fixture");
    std::fs::copy(
        fixtures().join("local.sqlite3"),
        env.data_dir().join("fixture.sqlite3"),
    )
    .unwrap();
    reports_read_back(&env);
    exports_the_same_events(&env);
}

#[test]
fn dynamodb_items_of_version_0_1_read_back_unchanged() {
    let env = Env::on(Kind::Aws, &["--time-zone", "Europe/Berlin"]);
    block_on(load_items(&env));
    reports_read_back(&env);
    exports_the_same_events(&env);
}

#[test]
fn an_export_of_version_0_1_imports_into_the_same_reports() {
    let env = Env::on(Kind::Local, &["--time-zone", "Europe/Berlin"]);
    for day in ["2021-03-13", "2021-03-14"] {
        let file = fixtures().join(format!("export-events/day={day}/events.ndjson.gz"));
        env.ok(&["import", "--format", "ndjson", file.to_str().unwrap()]);
    }
    env.drain(&[]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    env.ok(&["aggregate", "--day", "2021-03-14"]);
    assert_eq!(report_rows(&env, "2021-03-13"), owned(&rows_13()));
    assert_eq!(report_rows(&env, "2021-03-14"), owned(&rows_14()));
    for (day, breakdowns) in [
        ("2021-03-13", breakdowns_13()),
        ("2021-03-14", breakdowns_14()),
    ] {
        for (dimension, entries) in breakdowns {
            assert_eq!(
                breakdown(&env, day, dimension),
                owned(&entries),
                "{day} by {dimension}"
            );
        }
    }
}

/// Puts every item of the fixture into this deployment's tables, as version 0.1 wrote them.
async fn load_items(env: &Env) {
    let clients = pageviews::backend::aws::connect(&aws_settings())
        .await
        .unwrap();
    let text = std::fs::read_to_string(fixtures().join("dynamodb-items.json")).unwrap();
    let tables: HashMap<String, Vec<HashMap<String, Value>>> = serde_json::from_str(&text).unwrap();
    for (table, items) in tables {
        for item in items {
            let item: HashMap<String, AttributeValue> = item
                .into_iter()
                .map(|(name, value)| (name, attribute(&value)))
                .collect();
            clients
                .dynamodb
                .put_item()
                .table_name(format!("{}-{table}", env.name))
                .set_item(Some(item))
                .send()
                .await
                .unwrap();
        }
    }
}

/// One attribute from DynamoDB JSON (binary values in base64).
fn attribute(value: &Value) -> AttributeValue {
    let (kind, inner) = value.as_object().unwrap().iter().next().unwrap();
    match kind.as_str() {
        "S" => AttributeValue::S(inner.as_str().unwrap().to_owned()),
        "N" => AttributeValue::N(inner.as_str().unwrap().to_owned()),
        "B" => AttributeValue::B(Blob::new(
            base64::engine::general_purpose::STANDARD
                .decode(inner.as_str().unwrap())
                .unwrap(),
        )),
        "BOOL" => AttributeValue::Bool(inner.as_bool().unwrap()),
        "L" => AttributeValue::L(inner.as_array().unwrap().iter().map(attribute).collect()),
        "M" => AttributeValue::M(
            inner
                .as_object()
                .unwrap()
                .iter()
                .map(|(name, value)| (name.clone(), attribute(value)))
                .collect(),
        ),
        other => panic!("an attribute type the fixture does not use: {other}"),
    }
}
