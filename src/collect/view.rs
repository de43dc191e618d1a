//! One view as a client reports it (JSON body or query string), and the event the collector
//! makes of it: the server's time, an id given on arrival (or derived from the page view's
//! token, which engagement beacons share), the page reduced to its path, the campaign and
//! variant of the page's URL, the referrer reduced to its host, the screen class; and an
//! engagement beacon's engaged time and scroll depth.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::backend::random_token;
use crate::model::event::engagement::check_kind_and_engagement;
use crate::model::event::fields::check_kind_and_name;
use crate::model::event::location::{read_location, BadLocation, LinkTags, Location};
use crate::model::event::{
    parse_time, validate_id, Event, EventError, Field, FieldText, FieldValue, Kind,
};

/// Longest page-view token a script may send, in characters.
pub const MAX_TOKEN_CHARS: usize = 64;
/// Shortest, so that two page views do not share one by chance.
pub const MIN_TOKEN_CHARS: usize = 16;
/// Most engagement beacons one page view may send (`seq` 0 to 999).
pub const MAX_BEACONS_PER_VIEW: u32 = 1000;

/// The fields a client may send; anything else in the body is ignored. The page and the
/// referrer, the longest and read only to be checked, borrow from the body or the query.
#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
pub struct ViewFields<'a> {
    /// The page's URL (or path): its campaign parameters and variant are read from its query,
    /// which is then dropped.
    #[serde(default, borrow, deserialize_with = "borrowed_text")]
    pub page: Option<Cow<'a, str>>,
    /// RFC 3339; used only with `--trust-client-time`.
    pub time: Option<String>,
    /// Used only with `--trust-client-time`, so that a replay sent twice is stored once.
    pub id: Option<String>,
    /// `view` (the default), `download` (`page` is then the file's URL) or `event`.
    pub kind: Option<FieldValue>,
    /// A custom event's name.
    pub name: Option<FieldValue>,
    /// Where the visitor came from (`document.referrer`; the pixel's `r`): kept as a host.
    #[serde(default, borrow, deserialize_with = "borrowed_text")]
    pub referrer: Option<Cow<'a, str>>,
    /// The A/B variant the page shows; wins over a `variant` parameter of the page's URL.
    pub variant: Option<FieldValue>,
    /// The screen's class by its CSS width (phone, tablet, laptop, desktop), never its size.
    pub screen: Option<FieldValue>,
    /// A random token the script makes for each page view and sends with the view and its
    /// engagement beacons: their ids are derived from it with the day's salt (`view_token`),
    /// so a beacon sent twice is stored once. The token itself is never stored.
    pub token: Option<String>,
    /// An engagement beacon's number among its view's beacons, from 0.
    pub seq: Option<u32>,
    /// An engagement beacon's engaged milliseconds and scroll depths (a number or its text).
    #[serde(default, deserialize_with = "number_or_text")]
    pub engaged_ms: Option<FieldValue>,
    #[serde(default, deserialize_with = "number_or_text")]
    pub scroll: Option<FieldValue>,
    #[serde(default, deserialize_with = "number_or_text")]
    pub scroll_before: Option<FieldValue>,
    /// Tags of the link that led here besides the page's URL (a download link's own
    /// `utm_*`); they win over the page URL's. Never read from a client's body.
    #[serde(skip)]
    pub link: LinkTags,
}

fn number_or_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<FieldValue>, D::Error> {
    FieldText::deserialize(deserializer).map(|text| text.0)
}

/// A string of the body, borrowed unless it had escapes to decode; or null for none.
fn borrowed_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct Text;
    impl<'de> serde::de::Visitor<'de> for Text {
        type Value = Option<Cow<'de, str>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string")
        }

        fn visit_borrowed_str<E: serde::de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(text)))
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(text.to_owned())))
        }

        fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(text)))
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: serde::Deserializer<'de>>(self, text: D) -> Result<Self::Value, D::Error> {
            text.deserialize_str(Text)
        }
    }
    deserializer.deserialize_option(Text)
}

impl<'a> ViewFields<'a> {
    /// A `POST /v1/view` body: `{"page": "/path"}`, optionally with `id` and `time`.
    pub fn from_json(body: &'a [u8]) -> Result<ViewFields<'a>, BadView> {
        serde_json::from_slice(body).map_err(|err| {
            let reason = if err.is_data() {
                "body must be a JSON object with a string `page`"
            } else {
                "body is not JSON"
            };
            BadView::new("malformed", reason)
        })
    }

    /// The article's beacon and the pixel: `?page=/path&time=...`, `r` for the referrer.
    pub fn from_query(query: Option<&'a str>) -> Result<ViewFields<'a>, BadView> {
        let mut fields = ViewFields::default();
        let query = query.unwrap_or("").as_bytes();
        for (name, value) in url::form_urlencoded::parse(query) {
            match name.as_ref() {
                "page" => once(&mut fields.page, &name, value)?,
                "time" => once(&mut fields.time, &name, value)?,
                "id" => once(&mut fields.id, &name, value)?,
                "r" => once(&mut fields.referrer, &name, value)?,
                "variant" => once(&mut fields.variant, &name, value)?,
                "screen" => once(&mut fields.screen, &name, value)?,
                _ => continue,
            }
        }
        Ok(fields)
    }
}

/// Fills a query parameter's slot; a parameter given twice is refused.
fn once<'a, T: From<Cow<'a, str>>>(
    slot: &mut Option<T>,
    name: &str,
    value: Cow<'a, str>,
) -> Result<(), BadView> {
    if slot.is_some() {
        return Err(BadView::new("malformed", format!("`{name}` given twice")));
    }
    *slot = Some(T::from(value));
    Ok(())
}

/// A view the collector refuses with 400: a stable code for metrics and a reason for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadView {
    pub code: &'static str,
    pub reason: String,
}

impl BadView {
    pub(crate) fn new(code: &'static str, reason: impl Into<String>) -> Self {
        BadView {
            code,
            reason: reason.into(),
        }
    }
}

impl From<EventError> for BadView {
    fn from(err: EventError) -> Self {
        BadView::new(err.code(), err.to_string())
    }
}

impl From<BadLocation> for BadView {
    fn from(bad: BadLocation) -> Self {
        match bad.parameter {
            Some(parameter) => BadView::new(
                bad.error.code(),
                format!("`{parameter}` in the URL: {}", bad.error),
            ),
            None => bad.error.into(),
        }
    }
}

/// How fields become an event; set once from the command line.
#[derive(Debug, Clone, Default)]
pub struct ViewRules {
    /// Query parameters kept in the stored page (`--keep-query`).
    pub keep_query: Vec<String>,
    /// Use the client's `time` when it sends one (`--trust-client-time`, for replays).
    pub trust_client_time: bool,
}

/// Gives each accepted view an id on arrival: a random prefix per collector process and a
/// counter, so two collectors never collide and nothing in it says who the visitor was.
pub struct IdSource {
    prefix: String,
    next: AtomicU64,
}

impl IdSource {
    pub fn new() -> Self {
        IdSource {
            prefix: format!("c{}", &random_token()[..12]),
            next: AtomicU64::new(0),
        }
    }

    fn next_id(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n:x}", self.prefix)
    }
}

impl Default for IdSource {
    fn default() -> Self {
        IdSource::new()
    }
}

/// The page view a request names by its token: the token, and the beacon's number for an
/// engagement beacon (`None` for the view itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewToken {
    pub token: String,
    pub beacon: Option<u32>,
}

impl ViewToken {
    /// The event's id, from the token's keyed digest under the day's salt: `p` and 16 hex
    /// digits for the view, then `.N` for its beacon N. Nothing the client chose is stored.
    pub fn event_id(&self, digest: u64) -> String {
        match self.beacon {
            None => format!("p{digest:016x}"),
            Some(beacon) => format!("p{digest:016x}.{beacon}"),
        }
    }
}

/// The token of the page view a request belongs to, when its id is to be derived from one:
/// always for an engagement beacon (which must name its view and its number), for a view when
/// the script sent one. A replay's own id (`--trust-client-time`) wins.
pub fn view_token(fields: &ViewFields, rules: &ViewRules) -> Result<Option<ViewToken>, BadView> {
    if rules.trust_client_time && fields.id.is_some() {
        return Ok(None);
    }
    let engagement = fields.kind.as_deref() == Some(Kind::Engagement.as_str());
    let Some(token) = &fields.token else {
        return match engagement {
            true => Err(BadView::new(
                "bad-token",
                "an engagement beacon needs its view's `token` and its number `seq`",
            )),
            false => Ok(None),
        };
    };
    let length = token.chars().count();
    if !(MIN_TOKEN_CHARS..=MAX_TOKEN_CHARS).contains(&length)
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(BadView::new(
            "bad-token",
            format!(
                "token must be {MIN_TOKEN_CHARS} to {MAX_TOKEN_CHARS} letters, digits, '-' or '_'"
            ),
        ));
    }
    let beacon = match (engagement, fields.seq) {
        (false, _) => None,
        (true, Some(seq)) if seq < MAX_BEACONS_PER_VIEW => Some(seq),
        (true, _) => {
            return Err(BadView::new(
                "bad-seq",
                format!(
                    "an engagement beacon needs `seq`, its number from 0 to {}",
                    MAX_BEACONS_PER_VIEW - 1
                ),
            ))
        }
    };
    Ok(Some(ViewToken {
        token: token.clone(),
        beacon,
    }))
}

/// Validates the fields and makes the event to queue. `now` is the receive time.
pub fn to_event(
    fields: ViewFields,
    rules: &ViewRules,
    ids: &IdSource,
    now: DateTime<Utc>,
) -> Result<Event, BadView> {
    let raw_page = fields.page.ok_or(EventError::MissingPage)?;
    let Location { page, tags } = read_location(&raw_page, &rules.keep_query)?;
    let kind = fields.kind.as_deref().map_or(Ok(Kind::View), Kind::parse)?;
    if kind == Kind::Bot {
        // Only the collector says what is a bot's.
        return Err(BadView::new(
            "bad-kind",
            "kind must be view, download, event or engagement",
        ));
    }
    // The variant the page says it shows (its meta tag or cookie) is what the visitor saw,
    // whatever the link that brought them said; a link's own tags win over the page URL's.
    let mut said = LinkTags::default();
    for (field, text) in [
        (Field::Name, fields.name.as_deref()),
        (Field::Referrer, fields.referrer.as_deref()),
        (Field::Variant, fields.variant.as_deref()),
        (Field::Screen, fields.screen.as_deref()),
        (Field::EngagedMs, fields.engaged_ms.as_deref()),
        (Field::Scroll, fields.scroll.as_deref()),
        (Field::ScrollBefore, fields.scroll_before.as_deref()),
    ] {
        said.fields.set(field, optional(text, field)?);
    }
    let tags = said.or(fields.link).or(tags);
    check_kind_and_name(kind, tags.get(Field::Name))?;
    check_kind_and_engagement(kind, &tags.fields)?;
    // A client's time and id are a replay's; live views get the arrival time and a fresh id,
    // so a client cannot store data of its own choosing in the id.
    let (time, id) = match rules.trust_client_time {
        false => (now, ids.next_id()),
        true => (
            fields
                .time
                .as_deref()
                .map_or(Ok(now), |time| parse_time(time, now))?,
            match fields.id {
                Some(id) => {
                    validate_id(&id)?;
                    id
                }
                None => ids.next_id(),
            },
        ),
    };
    Ok(Event {
        id,
        page,
        time,
        visitor: None,
        kind,
        fields: tags.fields,
    })
}

/// The event of a bot's hit on what `fields` name: the page (or file) without query, or `/`
/// when the request names none it could be; the arrival time, a fresh id, nothing else of the
/// request (the caller adds the bot's category and name).
pub fn bot_event(fields: &ViewFields, ids: &IdSource, now: DateTime<Utc>) -> Event {
    let page = fields
        .page
        .as_deref()
        .and_then(|page| read_location(page, &[]).ok())
        .map_or_else(|| "/".to_owned(), |location| location.page);
    Event {
        id: ids.next_id(),
        page,
        time: now,
        visitor: None,
        kind: Kind::Bot,
        fields: Default::default(),
    }
}

/// An optional field through its rule: absent stays absent.
fn optional(text: Option<&str>, field: Field) -> Result<Option<FieldValue>, EventError> {
    text.map_or(Ok(None), |text| field.check(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-27T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_server_time_wins_unless_the_client_is_trusted() {
        let fields = || ViewFields {
            page: Some("/a?x=1".into()),
            time: Some("2021-03-13T12:34:56Z".into()),
            ..ViewFields::default()
        };
        let ids = IdSource::new();
        let event = to_event(fields(), &ViewRules::default(), &ids, now()).unwrap();
        assert_eq!(event.time, now());
        assert_eq!(event.page, "/a");
        let trusted = ViewRules {
            trust_client_time: true,
            ..ViewRules::default()
        };
        let replayed = to_event(fields(), &trusted, &ids, now()).unwrap();
        assert_eq!(replayed.time.to_rfc3339(), "2021-03-13T12:34:56+00:00");
        assert_ne!(event.id, replayed.id, "every view gets a fresh id");
    }

    #[test]
    fn a_beacon_names_its_view_by_token_and_number_and_gets_an_id_derived_from_them() {
        let rules = ViewRules::default();
        let token = "0123456789abcdef01234567".to_owned();
        let beacon = |token: Option<&str>, seq: Option<u32>| ViewFields {
            page: Some("/a".into()),
            kind: Some("engagement".into()),
            token: token.map(str::to_owned),
            seq,
            engaged_ms: Some("1500".into()),
            ..ViewFields::default()
        };
        let named = view_token(&beacon(Some(&token), Some(3)), &rules)
            .unwrap()
            .unwrap();
        assert_eq!(named.beacon, Some(3));
        assert_eq!(named.event_id(0xab), "p00000000000000ab.3");
        let view = ViewFields {
            page: Some("/a".into()),
            token: Some(token.clone()),
            seq: Some(3),
            ..ViewFields::default()
        };
        let of_view = view_token(&view, &rules).unwrap().unwrap();
        assert_eq!(of_view.event_id(0xab), "p00000000000000ab");
        // A view without a token keeps its fresh id; a beacon without one is refused.
        assert_eq!(view_token(&ViewFields::default(), &rules).unwrap(), None);
        for (fields, code) in [
            (beacon(None, Some(0)), "bad-token"),
            (beacon(Some("short"), Some(0)), "bad-token"),
            (beacon(Some("0123456789abcdef 0123"), Some(0)), "bad-token"),
            (beacon(Some(&"x".repeat(65)), Some(0)), "bad-token"),
            (beacon(Some(&token), None), "bad-seq"),
            (beacon(Some(&token), Some(MAX_BEACONS_PER_VIEW)), "bad-seq"),
        ] {
            assert_eq!(view_token(&fields, &rules).unwrap_err().code, code);
        }
        // A replay's own id wins.
        let trusted = ViewRules {
            trust_client_time: true,
            ..ViewRules::default()
        };
        let replayed = ViewFields {
            id: Some("r1".into()),
            ..beacon(Some(&token), Some(0))
        };
        assert_eq!(view_token(&replayed, &trusted).unwrap(), None);
    }

    #[test]
    fn query_fields_decode_and_refuse_repeats() {
        let fields =
            ViewFields::from_query(Some("page=%2Fposts%2Fx&time=2021-03-13T12:34:56Z&utm=1"))
                .unwrap();
        assert_eq!(fields.page.as_deref(), Some("/posts/x"));
        assert_eq!(fields.time.as_deref(), Some("2021-03-13T12:34:56Z"));
        assert_eq!(
            ViewFields::from_query(Some("page=/a&page=/b"))
                .unwrap_err()
                .code,
            "malformed"
        );
        assert_eq!(ViewFields::from_query(None).unwrap(), ViewFields::default());
    }

    #[test]
    fn the_new_fields_go_through_their_rules() {
        let body = br#"{"page": "https://site.test/offer?utm_source=news&utm_medium=email&utm_campaign=spring&variant=A&q=secret",
            "referrer": "https://www.Google.com/search?q=secret", "variant": "B", "screen": "Phone"}"#;
        let fields = ViewFields::from_json(body).unwrap();
        let event = to_event(fields, &ViewRules::default(), &IdSource::new(), now()).unwrap();
        assert_eq!(event.page, "/offer");
        assert_eq!(event.kind, Kind::View);
        assert_eq!(event.field(Field::Referrer), Some("google.com"));
        assert_eq!(event.field(Field::Source), Some("news"));
        assert_eq!(event.field(Field::Medium), Some("email"));
        assert_eq!(event.field(Field::Campaign), Some("spring"));
        // The page's own variant wins over its link's.
        assert_eq!(event.field(Field::Variant), Some("B"));
        assert_eq!(event.field(Field::Screen), Some("phone"));

        let custom = br#"{"page": "/pricing", "kind": "event", "name": "signup"}"#;
        let fields = ViewFields::from_json(custom).unwrap();
        let event = to_event(fields, &ViewRules::default(), &IdSource::new(), now()).unwrap();
        assert_eq!(
            (event.kind, event.field(Field::Name)),
            (Kind::Event, Some("signup"))
        );

        let pixel =
            ViewFields::from_query(Some("page=/a%3Fvariant%3DC&r=news.example.org")).unwrap();
        let event = to_event(pixel, &ViewRules::default(), &IdSource::new(), now()).unwrap();
        assert_eq!(event.field(Field::Referrer), Some("news.example.org"));
        assert_eq!(event.field(Field::Variant), Some("C"));

        let refused = |body: &str| {
            let fields = ViewFields::from_json(body.as_bytes()).expect(body);
            to_event(fields, &ViewRules::default(), &IdSource::new(), now()).unwrap_err()
        };
        for (body, code, says) in [
            (
                r#"{"page": "/", "kind": "click"}"#,
                "bad-kind",
                "kind must be",
            ),
            (
                r#"{"page": "/", "kind": "event"}"#,
                "bad-name",
                "needs a name",
            ),
            (
                r#"{"page": "/", "name": "signup"}"#,
                "name-without-event",
                "name is for",
            ),
            (
                r#"{"page": "/", "referrer": "not a host"}"#,
                "bad-referrer",
                "referrer must be",
            ),
            (
                r#"{"page": "/", "variant": "\u0007"}"#,
                "bad-variant",
                "variant must be",
            ),
            (
                r#"{"page": "/", "screen": "1920x1080"}"#,
                "bad-screen",
                "screen must be",
            ),
            (
                r#"{"page": "/", "kind": "bot"}"#,
                "bad-kind",
                "kind must be view, download, event or engagement",
            ),
            (
                r#"{"page": "/", "kind": "engagement", "scroll": 20}"#,
                "bad-engaged-ms",
                "an engagement beacon needs engaged_ms",
            ),
            (
                r#"{"page": "/", "scroll": 20}"#,
                "engagement-without-beacon",
                "are for events of kind engagement only",
            ),
            (
                r#"{"page": "/", "kind": "engagement", "engaged_ms": 14400001}"#,
                "bad-engaged-ms",
                "14400000 (4 hours)",
            ),
            (
                r#"{"page": "/?utm_source=a%00b"}"#,
                "bad-source",
                "`utm_source` in the URL: source must be",
            ),
        ] {
            let err = refused(body);
            assert_eq!(err.code, code, "{body}");
            assert!(err.reason.contains(says), "{body}: {}", err.reason);
        }
    }

    #[test]
    fn a_bots_hit_keeps_the_path_only() {
        let ids = IdSource::new();
        let fields = ViewFields {
            page: Some("https://site.test/posts/a?utm_source=x#top".into()),
            kind: Some("event".into()),
            ..ViewFields::default()
        };
        let event = bot_event(&fields, &ids, now());
        assert_eq!((event.kind, event.page.as_str()), (Kind::Bot, "/posts/a"));
        assert_eq!((event.time, event.visitor), (now(), None));
        assert_eq!(event.fields, Default::default());
        let nameless = bot_event(&ViewFields::default(), &ids, now());
        assert_eq!(nameless.page, "/");
    }

    #[test]
    fn bad_bodies_get_a_short_reason() {
        assert_eq!(
            ViewFields::from_json(b"{").unwrap_err().reason,
            "body is not JSON"
        );
        assert_eq!(
            ViewFields::from_json(br#"{"page": 5}"#).unwrap_err().reason,
            "body must be a JSON object with a string `page`"
        );
        let missing = ViewFields::from_json(b"{}").unwrap();
        let err = to_event(missing, &ViewRules::default(), &IdSource::new(), now()).unwrap_err();
        assert_eq!(err.code, "missing-page");
        let bad_id = || ViewFields {
            page: Some("/".into()),
            id: Some("\u{ffff}".into()),
            ..ViewFields::default()
        };
        let trusted = ViewRules {
            trust_client_time: true,
            ..ViewRules::default()
        };
        let err = to_event(bad_id(), &trusted, &IdSource::new(), now()).unwrap_err();
        assert_eq!(err.code, "bad-id");
        // Live views ignore a client's id altogether.
        let live = to_event(bad_id(), &ViewRules::default(), &IdSource::new(), now()).unwrap();
        assert!(live.id.starts_with('c'), "{}", live.id);
    }

    #[test]
    fn the_page_and_referrer_borrow_from_the_body_unless_escapes_were_decoded() {
        let body =
            br#"{"page": "https://site.test/a?utm_source=x", "referrer": "https:\/\/b.test\/"}"#;
        let fields = ViewFields::from_json(body).unwrap();
        assert!(matches!(
            fields.page,
            Some(Cow::Borrowed("https://site.test/a?utm_source=x"))
        ));
        assert!(matches!(&fields.referrer, Some(Cow::Owned(text)) if text == "https://b.test/"));
        let none = ViewFields::from_json(br#"{"page": "/", "referrer": null}"#).unwrap();
        assert_eq!(none.referrer, None);
        let err = ViewFields::from_json(br#"{"page": 5}"#).unwrap_err();
        assert_eq!(err.code, "malformed");
        assert_eq!(
            err.reason,
            "body must be a JSON object with a string `page`"
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Whatever a client sends as a body or query string, the answer is an event whose
            /// page is a valid path without query, or a refusal: never a panic.
            #[test]
            fn any_request_becomes_a_valid_event_or_a_refusal(
                body in proptest::collection::vec(any::<u8>(), 0..300),
                query in ".{0,200}",
                page in "(https?://[a-z.]{1,10})?/?[ -~\u{80}-\u{10ffff}]{0,100}",
            ) {
                let rules = ViewRules::default();
                let ids = IdSource::new();
                let fields = [
                    ViewFields::from_json(&body),
                    ViewFields::from_query(Some(&query)),
                    Ok(ViewFields { page: Some(page.into()), ..ViewFields::default() }),
                ];
                for fields in fields.into_iter().flatten() {
                    if let Ok(event) = to_event(fields, &rules, &ids, now()) {
                        prop_assert!(crate::model::event::validate_page(&event.page).is_ok());
                        let canonical = crate::model::event::normalise(&event.page);
                        prop_assert_eq!(canonical.as_ref(), Ok(&event.page));
                        prop_assert!(!event.page.contains('?') && !event.page.contains('#'));
                        prop_assert_eq!(event.time, now());
                    }
                }
            }
        }
    }
}
