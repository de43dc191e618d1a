//! One request as an access log recorded it, and how the NCSA formats (nginx's and Apache's
//! `combined` and `common`) are read (pure code, no allocation unless a field has escapes).
//!
//! combined: `203.0.113.9 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.html HTTP/1.1" 200 2326
//! "http://example.com/start" "Mozilla/4.08 [en] (Win98; I ;Nav)"`; common stops after the size.
//! Extra fields after them (a custom `log_format`) are ignored. The `-vhost` variants start with
//! the virtual host: `example.com:443 203.0.113.9 - frank [...] ...`.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use std::borrow::Cow;

use super::tokens::{bracketed, dash_is_none, quoted, split_request, word};

/// A request as logged: what deciding whether it is a view, and making the view, needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// The client's address as the server wrote it (an IP address, or a host name).
    pub address: Cow<'a, str>,
    /// When, in milliseconds since the epoch (the log's own offset applied).
    pub time_ms: i64,
    pub method: Cow<'a, str>,
    /// The request target: a path and query, or a full URL (proxies).
    pub target: Cow<'a, str>,
    pub status: u16,
    pub referrer: Option<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
    /// The site the request was for, when the log says (Caddy's `host`).
    pub host: Option<Cow<'a, str>>,
}

/// Which NCSA format a line is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ncsa {
    Combined,
    Common,
}

/// Why a line could not be read.
pub type Unparsable = &'static str;

/// Reads one line of an NCSA access log; with `vhost`, the line starts with the virtual host
/// (Apache's `%v` or `%v:%p`, nginx's `$host`) before the client's address.
pub fn parse_ncsa(line: &str, format: Ncsa, vhost: bool) -> Result<Request<'_>, Unparsable> {
    let mut rest = line.trim_end();
    let host = match vhost {
        true => Some(word(&mut rest).ok_or("no virtual host")?),
        false => None,
    };
    let address = word(&mut rest).ok_or("no client address")?;
    // The identity and user fields; a user name never holds a space in these formats.
    word(&mut rest).ok_or("no identity field")?;
    word(&mut rest).ok_or("no user field")?;
    let time = bracketed(&mut rest).ok_or(match vhost {
        false if starts_bracketed_after_a_word(rest) => {
            "no [time] where the format has it: a virtual host first? (--format combined-vhost or common-vhost)"
        }
        _ => "no [time]",
    })?;
    let time_ms = parse_clf_time(time).ok_or("time is not like [10/Oct/2000:13:55:36 -0700]")?;
    let request = quoted(&mut rest).ok_or("no \"request\"")?;
    let status = word(&mut rest)
        .and_then(|status| status.parse::<u16>().ok())
        .ok_or("no status code")?;
    word(&mut rest).ok_or("no response size")?;
    let (referrer, user_agent) = match format {
        Ncsa::Common => (None, None),
        Ncsa::Combined => {
            let referrer = quoted(&mut rest).ok_or("no \"referrer\" (is it the common format?)")?;
            let agent = quoted(&mut rest).ok_or("no \"user agent\"")?;
            (dash_is_none(referrer), dash_is_none(agent))
        }
    };
    let (method, target) = split_request(request);
    Ok(Request {
        address: Cow::Borrowed(address),
        time_ms,
        method,
        target,
        status,
        referrer,
        user_agent,
        host: host.map(Cow::Borrowed),
    })
}

/// Whether the next field but one is `[...]`: what a line with one more word in front (a
/// virtual host) looks like where the time was expected.
fn starts_bracketed_after_a_word(mut rest: &str) -> bool {
    word(&mut rest).is_some() && rest.trim_start_matches(' ').starts_with('[')
}

/// `10/Oct/2000:13:55:36 -0700` (Apache's and nginx's `$time_local`) as milliseconds since
/// the epoch.
pub fn parse_clf_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> { text.get(range)?.parse().ok() };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|name| *name == &text[3..6])? as u32 + 1;
    let date = NaiveDate::from_ymd_opt(number(7..11)? as i32, month, number(0..2)?)?;
    let time = date.and_hms_opt(number(12..14)?, number(15..17)?, number(18..20)?)?;
    let sign = match b[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let offset = sign * (number(22..24)? as i32 * 3600 + number(24..26)? as i32 * 60);
    local_to_ms(time, offset)
}

/// A wall-clock time at a UTC offset (seconds east), as milliseconds since the epoch.
fn local_to_ms(time: NaiveDateTime, offset: i32) -> Option<i64> {
    let zone = FixedOffset::east_opt(offset)?;
    Some(zone.from_local_datetime(&time).single()?.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMBINED: &str = r#"203.0.113.9 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.html?utm_source=x HTTP/1.1" 200 2326 "http://www.example.com/start" "Mozilla/4.08 [en] (Win98; I ;Nav)""#;

    #[test]
    fn reads_the_combined_format() {
        let request = parse_ncsa(COMBINED, Ncsa::Combined, false).unwrap();
        assert_eq!(request.address, "203.0.113.9");
        // 13:55:36 at -07:00 is 20:55:36 UTC.
        assert_eq!(request.time_ms, 971_211_336_000);
        assert_eq!(request.method, "GET");
        assert_eq!(request.target, "/a.html?utm_source=x");
        assert_eq!(request.status, 200);
        assert_eq!(
            request.referrer.as_deref(),
            Some("http://www.example.com/start")
        );
        assert_eq!(
            request.user_agent.as_deref(),
            Some("Mozilla/4.08 [en] (Win98; I ;Nav)")
        );
    }

    #[test]
    fn reads_the_common_format_and_extra_fields() {
        let common = r#"::1 - - [13/Mar/2021:00:00:01 +0545] "GET / HTTP/1.0" 304 -"#;
        let request = parse_ncsa(common, Ncsa::Common, false).unwrap();
        assert_eq!(request.address, "::1");
        assert_eq!(request.status, 304);
        assert_eq!(request.referrer, None);
        // A combined line with nginx's $http_x_forwarded_for after it.
        let extra = format!("{COMBINED} \"198.51.100.7\"");
        assert!(parse_ncsa(&extra, Ncsa::Combined, false).is_ok());
        // A common line read as combined lacks the referrer.
        assert_eq!(
            parse_ncsa(common, Ncsa::Combined, false),
            Err("no \"referrer\" (is it the common format?)")
        );
    }

    #[test]
    fn escapes_and_odd_requests() {
        let line = r#"10.0.0.1 - - [13/Mar/2021:10:00:00 +0000] "GET /q\"x\x22 HTTP/1.1" 200 5 "-" "agent \"quoted\"""#;
        let request = parse_ncsa(line, Ncsa::Combined, false).unwrap();
        assert_eq!(request.target, "/q\"x\"");
        assert_eq!(request.referrer, None);
        assert_eq!(request.user_agent.as_deref(), Some("agent \"quoted\""));
        let junk = r#"10.0.0.1 - - [13/Mar/2021:10:00:00 +0000] "\x16\x03\x01" 400 157 "-" "-""#;
        let request = parse_ncsa(junk, Ncsa::Combined, false).unwrap();
        assert_eq!(request.method, "");
        assert_eq!(request.user_agent, None);
    }

    #[test]
    fn broken_lines_say_what_is_missing() {
        for (line, reason) in [
            ("", "no client address"),
            ("1.2.3.4 - - 13/Mar/2021", "no [time]"),
            (
                "1.2.3.4 - - [13/Mar/2021:10:00:00] \"GET / HTTP/1.1\" 200 1",
                "time is not like [10/Oct/2000:13:55:36 -0700]",
            ),
            (
                "1.2.3.4 - - [31/Feb/2021:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
                "time is not like [10/Oct/2000:13:55:36 -0700]",
            ),
            (
                "1.2.3.4 - - [13/Mar/2021:10:00:00 +0000] \"GET / HTTP/1.1",
                "no \"request\"",
            ),
            (
                "1.2.3.4 - - [13/Mar/2021:10:00:00 +0000] \"GET / HTTP/1.1\" OK 1",
                "no status code",
            ),
        ] {
            assert_eq!(parse_ncsa(line, Ncsa::Common, false), Err(reason), "{line}");
        }
    }

    #[test]
    fn virtual_host_first() {
        // Apache's vhost_combined (`%v:%p %h ...`) and nginx's `$host $remote_addr ...`.
        let apache = format!("blog.example.com:443 {COMBINED}");
        let request = parse_ncsa(&apache, Ncsa::Combined, true).unwrap();
        assert_eq!(request.host.as_deref(), Some("blog.example.com:443"));
        assert_eq!(request.address, "203.0.113.9");
        assert_eq!(request.time_ms, 971_211_336_000);
        let nginx =
            r#"example.com 2001:db8::9 - - [13/Mar/2021:10:00:00 +0000] "GET / HTTP/2.0" 200 12"#;
        let request = parse_ncsa(nginx, Ncsa::Common, true).unwrap();
        assert_eq!(request.host.as_deref(), Some("example.com"));
        assert_eq!(request.address, "2001:db8::9");
        // Read without the vhost variant, the line says which format it probably is.
        assert_eq!(
            parse_ncsa(&apache, Ncsa::Combined, false).unwrap_err(),
            "no [time] where the format has it: a virtual host first? (--format combined-vhost or common-vhost)"
        );
    }

    #[test]
    fn clf_times_take_their_offsets() {
        let utc = parse_clf_time("13/Mar/2021:12:00:00 +0000").unwrap();
        assert_eq!(parse_clf_time("13/Mar/2021:17:45:00 +0545"), Some(utc));
        assert_eq!(parse_clf_time("13/Mar/2021:02:00:00 -1000"), Some(utc));
        assert_eq!(parse_clf_time("13/Mar/2021:12:00:00 +0000 "), None);
        assert_eq!(parse_clf_time("13/Mrz/2021:12:00:00 +0000"), None);
    }
}
