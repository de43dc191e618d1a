//! The dashboard's experiment: `/api/v1/experiment` answers byte for byte what `report
//! experiment --format json` prints for the same goal, control and range, and `/experiment`
//! shows its variants and its verdict, on both backends, as `report experiment --format html`
//! does; a goal never reached is refused.

use scraper::{Html, Selector};
use serde_json::Value;

use crate::dashboard::send;
use crate::dashboard_server::{texts, Server};
use crate::harness::{Env, Kind};
use crate::on_both_backends;

on_both_backends!(the_experiment_equals_report_experiment);

/// Two days of an A/B test: variant B converts more often than A.
pub(crate) fn ab_test(env: &Env) {
    let mut lines = Vec::new();
    for (day, visitors) in [("12", 60), ("13", 50)] {
        for n in 0..visitors {
            let time = format!("2021-03-{day}T{:02}:10:00Z", 8 + n % 10);
            let variant = ["A", "B"][n % 2];
            let visitor = format!("v{n}");
            let view = format!(
                r#"{{"page":"/","time":"{time}","visitor":"{visitor}","variant":"{variant}"}}"#
            );
            lines.push(view);
            let converts = match variant {
                "A" => n % 10 == 0,
                _ => n % 4 == 1,
            };
            if converts {
                lines.push(format!(
                    r#"{{"page":"/","time":"{time}","visitor":"{visitor}","variant":"{variant}","kind":"event","name":"signup"}}"#
                ));
            }
        }
    }
    send(env, &lines);
    env.ok(&["aggregate", "--pending"]);
}

fn the_experiment_equals_report_experiment(kind: Kind) {
    let env = Env::on(kind, &[]);
    ab_test(&env);
    let server = Server::start(&env, &[]);
    let range = "from=2021-03-12&to=2021-03-13";
    let flags = [
        "--from",
        "2021-03-12",
        "--to",
        "2021-03-13",
        "--format",
        "json",
    ];
    for (query, args) in [
        ("goal=signup", vec!["--goal", "signup"]),
        (
            "goal=signup&control=B",
            vec!["--goal", "signup", "--control", "B"],
        ),
        ("goal_page=/", vec!["--goal-page", "/"]),
    ] {
        let reply = server.get(&format!("/api/v1/experiment?{range}&{query}"), &[]);
        assert_eq!(reply.status, 200, "{query}: {}", reply.text());
        assert_eq!(reply.header("content-type"), Some("application/json"));
        let printed = env.ok(&[&["report", "experiment"], &flags[..], &args[..]].concat());
        assert_eq!(reply.text(), printed, "{query}");
    }
    let printed = env.ok(&[&["report", "experiment", "--goal", "signup"], &flags[..]].concat());
    let result: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(
        (
            result["variants"][0]["visitors"].as_u64(),
            result["variants"][1]["visitors"].as_u64()
        ),
        (Some(55), Some(55))
    );

    let page = server.page(&format!("/experiment?{range}&goal=signup"));
    let verdicts: Vec<String> = result["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|verdict| verdict.as_str().unwrap().to_owned())
        .collect();
    assert!(!verdicts.is_empty());
    assert_eq!(texts(&page, "#experiment .verdict"), verdicts);
    assert_eq!(texts(&page, "#experiment tbody th"), ["A (control)", "B"]);
    let visitors: Vec<String> = texts(&page, "#experiment tbody td:nth-of-type(1)");
    assert_eq!(visitors, ["55", "55"]);
    let converted: Vec<String> = texts(&page, "#experiment tbody td:nth-of-type(2)");
    let expected: Vec<String> = result["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variant| variant["converted"].to_string())
        .collect();
    assert_eq!(converted, expected);

    // The same section as a page of its own, with nothing it could load from anywhere.
    let args = [&["report", "experiment", "--goal", "signup"], &flags[..4]].concat();
    let printed = env.ok(&[&args[..], &["--format", "html"]].concat());
    let own = Html::parse_document(&printed);
    assert!(own.errors.is_empty(), "{:?}", own.errors);
    let section = Selector::parse("#experiment").unwrap();
    let html_of = |document: &Html| document.select(&section).next().unwrap().html();
    assert_eq!(html_of(&own), html_of(&page));
    assert_eq!(texts(&own, "h1"), [format!("Experiment on {}", env.name)]);
    assert!(printed.contains("default-src 'none'"));
    assert!(!printed.contains("<script"));
}

#[test]
fn the_form_asks_for_a_goal_and_refusals_say_why() {
    let env = Env::new();
    ab_test(&env);
    let server = Server::start(&env, &[]);
    let range = "from=2021-03-12&to=2021-03-13";
    let empty = server.page(&format!("/experiment?{range}"));
    assert_eq!(
        texts(&empty, "main p.more")[1],
        "Give a goal: a custom event's name, engaged:30s, or a page."
    );
    assert!(texts(&empty, "#experiment").is_empty());
    let overview = server.page(&format!("/?{range}"));
    assert!(texts(&overview, "main p.more a").contains(&"A/B experiments →".to_owned()));

    let missing = server.get(&format!("/experiment?{range}&goal=sign-up"), &[]);
    assert_eq!(missing.status, 404);
    assert!(
        missing
            .text()
            .contains("no visitor reached the goal event &quot;sign-up&quot; under an A/B variant"),
        "{}",
        missing.text()
    );
    let api = server.get(&format!("/api/v1/experiment?{range}&goal=engaged:7s"), &[]);
    assert_eq!(api.status, 400);
    let error: Value = serde_json::from_slice(&api.body).unwrap();
    assert_eq!(
        error["error"].as_str().unwrap(),
        "goal \"engaged:7s\" is not an engaged time counted per variant; aggregation counts \
         engaged:10s, engaged:30s, engaged:60s, engaged:120s, engaged:300s: pick one"
    );
    let none = server.get(&format!("/api/v1/experiment?{range}"), &[]);
    assert_eq!(none.status, 400);
    let error: Value = serde_json::from_slice(&none.body).unwrap();
    assert_eq!(
        error["error"].as_str().unwrap(),
        "say what counts as success: goal NAME or goal_page PATH"
    );
}
