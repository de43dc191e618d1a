//! The snippet in a real browser: headless Chromium, driven through ChromeDriver's WebDriver
//! API, loads a page that includes the script, navigates like a single-page app and reloads;
//! the views must then be exactly those navigations. A second scenario follows a link from
//! another site with campaign parameters, clicks a link to a file, sends custom events and
//! shows variants by cookie, meta tag and URL; the queued events must be exactly those.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::collector::{counted_views, described, queued_events, Collector, BROWSER};
use crate::harness::Env;

/// Debian's packages `chromium` and `chromium-driver` (scripts/test.sh installs them).
pub(crate) fn browser_binaries() -> (PathBuf, PathBuf) {
    let chromium = std::env::var_os("PAGEVIEWS_CHROMIUM").unwrap_or("/usr/bin/chromium".into());
    let driver =
        std::env::var_os("PAGEVIEWS_CHROMEDRIVER").unwrap_or("/usr/bin/chromedriver".into());
    let (chromium, driver) = (PathBuf::from(chromium), PathBuf::from(driver));
    assert!(
        chromium.exists() && driver.exists(),
        "\n\n*** THE BROWSER TEST CANNOT RUN: {} or {} is missing. ***\n\
         Install Debian's packages: apt-get install chromium chromium-driver \
         (scripts/test.sh does this), or point PAGEVIEWS_CHROMIUM and PAGEVIEWS_CHROMEDRIVER \
         at them.\n\n",
        chromium.display(),
        driver.display()
    );
    (chromium, driver)
}

/// A site on its own origin: every path answers a page that includes the snippet's script tag,
/// which is set once the collector is up (it needs the site's origin first). Some paths are
/// special: `/from` is a page of another site (reached as `localhost` rather than 127.0.0.1)
/// linking here with campaign parameters; `/files/...` answers 204, as a download the browser
/// keeps to itself; pages under `/b/` name their variant in a meta tag; `/queued` calls
/// `pageviews()` before the script has loaded, through the stub docs/collector.md gives; pages
/// under `/long/` are 4,000 CSS px high, so that they can be scrolled (others fit the window).
pub(crate) struct Site {
    pub(crate) origin: String,
    script_tag: Arc<Mutex<String>>,
}

impl Site {
    pub(crate) fn serve() -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let script_tag = Arc::new(Mutex::new(String::new()));
        let shared = script_tag.clone();
        let own = origin.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let script_tag = shared.lock().unwrap().clone();
                let own = own.clone();
                // One thread per connection: a browser's idle preconnection must not hold up
                // the next page load.
                std::thread::spawn(move || answer_page(stream, &script_tag, &own));
            }
        });
        Site { origin, script_tag }
    }

    pub(crate) fn include_script(&self, src: &str) {
        self.include_tag(&format!("<script defer src=\"{src}\"></script>"));
    }

    fn include_tag(&self, tag: &str) {
        *self.script_tag.lock().unwrap() = tag.to_owned();
    }

    /// The same site under another host name, for pages of "another site".
    pub(crate) fn elsewhere(&self) -> String {
        self.origin.replace("127.0.0.1", "localhost")
    }
}

fn answer_page(stream: std::net::TcpStream, script_tag: &str, origin: &str) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = if path == "/favicon.ico" {
        ("404 Not Found", String::new())
    } else if path.starts_with("/files/") {
        ("204 No Content", String::new())
    } else if path == "/from" {
        let link = format!(
            "{origin}/landing?utm_source=newsletter&amp;utm_medium=email&amp;\
             utm_campaign=spring&amp;email=someone%40example.com"
        );
        let page = format!(
            "<!doctype html><html><head><title>elsewhere</title></head>\
             <body><a id=\"go\" href=\"{link}\">a link</a></body></html>"
        );
        ("200 OK", page)
    } else {
        let meta = match path.starts_with("/b/") {
            true => "<meta name=\"pageviews:variant\" content=\"B\">",
            false => "",
        };
        let stub = match path == "/queued" {
            true => {
                "<script>window.pageviews=window.pageviews||function(){\
                 (pageviews.q=pageviews.q||[]).push(arguments)};pageviews(\"early\")</script>"
            }
            false => "",
        };
        let long = match path.starts_with("/long/") {
            true => "<div style=\"height:4000px\"></div>",
            false => "",
        };
        let page = format!(
            "<!doctype html><html><head><title>site</title>{meta}{stub}{script_tag}</head>\
             <body><a id=\"file\" href=\"/files/report.pdf\">the report</a>\
             <a id=\"page\" href=\"/files/notes\">notes</a>{long}</body></html>"
        );
        ("200 OK", page)
    };
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
}

/// A ChromeDriver process and one WebDriver session in headless Chromium.
pub(crate) struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub(crate) fn start(prefs: Value) -> Browser {
        Browser::start_with(prefs, "normal", BROWSER)
    }

    /// A browser whose commands return without waiting for pages to load
    /// (`pageLoadStrategy` `none`): a page cannot load while its virtual time is paused, so
    /// the caller lets it through (`tests/cli/browser_engagement.rs`).
    /// Its user agent is `user_agent` (a visitor of its own).
    pub(crate) fn start_unwaiting(prefs: Value, user_agent: &str) -> Browser {
        Browser::start_with(prefs, "none", user_agent)
    }

    fn start_with(prefs: Value, page_load_strategy: &str, user_agent: &str) -> Browser {
        let (chromium, driver_path) = browser_binaries();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while agent.get(format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": page_load_strategy,
            // What the page logs to its console (errors included), for `console`.
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()),
                    // Headless Chromium says so in its user agent, and bots are not counted.
                    format!("--user-agent={user_agent}"),
                ],
                "prefs": prefs,
            }
        }}});
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            agent,
            _profile: profile,
        };
        let created = browser.call("POST", "/session", capabilities);
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {created}"))
            .to_owned();
        browser
    }

    /// One WebDriver command; returns its `value`.
    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let response = match method {
            "POST" => self.agent.post(url).send_json(body),
            "DELETE" => self.agent.delete(url).call(),
            _ => self.agent.get(url).call(),
        };
        let mut response = response.expect("chromedriver answers");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert!(status < 300, "WebDriver {method} {path}: {status} {text}");
        value["value"].clone()
    }

    fn session_call(&self, method: &str, command: &str, body: Value) -> Value {
        let path = format!("/session/{}{command}", self.session);
        self.call(method, &path, body)
    }

    pub(crate) fn open(&self, url: &str) {
        self.session_call("POST", "/url", json!({ "url": url }));
    }

    /// Runs `script` in the page, or says why it could not (a page being replaced, say).
    pub(crate) fn try_run(&self, script: &str) -> Result<Value, String> {
        let path = format!("{}/session/{}/execute/sync", self.base, self.session);
        let body = json!({ "script": script, "args": [] });
        let mut response = self
            .agent
            .post(path)
            .send_json(body)
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match status < 300 {
            true => Ok(value["value"].clone()),
            false => Err(format!("{status} {text}")),
        }
    }

    pub(crate) fn run(&self, script: &str) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
    }

    /// The current window's handle, which is its DevTools target id.
    pub(crate) fn window_handle(&self) -> String {
        let handle = self.session_call("GET", "/window", Value::Null);
        handle.as_str().expect("a window handle").to_owned()
    }

    fn reload(&self) {
        self.session_call("POST", "/refresh", json!({}));
    }

    /// The console's entries since the last call (errors, failed loads, refused requests).
    pub(crate) fn console(&self) -> Vec<Value> {
        let entries = self.session_call("POST", "/se/log", json!({ "type": "browser" }));
        entries.as_array().cloned().unwrap_or_default()
    }

    /// A Chrome DevTools Protocol command, through ChromeDriver.
    pub(crate) fn devtools(&self, command: &str, params: Value) -> Value {
        let body = json!({ "cmd": command, "params": params });
        self.session_call("POST", "/goog/cdp/execute", body)
    }

    /// Shows pages as a screen `width` CSS pixels wide would (a phone's below 600: its
    /// viewport meta tag applies) in the light or dark colour scheme.
    pub(crate) fn emulate(&self, width: u32, height: u32, scheme: &str) {
        let metrics = json!({
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600,
        });
        self.devtools("Emulation.setDeviceMetricsOverride", metrics);
        let media = json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] });
        self.devtools("Emulation.setEmulatedMedia", media);
    }

    pub(crate) fn resize(&self, width: u32, height: u32) {
        let rect = json!({ "width": width, "height": height });
        self.session_call("POST", "/window/rect", rect);
    }

    /// A PNG of what the window shows.
    pub(crate) fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let encoded = self.session_call("GET", "/screenshot", Value::Null);
        let encoded = encoded.as_str().expect("a screenshot is base64 text");
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("a screenshot decodes")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = self.agent.delete(format!("{}{path}", self.base)).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

pub(crate) fn accepted(collector: &Collector) -> f64 {
    collector.metric("pageviews_collect_views_accepted_total")
}

/// Waits until the collector has accepted `views`, and checks it stays there a moment.
pub(crate) fn wait_for_views(collector: &Collector, views: f64, after: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while accepted(collector) < views {
        assert!(
            Instant::now() < deadline,
            "after {after}: {} views accepted, expected {views}",
            accepted(collector)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(accepted(collector), views, "after {after}");
}

#[test]
fn headless_chromium_counts_loads_spa_navigations_and_reloads_once_each() {
    browser_binaries();
    let env = Env::new();
    let site = Site::serve();
    let collector = Collector::start(&env, &["--allow-origin", &site.origin]);
    site.include_script(&format!("{}/pageviews.js", collector.base));
    let site = site.origin;

    let browser = Browser::start(json!({}));
    browser.open(&format!("{site}/app"));
    wait_for_views(&collector, 1.0, "the first load");
    browser.run("history.pushState({}, '', '/app/one'); history.pushState({}, '', '/app/two');");
    wait_for_views(&collector, 3.0, "two pushState navigations");
    // Back fires popstate.
    browser.run("history.back();");
    wait_for_views(&collector, 4.0, "history.back()");
    // Neither a replaceState that keeps the URL nor one that changes only the query (the
    // collector stores paths) is a new view.
    browser.run("history.replaceState({scrolled: 1}, '');");
    browser.run("history.replaceState({}, '', location.pathname + '?tab=2');");
    browser.reload();
    wait_for_views(&collector, 5.0, "the reload");
    let location = browser.run("return location.pathname;");
    assert_eq!(location, json!("/app/one"));
    drop(browser);

    // With Do Not Track on, the script sends nothing at all.
    let private = Browser::start(json!({ "enable_do_not_track": true }));
    private.open(&format!("{site}/private"));
    assert_eq!(private.run("return navigator.doNotTrack;"), json!("1"));
    private.run("history.pushState({}, '', '/private/next');");
    std::thread::sleep(Duration::from_secs(1));
    drop(private);
    assert_eq!(accepted(&collector), 5.0);
    assert_eq!(
        collector.dropped("dnt"),
        0.0,
        "the script should not even send"
    );
    assert_eq!(collector.dropped("bot"), 0.0);

    collector.stop_ok();
    assert_eq!(
        counted_views(&env),
        BTreeMap::from([
            ("/app".to_string(), 1),
            ("/app/one".to_string(), 3),
            ("/app/two".to_string(), 1),
        ])
    );
}

/// The site owner's own browser: a page opened with `#pageviews-ignore` keeps the script from
/// sending anything from then on, in that browser, until a page is opened with
/// `#pageviews-count`.
#[test]
fn a_browser_marked_by_its_owner_is_not_counted_until_unmarked() {
    browser_binaries();
    let env = Env::new();
    let site = Site::serve();
    let collector = Collector::start(&env, &["--allow-origin", &site.origin]);
    site.include_script(&format!("{}/pageviews.js", collector.base));
    let site = site.origin;
    let browser = Browser::start(json!({}));
    browser.open(&format!("{site}/mine#pageviews-ignore"));
    browser.open(&format!("{site}/also-mine"));
    browser.run("history.pushState({}, '', '/mine/next');");
    browser.open(&format!("{site}/counted#pageviews-count"));
    wait_for_views(&collector, 1.0, "the page that clears the mark");
    browser.open(&format!("{site}/counted-too"));
    wait_for_views(&collector, 2.0, "the next page");
    drop(browser);
    collector.stop_ok();
    // Views are sent in order: had the marked pages sent any, it would be here.
    assert_eq!(
        counted_views(&env),
        BTreeMap::from([("/counted".to_string(), 1), ("/counted-too".to_string(), 1)])
    );
}

#[test]
fn headless_chromium_sends_referrers_campaigns_downloads_events_and_variants() {
    browser_binaries();
    let env = Env::new();
    let site = Site::serve();
    let collector = Collector::start(&env, &["--allow-origin", &site.origin]);
    let tag = env.ok(&[
        "snippet",
        "--endpoint",
        &collector.base,
        "--variant-cookie",
        "ab",
    ]);
    site.include_tag(tag.trim());
    let origin = site.origin.clone();

    let browser = Browser::start(json!({}));
    // A link on another site, as an email campaign's: that site's origin is the referrer.
    browser.open(&format!("{}/from", site.elsewhere()));
    browser.run("document.getElementById('go').click();");
    wait_for_views(&collector, 1.0, "following a link from another site");
    // A click on a link to a file is a download; one to a path without an extension is not
    // (both answer 204, so the page stays).
    browser.run("document.getElementById('page').click();");
    browser.run("document.getElementById('file').click();");
    wait_for_views(&collector, 2.0, "a click on a link to a PDF");
    browser.run("pageviews('signup');");
    wait_for_views(&collector, 3.0, "a custom event");
    // An edge function's A/B cookie, then a single-page-app navigation.
    browser.run("document.cookie = 'ab=C; path=/'; history.pushState({}, '', '/landing/next');");
    wait_for_views(&collector, 4.0, "a navigation with a variant cookie");
    // A page's meta tag wins over the cookie.
    browser.open(&format!("{origin}/b/pricing"));
    wait_for_views(&collector, 5.0, "a page with a variant meta tag");
    browser.run("pageviews('purchase');");
    wait_for_views(&collector, 6.0, "an event on it");
    // An email A/B test: the variant in the link, no cookie.
    browser.run("document.cookie = 'ab=; max-age=0; path=/';");
    browser.open(&format!("{origin}/offer?variant=A&utm_source=mail"));
    wait_for_views(&collector, 7.0, "a link with a variant");
    browser.run("pageviews('signup');");
    wait_for_views(&collector, 8.0, "an event under that variant");
    // Calls made before the script loaded are sent once it has.
    browser.open(&format!("{origin}/queued"));
    wait_for_views(&collector, 10.0, "a page that called pageviews() early");
    drop(browser);

    // With Do Not Track on, pageviews() is there (so a page's call does not throw) and sends
    // nothing.
    let private = Browser::start(json!({ "enable_do_not_track": true }));
    private.open(&format!("{origin}/private"));
    let kind = private.run("pageviews('signup'); return typeof pageviews;");
    assert_eq!(kind, json!("function"));
    private.run("document.getElementById('file').click();");
    std::thread::sleep(Duration::from_secs(1));
    drop(private);
    assert_eq!(accepted(&collector), 10.0);
    assert_eq!(collector.dropped("bad-request"), 0.0);

    collector.stop_ok();
    // Headless Chromium's screen is 800 CSS px wide, whatever its window: a tablet's class
    // (576 to 991 px), which the script sends with each view and nothing else.
    // Each view's engagement beacons (tests/cli/engagement.rs checks what they count):
    // at least its first one, sent when the page was left or hidden; /queued was still open
    // when its browser's session ended, and its beacon may or may not have left in time.
    let (beacons, events): (Vec<_>, Vec<_>) = queued_events(&env)
        .into_iter()
        .partition(|event| event.kind.as_str() == "engagement");
    let beacon_pages: std::collections::BTreeSet<&str> =
        beacons.iter().map(|beacon| beacon.page.as_str()).collect();
    let view_pages: std::collections::BTreeSet<&str> = events
        .iter()
        .filter(|event| event.kind.as_str() == "view")
        .map(|event| event.page.as_str())
        .collect();
    let left: std::collections::BTreeSet<&str> = view_pages
        .iter()
        .copied()
        .filter(|page| *page != "/queued")
        .collect();
    assert!(
        left.is_subset(&beacon_pages) && beacon_pages.is_subset(&view_pages),
        "{beacon_pages:?} of {view_pages:?}"
    );
    assert_eq!(
        described(&events),
        [
            "download /files/report.pdf",
            "event /b/pricing name=purchase variant=B",
            "event /landing name=signup",
            "event /offer name=signup variant=A",
            "event /queued name=early",
            "view /b/pricing variant=B screen=tablet",
            "view /landing referrer=localhost source=newsletter medium=email campaign=spring screen=tablet",
            "view /landing/next variant=C screen=tablet",
            "view /offer source=mail variant=A screen=tablet",
            "view /queued screen=tablet",
        ]
    );
}
