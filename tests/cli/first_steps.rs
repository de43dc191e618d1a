//! A new user's first five minutes, run as written: the demo script and its numbers, and the
//! README's "Count your own site" and "On AWS" commands, so that neither can rot.

use serde_json::Value;
use std::path::Path;

use crate::collector::Collector;
use crate::harness::{utc_today, Env, Kind};

/// The repository's root, where the README and the scripts are.
fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `1,234` as printed, as a number.
fn number(text: &str) -> u64 {
    text.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("{text:?} is not a number"))
}

/// The numbers of a printed line, in order.
fn numbers(line: &str) -> Vec<u64> {
    line.split(|c: char| !(c.is_ascii_digit() || c == ','))
        .filter(|part| part.chars().any(|c| c.is_ascii_digit()))
        .map(|part| number(part.trim_matches(',')))
        .collect()
}

/// The one line of `output` that starts with `start` (after table borders and spaces).
fn line_starting<'a>(output: &'a str, start: &str) -> &'a str {
    let found: Vec<&str> = output
        .lines()
        .filter(|line| line.trim_start_matches(['|', ' ']).starts_with(start))
        .collect();
    assert_eq!(found.len(), 1, "one line starting {start:?} in:\n{output}");
    found[0]
}

/// The numbers after the cells `first` of the one table row that starts with them.
fn table_row(output: &str, first: &[&str]) -> Vec<u64> {
    let rows: Vec<Vec<&str>> = output
        .lines()
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect::<Vec<_>>()
        })
        .filter(|cells| cells.len() > first.len() && cells[..first.len()] == *first)
        .collect();
    assert_eq!(rows.len(), 1, "one row {first:?} in:\n{output}");
    // Views and visitors; the engagement columns after them are the engagement tests'.
    rows[0][first.len()..first.len() + 2]
        .iter()
        .map(|cell| number(cell))
        .collect()
}

fn json(env: &Env, args: &[&str]) -> Vec<Value> {
    serde_json::from_str(&env.ok(args)).expect("JSON")
}

fn sum(records: &[Value], field: &str) -> u64 {
    records
        .iter()
        .map(|record| record[field].as_u64().unwrap())
        .sum()
}

#[test]
fn the_demo_counts_visitors_and_shows_breakdowns_chart_status_and_the_html_report() {
    // The demo's own deployment name, in a data directory of the test's.
    let env = Env::bare_named(Kind::Local, "pageviews");
    let demo = env.std_cmd();
    let mut script = std::process::Command::new("bash");
    script
        .arg(repository().join("scripts/demo.sh"))
        .env("PAGEVIEWS_BIN", assert_cmd::cargo::cargo_bin("pageviews"))
        .env("COLUMNS", "100");
    for (key, value) in demo.get_envs() {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    let output = script.output().expect("runs the demo");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stderr, "", "the demo says everything on stdout");
    for alarming in [
        "warning",
        "error",
        "without a visitor key",
        "not aggregated",
    ] {
        assert!(!stdout.contains(alarming), "{alarming:?} in:\n{stdout}");
    }
    let range = ["--from", "2021-03-10", "--to", "2021-03-13"];

    // Sent = counted: every synthetic event is a view, a download or a custom event.
    let aggregated: Vec<Vec<u64>> = stdout
        .lines()
        .filter(|line| line.starts_with("aggregated 2021-03-1"))
        .map(numbers)
        .collect();
    assert_eq!(aggregated.len(), 4, "{stdout}");
    // "aggregated 2021-03-10: 9,507 views on 50 pages, 3,398 visitors in 0.08 s"
    let views: u64 = aggregated.iter().map(|n| n[3]).sum();
    assert!(aggregated.iter().all(|n| n[5] > 0), "visitors every day");
    let by =
        |what: &'static str| [&["report", "--by", what, "--format", "json"][..], &range].concat();
    let downloads = sum(&json(&env, &by("download")), "views");
    let events = sum(&json(&env, &by("event")), "views");
    assert!(downloads > 0 && events > 0, "{downloads} {events}");
    assert_eq!(views + downloads + events, 40_000);

    // The day's table: its all-pages line is the day's totals.
    let day = json(
        &env,
        &[
            "report",
            "--day",
            "2021-03-13",
            "--format",
            "json",
            "--totals",
        ],
    );
    let totals = day.iter().find(|row| row["page"].is_null()).unwrap();
    let all_pages = table_row(&stdout, &["All pages", "(not only the top ones)"]);
    assert_eq!(
        all_pages,
        [
            totals["views"].as_u64().unwrap(),
            totals["visitors"].as_u64().unwrap()
        ]
    );
    assert_eq!(
        table_row(&stdout, &["2021-03-13", "/"]),
        [
            day[0]["views"].as_u64().unwrap(),
            day[0]["visitors"].as_u64().unwrap()
        ]
    );

    // The top five referrers, as JSON gives them.
    let referrers = json(
        &env,
        &[
            "report",
            "--by",
            "referrer",
            "--day",
            "2021-03-13",
            "--format",
            "json",
            "--top",
            "5",
        ],
    );
    assert_eq!(referrers.len(), 5);
    for referrer in &referrers {
        let host = referrer["referrer"].as_str().unwrap();
        assert_eq!(
            table_row(&stdout, &["2021-03-13", host]),
            [
                referrer["views"].as_u64().unwrap(),
                referrer["visitors"].as_u64().unwrap()
            ]
        );
    }

    // The chart's total line: the range's views and visitor-days.
    let pages = json(
        &env,
        &[&["report", "--format", "json"][..], &range].concat(),
    );
    let total = line_starting(&stdout, "Total: ");
    let visitor_days: u64 = aggregated.iter().map(|n| n[5]).sum();
    assert_eq!(numbers(total)[..2], [sum(&pages, "views"), visitor_days]);
    assert_eq!(sum(&pages, "views"), views);

    // status, and the HTML report where the demo says it is.
    assert!(stdout.contains("pending days    none"), "{stdout}");
    let latest = line_starting(&stdout, "days aggregated");
    assert_eq!(
        numbers(latest),
        [4, 2021, 3, 13, all_pages[0], all_pages[1]],
        "{latest}"
    );
    let html_path = line_starting(&stdout, "The HTML report of these four days: ")
        .split(": ")
        .nth(1)
        .unwrap();
    let html = std::fs::read_to_string(html_path).expect("the HTML report exists");
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..40]);
    assert!(
        stdout.contains("README.md \"Count your own site\""),
        "{stdout}"
    );
}

/// A README command's arguments after `pageviews`, with the collector's endpoint of the text
/// replaced by the one a test collector listens on.
fn arguments(command: &[String], endpoint: &str) -> Vec<String> {
    assert_eq!(command[0], "pageviews", "{command:?}");
    command[1..]
        .iter()
        .map(|word| word.replace("http://127.0.0.1:8080", endpoint))
        .collect()
}

fn words(arguments: &[String]) -> Vec<&str> {
    arguments.iter().map(String::as_str).collect()
}

/// The indented commands of a README section (a line ending in `\` continues on the next),
/// each split into its words; the section's commands use no quotes.
fn readme_commands(section: &str) -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(repository().join("README.md")).unwrap();
    let heading = format!("## {section}\n");
    let start = readme.find(&heading).expect("the README has the section") + heading.len();
    let body = &readme[start..];
    let body = &body[..body.find("\n## ").unwrap_or(body.len())];
    let joined = body.replace("\\\n", " ");
    let commands: Vec<Vec<String>> = joined
        .lines()
        .filter_map(|line| line.strip_prefix("    "))
        .map(|command| {
            assert!(!command.contains(['"', '\'']), "{command}");
            command.split_whitespace().map(str::to_owned).collect()
        })
        .collect();
    assert!(commands.len() <= 4, "{commands:?}");
    commands
}

#[test]
fn the_readme_counts_a_site_in_three_commands_as_written() {
    let commands = readme_commands("Count your own site");
    assert_eq!(commands.len(), 3, "at most three commands: {commands:?}");
    let site = "http://localhost:8000";
    let env = Env::bare();
    loop {
        let today = utc_today();
        // The collector as written, on a free port instead of 8080.
        let collect = arguments(&commands[0], "");
        let collector = Collector::attach(
            env.spawn_with(&words(&collect), &[("PAGEVIEWS_LISTEN", "127.0.0.1:0")]),
        );
        let snippet = env.ok(&words(&arguments(&commands[1], &collector.base)));
        assert_eq!(
            snippet.trim(),
            format!(
                "<script defer src=\"{}/pageviews.js\"></script>",
                collector.base
            )
        );
        // What the snippet's script sends from the page, three times.
        for page in ["/", "/", "/about"] {
            let reply = collector.post(
                "/v1/view",
                &[
                    ("origin", site),
                    ("user-agent", crate::collector::BROWSER),
                    ("content-type", "text/plain;charset=UTF-8"),
                ],
                &serde_json::json!({ "page": page }).to_string(),
            );
            assert_eq!(reply.status, 204, "{}", reply.text());
        }
        let (code, _) = collector.stop();
        assert_eq!(code, Some(0));
        let (code, report, stderr) = env.run(&words(&arguments(&commands[2], "")));
        if utc_today() != today {
            // The views were sent yesterday: the report of today is rightly empty. Again.
            continue;
        }
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("fresh: drained 3 new views"), "{stderr}");
        let today = today.to_string();
        assert_eq!(table_row(&report, &[&today, "/"]), [2, 1]);
        assert_eq!(table_row(&report, &[&today, "/about"]), [1, 1]);
        break;
    }
}

#[test]
fn the_readme_sets_up_aws_as_written() {
    let commands = readme_commands("On AWS");
    let env = Env::bare_on(Kind::Aws);
    let work = env.data_dir().join("checkout");
    std::fs::create_dir_all(&work).unwrap();
    for command in &commands {
        if command == &["scripts/package-lambda.sh"] {
            // Cross-compiling is docs/serverless.md's; a package of the same shape stands in.
            let package = work.join("target/lambda/pageviews");
            std::fs::create_dir_all(&package).unwrap();
            std::fs::rename(
                crate::deploy::package(
                    &env,
                    "bootstrap.zip",
                    pageviews::deploy::package::Architecture::Arm64,
                    "",
                ),
                package.join("bootstrap.zip"),
            )
            .unwrap();
            continue;
        }
        let output = env
            .cmd()
            .current_dir(&work)
            .args(arguments(command, ""))
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{command:?}: {stderr}");
        if command[1..].starts_with(&["--backend".into(), "aws".into(), "deploy".into()]) {
            assert!(
                stderr.contains("lambda-url"),
                "the function URL is printed: {stderr}"
            );
        }
    }
    assert_eq!(commands.len(), 4, "{commands:?}");
}
