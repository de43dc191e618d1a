//! The optional fields an event may carry besides its page and time: where the visitor came
//! from (referrer host, campaign), what happened (a view, a download, a named event), and the
//! A/B variant seen. Each is validated and bounded here, for every way in (pure code).

use serde::Serialize;
use url::Url;

use super::page::escape_invisible_or_bidi;
use super::EventError;

/// Longest source, medium or campaign, in bytes.
pub const MAX_CAMPAIGN_BYTES: usize = 100;
/// Longest custom event name, in characters.
pub const MAX_NAME_CHARS: usize = 50;
/// Longest A/B variant, in characters.
pub const MAX_VARIANT_CHARS: usize = 32;
/// Longest host name (DNS).
const MAX_HOST_BYTES: usize = 253;

/// What an event records: a page view (the default), a download of a file, or a custom event
/// with a name (a sign-up, a goal).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    View,
    Download,
    Event,
}

impl Kind {
    pub fn parse(text: &str) -> Result<Kind, EventError> {
        match text {
            "view" => Ok(Kind::View),
            "download" => Ok(Kind::Download),
            "event" => Ok(Kind::Event),
            _ => Err(EventError::BadKind),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::View => "view",
            Kind::Download => "download",
            Kind::Event => "event",
        }
    }

    pub fn is_view(&self) -> bool {
        *self == Kind::View
    }
}

/// The host a visitor came from, as stored: lowercase (IDNs in punycode), without `www.`, a
/// port, a path or a query. A full URL is reduced to its host; an empty value is no referrer.
pub fn referrer_host(text: &str) -> Result<Option<String>, EventError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let url = match text.contains("://") {
        true => Url::parse(text),
        false => Url::parse(&format!("http://{text}")),
    }
    .map_err(|_| EventError::BadReferrer)?;
    // A referrer names no user: `mailto:x@host` or `user@host` is not one.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(EventError::BadReferrer);
    }
    let host = url.host_str().ok_or(EventError::BadReferrer)?;
    let host = host.trim_end_matches('.');
    let host = host.strip_prefix("www.").unwrap_or(host);
    if host.is_empty() || host.len() > MAX_HOST_BYTES {
        return Err(EventError::BadReferrer);
    }
    Ok(Some(host.to_ascii_lowercase()))
}

/// A campaign's source, medium or name: trimmed, at most 100 bytes, no control characters; an
/// empty value is none. Invisible and bidi characters are stored escaped, as in a page.
pub fn campaign_part(text: &str, error: EventError) -> Result<Option<String>, EventError> {
    short_text(text, MAX_CAMPAIGN_BYTES, text.len(), error)
}

/// A custom event's name: at most 50 characters.
pub fn event_name(text: &str) -> Result<Option<String>, EventError> {
    short_text(
        text,
        MAX_NAME_CHARS,
        text.chars().count(),
        EventError::BadName,
    )
}

/// An A/B variant: at most 32 characters.
pub fn variant(text: &str) -> Result<Option<String>, EventError> {
    short_text(
        text,
        MAX_VARIANT_CHARS,
        text.chars().count(),
        EventError::BadVariant,
    )
}

fn short_text(
    text: &str,
    max: usize,
    length: usize,
    error: EventError,
) -> Result<Option<String>, EventError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if length > max
        || trimmed
            .chars()
            .any(|c| c.is_control() || c == '\u{fffe}' || c == '\u{ffff}')
    {
        return Err(error);
    }
    // Kept, but never shown raw: `%E2%80%AE`, as a page stores it (limits count the text given).
    Ok(Some(escape_invisible_or_bidi(trimmed)))
}

/// A name goes with custom events, and they need one.
pub fn check_kind_and_name(kind: Kind, name: Option<&str>) -> Result<(), EventError> {
    match (kind, name) {
        (Kind::Event, None) => Err(EventError::BadName),
        (Kind::View | Kind::Download, Some(_)) => Err(EventError::NameWithoutEvent),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referrers_are_reduced_to_their_host() {
        for (given, stored) in [
            ("https://www.Google.com/search?q=secret", Some("google.com")),
            ("news.ycombinator.com", Some("news.ycombinator.com")),
            ("http://blog.example.org:8080/a#b", Some("blog.example.org")),
            ("https://münchen.de/", Some("xn--mnchen-3ya.de")),
            (
                "android-app://com.google.android.gm/",
                Some("com.google.android.gm"),
            ),
            ("  ", None),
            ("", None),
        ] {
            assert_eq!(referrer_host(given).unwrap().as_deref(), stored, "{given}");
        }
        for bad in [
            "https://",
            "not a host",
            "http://a b/",
            "mailto:x@example.com",
        ] {
            assert_eq!(referrer_host(bad), Err(EventError::BadReferrer), "{bad}");
        }
    }

    #[test]
    fn short_fields_are_bounded() {
        assert_eq!(
            campaign_part(" spring ", EventError::BadSource),
            Ok(Some("spring".into()))
        );
        assert_eq!(campaign_part("", EventError::BadSource), Ok(None));
        let long = "x".repeat(101);
        assert_eq!(
            campaign_part(&long, EventError::BadSource),
            Err(EventError::BadSource)
        );
        assert_eq!(event_name(&"é".repeat(50)), Ok(Some("é".repeat(50))));
        assert_eq!(event_name(&"é".repeat(51)), Err(EventError::BadName));
        assert_eq!(variant("B"), Ok(Some("B".into())));
        assert_eq!(variant("tab\there"), Err(EventError::BadVariant));
        assert_eq!(variant(&"v".repeat(33)), Err(EventError::BadVariant));
        // Invisible and bidi characters are kept, escaped.
        assert_eq!(
            campaign_part("spring\u{202e}elas", EventError::BadCampaign),
            Ok(Some("spring%E2%80%AEelas".into()))
        );
        assert_eq!(
            event_name("sign\u{200b}up"),
            Ok(Some("sign%E2%80%8Bup".into()))
        );
        assert_eq!(variant("\u{2067}B"), Ok(Some("%E2%81%A7B".into())));
        // Stored values pass again unchanged (a drain checks what the queue carries).
        assert_eq!(variant("%E2%81%A7B"), Ok(Some("%E2%81%A7B".into())));
    }

    #[test]
    fn kinds_and_names_go_together() {
        assert_eq!(Kind::parse("download"), Ok(Kind::Download));
        assert_eq!(Kind::parse("click"), Err(EventError::BadKind));
        assert!(check_kind_and_name(Kind::Event, Some("signup")).is_ok());
        assert_eq!(
            check_kind_and_name(Kind::Event, None),
            Err(EventError::BadName)
        );
        assert_eq!(
            check_kind_and_name(Kind::View, Some("signup")),
            Err(EventError::NameWithoutEvent)
        );
        assert!(check_kind_and_name(Kind::Download, None).is_ok());
    }
}
