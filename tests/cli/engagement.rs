//! Engagement on both backends, from NDJSON beacons as the collector queues them: entries,
//! exits and bounces of each visitor's day, engaged time and scroll depth per page, the site's
//! visits; exactly once whatever is delivered twice, late, or after the day's raw events were
//! deleted; `report --by entry|exit`, `--totals`, `report experiment --goal engaged:Ns`, and
//! the dashboard's overview of a range of several days.

use serde_json::Value;

use crate::dashboard_server::Server;
use crate::harness::{Env, Kind};
use crate::on_both_backends;

on_both_backends!(
    engagement_is_counted_per_page_and_for_the_site_exactly,
    beacons_delivered_twice_or_late_count_once_and_late_ones_after_a_prune_add_to_the_record,
    an_engaged_time_is_an_experiments_goal,
    the_dashboard_sums_engagement_over_a_range_as_the_report_does,
);

const DAY: &str = "2021-03-10";

/// A view on the test day at `time` (HH:MM) by `visitor` (none: keyless), seen under
/// `variant`.
fn view(id: &str, page: &str, time: &str, visitor: Option<&str>, variant: &str) -> String {
    let visitor = visitor.map_or(String::new(), |key| format!(r#","visitor":"{key}""#));
    let variant = match variant {
        "" => String::new(),
        variant => format!(r#","variant":"{variant}""#),
    };
    format!(r#"{{"id":"{id}","page":"{page}","time":"{DAY}T{time}:00Z"{visitor}{variant}}}"#)
}

/// Beacon `seq` of view `id`, as the collector derives its id, sent at `time`, saying its
/// engaged milliseconds, scroll and the scroll its previous beacon said.
fn beacon(
    id: &str,
    seq: u32,
    page: &str,
    time: &str,
    visitor: Option<&str>,
    (engaged_ms, scroll, before): (u64, u64, Option<u64>),
) -> String {
    let visitor = visitor.map_or(String::new(), |key| format!(r#","visitor":"{key}""#));
    let before = before.map_or(String::new(), |b| format!(r#","scroll_before":{b}"#));
    format!(
        r#"{{"id":"{id}.{seq}","page":"{page}","time":"{DAY}T{time}:30Z","kind":"engagement","engaged_ms":{engaged_ms},"scroll":{scroll}{visitor}{before}}}"#
    )
}

/// The day of the module's doc, numbers in docs/reports.md's terms:
/// v1 reads /a, /b, /c (57 s engaged in all; /b in two beacons, 20% then 80%); v2 reads /a
/// for 4 s (a bounce); v3 reads /a for 25 s (alone, but not a bounce); v4 views /b and sends no
/// beacon (a bounce); a view of /a without a visitor key sends one of 1 s. v1 and v2 see
/// variant A, v3 and v4 variant B.
fn the_day() -> Vec<String> {
    let (v1, v2, v3, v4) = (Some("v1"), Some("v2"), Some("v3"), Some("v4"));
    vec![
        view("a1", "/a", "08:00", v1, "A"),
        beacon("a1", 0, "/a", "08:04", v1, (12_000, 60, None)),
        view("b1", "/b", "08:05", v1, "A"),
        beacon("b1", 0, "/b", "08:06", v1, (3_000, 20, None)),
        beacon("b1", 1, "/b", "08:08", v1, (2_000, 80, Some(20))),
        view("c1", "/c", "08:10", v1, "A"),
        beacon("c1", 0, "/c", "08:11", v1, (40_000, 100, None)),
        view("a2", "/a", "09:00", v2, "A"),
        beacon("a2", 0, "/a", "09:00", v2, (4_000, 30, None)),
        view("a3", "/a", "10:00", v3, "B"),
        beacon("a3", 0, "/a", "10:01", v3, (25_000, 100, None)),
        view("b4", "/b", "11:00", v4, "B"),
        view("k1", "/a", "12:00", None, ""),
        beacon("k1", 0, "/a", "12:00", None, (1_000, 10, None)),
    ]
}

fn send(env: &Env, name: &str, lines: &[String]) {
    let input = env.write(name, &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
}

fn csv(env: &Env, extra: &[&str]) -> String {
    env.ok(&[&["report", "--day", DAY, "--format", "csv"][..], extra].concat())
}

const HEADER: &str = "day,page,views,visitors,entries,exits,bounces,bounce_rate,engaged_views,\
                      avg_engaged_seconds,scroll_25,scroll_50,scroll_75,scroll_100";

fn engagement_is_counted_per_page_and_for_the_site_exactly(kind: Kind) {
    let env = Env::on(kind, &[]);
    send(&env, "day.ndjson", &the_day());
    env.ok(&["aggregate", "--day", DAY]);
    // /a: 3 entries (v1, v2, v3), 2 exits (v2, v3), 1 bounce (v2); 42 s over 4 known views;
    // scrolled 25%: 3 of 4 (60, 30, 100), 50%: 2, 75% and 100%: 1.
    // /b: 1 entry, exit and bounce (v4); 5 s over its one known view (v1's, two beacons),
    // which passed 25, 50 and 75% in its second. /c: v1's exit, 40 s, read to the end.
    let expected = [
        HEADER,
        "2021-03-10,/a,4,3,3,2,1,33.3,4,10.5,75,50,25,25",
        "2021-03-10,/b,2,2,1,1,1,100,1,5,100,100,100,0",
        "2021-03-10,/c,1,1,0,1,0,,1,40,100,100,100,100",
        // The site: 4 visits (v1 to v4), 2 bounces; 87 s over 6 known views; 5 of 6 views
        // passed 25%, 4 passed 50%, 3 passed 75%, 2 read to the end.
        "2021-03-10,,7,4,4,4,2,50,6,14.5,83.3,66.7,50,33.3",
    ];
    assert_eq!(
        csv(&env, &["--totals"]).lines().collect::<Vec<_>>(),
        expected
    );
    let json: Value =
        serde_json::from_str(&env.ok(&["report", "--day", DAY, "--format", "json"])).unwrap();
    assert_eq!(json[0]["page"], "/a");
    assert_eq!(json[0]["bounce_rate"], 33.3);
    assert_eq!(json[2]["bounce_rate"], Value::Null);
    assert_eq!(json[2]["avg_engaged_seconds"], 40.0);
    let table = env.ok(&["report", "--day", DAY]);
    assert!(
        table.contains("4 visits: bounce rate 50%, 1.5 views per visit, 15s engaged on average per view (of 6 with engagement known)"),
        "{table}"
    );
    assert!(table.contains("Scroll 25/50/75/100"), "{table}");
    assert!(table.contains("75/50/25/25%"), "{table}");

    let entries = env.ok(&["report", "--day", DAY, "--by", "entry", "--format", "csv"]);
    assert_eq!(
        entries,
        "day,page,entries,bounces,bounce_rate\n2021-03-10,/a,3,1,33.3\n2021-03-10,/b,1,1,100\n"
    );
    let exits = env.ok(&["report", "--day", DAY, "--by", "exit", "--format", "csv"]);
    assert_eq!(
        exits,
        "day,page,exits,views,exit_rate\n2021-03-10,/a,2,4,50\n2021-03-10,/b,1,2,50\n\
         2021-03-10,/c,1,1,100\n"
    );
    // The chart says the same under its bars and in its pages' table.
    let chart = env.ok(&["report", "--day", DAY, "--chart", "--ascii"]);
    assert!(
        chart.contains("4 visits: bounce rate 50%, 1.5 views per visit, 15s engaged on average"),
        "{chart}"
    );
    let pages: Vec<&str> = chart
        .lines()
        .skip_while(|line| !line.starts_with("Pages"))
        .take(5)
        .collect();
    assert_eq!(
        pages,
        [
            "Pages",
            "Page  Views  Visitors  Bounce  Engaged  Scroll 25/50/75/100  per day",
            "/a        4         3     33%      11s         75/50/25/25%  @",
            "/b        2         2    100%       5s       100/100/100/0%  @",
            "/c        1         1       -      40s     100/100/100/100%  @",
        ],
        "{chart}"
    );
    // The HTML page heads the site's visits and shows each page's engagement.
    let html = env.ok(&["report", "--day", DAY, "--format", "html"]);
    for needle in [
        "<dt>Visits</dt><dd data-value=\"4\">4</dd>",
        "<dt>Bounce rate</dt><dd>50%</dd>",
        "<dt>Views per visit</dt><dd>1.5</dd>",
        "<td class=\"engagement\">33%</td><td class=\"engagement\">11s</td>",
    ] {
        assert!(html.contains(needle), "{needle} not in\n{html}");
    }
}

fn beacons_delivered_twice_or_late_count_once_and_late_ones_after_a_prune_add_to_the_record(
    kind: Kind,
) {
    let env = Env::on(kind, &[]);
    let day = the_day();
    send(&env, "day.ndjson", &day);
    // The beacons again, in messages of their own: stored (or counted) once.
    let beacons: Vec<String> = day
        .iter()
        .filter(|line| line.contains("engagement"))
        .cloned()
        .collect();
    send(&env, "again.ndjson", &beacons);
    env.ok(&["aggregate", "--day", DAY]);
    let once = csv(&env, &[]);
    assert!(
        once.contains("2021-03-10,/a,4,3,3,2,1,33.3,4,10.5,75,50,25,25\n"),
        "{once}"
    );
    // A late beacon of c1 (5 s more, still at 100%): the day is pending, then counted again.
    let late = beacon("c1", 1, "/c", "13:00", Some("v1"), (5_000, 100, Some(100)));
    send(&env, "late.ndjson", std::slice::from_ref(&late));
    assert_eq!(env.status().pending_days, [DAY]);
    env.ok(&["aggregate", "--pending"]);
    assert!(
        csv(&env, &[]).contains("2021-03-10,/c,1,1,0,1,0,,1,45,100,100,100,100\n"),
        "{}",
        csv(&env, &[])
    );
    // The day's raw events pruned: its counts are its record. A late beacon of a3 (6 s more)
    // and a late view by v2, whose visit is counted among the late events alone (a visitor of
    // the record cannot be told apart: visits add, as visitors do; docs/reports.md).
    env.ok(&["prune", "--before", "2021-04-01"]);
    let late = [
        beacon("a3", 1, "/a", "14:00", Some("v3"), (6_000, 100, Some(100))),
        view("b2", "/b", "14:30", Some("v2"), ""),
    ];
    send(&env, "later.ndjson", &late);
    env.ok(&["aggregate", "--pending"]);
    let lines = csv(&env, &["--totals"]);
    assert_eq!(
        lines.lines().collect::<Vec<_>>(),
        [
            HEADER,
            "2021-03-10,/a,4,3,3,2,1,33.3,4,12,75,50,25,25",
            "2021-03-10,/b,3,3,2,2,2,100,1,5,100,100,100,0",
            "2021-03-10,/c,1,1,0,1,0,,1,45,100,100,100,100",
            "2021-03-10,,8,5,5,5,3,60,6,16.3,83.3,66.7,50,33.3",
        ]
    );
    // Counted again with nothing new: the same numbers, the late events added once.
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(csv(&env, &["--totals"]), lines);
}

fn an_engaged_time_is_an_experiments_goal(kind: Kind) {
    let env = Env::on(kind, &[]);
    send(&env, "day.ndjson", &the_day());
    env.ok(&["aggregate", "--day", DAY]);
    let result = |goal: &str| -> Value {
        let out = env.ok(&[
            "report",
            "experiment",
            "--goal",
            goal,
            "--day",
            DAY,
            "--format",
            "json",
        ]);
        serde_json::from_str(&out).unwrap()
    };
    // v1 was engaged 57 s in all, v2 4 s (variant A); v3 25 s, v4 none (variant B).
    let numbers = |result: &Value| -> Vec<(String, u64, u64)> {
        let variants = result["variants"].as_array().unwrap();
        let numbers = variants.iter().map(|variant| {
            (
                variant["variant"].as_str().unwrap().to_owned(),
                variant["visitors"].as_u64().unwrap(),
                variant["converted"].as_u64().unwrap(),
            )
        });
        numbers.collect()
    };
    let ten = result("engaged:10s");
    assert_eq!(ten["goal"], "engaged for 10 s");
    assert_eq!(numbers(&ten), [("A".into(), 2, 1), ("B".into(), 2, 1)]);
    assert_eq!(
        numbers(&result("engaged:30s")),
        [("A".into(), 2, 1), ("B".into(), 2, 0)]
    );
    let (code, _, err) = env.run(&[
        "report",
        "experiment",
        "--goal",
        "engaged:45s",
        "--day",
        DAY,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("aggregation counts engaged:10s, engaged:30s, engaged:60s, engaged:120s, engaged:300s: pick one"),
        "{err}"
    );
    // Nobody was engaged five minutes: refused as a goal never reached, naming those that were.
    let (code, _, err) = env.run(&[
        "report",
        "experiment",
        "--goal",
        "engaged:300s",
        "--day",
        DAY,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("engaged times engaged:10s, engaged:30s"),
        "{err}"
    );
}

/// A range of several days is summed day by day on the dashboard: its visits, bounce rate,
/// views per visit and each page's engagement are the HTML report's of the same range.
fn the_dashboard_sums_engagement_over_a_range_as_the_report_does(kind: Kind) {
    let env = Env::on(kind, &[]);
    send(&env, "day.ndjson", &the_day());
    env.ok(&["aggregate", "--day", DAY]);
    let range = ["--from", "2021-03-09", "--to", DAY];
    let html = env.ok(&[&["report", "--format", "html"], &range[..]].concat());
    let server = Server::start(&env, &[]);
    let overview = server.get("/?from=2021-03-09&to=2021-03-10", &[]).text();
    for needle in [
        "<dt>Visits</dt><dd data-value=\"4\">4</dd>",
        "<dt>Bounce rate</dt><dd>50%</dd>",
        "<dt>Views per visit</dt><dd>1.5</dd>",
        "<td class=\"engagement\">33%</td><td class=\"engagement\">11s</td>",
    ] {
        assert!(html.contains(needle), "{needle} not in the report\n{html}");
        assert!(
            overview.contains(needle),
            "{needle} not on the dashboard\n{overview}"
        );
    }
}
