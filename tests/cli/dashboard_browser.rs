//! The dashboard in headless Chromium: it loads the overview, changes the range and the
//! period, opens a page, asks the experiment's form for a goal, opens a full list, switches
//! site; the console stays empty, nothing is
//! loaded from another origin, and the numbers shown equal `report --format json`. The
//! overview's screenshots at a desktop's and a phone's width, light and dark, are left in
//! target/tmp/dashboard-*.png; `scripts/regenerate.sh screenshot` copies them to docs/.

use serde_json::{json, Value};
use std::time::Duration;

use crate::browser::{browser_binaries, Browser};
use crate::dashboard_experiments::ab_test;
use crate::dashboard_server::Server;
use crate::harness::{wait_until, Env};
use crate::report_page::example_blog;

/// Every resource the page loaded, and the page itself.
const LOADED: &str = "return [location.href].concat(\
    performance.getEntriesByType('resource').map(entry => entry.name));";

/// The summary's values (views, visitors, pages) and the chart's views per period.
const NUMBERS: &str = "return {\
    summary: [...document.querySelectorAll('#summary dd')].map(dd => dd.dataset.value),\
    chart: [...document.querySelectorAll('svg#chart g.period')].map(g => g.dataset.views),\
    h1: document.querySelector('h1').textContent };";

fn json_of(env: &Env, args: &[&str]) -> Value {
    serde_json::from_str(&env.ok(args)).expect("JSON")
}

/// (views, visitor-days) summed over `report --format json` records.
fn sums(records: &Value) -> (u64, u64) {
    let records = records.as_array().unwrap();
    let sum = |field: &str| records.iter().map(|r| r[field].as_u64().unwrap()).sum();
    (sum("views"), sum("visitors"))
}

/// Runs `script` (which navigates), then waits until the new page at a URL holding `wanted`
/// has loaded.
fn follow(browser: &Browser, script: &str, wanted: &str) {
    browser.run(script);
    wait_until(wanted, Duration::from_secs(30), || {
        let state = browser.run("return [location.href, document.readyState];");
        state[0].as_str().unwrap_or_default().contains(wanted) && state[1] == "complete"
    });
}

/// Asserts that the console is empty and that everything loaded came from `origin`.
fn only_from(browser: &Browser, origin: &str, what: &str) {
    assert_eq!(browser.console(), Vec::<Value>::new(), "{what}");
    let loaded = browser.run(LOADED);
    for url in loaded.as_array().unwrap() {
        let url = url.as_str().unwrap();
        assert!(url.starts_with(&format!("{origin}/")), "{what}: {url}");
    }
}

#[test]
fn the_dashboard_works_in_chromium_and_asks_nothing_of_other_origins() {
    browser_binaries();
    let (env, _) = example_blog();
    // An A/B test two days before the range the overview shows, for the experiment's page.
    ab_test(&env);
    env.ok(&["--name", "shop", "init"]);
    let server = Server::start(&env, &["--site", "example-blog", "--site", "shop"]);
    let origin = server.base.clone();
    let browser = Browser::start(json!({}));
    browser.emulate(1280, 900, "light");

    let (from, to) = ("2021-03-15", "2021-03-28");
    browser.open(&format!("{origin}/?from={from}&to={to}"));
    only_from(&browser, &origin, "the overview");
    let shown = browser.run(NUMBERS);
    let all = json_of(
        &env,
        &[
            "report", "--from", from, "--to", to, "--format", "json", "--totals",
        ],
    );
    let site: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["page"].is_null())
        .collect();
    let views: u64 = site.iter().map(|r| r["views"].as_u64().unwrap()).sum();
    let visitors: u64 = site.iter().map(|r| r["visitors"].as_u64().unwrap()).sum();
    assert_eq!(shown["summary"][0], views.to_string());
    assert_eq!(shown["summary"][1], visitors.to_string());
    let per_day: Vec<String> = site.iter().map(|r| r["views"].to_string()).collect();
    assert_eq!(shown["chart"], json!(per_day));
    take_screenshots(&browser);

    // A new range from the form, then weeks from the periods' links.
    let form = "const form = document.querySelector('nav form');\
        form.querySelector('[name=from]').value = '2021-03-22';\
        form.querySelector('[name=to]').value = '2021-03-28';\
        form.querySelector('button').click();";
    follow(&browser, form, "from=2021-03-22");
    let week = json_of(
        &env,
        &[
            "report",
            "--from",
            "2021-03-22",
            "--to",
            to,
            "--format",
            "json",
        ],
    );
    assert_eq!(
        browser.run(NUMBERS)["summary"][0],
        sums(&week).0.to_string()
    );
    only_from(&browser, &origin, "a custom range");

    // A page's own view, from its link in the pages' table.
    let click = "document.querySelector('#pages tbody a[href*=\"%2Fpricing\"]').click();";
    follow(&browser, click, "/page?");
    let pricing = json_of(
        &env,
        &[
            "report",
            "--from",
            "2021-03-22",
            "--to",
            to,
            "--page",
            "/pricing",
            "--format",
            "json",
        ],
    );
    let (views, visitors) = sums(&pricing);
    let shown = browser.run(NUMBERS);
    // Views, visitor-days, and the one page.
    // The engagement figures after them are the engagement tests'.
    assert_eq!(
        shown["summary"].as_array().unwrap()[..3],
        [
            json!(views.to_string()),
            json!(visitors.to_string()),
            json!("1")
        ]
    );
    assert_eq!(shown["h1"], "/pricing on example-blog");
    only_from(&browser, &origin, "a page");

    // The experiment, from the overview's link, with a goal typed into its form.
    browser.open(&format!("{origin}/?from={from}&to={to}"));
    let link = "[...document.querySelectorAll('main p.more a')]\
        .find(a => a.textContent.startsWith('A/B experiments')).click();";
    follow(&browser, link, "/experiment?");
    let ask = "const form = document.querySelector('form.experiment');\
        form.querySelector('[name=goal]').value = 'signup';\
        form.querySelector('[name=from]').value = '2021-03-12';\
        form.querySelector('[name=to]').value = '2021-03-13';\
        form.querySelector('button').click();";
    follow(&browser, ask, "goal=signup");
    let experiment = json_of(
        &env,
        &[
            "report",
            "experiment",
            "--goal",
            "signup",
            "--from",
            "2021-03-12",
            "--to",
            "2021-03-13",
            "--format",
            "json",
        ],
    );
    let cells = "return [...document.querySelectorAll('#experiment tbody tr')]\
        .map(tr => [...tr.querySelectorAll('td')].slice(0, 2).map(td => td.textContent));";
    let expected: Vec<Value> = experiment["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| json!([v["visitors"].to_string(), v["converted"].to_string()]))
        .collect();
    assert_eq!(browser.run(cells), json!(expected));
    only_from(&browser, &origin, "the experiment");

    // The full list of pages, then the other site.
    browser.open(&format!("{origin}/list?from={from}&to={to}&by=pages"));
    let rows = browser.run("return document.querySelectorAll('#pages tbody tr').length;");
    assert_eq!(rows, 8);
    only_from(&browser, &origin, "the full list");
    let switch = "[...document.querySelectorAll('nav[aria-label=Sites] a')]\
        .find(a => a.textContent === 'shop').click();";
    follow(&browser, switch, "site=shop");
    assert_eq!(browser.run(NUMBERS)["h1"], "Page views of shop");
    only_from(&browser, &origin, "the other site");
}

/// The overview at a desktop's and a phone's width, light and dark, into target/tmp.
fn take_screenshots(browser: &Browser) {
    for (width, height) in [(1280, 900), (390, 844)] {
        for scheme in ["light", "dark"] {
            browser.emulate(width, height, scheme);
            let full = browser.run("return document.documentElement.scrollHeight;");
            browser.emulate(width, full.as_u64().unwrap() as u32, scheme);
            let png = browser.screenshot();
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
            let name = format!("dashboard-{width}-{scheme}.png");
            let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
            std::fs::write(path, png).expect("writes the screenshot");
        }
    }
    browser.emulate(1280, 900, "light");
}
