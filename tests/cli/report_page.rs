//! The HTML report in a real browser: `report --format html --output` writes it into a folder
//! that a web server serves, as cron would; headless Chromium loads it and must log nothing,
//! ask for nothing more, and show the numbers the test put into the deployment. The
//! screenshot it takes is left in target/tmp/report.png; `scripts/regenerate.sh screenshot`
//! copies it to README's `docs/report.png` (a picture is not compared byte for byte).

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::browser::{browser_binaries, Browser};
use crate::harness::Env;

/// Pages of the test site and how many views each gets on a weekday, relative to the others.
const PAGES: [(&str, u64); 8] = [
    ("/", 30),
    ("/pricing", 14),
    ("/docs/getting-started", 11),
    ("/blog/visitors-without-cookies", 9),
    ("/docs/api", 6),
    ("/about", 4),
    ("/blog/hello-world", 3),
    ("/contact", 2),
];
/// Two weeks of March 2021 in Europe/Berlin; clocks went forward on the 28th.
const FIRST_DAY: u32 = 15;
const DAYS: u32 = 14;

/// One view: day of March, page, visitor key, and the NDJSON line that sends it.
pub(crate) struct View {
    day: u32,
    page: &'static str,
    visitor: String,
    line: String,
}

/// The site's views: fewer at weekends, a little more each day, each from one of the day's
/// visitors, at hours spread over the day.
fn views() -> Vec<View> {
    let mut views = Vec::new();
    for (offset, day) in (0..DAYS).map(|offset| (offset, FIRST_DAY + offset)) {
        let weekend = matches!(day, 20 | 21 | 27 | 28);
        let people = 25 + 2 * offset as u64;
        for (number, (page, weight)) in PAGES.iter().enumerate() {
            let count = weight * if weekend { 3 } else { 5 } * (20 + offset as u64) / 100;
            for view in 0..count.max(1) {
                let visitor = format!(
                    "v{}",
                    (view * 7 + number as u64 * 13 + offset as u64) % people
                );
                let hour = 7 + (view + number as u64 * 3) % 15;
                let zone = if day >= 28 { "+02:00" } else { "+01:00" };
                let time = format!("2021-03-{day:02}T{hour:02}:{:02}:00{zone}", view * 11 % 60);
                let line = format!(
                    r#"{{"page":"{page}","time":"{time}","id":"r{day}-{number}-{view}","visitor":"{visitor}"}}"#
                );
                views.push(View {
                    day,
                    page,
                    visitor,
                    line,
                });
            }
        }
    }
    views
}

/// Per day: the day, views and distinct visitors.
type Days = Vec<(String, u64, u64)>;
/// Per page: views and visitor-days.
type Pages = BTreeMap<String, (u64, u64)>;

fn expected(views: &[View]) -> (Days, Pages) {
    let mut days = Vec::new();
    for day in FIRST_DAY..FIRST_DAY + DAYS {
        let of_day: Vec<&View> = views.iter().filter(|view| view.day == day).collect();
        let people: BTreeSet<&str> = of_day.iter().map(|view| view.visitor.as_str()).collect();
        days.push((
            format!("2021-03-{day:02}"),
            of_day.len() as u64,
            people.len() as u64,
        ));
    }
    let mut pages = BTreeMap::new();
    for (page, _) in PAGES {
        let of_page = views.iter().filter(|view| view.page == page);
        let per_day: BTreeSet<(u32, &str)> = of_page
            .clone()
            .map(|v| (v.day, v.visitor.as_str()))
            .collect();
        pages.insert(
            page.to_owned(),
            (of_page.count() as u64, per_day.len() as u64),
        );
    }
    (days, pages)
}

/// A web server for one folder that records the paths asked for.
pub(crate) struct Folder {
    pub origin: String,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Folder {
    pub(crate) fn serve(dir: &Path) -> Folder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let asked = Arc::new(Mutex::new(Vec::new()));
        let (shared, dir) = (asked.clone(), dir.to_owned());
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let (shared, dir) = (shared.clone(), dir.clone());
                std::thread::spawn(move || answer(stream, &dir, &shared));
            }
        });
        Folder { origin, asked }
    }

    pub(crate) fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

fn answer(stream: std::net::TcpStream, dir: &Path, asked: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream);
    let mut request = String::new();
    if reader.read_line(&mut request).unwrap_or(0) == 0 {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
    asked.lock().unwrap().push(path.clone());
    let file: PathBuf = dir.join(path.trim_start_matches('/'));
    let (status, body) = match std::fs::read(&file) {
        Ok(body) if path.ends_with(".html") => ("200 OK", body),
        _ => ("404 Not Found", Vec::new()),
    };
    let mut stream = reader.into_inner();
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(&body));
}

fn thousands(value: u64) -> String {
    pageviews::model::text::thousands(value)
}

/// The example blog's deployment (two weeks of March 2021 in Europe/Berlin, counted), and
/// the views it was sent.
pub(crate) fn example_blog() -> (Env, Vec<View>) {
    // A name of its own for the screenshot: the data directory keeps it apart from others.
    let mut env = Env::bare();
    env.name = "example-blog".to_owned();
    env.ok(&["init", "--time-zone", "Europe/Berlin"]);
    let views = views();
    let lines: Vec<&str> = views.iter().map(|view| view.line.as_str()).collect();
    let input = env.write("views.ndjson", &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
    env.ok(&["aggregate", "--pending"]);
    (env, views)
}

/// `report --format html` with `args` written into a folder, as cron would; the folder and
/// the file's name in it.
pub(crate) fn publish(env: &Env, args: &[&str], name: &str) -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let file = site.path().join(name);
    let html = [
        "report",
        "--format",
        "html",
        "--output",
        file.to_str().unwrap(),
    ];
    env.ok(&[&html[..], args].concat());
    site
}

#[test]
fn the_html_report_shows_the_deployments_numbers_in_chromium_and_asks_for_nothing() {
    browser_binaries();
    let (env, views) = example_blog();
    let (from, to) = ("2021-03-15", "2021-03-28");
    let site = publish(&env, &["--from", from, "--to", to], "index.html");
    let folder = Folder::serve(site.path());

    let browser = Browser::start(json!({}));
    browser.resize(1100, 900);
    browser.open(&format!("{}/index.html", folder.origin));
    let (days, pages) = expected(&views);
    let shown = |script: &str| browser.run(&format!("return {script};"));
    let bars = shown(
        "[...document.querySelectorAll('svg#chart g.period')]\
         .map(g => [g.dataset.period, +g.dataset.views, +g.dataset.visitors])",
    );
    assert_eq!(bars, json!(days));
    let rows = shown(
        "[...document.querySelectorAll('#pages tbody tr')]\
         .map(row => [...row.cells].slice(0, 3).map(cell => cell.textContent.trim()))",
    );
    let mut ranked: Vec<(&String, &(u64, u64))> = pages.iter().collect();
    ranked.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    let ranked: Vec<Value> = ranked
        .iter()
        .map(|(page, (views, visitors))| json!([page, thousands(*views), thousands(*visitors)]))
        .collect();
    assert_eq!(rows, Value::Array(ranked));
    let total: u64 = days.iter().map(|(_, views, _)| views).sum();
    let visitor_days: u64 = days.iter().map(|(_, _, visitors)| visitors).sum();
    let summary =
        shown("[...document.querySelectorAll('#summary dd')].map(dd => dd.textContent.trim())");
    // Then the visits (visitor-days), the share of one view (no beacon: none was engaged
    // 10 s), views per visit, and no engaged time: the views sent no beacon.
    let mut visits: BTreeMap<(u32, &str), u64> = BTreeMap::new();
    for view in &views {
        *visits.entry((view.day, view.visitor.as_str())).or_default() += 1;
    }
    visits.retain(|(day, _), _| (FIRST_DAY..FIRST_DAY + DAYS).contains(day));
    let bounces = visits.values().filter(|views| **views == 1).count() as f64;
    assert_eq!(visits.len() as u64, visitor_days);
    assert_eq!(
        summary,
        json!([
            thousands(total),
            thousands(visitor_days),
            "8",
            thousands(visitor_days),
            format!("{:.0}%", bounces * 100.0 / visitor_days as f64),
            format!("{:.1}", total as f64 / visitor_days as f64),
            "-"
        ])
    );
    let title = shown("document.title");
    assert_eq!(
        title,
        json!(format!("Page views of {}, {from} to {to}", env.name))
    );

    // Drawn, with nothing that runs and nothing loaded besides the page itself.
    let chart_height = shown("document.querySelector('svg#chart').getBoundingClientRect().height");
    assert!(chart_height.as_f64().unwrap() > 150.0, "{chart_height}");
    assert_eq!(shown("document.scripts.length"), json!(0));
    assert_eq!(
        shown("performance.getEntriesByType('resource').length"),
        json!(0)
    );
    assert_eq!(
        browser.console(),
        Vec::<Value>::new(),
        "the console must stay empty"
    );
    assert_eq!(folder.asked(), ["/index.html"]);

    let page = shown("document.documentElement.scrollHeight")
        .as_u64()
        .unwrap();
    let frame = shown("window.outerHeight - window.innerHeight")
        .as_u64()
        .unwrap();
    browser.resize(1100, (page + frame) as u32);
    let png = browser.screenshot();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    std::fs::write(&path, &png).expect("writes the screenshot into target/tmp");
}
