//! Beacons through a function URL, end to end: the function process answers each request as
//! `collect` would (origins, DNT/GPC, bots, size limits), with the view on the queue before the
//! answer, and stores no address.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

use crate::harness::{block_on, days_since, scan_table, utc_today, Env, Kind};
use crate::lambda::FunctionProcess;
use crate::runtime_api::RuntimeApi;

pub(crate) const SITE: &str = "https://example.com";
pub(crate) const BROWSER: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const ADDRESS: &str = "198.51.100.7";

/// A function URL request (payload format 2.0).
pub(crate) fn request(
    method: &str,
    path: &str,
    query: &str,
    headers: Value,
    body: Option<&str>,
) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abc",
            "domainName": "abc.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abc",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": ADDRESS, "userAgent": BROWSER},
            "requestId": "r",
            "routeKey": "$default",
            "stage": "$default",
            "time": "13/Mar/2021:10:00:00 +0000",
            "timeEpoch": 1615629600000_i64
        },
        "body": body,
        "isBase64Encoded": false
    })
}

pub(crate) fn beacon(headers: Value, body: &str) -> Value {
    request("POST", "/v1/view", "", headers, Some(body))
}

#[test]
fn function_url_beacons_are_accepted_or_refused_as_collect_would() {
    let env = Env::on(Kind::Aws, &[]);
    // Views take the function's clock: taken before they are sent, so a run across midnight
    // reads both days.
    let first_day = utc_today();
    let answers = block_on(async {
        let api = RuntimeApi::start().await;
        let _function = FunctionProcess::start(&env, &api, &[("PAGEVIEWS_ALLOW_ORIGIN", SITE)]);
        let view = r#"{"page":"/hello?utm_source=news"}"#;
        let browser = json!({"origin": SITE, "user-agent": BROWSER, "content-type": "text/plain"});
        let invocations = [
            ("accepted", beacon(browser.clone(), view)),
            (
                "other origin",
                beacon(
                    json!({"origin": "https://evil.example", "user-agent": BROWSER}),
                    view,
                ),
            ),
            (
                "do not track",
                beacon(
                    json!({"origin": SITE, "user-agent": BROWSER, "dnt": "1"}),
                    view,
                ),
            ),
            (
                "bot",
                beacon(
                    json!({"origin": SITE, "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}),
                    view,
                ),
            ),
            (
                "too large",
                beacon(
                    browser.clone(),
                    &format!(r#"{{"page":"/{}"}}"#, "x".repeat(5000)),
                ),
            ),
            ("not a path", beacon(browser.clone(), r#"{"page":"hello"}"#)),
            (
                "pixel",
                request(
                    "GET",
                    "/v1/view.gif",
                    "page=%2Fpixel",
                    json!({"referer": format!("{SITE}/pixel"), "user-agent": BROWSER}),
                    None,
                ),
            ),
        ];
        let mut answers = Vec::new();
        for (what, invocation) in invocations {
            let answer = api
                .invoke(invocation, Duration::from_secs(30))
                .await
                .response();
            answers.push((what, answer));
        }
        answers
    });
    let status = |what: &str| {
        let answer = &answers.iter().find(|(name, _)| *name == what).unwrap().1;
        answer["statusCode"].as_u64().unwrap()
    };
    assert_eq!(status("accepted"), 204);
    assert_eq!(status("other origin"), 403);
    // Not counted, answered as if accepted so that nothing retries.
    assert_eq!(status("do not track"), 204);
    assert_eq!(status("bot"), 204);
    assert_eq!(status("too large"), 413);
    assert_eq!(status("not a path"), 400);
    assert_eq!(status("pixel"), 200);
    let accepted = &answers[0].1;
    assert_eq!(accepted["headers"]["access-control-allow-origin"], SITE);
    let pixel = &answers.last().unwrap().1;
    assert_eq!(pixel["isBase64Encoded"], true);
    assert_eq!(pixel["headers"]["content-type"], "image/gif");

    // Each counted view was on the queue when its request was answered: two, and the bot's
    // hit, counted apart.
    assert_eq!(env.status().queue.visible, 3);
    let drained = env.drain(&[]);
    assert_eq!((drained.messages, drained.events_written), (3, 3));
    let stored = block_on(scan_table(&format!("{}-events", env.name)));
    for value in stored.iter().flat_map(|item| item.values()) {
        let bytes = match value {
            AttributeValue::B(blob) => blob.as_ref().to_vec(),
            AttributeValue::S(text) | AttributeValue::N(text) => text.as_bytes().to_vec(),
            other => format!("{other:?}").into_bytes(),
        };
        // The browser's family is kept ("Firefox"); its user agent never is.
        for secret in [ADDRESS, BROWSER, "rv:128.0", "Googlebot/2.1"] {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{secret} is stored: {value:?}");
        }
    }
    let days = days_since(first_day);
    let days: Vec<&str> = days.iter().map(String::as_str).collect();
    env.ok(&[&["aggregate"][..], &days].concat());
    let rows = env.report(&days);
    let mut views: BTreeMap<&str, u64> = BTreeMap::new();
    for row in &rows {
        *views.entry(&row.page).or_default() += row.views;
    }
    assert_eq!(views, BTreeMap::from([("/hello", 1), ("/pixel", 1)]));
    // One visitor: the same address and browser on the same site, keyed without storing them.
    assert!(rows.iter().all(|row| row.visitors == 1), "{rows:?}");
    let bots = env.ok(&[&["report"][..], &days, &["--by", "bot", "--format", "csv"]].concat());
    let lines: Vec<&str> = bots.lines().collect();
    assert_eq!(lines.len(), 2, "{bots}");
    assert_eq!(lines[0], "day,category,bot,views,visitors");
    assert!(lines[1].ends_with(",search-engine,Googlebot,1,0"), "{bots}");
}

#[test]
fn a_function_without_collector_settings_refuses_beacons_and_still_drains() {
    let env = Env::on(Kind::Aws, &[]);
    block_on(async {
        let api = RuntimeApi::start().await;
        let _function = FunctionProcess::start(&env, &api, &[]);
        let headers = json!({"origin": SITE, "user-agent": BROWSER});
        let answer = api
            .invoke(beacon(headers, r#"{"page":"/x"}"#), Duration::from_secs(30))
            .await
            .response();
        assert_eq!(answer["statusCode"], 503);
        let record = crate::lambda::sqs_record("m-1", &crate::lambda::packed("n", 3));
        let batch = crate::lambda::sqs_event(&[record]);
        let stored = api.invoke(batch, Duration::from_secs(30)).await.response();
        assert_eq!(stored["batchItemFailures"], json!([]));
    });
    assert_eq!(env.status().queue.visible, 0);
    assert_eq!(env.status().events_stored, 3);
}
