//! A running `pageviews serve` for the dashboard's tests: started on a free port (read from
//! its log line), asked with ureq or a raw socket, stopped when dropped; and the readers of
//! its pages (texts, attributes, a breakdown's rows).

use scraper::{Html, Selector};
use std::io::{BufRead as _, BufReader};
use std::process::Child;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use crate::collector::Reply;
use crate::harness::Env;

/// A running `serve`, stopped when dropped.
pub(crate) struct Server {
    child: Child,
    pub base: String,
    log: Arc<Mutex<String>>,
    agent: ureq::Agent,
}

impl Server {
    pub(crate) fn start(env: &Env, args: &[&str]) -> Server {
        let mut full = vec!["serve"];
        if !args.contains(&"--listen") {
            full.extend(["--listen", "127.0.0.1:0"]);
        }
        full.extend_from_slice(args);
        let mut child = env.spawn(&full);
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(String::new()));
        let (found, address) = mpsc::channel();
        let writer = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split(" on http://").nth(1) {
                    let base = rest.split(';').next().unwrap_or_default();
                    let _ = found.send(format!("http://{base}"));
                }
                writer.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let Ok(base) = address.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            panic!("serve did not start; stderr:\n{}", log.lock().unwrap());
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Server {
            child,
            base,
            log,
            agent,
        }
    }

    pub(crate) fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        reply(request.call())
    }

    pub(crate) fn post(&self, path: &str, body: &str) -> Reply {
        let request = self.agent.post(format!("{}{path}", self.base));
        let request = request.header("content-type", "application/x-www-form-urlencoded");
        reply(request.send(body))
    }

    /// The page at `path`, which must be 200 and valid HTML.
    pub(crate) fn page(&self, path: &str) -> Html {
        let reply = self.get(path, &[]);
        assert_eq!(
            reply.status,
            200,
            "{path}: {}\n{}",
            reply.text(),
            self.log()
        );
        let document = Html::parse_document(&reply.text());
        assert!(document.errors.is_empty(), "{:?}", document.errors);
        document
    }

    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The status line's code of a GET of `target` written straight to the socket.
pub(crate) fn raw_status(server: &Server, target: &str) -> u16 {
    use std::io::{Read as _, Write as _};
    let address = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    String::from_utf8_lossy(&head[9..12]).parse().unwrap()
}

fn reply(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = result.expect("serve answers");
    let headers = response.headers().iter().map(|(name, value)| {
        let value = value.to_str().unwrap_or_default().to_owned();
        (name.as_str().to_owned(), value)
    });
    Reply {
        status: response.status().as_u16(),
        headers: headers.collect(),
        body: response.body_mut().read_to_vec().expect("a body"),
    }
}

pub(crate) fn texts(document: &Html, selector: &str) -> Vec<String> {
    let selector = Selector::parse(selector).unwrap();
    let found = document.select(&selector);
    found
        .map(|element| element.text().collect::<String>().trim().to_owned())
        .collect()
}

pub(crate) fn attributes(document: &Html, selector: &str, name: &str) -> Vec<String> {
    let selector = Selector::parse(selector).unwrap();
    let found = document.select(&selector);
    found
        .filter_map(|element| element.attr(name).map(str::to_owned))
        .collect()
}

/// (key, views, visitors) of each row of a breakdown's table, as shown.
pub(crate) fn rows(document: &Html, section: &str) -> Vec<(String, u64, u64)> {
    let selector = Selector::parse(&format!("#{section} tbody tr")).unwrap();
    let cell = Selector::parse("th, td").unwrap();
    let number = |text: String| text.replace(',', "").parse::<u64>().expect("a count");
    let rows = document.select(&selector).map(|row| {
        let cells: Vec<String> = row.select(&cell).map(|c| c.text().collect()).collect();
        let key = cells[0].trim().to_owned();
        (key, number(cells[1].clone()), number(cells[2].clone()))
    });
    rows.collect()
}
