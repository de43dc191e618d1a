//! `report --versus NAME`: a deployment fed by the beacon beside one fed by the server's log of
//! the same day, per page and day with the ratio, in every format, on SQLite and on moto; and
//! what it refuses.

use serde_json::json;

use crate::harness::{line, Env, Kind};
use crate::logs::{combined, CHROME, FIREFOX, SAFARI};
use crate::on_both_backends;

on_both_backends!(the_beacon_beside_the_logs);

/// `pageviews --name NAME ...` on the same backend and data directory as `env`.
fn named(env: &Env, name: &str, args: &[&str]) -> String {
    env.ok(&[&["--name", name][..], args].concat())
}

/// The beacon counted 3 views of /, 1 of /app (a page the log's site does not serve), none
/// of /feed; the log has 4 views of / (one by a browser that blocks the beacon), 2 of
/// /feed, and a bot's view that is not counted.
fn two_deployments(kind: Kind) -> (Env, String) {
    let env = Env::on(kind, &[]);
    let logs = format!("{}-logs", env.name);
    let mut init = vec!["init"];
    if kind.is_aws() {
        init.extend(["--shards", "2", "--visibility-timeout", "30"]);
    }
    named(&env, &logs, &init);
    let beacon: Vec<String> = [
        ("/", "2021-03-13T10:00:00Z"),
        ("/", "2021-03-13T10:01:00Z"),
        ("/", "2021-03-13T10:02:00Z"),
        ("/app", "2021-03-13T10:03:00Z"),
    ]
    .iter()
    .map(|(page, time)| line(page, time, None))
    .collect();
    let input = env.write("beacon.ndjson", &(beacon.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    let log = [
        combined(
            "203.0.113.9",
            "13/Mar/2021:10:00:00 +0000",
            "GET / HTTP/1.1",
            200,
            "-",
            FIREFOX,
        ),
        combined(
            "203.0.113.10",
            "13/Mar/2021:10:01:00 +0000",
            "GET / HTTP/1.1",
            200,
            "-",
            SAFARI,
        ),
        combined(
            "203.0.113.11",
            "13/Mar/2021:10:02:00 +0000",
            "GET / HTTP/2.0",
            200,
            "-",
            CHROME,
        ),
        combined(
            "203.0.113.12",
            "13/Mar/2021:10:02:30 +0000",
            "GET / HTTP/2.0",
            200,
            "-",
            CHROME,
        ),
        combined(
            "203.0.113.9",
            "13/Mar/2021:10:05:00 +0000",
            "GET /feed HTTP/1.1",
            200,
            "-",
            FIREFOX,
        ),
        combined(
            "203.0.113.13",
            "13/Mar/2021:10:06:00 +0000",
            "GET /feed HTTP/1.1",
            200,
            "-",
            FIREFOX,
        ),
        combined(
            "66.249.66.1",
            "13/Mar/2021:10:07:00 +0000",
            "GET / HTTP/1.1",
            200,
            "-",
            "Googlebot/2.1 (+http://www.google.com/bot.html)",
        ),
    ];
    let file = env.write("access.log", &(log.join("\n") + "\n"));
    named(
        &env,
        &logs,
        &["import", "--format", "combined", file.to_str().unwrap()],
    );
    for name in [env.name.as_str(), logs.as_str()] {
        named(&env, name, &["drain", "--wait-seconds", "0.2"]);
        named(&env, name, &["aggregate", "--day", "2021-03-13"]);
    }
    (env, logs)
}

fn the_beacon_beside_the_logs(kind: Kind) {
    let (env, logs) = two_deployments(kind);
    let json: serde_json::Value = serde_json::from_str(&env.ok(&[
        "report",
        "--day",
        "2021-03-13",
        "--versus",
        &logs,
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(
        json,
        json!([
            {"day": "2021-03-13", "page": "/", "views": 3, "versus_views": 4, "ratio": 0.75, "only_in": null},
            {"day": "2021-03-13", "page": "/app", "views": 1, "versus_views": 0, "ratio": null, "only_in": env.name},
            {"day": "2021-03-13", "page": "/feed", "views": 0, "versus_views": 2, "ratio": 0.0, "only_in": logs},
        ])
    );
    let csv = env.ok(&[
        "report",
        "--day",
        "2021-03-13",
        "--versus",
        &logs,
        "--format",
        "csv",
        "--top",
        "1",
    ]);
    assert_eq!(
        csv,
        "day,page,views,versus_views,ratio,only_in\n2021-03-13,/,3,4,0.75,\n"
    );
    let table = env.ok(&["report", "--day", "2021-03-13", "--versus", &logs]);
    assert!(table.contains(&format!("only in {logs}")), "{table}");
    assert!(table.contains("| Total      | 3 rows |"), "{table}");
    assert!(table.contains("0.667 |"), "{table}");
    let page = env.ok(&[
        "report",
        "--day",
        "2021-03-13",
        "--versus",
        &logs,
        "--format",
        "html",
    ]);
    assert!(
        page.contains(&format!(
            "<h1>Page views of {} versus {logs}</h1>",
            env.name
        )),
        "{page}"
    );
    assert!(page.contains("<dd>0.667</dd>"), "{page}");
    // From the other side, the ratio is the other way round.
    let json: serde_json::Value = serde_json::from_str(&named(
        &env,
        &logs,
        &[
            "report",
            "--day",
            "2021-03-13",
            "--versus",
            &env.name,
            "--format",
            "json",
            "--page",
            "/",
        ],
    ))
    .unwrap();
    assert_eq!(json[0]["ratio"], 1.333);
    assert_eq!(json.as_array().unwrap().len(), 1);
}

#[test]
fn what_versus_refuses() {
    let (env, logs) = two_deployments(Kind::Local);
    let refused = |args: &[&str], says: &str| {
        let (code, _, stderr) = env.run(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    };
    let day = ["report", "--day", "2021-03-13"];
    refused(
        &[&day[..], &["--versus", &env.name]].concat(),
        "is this deployment (--name): give another deployment's name",
    );
    refused(
        &[&day[..], &["--versus", &logs, "--chart"]].concat(),
        "--chart",
    );
    refused(
        &[&day[..], &["--versus", &logs, "--compare", "previous"]].concat(),
        "--compare",
    );
    refused(
        &[&day[..], &["--versus", &logs, "--by", "referrer"]].concat(),
        "--by, --by-period and --ascii go without it",
    );
    refused(&[&day[..], &["--versus", "no/such"]].concat(), "--versus");
    // Another time zone's days are other days.
    named(&env, "berlin", &["init", "--time-zone", "Europe/Berlin"]);
    refused(
        &[&day[..], &["--versus", "berlin"]].concat(),
        "counts days in UTC, berlin in Europe/Berlin: their days differ",
    );
    // A deployment that does not exist is a name to correct.
    refused(
        &[&day[..], &["--versus", "nosuch"]].concat(),
        "cannot open --versus nosuch: no deployment \"nosuch\" (",
    );
}
