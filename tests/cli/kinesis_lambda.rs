//! The drain function on a Kinesis stream deployment, against moto: a batch as the event
//! source mapping hands it over (poison included, delivered twice) stored once, and `deploy`
//! mapping the stream to the function.

use std::time::Duration;

use crate::harness::{aws_settings, block_on, Env, Kind};
use crate::kinesis::{counted, kinesis, put_poison, send, stream, stream_env};

/// The records of the stream's only shard as a Kinesis event source mapping hands them over.
async fn mapped_records(env: &Env) -> Vec<serde_json::Value> {
    use base64::Engine as _;
    let client = kinesis().await;
    let shards = client
        .list_shards()
        .stream_name(stream(env))
        .send()
        .await
        .unwrap();
    let shard = shards.shards()[0].shard_id().to_owned();
    let iterator = client
        .get_shard_iterator()
        .stream_name(stream(env))
        .shard_id(&shard)
        .shard_iterator_type(aws_sdk_kinesis::types::ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator
        .unwrap();
    let records = client
        .get_records()
        .shard_iterator(iterator)
        .send()
        .await
        .unwrap();
    records
        .records()
        .iter()
        .map(|record| {
            serde_json::json!({
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": record.partition_key(),
                    "sequenceNumber": record.sequence_number(),
                    "data": base64::engine::general_purpose::STANDARD.encode(record.data().as_ref()),
                    "approximateArrivalTimestamp": 1_700_000_000.0
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": format!("{shard}:{}", record.sequence_number()),
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/drain",
                "awsRegion": "us-east-1",
                "eventSourceARN": format!("arn:aws:kinesis:us-east-1:123456789012:stream/{}", stream(env))
            })
        })
        .collect()
}

/// The function, handed a Kinesis batch with poison in it (and the same batch again, as
/// Lambda retries): every view stored once, the poison dead-lettered with its reason, no
/// record reported failed.
#[test]
fn the_function_stores_a_kinesis_batch_once_with_its_poison_dead_lettered() {
    use crate::lambda::{failures, FunctionProcess};
    use crate::runtime_api::RuntimeApi;

    let env = stream_env(1, 30);
    send(&env, 120);
    block_on(async {
        put_poison(&env).await;
        let records = mapped_records(&env).await;
        assert_eq!(records.len(), 2, "one message of 120 views and the poison");
        let api = RuntimeApi::start().await;
        let _function = FunctionProcess::start(&env, &api, &[]);
        let event = serde_json::json!({ "Records": records });
        let minute = Duration::from_secs(60);
        let response = api.invoke(event.clone(), minute).await.response();
        assert_eq!(failures(&response), Vec::<String>::new());
        let again = api.invoke(event, minute).await.response();
        assert_eq!(failures(&again), Vec::<String>::new());
    });
    let letters: Vec<serde_json::Value> =
        serde_json::from_str(&env.ok(&["dlq", "list", "--format", "json"])).unwrap();
    // Dead-lettered at each delivery: the letters are the same record, kept twice.
    assert!(!letters.is_empty() && letters.iter().all(|l| l["body"] == "not json at all"));
    assert_eq!(counted(&env), 120);
}

/// `deploy` on a stream deployment: the drain's mapping reads the stream from its oldest
/// record, splits a failing batch, retries as asked and describes what it gives up on the
/// dead-letter queue; the roles get the stream's statements; a second run changes nothing and
/// a changed setting is updated. (moto stores the mapping and would invoke the function on
/// every record put after it: nothing is sent here.)
#[test]
fn deploy_maps_the_stream_to_the_drain_function() {
    use pageviews::deploy::package::Architecture;

    let env = stream_env(2, 30);
    let package = crate::deploy::package(&env, "drain.zip", Architecture::Arm64, "kinesis");
    let deploy = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "deploy",
            "--package",
            &package,
            "--batch-size",
            "500",
            "--batching-window",
            "5",
            "--parallelization-factor",
            "4",
            "--max-retries",
            "50",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        serde_json::from_str(&env.ok(&args)).unwrap()
    };
    let first = deploy(&[]);
    let mapping_state = |outcome: &serde_json::Value| {
        outcome["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|step| step["kind"] == "mapping")
            .map(|step| {
                (
                    step["state"].as_str().unwrap().to_owned(),
                    step["details"].clone(),
                )
            })
            .unwrap()
    };
    assert_eq!(mapping_state(&first).0, "created", "{first}");
    let name = env.name.clone();
    let (mapping, policy) = block_on(async {
        let connection = pageviews::backend::aws::Aws::new(aws_settings());
        let config = connection.config().await.unwrap();
        let lambda = aws_sdk_lambda::Client::new(config);
        let mappings = lambda
            .list_event_source_mappings()
            .function_name(format!("{name}-drain"))
            .send()
            .await
            .unwrap()
            .event_source_mappings
            .unwrap();
        let policy = aws_sdk_iam::Client::new(config)
            .get_role_policy()
            .role_name(format!("{name}-drain-function"))
            .policy_name("pageviews")
            .send()
            .await
            .unwrap()
            .policy_document;
        (mappings[0].clone(), policy)
    });
    assert!(mapping
        .event_source_arn()
        .unwrap()
        .ends_with(&format!(":stream/{name}-events")));
    assert_eq!(mapping.batch_size(), Some(500));
    assert_eq!(mapping.maximum_batching_window_in_seconds(), Some(5));
    assert_eq!(mapping.parallelization_factor(), Some(4));
    assert_eq!(mapping.maximum_retry_attempts(), Some(50));
    assert_eq!(mapping.maximum_record_age_in_seconds(), Some(-1));
    assert_eq!(mapping.bisect_batch_on_function_error(), Some(true));
    assert_eq!(
        mapping.starting_position().map(|p| p.as_str()),
        Some("TRIM_HORIZON")
    );
    let on_failure = mapping
        .destination_config()
        .and_then(|d| d.on_failure())
        .and_then(|f| f.destination())
        .unwrap();
    assert!(
        on_failure.ends_with(&format!(":{name}-events-dlq")),
        "{on_failure}"
    );
    let policy = percent_encoding::percent_decode_str(&policy)
        .decode_utf8()
        .unwrap()
        .into_owned();
    assert!(
        policy.contains("kinesis:GetRecords") && policy.contains("stream_lease"),
        "{policy}"
    );

    let again = deploy(&[]);
    assert_eq!(mapping_state(&again).0, "unchanged", "{again}");
    let changed = deploy(&["--max-record-age", "3600"]);
    let (state, details) = mapping_state(&changed);
    assert_eq!(state, "updated");
    assert_eq!(details, serde_json::json!(["record age -> 3600 s"]));
    // The SQS-only --max-concurrency is not a stream's; the stream's flags are refused on SQS.
    let sqs = Env::on(Kind::Aws, &[]);
    let (code, _, stderr) = sqs.run(&["deploy", "--package", &package, "--max-retries", "3"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("this deployment's queue is SQS"),
        "{stderr}"
    );
}
