//! CSV and JSON for programs and spreadsheets: `report --totals` gives each day's site totals
//! (the site's distinct visitors, which no sum over pages gives), and every CSV the project
//! writes neutralises posted text that a spreadsheet would run as a formula.

use serde_json::{json, Value};
use std::path::Path;

use crate::harness::{first_columns, Env, Kind};
use crate::on_both_backends;

on_both_backends!(day_totals_carry_the_sites_distinct_visitors);

/// An NDJSON event line; `visitor` and `fields` are left out when empty.
fn line(page: &str, time: &str, visitor: &str, fields: &str) -> String {
    let mut object = format!(r#"{{"page":"{page}","time":"{time}""#);
    if !visitor.is_empty() {
        object.push_str(&format!(r#","visitor":"{visitor}""#));
    }
    if !fields.is_empty() {
        object.push_str(&format!(",{fields}"));
    }
    object + "}"
}

fn send(env: &Env, lines: &[String]) {
    let input = env.write("events.ndjson", &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
}

fn report(env: &Env, args: &[&str]) -> String {
    env.ok(&[
        &["report", "--from", "2021-03-13", "--to", "2021-03-14"],
        args,
    ]
    .concat())
}

fn day_totals_carry_the_sites_distinct_visitors(kind: Kind) {
    let env = Env::on(kind, &[]);
    let (d1, d2) = ("2021-03-13T10:00:00Z", "2021-03-14T09:00:00Z");
    send(
        &env,
        &[
            // Day 1: v1 on /a and /b (twice), v2 on /a, v3 on /c, and a view with no key.
            line("/a", d1, "v1", ""),
            line("/a", d1, "v2", ""),
            line("/b", d1, "v1", ""),
            line("/b", d1, "v1", ""),
            line("/c", d1, "v3", ""),
            line("/c", d1, "", ""),
            // Day 2: v1 on /a, v2 on /b.
            line("/a", d2, "v1", ""),
            line("/b", d2, "v2", ""),
        ],
    );
    env.ok(&["aggregate", "--from", "2021-03-13", "--to", "2021-03-14"]);
    let pages = "day,page,views,visitors\n\
                 2021-03-13,/a,2,2\n2021-03-13,/b,2,1\n2021-03-13,/c,2,1\n\
                 2021-03-14,/a,1,1\n2021-03-14,/b,1,1\n";
    assert_eq!(
        first_columns(&report(&env, &["--format", "csv"]), 4),
        pages,
        "unchanged without --totals"
    );
    // The pages' visitors add up to 4 on day 1; the site had 3 people.
    assert_eq!(
        first_columns(&report(&env, &["--format", "csv", "--totals"]), 4),
        "day,page,views,visitors\n\
         2021-03-13,/a,2,2\n2021-03-13,/b,2,1\n2021-03-13,/c,2,1\n2021-03-13,,6,3\n\
         2021-03-14,/a,1,1\n2021-03-14,/b,1,1\n2021-03-14,,2,2\n"
    );
    // --top keeps pages, not the site's totals.
    assert_eq!(
        first_columns(
            &report(&env, &["--format", "csv", "--totals", "--top", "1"]),
            4
        ),
        "day,page,views,visitors\n2021-03-13,/a,2,2\n2021-03-13,,6,3\n\
         2021-03-14,/a,1,1\n2021-03-14,,2,2\n"
    );
    let records: Vec<Value> =
        serde_json::from_str(&report(&env, &["--format", "json", "--totals"])).unwrap();
    let totals: Vec<&Value> = records.iter().filter(|r| r["page"].is_null()).collect();
    assert_eq!(records.len(), 7);
    let mut hours = vec![0; 24];
    hours[10] = 6;
    assert_eq!(
        *totals[0],
        json!({"day": "2021-03-13", "page": null, "views": 6, "visitors": 3, "hours": hours,
               "entries": 3, "exits": 3, "bounces": 2, "bounce_rate": 66.7, "engaged_views": 0,
               "avg_engaged_seconds": null, "scroll_25": null, "scroll_50": null,
               "scroll_75": null, "scroll_100": null})
    );
    assert_eq!(
        (
            &totals[1]["day"],
            &totals[1]["views"],
            &totals[1]["visitors"]
        ),
        (&json!("2021-03-14"), &json!(2), &json!(2))
    );
    // A week sums each day's distinct visitors: 3 + 2 visitor-days.
    assert_eq!(
        first_columns(
            &report(
                &env,
                &["--format", "csv", "--totals", "--by-period", "week"]
            ),
            6
        ),
        "period,from,to,page,views,visitor_days\n\
         2021-W10,2021-03-13,2021-03-14,/a,3,3\n2021-W10,2021-03-13,2021-03-14,/b,3,2\n\
         2021-W10,2021-03-13,2021-03-14,/c,2,1\n2021-W10,2021-03-13,2021-03-14,,8,5\n"
    );
}

#[test]
fn totals_go_with_csv_and_json_of_the_whole_site() {
    let env = Env::new();
    for (args, says) in [
        (
            &["--totals"][..],
            "--totals adds total records to --format csv or json",
        ),
        (
            &["--totals", "--format", "csv", "--page", "/a"],
            "with --page the rows are the page's totals already",
        ),
        (
            &["--totals", "--format", "csv", "--by", "source"],
            "--totals go with pages only",
        ),
    ] {
        let (code, _, stderr) = env.run(&[&["report", "--day", "2021-03-13"], args].concat());
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// What anyone can post: names, campaign parts and variants that a spreadsheet would run.
fn posted_formulas() -> Vec<String> {
    let t = "2021-03-13T12:00:00Z";
    let hyperlink = r#"=HYPERLINK(\"http://x.example\",\"y\")"#;
    vec![
        line(
            "/a",
            t,
            "v1",
            &format!(
                r#""source":"{hyperlink}","medium":"+1","campaign":"-2+3","variant":"@SUM(A1)""#
            ),
        ),
        line(
            "/a",
            t,
            "v1",
            r#""kind":"event","name":"=1+2","variant":"@SUM(A1)""#,
        ),
        line("/a", t, "v2", r#""variant":"B""#),
        line(
            "/a",
            t,
            "v2",
            r#""kind":"event","name":"-signup","variant":"B""#,
        ),
    ]
}

#[test]
fn csv_neutralises_posted_formulas_everywhere() {
    let env = Env::new();
    send(&env, &posted_formulas());
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let by = |what: &str| {
        env.ok(&[
            "report",
            "--day",
            "2021-03-13",
            "--by",
            what,
            "--format",
            "csv",
        ])
    };
    assert_eq!(
        by("campaign"),
        "day,source,medium,campaign,views,visitors\n\
         2021-03-13,\"'=HYPERLINK(\"\"http://x.example\"\",\"\"y\"\")\",\"'+1\",\"'-2+3\",1,1\n"
    );
    assert_eq!(
        by("event"),
        "day,event,views,visitors\n2021-03-13,\"'-signup\",1,1\n2021-03-13,\"'=1+2\",1,1\n"
    );
    assert_eq!(
        by("variant"),
        "day,variant,views,visitors\n2021-03-13,\"'@SUM(A1)\",1,1\n2021-03-13,B,1,1\n"
    );
    // JSON carries what was posted, as it was.
    let json: Value = serde_json::from_str(&env.ok(&[
        "report",
        "--day",
        "2021-03-13",
        "--by",
        "variant",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json[0]["variant"], "@SUM(A1)");
    let experiment = env.ok(&[
        "report",
        "experiment",
        "--goal",
        "=1+2",
        "--control",
        "B",
        "--day",
        "2021-03-13",
        "--format",
        "csv",
    ]);
    let rows: Vec<&str> = experiment.lines().collect();
    assert!(
        rows[1].starts_with("\"'@SUM(A1)\",false,1,1,1.000000,"),
        "{experiment}"
    );
    assert!(rows[2].starts_with("B,true,1,0,0.000000,"), "{experiment}");
}

/// The gzipped file at `path`, as text.
fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    let file = std::fs::File::open(path).unwrap();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(file), &mut text).unwrap();
    text
}

#[test]
fn csv_exports_are_neutralised_and_ndjson_exports_import_as_posted() {
    let env = Env::new();
    send(&env, &posted_formulas());
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().to_str().unwrap();
    for format in ["csv", "ndjson"] {
        env.ok(&[
            "export",
            "--day",
            "2021-03-13",
            "--what",
            "events",
            "--format",
            format,
            "--output",
            dest,
        ]);
    }
    let day = out.path().join("day=2021-03-13");
    let csv = gunzip(&day.join("events.csv.gz"));
    assert!(
        csv.contains(
            ",view,,,\"'=HYPERLINK(\"\"http://x.example\"\",\"\"y\"\")\",\"'+1\",\"'-2+3\",\"'@SUM(A1)\","
        ),
        "{csv}"
    );
    assert!(csv.contains(",event,\"'=1+2\",,,,,\"'@SUM(A1)\","), "{csv}");
    // The NDJSON export, imported into another deployment, counts what was posted.
    let other = Env::new();
    let events = day.join("events.ndjson.gz");
    other.ok(&["import", "--format", "ndjson", events.to_str().unwrap()]);
    other.drain(&[]);
    other.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(
        other.ok(&[
            "report",
            "--day",
            "2021-03-13",
            "--by",
            "event",
            "--format",
            "json"
        ]),
        env.ok(&[
            "report",
            "--day",
            "2021-03-13",
            "--by",
            "event",
            "--format",
            "json"
        ])
    );
    let imported: Value = serde_json::from_str(&other.ok(&[
        "report",
        "--day",
        "2021-03-13",
        "--by",
        "campaign",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(
        imported[0]["source"],
        "=HYPERLINK(\"http://x.example\",\"y\")"
    );
    assert_eq!(imported[0]["campaign"], "-2+3");
}
