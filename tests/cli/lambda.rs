//! The binary as a Lambda function, end to end: the built binary started with
//! AWS_LAMBDA_RUNTIME_API pointing at the test's Runtime API, storing into moto. SQS batches
//! (good, duplicate and poison messages), the daily schedule, function URL beacons, and a store
//! failure of one message.

use serde_json::{json, Value};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{block_on, dead_letters, Env, Kind};
use crate::runtime_api::RuntimeApi;

const DAY: &str = "2021-03-13";
const MINUTE: Duration = Duration::from_secs(60);

/// A function process, killed when dropped.
pub(crate) struct FunctionProcess {
    pub child: Child,
    pub started: Instant,
    log: std::path::PathBuf,
}

impl FunctionProcess {
    pub(crate) fn start(env: &Env, api: &RuntimeApi, vars: &[(&str, &str)]) -> FunctionProcess {
        let log = env
            .data_dir()
            .join(format!("function-{}.log", api.address.port()));
        let started = Instant::now();
        let child = command(env)
            .env("AWS_LAMBDA_RUNTIME_API", api.address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", format!("{}-function", env.name))
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .envs(vars.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the function starts");
        FunctionProcess {
            child,
            started,
            log,
        }
    }

    /// The summaries of the SQS batches the function logged, in order.
    pub(crate) fn batch_summaries(&self) -> Vec<Value> {
        let log = std::fs::read_to_string(&self.log).unwrap();
        log.lines()
            .filter(|line| line.contains("batch stored"))
            .map(|line| {
                let json = line.split_once("summary=").expect("a summary field").1;
                serde_json::from_str(json).expect("the summary is JSON")
            })
            .collect()
    }

    /// The most memory the process has held (VmHWM), in KiB.
    pub(crate) fn peak_memory_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc")
    }
}

/// The binary under test, or the one PAGEVIEWS_MEASURE_BINARY names (a release build, for
/// measurements), with the deployment's settings.
fn command(env: &Env) -> std::process::Command {
    let under_test = env.std_cmd();
    let Some(binary) = std::env::var_os("PAGEVIEWS_MEASURE_BINARY") else {
        return under_test;
    };
    let mut command = std::process::Command::new(binary);
    for (key, value) in under_test.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    command
}

impl Drop for FunctionProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The deployment's queue, reached directly: messages sent here get real SQS message ids.
pub(crate) struct EventsQueue {
    sqs: aws_sdk_sqs::Client,
    url: String,
}

impl EventsQueue {
    pub(crate) async fn open(env: &Env) -> EventsQueue {
        let clients = pageviews::backend::aws::connect(&crate::harness::aws_settings())
            .await
            .unwrap();
        let url = clients
            .sqs
            .get_queue_url()
            .queue_name(format!("{}-events", env.name))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        EventsQueue {
            sqs: clients.sqs,
            url,
        }
    }

    /// Sends `body`; returns the SQS record Lambda would hand the function for it.
    pub(crate) async fn send(&self, body: &str) -> Value {
        let sent = self
            .sqs
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .send()
            .await
            .unwrap();
        let id = sent.message_id.unwrap();
        sqs_record(&id, body)
    }
}

/// An SQS record as an event source mapping delivers it.
pub(crate) fn sqs_record(id: &str, body: &str) -> Value {
    json!({
        "messageId": id,
        "receiptHandle": format!("receipt-{id}"),
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1615600000000"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:pageviews-events",
        "awsRegion": "us-east-1"
    })
}

pub(crate) fn sqs_event(records: &[Value]) -> Value {
    json!({ "Records": records })
}

/// A packed message of `count` events with ids `{tag}-e{i}`, on pages /a and /b of DAY.
pub(crate) fn packed(tag: &str, count: usize) -> String {
    let events: Vec<String> = (0..count)
        .map(|i| {
            let page = if i % 2 == 0 { "/a" } else { "/b" };
            format!(
                r#"{{"page":"{page}","time":"{DAY}T{:02}:{:02}:00Z","id":"{tag}-e{i}"}}"#,
                i % 24,
                i % 60
            )
        })
        .collect();
    format!("[{}]", events.join(","))
}

pub(crate) fn failures(response: &Value) -> Vec<String> {
    response["batchItemFailures"]
        .as_array()
        .expect("batchItemFailures")
        .iter()
        .map(|failure| failure["itemIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_sqs_batch_is_stored_once_with_its_poison_dead_lettered() {
    let env = Env::on(Kind::Aws, &[]);
    block_on(async {
        let api = RuntimeApi::start().await;
        let function = FunctionProcess::start(&env, &api, &[]);
        let queue = EventsQueue::open(&env).await;
        let mut records = Vec::new();
        for m in 0..4 {
            records.push(queue.send(&packed(&format!("m{m}"), 5)).await);
        }
        // A client's resend of m0's events: other message, same event ids.
        records.push(queue.send(&packed("m0", 5)).await);
        records.push(queue.send("this is not JSON").await);
        let partly_bad = format!(
            r#"[{{"page":"/c","time":"{DAY}T08:00:00Z","id":"p-1"}},{{"page":"no-slash","time":"{DAY}T08:00:00Z"}}]"#
        );
        records.push(queue.send(&partly_bad).await);

        let response = api.invoke(sqs_event(&records), MINUTE).await.response();
        assert_eq!(failures(&response), Vec::<String>::new());
        // Lambda delivers the first two again (at least once): nothing new is stored.
        let again = api
            .invoke(sqs_event(&records[..2]), MINUTE)
            .await
            .response();
        assert_eq!(failures(&again), Vec::<String>::new());

        let summaries = function.batch_summaries();
        assert_eq!(summaries.len(), 2);
        assert_eq!(summaries[0]["messages"], 7);
        assert_eq!(
            summaries[0]["dead_lettered_messages"],
            json!({"not-json": 1})
        );
        assert_eq!(summaries[0]["rejected_events"], json!({"page-not-path": 1}));
        assert_eq!(summaries[0]["write_failures"], 0);
        assert_eq!(summaries[1]["messages"], 2);

        let mut reasons: Vec<String> = dead_letters(&env)
            .await
            .into_iter()
            .map(|(reason, _)| reason)
            .collect();
        reasons.sort();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons[0].starts_with("not-json: "), "{reasons:?}");
        assert!(
            reasons[1].starts_with("page-not-path: 1 event of the message refused: #"),
            "{reasons:?}"
        );

        // `drain` takes the same messages from the queue: the same identities, stored once.
        let drained = env.drain(&[]);
        assert_eq!(drained.messages, 7);

        let schedule = api
            .invoke(json!({"pageviews": "aggregate"}), MINUTE)
            .await
            .response();
        let aggregated = schedule["aggregated"].as_array().unwrap();
        let day = aggregated
            .iter()
            .find(|result| result["day"] == DAY)
            .unwrap();
        assert_eq!(day["views"], 21);
        assert_eq!(schedule["left_pending"], json!([]));
    });
    let views = env.views(&["--day", DAY]);
    let page = |page: &str| views[&(DAY.to_owned(), page.to_owned())];
    // Four messages of 5 events (3 on /a, 2 on /b), and /c from the packed message.
    assert_eq!((page("/a"), page("/b"), page("/c")), (12, 8, 1));
    assert_eq!(env.status().pending_days, Vec::<String>::new());
}

#[test]
fn a_scheduled_event_envelope_aggregates_and_unknown_events_are_errors() {
    let env = Env::on(Kind::Aws, &[]);
    env.write(
        "views.ndjson",
        &format!(
            "{}\n",
            crate::harness::line("/x", &format!("{DAY}T01:00:00Z"), None)
        ),
    );
    env.ok(&[
        "send",
        "--input",
        &env.data_dir().join("views.ndjson").to_string_lossy(),
    ]);
    env.drain(&[]);
    block_on(async {
        let api = RuntimeApi::start().await;
        let _function = FunctionProcess::start(&env, &api, &[]);
        let rule = json!({"version": "0", "id": "e", "detail-type": "Scheduled Event",
            "source": "aws.events", "time": "2021-03-14T00:15:00Z", "resources": [], "detail": {}});
        let summary = api.invoke(rule, MINUTE).await.response();
        let days: Vec<&Value> = summary["aggregated"].as_array().unwrap().iter().collect();
        assert!(
            days.iter()
                .any(|day| day["day"] == DAY && day["views"] == 1),
            "{summary}"
        );
        let unknown = api.invoke(json!({"hello": "world"}), MINUTE).await;
        match unknown.answer {
            crate::runtime_api::Answer::Error(error) => {
                assert!(
                    error
                        .to_string()
                        .contains("an event pageviews does not serve"),
                    "{error}"
                )
            }
            other => panic!("an unknown event must be an error: {other:?}"),
        }
    });
    assert_eq!(env.total(&["--day", DAY]), 1);
}

#[test]
fn a_store_failure_of_one_message_fails_that_message_only() {
    use pageviews::backend::faulty::{wrap, Fault, FaultPlan, Op};
    let env = Env::on(Kind::Aws, &[]);
    let records: Vec<Value> = (0..4)
        .map(|m| sqs_record(&format!("message-{m}"), &packed(&format!("f{m}"), 5)))
        .collect();
    let batch = || serde_json::from_value(sqs_event(&records)).unwrap();
    block_on(async {
        // The table refuses message-2's events for good, and its dead letter cannot be sent:
        // it cannot be stored anywhere, so it must come back; the others are stored.
        let plan = FaultPlan::new();
        plan.refuse_event("f2-e0");
        plan.inject(Op::DeadLetter, Fault::Refuse, 1_000);
        let backend = wrap(env.open_backend().await, plan);
        let outcome = pageviews::lambda::store_batch(&backend, batch(), MINUTE).await;
        let failed: Vec<&str> = outcome
            .response
            .batch_item_failures
            .iter()
            .map(|failure| failure.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["message-2"]);
        assert_eq!(outcome.summary.write_failures, 1);

        // Delivered again, with the dead-letter queue back: it goes there, with its reason.
        let plan = FaultPlan::new();
        plan.refuse_event("f2-e0");
        let backend = wrap(env.open_backend().await, plan);
        let outcome = pageviews::lambda::store_batch(&backend, batch(), MINUTE).await;
        assert!(outcome.response.batch_item_failures.is_empty());
        let letters = dead_letters(&env).await;
        assert_eq!(letters.len(), 1);
        assert!(
            letters[0].0.starts_with("write-refused: "),
            "{:?}",
            letters[0].0
        );
    });
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(env.total(&["--day", DAY]), 15);
}

#[test]
fn a_runtime_api_without_lambdas_other_variables_is_bad_input() {
    let env = Env::bare();
    let output = env
        .std_cmd()
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("AWS_LAMBDA_FUNCTION_NAME is not set: Lambda sets it; to run pageviews as a command, unset AWS_LAMBDA_RUNTIME_API"),
        "{stderr}"
    );
}
