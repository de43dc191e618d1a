//! The dashboard as a Lambda function: `deploy --dashboard` against moto makes the function
//! with only the token's SHA-256 in its configuration, a public URL and a read-only role; a
//! second run changes nothing, a new token updates the hash, `undeploy` removes it all. The
//! function itself, started against the test's Runtime API, answers the overview and the API
//! only with the token, and the API what `report --format json` prints, byte for byte.

use pageviews::deploy::package::Architecture;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::time::Duration;

use crate::dashboard::three_days;
use crate::deploy::package;
use crate::harness::{aws_settings, block_on, Env, Kind};
use crate::lambda::FunctionProcess;
use crate::lambda_http::request;
use crate::runtime_api::{Answer, RuntimeApi};

const TOKEN: &str = "5f2b8c1e9a7d4036b1e8c2f7a9d0e4b3";
const NEW_TOKEN: &str = "0a9b8c7d6e5f40312a3b4c5d6e7f8091";

fn sha256_hex(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn steps(outcome: &Value) -> Vec<(String, String, String)> {
    let steps = outcome["steps"].as_array().unwrap().iter();
    steps
        .map(|step| {
            let text = |key: &str| step[key].as_str().unwrap().to_owned();
            (text("kind"), text("name"), text("state"))
        })
        .collect()
}

/// What Lambda and IAM hold of the dashboard's function.
struct Stored {
    variables: HashMap<String, String>,
    url: String,
    auth_type: String,
    /// Who may call it.
    policy: String,
    /// Its role's policy.
    role_policy: Value,
    /// All of it as text: the configuration, the environment, the URL's configuration, the
    /// resource policy and the role's policy.
    text: String,
}

async fn read_stored(name: &str) -> Stored {
    let connection = pageviews::backend::aws::Aws::new(aws_settings());
    let config = connection.config().await.unwrap();
    let lambda = aws_sdk_lambda::Client::new(config);
    let iam = aws_sdk_iam::Client::new(config);
    let function = format!("{name}-dashboard");
    let got = lambda
        .get_function()
        .function_name(&function)
        .send()
        .await
        .unwrap();
    let url = lambda
        .get_function_url_config()
        .function_name(&function)
        .send()
        .await
        .unwrap();
    let policy = lambda
        .get_policy()
        .function_name(&function)
        .send()
        .await
        .unwrap();
    let role = iam
        .get_role_policy()
        .role_name(format!("{function}-function"))
        .policy_name("pageviews")
        .send()
        .await
        .unwrap();
    let role_policy = percent_encoding::percent_decode_str(&role.policy_document)
        .decode_utf8()
        .unwrap()
        .into_owned();
    // The SDK's Debug hides the environment's values: they are listed apart.
    let variables = got
        .configuration
        .as_ref()
        .and_then(|config| config.environment.as_ref())
        .and_then(|environment| environment.variables.clone())
        .unwrap_or_default();
    Stored {
        text: format!("{got:?}\n{variables:?}\n{url:?}\n{policy:?}\n{role_policy}"),
        variables,
        url: url.function_url,
        auth_type: url.auth_type.as_str().to_owned(),
        policy: policy.policy.unwrap_or_default(),
        role_policy: serde_json::from_str(&role_policy).unwrap(),
    }
}

#[test]
fn deploy_dashboard_gives_the_function_only_the_tokens_hash_and_undeploy_removes_it() {
    let env = Env::on(Kind::Aws, &[]);
    let zip = package(&env, "arm.zip", Architecture::Arm64, "dashboard");
    let token_file = env.write("token", &format!("{TOKEN}\n"));
    let token_file = token_file.to_str().unwrap();
    let base = [
        "deploy",
        "--package",
        &zip,
        "--paused",
        "--raise-visibility-timeout",
        "--format",
        "json",
    ];

    // No token file: refused before anything is asked of AWS, on one line.
    let (code, stdout, stderr) = env.run(&[&base[..], &["--dashboard"]].concat());
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(
        stderr.trim_end(),
        "error: --dashboard needs --token-file FILE: the token every dashboard request must \
         carry (e.g. `openssl rand -hex 32 > FILE`)"
    );
    let short = env.write("short", "secret\n");
    let (code, _, stderr) = env.run(
        &[
            &base[..],
            &["--dashboard", "--token-file", short.to_str().unwrap()],
        ]
        .concat(),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("at least 32 characters"), "{stderr}");

    let args = [&base[..], &["--dashboard", "--token-file", token_file]].concat();
    let planned: Value =
        serde_json::from_str(&env.ok(&[&args[..], &["--dry-run"]].concat())).unwrap();
    assert!(
        steps(&planned)
            .iter()
            .all(|(_, _, s)| s.starts_with("would")),
        "{planned}"
    );
    assert!(planned["dashboard_url"].is_null());

    let deployed: Value = serde_json::from_str(&env.ok(&args)).unwrap();
    let name = env.name.clone();
    let function = format!("{name}-dashboard");
    let made = steps(&deployed);
    for (kind, made_name) in [
        ("role", format!("{function}-function")),
        ("function", function.clone()),
        ("function URL", function.clone()),
    ] {
        assert!(
            made.contains(&(kind.to_owned(), made_name.clone(), "created".to_owned())),
            "{kind} {made_name}: {made:?}"
        );
    }
    // Neither the collector nor its URL was asked for.
    assert!(!made.iter().any(|(_, n, _)| n.ends_with("-collect")));
    let url = deployed["dashboard_url"]
        .as_str()
        .expect("the URL")
        .to_owned();
    assert!(deployed["function_url"].is_null());

    let stored = block_on(read_stored(&name));
    assert!(
        !stored.text.contains(TOKEN),
        "the token is stored: {}",
        stored.text
    );
    let variables = &stored.variables;
    assert_eq!(
        variables["PAGEVIEWS_DASHBOARD_TOKEN_SHA256"],
        sha256_hex(TOKEN)
    );
    assert_eq!(variables["PAGEVIEWS_FUNCTION_ROLE"], "dashboard");
    assert_eq!(variables["PAGEVIEWS_NAME"], name);
    assert_eq!(variables.len(), 4, "{variables:?}");
    // A public URL: the token is checked by the dashboard, not by IAM.
    assert_eq!(
        (stored.url.as_str(), stored.auth_type.as_str()),
        (url.as_str(), "NONE")
    );
    assert!(
        stored.policy.contains("lambda:InvokeFunctionUrl"),
        "{}",
        stored.policy
    );
    // The role holds `iam-policy --role dashboard` and its own log group: reads only.
    let role_policy = &stored.role_policy;
    let expected: Value = serde_json::from_str(&env.ok(&[
        "--region",
        "us-east-1",
        "iam-policy",
        "--role",
        "dashboard",
        "--account-id",
        "123456789012",
    ]))
    .unwrap();
    let statements = role_policy["Statement"].as_array().unwrap();
    assert_eq!(
        &statements[..statements.len() - 1],
        expected["Statement"].as_array().unwrap().as_slice()
    );
    assert_eq!(
        expected["Statement"],
        json!([
            {"Sid": "ReadDaily", "Effect": "Allow",
             "Action": ["dynamodb:GetItem", "dynamodb:Query"],
             "Resource": [format!("arn:aws:dynamodb:us-east-1:123456789012:table/{name}-daily")]},
            {"Sid": "CountToday", "Effect": "Allow", "Action": ["dynamodb:Query"],
             "Resource": [format!("arn:aws:dynamodb:us-east-1:123456789012:table/{name}-events")]}
        ])
    );

    // Again: everything as it was.
    let again: Value = serde_json::from_str(&env.ok(&args)).unwrap();
    assert!(
        steps(&again).iter().all(|(_, _, s)| s == "unchanged"),
        "{again}"
    );
    assert_eq!(again["dashboard_url"], url.as_str());
    let status = env.ok(&["status"]);
    assert!(
        status.contains(&format!("function {function}: arm64, 256 MB, 50 s")),
        "{status}"
    );
    assert!(
        status.contains(&format!("function URL of {function}: {url}")),
        "{status}"
    );

    // A new token: the hash in the environment changes, nothing else.
    let new_file = env.write("token", NEW_TOKEN);
    let new_args = [
        &base[..],
        &["--dashboard", "--token-file", new_file.to_str().unwrap()],
    ]
    .concat();
    let updated: Value = serde_json::from_str(&env.ok(&new_args)).unwrap();
    let changed: Vec<&Value> = updated["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|step| step["state"] != "unchanged")
        .collect();
    assert_eq!(
        changed,
        [
            &json!({"kind": "function", "name": function, "state": "updated",
                 "details": ["environment: PAGEVIEWS_DASHBOARD_TOKEN_SHA256"]})
        ]
    );
    let stored = block_on(read_stored(&name)).text;
    assert!(
        !stored.contains(NEW_TOKEN) && !stored.contains(TOKEN),
        "{stored}"
    );
    assert!(stored.contains(&sha256_hex(NEW_TOKEN)), "{stored}");

    let (code, _, stderr) = env.run(&["undeploy", "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("deleted function {function}")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("deleted role {function}-function")),
        "{stderr}"
    );
    block_on(async {
        let connection = pageviews::backend::aws::Aws::new(aws_settings());
        let config = connection.config().await.unwrap();
        let lambda = aws_sdk_lambda::Client::new(config);
        let iam = aws_sdk_iam::Client::new(config);
        let gone = lambda.get_function().function_name(&function).send().await;
        assert!(gone.is_err());
        let url = lambda
            .get_function_url_config()
            .function_name(&function)
            .send()
            .await;
        assert!(url.is_err());
        let role = iam
            .get_role()
            .role_name(format!("{function}-function"))
            .send()
            .await;
        assert!(role.is_err());
    });
    assert!(!env.ok(&["status"]).contains(&function));
}

/// A function URL request of the dashboard: GET `path?query` with `headers`.
fn get(path: &str, query: &str, headers: Value) -> Value {
    request("GET", path, query, headers, None)
}

#[test]
fn the_dashboard_function_answers_only_with_the_token_and_as_report_json() {
    let env = Env::on(Kind::Aws, &[]);
    three_days(&env);
    let (from, to) = ("2021-03-11", "2021-03-13");
    let query = format!("from={from}&to={to}");
    let bearer = json!({"authorization": format!("Bearer {TOKEN}")});
    let hash = sha256_hex(TOKEN);
    let vars = [
        ("PAGEVIEWS_FUNCTION_ROLE", "dashboard"),
        ("PAGEVIEWS_DASHBOARD_TOKEN_SHA256", hash.as_str()),
    ];
    let answers = block_on(async {
        let api = RuntimeApi::start().await;
        let _function = FunctionProcess::start(&env, &api, &vars);
        let login = request(
            "POST",
            "/login",
            "",
            json!({"content-type": "application/x-www-form-urlencoded"}),
            Some(&format!("token={TOKEN}")),
        );
        let mut with_cookie = get("/", &query, json!({}));
        with_cookie["cookies"] = json!(["other=1", format!("pageviews_token={TOKEN}")]);
        let invocations = [
            get("/", &query, json!({})),
            get(
                "/",
                &query,
                json!({"authorization": "Bearer 0000000000000000000000000000000000"}),
            ),
            get("/api/v1/report", &query, json!({})),
            get("/", &query, bearer.clone()),
            get("/api/v1/report", &query, bearer.clone()),
            get(
                "/api/v1/report",
                &format!("{query}&by=referrer&top=1"),
                bearer.clone(),
            ),
            login,
            with_cookie,
        ];
        let mut answers = Vec::new();
        for invocation in invocations {
            let answered = api.invoke(invocation, Duration::from_secs(30)).await;
            answers.push(answered.response());
        }
        // Its role reads only: a batch sent to it is refused whole, and nothing is stored.
        let record = crate::lambda::sqs_record("m-1", &crate::lambda::packed("n", 3));
        let batch = crate::lambda::sqs_event(&[record]);
        let refused = api.invoke(batch, Duration::from_secs(30)).await;
        assert!(matches!(refused.answer, Answer::Error(_)), "{refused:?}");
        answers
    });
    let [no_token, wrong, api_no_token, overview, api, by_referrer, login, cookie] =
        answers.try_into().unwrap();
    for refused in [&no_token, &wrong, &api_no_token] {
        assert_eq!(refused["statusCode"], 401, "{refused}");
        assert!(
            refused["body"].is_null() || refused["body"] == "",
            "{refused}"
        );
    }
    assert_eq!(overview["statusCode"], 200, "{overview}");
    assert_eq!(
        overview["headers"]["content-type"],
        "text/html; charset=utf-8"
    );
    assert!(overview["headers"]["content-security-policy"]
        .as_str()
        .unwrap()
        .starts_with("default-src 'none'"));
    let html = scraper::Html::parse_document(overview["body"].as_str().unwrap());
    let summary = crate::dashboard_server::attributes(&html, "#summary dd", "data-value");
    assert_eq!(summary[0], "24", "{summary:?}");

    let range = ["--from", from, "--to", to, "--format", "json"];
    assert_eq!(api["statusCode"], 200, "{api}");
    assert_eq!(api["headers"]["content-type"], "application/json");
    let report = env.ok(&[&["report"], &range[..]].concat());
    assert_eq!(api["body"].as_str().unwrap(), report);
    let rows: Value = serde_json::from_str(&report).unwrap();
    let views: u64 = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["views"].as_u64().unwrap())
        .sum();
    assert_eq!(views, 24);
    let referrers = env.ok(&[&["report", "--by", "referrer", "--top", "1"], &range[..]].concat());
    assert_eq!(by_referrer["body"].as_str().unwrap(), referrers);

    // The login form sets the cookie a function URL carries apart from the headers: HttpOnly,
    // SameSite=Strict, Secure; the cookie then opens the dashboard.
    assert_eq!(login["statusCode"], 303, "{login}");
    assert_eq!(
        login["cookies"],
        json!([format!(
            "pageviews_token={TOKEN}; Path=/; HttpOnly; SameSite=Strict; Secure"
        )])
    );
    assert!(login["headers"].get("set-cookie").is_none(), "{login}");
    assert_eq!(cookie["statusCode"], 200);
}

#[test]
fn a_dashboard_function_without_the_tokens_hash_serves_nothing() {
    let env = Env::on(Kind::Aws, &[]);
    let answer = block_on(async {
        let api = RuntimeApi::start().await;
        let _function =
            FunctionProcess::start(&env, &api, &[("PAGEVIEWS_FUNCTION_ROLE", "dashboard")]);
        let invocation = get("/", "", json!({}));
        api.invoke(invocation, Duration::from_secs(30))
            .await
            .response()
    });
    assert_eq!(answer["statusCode"], 503);
    assert_eq!(
        answer["body"],
        "this function does not serve the dashboard (see its log)"
    );
}
