//! The optional fields an event may carry besides its page and time: where the visitor came
//! from (referrer host, campaign), what happened (a view, a download, a named event, a bot's
//! hit, an engagement beacon), the A/B variant seen, the audience: screen class, country and
//! region, device class, browser and OS families with their major versions, a bot's category
//! and name; and a beacon's engaged time and scroll depth. `FIELDS` describes each once (its name on the wire, in files and tables,
//! its tag in packed DynamoDB items, its rule); every layer reads the table, so a new field is
//! one variant and one entry here (pure code).

use serde::Serialize;
use url::Url;

pub use super::audience::{
    bot_category, country, device_class, family, major_version, region, screen_class,
    BOT_CATEGORIES, DEVICE_CLASSES,
};
use super::engagement::{engaged_ms, scroll_percent};
use super::page::escape_invisible_or_bidi;
use super::plain_url;
use super::EventError;

/// Longest source, medium or campaign, in bytes.
pub const MAX_CAMPAIGN_BYTES: usize = 100;
/// Longest custom event name, in characters.
pub const MAX_NAME_CHARS: usize = 50;
/// Longest A/B variant, in characters.
pub const MAX_VARIANT_CHARS: usize = 32;
/// Longest host name (DNS).
const MAX_HOST_BYTES: usize = 253;

/// A field's value in its stored spelling. Most are short (a country, a browser's family, a
/// campaign's source, a host) and held inline, without an allocation of their own.
pub type FieldValue = compact_str::CompactString;

/// An optional text field of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// A custom event's name (`kind` event only).
    Name,
    /// The host the visitor came from.
    Referrer,
    /// Campaign: `utm_source` (or `ref`, `source`), `utm_medium`, `utm_campaign`.
    Source,
    Medium,
    Campaign,
    /// The A/B variant the visitor saw.
    Variant,
    /// The class of the visitor's screen by its CSS width (`SCREEN_CLASSES`), never its size.
    Screen,
    /// ISO 3166-1 alpha-2 code of the country the visitor's address is in (never the address).
    Country,
    /// ISO 3166-2 code of its region, e.g. `DE-BY`, when the source knows one.
    Region,
    /// The device class from the user agent (`DEVICE_CLASSES`).
    Device,
    /// The browser's family and major version, as uap-core names them (never the user agent).
    Browser,
    BrowserVersion,
    /// The operating system's family, and its major version where it says something.
    Os,
    OsVersion,
    /// A bot's name (`bot` events only).
    Bot,
    /// A bot's category (`BOT_CATEGORIES`; `bot` events only).
    BotCategory,
    /// Milliseconds an engagement beacon adds to its view's engaged time (`engagement` events
    /// only): time the page was visible and focused since the view's previous beacon.
    EngagedMs,
    /// The deepest scroll its view reached so far, in percent of the page (`engagement` only).
    Scroll,
    /// The deepest scroll the view's previous beacon reported; absent on a view's first beacon.
    ScrollBefore,
}

/// How the code knows a field: everything but its meaning, which the counting of
/// `model::dimension` gives it.
#[derive(Debug)]
pub struct FieldSpec {
    pub field: Field,
    /// Its name everywhere: the key of a JSON event (messages, NDJSON, exports), the query
    /// parameter of an API Gateway beacon, the column of a CSV export and of SQLite's events.
    pub name: &'static str,
    /// Its tag in the events of a packed DynamoDB item (`backend/aws/packed.rs`): never reused.
    pub packed_tag: u8,
    /// Checks a value and gives its stored spelling; an empty value is no value.
    pub check: fn(&str) -> Result<Option<FieldValue>, Refused>,
    /// The stable code of a refused value (dead-letter reasons, `send`'s errors).
    pub code: &'static str,
    /// What a refused value broke, as the error says it.
    pub rule: &'static str,
    /// A value the rule accepts, in its stored spelling: tests that need every field set take
    /// it, so a new field needs no edit of theirs.
    #[cfg(any(test, feature = "test-support"))]
    pub example: &'static str,
}

/// A value a field's rule does not accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

/// Every optional field, in the order of `Field` (and so of CSV columns and the SQLite table).
pub const FIELDS: [FieldSpec; 19] = [
    FieldSpec {
        field: Field::Name,
        name: "name",
        packed_tag: 4,
        check: event_name,
        code: "bad-name",
        rule: "an event of kind event needs a name of at most 50 characters",
        #[cfg(any(test, feature = "test-support"))]
        example: "signup",
    },
    FieldSpec {
        field: Field::Referrer,
        name: "referrer",
        packed_tag: 5,
        check: referrer_host,
        code: "bad-referrer",
        rule: "referrer must be a host name or a URL, e.g. news.example.com",
        #[cfg(any(test, feature = "test-support"))]
        example: "news.example.com",
    },
    FieldSpec {
        field: Field::Source,
        name: "source",
        packed_tag: 6,
        check: campaign_part,
        code: "bad-source",
        rule: "source must be at most 100 bytes without control characters",
        #[cfg(any(test, feature = "test-support"))]
        example: "newsletter",
    },
    FieldSpec {
        field: Field::Medium,
        name: "medium",
        packed_tag: 7,
        check: campaign_part,
        code: "bad-medium",
        rule: "medium must be at most 100 bytes without control characters",
        #[cfg(any(test, feature = "test-support"))]
        example: "email",
    },
    FieldSpec {
        field: Field::Campaign,
        name: "campaign",
        packed_tag: 8,
        check: campaign_part,
        code: "bad-campaign",
        rule: "campaign must be at most 100 bytes without control characters",
        #[cfg(any(test, feature = "test-support"))]
        example: "spring",
    },
    FieldSpec {
        field: Field::Variant,
        name: "variant",
        packed_tag: 9,
        check: variant,
        code: "bad-variant",
        rule: "variant must be at most 32 characters without control characters",
        #[cfg(any(test, feature = "test-support"))]
        example: "B",
    },
    FieldSpec {
        field: Field::Screen,
        name: "screen",
        packed_tag: 10,
        check: screen_class,
        code: "bad-screen",
        rule: "screen must be phone, tablet, laptop or desktop",
        #[cfg(any(test, feature = "test-support"))]
        example: "laptop",
    },
    FieldSpec {
        field: Field::Country,
        name: "country",
        packed_tag: 11,
        check: country,
        code: "bad-country",
        rule: "country must be an ISO 3166-1 code of two letters, e.g. DE",
        #[cfg(any(test, feature = "test-support"))]
        example: "DE",
    },
    FieldSpec {
        field: Field::Region,
        name: "region",
        packed_tag: 12,
        check: region,
        code: "bad-region",
        rule: "region must be an ISO 3166-2 code: country, hyphen, 1 to 3 letters or digits, e.g. DE-BY",
        #[cfg(any(test, feature = "test-support"))]
        example: "DE-BY",
    },
    FieldSpec {
        field: Field::Device,
        name: "device",
        packed_tag: 13,
        check: device_class,
        code: "bad-device",
        rule: "device must be desktop, mobile, tablet or other",
        #[cfg(any(test, feature = "test-support"))]
        example: "mobile",
    },
    FieldSpec {
        field: Field::Browser,
        name: "browser",
        packed_tag: 14,
        check: family,
        code: "bad-browser",
        rule: "browser must be at most 50 characters without control characters",
        #[cfg(any(test, feature = "test-support"))]
        example: "Firefox",
    },
    FieldSpec {
        field: Field::BrowserVersion,
        name: "browser_version",
        packed_tag: 15,
        check: major_version,
        code: "bad-browser-version",
        rule: "browser_version must be 1 to 12 letters or digits, e.g. 133",
        #[cfg(any(test, feature = "test-support"))]
        example: "133",
    },
    FieldSpec {
        field: Field::Os,
        name: "os",
        packed_tag: 16,
        check: family,
        code: "bad-os",
        rule: "os must be at most 50 characters without control characters",
        #[cfg(any(test, feature = "test-support"))]
        example: "Android",
    },
    FieldSpec {
        field: Field::OsVersion,
        name: "os_version",
        packed_tag: 17,
        check: major_version,
        code: "bad-os-version",
        rule: "os_version must be 1 to 12 letters or digits, e.g. 14",
        #[cfg(any(test, feature = "test-support"))]
        example: "14",
    },
    FieldSpec {
        field: Field::Bot,
        name: "bot",
        packed_tag: 18,
        check: family,
        code: "bad-bot",
        rule: "bot must be at most 50 characters without control characters",
        #[cfg(any(test, feature = "test-support"))]
        example: "GPTBot",
    },
    FieldSpec {
        field: Field::BotCategory,
        name: "bot_category",
        packed_tag: 19,
        check: bot_category,
        code: "bad-bot-category",
        rule: "bot_category must be search-engine, ai-crawler, seo, monitoring, social-preview, \
               feed-reader, automation or other",
        #[cfg(any(test, feature = "test-support"))]
        example: "ai-crawler",
    },
    FieldSpec {
        field: Field::EngagedMs,
        name: "engaged_ms",
        packed_tag: 20,
        check: engaged_ms,
        code: "bad-engaged-ms",
        rule: "an engagement beacon needs engaged_ms, a whole number of milliseconds from 0 to \
               14400000 (4 hours)",
        #[cfg(any(test, feature = "test-support"))]
        example: "12500",
    },
    FieldSpec {
        field: Field::Scroll,
        name: "scroll",
        packed_tag: 21,
        check: scroll_percent,
        code: "bad-scroll",
        rule: "scroll must be a whole percentage from 0 to 100",
        #[cfg(any(test, feature = "test-support"))]
        example: "80",
    },
    FieldSpec {
        field: Field::ScrollBefore,
        name: "scroll_before",
        packed_tag: 22,
        check: scroll_percent,
        code: "bad-scroll-before",
        rule: "scroll_before must be a whole percentage from 0 to 100",
        #[cfg(any(test, feature = "test-support"))]
        example: "40",
    },
];

/// How many optional fields there are.
pub const FIELD_COUNT: usize = FIELDS.len();

impl Field {
    /// Its place in `FIELDS`.
    pub const fn index(self) -> usize {
        self as usize
    }

    pub fn spec(self) -> &'static FieldSpec {
        &FIELDS[self.index()]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The field of a name (`FieldSpec::name`).
    pub fn named(name: &str) -> Option<Field> {
        FIELDS
            .iter()
            .find(|spec| spec.name == name)
            .map(|spec| spec.field)
    }

    /// The field of a packed item's tag.
    pub fn of_packed_tag(tag: u8) -> Option<Field> {
        FIELDS
            .iter()
            .find(|spec| spec.packed_tag == tag)
            .map(|spec| spec.field)
    }

    /// Checks a value by the field's rule.
    pub fn check(self, text: &str) -> Result<Option<FieldValue>, EventError> {
        (self.spec().check)(text).map_err(|Refused| EventError::BadField(self))
    }

    pub fn all() -> impl Iterator<Item = Field> {
        FIELDS.iter().map(|spec| spec.field)
    }
}

/// The optional fields' values of one event, each absent or in its stored spelling.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Fields([Option<FieldValue>; FIELD_COUNT]);

impl Fields {
    pub fn get(&self, field: Field) -> Option<&str> {
        self.0[field.index()].as_deref()
    }

    pub fn set(&mut self, field: Field, value: Option<FieldValue>) {
        self.0[field.index()] = value;
    }

    /// Each field missing here taken from `other` (its values moved, not copied).
    pub fn fill_missing(&mut self, other: Fields) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            if mine.is_none() {
                *mine = theirs;
            }
        }
    }

    /// These fields with `field` set to `value`.
    pub fn with(mut self, field: Field, value: &str) -> Self {
        self.set(field, Some(FieldValue::from(value)));
        self
    }

    /// The fields that have a value, in table order.
    pub fn present(&self) -> impl Iterator<Item = (Field, &str)> {
        Field::all().filter_map(|field| Some((field, self.get(field)?)))
    }

    /// Each field's value, in `Field::index` order.
    pub fn values(&self) -> impl Iterator<Item = Option<&str>> {
        self.0.iter().map(Option::as_deref)
    }

    /// Which fields have a value: a bit each, `1 << Field::index`.
    pub fn present_bits(&self) -> i64 {
        const _: () = assert!(FIELD_COUNT < 63, "a field is a bit of an i64");
        (self.0.iter().enumerate())
            .filter(|(_, value)| value.is_some())
            .fold(0, |present, (at, _)| present | 1 << at)
    }

    /// Each field's value borrowed, indexed by `Field::index`.
    #[cfg(test)]
    pub fn borrowed(&self) -> [Option<&str>; FIELD_COUNT] {
        std::array::from_fn(|at| self.0[at].as_deref())
    }

    /// Owned values from borrowed ones.
    pub fn from_borrowed(values: &[Option<&str>; FIELD_COUNT]) -> Self {
        Fields(std::array::from_fn(|at| values[at].map(FieldValue::from)))
    }
}

/// What an event records: a page view (the default), a download of a file, a custom event
/// with a name (a sign-up, a goal), a bot's hit (counted by category and name only, never as
/// a view or a visitor), or an engagement beacon (a view's engaged time and scroll depth, sent
/// when the page is hidden or left; counted into its page's engagement, never as a view).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    View,
    Download,
    Event,
    Bot,
    Engagement,
}

impl Kind {
    pub fn parse(text: &str) -> Result<Kind, EventError> {
        match text {
            "view" => Ok(Kind::View),
            "download" => Ok(Kind::Download),
            "event" => Ok(Kind::Event),
            "bot" => Ok(Kind::Bot),
            "engagement" => Ok(Kind::Engagement),
            _ => Err(EventError::BadKind),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::View => "view",
            Kind::Download => "download",
            Kind::Event => "event",
            Kind::Bot => "bot",
            Kind::Engagement => "engagement",
        }
    }

    pub fn is_view(&self) -> bool {
        *self == Kind::View
    }
}

/// The host a visitor came from, as stored: lowercase (IDNs in punycode), without `www.`, a
/// port, a path or a query. A full URL is reduced to its host; an empty value is no referrer.
pub fn referrer_host(text: &str) -> Result<Option<FieldValue>, Refused> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // A plain URL's host is read without the parser (`plain_url`), as the parser reads it.
    if let Some((host, _)) = plain_url::split(text) {
        return stored_host(host);
    }
    let url = match text.contains("://") {
        true => Url::parse(text),
        false => Url::parse(&format!("http://{text}")),
    }
    .map_err(|_| Refused)?;
    // A referrer names no user: `mailto:x@host` or `user@host` is not one.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused);
    }
    stored_host(url.host_str().ok_or(Refused)?)
}

/// A referrer's host as stored: lowercase, without trailing dots and `www.`.
fn stored_host(host: &str) -> Result<Option<FieldValue>, Refused> {
    let host = host.trim_end_matches('.');
    let host = match host.get(..4) {
        Some(www) if www.eq_ignore_ascii_case("www.") => &host[4..],
        _ => host,
    };
    if host.is_empty() || host.len() > MAX_HOST_BYTES {
        return Err(Refused);
    }
    let mut stored = FieldValue::from(host);
    stored.make_ascii_lowercase();
    Ok(Some(stored))
}

/// A campaign's source, medium or name: trimmed, at most 100 bytes, no control characters; an
/// empty value is none. Invisible and bidi characters are stored escaped, as in a page.
pub fn campaign_part(text: &str) -> Result<Option<FieldValue>, Refused> {
    short_text(text, MAX_CAMPAIGN_BYTES, text.len())
}

/// A custom event's name: at most 50 characters.
pub fn event_name(text: &str) -> Result<Option<FieldValue>, Refused> {
    short_text(text, MAX_NAME_CHARS, text.chars().count())
}

/// An A/B variant: at most 32 characters.
pub fn variant(text: &str) -> Result<Option<FieldValue>, Refused> {
    short_text(text, MAX_VARIANT_CHARS, text.chars().count())
}

pub(super) fn short_text(
    text: &str,
    max: usize,
    length: usize,
) -> Result<Option<FieldValue>, Refused> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if length > max
        || trimmed
            .chars()
            .any(|c| c.is_control() || c == '\u{fffe}' || c == '\u{ffff}')
    {
        return Err(Refused);
    }
    // Kept, but never shown raw: `%E2%80%AE`, as a page stores it (limits count the text given).
    Ok(Some(escape_invisible_or_bidi(trimmed)))
}

/// A name goes with custom events, and they need one.
pub fn check_kind_and_name(kind: Kind, name: Option<&str>) -> Result<(), EventError> {
    match (kind, name) {
        (Kind::Event, None) => Err(EventError::BadField(Field::Name)),
        (Kind::View | Kind::Download | Kind::Bot | Kind::Engagement, Some(_)) => {
            Err(EventError::NameWithoutEvent)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
