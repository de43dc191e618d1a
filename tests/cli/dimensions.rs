//! Where visitors come from and what they do: referrers, sources, campaigns, downloads, custom
//! events and A/B variants counted beside pages, each with exact visitors, without changing a
//! page's numbers; `report --by` and `report experiment` read them.

use serde_json::Value;

use crate::harness::{Env, Kind};
use crate::on_both_backends;

on_both_backends!(
    breakdowns_are_counted_exactly_beside_unchanged_pages,
    an_experiment_reads_rates_intervals_and_p_values,
);

/// An NDJSON line with `fields` beside page, time and visitor.
fn line(page: &str, time: &str, visitor: &str, fields: &str) -> String {
    let extra = match fields {
        "" => String::new(),
        fields => format!(",{fields}"),
    };
    format!(r#"{{"page":"{page}","time":"{time}","visitor":"{visitor}"{extra}}}"#)
}

fn send(env: &Env, lines: &[String]) {
    let input = env.write("events.ndjson", &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
}

fn json(env: &Env, args: &[&str]) -> Value {
    serde_json::from_str(&env.ok(args)).expect("JSON")
}

/// (the key `columns` joined by " / ", views, visitors) of `report --by` on one day.
fn by(env: &Env, what: &str, columns: &[&str]) -> Vec<(String, u64, u64)> {
    let rows = json(
        env,
        &[
            "report",
            "--day",
            "2021-03-13",
            "--by",
            what,
            "--format",
            "json",
        ],
    );
    let keys = |row: &Value| -> String {
        let parts: Vec<&str> = columns.iter().map(|c| row[c].as_str().unwrap()).collect();
        parts.join(" / ")
    };
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                keys(row),
                row["views"].as_u64().unwrap(),
                row["visitors"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn breakdowns_are_counted_exactly_beside_unchanged_pages(kind: Kind) {
    let env = Env::on(kind, &[]);
    let t = "2021-03-13T10:00:00Z";
    send(
        &env,
        &[
            line("/a", t, "v1", r#""referrer":"https://www.news.example/x""#),
            line("/a", t, "v2", r#""referrer":"news.example""#),
            line(
                "/b",
                t,
                "v1",
                r#""referrer":"news.example","source":"mail","medium":"email","campaign":"spring""#,
            ),
            line("/b", t, "v3", r#""source":"mail","campaign":"spring""#),
            line("/c", t, "v3", ""),
            line(
                "/files/a.pdf",
                t,
                "v1",
                r#""kind":"download","referrer":"news.example""#,
            ),
            line("/files/a.pdf", t, "v2", r#""kind":"download""#),
            line("/a", t, "v1", r#""kind":"event","name":"signup""#),
        ],
    );
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    // Pages count views only: the download and the event are not views of a page.
    let pages: Vec<(String, u64, u64)> = env
        .report(&["--day", "2021-03-13"])
        .into_iter()
        .map(|row| (row.page, row.views, row.visitors))
        .collect();
    assert_eq!(
        pages,
        [
            ("/a".to_owned(), 2, 2),
            ("/b".to_owned(), 2, 2),
            ("/c".to_owned(), 1, 1)
        ]
    );
    let last = env.status().last_day.unwrap();
    assert_eq!((last.views, last.visitors), (5, 3));
    let referrers = by(&env, "referrer", &["referrer"]);
    assert_eq!(referrers, [("news.example".to_owned(), 3, 2)]);
    assert_eq!(by(&env, "source", &["source"]), [("mail".to_owned(), 2, 2)]);
    assert_eq!(
        by(&env, "campaign", &["source", "medium", "campaign"]),
        [
            ("mail /  / spring".to_owned(), 1, 1),
            ("mail / email / spring".to_owned(), 1, 1)
        ]
    );
    let downloads = by(&env, "download", &["file"]);
    assert_eq!(downloads, [("/files/a.pdf".to_owned(), 2, 2)]);
    assert_eq!(by(&env, "event", &["event"]), [("signup".to_owned(), 1, 1)]);
    let csv = env.ok(&[
        "report",
        "--day",
        "2021-03-13",
        "--by",
        "campaign",
        "--format",
        "csv",
    ]);
    assert_eq!(
        csv,
        "day,source,medium,campaign,views,visitors\n2021-03-13,mail,,spring,1,1\n\
         2021-03-13,mail,email,spring,1,1\n"
    );
}

/// Views of `page` under `variant` by `visitors` people, and `converted` of them signing up.
fn arm(variant: &str, visitors: usize, converted: usize) -> Vec<String> {
    let t = "2021-03-13T12:00:00Z";
    let mut lines = Vec::new();
    for n in 0..visitors {
        let who = format!("{variant}{n}");
        lines.push(line(
            "/pricing",
            t,
            &who,
            &format!(r#""variant":"{variant}""#),
        ));
        if n < converted {
            let event = format!(r#""kind":"event","name":"signup","variant":"{variant}""#);
            lines.push(line("/pricing", t, &who, &event));
        }
    }
    lines
}

fn an_experiment_reads_rates_intervals_and_p_values(kind: Kind) {
    let env = Env::on(kind, &[]);
    let (a, b) = match kind {
        Kind::Local => ((400, 40), (400, 64)),
        // moto gets slow with volume: a smaller experiment, same statistics.
        Kind::Aws | Kind::Kinesis => ((200, 20), (200, 32)),
    };
    let mut lines = arm("A", a.0, a.1);
    lines.extend(arm("B", b.0, b.1));
    send(&env, &lines);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let result = json(
        &env,
        &[
            "report",
            "experiment",
            "--goal",
            "signup",
            "--day",
            "2021-03-13",
            "--format",
            "json",
        ],
    );
    let variant = |index: usize, field: &str| result["variants"][index][field].clone();
    assert_eq!(result["control"], "A");
    assert_eq!(variant(0, "visitors"), a.0 as u64);
    assert_eq!(variant(0, "converted"), a.1 as u64);
    assert_eq!(variant(1, "converted"), b.1 as u64);
    let close = |value: Value, expected: f64| (value.as_f64().unwrap() - expected).abs() < 5e-5;
    match kind {
        Kind::Local => {
            // 40/400 against 64/400: 10% and 16%; Wilson 95% of 64/400 is 12.73% to 19.91%;
            // pooled z = 2.5231, two-sided p = 0.0116; lift +60%.
            assert!(close(variant(1, "rate"), 0.16));
            assert!(close(variant(1, "rate_low"), 0.1273), "{result}");
            assert!(close(variant(1, "rate_high"), 0.1991), "{result}");
            assert!(close(variant(1, "p_value"), 0.0116), "{result}");
            assert!(close(variant(1, "lift"), 0.6));
            assert!(result["verdicts"][0]
                .as_str()
                .unwrap()
                .contains("significant at 5%"));
            assert!(result["warnings"].as_array().unwrap().is_empty());
        }
        Kind::Aws | Kind::Kinesis => {
            // 20/200 against 32/200: pooled z = 1.7841, p = 0.0744: not significant.
            assert!(close(variant(1, "p_value"), 0.0744), "{result}");
            assert!(result["verdicts"][0]
                .as_str()
                .unwrap()
                .contains("not significant"));
        }
    }
    let table = env.ok(&[
        "report",
        "experiment",
        "--goal",
        "signup",
        "--day",
        "2021-03-13",
    ]);
    assert!(table.contains("A (control)"), "{table}");
    let (code, _, stderr) = env.run(&[
        "report",
        "experiment",
        "--goal",
        "signup",
        "--day",
        "2021-03-13",
        "--control",
        "Z",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no views of variant \"Z\""), "{stderr}");
}
