//! Engagement measured by the snippet in headless Chromium, on both backends: a visitor reads a
//! plain site (stays, scrolls, follows links, switches to another tab and back, leaves) and
//! another bounces; a visitor reads a single-page app (`pushState` routes). The report's
//! entries, exits, bounces, engaged time and scroll marks must then be exactly what the
//! browsers did, engaged time to the 0.1 s the CSV states (docs/reports.md).
//!
//! Time is the page's virtual time (Chrome DevTools Protocol, `Emulation.setVirtualTimePolicy`,
//! sent through ChromeDriver): it is paused from before the first page, and a stay of 20 s is a
//! budget of 20,000 virtual ms, which the page's `performance.now()` follows exactly and which
//! takes no real time. A page cannot load while its time is paused, so a navigation is let
//! through in steps of 1 virtual ms until the new page has loaded (a few steps); Chromium also
//! moves virtual time on by 10 ms at each navigation. A page left by a link therefore reports
//! its stay plus about 10 ms, well within the 0.1 s the reports give; nothing depends on how
//! busy the machine is. Focus is emulated (`Emulation.setFocusEmulationEnabled`): the script
//! counts only a focused page, and a headless window's focus is otherwise left to chance.
//!
//! Switching tabs: another tab is opened and brought to the front with `Target.createTarget`
//! and `Target.activateTarget`, so that ChromeDriver's commands still go to the page left
//! behind, whose clock then moves 30 s while it is hidden (which must not count). Focus
//! emulation is off meanwhile: it keeps a page visible whatever tab is in front.
//!
//! The collector runs against each backend's deployment (moto's for AWS), as in
//! tests/cli/collect_engagement.rs; the counts are read from `report --totals` in CSV.

use serde_json::{json, Value};
use std::time::{Duration, Instant};

use crate::browser::{browser_binaries, wait_for_views, Browser, Site};
use crate::collector::{Collector, BROWSER};
use crate::harness::{utc_today, Env, Kind};
use crate::on_both_backends;

on_both_backends!(
    a_plain_sites_stays_scrolls_tab_switches_and_bounces_are_reported_as_the_browsers_did_them,
    a_single_page_apps_routes_are_reported_as_the_browser_did_them,
);

/// A browser of `user_agent` whose page time is virtual and paused, and whose page is always
/// focused.
fn paused_browser(user_agent: &str) -> Browser {
    browser_binaries();
    let browser = Browser::start_unwaiting(json!({}), user_agent);
    browser.devtools(
        "Emulation.setFocusEmulationEnabled",
        json!({ "enabled": true }),
    );
    pause(&browser);
    browser
}

fn pause(browser: &Browser) {
    browser.devtools(
        "Emulation.setVirtualTimePolicy",
        json!({ "policy": "pause" }),
    );
}

/// The page's own clock, in virtual milliseconds.
fn page_clock(browser: &Browser) -> f64 {
    let now = browser.run("return performance.now();");
    now.as_f64().expect("performance.now() is a number")
}

/// Opens `url` and lets virtual time through 1 ms at a time until the page has loaded (its
/// script has then run: it is deferred), then leaves time paused. The network needs no virtual
/// time, so a step is given only every 50 ms of real time: a load takes a few steps, and at
/// most 30 (a page that reports 30 ms more is still within the reports' 0.1 s).
fn navigate(browser: &Browser, url: &str) {
    browser.open(url);
    let check = format!(
        "return location.href === {} && document.readyState;",
        json!(url)
    );
    let mut steps = 0;
    // While the page is being replaced, a script may find no page to run in.
    while browser.try_run(&check) != Ok(json!("complete")) {
        assert!(steps < 30, "{url} did not load in {steps} virtual ms");
        let step = json!({ "policy": "advance", "budget": 1 });
        browser.devtools("Emulation.setVirtualTimePolicy", step);
        steps += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stays on the page `ms` milliseconds of virtual time: the budget runs out at once in real
/// time, and time is paused again when it has.
fn stay(browser: &Browser, ms: u32) {
    let start = page_clock(browser);
    let budget = json!({ "policy": "advance", "budget": ms });
    browser.devtools("Emulation.setVirtualTimePolicy", budget);
    let deadline = Instant::now() + Duration::from_secs(60);
    // performance.now() is coarsened to 0.1 ms.
    while page_clock(browser) - start < f64::from(ms) - 0.5 {
        assert!(
            Instant::now() < deadline,
            "{ms} ms of virtual time did not pass"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the page's `document.visibilityState` is `state`.
fn wait_for_visibility(browser: &Browser, state: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while browser.run("return document.visibilityState;") != json!(state) {
        assert!(Instant::now() < deadline, "the page did not become {state}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Switches to a new tab for `ms` of the page's virtual time, then back to the page.
fn switch_tabs_for(browser: &Browser, ms: u32) {
    let page = browser.window_handle();
    let other = browser.devtools("Target.createTarget", json!({ "url": "about:blank" }));
    let other = other["targetId"].as_str().expect("a new tab").to_owned();
    browser.devtools(
        "Emulation.setFocusEmulationEnabled",
        json!({ "enabled": false }),
    );
    browser.devtools("Target.activateTarget", json!({ "targetId": other }));
    wait_for_visibility(browser, "hidden");
    stay(browser, ms);
    browser.devtools("Target.activateTarget", json!({ "targetId": page }));
    wait_for_visibility(browser, "visible");
    browser.devtools(
        "Emulation.setFocusEmulationEnabled",
        json!({ "enabled": true }),
    );
    browser.devtools("Target.closeTarget", json!({ "targetId": other }));
    assert_eq!(browser.run("return document.hasFocus();"), json!(true));
}

/// Scrolls so that the window's bottom is at `percent` of the page's height, and returns the
/// depth the page reached as the script computes it.
fn scroll_to(browser: &Browser, percent: u32) -> Value {
    browser.run(&format!(
        "const h = document.documentElement.scrollHeight;\
         window.scrollTo(0, h * {percent} / 100 - innerHeight);\
         return Math.round((scrollY + innerHeight) / h * 100);"
    ))
}

/// Waits until the collector has taken `beacons` engagement beacons.
fn wait_for_beacons(collector: &Collector, beacons: f64) {
    let metric = "pageviews_collect_engagements_accepted_total";
    let deadline = Instant::now() + Duration::from_secs(20);
    while collector.metric(metric) < beacons {
        assert!(
            Instant::now() < deadline,
            "{} beacons accepted, expected {beacons}",
            collector.metric(metric)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(collector.metric(metric), beacons);
}

/// Another desktop browser's user agent: another visitor from the same address.
const OTHER_BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
                             (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// Drains, aggregates today and returns the report's CSV lines with `--totals`, without their
/// day. (A test takes seconds; one that crosses midnight fails here, and may be run again.)
fn report_lines(env: &Env) -> Vec<String> {
    env.drain(&[]);
    let today = utc_today().to_string();
    env.ok(&["aggregate", "--day", &today]);
    let csv = env.ok(&["report", "--day", &today, "--format", "csv", "--totals"]);
    csv.lines()
        .skip(1)
        .map(|line| line.split_once(',').expect("a day column").1.to_owned())
        .collect()
}

const COLUMNS: &str = "page,views,visitors,entries,exits,bounces,bounce_rate,engaged_views,\
                       avg_engaged_seconds,scroll_25,scroll_50,scroll_75,scroll_100";

fn a_plain_sites_stays_scrolls_tab_switches_and_bounces_are_reported_as_the_browsers_did_them(
    kind: Kind,
) {
    let env = Env::on(kind, &[]);
    let site = Site::serve();
    let collector = Collector::start(&env, &["--allow-origin", &site.origin]);
    site.include_script(&format!("{}/pageviews.js", collector.base));
    let origin = site.origin.clone();
    let browser = paused_browser(BROWSER);

    // /long/a: 20 s, scrolled to 60% of its height; the link to /long/b hides it (pagehide).
    navigate(&browser, &format!("{origin}/long/a"));
    wait_for_views(&collector, 1.0, "the first page");
    stay(&browser, 20_000);
    assert_eq!(scroll_to(&browser, 60), json!(60));
    navigate(&browser, &format!("{origin}/long/b"));
    wait_for_views(&collector, 2.0, "the second page");
    wait_for_beacons(&collector, 1.0);
    // /long/b: 45 s, scrolled to 40%; 30 s in another tab (the hidden page's beacon leaves);
    // back for 15 s, read to the end (its second beacon, with the link to /c).
    stay(&browser, 45_000);
    assert_eq!(scroll_to(&browser, 40), json!(40));
    switch_tabs_for(&browser, 30_000);
    wait_for_beacons(&collector, 2.0);
    stay(&browser, 15_000);
    assert_eq!(scroll_to(&browser, 100), json!(100));
    navigate(&browser, &format!("{origin}/c"));
    wait_for_views(&collector, 3.0, "the third page");
    wait_for_beacons(&collector, 3.0);
    // /c fits in the window (100%); 5 s, then the visitor goes to another site, which has no
    // script.
    stay(&browser, 5_000);
    navigate(&browser, &format!("{}/from", site.elsewhere()));
    wait_for_beacons(&collector, 4.0);
    drop(browser);

    // Another visitor (another browser) comes straight to /c, stays 3 s and leaves: a bounce.
    let other = paused_browser(OTHER_BROWSER);
    navigate(&other, &format!("{origin}/c"));
    wait_for_views(&collector, 4.0, "the other visitor's page");
    stay(&other, 3_000);
    navigate(&other, &format!("{}/from", site.elsewhere()));
    wait_for_beacons(&collector, 5.0);
    drop(other);
    collector.stop_ok();

    // Two visits: the first enters at /long/a and leaves at /c, engaged 20 + 60 + 5 s (the
    // 30 s in the other tab left out), no bounce; the second is /c alone for 3 s, a bounce.
    // /long/a passed the 25 and 50% marks, the others every mark. The site: 88 s over 4
    // views, 22 s on average.
    assert_eq!(
        report_lines(&env),
        [
            "/c,2,2,1,2,1,100,2,4,100,100,100,100",
            "/long/a,1,1,1,0,0,0,1,20,100,100,0,0",
            "/long/b,1,1,0,0,0,,1,60,100,100,100,100",
            ",4,2,2,2,1,50,4,22,100,100,75,75",
        ],
        "{COLUMNS}"
    );
}

fn a_single_page_apps_routes_are_reported_as_the_browser_did_them(kind: Kind) {
    let env = Env::on(kind, &[]);
    let site = Site::serve();
    let collector = Collector::start(&env, &["--allow-origin", &site.origin]);
    site.include_script(&format!("{}/pageviews.js", collector.base));
    let origin = site.origin.clone();
    let browser = paused_browser(BROWSER);

    // /long/app: 8 s at the top (the window's bottom above 25% of the page); each route is a view
    // of its own, whose beacon leaves with the next pushState, not with a page load, so its
    // engaged time is exactly the stay.
    navigate(&browser, &format!("{origin}/long/app"));
    wait_for_views(&collector, 1.0, "the app's first route");
    stay(&browser, 8_000);
    browser.run("history.pushState({}, '', '/long/app/one');");
    wait_for_views(&collector, 2.0, "a pushState navigation");
    wait_for_beacons(&collector, 1.0);
    // /long/app/one: 30 s, scrolled to 80% of the (same) page.
    stay(&browser, 30_000);
    assert_eq!(scroll_to(&browser, 80), json!(80));
    browser.run("history.pushState({}, '', '/long/app/two');");
    wait_for_views(&collector, 3.0, "a second pushState navigation");
    wait_for_beacons(&collector, 2.0);
    // /long/app/two: the scroll a route starts at is its own (80%); 12.5 s, then the visitor
    // leaves the site.
    let start = browser.run("return scrollY;");
    assert!(start.as_f64().unwrap() > 0.0, "{start}");
    stay(&browser, 12_500);
    navigate(&browser, &format!("{}/from", site.elsewhere()));
    wait_for_beacons(&collector, 3.0);
    drop(browser);
    collector.stop_ok();

    // One visit: entered at /long/app, left at /long/app/two; 50.5 s over 3 views, 16.8 s on
    // average (50.51 s with the navigation's 10 ms, still 16.8).
    assert_eq!(
        report_lines(&env),
        [
            "/long/app,1,1,1,0,0,0,1,8,0,0,0,0",
            "/long/app/one,1,1,0,0,0,,1,30,100,100,100,0",
            "/long/app/two,1,1,0,1,0,,1,12.5,100,100,100,0",
            ",3,1,1,1,0,0,3,16.8,66.7,66.7,66.7,0",
        ],
        "{COLUMNS}"
    );
}
