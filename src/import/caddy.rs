//! Caddy's JSON access log, one object per line (pure code):
//! `{"ts":1615636800.5,"request":{"client_ip":"203.0.113.9","method":"GET","host":"example.com",
//! "uri":"/a?b","headers":{"User-Agent":["..."],"Referer":["..."]}},"status":200,...}`.
//! `ts` is seconds since the epoch by default; a `time_format` of iso8601 or rfc3339 writes it
//! as text, which is read too. Caddy before 2.5 logged `remote_addr` (`address:port`) where
//! later ones log `remote_ip`.

use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;

use super::request::{Request, Unparsable};
use super::tokens::without_port;

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    request: Option<LoggedRequest<'a>>,
    status: Option<u16>,
    #[serde(borrow)]
    ts: Option<Timestamp<'a>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Timestamp<'a> {
    Seconds(f64),
    Text(#[serde(borrow)] Cow<'a, str>),
}

#[derive(Deserialize)]
struct LoggedRequest<'a> {
    /// The client behind trusted proxies (Caddy 2.7 and later).
    #[serde(borrow)]
    client_ip: Option<Cow<'a, str>>,
    #[serde(borrow)]
    remote_ip: Option<Cow<'a, str>>,
    /// `address:port`, before Caddy 2.5.
    #[serde(borrow)]
    remote_addr: Option<Cow<'a, str>>,
    #[serde(borrow)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow)]
    host: Option<Cow<'a, str>>,
    #[serde(borrow)]
    uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    headers: HashMap<Cow<'a, str>, Vec<Cow<'a, str>>>,
}

impl<'a> LoggedRequest<'a> {
    /// The first value of a header; Caddy keeps their canonical spelling, but any is matched.
    fn header(&mut self, name: &str) -> Option<Cow<'a, str>> {
        let key = self
            .headers
            .keys()
            .find(|key| key.eq_ignore_ascii_case(name))?
            .clone();
        self.headers.remove(&key)?.into_iter().next()
    }
}

/// Reads one line of Caddy's access log.
pub fn parse_caddy(line: &str) -> Result<Request<'_>, Unparsable> {
    let parsed: Line<'_> = serde_json::from_str(line).map_err(|_| "not a JSON object")?;
    let mut request = parsed
        .request
        .ok_or("no `request` (not an access log line)")?;
    let time_ms = match parsed.ts.ok_or("no `ts`")? {
        Timestamp::Seconds(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            (seconds * 1000.0).round() as i64
        }
        Timestamp::Seconds(_) => return Err("`ts` is not a time"),
        Timestamp::Text(text) => chrono::DateTime::parse_from_rfc3339(&text)
            .map_err(|_| "`ts` is neither seconds nor an RFC 3339 time")?
            .timestamp_millis(),
    };
    let address = request
        .client_ip
        .take()
        .or(request.remote_ip.take())
        .or_else(|| request.remote_addr.take().map(address_of))
        .ok_or("no `client_ip`, `remote_ip` or `remote_addr`")?;
    Ok(Request {
        address,
        time_ms,
        method: request.method.take().unwrap_or_default(),
        target: request.uri.take().ok_or("no `uri`")?,
        status: parsed.status.ok_or("no `status`")?,
        referrer: request.header("Referer"),
        user_agent: request.header("User-Agent"),
        host: request.host.take(),
    })
}

/// The address of `remote_addr` (`192.0.2.1:51524`, `[::1]:51524`).
fn address_of(remote_addr: Cow<'_, str>) -> Cow<'_, str> {
    match remote_addr {
        Cow::Borrowed(text) => Cow::Borrowed(without_port(text)),
        Cow::Owned(text) => Cow::Owned(without_port(&text).to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"level":"info","ts":1615636800.5,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"10.0.0.2","remote_port":"41342","client_ip":"2001:db8::7","proto":"HTTP/2.0","method":"GET","host":"Blog.Example","uri":"/posts/a?utm_source=hn","headers":{"User-Agent":["Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"],"Referer":["https://news.example/item?id=1"],"Accept":["*/*"]}},"bytes_read":0,"user_id":"","duration":0.0009,"size":10900,"status":200,"resp_headers":{"Content-Type":["text/html"]}}"#;

    #[test]
    fn reads_an_access_log_line() {
        let request = parse_caddy(LINE).unwrap();
        assert_eq!(request.address, "2001:db8::7");
        assert_eq!(request.time_ms, 1_615_636_800_500);
        assert_eq!(request.method, "GET");
        assert_eq!(request.target, "/posts/a?utm_source=hn");
        assert_eq!(request.status, 200);
        assert_eq!(request.host.as_deref(), Some("Blog.Example"));
        assert_eq!(
            request.referrer.as_deref(),
            Some("https://news.example/item?id=1")
        );
        assert_eq!(
            request.user_agent.as_deref(),
            Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0")
        );
    }

    #[test]
    fn text_times_and_older_lines() {
        let line = r#"{"ts":"2021-03-13T14:00:00.250+02:00","request":{"remote_ip":"192.0.2.1","method":"GET","uri":"/","headers":{}},"status":304}"#;
        let request = parse_caddy(line).unwrap();
        assert_eq!(request.address, "192.0.2.1");
        assert_eq!(request.time_ms, 1_615_636_800_250);
        assert_eq!(request.user_agent, None);
    }

    #[test]
    fn caddy_before_2_5_logs_remote_addr_with_its_port() {
        let line = r#"{"level":"info","ts":1592258815.5347588,"logger":"http.log.access","msg":"handled request","request":{"remote_addr":"[2001:db8::5]:51524","proto":"HTTP/1.1","method":"GET","host":"localhost","uri":"/","headers":{"User-Agent":["curl/7.64.1"],"Accept":["*/*"]}},"common_log":"2001:db8::5 - - [15/Jun/2020:17:06:55 -0500] \"GET / HTTP/1.1\" 200 0","duration":0.0000718,"size":0,"status":200,"resp_headers":{"Server":["Caddy"]}}"#;
        let request = parse_caddy(line).unwrap();
        assert_eq!(request.address, "2001:db8::5");
        assert_eq!(request.time_ms, 1_592_258_815_535);
        assert_eq!(request.host.as_deref(), Some("localhost"));
        let v4 = line.replace("[2001:db8::5]:51524", "192.0.2.4:51524");
        assert_eq!(parse_caddy(&v4).unwrap().address, "192.0.2.4");
    }

    #[test]
    fn other_lines_are_refused() {
        assert_eq!(parse_caddy("not json").unwrap_err(), "not a JSON object");
        assert_eq!(
            parse_caddy(r#"{"level":"info","ts":1,"msg":"serving initial configuration"}"#)
                .unwrap_err(),
            "no `request` (not an access log line)"
        );
        assert_eq!(
            parse_caddy(r#"{"ts":"yesterday","request":{"uri":"/"}}"#).unwrap_err(),
            "`ts` is neither seconds nor an RFC 3339 time"
        );
    }
}
