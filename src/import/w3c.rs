//! The W3C extended log format (pure code), as IIS writes it and as CloudFront's standard logs
//! are made: `#Version`, `#Date`, `#Software` directives, and a `#Fields:` line naming the
//! fields of the lines after it, separated by tabs (CloudFront) or spaces (IIS):
//!
//! ```text
//! #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
//! 2021-03-13 10:00:00 10.0.0.4 GET /posts/a utm_source=news 443 - 203.0.113.9 Mozilla/5.0+(X11;+Linux+x86_64) https://www.google.com/ 200 0 0 46
//! ```
//!
//! Times are UTC. `-` is an empty field. IIS writes a space in the user agent as `+`;
//! CloudFront percent-encodes its fields, the user agent twice (`Mozilla/5.0%2520(X11...`).

use chrono::NaiveDate;
use std::borrow::Cow;

use super::request::{Request, Unparsable};
use super::tokens::{percent_decoded, utf8_or_escaped};

/// What a field of a W3C line is for a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Date,
    Time,
    Address,
    Method,
    Stem,
    Query,
    /// The whole request target, path and query (`cs-uri`), where there is no stem.
    Uri,
    Status,
    Referrer,
    Agent,
    /// The Host header as the client sent it (CloudFront's `x-host-header`, IIS's `cs-host`).
    Host,
    /// CloudFront's `cs(Host)`: the distribution's own domain, used when the other is missing.
    DistributionHost,
}

const ROLES: usize = 12;

/// The role of a field name, as `#Fields:` or a CloudFront JSON key spells it.
pub fn role_of(name: &str) -> Option<Role> {
    let role = match name.to_ascii_lowercase().as_str() {
        "date" => Role::Date,
        "time" => Role::Time,
        "c-ip" => Role::Address,
        "cs-method" => Role::Method,
        "cs-uri-stem" => Role::Stem,
        "cs-uri-query" => Role::Query,
        "cs-uri" => Role::Uri,
        "sc-status" => Role::Status,
        "cs(referer)" | "cs(referrer)" => Role::Referrer,
        "cs(user-agent)" => Role::Agent,
        "x-host-header" | "cs-host" => Role::Host,
        "cs(host)" => Role::DistributionHost,
        _ => return None,
    };
    Some(role)
}

/// Where each field a view needs is, from a `#Fields:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The role of each field, in the line's order.
    roles: Vec<Option<Role>>,
    /// Fields a line must have for every needed one to be there.
    needed: usize,
}

impl Layout {
    /// The layout a `#Fields:` directive's names describe, or what it lacks.
    pub fn from_names(names: &str) -> Result<Layout, Unparsable> {
        let roles: Vec<Option<Role>> = names.split_whitespace().map(role_of).collect();
        let has = |role: Role| roles.contains(&Some(role));
        let missing = [
            (Role::Date, "date"),
            (Role::Time, "time"),
            (Role::Address, "c-ip"),
            (Role::Method, "cs-method"),
            (Role::Status, "sc-status"),
            (Role::Agent, "cs(User-Agent)"),
        ]
        .into_iter()
        .find(|(role, _)| !has(*role));
        if let Some((_, name)) = missing {
            return Err(match name {
                "date" => "#Fields names no date: add it to the fields logged",
                "time" => "#Fields names no time: add it to the fields logged",
                "c-ip" => "#Fields names no c-ip: add the client address to the fields logged",
                "cs-method" => "#Fields names no cs-method: add the method to the fields logged",
                "sc-status" => "#Fields names no sc-status: add the status to the fields logged",
                _ => "#Fields names no cs(User-Agent): add the user agent to the fields logged (bots cannot be told apart without it)",
            });
        }
        if !has(Role::Stem) && !has(Role::Uri) {
            return Err(
                "#Fields names no cs-uri-stem or cs-uri: add the URI stem to the fields logged",
            );
        }
        let needed = 1 + roles.iter().rposition(Option::is_some).unwrap_or(0);
        Ok(Layout { roles, needed })
    }
}

/// How a W3C writer encodes its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// IIS: a space in the user agent (and referrer) is `+`; the rest as sent.
    Iis,
    /// CloudFront: stem, query and referrer percent-encoded once more than sent, the user
    /// agent twice.
    Cloudfront,
}

/// The fields of one line by role.
pub type Fields<'a> = [Option<Cow<'a, str>>; ROLES];

/// Reads one line (not a directive) of a W3C log laid out as `layout`.
pub fn parse_w3c<'a>(
    line: &'a str,
    layout: &Layout,
    dialect: Dialect,
) -> Result<Request<'a>, Unparsable> {
    let mut fields: Fields<'a> = Default::default();
    let mut count = 0;
    let values: &mut dyn Iterator<Item = &'a str> = match line.contains('\t') {
        true => &mut TabFields::new(line),
        false => &mut SpaceFields(line),
    };
    // The fields after the last one needed are not even split.
    for (index, value) in values.take(layout.needed).enumerate() {
        if let Some(role) = layout.roles[index] {
            fields[role as usize] = Some(Cow::Borrowed(value));
        }
        count = index + 1;
    }
    if count < layout.needed {
        return Err("fewer fields than the #Fields line names");
    }
    request_of(fields, dialect)
}

/// A view's request from its fields by role, decoded as `dialect` wrote them.
pub fn request_of<'a>(mut fields: Fields<'a>, dialect: Dialect) -> Result<Request<'a>, Unparsable> {
    let mut take = |role: Role| -> Option<Cow<'a, str>> {
        fields[role as usize]
            .take()
            .filter(|value| !value.is_empty() && value != "-")
    };
    let date = take(Role::Date).ok_or("no date where #Fields has it")?;
    let time = take(Role::Time).ok_or("no time where #Fields has it")?;
    let time_ms = utc_ms(&date, &time).ok_or("date and time are not like 2021-03-13 10:00:00")?;
    let status = match take(Role::Status) {
        // CloudFront writes 000 for a request the viewer closed before the answer.
        Some(status) => status
            .parse::<u16>()
            .map_err(|_| "sc-status is not a number")?,
        None => 0,
    };
    let target = match (take(Role::Stem), take(Role::Uri)) {
        (Some(stem), _) => with_query(decode(stem, dialect), take(Role::Query), dialect),
        (None, Some(uri)) => decode(uri, dialect),
        (None, None) => return Err("no cs-uri-stem"),
    };
    let agent = take(Role::Agent).map(|agent| match dialect {
        Dialect::Iis => plus_is_space(agent),
        Dialect::Cloudfront => twice_decoded(agent),
    });
    let referrer = take(Role::Referrer).map(|referrer| match dialect {
        Dialect::Iis => referrer,
        Dialect::Cloudfront => decode(referrer, dialect),
    });
    Ok(Request {
        address: take(Role::Address).unwrap_or_default(),
        time_ms,
        method: take(Role::Method).unwrap_or_default(),
        target,
        status,
        referrer,
        user_agent: agent,
        host: take(Role::Host).or_else(|| take(Role::DistributionHost)),
    })
}

/// `2021-03-13` and `10:00:00` (or `10:00:00.250`), UTC, as milliseconds since the epoch.
pub fn utc_ms(date: &str, time: &str) -> Option<i64> {
    let mut parts = date.split('-').map(|part| part.parse::<u32>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || year > 9999 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut parts = clock.split(':').map(|part| part.parse::<u32>().ok());
    let (hour, minute, second) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let millis = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0, |millis, digit| millis * 10 + u32::from(digit - b'0'));
    let moment = date.and_hms_milli_opt(hour, minute, second, millis)?;
    Some(moment.and_utc().timestamp_millis())
}

fn decode(field: Cow<'_, str>, dialect: Dialect) -> Cow<'_, str> {
    match (dialect, field) {
        (Dialect::Iis, field) => field,
        (Dialect::Cloudfront, Cow::Borrowed(text)) => percent_decoded(text),
        (Dialect::Cloudfront, Cow::Owned(text)) => Cow::Owned(percent_decoded(&text).into_owned()),
    }
}

/// CloudFront encodes a user agent's spaces and other characters twice (`%2520`); older logs
/// once (`%20`). Decoding twice gives the agent either way (agents hold no `%` of their own),
/// here in one pass and one allocation, as every line has one; the text between escapes is
/// copied a run at a time (`memchr`), not a byte at a time.
fn twice_decoded(agent: Cow<'_, str>) -> Cow<'_, str> {
    if !agent.contains('%') {
        return agent;
    }
    let bytes = agent.as_bytes();
    let hex = |at: usize| -> Option<u8> {
        let (high, low) = (*bytes.get(at)?, *bytes.get(at + 1)?);
        Some(nibble(high)? << 4 | nibble(low)?)
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'%', &bytes[at..]) {
        out.extend_from_slice(&bytes[at..at + found]);
        at += found;
        let byte = match hex(at + 1) {
            Some(0x25) if hex(at + 3).is_some() => {
                at += 2;
                hex(at + 1)
            }
            other => other,
        };
        match byte {
            Some(byte) => {
                out.push(byte);
                at += 3;
            }
            None => {
                out.push(b'%');
                at += 1;
            }
        }
    }
    out.extend_from_slice(&bytes[at..]);
    Cow::Owned(utf8_or_escaped(out))
}

/// The value of a hex digit.
fn nibble(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

fn plus_is_space(field: Cow<'_, str>) -> Cow<'_, str> {
    match field.contains('+') {
        true => Cow::Owned(field.replace('+', " ")),
        false => field,
    }
}

fn with_query<'a>(
    stem: Cow<'a, str>,
    query: Option<Cow<'a, str>>,
    dialect: Dialect,
) -> Cow<'a, str> {
    match query {
        Some(query) => Cow::Owned(format!("{stem}?{}", decode(query, dialect))),
        None => stem,
    }
}

/// Tab-separated fields, the tabs found by `memchr` (CloudFront's lines are long, and every
/// one is split).
struct TabFields<'a> {
    line: &'a str,
    start: usize,
    tabs: memchr::Memchr<'a>,
    done: bool,
}

impl<'a> TabFields<'a> {
    fn new(line: &'a str) -> TabFields<'a> {
        TabFields {
            line,
            start: 0,
            tabs: memchr::memchr_iter(b'\t', line.as_bytes()),
            done: false,
        }
    }
}

impl<'a> Iterator for TabFields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self.tabs.next() {
            Some(at) => {
                let field = &self.line[self.start..at];
                self.start = at + 1;
                Some(field)
            }
            None if !self.done => {
                self.done = true;
                Some(&self.line[self.start..])
            }
            None => None,
        }
    }
}

/// Space-separated fields; a field in double quotes (W3C's strings) may hold spaces, and `""`
/// inside it is a quote.
struct SpaceFields<'a>(&'a str);

impl<'a> Iterator for SpaceFields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.0.trim_start_matches(' ');
        if text.is_empty() {
            return None;
        }
        let end = match text.strip_prefix('"') {
            Some(inner) => quoted_end(inner).map_or(text.len(), |end| end + 2),
            None => text.find(' ').unwrap_or(text.len()),
        };
        self.0 = &text[end..];
        let field = &text[..end];
        Some(
            match field.len() >= 2 && field.starts_with('"') && field.ends_with('"') {
                true => &field[1..field.len() - 1],
                false => field,
            },
        )
    }
}

/// Where the closing quote of a quoted field is (`""` is a quote inside it).
fn quoted_end(inner: &str) -> Option<usize> {
    let bytes = inner.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'"' {
            if bytes.get(at + 1) == Some(&b'"') {
                at += 2;
                continue;
            }
            return Some(at);
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const IIS_FIELDS: &str = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";

    #[test]
    fn an_iis_line() {
        let layout = Layout::from_names(IIS_FIELDS).unwrap();
        let line = "2021-03-13 10:00:00 10.0.0.4 GET /posts/a utm_source=news 443 - 2001:db8::9 Mozilla/5.0+(X11;+Linux+x86_64;+rv:133.0)+Gecko/20100101+Firefox/133.0 https://www.google.com/ 200 0 0 46";
        let request = parse_w3c(line, &layout, Dialect::Iis).unwrap();
        assert_eq!(request.address, "2001:db8::9");
        assert_eq!(request.time_ms, 1_615_629_600_000);
        assert_eq!(request.method, "GET");
        assert_eq!(request.target, "/posts/a?utm_source=news");
        assert_eq!(request.status, 200);
        assert_eq!(
            request.user_agent.as_deref(),
            Some("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
        );
        assert_eq!(request.referrer.as_deref(), Some("https://www.google.com/"));
        assert_eq!(request.host, None);
        let short = "2021-03-13 10:00:00 10.0.0.4 GET /posts/a - 443";
        assert_eq!(
            parse_w3c(short, &layout, Dialect::Iis).unwrap_err(),
            "fewer fields than the #Fields line names"
        );
    }

    #[test]
    fn cloudfront_agents_are_decoded_twice_in_one_pass() {
        let agent = |text: &'static str| twice_decoded(Cow::Borrowed(text)).into_owned();
        assert_eq!(
            agent("Mozilla/5.0%2520(X11;%2520Linux)"),
            "Mozilla/5.0 (X11; Linux)"
        );
        assert_eq!(agent("Mozilla/5.0%20(X11)"), "Mozilla/5.0 (X11)");
        assert_eq!(agent("curl/8.4.0"), "curl/8.4.0");
        assert_eq!(agent("odd%25"), "odd%");
        assert_eq!(agent("100%"), "100%");
        assert_eq!(agent("caf%25C3%25A9%2520%25E9"), "café %E9");
    }

    #[test]
    fn quoted_strings_and_times() {
        let layout =
            Layout::from_names("date time c-ip cs-method cs-uri sc-status cs(User-Agent)").unwrap();
        let line = r#"2021-03-13 23:59:59.5 192.0.2.1 GET "/a b?x=1" 200 "Agent ""quoted"" 1.0""#;
        let request = parse_w3c(line, &layout, Dialect::Iis).unwrap();
        assert_eq!(request.target, "/a b?x=1");
        assert_eq!(request.time_ms, 1_615_679_999_500);
        assert_eq!(
            request.user_agent.as_deref(),
            Some(r#"Agent ""quoted"" 1.0"#)
        );
        assert_eq!(utc_ms("2021-02-30", "10:00:00"), None);
        assert_eq!(utc_ms("2021-03-13", "25:00:00"), None);
        assert_eq!(utc_ms("2021-03-13", "10:00"), None);
    }

    #[test]
    fn a_fields_line_without_what_a_view_needs_says_what_is_missing() {
        assert_eq!(
            Layout::from_names("date time c-ip cs-method cs-uri-stem sc-status").unwrap_err(),
            "#Fields names no cs(User-Agent): add the user agent to the fields logged (bots cannot be told apart without it)"
        );
        assert_eq!(
            Layout::from_names("date time c-ip cs-method sc-status cs(User-Agent)").unwrap_err(),
            "#Fields names no cs-uri-stem or cs-uri: add the URI stem to the fields logged"
        );
    }
}
