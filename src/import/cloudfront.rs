//! CloudFront's standard logs (pure code): the legacy format, W3C with tabs (`w3c`), whose
//! `#Fields:` line is read when there is one and the 33 documented fields assumed when there is
//! none; and standard logging v2's JSON output, one object per line keyed by the same names
//! (the legacy line's fields are separated by tabs, shown here as spaces):
//!
//! ```text
//! 2019-12-04 21:02:31 LAX1 392 192.0.2.100 GET d111111abcdef8.cloudfront.net /index.html 200 - Mozilla/5.0%2520(Windows%2520NT%252010.0) - - Hit SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ== www.example.com https 23 0.001 - TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 Hit HTTP/2.0 - - 11040 0.001 Hit text/html 78 - -
//! {"date":"2024-11-14","time":"21:34:06","c-ip":"192.0.2.100","cs-method":"GET","cs-uri-stem":"/index.html","sc-status":"200","cs(User-Agent)":"Mozilla/5.0%20(X11)","x-host-header":"www.example.com",...}
//! ```
//!
//! The site is `x-host-header` (the Host the viewer asked for), not `cs(Host)` (the
//! distribution's own domain).

use serde::Deserialize;
use std::borrow::Cow;

use super::request::{Request, Unparsable};
use super::w3c::{request_of, Dialect, Fields, Layout, Role};

/// The fields of the legacy format, in their documented order: what a file without its
/// `#Fields:` line (a concatenation, a file cut at its header) holds.
pub const LEGACY_FIELDS: &str = "date time x-edge-location sc-bytes c-ip cs-method cs(Host) \
    cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type \
    x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol \
    ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields \
    c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len \
    sc-range-start sc-range-end";

pub fn legacy_layout() -> Layout {
    Layout::from_names(LEGACY_FIELDS).expect("the documented fields have what a view needs")
}

/// A string or a number: v2 writes every value as a string, tools that convert the legacy
/// format write numbers as numbers.
#[derive(Deserialize)]
#[serde(untagged)]
enum Value<'a> {
    Text(#[serde(borrow)] Cow<'a, str>),
    Number(serde_json::Number),
}

impl<'a> Value<'a> {
    fn text(self) -> Cow<'a, str> {
        match self {
            Value::Text(text) => text,
            Value::Number(number) => Cow::Owned(number.to_string()),
        }
    }
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    date: Option<Value<'a>>,
    #[serde(borrow)]
    time: Option<Value<'a>>,
    #[serde(rename = "timestamp(ms)", borrow)]
    timestamp_ms: Option<Value<'a>>,
    #[serde(borrow)]
    timestamp: Option<Value<'a>>,
    #[serde(rename = "c-ip", borrow)]
    address: Option<Value<'a>>,
    #[serde(rename = "cs-method", borrow)]
    method: Option<Value<'a>>,
    #[serde(rename = "cs-uri-stem", borrow)]
    stem: Option<Value<'a>>,
    #[serde(rename = "cs-uri-query", borrow)]
    query: Option<Value<'a>>,
    #[serde(rename = "sc-status", borrow)]
    status: Option<Value<'a>>,
    #[serde(rename = "cs(Referer)", borrow)]
    referrer: Option<Value<'a>>,
    #[serde(rename = "cs(User-Agent)", borrow)]
    agent: Option<Value<'a>>,
    #[serde(rename = "x-host-header", borrow)]
    host: Option<Value<'a>>,
    #[serde(rename = "cs(Host)", borrow)]
    distribution_host: Option<Value<'a>>,
}

/// Reads one line of v2's JSON output.
pub fn parse_cloudfront_json<'a>(line: &'a str) -> Result<Request<'a>, Unparsable> {
    let record: Record<'a> = serde_json::from_str(line).map_err(|_| "not a JSON object")?;
    if record.stem.is_none() {
        return Err("no `cs-uri-stem` (not a CloudFront log record)");
    }
    let (date, time) = match (record.date, record.time) {
        (Some(date), Some(time)) => (date.text(), time.text()),
        _ => date_and_time(record.timestamp_ms, record.timestamp)
            .ok_or("no `date` and `time`, nor `timestamp(ms)`")?,
    };
    let mut fields: Fields<'a> = Default::default();
    let mut put = |role: Role, value: Option<Value<'a>>| {
        fields[role as usize] = value.map(Value::text);
    };
    put(Role::Address, record.address);
    put(Role::Method, record.method);
    put(Role::Stem, record.stem);
    put(Role::Query, record.query);
    put(Role::Status, record.status);
    put(Role::Referrer, record.referrer);
    put(Role::Agent, record.agent);
    put(Role::Host, record.host);
    put(Role::DistributionHost, record.distribution_host);
    fields[Role::Date as usize] = Some(date);
    fields[Role::Time as usize] = Some(time);
    request_of(fields, Dialect::Cloudfront)
}

/// The UTC date and time of v2's `timestamp(ms)` (milliseconds) or `timestamp` (seconds).
fn date_and_time<'a>(
    milliseconds: Option<Value<'_>>,
    seconds: Option<Value<'_>>,
) -> Option<(Cow<'a, str>, Cow<'a, str>)> {
    let ms = match (milliseconds, seconds) {
        (Some(ms), _) => ms.text().parse::<i64>().ok()?,
        (None, Some(seconds)) => (seconds.text().parse::<f64>().ok()? * 1000.0).round() as i64,
        (None, None) => return None,
    };
    let moment = chrono::DateTime::from_timestamp_millis(ms)?;
    Some((
        Cow::Owned(moment.format("%Y-%m-%d").to_string()),
        Cow::Owned(moment.format("%H:%M:%S%.3f").to_string()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::w3c::parse_w3c;

    /// The example of AWS's documentation, with a browser's agent encoded twice and a
    /// viewer's Host.
    const LEGACY: &str = "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/caf%25C3%25A9/index.html\t200\thttps://www.google.com/search%3Fq=x\tMozilla/5.0%2520(Windows%2520NT%252010.0;%2520Win64;%2520x64)%2520AppleWebKit/537.36%2520(KHTML,%2520like%2520Gecko)%2520Chrome/78.0.3904.108%2520Safari/537.36\tutm_source=news%2520letter&q=secret\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\twww.example.com\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-";

    #[test]
    fn a_legacy_line_decoded() {
        let request = parse_w3c(LEGACY, &legacy_layout(), Dialect::Cloudfront).unwrap();
        assert_eq!(request.address, "192.0.2.100");
        assert_eq!(request.time_ms, 1_575_493_351_000);
        assert_eq!(
            request.target,
            "/caf%C3%A9/index.html?utm_source=news%20letter&q=secret"
        );
        assert_eq!(
            request.user_agent.as_deref(),
            Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36")
        );
        assert_eq!(
            request.referrer.as_deref(),
            Some("https://www.google.com/search?q=x")
        );
        assert_eq!(request.host.as_deref(), Some("www.example.com"));
    }

    #[test]
    fn a_v2_json_record() {
        let line = r#"{"date":"2024-11-14","time":"21:34:06","x-edge-location":"SOF50-P2","sc-bytes":"10712","c-ip":"2001:db8::7","cs-method":"GET","cs(Host)":"d111111abcdef8.cloudfront.net","cs-uri-stem":"/posts/a","sc-status":"304","cs(Referer)":"-","cs(User-Agent)":"Mozilla/5.0%20(X11;%20Linux%20x86_64)","cs-uri-query":"-","x-host-header":"-","cs-protocol-version":"HTTP/3.0"}"#;
        let request = parse_cloudfront_json(line).unwrap();
        assert_eq!(request.address, "2001:db8::7");
        assert_eq!(request.time_ms, 1_731_620_046_000);
        assert_eq!(request.target, "/posts/a");
        assert_eq!(request.status, 304);
        assert_eq!(request.referrer, None);
        assert_eq!(
            request.user_agent.as_deref(),
            Some("Mozilla/5.0 (X11; Linux x86_64)")
        );
        // No viewer Host: the distribution's domain.
        assert_eq!(
            request.host.as_deref(),
            Some("d111111abcdef8.cloudfront.net")
        );
        let timed = r#"{"timestamp(ms)":1731620046814,"c-ip":"192.0.2.1","cs-method":"GET","cs-uri-stem":"/","sc-status":200,"cs(User-Agent)":"x"}"#;
        assert_eq!(
            parse_cloudfront_json(timed).unwrap().time_ms,
            1_731_620_046_814
        );
        assert_eq!(
            parse_cloudfront_json(r#"{"level":"info"}"#).unwrap_err(),
            "no `cs-uri-stem` (not a CloudFront log record)"
        );
    }
}
