//! Late events for a day whose raw events are gone (archived, pruned, or expired by DynamoDB's
//! TTL): counted on top of the day's record exactly once, the day off the pending list, and
//! the late events archived and pruned in their turn, the archive's manifests verifiable.

use serde_json::Value;
use std::collections::BTreeMap;

use crate::harness::{block_on, scan_table, Env, Kind};
use crate::on_both_backends;

on_both_backends!(
    late_events_after_an_archive_add_to_the_record_and_are_archived_in_turn,
    fewer_late_events_than_the_record_are_added_once_and_leave_the_pending_list,
    rows_of_an_interrupted_aggregation_are_not_counted_again,
    two_aggregations_at_once_add_the_late_events_once,
);

const DAY: &str = "2021-03-10";

/// A view of `page` on the test day at `hour`, with its id and visitor key.
fn view(page: &str, hour: u32, id: &str, visitor: Option<&str>) -> String {
    let visitor = visitor.map_or(String::new(), |key| format!(r#","visitor":"{key}""#));
    format!(r#"{{"page":"{page}","time":"{DAY}T{hour:02}:00:00Z","id":"{id}"{visitor}}}"#)
}

fn send(env: &Env, lines: &[String]) {
    let input = env.write("views.ndjson", &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
}

fn json(env: &Env, args: &[&str]) -> Value {
    let out = env.ok(args);
    serde_json::from_str(&out).unwrap_or_else(|err| panic!("{args:?}: {err}: {out}"))
}

/// Page -> (views, visitors) of the test day.
fn pages(env: &Env) -> BTreeMap<String, (u64, u64)> {
    env.report(&["--day", DAY])
        .into_iter()
        .map(|row| (row.page, (row.views, row.visitors)))
        .collect()
}

fn expected(pages: &[(&str, u64, u64)]) -> BTreeMap<String, (u64, u64)> {
    pages
        .iter()
        .map(|(page, views, visitors)| ((*page).to_owned(), (*views, *visitors)))
        .collect()
}

/// The day's summary line as `aggregate --day` prints it in JSON: (views, visitors, write).
fn aggregate_day(env: &Env) -> (u64, u64, String) {
    let summary = json(env, &["aggregate", "--day", DAY, "--format", "json"]);
    let day = &summary[0];
    (
        day["views"].as_u64().unwrap(),
        day["visitors"].as_u64().unwrap(),
        day["write"].as_str().unwrap().to_owned(),
    )
}

fn archive(env: &Env, dest: &str) -> Value {
    json(
        env,
        &[
            "archive",
            "--before",
            "2021-04-01",
            "--output",
            dest,
            "--summary",
            "json",
        ],
    )
}

fn late_events_after_an_archive_add_to_the_record_and_are_archived_in_turn(kind: Kind) {
    let env = Env::on(kind, &[]);
    send(&env, &[view("/never", 8, "n1", Some("v1"))]);
    env.ok(&["aggregate", "--day", DAY]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("arch");
    let dest = dest.to_str().unwrap();
    let first = archive(&env, dest);
    assert_eq!(first["days"][0]["deleted"], 1, "{first}");

    // Two late views, more than the record holds: added to it, not put in its place.
    let late = [
        view("/late-a", 9, "la", Some("v2")),
        view("/late-b", 10, "lb", Some("v1")),
    ];
    send(&env, &late);
    assert_eq!(env.status().pending_days, [DAY]);
    env.ok(&["aggregate", "--pending"]);
    let three = expected(&[("/never", 1, 1), ("/late-a", 1, 1), ("/late-b", 1, 1)]);
    assert_eq!(pages(&env), three);
    let status = env.status();
    assert!(status.pending_days.is_empty(), "{:?}", status.pending_days);
    // The record's visitor and the late events' are added: v1 counts twice (docs/data.md).
    assert_eq!(status.last_day.as_ref().unwrap().views, 3);
    assert_eq!(status.last_day.as_ref().unwrap().visitors, 3);

    // Counted again, and the late message delivered again: still added once.
    assert_eq!(aggregate_day(&env), (3, 3, "stored".to_owned()));
    send(&env, &late);
    env.ok(&["aggregate", "--pending"]);
    assert_eq!(pages(&env), three);
    assert!(env.status().pending_days.is_empty());

    // The late events are archived in their turn, beside the first file, which stays.
    let second = archive(&env, dest);
    assert_eq!(second["days"][0]["deleted"], 2, "{second}");
    assert_eq!(second["days"][0]["views"], 2, "{second}");
    assert_eq!(second["kept"], serde_json::json!([]), "{second}");
    assert_eq!(pages(&env), three, "reports do not change");
    let folder = dir.path().join("arch").join(format!("day={DAY}"));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_object().unwrap();
    let names: Vec<&String> = files.keys().collect();
    assert_eq!(names.len(), 2, "{manifest}");
    assert!(files.contains_key("events.ndjson.gz"), "{manifest}");
    let mut views = 0;
    for (name, entry) in files {
        let bytes = std::fs::read(folder.join(name)).unwrap();
        assert_eq!(entry["bytes"], bytes.len() as u64, "{name}");
        assert_eq!(entry["sha256"], sha256_hex(&bytes), "{name}");
        views += entry["views"].as_u64().unwrap();
    }
    assert_eq!(views, 3, "{manifest}");
    assert_eq!(archive(&env, dest)["days"], serde_json::json!([]));
    assert!(env.status().pending_days.is_empty());

    // Both files imported into a fresh deployment give the day's views back.
    let fresh = Env::on(kind, &[]);
    let mut import = vec!["import", "--format", "ndjson"];
    let paths: Vec<String> = names
        .iter()
        .map(|name| folder.join(name).display().to_string())
        .collect();
    import.extend(paths.iter().map(String::as_str));
    fresh.ok(&import);
    fresh.drain(&[]);
    fresh.ok(&["aggregate", "--day", DAY]);
    let views_only = |env: &Env| -> BTreeMap<String, u64> {
        pages(env).into_iter().map(|(p, (v, _))| (p, v)).collect()
    };
    assert_eq!(views_only(&fresh), views_only(&env));
    if kind.is_aws() {
        no_raw_items_left(&env.name);
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The events table of an AWS deployment holds no item of the test day any more.
fn no_raw_items_left(name: &str) {
    let items = block_on(scan_table(&format!("{name}-events")));
    let left: Vec<&str> = items
        .iter()
        .filter_map(|item| item.get("pk")?.as_s().ok())
        .filter(|pk| pk.starts_with(DAY))
        .map(String::as_str)
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

fn fewer_late_events_than_the_record_are_added_once_and_leave_the_pending_list(kind: Kind) {
    let env = Env::on(kind, &[]);
    send(
        &env,
        &[
            view("/a", 8, "e1", Some("v1")),
            view("/a", 9, "e2", Some("v2")),
            view("/b", 9, "e3", Some("v3")),
            view("/b", 10, "e4", None),
            view("/a", 11, "e5", None),
        ],
    );
    assert_eq!(aggregate_day(&env), (5, 3, "stored".to_owned()));
    let pruned = json(
        &env,
        &["prune", "--before", "2021-04-01", "--format", "json"],
    );
    assert_eq!(pruned["events_deleted"], 5, "{pruned}");

    send(&env, &[view("/a", 12, "late-1", Some("v1"))]);
    let (code, _, stderr) = env.run(&["report", "--day", DAY]);
    assert_eq!(code, 0);
    assert!(stderr.contains("late events"), "{stderr}");
    env.ok(&["aggregate", "--pending"]);
    assert_eq!(pages(&env), expected(&[("/a", 4, 3), ("/b", 2, 1)]));
    let status = env.status();
    assert!(status.pending_days.is_empty(), "{:?}", status.pending_days);
    let last = status.last_day.unwrap();
    assert_eq!((last.views, last.visitors, last.keyless_views), (6, 4, 2));
    let (code, _, stderr) = env.run(&["report", "--day", DAY]);
    assert_eq!(code, 0);
    assert!(!stderr.contains("late events"), "{stderr}");
    assert_eq!(aggregate_day(&env), (6, 4, "stored".to_owned()));

    // The late event goes too when pruned, and the day keeps its six views.
    let pruned = json(
        &env,
        &["prune", "--before", "2021-04-01", "--format", "json"],
    );
    assert_eq!(pruned["events_deleted"], 1, "{pruned}");
    assert_eq!(pruned["pending"], serde_json::json!([]), "{pruned}");
    assert_eq!(pages(&env), expected(&[("/a", 4, 3), ("/b", 2, 1)]));
    assert_eq!(aggregate_day(&env), (6, 4, "stored".to_owned()));
    assert!(env.status().pending_days.is_empty());
    assert_eq!(env.status().events_stored, 0);
}

/// Rows a crashed aggregation left half-written are not part of the next count: the record is
/// kept apart from them.
fn rows_of_an_interrupted_aggregation_are_not_counted_again(kind: Kind) {
    let env = Env::on(kind, &[]);
    send(
        &env,
        &[view("/a", 8, "e1", Some("v1")), view("/b", 9, "e2", None)],
    );
    env.ok(&["aggregate", "--day", DAY]);
    env.ok(&["prune", "--before", "2021-04-01"]);
    send(&env, &[view("/a", 10, "late-1", Some("v2"))]);
    overwrite_row(&env, "/a", 99);
    env.ok(&["aggregate", "--pending"]);
    assert_eq!(pages(&env), expected(&[("/a", 2, 2), ("/b", 1, 0)]));
    overwrite_row(&env, "/b", 42);
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(pages(&env), expected(&[("/a", 2, 2), ("/b", 1, 0)]));
}

/// Writes `views` into the test day's row of `page`, as an aggregation that stopped half-way
/// through writing the day's rows would have left it.
fn overwrite_row(env: &Env, page: &str, views: u64) {
    match env.kind {
        Kind::Local => {
            let path = pageviews::backend::local::database_path(env.data_dir(), &env.name);
            let db = rusqlite::Connection::open(path).unwrap();
            let day = pageviews::model::day::Day::parse(DAY).unwrap().number();
            let changed = db
                .execute(
                    "UPDATE daily SET views = ?1 WHERE day = ?2 AND page = ?3",
                    rusqlite::params![views as i64, day, page],
                )
                .unwrap();
            assert_eq!(changed, 1);
        }
        Kind::Aws | Kind::Kinesis => block_on(async {
            use aws_sdk_dynamodb::types::AttributeValue;
            let clients = pageviews::backend::aws::connect(&crate::harness::aws_settings())
                .await
                .unwrap();
            clients
                .dynamodb
                .update_item()
                .table_name(format!("{}-daily", env.name))
                .key("pk", AttributeValue::S(DAY.into()))
                .key("sk", AttributeValue::S(page.into()))
                .update_expression("SET #views = :views")
                .expression_attribute_names("#views", "views")
                .expression_attribute_values(":views", AttributeValue::N(views.to_string()))
                .send()
                .await
                .unwrap();
        }),
    }
}

fn two_aggregations_at_once_add_the_late_events_once(kind: Kind) {
    let env = Env::on(kind, &[]);
    let record: Vec<String> = (0..6)
        .map(|i| view("/a", 8, &format!("e{i}"), Some(&format!("v{i}"))))
        .collect();
    send(&env, &record);
    env.ok(&["aggregate", "--day", DAY]);
    env.ok(&["prune", "--before", "2021-04-01"]);
    send(
        &env,
        &[view("/a", 9, "late-1", None), view("/b", 9, "late-2", None)],
    );
    let runs: Vec<_> = (0..2)
        .map(|_| env.spawn(&["aggregate", "--day", DAY]))
        .collect();
    for run in runs {
        let output = run.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(pages(&env), expected(&[("/a", 7, 6), ("/b", 1, 0)]));
    assert!(env.status().pending_days.is_empty());
}

/// A day whose raw events a pageviews without records deleted (its daily rows its only record,
/// no `record_version`), then a late view: added to the rows once counted, on DynamoDB.
#[test]
fn a_day_deleted_before_records_existed_adds_its_late_events_on_dynamodb() {
    let env = Env::on(Kind::Aws, &[]);
    send(
        &env,
        &[
            view("/a", 8, "e1", Some("v1")),
            view("/a", 9, "e2", Some("v2")),
            view("/b", 10, "e3", None),
        ],
    );
    env.ok(&["aggregate", "--day", DAY]);
    block_on(async {
        use aws_sdk_dynamodb::types::AttributeValue;
        let clients = pageviews::backend::aws::connect(&crate::harness::aws_settings())
            .await
            .unwrap();
        let events = format!("{}-events", env.name);
        for item in scan_table(&events).await {
            let key = [("pk", item["pk"].clone()), ("sk", item["sk"].clone())];
            let mut delete = clients.dynamodb.delete_item().table_name(&events);
            for (name, value) in key {
                delete = delete.key(name, value);
            }
            delete.send().await.unwrap();
        }
        clients
            .dynamodb
            .update_item()
            .table_name(format!("{}-daily", env.name))
            .key("pk", AttributeValue::S("days".into()))
            .key("sk", AttributeValue::S(DAY.into()))
            .update_expression("SET deleted_version = aggregated_version")
            .send()
            .await
            .unwrap();
    });
    send(&env, &[view("/b", 11, "late-1", Some("v1"))]);
    env.ok(&["aggregate", "--pending"]);
    assert_eq!(pages(&env), expected(&[("/a", 2, 2), ("/b", 2, 1)]));
    assert!(env.status().pending_days.is_empty());
    assert_eq!(aggregate_day(&env), (4, 3, "stored".to_owned()));
}
