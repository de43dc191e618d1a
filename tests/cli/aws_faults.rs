//! The faults S3, Lambda, EventBridge Scheduler and IAM give and moto does not, scripted by the
//! fault proxy in front of moto: each is retried under the one retry policy and the command
//! succeeds; a fault that outlasts the policy's attempts fails the command with one line and
//! exit code 1, after exactly as many attempts as the policy allows.

use serde_json::Value;
use std::time::{Duration, Instant};

use crate::fault_proxy::{self, Action, FaultProxy, Rule};
use crate::harness::{aws_env, block_on, Env, Kind};
use pageviews::deploy::package::Architecture;
use pageviews::model::retry::RetryPolicy;

const DAY: &str = "2021-03-13";

/// Attempts of one call under the one retry policy.
fn attempts() -> u64 {
    RetryPolicy::default().attempts as u64
}

/// `times` answers of `status` with `code` to `operation`, after which calls go through.
fn refuse(
    operation: &'static str,
    times: u32,
    status: u16,
    code: &'static str,
    message: &'static str,
) -> Rule {
    Rule {
        operation,
        action: Action::Refuse {
            status,
            code,
            message,
        },
        skip: 0,
        times,
    }
}

/// Runs `pageviews` with the emulator's settings (on either backend) through `proxy`; returns
/// its exit code, stdout and stderr, and checks that it did not panic.
pub(crate) fn through(env: &Env, proxy: &FaultProxy, args: &[&str]) -> (i32, String, String) {
    let output = env
        .std_cmd()
        .envs(aws_env())
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

/// The one error line of a failed command.
fn error_line(stderr: &str) -> String {
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "one error line: {stderr}");
    errors[0].to_owned()
}

fn deploy_args(package: &str) -> Vec<&str> {
    vec![
        "deploy",
        "--package",
        package,
        "--raise-visibility-timeout",
        "--paused",
        "--format",
        "json",
    ]
}

/// Deploys through `proxy` and expects success: every step of a first deploy created.
fn deploys(env: &Env, proxy: &FaultProxy) {
    let package = crate::deploy::package(env, "arm.zip", Architecture::Arm64, "");
    let (code, stdout, stderr) = through(env, proxy, &deploy_args(&package));
    assert_eq!(code, 0, "{stderr}");
    let outcome: Value = serde_json::from_str(&stdout).unwrap();
    let states: Vec<(&str, &str)> = outcome["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| {
            (
                step["kind"].as_str().unwrap(),
                step["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("queue", "updated"),
            ("role", "created"),
            ("function", "created"),
            ("role", "created"),
            ("function", "created"),
            ("mapping", "created"),
            ("role", "created"),
            ("schedule", "created"),
        ],
        "{stderr}"
    );
    // What moto holds is what was asked for, whatever the proxy did to the calls.
    let again = env.ok(&deploy_args(&package));
    let again: Value = serde_json::from_str(&again).unwrap();
    for step in again["steps"].as_array().unwrap() {
        assert_eq!(step["state"], "unchanged", "{again}");
    }
}

/// Deploys through `proxy` and expects the command to give up: exit code 1 and one error line
/// naming `operation` and `code`; then a deploy without faults finishes the job.
fn gives_up(env: &Env, proxy: &FaultProxy, operation: &str, code: &str) {
    let package = crate::deploy::package(env, "arm.zip", Architecture::Arm64, "");
    let started = Instant::now();
    let (exit, _, stderr) = through(env, proxy, &deploy_args(&package));
    let elapsed = started.elapsed();
    assert_eq!(exit, 1, "{stderr}");
    let line = error_line(&stderr);
    assert!(line.contains(operation) && line.contains(code), "{line}");
    assert_eq!(proxy.calls(operation), attempts(), "{stderr}");
    // Eight attempts sleep at most 6.35 s between them; the calls themselves are quick.
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    eprintln!("deploy gave up on {operation} after {elapsed:?}: {line}");
    env.ok(&deploy_args(&package));
}

#[test]
fn lambda_throttling_create_function_is_retried() {
    let env = Env::on(Kind::Aws, &[]);
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![refuse(
            "CreateFunction",
            2,
            429,
            "TooManyRequestsException",
            "Rate exceeded",
        )],
    );
    deploys(&env, &proxy);
    // Two functions (drain, aggregate), the first created on its third attempt.
    assert_eq!(proxy.calls("CreateFunction"), 4);
}

#[test]
fn lambda_throttling_past_the_budget_fails_deploy_with_one_line() {
    let env = Env::on(Kind::Aws, &[]);
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![refuse(
            "CreateFunction",
            u32::MAX,
            429,
            "TooManyRequestsException",
            "Rate exceeded",
        )],
    );
    gives_up(&env, &proxy, "CreateFunction", "TooManyRequestsException");
}

#[test]
fn scheduler_failing_create_schedule_is_retried() {
    let env = Env::on(Kind::Aws, &[]);
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![refuse(
            "CreateSchedule",
            2,
            500,
            "InternalServerException",
            "Unexpected error",
        )],
    );
    deploys(&env, &proxy);
    assert_eq!(proxy.calls("CreateSchedule"), 3);
}

#[test]
fn scheduler_failing_past_the_budget_fails_deploy_with_one_line() {
    let env = Env::on(Kind::Aws, &[]);
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![refuse(
            "CreateSchedule",
            u32::MAX,
            500,
            "InternalServerException",
            "Unexpected error",
        )],
    );
    gives_up(&env, &proxy, "CreateSchedule", "InternalServerException");
}

/// As AWS answers while a role made a moment ago has not reached Lambda yet.
#[test]
fn a_new_role_lambda_cannot_assume_yet_is_retried_until_iam_has_propagated() {
    let env = Env::on(Kind::Aws, &[]);
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![refuse(
            "CreateFunction",
            3,
            400,
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
        )],
    );
    deploys(&env, &proxy);
    assert_eq!(proxy.calls("CreateFunction"), 5);
}

#[test]
fn iam_throttling_past_the_budget_fails_deploy_with_one_line() {
    let env = Env::on(Kind::Aws, &[]);
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![refuse(
            "CreateRole",
            u32::MAX,
            400,
            "Throttling",
            "Rate exceeded",
        )],
    );
    gives_up(&env, &proxy, "CreateRole", "Throttling");
}

/// CreateRole done, its answer lost: the retry finds the role there and uses it.
#[test]
fn a_role_created_whose_answer_was_lost_is_found_on_the_retry() {
    let env = Env::on(Kind::Aws, &[]);
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![Rule {
            operation: "CreateRole",
            action: Action::LoseAnswer,
            skip: 0,
            times: 1,
        }],
    );
    deploys(&env, &proxy);
    assert_eq!(proxy.calls("CreateRole"), 4);
}

/// NDJSON views whose pages are long random paths: their export hardly compresses, so a
/// day of them is a multipart upload of two parts (8 MiB and the rest).
fn incompressible_views(env: &Env, count: usize) -> std::path::PathBuf {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut lines = String::new();
    for i in 0..count {
        let page: String = (0..400)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize] as char
            })
            .collect();
        let second = i % 86_400;
        let time = format!(
            "{DAY}T{:02}:{:02}:{:02}Z",
            second / 3600,
            second / 60 % 60,
            second % 60
        );
        lines.push_str(&crate::harness::line(
            &format!("/{page}"),
            &time,
            Some(&format!("big-{i}")),
        ));
        lines.push('\n');
    }
    env.write("views.ndjson", &lines)
}

/// A local deployment holding a day whose events export to a file of two parts, and an S3
/// bucket for it; returns the folder export's file for comparison.
fn a_day_of_two_parts(env: &Env, bucket: &str) -> Vec<u8> {
    let input = incompressible_views(env, 30_000);
    env.ok(&["send", "--input", &input.to_string_lossy()]);
    env.drain(&[]);
    let dir = env.data_dir().join("folder");
    let folder = dir.to_string_lossy();
    env.ok(&[
        "export", "--day", DAY, "--what", "events", "--output", &folder,
    ]);
    let file = std::fs::read(dir.join(format!("day={DAY}/events.ndjson.gz"))).unwrap();
    let part = pageviews::export::destination::PART_BYTES;
    assert!(file.len() > part && file.len() < 2 * part, "{}", file.len());
    let client = crate::archive::s3();
    block_on(client.create_bucket().bucket(bucket).send()).unwrap();
    file
}

fn export_to_s3(bucket: &str) -> Vec<String> {
    let output = format!("s3://{bucket}/export");
    [
        "export", "--day", DAY, "--what", "events", "--output", &output,
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn s3_slowing_down_one_part_of_a_multipart_upload_is_retried() {
    let env = Env::new();
    let bucket = format!("pv-slowdown-{}", std::process::id());
    let file = a_day_of_two_parts(&env, &bucket);
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![Rule {
            operation: "UploadPart",
            action: Action::Refuse {
                status: 503,
                code: "SlowDown",
                message: "Please reduce your request rate.",
            },
            skip: 1,
            times: 1,
        }],
    );
    let args = export_to_s3(&bucket);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, stderr) = through(&env, &proxy, &args);
    assert_eq!(code, 0, "{stderr}");
    // Two parts, the second sent twice.
    assert_eq!(proxy.calls("UploadPart"), 3);
    let on_s3 = crate::archive::objects(&crate::archive::s3(), &bucket, "export/");
    let key = format!("day={DAY}/events.ndjson.gz");
    assert!(
        on_s3[&key] == file,
        "the object is the folder's file, byte for byte"
    );
}

#[test]
fn s3_slowing_down_past_the_budget_fails_the_export_with_one_line() {
    let env = Env::new();
    let bucket = format!("pv-slowdown-all-{}", std::process::id());
    a_day_of_two_parts(&env, &bucket);
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![Rule::every(
            "UploadPart",
            Action::Refuse {
                status: 503,
                code: "SlowDown",
                message: "Please reduce your request rate.",
            },
        )],
    );
    let args = export_to_s3(&bucket);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = Instant::now();
    let (code, _, stderr) = through(&env, &proxy, &args);
    assert_eq!(code, 1, "{stderr}");
    let line = error_line(&stderr);
    assert!(
        line.contains("UploadPart") && line.contains("SlowDown"),
        "{line}"
    );
    eprintln!("export gave up after {:?}: {line}", started.elapsed());
    assert_eq!(proxy.calls("UploadPart"), attempts(), "{stderr}");
    // Nothing half-written is left: no object, and the upload aborted.
    let client = crate::archive::s3();
    assert!(crate::archive::objects(&client, &bucket, "export/").is_empty());
    let uploads = block_on(client.list_multipart_uploads().bucket(&bucket).send()).unwrap();
    assert_eq!(uploads.uploads().len(), 0);
}

/// Lambda takes no change while a function's last update is under way, and moto never says
/// one is: the clients' fault wrapper edits two GetFunction answers to say so. The redeploy
/// waits for the function, then uploads the new package.
#[test]
fn a_function_still_updating_is_waited_for_before_its_code_is_replaced() {
    use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
    use aws_sdk_lambda::types::LastUpdateStatus;
    use pageviews::backend::aws::faults::{FaultPlan, Rule as Edit};
    use pageviews::backend::aws::{Aws, Functions};
    use pageviews::deploy::{deploy, DeployOptions};

    let env = Env::on(Kind::Aws, &[]);
    let first = crate::deploy::package(&env, "first.zip", Architecture::Arm64, "one");
    env.ok(&deploy_args(&first));
    // The first GetFunction (what is deployed) passes; the next two say "updating".
    let plan = FaultPlan::new(vec![Edit::edit(
        "GetFunction",
        1,
        2,
        |output: &mut GetFunctionOutput| {
            if let Some(config) = output.configuration.as_mut() {
                config.last_update_status = Some(LastUpdateStatus::InProgress);
            }
        },
    )]);
    let aws = Aws::with_faults(crate::harness::aws_settings(), plan.clone());
    let second = crate::deploy::package(&env, "second.zip", Architecture::Arm64, "two");
    let outcome = block_on(async {
        let clients = Functions::new(aws, &env.name).connect().await.unwrap();
        let queue = clients.queue.read().await.unwrap();
        let options = DeployOptions {
            package: std::fs::read(&second).unwrap().into(),
            architecture: Architecture::Arm64,
            memory_mb: 256,
            aggregate_memory_mb: 256,
            aggregate_timeout_seconds: 50,
            timeout_seconds: 50,
            batch_size: 10,
            batching_window_seconds: 0,
            max_concurrency: 2,
            aggregate_at: (0, 15),
            zone: "UTC".into(),
            collector: None,
            dashboard: None,
            paused: true,
            aggregate_parts: 1,
            stream: Default::default(),
            dry_run: false,
        };
        deploy(&clients, &env.name, &queue, &options).await.unwrap()
    });
    assert_eq!(plan.edited("GetFunction"), 2);
    let functions: Vec<(&str, Vec<String>)> = outcome
        .steps
        .iter()
        .filter(|step| step.kind == "function")
        .map(|step| (step.state.word(), step.details.clone()))
        .collect();
    let changed = vec!["the package changed".to_owned()];
    assert_eq!(
        functions,
        [("updated", changed.clone()), ("updated", changed)]
    );
}
