//! A day counted in parts on DynamoDB (moto): the daily rows, breakdowns and day numbers written
//! from 1, 2 or 8 parts, or by 4 workers, are those of the day counted whole; a part that fails
//! after writing its counts and before naming them is counted again, a part counted twice
//! changes nothing, and a late event makes only its shard's part stale. A day written by an
//! older pageviews (raw items placed by event id) is counted whole, and stays placed so.

use serde_json::Value;

use crate::aws_faults::through;
use crate::fault_proxy::{scripted, Action, Rule};
use crate::harness::{aws_env, aws_settings, scan_table, wait_until, Env, Kind};
use crate::parts::{aggregate, counted_parts, one_more_view, send_day, send_view};
use pageviews::backend::aws::keys::shard_of;
use pageviews::model::day::{Day, DayRange};
use std::time::Duration;

const DAY: &str = "2021-03-10";
/// A day's raw items on 8 shards (`init`'s default), so a part of 8 is one shard.
const SHARDS: u32 = 8;

/// Every stored number of `day`, through the deployment's own reads: its daily rows, its
/// breakdown rows and its status's numbers, as text.
pub(crate) fn stored_day(env: &Env, day: &str) -> Vec<String> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(read_stored_day(env, day))
}

/// [`stored_day`], from async code.
pub(crate) async fn read_stored_day(env: &Env, day: &str) -> Vec<String> {
    let backend = env.open_backend().await;
    let range = DayRange::single(Day::parse(day).unwrap());
    let mut stored: Vec<String> = Vec::new();
    let rows = backend.daily.read_rows(range, None).await.unwrap();
    stored.extend(rows.iter().map(|row| format!("{row:?}")));
    let breakdown = backend.daily.read_breakdown(range, None).await.unwrap();
    stored.extend(breakdown.iter().map(|row| format!("{row:?}")));
    let statuses = backend.daily.day_statuses(Some(range)).await.unwrap();
    stored.extend(statuses.iter().map(|status| {
        let numbers = (
            status.views,
            status.pages,
            status.visitors,
            status.keyless_views,
        );
        format!("{numbers:?}")
    }));
    stored
}

#[test]
fn a_day_counted_in_parts_on_dynamodb_is_the_day_counted_whole() {
    let env = Env::on(Kind::Aws, &["--shards", "8"]);
    send_day(&env, DAY, "7");
    for (n, parts) in ["1", "2", "8"].into_iter().enumerate() {
        one_more_view(&env, DAY, n);
        let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", parts]);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains(&format!("aggregated {DAY} from {parts} part")),
            "{stderr}"
        );
        assert!(!stderr.contains("already stored"), "{stderr}");
        let from_parts = stored_day(&env, DAY);
        assert!(
            from_parts.len() > 40,
            "pages and breakdowns: {from_parts:?}"
        );
        env.ok(&["aggregate", "--day", DAY]);
        assert_eq!(stored_day(&env, DAY), from_parts, "in {parts} parts");
    }
    let whole = stored_day(&env, DAY);
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--workers", "4"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stored_day(&env, DAY), whole, "4 workers");
    // A part is whole shards: no more parts than the deployment's shards.
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "9"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("spreads a day over 8 shards") && stderr.contains("at most 8 parts"),
        "{stderr}"
    );
    let status = env.ok(&["status"]);
    assert!(
        status.contains("packed by visitor (a day can be counted in parts): 1 day (2021-03-10)"),
        "{status}"
    );
}

#[test]
fn parts_on_dynamodb_survive_a_failure_between_writes_a_repeat_and_late_events() {
    let env = Env::on(Kind::Aws, &["--shards", "8"]);
    send_day(&env, DAY, "11");
    for part in ["6", "0", "7", "2", "1", "4", "3"] {
        let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "8", "--part", part]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(counted_parts(&stderr, DAY), [part.parse::<u32>().unwrap()]);
        assert!(
            stderr.contains(&format!("{DAY} is not written yet")),
            "{stderr}"
        );
    }
    // The last part killed while its counts are being written (their answer held back): the
    // counts land unnamed, nothing is stored as the part's, and the day is not written.
    let held = Action::Delay(Duration::from_secs(30));
    let proxy = scripted(
        crate::moto::endpoint(),
        vec![Rule {
            times: 1,
            ..Rule::every("BatchWriteItem", held)
        }],
    );
    let mut killed = env
        .std_cmd()
        .envs(aws_env())
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .args(["aggregate", "--day", DAY, "--parts", "8", "--part", "5"])
        .spawn()
        .unwrap();
    wait_until(
        "the part's counts are sent",
        Duration::from_secs(60),
        || proxy.calls("BatchWriteItem") == 1,
    );
    killed.kill().unwrap();
    killed.wait().unwrap();
    assert_eq!(proxy.calls("PutItem"), 0, "killed before naming its counts");
    let out = env.ok(&[
        "aggregate",
        "--day",
        DAY,
        "--parts",
        "8",
        "--part",
        "0",
        "--format",
        "json",
    ]);
    let runs: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(runs[0]["missing"], serde_json::json!([5]), "{runs}");
    // Then its counts are written, and the write that names them is refused: the run fails,
    // the day is not written, and the part is counted again by the next run.
    let refused = Action::Refuse {
        status: 400,
        code: "ValidationException",
        message: "refused by the test",
    };
    let proxy = scripted(
        crate::moto::endpoint(),
        vec![Rule {
            times: 1,
            ..Rule::every("PutItem", refused)
        }],
    );
    let args = ["aggregate", "--day", DAY, "--parts", "8", "--part", "5"];
    let (code, _, stderr) = through(&env, &proxy, &args);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(proxy.calls("PutItem"), 1);
    assert_eq!(env.status().pending_days, [DAY]);
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "8"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        counted_parts(&stderr, DAY),
        [5],
        "only the part that failed"
    );
    assert!(
        stderr.contains(&format!("aggregated {DAY} from 8 parts")),
        "{stderr}"
    );
    let from_parts = stored_day(&env, DAY);
    assert!(env.status().pending_days.is_empty());
    // Counted twice, a part changes nothing; counted whole, the day is the same.
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "8", "--part", "5"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stored_day(&env, DAY), from_parts);
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(stored_day(&env, DAY), from_parts, "as counted whole");
    let before = env.total(&["--day", DAY]);

    // A late view of a visitor in one shard: only that shard's part is stale.
    let visitor = "ff00000000000001";
    let shard = shard_of(visitor, SHARDS);
    send_view(&env, "late1", &format!("{DAY}T23:00:00Z"), visitor);
    let other = ((shard + 1) % SHARDS).to_string();
    let out = env.ok(&[
        "aggregate",
        "--day",
        DAY,
        "--parts",
        "8",
        "--part",
        &other,
        "--format",
        "json",
    ]);
    let runs: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(runs[0]["stale"], serde_json::json!([shard]), "{runs}");
    assert_eq!(runs[0]["missing"], serde_json::json!([]));
    assert_eq!(runs[0]["merged"], Value::Null);
    let (code, stderr) = aggregate(&env, &["--pending", "--parts", "8"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counted_parts(&stderr, DAY), [shard], "{stderr}");
    assert_eq!(env.total(&["--day", DAY]), before + 1);
    let from_parts = stored_day(&env, DAY);
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(stored_day(&env, DAY), from_parts, "as counted whole");
}

/// Writes `lines` on `day` as a pageviews that placed raw items by event id did: items packed
/// by id, the day marked changed with its `packed` counter, no sharding.
async fn write_as_an_older_pageviews(env: &Env, lines: &[String]) {
    use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
    use pageviews::backend::aws::layout::{pack_messages, stamp_day_versions, Sharding};
    use pageviews::backend::aws::{DeploymentConfig, Names};
    use pageviews::backend::MessageEvents;
    use pageviews::model::event::decode_input_line;
    let events = lines
        .iter()
        .map(|line| decode_input_line(line, String::new, chrono::Utc::now()).unwrap())
        .collect::<Vec<_>>();
    let day = Day::parse(DAY).unwrap();
    let config = DeploymentConfig {
        shards: SHARDS,
        retention_days: 400,
        zone: pageviews::model::zone::Zone::UTC,
    };
    let message = MessageEvents {
        source: "older-1".to_owned(),
        events: events.into(),
    };
    let now = chrono::Utc::now().timestamp();
    let mut packed = pack_messages(&[message], &config, now, 8192, |_| Sharding::ById);
    stamp_day_versions(&mut packed.items, &[(day, 1)].into());
    let clients = pageviews::backend::aws::connect(&aws_settings())
        .await
        .unwrap();
    let names = Names::new(&env.name);
    for chunk in packed.items.chunks(25) {
        let requests = chunk.iter().map(|item| {
            let put = PutRequest::builder()
                .set_item(Some(item.clone()))
                .build()
                .unwrap();
            WriteRequest::builder().put_request(put).build()
        });
        clients
            .dynamodb
            .batch_write_item()
            .request_items(&names.events_table, requests.collect())
            .send()
            .await
            .unwrap();
    }
    let key = |name: &str| AttributeValue::S(name.to_owned());
    clients
        .dynamodb
        .update_item()
        .table_name(&names.daily_table)
        .key("pk", key("days"))
        .key("sk", key(DAY))
        .update_expression("ADD change_version :one, packed :events")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .expression_attribute_values(":events", AttributeValue::N(lines.len().to_string()))
        .send()
        .await
        .unwrap();
}

#[test]
fn a_day_written_by_an_older_pageviews_is_counted_whole_and_stays_placed_by_event_id() {
    let env = Env::on(Kind::Aws, &["--shards", "8"]);
    // 40 views of 4 visitors: placed by id, a visitor's views are on several shards.
    let lines: Vec<String> = (0..40)
        .map(|n| {
            format!(
                r#"{{"id":"old{n}","page":"/p{}","time":"{DAY}T10:{n:02}:00Z","visitor":"000000000000000{}"}}"#,
                n % 3,
                n % 4
            )
        })
        .collect();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(write_as_an_older_pageviews(&env, &lines));
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "4", "--part", "2"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("{DAY} is counted whole, by the run of part 0")),
        "{stderr}"
    );
    assert!(env.status().pending_days.contains(&DAY.to_owned()));
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "4", "--part", "0"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "aggregated {DAY} whole (its raw events were first written"
        )),
        "{stderr}"
    );
    assert_eq!(env.total(&["--day", DAY]), 40);
    let status = env.ok(&["status"]);
    assert!(
        status.contains("packed by event id (a day counted whole): 1 day"),
        "{status}"
    );
    // This pageviews adds to the day as the older one placed it: by event id.
    let more: Vec<String> = (0..20)
        .map(|n| {
            format!(
                r#"{{"id":"new{n}","page":"/p0","time":"{DAY}T11:{n:02}:00Z","visitor":"0000000000000001"}}"#
            )
        })
        .collect();
    let input = env.write("more.ndjson", &(more.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let items = runtime.block_on(scan_table(&format!("{}-events", env.name)));
    let mut placed = 0;
    for item in &items {
        let shard: u32 = item["pk"]
            .as_s()
            .unwrap()
            .rsplit('#')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        pageviews::backend::aws::layout::each_event(item, 0, |view| {
            if view.id.starts_with("new") {
                assert_eq!(shard, shard_of(view.id, SHARDS), "{} by its id", view.id);
                placed += 1;
            }
        })
        .unwrap();
    }
    assert_eq!(placed, 20);
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "2"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("whole"), "{stderr}");
    assert_eq!(env.total(&["--day", DAY]), 60);
}

/// The daily table's items of stored parts and their counts' chunks.
fn part_items(env: &Env) -> usize {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let items = runtime.block_on(scan_table(&format!("{}-daily", env.name)));
    items
        .iter()
        .filter(|item| {
            let pk = item["pk"].as_s().unwrap();
            pk.starts_with("parts#") || pk.starts_with("partcounts#")
        })
        .count()
}

#[test]
fn parts_on_dynamodb_of_a_day_whose_raw_events_were_deleted_count_on_its_record() {
    let env = Env::on(Kind::Aws, &["--shards", "8"]);
    send_day(&env, DAY, "17");
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "4"]);
    assert_eq!(code, 0, "{stderr}");
    let whole = stored_day(&env, DAY);
    let before = env.total(&["--day", DAY]);
    // Four parts, each an item naming one chunk of counts.
    assert_eq!(part_items(&env), 8);
    // The raw events deleted: the day's counts become its record, and the parts counted on
    // none go with the raw events.
    env.ok(&["prune", "--before", "2021-03-11"]);
    assert_eq!(part_items(&env), 0);
    assert_eq!(stored_day(&env, DAY), whole);
    let visitor = "4000000000000001";
    send_view(&env, "late2", &format!("{DAY}T22:00:00Z"), visitor);
    let (code, stderr) = aggregate(&env, &["--pending", "--parts", "4"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counted_parts(&stderr, DAY), [0, 1, 2, 3]);
    assert_eq!(env.total(&["--day", DAY]), before + 1);
    let from_parts = stored_day(&env, DAY);
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(stored_day(&env, DAY), from_parts, "as counted whole");
}
