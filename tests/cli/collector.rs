//! Test harness for `pageviews collect`: starts it on 127.0.0.1:0, learns its port from stderr,
//! talks to it with a real HTTP client, and stops it with SIGTERM.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use crate::harness::Env;

/// A desktop Chrome's user agent: counted as a visitor.
pub(crate) const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like \
                           Gecko) Chrome/131.0.0.0 Safari/537.36";
/// The site the test collectors accept views from.
pub(crate) const SITE: &str = "http://site.test";

/// A running collector.
pub(crate) struct Collector {
    child: Option<Child>,
    /// e.g. `http://127.0.0.1:41234`
    pub base: String,
    stderr: Arc<Mutex<String>>,
    /// Copies stderr into `stderr` until the process closes it.
    reader: Option<std::thread::JoinHandle<()>>,
    agent: ureq::Agent,
}

/// What the server answered.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

impl Collector {
    /// `collect --listen 127.0.0.1:0` plus `args`, once it is listening.
    pub(crate) fn start(env: &Env, args: &[&str]) -> Collector {
        Collector::start_with(env, args, &[])
    }

    /// A collector whose clock is `seconds` ahead of the machine's (behind, when negative):
    /// the test hook of debug builds for crossing days without waiting for them.
    pub(crate) fn start_shifted(env: &Env, args: &[&str], seconds: i64) -> Collector {
        let offset = seconds.to_string();
        let vars = [(
            pageviews::collect::visitors::CLOCK_OFFSET_VARIABLE,
            offset.as_str(),
        )];
        Collector::start_with(env, args, &vars)
    }

    fn start_with(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> Collector {
        let mut full = vec!["collect", "--listen", "127.0.0.1:0"];
        full.extend_from_slice(args);
        Collector::attach(env.spawn_with(&full, vars))
    }

    /// A collector whose process may open at most `limit` files (`ulimit -n`).
    pub(crate) fn start_with_open_files(env: &Env, args: &[&str], limit: u64) -> Collector {
        use std::os::unix::process::CommandExt as _;
        let mut command = env.std_cmd();
        command
            .args(["collect", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let limit = libc::rlimit {
            rlim_cur: limit,
            rlim_max: limit,
        };
        // SAFETY: setrlimit is async-signal-safe, and nothing else runs between fork and exec.
        unsafe {
            command.pre_exec(move || match libc::setrlimit(libc::RLIMIT_NOFILE, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            });
        }
        Collector::attach(command.spawn().expect("spawns"))
    }

    /// Waits until `child`, a collector starting, listens.
    pub(crate) fn attach(mut child: Child) -> Collector {
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(String::new()));
        let (found, address) = mpsc::channel();
        let writer = log.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("collecting views on ").nth(1) {
                    let base = rest.split_whitespace().next().unwrap_or_default();
                    let _ = found.send(base.to_owned());
                }
                writer.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let base = match address.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "collect did not start listening; stderr:\n{}",
                    log.lock().unwrap()
                );
            }
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A download's redirect is the answer under test, never followed.
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Collector {
            child: Some(child),
            base,
            stderr: log,
            reader: Some(reader),
            agent,
        }
    }

    /// What the collector has written to stderr so far.
    pub(crate) fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub(crate) fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    pub(crate) fn post(&self, path_and_query: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let request = self.agent.post(self.url(path_and_query));
        reply(with_headers(request, headers).send(body))
    }

    pub(crate) fn get(&self, path_and_query: &str, headers: &[(&str, &str)]) -> Reply {
        let request = self.agent.get(self.url(path_and_query));
        reply(with_headers(request, headers).call())
    }

    /// A HEAD request; returns the status.
    pub(crate) fn head(&self, path_and_query: &str, headers: &[(&str, &str)]) -> u16 {
        let request = self.agent.head(self.url(path_and_query));
        reply(with_headers(request, headers).call()).status
    }

    pub(crate) fn options(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let request = self.agent.options(self.url(path));
        reply(with_headers(request, headers).call())
    }

    /// A plain TCP connection to the collector, for requests a client library will not make.
    pub(crate) fn raw_connection(&self) -> std::net::TcpStream {
        let stream = std::net::TcpStream::connect(self.address()).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("sets a timeout");
        stream
    }

    /// `127.0.0.1:PORT`
    pub(crate) fn address(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// A view as the snippet sends it: JSON in a text/plain body, from the test site.
    pub(crate) fn view(&self, page: &str) -> Reply {
        self.post(
            "/v1/view",
            &[
                ("origin", SITE),
                ("user-agent", BROWSER),
                ("content-type", "text/plain;charset=UTF-8"),
            ],
            &serde_json::json!({ "page": page }).to_string(),
        )
    }

    /// A view that may find the server gone: the status, or `None` when there was no answer.
    pub(crate) fn try_view(&self, page: &str) -> Option<u16> {
        self.agent
            .post(self.url("/v1/view"))
            .header("origin", SITE)
            .header("user-agent", BROWSER)
            .send(serde_json::json!({ "page": page }).to_string())
            .ok()
            .map(|response| response.status().as_u16())
    }

    /// The metrics as `name{labels}` -> value.
    pub(crate) fn metrics(&self) -> BTreeMap<String, f64> {
        let reply = self.get("/metrics", &[]);
        assert_eq!(reply.status, 200);
        reply
            .text()
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.rsplit_once(' '))
            .filter_map(|(name, value)| Some((name.to_owned(), value.parse().ok()?)))
            .collect()
    }

    pub(crate) fn metric(&self, name: &str) -> f64 {
        *self
            .metrics()
            .get(name)
            .unwrap_or_else(|| panic!("metric {name} missing"))
    }

    pub(crate) fn dropped(&self, reason: &str) -> f64 {
        self.metric(&format!(
            "pageviews_collect_views_dropped_total{{reason=\"{reason}\"}}"
        ))
    }

    /// Sends SIGTERM and returns at once.
    pub(crate) fn signal_stop(&self) {
        let child = self.child.as_ref().expect("running");
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
    }

    /// SIGTERM, then waits; returns the exit code and everything written to stderr.
    pub(crate) fn stop(mut self) -> (Option<i32>, String) {
        self.signal_stop();
        let mut child = self.child.take().expect("running");
        let status = child.wait().expect("collect exits");
        // The reader ends at the end of stderr, with the last lines taken.
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the stderr reader does not panic");
        }
        let stderr = self.stderr.lock().unwrap().clone();
        (status.code(), stderr)
    }

    /// Stops and asserts a clean exit; returns stderr.
    pub(crate) fn stop_ok(self) -> String {
        let (code, stderr) = self.stop();
        assert_eq!(code, Some(0), "collect exited badly:\n{stderr}");
        stderr
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("collect's stderr:\n{}", self.stderr.lock().unwrap());
        }
    }
}

fn with_headers<B>(
    mut request: ureq::RequestBuilder<B>,
    headers: &[(&str, &str)],
) -> ureq::RequestBuilder<B> {
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
}

fn reply(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = result.expect("the collector answers");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let body = response
        .body_mut()
        .read_to_vec()
        .expect("the body is readable");
    Reply {
        status,
        headers,
        body,
    }
}

/// Today and yesterday (UTC): the days a test's views can land on if it runs across midnight.
pub(crate) fn today_range() -> [String; 4] {
    let today = chrono::Utc::now().date_naive();
    let yesterday = today.pred_opt().expect("a day before today");
    [
        "--from".into(),
        yesterday.to_string(),
        "--to".into(),
        today.to_string(),
    ]
}

/// Every event on the deployment's queue, decoded as `drain` decodes them, in the order they
/// were queued (as far as the queue keeps one). The messages are received and kept hidden, so
/// call this once the collector has stopped, instead of draining.
pub(crate) fn queued_events(env: &Env) -> Vec<pageviews::model::event::Event> {
    crate::harness::block_on(async {
        let backend = env.open_backend().await;
        let mut events = Vec::new();
        loop {
            let messages = backend
                .queue
                .receive(pageviews::backend::ReceiveOptions {
                    wait: Duration::ZERO,
                    visibility: Some(Duration::from_secs(600)),
                    ..Default::default()
                })
                .await
                .expect("the queue answers");
            if messages.is_empty() {
                return events;
            }
            for message in messages {
                let decoded = pageviews::model::event::decode_message(
                    &message.body,
                    &message.message_id,
                    chrono::Utc::now(),
                )
                .expect("the collector queues valid messages");
                assert!(decoded.rejected.is_empty(), "{:?}", decoded.rejected);
                events.extend(decoded.events);
            }
        }
    })
}

/// An event in one line, for exact comparisons: kind, page, then each field it carries, e.g.
/// `view /landing referrer=google.com source=newsletter variant=B`; but for the families of
/// the browser's user agent, the same on every event of these tests (tests/cli/audience.rs
/// checks them).
pub(crate) fn describe(event: &pageviews::model::event::Event) -> String {
    use pageviews::model::event::Field;
    let families = [
        Field::Device,
        Field::Browser,
        Field::BrowserVersion,
        Field::Os,
        Field::OsVersion,
    ];
    let mut text = format!("{} {}", event.kind.as_str(), event.page);
    for (field, value) in event.fields.present() {
        if !families.contains(&field) {
            text.push_str(&format!(" {}={value}", field.name()));
        }
    }
    text
}

/// Events, each described in one line, sorted.
pub(crate) fn described(events: &[pageviews::model::event::Event]) -> Vec<String> {
    let mut lines: Vec<String> = events.iter().map(describe).collect();
    lines.sort();
    lines
}

/// Drains the queue, aggregates the days views can be on, and returns views per page.
pub(crate) fn counted_views(env: &Env) -> BTreeMap<String, u64> {
    env.drain(&[]);
    let range = today_range();
    let range: Vec<&str> = range.iter().map(String::as_str).collect();
    env.ok(&[&["aggregate"][..], &range].concat());
    let mut views = BTreeMap::new();
    for row in env.report(&range) {
        *views.entry(row.page).or_insert(0) += row.views;
    }
    views
}
