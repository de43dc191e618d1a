//! The page-view event: its fields, their limits and validation (pure code). Message decoding
//! lives in `decode`, packing into message bodies in `pack`.

mod decode;
pub mod fields;
pub mod location;
mod pack;
pub mod page;
#[cfg(test)]
mod props;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Serialize;
use thiserror::Error;

use crate::model::day::Day;
use crate::model::visitor::{valid_visitor, MAX_VISITOR_BYTES};
use crate::model::zone::Zone;

pub use decode::{decode_input_line, decode_message, DecodedMessage, MessageError, RejectedEvent};
pub use fields::Kind;
pub use pack::Packer;
pub use page::normalise;

/// Longest page path we store, in bytes: with the longest id and the time, a raw event's
/// DynamoDB sort key (page, time, id) must stay within DynamoDB's 1,024 bytes.
pub const MAX_PAGE_BYTES: usize = 700;
/// Longest event id we accept, in bytes.
pub const MAX_ID_BYTES: usize = 256;
/// SQS refuses bodies over 1 MiB, so a larger body can only be a malformed injection.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// The smallest valid event is about 40 bytes, so 1 MiB never holds more than this many.
pub const MAX_EVENTS_PER_MESSAGE: usize = 25_000;
/// How far in the future an event's time may be (clock skew), before it is refused.
pub const MAX_FUTURE: Duration = Duration::hours(24);

/// One event, validated: a path, a UTC time, the id that makes writes idempotent, the opaque
/// key of the visitor who made it when the producer knew one, and the optional fields of
/// `fields.rs` (a page view unless `kind` says otherwise). `Event { .., ..Default::default() }`
/// leaves the rest unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    /// The page viewed, or the path of the file downloaded, or where a custom event happened.
    pub page: String,
    pub time: DateTime<Utc>,
    pub visitor: Option<String>,
    pub kind: Kind,
    /// A custom event's name (`kind` event only).
    pub name: Option<String>,
    /// The host the visitor came from.
    pub referrer: Option<String>,
    /// Campaign: `utm_source` (or `ref`, `source`), `utm_medium`, `utm_campaign`.
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    /// The A/B variant the visitor saw.
    pub variant: Option<String>,
}

impl Event {
    /// The calendar day of the view in the deployment's time zone.
    pub fn day_in(&self, zone: Zone) -> Day {
        zone.day_of(self.time)
    }

    pub fn time_ms(&self) -> i64 {
        self.time.timestamp_millis()
    }

    /// The JSON object `send` puts on the queue, and `drain` decodes again.
    pub fn to_json(&self) -> String {
        let wire = WireEvent {
            id: Some(&self.id),
            page: &self.page,
            time: self.time.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            visitor: self.visitor.as_deref(),
            kind: (!self.kind.is_view()).then_some(self.kind),
            name: self.name.as_deref(),
            referrer: self.referrer.as_deref(),
            source: self.source.as_deref(),
            medium: self.medium.as_deref(),
            campaign: self.campaign.as_deref(),
            variant: self.variant.as_deref(),
        };
        serde_json::to_string(&wire).expect("an event always serialises")
    }
}

#[derive(Serialize)]
struct WireEvent<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    page: &'a str,
    time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    visitor: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<Kind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    referrer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    medium: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    campaign: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<&'a str>,
}

/// Why one event was refused. `code()` is the short, stable name used in summaries.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventError {
    #[error("not an event object: {0}")]
    Malformed(String),
    #[error("missing field `page`")]
    MissingPage,
    #[error("missing field `time`")]
    MissingTime,
    #[error("page must be a path starting with '/'")]
    PageNotPath,
    #[error("page is {0} bytes, more than the {MAX_PAGE_BYTES} allowed")]
    PageTooLong(usize),
    #[error("page contains a control character or a noncharacter (U+FFFE, U+FFFF)")]
    PageControlChar,
    #[error("time {0:?} is not RFC 3339 (e.g. 2021-03-13T12:34:56Z)")]
    TimeNotRfc3339(String),
    #[error("time {0} is before 1970-01-01")]
    TimeTooOld(String),
    #[error("time {0} is more than 24 h in the future")]
    TimeInFuture(String),
    #[error("id must be 1 to {MAX_ID_BYTES} bytes without control characters or noncharacters")]
    BadId,
    #[error("visitor must be 1 to {MAX_VISITOR_BYTES} printable ASCII characters (no spaces)")]
    BadVisitor,
    #[error("kind must be view, download or event")]
    BadKind,
    #[error(
        "an event of kind event needs a name of at most {} characters",
        fields::MAX_NAME_CHARS
    )]
    BadName,
    #[error("name is for events of kind event only")]
    NameWithoutEvent,
    #[error("referrer must be a host name or a URL, e.g. news.example.com")]
    BadReferrer,
    #[error(
        "source must be at most {} bytes without control characters",
        fields::MAX_CAMPAIGN_BYTES
    )]
    BadSource,
    #[error(
        "medium must be at most {} bytes without control characters",
        fields::MAX_CAMPAIGN_BYTES
    )]
    BadMedium,
    #[error(
        "campaign must be at most {} bytes without control characters",
        fields::MAX_CAMPAIGN_BYTES
    )]
    BadCampaign,
    #[error(
        "variant must be at most {} characters without control characters",
        fields::MAX_VARIANT_CHARS
    )]
    BadVariant,
}

impl EventError {
    pub fn code(&self) -> &'static str {
        match self {
            EventError::Malformed(_) => "malformed-event",
            EventError::MissingPage => "missing-page",
            EventError::MissingTime => "missing-time",
            EventError::PageNotPath => "page-not-path",
            EventError::PageTooLong(_) => "page-too-long",
            EventError::PageControlChar => "page-control-char",
            EventError::TimeNotRfc3339(_) => "time-not-rfc3339",
            EventError::TimeTooOld(_) => "time-too-old",
            EventError::TimeInFuture(_) => "time-in-future",
            EventError::BadId => "bad-id",
            EventError::BadVisitor => "bad-visitor",
            EventError::BadKind => "bad-kind",
            EventError::BadName => "bad-name",
            EventError::NameWithoutEvent => "name-without-event",
            EventError::BadReferrer => "bad-referrer",
            EventError::BadSource => "bad-source",
            EventError::BadMedium => "bad-medium",
            EventError::BadCampaign => "bad-campaign",
            EventError::BadVariant => "bad-variant",
        }
    }
}

/// Checks the fields and spells the page canonically; `fallback_id` names an event that arrived
/// without an id.
pub(crate) fn validate(
    raw: decode::RawEvent,
    now: DateTime<Utc>,
    fallback_id: impl FnOnce() -> String,
) -> Result<Event, EventError> {
    let page = page::normalise_owned(raw.page.ok_or(EventError::MissingPage)?)?;
    let time = parse_time(raw.time.as_deref().ok_or(EventError::MissingTime)?, now)?;
    let id = match raw.id {
        Some(id) => {
            validate_id(&id)?;
            id
        }
        None => fallback_id(),
    };
    if raw
        .visitor
        .as_deref()
        .is_some_and(|key| !valid_visitor(key))
    {
        return Err(EventError::BadVisitor);
    }
    let kind = raw.kind.as_deref().map_or(Ok(Kind::View), Kind::parse)?;
    let name = optional(raw.name, fields::event_name)?;
    fields::check_kind_and_name(kind, name.as_deref())?;
    Ok(Event {
        id,
        page,
        time,
        visitor: raw.visitor,
        kind,
        name,
        referrer: optional(raw.referrer, fields::referrer_host)?,
        source: optional(raw.source, |t| {
            fields::campaign_part(t, EventError::BadSource)
        })?,
        medium: optional(raw.medium, |t| {
            fields::campaign_part(t, EventError::BadMedium)
        })?,
        campaign: optional(raw.campaign, |t| {
            fields::campaign_part(t, EventError::BadCampaign)
        })?,
        variant: optional(raw.variant, fields::variant)?,
    })
}

/// An optional field's value through its rule: absent stays absent.
fn optional(
    text: Option<String>,
    rule: impl Fn(&str) -> Result<Option<String>, EventError>,
) -> Result<Option<String>, EventError> {
    text.map_or(Ok(None), |text| rule(&text))
}

/// A page is a path: starts with '/', at most 700 bytes, no control characters. (An event's
/// page is also in its canonical spelling: `page::normalise`.)
pub fn validate_page(page: &str) -> Result<(), EventError> {
    if !page.starts_with('/') {
        return Err(EventError::PageNotPath);
    }
    if page.len() > MAX_PAGE_BYTES {
        return Err(EventError::PageTooLong(page.len()));
    }
    if page.chars().any(unfit_for_a_queue) {
        return Err(EventError::PageControlChar);
    }
    Ok(())
}

/// Control characters make keys ambiguous; SQS refuses a whole message holding U+FFFE or
/// U+FFFF, which would hold up every other view packed with it.
fn unfit_for_a_queue(c: char) -> bool {
    c.is_control() || c == '\u{fffe}' || c == '\u{ffff}'
}

pub fn validate_id(id: &str) -> Result<(), EventError> {
    if id.is_empty() || id.len() > MAX_ID_BYTES || id.chars().any(unfit_for_a_queue) {
        return Err(EventError::BadId);
    }
    Ok(())
}

/// Parses an RFC 3339 time and checks it is neither before 1970 nor over 24 h ahead of `now`.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, EventError> {
    let time = DateTime::parse_from_rfc3339(text)
        .map_err(|_| EventError::TimeNotRfc3339(shorten(text, 64)))?
        .with_timezone(&Utc);
    if time.timestamp_millis() < 0 {
        return Err(EventError::TimeTooOld(text.to_owned()));
    }
    if time > now + MAX_FUTURE {
        return Err(EventError::TimeInFuture(text.to_owned()));
    }
    Ok(time)
}

/// Cuts user-provided text for an error message, on a character boundary.
pub fn shorten(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::now;

    #[test]
    fn page_rules() {
        assert_eq!(validate_page("/"), Ok(()));
        assert_eq!(validate_page("posts"), Err(EventError::PageNotPath));
        assert_eq!(validate_page("/a\u{7}b"), Err(EventError::PageControlChar));
        assert_eq!(
            validate_page("/a\u{ffff}"),
            Err(EventError::PageControlChar)
        );
        assert_eq!(validate_id("x\u{fffe}"), Err(EventError::BadId));
        let long = format!("/{}", "a".repeat(MAX_PAGE_BYTES));
        assert_eq!(validate_page(&long), Err(EventError::PageTooLong(701)));
        assert_eq!(validate_page(&long[..MAX_PAGE_BYTES]), Ok(()));
    }

    #[test]
    fn time_rules() {
        assert!(parse_time("2021-03-13T12:34:56Z", now()).is_ok());
        assert!(parse_time("2021-03-13T12:34:56.123456+02:00", now()).is_ok());
        assert_eq!(
            parse_time("2021-03-13 12:34", now()).unwrap_err().code(),
            "time-not-rfc3339"
        );
        assert_eq!(
            parse_time("2021-02-30T00:00:00Z", now())
                .unwrap_err()
                .code(),
            "time-not-rfc3339"
        );
        assert!(parse_time("2021-03-14T23:59:59Z", now()).is_ok());
        assert_eq!(
            parse_time("2021-03-15T00:00:01Z", now())
                .unwrap_err()
                .code(),
            "time-in-future"
        );
        assert_eq!(
            parse_time("1969-12-31T23:59:59Z", now())
                .unwrap_err()
                .code(),
            "time-too-old"
        );
    }
}
