//! The daily schedule counting a day in parts on Lambda (`PAGEVIEWS_PARTS`): the scheduled
//! invocation invokes the function asynchronously once per part (through moto's Lambda, which
//! takes the invocations and does not run them: the test runs each one, as Lambda would); the
//! part stored last writes the day, the same as counted whole; a late event makes the next
//! schedule invoke only its shard's part.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use serde_json::{json, Value};
use std::time::Duration;

use crate::fault_proxy::scripted;
use crate::harness::{aws_settings, block_on, Env, Kind};
use crate::lambda::FunctionProcess;
use crate::parts::{send_day, send_view};
use crate::parts_aws::read_stored_day;
use crate::runtime_api::RuntimeApi;
use pageviews::backend::aws::keys::shard_of;
use pageviews::deploy::package::Architecture;

const DAY: &str = "2021-03-10";
const MINUTE: Duration = Duration::from_secs(60);
const PARTS: u32 = 4;

/// Makes the function the test's process stands for in moto's Lambda, so that it can be
/// invoked (moto keeps functions without running them).
async fn register_function(env: &Env, name: &str) {
    let aws = pageviews::backend::aws::Aws::new(aws_settings());
    let config = aws.config().await.unwrap();
    let iam = aws_sdk_iam::Client::new(config);
    let role = iam
        .create_role()
        .role_name(format!("{name}-role"))
        .assume_role_policy_document("{}")
        .send()
        .await
        .unwrap();
    let package = crate::deploy::package(env, "function.zip", Architecture::Arm64, "not run");
    let package = std::fs::read(package).unwrap();
    aws_sdk_lambda::Client::new(config)
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role(role.role.unwrap().arn)
        .code(FunctionCode::builder().zip_file(Blob::new(package)).build())
        .send()
        .await
        .unwrap();
}

/// The part invocations the proxy saw, from the `seen`th on, as JSON.
fn invocations_from(proxy: &crate::fault_proxy::FaultProxy, seen: usize) -> Vec<Value> {
    proxy.invocations()[seen..]
        .iter()
        .map(|body| serde_json::from_slice(body).unwrap())
        .collect()
}

#[test]
fn the_schedule_invokes_each_part_and_the_last_one_stored_writes_the_day() {
    let env = Env::on(Kind::Aws, &["--shards", "4"]);
    send_day(&env, DAY, "5");
    let proxy = scripted(crate::moto::endpoint(), Vec::new());
    let parts = PARTS.to_string();
    block_on(async {
        register_function(&env, &format!("{}-function", env.name)).await;
        let api = RuntimeApi::start().await;
        let vars = [
            ("AWS_ENDPOINT_URL", proxy.endpoint.as_str()),
            ("PAGEVIEWS_PARTS", parts.as_str()),
        ];
        let _function = FunctionProcess::start(&env, &api, &vars);
        let schedule = json!({"pageviews": "aggregate"});
        let summary = api.invoke(schedule.clone(), MINUTE).await.response();
        assert_eq!(
            summary["parts_invoked"],
            json!([{"day": DAY, "parts": PARTS, "invoked": [0, 1, 2, 3]}]),
            "{summary}"
        );
        // Yesterday, which has no events, is counted by the schedule itself.
        let counted: Vec<&Value> = summary["aggregated"].as_array().unwrap().iter().collect();
        assert!(
            counted
                .iter()
                .all(|day| day["day"] != DAY && day["views"] == 0),
            "{summary}"
        );
        let invoked = invocations_from(&proxy, 0);
        assert_eq!(invoked.len(), 4);
        for (part, input) in invoked.iter().enumerate() {
            let expected =
                json!({"pageviews": "aggregate-part", "day": DAY, "parts": PARTS, "part": part});
            assert_eq!(*input, expected);
        }
        // Lambda runs them; the last stored writes the day.
        let mut written = Vec::new();
        for input in invoked.into_iter().rev() {
            let run = api.invoke(input, MINUTE).await.response();
            written.push(!run["merged"].is_null());
        }
        assert_eq!(written, [false, false, false, true]);
        assert!(env.status().pending_days.is_empty());
        let from_parts = read_stored_day(&env, DAY).await;
        env.ok(&["aggregate", "--day", DAY]);
        assert_eq!(
            read_stored_day(&env, DAY).await,
            from_parts,
            "as counted whole"
        );
        let before = env.total(&["--day", DAY]);

        // A late view: the next schedule invokes its shard's part only.
        let visitor = "00000000000000aa";
        send_view(&env, "late1", &format!("{DAY}T23:00:00Z"), visitor);
        let summary = api.invoke(schedule.clone(), MINUTE).await.response();
        let shard = shard_of(visitor, 4);
        assert_eq!(
            summary["parts_invoked"],
            json!([{"day": DAY, "parts": PARTS, "invoked": [shard]}]),
            "{summary}"
        );
        let invoked = invocations_from(&proxy, 4);
        assert_eq!(invoked.len(), 1);
        let run = api.invoke(invoked[0].clone(), MINUTE).await.response();
        assert_eq!(run["merged"]["views"], json!(before + 1), "{run}");
        assert_eq!(env.total(&["--day", DAY]), before + 1);
        // Nothing pending: the schedule invokes nothing.
        let summary = api.invoke(schedule, MINUTE).await.response();
        assert_eq!(summary.get("parts_invoked"), None, "{summary}");
        assert_eq!(proxy.invocations().len(), 5);
    });
}

/// The aggregation function's environment, memory and timeout, and its role's statements, as
/// deployed; and the drain function's memory and timeout.
struct Deployed {
    parts: Option<String>,
    aggregation: (Option<i32>, Option<i32>),
    drain: (Option<i32>, Option<i32>),
    statements: Vec<Value>,
}

async fn aggregation(name: &str) -> Deployed {
    let aws = pageviews::backend::aws::Aws::new(aws_settings());
    let config = aws.config().await.unwrap();
    let function = aws_sdk_lambda::Client::new(config)
        .get_function()
        .function_name(format!("{name}-aggregate"))
        .send()
        .await
        .unwrap();
    let configuration = function.configuration.unwrap();
    let aggregation = (configuration.memory_size, configuration.timeout);
    let environment = configuration.environment.unwrap();
    let parts = environment
        .variables
        .unwrap()
        .get("PAGEVIEWS_PARTS")
        .cloned();
    let drain = aws_sdk_lambda::Client::new(config)
        .get_function()
        .function_name(format!("{name}-drain"))
        .send()
        .await
        .unwrap()
        .configuration
        .unwrap();
    let drain = (drain.memory_size, drain.timeout);
    let policy = aws_sdk_iam::Client::new(config)
        .get_role_policy()
        .role_name(format!("{name}-aggregate-function"))
        .policy_name("pageviews")
        .send()
        .await
        .unwrap();
    let text = percent_encoding::percent_decode_str(&policy.policy_document)
        .decode_utf8()
        .unwrap()
        .into_owned();
    let document: Value = serde_json::from_str(&text).unwrap();
    Deployed {
        parts,
        aggregation,
        drain,
        statements: document["Statement"].as_array().unwrap().clone(),
    }
}

#[test]
fn deploy_gives_the_aggregation_its_parts_memory_timeout_and_leave_to_invoke_only_itself() {
    let env = Env::on(Kind::Aws, &[]);
    let package = crate::deploy::package(&env, "parts.zip", Architecture::Arm64, "parts");
    let deploy = |parts: &str| {
        env.run(&[
            "deploy",
            "--package",
            &package,
            "--timeout",
            "30",
            "--raise-visibility-timeout",
            "--paused",
            "--aggregate-parts",
            parts,
            "--aggregate-memory",
            "1024",
            "--aggregate-timeout",
            "300",
        ])
    };
    // The test deployment has 2 shards: a part is whole shards.
    let (code, _, stderr) = deploy("3");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--aggregate-parts 3: this deployment spreads a day over 2 shards"),
        "{stderr}"
    );
    let (code, _, stderr) = deploy("2");
    assert_eq!(code, 0, "{stderr}");
    let name = env.name.clone();
    let deployed = block_on(aggregation(&name));
    assert_eq!(deployed.parts.as_deref(), Some("2"));
    // Its own memory and timeout; the drain keeps the others (and the queue's visibility
    // timeout follows the drain's).
    assert_eq!(deployed.aggregation, (Some(1024), Some(300)));
    assert_eq!(deployed.drain, (Some(256), Some(30)));
    let own = deployed.statements.last().unwrap();
    assert_eq!(own["Sid"], "InvokeOwnParts");
    assert_eq!(own["Action"], "lambda:InvokeFunction");
    assert_eq!(
        own["Resource"],
        json!([format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{name}-aggregate"
        )])
    );
    // Back to one part: the variable and the statement go.
    let (code, _, stderr) = deploy("1");
    assert_eq!(code, 0, "{stderr}");
    let deployed = block_on(aggregation(&name));
    assert_eq!(deployed.parts, None);
    assert!(deployed
        .statements
        .iter()
        .all(|statement| statement["Sid"] != "InvokeOwnParts"));
}
