//! What a browser reports as its location, reduced to the page we store: a path, plus only the
//! query parameters the operator chose to keep; and what the location's query says about how
//! the visitor came (campaign parameters, an email link's A/B variant), read before the query
//! is dropped (pure code).

use std::borrow::Cow;
use url::Url;

use crate::model::event::page::normalise_owned;
use crate::model::event::plain_url;
use crate::model::event::{EventError, Field, Fields, MAX_PAGE_BYTES};

/// A location as the collector keeps it: the stored page and the link's tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub page: String,
    pub tags: LinkTags,
}

/// What a link's query says about how the visitor came: the campaign (`utm_source`, or else
/// `ref`, or else `source`; `utm_medium`; `utm_campaign`) and an A/B variant (`variant`, as the
/// links of an email test carry it), as the event's fields they become. Each value is checked
/// by its field's rule (`event::fields`); the first of repeated parameters counts.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LinkTags {
    pub fields: Fields,
}

/// A location or one of its parameters that an event cannot carry: the parameter is named as
/// the link spells it (`None` for the page itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLocation {
    pub parameter: Option<&'static str>,
    pub error: EventError,
}

impl From<EventError> for BadLocation {
    fn from(error: EventError) -> Self {
        BadLocation {
            parameter: None,
            error,
        }
    }
}

/// The parameters `LinkTags` reads and the field each gives, in the order a source is looked
/// for.
const TAG_PARAMETERS: [(&str, Field); 6] = [
    ("utm_source", Field::Source),
    ("ref", Field::Source),
    ("source", Field::Source),
    ("utm_medium", Field::Medium),
    ("utm_campaign", Field::Campaign),
    ("variant", Field::Variant),
];

impl LinkTags {
    /// The tags of a query's name-value pairs; other parameters are ignored.
    pub fn from_pairs<'a>(
        pairs: impl Iterator<Item = (Cow<'a, str>, Cow<'a, str>)>,
    ) -> Result<LinkTags, BadLocation> {
        let mut found: [Option<Cow<'a, str>>; TAG_PARAMETERS.len()] = Default::default();
        for (name, value) in pairs {
            if let Some(at) = TAG_PARAMETERS
                .iter()
                .position(|(wanted, _)| *wanted == name)
            {
                found[at].get_or_insert(value);
            }
        }
        let mut fields = Fields::default();
        for ((parameter, field), value) in TAG_PARAMETERS.iter().zip(&found) {
            let Some(value) = value else { continue };
            if fields.get(*field).is_some() {
                continue;
            }
            let checked = field.check(value).map_err(|error| BadLocation {
                parameter: Some(parameter),
                error,
            })?;
            fields.set(*field, checked);
        }
        Ok(LinkTags { fields })
    }

    /// These tags, each one missing taken from `other`.
    pub fn or(mut self, other: LinkTags) -> LinkTags {
        self.fields.fill_missing(other.fields);
        self
    }

    pub fn get(&self, field: Field) -> Option<&str> {
        self.fields.get(field)
    }
}

/// The stored page of a location (as `reduce_to_path`) and its link's tags.
pub fn read_location(raw: &str, keep: &[String]) -> Result<Location, BadLocation> {
    match plain_location(raw, keep) {
        Some(location) => location,
        None => parsed_location(raw, keep),
    }
}

/// A location the URL parser would leave as it is, read without it (the parser was a sixth
/// of an import's reading of a line): a path of letters, digits and `-._~/` with no dot
/// segment and no `//`, and a query of those and `=&+%`, with no parameter to keep, alone or
/// after a plain scheme and host (`plain_url`: the page a script sends is its whole URL). The
/// page and tags are the parser's, as `a_plain_location_is_read_as_the_url_parser_reads_it`
/// checks; anything else goes through the parser. None when it is not such a location.
fn plain_location(raw: &str, keep: &[String]) -> Option<Result<Location, BadLocation>> {
    // The host of a whole URL is not stored: only its path and query are read.
    let local = plain_url::split(raw).map_or(raw, |(_, rest)| rest);
    let (path, query) = match local.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (local, None),
    };
    let plain = keep.is_empty()
        && raw.len() <= 3 * MAX_PAGE_BYTES
        && path.starts_with('/')
        && !path.contains("//")
        && !path.contains("/.")
        && path.bytes().all(plain_path_byte)
        && query.is_none_or(|query| query.bytes().all(plain_query_byte));
    if !plain {
        return None;
    }
    let tags = match query {
        Some(query) => LinkTags::from_pairs(url::form_urlencoded::parse(query.as_bytes())),
        None => Ok(LinkTags::default()),
    };
    Some(tags.and_then(|tags| {
        let page = normalise_owned(path.to_owned())?;
        Ok(Location { page, tags })
    }))
}

/// A byte the URL parser keeps as it is in a path.
fn plain_path_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/')
}

/// A byte the URL parser keeps as it is in a query.
fn plain_query_byte(byte: u8) -> bool {
    plain_path_byte(byte) || matches!(byte, b'=' | b'&' | b'+' | b'%')
}

/// The stored page and tags as the URL parser reads the location.
fn parsed_location(raw: &str, keep: &[String]) -> Result<Location, BadLocation> {
    let url = parse_location(raw)?;
    let tags = match url.query() {
        Some(_) => LinkTags::from_pairs(url.query_pairs())?,
        None => LinkTags::default(),
    };
    Ok(Location {
        page: stored_page(&url, keep)?,
        tags,
    })
}

/// Turns `/a/b?utm_source=x&q=secret#top` or a full URL into a stored page such as
/// `/a/b?utm_source=x` (with `keep = ["utm_source"]`). Fragments and every query parameter not
/// named in `keep` are dropped, so nothing a visitor typed into a search box is stored. The page
/// is then spelt as every other way in spells it (`event::page`): `/caf%C3%A9` is `/café`.
#[cfg(test)]
pub fn reduce_to_path(raw: &str, keep: &[String]) -> Result<String, EventError> {
    stored_page(&parse_location(raw)?, keep)
}

fn stored_page(url: &Url, keep: &[String]) -> Result<String, EventError> {
    let mut page = url.path().to_owned();
    if let Some(query) = kept_query(url, keep) {
        page.push('?');
        page.push_str(&query);
    }
    normalise_owned(page)
}

/// A full http(s) URL, or a path resolved against a placeholder origin, so that a location
/// is read the way a browser reads it (`\` as `/`, a tab dropped) before it is normalised.
fn parse_location(raw: &str) -> Result<Url, EventError> {
    let raw = raw.trim();
    // Parsing a huge string only to refuse it later wastes work a client chose for us. A page
    // at the limit, percent-encoded as browsers send it, is up to three times as long.
    if raw.len() > 3 * MAX_PAGE_BYTES {
        return Err(EventError::PageTooLong(raw.len()));
    }
    let lower = raw.get(..8).unwrap_or(raw).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Url::parse(raw).map_err(|_| EventError::PageNotPath);
    }
    if !raw.starts_with('/') {
        return Err(EventError::PageNotPath);
    }
    // Parsed once per process, not once per location.
    static BASE: std::sync::LazyLock<Url> = std::sync::LazyLock::new(|| {
        Url::parse("http://page.invalid/").expect("a constant URL parses")
    });
    BASE.join(raw).map_err(|_| EventError::PageNotPath)
}

fn kept_query(url: &Url, keep: &[String]) -> Option<String> {
    if keep.is_empty() || url.query().is_none() {
        return None;
    }
    let mut kept = url::form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (name, value) in url.query_pairs() {
        if keep.iter().any(|wanted| *wanted == name) {
            kept.append_pair(&name, &value);
            any = true;
        }
    }
    any.then(|| kept.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn a_plain_location_is_read_as_the_url_parser_reads_it() {
        let long = format!("/{}", "a".repeat(3 * MAX_PAGE_BYTES));
        let plain = [
            "/",
            "/posts/171",
            "/Posts/A-b_c~d.html",
            "/a.",
            "/a?",
            "/a?utm_source=news&utm_medium=email",
            "/a?utm_source=a+b&utm_campaign=x%20y&q=1",
            "/a?utm_source=%E9&ref=x",
            "/a?utm_source=&utm_source=second",
            "/a?variant=B&variant=C",
            "/a?utm_source=%zz",
            "http://site.test/posts/001?utm_source=hn&utm_medium=email&fbclid=x1",
            "https://Blog.Example.org:8443/a/b.html",
            "https://site.test./?ref=feed",
            "http://example.com/a",
            &format!("/a?utm_source={}", "x".repeat(500)),
            &format!("/{}", "x".repeat(MAX_PAGE_BYTES + 1)),
        ];
        for raw in plain {
            let read = plain_location(raw, &[]).unwrap_or_else(|| panic!("{raw} is plain"));
            assert_eq!(read, parsed_location(raw, &[]), "{raw}");
        }
        let not_plain = [
            "posts",
            "http://site.test",
            "http://site.test?utm_source=x",
            "http://site.test//a",
            "http://1.2.3.4/a",
            "http://user@site.test/a",
            "HTTP://site.test/a",
            "http://site.test/a#top",
            "//evil.example/a",
            "/a//b",
            "/a/./b",
            "/a/../b",
            "/.well-known/x",
            "/caf%C3%A9",
            "/a b",
            " /a",
            "/a\\b",
            "/a#top",
            "/a?q=1#top",
            "/a?q=a b",
            "/a?q=1?2",
            &long,
        ];
        for raw in not_plain {
            assert!(plain_location(raw, &[]).is_none(), "{raw}");
        }
        assert!(plain_location("/a?utm_source=x", &keep(&["utm_source"])).is_none());
    }

    #[test]
    fn drops_query_and_fragment_by_default() {
        assert_eq!(reduce_to_path("/a/b?q=secret#top", &[]), Ok("/a/b".into()));
        assert_eq!(reduce_to_path("/", &[]), Ok("/".into()));
        assert_eq!(
            reduce_to_path("https://example.com/posts/x?email=a@b.c", &[]),
            Ok("/posts/x".into())
        );
        assert_eq!(reduce_to_path("HTTPS://example.com", &[]), Ok("/".into()));
    }

    #[test]
    fn keeps_only_named_parameters_in_their_order() {
        let rules = keep(&["utm_source", "ref"]);
        assert_eq!(
            reduce_to_path("/p?q=secret&ref=hn&utm_source=news%20letter#x", &rules),
            Ok("/p?ref=hn&utm_source=news+letter".into())
        );
        assert_eq!(reduce_to_path("/p?q=secret", &rules), Ok("/p".into()));
    }

    #[test]
    fn normalises_like_every_other_way_in() {
        assert_eq!(reduce_to_path("/a/../b/./c", &[]), Ok("/b/c".into()));
        assert_eq!(reduce_to_path("/%2e%2e/secret", &[]), Ok("/secret".into()));
        assert_eq!(reduce_to_path("/caf\u{e9} x", &[]), Ok("/café x".into()));
        assert_eq!(
            reduce_to_path("/%C3%BCn%C3%AF/%E6%97%A5%E6%9C%AC", &[]),
            Ok("/ünï/日本".into())
        );
        assert_eq!(reduce_to_path("/a%2fb", &[]), Ok("/a%2Fb".into()));
        assert_eq!(reduce_to_path("  /padded  ", &[]), Ok("/padded".into()));
        // A control character is percent-encoded on the way, never stored raw.
        assert_eq!(reduce_to_path("/a\u{7f}b", &[]), Ok("/a%7Fb".into()));
        let rules = keep(&["q"]);
        assert_eq!(
            reduce_to_path("/p?q=caf%C3%A9%20au%2Blait", &rules),
            Ok("/p?q=café+au%2Blait".into())
        );
        // The example of docs/collector.md.
        let location = "https://site.example/caf%C3%A9/../menu%20du%20jour?utm_source=x&q=s#top";
        assert_eq!(
            reduce_to_path(location, &keep(&["utm_source"])),
            Ok("/menu du jour?utm_source=x".into())
        );
    }

    #[test]
    fn the_length_limit_is_on_the_stored_page() {
        // 1,999 bytes as a browser sends it, 667 stored.
        let encoded = format!("/{}", "%E6%97%A5".repeat(222));
        assert_eq!(
            reduce_to_path(&encoded, &[]).map(|page| page.len()),
            Ok(667)
        );
        let over = format!("/ab{}", "%E6%97%A5".repeat(233));
        assert_eq!(
            reduce_to_path(&over, &[]),
            Err(EventError::PageTooLong(702))
        );
    }

    #[test]
    fn refuses_what_is_not_a_page() {
        for bad in [
            "",
            "relative/path",
            "javascript:alert(1)",
            "ftp://x/y",
            "http://",
        ] {
            assert_eq!(
                reduce_to_path(bad, &[]),
                Err(EventError::PageNotPath),
                "{bad:?}"
            );
        }
        let long = format!("/{}", "a".repeat(MAX_PAGE_BYTES));
        assert!(matches!(
            reduce_to_path(&long, &[]),
            Err(EventError::PageTooLong(_))
        ));
        let huge = format!("/{}", "a".repeat(10 * MAX_PAGE_BYTES));
        assert!(matches!(
            reduce_to_path(&huge, &[]),
            Err(EventError::PageTooLong(_))
        ));
    }

    #[test]
    fn campaign_parameters_and_the_variant_are_read_before_the_query_goes() {
        let location = read_location(
            "https://site.test/offer?utm_source=news%20letter&utm_medium=email\
             &utm_campaign=spring&variant=B&email=someone%40example.com#top",
            &[],
        )
        .unwrap();
        assert_eq!(location.page, "/offer");
        assert_eq!(
            location.tags,
            LinkTags {
                fields: Fields::default()
                    .with(Field::Source, "news letter")
                    .with(Field::Medium, "email")
                    .with(Field::Campaign, "spring")
                    .with(Field::Variant, "B"),
            }
        );
        let tags = |raw: &str| read_location(raw, &[]).map(|location| location.tags);
        // utm_source first, then ref, then source; an empty one does not count.
        let source = |raw: &str| tags(raw).unwrap().get(Field::Source).map(str::to_owned);
        assert_eq!(source("/?source=s&ref=hn"), Some("hn".into()));
        assert_eq!(source("/?ref=hn&utm_source=x"), Some("x".into()));
        assert_eq!(source("/?utm_source=&source=s"), Some("s".into()));
        assert_eq!(source("/?utm_source=a&utm_source=b"), Some("a".into()));
        assert_eq!(tags("/plain"), Ok(LinkTags::default()));
        // A kept parameter stays in the page too.
        let kept = read_location("/p?utm_source=x&q=1", &keep(&["utm_source"])).unwrap();
        assert_eq!(kept.page, "/p?utm_source=x");
        assert_eq!(kept.tags.get(Field::Source), Some("x"));
    }

    #[test]
    fn a_bad_parameter_is_named_as_the_link_spells_it() {
        let long = "x".repeat(101);
        for (query, parameter, error) in [
            (
                format!("utm_campaign={long}"),
                "utm_campaign",
                EventError::BadField(Field::Campaign),
            ),
            (
                format!("ref={long}"),
                "ref",
                EventError::BadField(Field::Source),
            ),
            (
                "utm_medium=a%07b".to_string(),
                "utm_medium",
                EventError::BadField(Field::Medium),
            ),
            (
                format!("variant={}", "v".repeat(33)),
                "variant",
                EventError::BadField(Field::Variant),
            ),
        ] {
            assert_eq!(
                read_location(&format!("/p?{query}"), &[]),
                Err(BadLocation {
                    parameter: Some(parameter),
                    error
                }),
                "{query}"
            );
        }
        assert_eq!(read_location("relative", &[]).unwrap_err().parameter, None);
    }

    #[test]
    fn tags_of_a_link_win_over_those_of_its_target() {
        let link = LinkTags {
            fields: Fields::default().with(Field::Source, "newsletter"),
        };
        let target = LinkTags {
            fields: Fields::default()
                .with(Field::Source, "site")
                .with(Field::Campaign, "spring"),
        };
        let both = link.or(target);
        assert_eq!(both.get(Field::Source), Some("newsletter"));
        assert_eq!(both.get(Field::Campaign), Some("spring"));
    }

    mod props {
        use super::*;
        use crate::model::event::normalise;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

            /// What the collector stores is canonical: normalising it again, as aggregation and
            /// reports do, never fails and never changes it.
            #[test]
            fn accepted_pages_are_canonical(
                location in "(https?://[a-z.]{1,10})?/(%[0-9a-fA-F]{2}|%|[./?#&=+ a-z\\\\]|q=|r=|[\u{80}-\u{10ffff}]){0,60}",
            ) {
                if let Ok(page) = reduce_to_path(&location, &keep(&["q", "r"])) {
                    prop_assert_eq!(normalise(&page), Ok(page.clone()), "{:?}", location);
                }
            }
        }
    }
}
