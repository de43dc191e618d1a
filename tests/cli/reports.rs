//! Reports people look at: one deployment's report as a table, CSV, JSON, a chart and an HTML
//! page shows the same numbers, and the numbers the test put in; weeks, hours of a day whose
//! clock changes, comparisons, the file `--output` writes, and colour only on a terminal.

use scraper::{Html, Selector};
use std::collections::BTreeMap;

use crate::harness::{Env, Kind};
use crate::on_both_backends;

/// Views of a site in Europe/Berlin over three days, the middle one of 23 hours (clocks went
/// forward at 02:00): local time, page, visitor key (none: a view without a key).
const VIEWS: &[(&str, &str, Option<&str>)] = &[
    ("2021-03-27T09:10:00+01:00", "/", Some("v1")),
    ("2021-03-27T09:20:00+01:00", "/", Some("v1")),
    ("2021-03-27T10:00:00+01:00", "/", Some("v2")),
    ("2021-03-27T11:00:00+01:00", "/", None),
    ("2021-03-27T23:30:00+01:00", "/", Some("v3")),
    ("2021-03-27T09:30:00+01:00", "/a", Some("v1")),
    ("2021-03-27T12:00:00+01:00", "/a", Some("v4")),
    ("2021-03-28T01:30:00+01:00", "/", Some("v1")),
    ("2021-03-28T03:15:00+02:00", "/", Some("v5")),
    ("2021-03-28T03:45:00+02:00", "/b", Some("v5")),
    ("2021-03-28T23:00:00+02:00", "/b", Some("v6")),
    ("2021-03-29T00:10:00+02:00", "/a", Some("v1")),
    ("2021-03-29T08:00:00+02:00", "/a", Some("v1")),
];
const DAYS: [&str; 3] = ["2021-03-27", "2021-03-28", "2021-03-29"];
const RANGE: [&str; 4] = ["--from", "2021-03-27", "--to", "2021-03-29"];

/// (views, visitors) per day, page or period.
type Numbers = BTreeMap<String, (u64, u64)>;

fn numbers(entries: &[(&str, u64, u64)]) -> Numbers {
    let pairs = entries
        .iter()
        .map(|(key, views, visitors)| (key.to_string(), (*views, *visitors)));
    pairs.collect()
}

/// Per day: views, and the site's distinct visitors (a visitor of two pages counts once).
fn per_day() -> Numbers {
    numbers(&[
        ("2021-03-27", 7, 4),
        ("2021-03-28", 4, 3),
        ("2021-03-29", 2, 1),
    ])
}

/// Per page over the range: views and visitor-days.
fn per_page() -> Numbers {
    numbers(&[("/", 7, 5), ("/a", 4, 3), ("/b", 2, 2)])
}

/// Per day and page: views and distinct visitors.
fn per_row() -> Numbers {
    numbers(&[
        ("2021-03-27 /", 5, 3),
        ("2021-03-27 /a", 2, 2),
        ("2021-03-28 /", 2, 2),
        ("2021-03-28 /b", 2, 2),
        ("2021-03-29 /a", 2, 1),
    ])
}

/// A deployment in Europe/Berlin holding `VIEWS`, aggregated.
pub(crate) fn site(kind: Kind) -> Env {
    let env = Env::on(kind, &["--time-zone", "Europe/Berlin"]);
    let lines: Vec<String> = VIEWS
        .iter()
        .enumerate()
        .map(|(index, (time, page, visitor))| {
            let visitor = visitor
                .map(|key| format!(r#","visitor":"{key}""#))
                .unwrap_or_default();
            format!(r#"{{"page":"{page}","time":"{time}","id":"e{index}"{visitor}}}"#)
        })
        .collect();
    let input = env.write("views.ndjson", &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
    for day in DAYS {
        env.ok(&["aggregate", "--day", day]);
    }
    env
}

fn report(env: &Env, args: &[&str]) -> String {
    let mut all = vec!["report"];
    all.extend_from_slice(&RANGE);
    all.extend_from_slice(args);
    env.ok(&all)
}

fn count(text: &str) -> u64 {
    let digits = text.trim().replace(',', "");
    digits
        .parse()
        .unwrap_or_else(|_| panic!("not a count: {text:?}"))
}

/// Rows of a table drawn by comfy-table, as trimmed cells.
fn table_rows(table: &str) -> Vec<Vec<String>> {
    let rows = table.lines().filter(|line| line.starts_with('|'));
    let cells = rows.map(|line| {
        line.trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect()
    });
    cells.collect()
}

fn from_table(table: &str) -> (Numbers, Numbers, (u64, u64)) {
    let (mut rows, mut days, mut total) = (Numbers::new(), Numbers::new(), (0, 0));
    for cells in table_rows(table)
        .into_iter()
        .skip(1)
        .filter(|cells| !cells[0].is_empty())
    {
        let numbers = (count(&cells[2]), count(&cells[3]));
        match (cells[0].as_str(), cells[1].as_str()) {
            ("Total", _) => total = numbers,
            (day, "(day total)") => _ = days.insert(day.to_owned(), numbers),
            (day, page) => _ = rows.insert(format!("{day} {page}"), numbers),
        }
    }
    (rows, days, total)
}

fn from_csv(csv: &str) -> Numbers {
    let csv = crate::harness::first_columns(csv, 4);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("day,page,views,visitors"));
    let rows = lines.map(|line| {
        let cells: Vec<&str> = line.split(',').collect();
        (
            format!("{} {}", cells[0], cells[1]),
            (count(cells[2]), count(cells[3])),
        )
    });
    rows.collect()
}

fn from_json(json: &str) -> Numbers {
    let rows: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
    let number = |value: &serde_json::Value| value.as_u64().unwrap();
    let rows = rows.iter().map(|row| {
        let key = format!(
            "{} {}",
            row["day"].as_str().unwrap(),
            row["page"].as_str().unwrap()
        );
        (key, (number(&row["views"]), number(&row["visitors"])))
    });
    rows.collect()
}

/// The chart's bars (a period's label, then `views` and `visitors` lines ending in their
/// number), its pages (page, views, visitors first) and its total line.
fn from_chart(chart: &str) -> (Numbers, Numbers, String) {
    let (mut periods, mut pages, mut label) = (Numbers::new(), Numbers::new(), String::new());
    let mut lines = chart.lines().skip(1);
    for line in lines
        .by_ref()
        .take_while(|line| !line.starts_with("Total: "))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        let last = words.last().copied().unwrap_or_default();
        match words.iter().position(|word| *word == "views") {
            Some(at) if at > 0 => {
                label = words[..at].join(" ");
                periods.insert(label.clone(), (count(last), 0));
            }
            _ if matches!(words.first(), Some(&"visitors" | &"visitor-days")) => {
                periods.get_mut(&label).unwrap().1 = count(last);
            }
            _ => {}
        }
    }
    let total = chart
        .lines()
        .find(|line| line.starts_with("Total: "))
        .unwrap()
        .to_owned();
    let rows = lines.skip_while(|line| !line.starts_with("Page ")).skip(1);
    for words in rows.map(|line| line.split_whitespace().collect::<Vec<_>>()) {
        pages.insert(words[0].to_owned(), (count(words[1]), count(words[2])));
    }
    (periods, pages, total)
}

fn select<'a>(page: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    page.select(&Selector::parse(selector).unwrap()).collect()
}

fn text(element: &scraper::ElementRef) -> String {
    element.text().collect::<String>().trim().to_owned()
}

/// The HTML page's chart bars, pages table and summary figures, from a parser that found no
/// error in the page.
fn from_html(html: &str) -> (Numbers, Numbers, Vec<String>) {
    let page = Html::parse_document(html);
    assert!(page.errors.is_empty(), "{:?}", page.errors);
    let bars = select(&page, "svg#chart g.period").into_iter().map(|bar| {
        let number = |name: &str| count(bar.attr(name).unwrap());
        let key = bar.attr("data-period").unwrap().to_owned();
        (key, (number("data-views"), number("data-visitors")))
    });
    let rows = select(&page, "#pages tbody tr").into_iter().map(|row| {
        let cells: Vec<String> = select_in(&row, "th, td");
        (cells[0].clone(), (count(&cells[1]), count(&cells[2])))
    });
    let summary = select(&page, "#summary dd").iter().map(text).collect();
    (bars.collect(), rows.collect(), summary)
}

fn select_in(element: &scraper::ElementRef, selector: &str) -> Vec<String> {
    element
        .select(&Selector::parse(selector).unwrap())
        .map(|e| text(&e))
        .collect()
}

fn the_same_numbers_in_every_format(kind: Kind) {
    let env = site(kind);
    let (rows, days, total) = from_table(&report(&env, &[]));
    assert_eq!(rows, per_row());
    assert_eq!(days, per_day());
    assert_eq!(total, (13, 8), "views and visitor-days");
    assert_eq!(from_csv(&report(&env, &["--format", "csv"])), per_row());
    assert_eq!(from_json(&report(&env, &["--format", "json"])), per_row());

    let (periods, pages, total) = from_chart(&report(&env, &["--chart"]));
    assert_eq!(periods, per_day());
    assert_eq!(pages, per_page());
    assert_eq!(
        total,
        "Total: 13 views, 8 visitor-days (visitors summed per day), 3 pages"
    );

    let (bars, pages, summary) = from_html(&report(&env, &["--format", "html"]));
    assert_eq!(bars, per_day());
    assert_eq!(pages, per_page());
    assert_eq!(
        summary,
        ["13", "8", "3", "1", "8", "62%", "1.5", "-"],
        "views, visitor-days, pages, keyless views; visits, bounce rate (5 of 8), views per \
         visit (12 with a key over 8), engaged time (no beacon)"
    );
}

fn weeks_and_months_sum_exactly_in_every_format(kind: Kind) {
    let env = site(kind);
    let weeks = numbers(&[("2021-W12", 11, 7), ("2021-W13", 2, 1)]);
    let csv = report(&env, &["--by-period", "week", "--format", "csv"]);
    let csv = crate::harness::first_columns(&csv, 6);
    assert_eq!(
        csv,
        "period,from,to,page,views,visitor_days\n\
         2021-W12,2021-03-27,2021-03-28,/,7,5\n\
         2021-W12,2021-03-27,2021-03-28,/a,2,2\n\
         2021-W12,2021-03-27,2021-03-28,/b,2,2\n\
         2021-W13,2021-03-29,2021-03-29,/a,2,1\n"
    );
    let (periods, _, _) = from_chart(&report(
        &env,
        &["--by-period", "week", "--chart", "--ascii"],
    ));
    let labelled = numbers(&[
        ("2021-W12 (2 of 7 days)", 11, 7),
        ("2021-W13 (1 of 7 days)", 2, 1),
    ]);
    assert_eq!(periods, labelled);
    let (bars, _, _) = from_html(&report(&env, &["--by-period", "week", "--format", "html"]));
    assert_eq!(bars, weeks);
    let table = report(&env, &["--by-period", "month"]);
    let month = table_rows(&table)
        .into_iter()
        .find(|row| row[1] == "/")
        .unwrap();
    // Bounce rate 3 of 5 visits that entered at /; no beacon: engaged time and scroll unknown.
    assert_eq!(
        month,
        ["2021-03 (3 of 31 days)", "/", "7", "5", "60%", "-", "-"]
    );
    assert_eq!(table_rows(&table)[0][3], "Visitor-days");
}

on_both_backends!(
    the_same_numbers_in_every_format,
    weeks_and_months_sum_exactly_in_every_format
);

#[test]
fn the_hours_of_a_day_follow_the_zones_clock() {
    let env = site(Kind::Local);
    let csv = env.ok(&[
        "report",
        "--day",
        "2021-03-28",
        "--hourly",
        "--format",
        "csv",
    ]);
    assert_eq!(
        csv,
        "hour,page,views\n\
         2021-03-28T01:00:00+01:00,/,1\n\
         2021-03-28T03:00:00+02:00,/,1\n\
         2021-03-28T03:00:00+02:00,/b,1\n\
         2021-03-28T23:00:00+02:00,/b,1\n"
    );
    let chart = env.ok(&["report", "--day", "2021-03-28", "--hourly", "--chart"]);
    let bars: Vec<&str> = chart
        .lines()
        .skip(1)
        .filter(|line| line.contains(" views "))
        .collect();
    assert_eq!(bars.len(), 23, "{chart}");
    assert!(
        bars[1].starts_with("01:00 views") && bars[1].ends_with(" 1"),
        "{chart}"
    );
    assert!(
        bars[2].starts_with("03:00 views") && bars[2].ends_with(" 2"),
        "{chart}"
    );
    assert!(!chart.contains("02:00"), "{chart}");

    // Clocks go back on 2021-10-31: 25 hours, two of them 02:00.
    let input = env.write(
        "autumn.ndjson",
        "{\"page\":\"/\",\"time\":\"2021-10-31T02:30:00+02:00\"}\n\
         {\"page\":\"/\",\"time\":\"2021-10-31T02:30:00+01:00\"}\n\
         {\"page\":\"/\",\"time\":\"2021-10-31T02:40:00+01:00\"}\n",
    );
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", "2021-10-31"]);
    let html = env.ok(&[
        "report",
        "--day",
        "2021-10-31",
        "--hourly",
        "--format",
        "html",
    ]);
    let hours = from_html_hours(&html);
    assert_eq!(hours.len(), 25);
    assert_eq!(hours[2], ("02:00 (UTC+2)".to_owned(), 1));
    assert_eq!(hours[3], ("02:00 (UTC+1)".to_owned(), 2));
}

/// The HTML page's table of hours: label and views.
fn from_html_hours(html: &str) -> Vec<(String, u64)> {
    let page = Html::parse_document(html);
    assert!(page.errors.is_empty(), "{:?}", page.errors);
    let rows = select(&page, "#period-table tbody tr")
        .into_iter()
        .map(|row| {
            let cells = select_in(&row, "th, td");
            (cells[0].clone(), count(&cells[1]))
        });
    rows.collect()
}

#[test]
fn a_comparison_marks_new_and_vanished_pages() {
    let env = site(Kind::Local);
    let args = [
        "report",
        "--day",
        "2021-03-29",
        "--compare",
        "2021-03-28..2021-03-28",
    ];
    let csv = env.ok(&[&args[..], &["--format", "csv"]].concat());
    assert_eq!(
        csv,
        "page,views,previous_views,change_percent,visitors,previous_visitors,mark\n\
         /a,2,0,,1,0,new\n\
         /,0,2,-100,0,2,vanished\n\
         /b,0,2,-100,0,2,vanished\n"
    );
    let table = env.ok(&args);
    let total = table_rows(&table)
        .into_iter()
        .find(|row| row[0] == "Total")
        .unwrap();
    assert_eq!(total, ["Total", "2", "4", "-50%", "1", "3", "-66.7%"]);
    // `previous` is the range of as many days just before: 2021-03-26 was never aggregated.
    let (code, stdout, stderr) =
        env.run(&["report", "--day", "2021-03-27", "--compare", "previous"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("2021-03-27 against 2021-03-26\n"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "note: the compared range is not aggregated yet for 2021-03-26; its numbers may \
             grow; run `pageviews aggregate` for them\n"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("note: not aggregated yet"), "{stderr}");
}

#[test]
fn output_replaces_the_file_whole_and_readable_by_a_web_server() {
    let env = site(Kind::Local);
    let path = env.data_dir().join("index.html");
    std::fs::write(&path, "the old report").unwrap();
    let target = path.to_str().unwrap();
    let stdout = report(&env, &["--format", "html", "--output", target]);
    assert!(stdout.is_empty(), "{stdout}");
    let (bars, _, _) = from_html(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(bars, per_day());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
    let left: Vec<_> = std::fs::read_dir(env.data_dir())
        .unwrap()
        .flatten()
        .collect();
    assert!(left.iter().all(|entry| !entry
        .file_name()
        .to_string_lossy()
        .starts_with(".pageviews-")));
}

#[test]
fn the_chart_fits_the_width_and_is_coloured_only_on_a_terminal() {
    let env = site(Kind::Local);
    let mut cmd = env.cmd();
    let output = cmd
        .env("COLUMNS", "60")
        .args(["report", "--chart"])
        .args(RANGE)
        .output()
        .unwrap();
    let chart = String::from_utf8(output.stdout).unwrap();
    assert!(!chart.contains('\x1b'), "not a terminal: {chart}");
    let drawn = chart
        .lines()
        .filter(|line| line.contains('█') || line.contains('└'));
    assert!(drawn.clone().count() >= 7, "{chart}");
    for line in drawn {
        assert!(line.chars().count() <= 60, "{line:?}\n{chart}");
    }
    // On a terminal (a pseudo-terminal from util-linux's `script`), colours, unless NO_COLOR.
    for (no_color, coloured) in [(None, true), (Some("1"), false)] {
        let chart = on_terminal(
            &env,
            no_color,
            &["report", "--chart", "--day", "2021-03-27"],
        );
        assert_eq!(
            chart.contains("\x1b[36m"),
            coloured,
            "NO_COLOR={no_color:?}: {chart:?}"
        );
    }
}

/// Runs pageviews with `args` on a pseudo-terminal and returns what it printed there.
fn on_terminal(env: &Env, no_color: Option<&str>, args: &[&str]) -> String {
    let inner = env.std_cmd();
    let mut line = inner.get_program().to_string_lossy().into_owned();
    for arg in args {
        line.push_str(&format!(" '{arg}'"));
    }
    let mut script = std::process::Command::new("script");
    script.args(["-qec", &line, "/dev/null"]);
    for (key, value) in inner.get_envs() {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    match no_color {
        Some(value) => script.env("NO_COLOR", value),
        None => script.env_remove("NO_COLOR"),
    };
    let output = script.output().expect("util-linux's script runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
