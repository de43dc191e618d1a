//! `deploy` and `undeploy` against moto's IAM, Lambda, EventBridge Scheduler and SQS: what AWS
//! requires is checked before anything is created, everything is made with the settings asked
//! for, a second run changes nothing, and `undeploy` leaves nothing behind but the queues and
//! tables. (moto stores functions without running them; the mapping is made disabled, since
//! moto would invoke the function on every message.)

use pageviews::deploy::package::{elf_header, stored_zip, Architecture};
use serde_json::Value;

use crate::harness::{aws_settings, block_on, Env, Kind};

const ORIGIN: &str = "https://example.com";

pub(crate) fn package(env: &Env, file: &str, arch: Architecture, filler: &str) -> String {
    let mut content = elf_header(arch);
    content.extend_from_slice(filler.as_bytes());
    let path = env.data_dir().join(file);
    std::fs::write(&path, stored_zip("bootstrap", &content)).unwrap();
    path.to_string_lossy().into_owned()
}

struct Aws {
    iam: aws_sdk_iam::Client,
    lambda: aws_sdk_lambda::Client,
    scheduler: aws_sdk_scheduler::Client,
}

async fn aws() -> Aws {
    let connection = pageviews::backend::aws::Aws::new(aws_settings());
    let config = connection.config().await.unwrap();
    Aws {
        iam: aws_sdk_iam::Client::new(config),
        lambda: aws_sdk_lambda::Client::new(config),
        scheduler: aws_sdk_scheduler::Client::new(config),
    }
}

fn states(outcome: &Value) -> Vec<(String, String)> {
    outcome["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| {
            let kind = step["kind"].as_str().unwrap().to_owned();
            (kind, step["state"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn what_aws_requires_is_checked_before_anything_is_created() {
    let env = Env::on(Kind::Aws, &[]);
    let arm = package(&env, "arm.zip", Architecture::Arm64, "");
    // The queue's 30 s are under 6 x 60 s.
    let (code, _, stderr) = env.run(&["deploy", "--package", &arm, "--timeout", "60"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "visibility timeout (30 s) is under six times the function timeout (6 x 60 s = 360 s)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--raise-visibility-timeout"), "{stderr}");
    let (code, _, stderr) = env.run(&["deploy", "--package", &arm, "--architecture", "x86_64"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is not a Lambda package for x86_64: `bootstrap` is built for arm64"),
        "{stderr}"
    );
    let (code, _, stderr) = env.run(&[
        "deploy",
        "--package",
        &env.write("x.zip", "not a zip").to_string_lossy(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a zip file"), "{stderr}");
    let (code, _, stderr) = env.run(&[
        "deploy",
        "--package",
        &arm,
        "--collector",
        "--allow-origin",
        "example.com",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("example.com"), "{stderr}");
    let bare = Env::bare_on(Kind::Aws);
    let bare_package = package(&bare, "arm.zip", Architecture::Arm64, "");
    let (code, _, stderr) = bare.run(&["deploy", "--package", &bare_package]);
    assert_ne!(code, 0);
    assert!(stderr.contains("init"), "{stderr}");
    let (code, _, stderr) = env.run(&["--backend", "local", "deploy", "--package", &arm]);
    assert_eq!(code, 2, "{stderr}");
    // Without a terminal to confirm on, undeploy wants --yes.
    let (code, _, stderr) = env.run(&["undeploy"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("so pass --yes"), "{stderr}");
    // Nothing was made by any of them.
    block_on(async {
        let aws = aws().await;
        let role = aws
            .iam
            .get_role()
            .role_name(format!("{}-drain-function", env.name))
            .send()
            .await;
        assert!(role.is_err());
        let function = aws
            .lambda
            .get_function()
            .function_name(format!("{}-drain", env.name))
            .send()
            .await;
        assert!(function.is_err());
    });
}

#[test]
fn deploy_makes_what_was_asked_again_changes_nothing_and_undeploy_leaves_nothing() {
    let env = Env::on(Kind::Aws, &[]);
    let first = package(&env, "first.zip", Architecture::Arm64, "one");
    let args = [
        "deploy",
        "--package",
        &first,
        "--timeout",
        "30",
        "--memory",
        "512",
        "--batch-size",
        "10",
        "--max-concurrency",
        "5",
        "--aggregate-at",
        "00:15",
        "--collector",
        "--allow-origin",
        ORIGIN,
        "--raise-visibility-timeout",
        "--paused",
        "--format",
        "json",
    ];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let planned: Value = serde_json::from_str(&env.ok(&dry)).unwrap();
    assert!(
        states(&planned)
            .iter()
            .all(|(_, state)| state.starts_with("would")),
        "{planned}"
    );
    let deployed: Value = serde_json::from_str(&env.ok(&args)).unwrap();
    let kinds: Vec<(String, String)> = states(&deployed);
    let count = |kind: &str, state: &str| {
        kinds
            .iter()
            .filter(|(k, s)| k == kind && s == state)
            .count()
    };
    assert_eq!(count("queue", "updated"), 1, "{kinds:?}");
    assert_eq!(count("role", "created"), 4, "{kinds:?}");
    assert_eq!(count("function", "created"), 3, "{kinds:?}");
    assert_eq!(count("mapping", "created"), 1, "{kinds:?}");
    assert_eq!(count("schedule", "created"), 1, "{kinds:?}");
    assert_eq!(count("function URL", "created"), 1, "{kinds:?}");
    let url = deployed["function_url"]
        .as_str()
        .expect("a function URL")
        .to_owned();

    let name = env.name.clone();
    block_on(async {
        let aws = aws().await;
        for job in ["drain", "aggregate", "collect"] {
            let function = aws
                .lambda
                .get_function()
                .function_name(format!("{name}-{job}"))
                .send()
                .await
                .unwrap();
            let config = function.configuration.unwrap();
            assert_eq!(config.memory_size, Some(512));
            assert_eq!(config.timeout, Some(30));
            assert_eq!(config.runtime.unwrap().as_str(), "provided.al2023");
            assert_eq!(config.handler.as_deref(), Some("bootstrap"));
            assert_eq!(config.architectures.unwrap()[0].as_str(), "arm64");
            let variables = config.environment.unwrap().variables.unwrap();
            assert_eq!(variables["PAGEVIEWS_NAME"], name);
            assert_eq!(
                config.role.unwrap(),
                format!("arn:aws:iam::123456789012:role/{name}-{job}-function")
            );
        }
        // Each role carries `iam-policy`'s statements for its job, and its own log group.
        let policy = aws
            .iam
            .get_role_policy()
            .role_name(format!("{name}-drain-function"))
            .policy_name("pageviews")
            .send()
            .await
            .unwrap();
        let text = percent_encoding::percent_decode_str(&policy.policy_document)
            .decode_utf8()
            .unwrap()
            .into_owned();
        let document: Value = serde_json::from_str(&text).unwrap();
        let expected: Value = serde_json::from_str(&env.ok(&[
            "--region",
            "us-east-1",
            "iam-policy",
            "--role",
            "drainer",
            "--account-id",
            "123456789012",
        ]))
        .unwrap();
        let statements = document["Statement"].as_array().unwrap();
        assert_eq!(
            &statements[..statements.len() - 1],
            expected["Statement"].as_array().unwrap().as_slice()
        );
        assert_eq!(statements.last().unwrap()["Sid"], "OwnLogs");

        let mappings = aws
            .lambda
            .list_event_source_mappings()
            .function_name(format!("{name}-drain"))
            .send()
            .await
            .unwrap()
            .event_source_mappings
            .unwrap();
        assert_eq!(mappings.len(), 1);
        let mapping = &mappings[0];
        assert_eq!(mapping.batch_size, Some(10));
        assert_eq!(
            mapping.event_source_arn.as_deref(),
            Some(format!("arn:aws:sqs:us-east-1:123456789012:{name}-events").as_str())
        );
        assert_eq!(
            mapping.function_response_types.as_ref().unwrap()[0].as_str(),
            "ReportBatchItemFailures"
        );
        assert_eq!(
            mapping
                .scaling_config
                .as_ref()
                .and_then(|s| s.maximum_concurrency),
            Some(5)
        );
        assert_eq!(mapping.state.as_deref(), Some("Disabled"));

        let schedule = aws
            .scheduler
            .get_schedule()
            .name(format!("{name}-aggregate"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            schedule.schedule_expression.as_deref(),
            Some("cron(15 0 * * ? *)")
        );
        assert_eq!(
            schedule.schedule_expression_timezone.as_deref(),
            Some("UTC")
        );
        let target = schedule.target.unwrap();
        assert_eq!(
            target.arn,
            format!("arn:aws:lambda:us-east-1:123456789012:function:{name}-aggregate")
        );
        assert_eq!(
            target.input.as_deref(),
            Some(r#"{"pageviews":"aggregate"}"#)
        );

        let url_config = aws
            .lambda
            .get_function_url_config()
            .function_name(format!("{name}-collect"))
            .send()
            .await
            .unwrap();
        assert_eq!(url_config.function_url, url);
        assert_eq!(url_config.cors.unwrap().allow_origins.unwrap(), [ORIGIN]);
    });
    // Again: everything exists as asked.
    let again: Value = serde_json::from_str(&env.ok(&args)).unwrap();
    assert!(
        states(&again).iter().all(|(_, state)| state == "unchanged"),
        "{again}"
    );
    // A new package and more memory: the functions are updated, nothing else.
    let second = package(&env, "second.zip", Architecture::Arm64, "two");
    let mut changed = args.to_vec();
    changed[2] = &second;
    changed[6] = "1024";
    let updated: Value = serde_json::from_str(&env.ok(&changed)).unwrap();
    let updated_states = states(&updated);
    assert_eq!(
        updated_states
            .iter()
            .filter(|(k, s)| k == "function" && s == "updated")
            .count(),
        3,
        "{updated}"
    );
    assert!(
        updated_states
            .iter()
            .filter(|(k, _)| k != "function")
            .all(|(_, s)| s == "unchanged"),
        "{updated}"
    );
    let details = updated["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["kind"] == "function")
        .unwrap()["details"]
        .to_string();
    assert!(
        details.contains("the package changed") && details.contains("memory 512 -> 1024 MB"),
        "{details}"
    );

    let status = env.ok(&["status"]);
    assert!(
        status.contains(&format!("function {name}-drain: arm64, 1024 MB, 30 s")),
        "{status}"
    );
    assert!(
        status.contains(&format!("mapping -> {name}-drain: Disabled, batches of 10")),
        "{status}"
    );
    assert!(
        status.contains(&format!(
            "schedule {name}-aggregate: cron(15 0 * * ? *) in UTC"
        )),
        "{status}"
    );

    let (code, _, stderr) = env.run(&["undeploy", "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    block_on(async {
        let aws = aws().await;
        for job in ["drain", "aggregate", "collect"] {
            assert!(aws
                .lambda
                .get_function()
                .function_name(format!("{name}-{job}"))
                .send()
                .await
                .is_err());
            assert!(aws
                .iam
                .get_role()
                .role_name(format!("{name}-{job}-function"))
                .send()
                .await
                .is_err());
        }
        assert!(aws
            .iam
            .get_role()
            .role_name(format!("{name}-scheduler"))
            .send()
            .await
            .is_err());
        assert!(aws
            .scheduler
            .get_schedule()
            .name(format!("{name}-aggregate"))
            .send()
            .await
            .is_err());
        let mappings = aws
            .lambda
            .list_event_source_mappings()
            .send()
            .await
            .unwrap()
            .event_source_mappings
            .unwrap_or_default();
        assert!(mappings.iter().all(|m| !m
            .function_arn
            .as_deref()
            .unwrap_or("")
            .contains(&format!(":{name}-"))));
    });
    // The queues and tables stay.
    assert_eq!(env.status().queue.visible, 0);
    let (code, _, stderr) = env.run(&["undeploy", "--yes"]);
    assert_eq!(
        code, 0,
        "a second undeploy finds nothing to delete: {stderr}"
    );
    assert!(stderr.contains("absent function"), "{stderr}");
}
