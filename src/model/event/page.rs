//! The one spelling of a page (pure code): every way in (`send`, `drain`, the collector) and
//! `report --page` normalise with `normalise`, and pages stored before it existed are read
//! through `canonical_or_stored`, so one page is one row however it was written.
//!
//! The canonical form is readable UTF-8, because people type pages into `report --page` and
//! read them in reports, and because `send` input is usually written that way:
//! - percent-escapes that decode to UTF-8 are decoded (`/caf%C3%A9` is `/café`), except those
//!   whose character would change what the page means or cannot be stored: in the path `%2F`
//!   (`/`), `%3F` (`?`), in the query `%26` (`&`), `%3D` (`=`), `%2B` (`+`), and everywhere
//!   `%23` (`#`), `%25` (`%`), control characters and U+FFFE/U+FFFF; these stay escaped, with
//!   upper-case hex. Escapes that are not UTF-8 (`%FF`) stay escaped too, so nothing is lost,
//!   and a `%` that starts no escape is written `%25`;
//! - characters nobody sees or that reorder what follows (`is_invisible_or_bidi`) are escaped,
//!   whether they came escaped or not: `/%E2%80%AEgnp.exe` stays so, and is never shown as
//!   `/exe.png`;
//! - dot segments of the path are resolved as RFC 3986 section 5.2.4 does, never above the root
//!   (`/a/../b` and `/../b` are `/b`, `/%2e%2e/b` too);
//! - a fragment is dropped (a browser never sends it); an empty query is dropped; in a query a
//!   space is written `+`, as form encoding (and the collector's `--keep-query`) writes it.
//!
//! Normalising is idempotent, and the length limit applies to the normalised page.

use percent_encoding::{percent_decode_str, percent_encode_byte};
use std::borrow::Cow;

use super::fields::FieldValue;
use super::{unfit_for_a_queue, EventError, MAX_PAGE_BYTES};

/// The canonical spelling of `page`, or why it is not a page.
pub fn normalise(page: &str) -> Result<String, EventError> {
    normalised(page).map(Cow::into_owned)
}

/// As `normalise`, without allocating for a page already in canonical form (the common case,
/// and the only one on the aggregation's path).
pub fn normalised(page: &str) -> Result<Cow<'_, str>, EventError> {
    if !page.starts_with('/') {
        return Err(EventError::PageNotPath);
    }
    // Checked on what was given: decoding never produces these, it keeps them escaped.
    if page.chars().any(unfit_for_a_queue) {
        return Err(EventError::PageControlChar);
    }
    // Raw invisible or bidi characters are escaped by the rewrite, not refused.
    let page = if is_canonical(page) {
        Cow::Borrowed(page)
    } else {
        Cow::Owned(rewrite(page))
    };
    if page.len() > MAX_PAGE_BYTES {
        return Err(EventError::PageTooLong(page.len()));
    }
    Ok(page)
}

/// As `normalise`, reusing `page` when it is already canonical.
pub fn normalise_owned(page: String) -> Result<String, EventError> {
    let canonical = match normalised(&page)? {
        Cow::Owned(canonical) => Some(canonical),
        Cow::Borrowed(_) => None,
    };
    Ok(canonical.unwrap_or(page))
}

/// The canonical spelling of a page read back from storage, or the page as stored when it
/// cannot be normalised (a page stored before normalising existed that grows over the limit
/// once its bare `%` are escaped): a stored view is always counted, never dropped.
pub fn canonical_or_stored(page: String) -> String {
    respelt(&page).unwrap_or(page)
}

/// The canonical spelling of a page read back from storage when it is not the stored one.
pub fn respelt(page: &str) -> Option<String> {
    match normalised(page) {
        Ok(Cow::Owned(canonical)) => Some(canonical),
        Ok(Cow::Borrowed(_)) | Err(_) => None,
    }
}

/// Whether `page` (a path) is already canonical: no escape, fragment, dot segment or invisible
/// character, and a query, if any, that is not empty and holds no space. One pass over the
/// bytes, no allocation.
fn is_canonical(page: &str) -> bool {
    let bytes = page.as_bytes();
    let mut in_query = false;
    for (at, &byte) in bytes.iter().enumerate() {
        match byte {
            b'%' | b'#' => return false,
            b'?' if !in_query => {
                if at + 1 == bytes.len() {
                    return false;
                }
                in_query = true;
            }
            b' ' if in_query => return false,
            // Only lead bytes of non-ASCII characters start a character to look at.
            0xC0.. if page[at..].chars().next().is_some_and(is_invisible_or_bidi) => return false,
            b'.' if !in_query && at > 0 && bytes[at - 1] == b'/' => {
                let rest = &bytes[at + 1..];
                let rest = rest.strip_prefix(b".").unwrap_or(rest);
                if matches!(rest.first(), None | Some(b'/' | b'?')) {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

/// Which part of the page a character is in: each has its own delimiters to keep escaped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Path,
    Query,
}

fn rewrite(page: &str) -> String {
    let page = page.split_once('#').map_or(page, |(before, _)| before);
    let (path, query) = match page.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (page, None),
    };
    let mut decoded = String::with_capacity(path.len());
    decode_into(path, Part::Path, &mut decoded);
    let mut out = String::with_capacity(page.len());
    remove_dot_segments(&decoded, &mut out);
    if let Some(query) = query.filter(|query| !query.is_empty()) {
        out.push('?');
        decode_into(query, Part::Query, &mut out);
    }
    out
}

/// Characters that stay escaped (or are escaped) in `part`: decoding them would change where
/// the path, the query or one of its parameters ends, or they cannot be stored.
fn stays_escaped(c: char, part: Part) -> bool {
    match c {
        '%' | '#' => true,
        '/' | '?' => part == Part::Path,
        '&' | '=' | '+' => part == Part::Query,
        c => unfit_for_a_queue(c) || is_invisible_or_bidi(c),
    }
}

/// Characters that are not seen but change what is seen: Unicode's Default_Ignorable_Code_Point
/// (DerivedCoreProperties.txt, Unicode 16.0), which holds every Bidi_Control character
/// (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) besides the zero-width ones
/// (U+200B..U+200D, U+2060, U+FEFF), the soft hyphen, fillers, variation selectors and tags.
/// A page or a campaign value holding one could show as another (`/\u{202E}gnp.exe` as
/// `/exe.png`) on a terminal, in a spreadsheet or on the report page, so they are stored
/// percent-escaped.
pub fn is_invisible_or_bidi(c: char) -> bool {
    matches!(
        u32::from(c),
        0xAD | 0x34F
            | 0x61C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

/// `text` with every character of `is_invisible_or_bidi` percent-escaped (`%E2%80%AE`), the
/// rest as it is: the stored spelling of a campaign value, event name or variant.
pub fn escape_invisible_or_bidi(text: &str) -> FieldValue {
    if !text.chars().any(is_invisible_or_bidi) {
        return FieldValue::from(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match is_invisible_or_bidi(c) {
            true => push_escaped(c, &mut out),
            false => out.push(c),
        }
    }
    FieldValue::from(out)
}

fn push_escaped(c: char, out: &mut String) {
    for &byte in c.encode_utf8(&mut [0; 4]).as_bytes() {
        out.push_str(percent_encode_byte(byte));
    }
}

/// Appends `text` to `out` with its escapes decoded where `stays_escaped` allows, and its
/// invisible or bidi characters escaped. A run of consecutive escapes is decoded as one byte
/// string, since one character may span several.
fn decode_into(text: &str, part: Part, out: &mut String) {
    let mut rest = text;
    while let Some(at) = rest.find(|c| c == '%' || c == ' ' || is_invisible_or_bidi(c)) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(c) = rest.chars().next().filter(|c| is_invisible_or_bidi(*c)) {
            push_escaped(c, out);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if rest.starts_with(' ') {
            out.push(if part == Part::Query { '+' } else { ' ' });
            rest = &rest[1..];
            continue;
        }
        let run = escape_run_len(rest.as_bytes());
        if run == 0 {
            // A '%' that starts no escape means itself.
            out.push_str(percent_encode_byte(b'%'));
            rest = &rest[1..];
            continue;
        }
        let bytes: Vec<u8> = percent_decode_str(&rest[..run]).collect();
        for chunk in bytes.utf8_chunks() {
            for c in chunk.valid().chars() {
                push_char(c, part, out);
            }
            for &byte in chunk.invalid() {
                out.push_str(percent_encode_byte(byte));
            }
        }
        rest = &rest[run..];
    }
    out.push_str(rest);
}

/// Length of the run of `%XX` escapes `text` starts with.
fn escape_run_len(text: &[u8]) -> usize {
    text.chunks(3)
        .take_while(|escape| {
            matches!(escape, [b'%', high, low] if high.is_ascii_hexdigit() && low.is_ascii_hexdigit())
        })
        .count()
        * 3
}

fn push_char(c: char, part: Part, out: &mut String) {
    if c == ' ' && part == Part::Query {
        out.push('+');
    } else if stays_escaped(c, part) {
        push_escaped(c, out);
    } else {
        out.push(c);
    }
}

/// RFC 3986 section 5.2.4 for an absolute path: `.` segments go, `..` removes the segment
/// before it (none above the root), and a path ending in either ends with '/'.
fn remove_dot_segments(path: &str, out: &mut String) {
    let mut kept: Vec<&str> = Vec::new();
    let mut ends_in_dot = false;
    for segment in path[1..].split('/') {
        ends_in_dot = matches!(segment, "." | "..");
        match segment {
            "." => {}
            ".." => {
                kept.pop();
            }
            segment => kept.push(segment),
        }
    }
    out.push('/');
    out.push_str(&kept.join("/"));
    if ends_in_dot && !kept.is_empty() {
        out.push('/');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(page: &str) -> String {
        normalise(page).unwrap_or_else(|err| panic!("{page:?}: {err}"))
    }

    #[test]
    fn escapes_of_utf8_are_decoded_to_readable_text() {
        assert_eq!(norm("/%C3%BCn%C3%AF/%E6%97%A5%E6%9C%AC"), "/ünï/日本");
        assert_eq!(norm("/%c3%bcn%c3%af/%e6%97%a5%e6%9c%ac"), "/ünï/日本");
        assert_eq!(norm("/ünï/日本"), "/ünï/日本");
        assert_eq!(norm("/caf%C3%A9%20x"), "/café x");
        assert_eq!(norm("/%7Euser/%41"), "/~user/A");
        assert_eq!(norm("/a;b=c%3Bd&e%26f"), "/a;b=c;d&e&f");
    }

    #[test]
    fn escapes_that_change_the_meaning_stay_escaped_in_upper_case() {
        assert_eq!(norm("/a%2fb"), "/a%2Fb");
        assert_eq!(norm("/what%3f"), "/what%3F");
        assert_eq!(norm("/c%23"), "/c%23");
        assert_eq!(norm("/100%25"), "/100%25");
        assert_eq!(norm("/%2525"), "/%2525");
        // Control characters and noncharacters.
        assert_eq!(norm("/a%7fb%00%0a"), "/a%7Fb%00%0A");
        assert_eq!(norm("/%C2%85"), "/%C2%85");
        assert_eq!(norm("/%EF%BF%BF"), "/%EF%BF%BF");
        // Not UTF-8: an overlong '/', a lone byte, a surrogate, a cut sequence.
        assert_eq!(norm("/%c0%af"), "/%C0%AF");
        assert_eq!(norm("/%FF%C3%A9"), "/%FFé");
        assert_eq!(norm("/%ED%A0%80"), "/%ED%A0%80");
        assert_eq!(norm("/%E6%97"), "/%E6%97");
        assert_eq!(norm("/%E6%97x%A5"), "/%E6%97x%A5");
    }

    #[test]
    fn invisible_and_bidi_characters_stay_escaped_or_are_escaped() {
        // A right-to-left override would show this page as `/exe.png`.
        assert_eq!(norm("/%E2%80%AEgnp.exe"), "/%E2%80%AEgnp.exe");
        assert_eq!(norm("/%e2%80%aegnp.exe"), "/%E2%80%AEgnp.exe");
        assert_eq!(norm("/\u{202e}gnp.exe"), "/%E2%80%AEgnp.exe");
        // Zero-width space, word joiner, byte order mark, soft hyphen, left-to-right mark,
        // an isolate, Arabic letter mark, a tag; in the path and in the query.
        assert_eq!(norm("/a\u{200b}b%E2%81%A0c"), "/a%E2%80%8Bb%E2%81%A0c");
        assert_eq!(norm("/\u{feff}x\u{ad}"), "/%EF%BB%BFx%C2%AD");
        assert_eq!(
            norm("/p?q=\u{200e}%E2%81%A6%D8%9C\u{e0041}"),
            "/p?q=%E2%80%8E%E2%81%A6%D8%9C%F3%A0%81%81"
        );
        // Visible neighbours of those ranges are decoded as before.
        assert_eq!(
            norm("/%E2%80%90%E2%80%AF%E2%81%B0"),
            "/\u{2010}\u{202f}\u{2070}"
        );
        assert!(matches!(normalised("/a\u{200b}"), Ok(Cow::Owned(_))));
        // The stored spelling of a campaign value: only those characters are escaped.
        assert_eq!(
            escape_invisible_or_bidi("spring\u{202e}sale 50%"),
            "spring%E2%80%AEsale 50%"
        );
        assert_eq!(escape_invisible_or_bidi("été"), "été");
    }

    #[test]
    fn the_invisible_set_is_default_ignorable_code_points() {
        for c in [
            '\u{ad}',
            '\u{34f}',
            '\u{61c}',
            '\u{115f}',
            '\u{17b4}',
            '\u{180e}',
            '\u{200b}',
            '\u{200d}',
            '\u{200f}',
            '\u{202a}',
            '\u{202e}',
            '\u{2060}',
            '\u{2066}',
            '\u{2069}',
            '\u{206f}',
            '\u{3164}',
            '\u{fe0f}',
            '\u{feff}',
            '\u{ffa0}',
            '\u{1bca0}',
            '\u{1d173}',
            '\u{e0001}',
            '\u{e0fff}',
        ] {
            assert!(is_invisible_or_bidi(c), "{:X}", u32::from(c));
        }
        for c in [
            'a',
            ' ',
            '\u{ac}',
            '\u{200a}',
            '\u{2010}',
            '\u{2028}',
            '\u{202f}',
            '\u{2070}',
            '\u{fe10}',
            '\u{fffd}',
            '\u{e1000}',
            'é',
            '日',
        ] {
            assert!(!is_invisible_or_bidi(c), "{:X}", u32::from(c));
        }
    }

    #[test]
    fn a_percent_that_starts_no_escape_is_escaped() {
        assert_eq!(norm("/100%"), "/100%25");
        assert_eq!(norm("/50%off"), "/50%25off");
        assert_eq!(norm("/%G1%4"), "/%25G1%254");
    }

    #[test]
    fn dot_segments_are_resolved_never_above_the_root() {
        for (given, canonical) in [
            ("/../etc/passwd", "/etc/passwd"),
            ("/%2e%2e/secret", "/secret"),
            ("/%2E./x/.%2e/%2E", "/"),
            ("/a/b/c/./../../g", "/a/g"),
            ("/a/b/..", "/a/"),
            ("/a/b/.", "/a/b/"),
            ("/a/..", "/"),
            ("/.", "/"),
            ("/..", "/"),
            ("//..", "/"),
            ("/a/./b/../../c/", "/c/"),
            ("/a/..?x=1", "/?x=1"),
            // Not dot segments.
            ("/a/.../b", "/a/.../b"),
            ("/.well-known/x", "/.well-known/x"),
            ("/a/..b/c.", "/a/..b/c."),
            ("/a%2F..%2Fb", "/a%2F..%2Fb"),
            ("/a//b/", "/a//b/"),
        ] {
            assert_eq!(norm(given), canonical, "{given}");
        }
    }

    #[test]
    fn queries_keep_their_delimiters_and_spell_a_space_plus() {
        assert_eq!(
            norm("/p?utm_source=news+letter"),
            "/p?utm_source=news+letter"
        );
        assert_eq!(
            norm("/p?utm_source=news%20letter"),
            "/p?utm_source=news+letter"
        );
        assert_eq!(norm("/p?q=a b"), "/p?q=a+b");
        assert_eq!(norm("/p?q=caf%C3%A9&r=%2F%3F"), "/p?q=café&r=/?");
        assert_eq!(
            norm("/p?q=a%26b%3Dc%2Bd%23e%25"),
            "/p?q=a%26b%3Dc%2Bd%23e%25"
        );
        // Dot segments are a path's, not a query's.
        assert_eq!(norm("/p?next=/a/../b"), "/p?next=/a/../b");
        assert_eq!(norm("/p?"), "/p");
        assert_eq!(norm("/p?#x"), "/p");
    }

    #[test]
    fn the_examples_of_the_readme() {
        for (given, canonical) in [
            ("/%C3%BCn%C3%AF/%E6%97%A5%E6%9C%AC", "/ünï/日本"),
            ("/caf%c3%a9%20menu", "/café menu"),
            ("/../etc/passwd", "/etc/passwd"),
            ("/%2e%2e/etc/passwd", "/etc/passwd"),
            ("/docs/a/../b/./c", "/docs/b/c"),
            ("/a%2fb", "/a%2Fb"),
            ("/100%", "/100%25"),
            ("/%FF", "/%FF"),
            ("/p?q=news%20letter#top", "/p?q=news+letter"),
            ("/p?", "/p"),
            ("/%E2%80%AEgnp.exe", "/%E2%80%AEgnp.exe"),
            ("/\u{202E}gnp.exe", "/%E2%80%AEgnp.exe"),
        ] {
            assert_eq!(norm(given), canonical, "{given}");
        }
    }

    #[test]
    fn fragments_are_dropped() {
        assert_eq!(norm("/a#top"), "/a");
        assert_eq!(norm("/#/app/route"), "/");
        assert_eq!(norm("/p?q=1#x"), "/p?q=1");
    }

    #[test]
    fn what_is_not_a_page_is_refused() {
        assert_eq!(normalise("posts"), Err(EventError::PageNotPath));
        assert_eq!(normalise(""), Err(EventError::PageNotPath));
        assert_eq!(normalise("%2Fa"), Err(EventError::PageNotPath));
        assert_eq!(normalise("/a\u{7}b"), Err(EventError::PageControlChar));
        assert_eq!(normalise("/a\u{ffff}"), Err(EventError::PageControlChar));
    }

    #[test]
    fn the_length_limit_applies_to_the_normalised_page() {
        let long = format!("/{}", "a".repeat(MAX_PAGE_BYTES));
        assert_eq!(normalise(&long), Err(EventError::PageTooLong(701)));
        assert_eq!(normalise(&long[..MAX_PAGE_BYTES]).unwrap().len(), 700);
        // 1,399 bytes as given, 467 once decoded.
        let encoded = format!("/{}", "%C3%A9".repeat(233));
        assert_eq!(normalise(&encoded).unwrap().len(), 467);
        let resolved = format!("/{}/..", "a".repeat(800));
        assert_eq!(normalise(&resolved).unwrap(), "/");
        // 300 bytes as given, 900 once its bare '%' are escaped.
        let percents = format!("/{}", "%".repeat(299));
        assert_eq!(normalise(&percents), Err(EventError::PageTooLong(898)));
    }

    #[test]
    fn canonical_pages_are_borrowed() {
        for page in [
            "/",
            "/posts/some-post",
            "/a.b/c.",
            "/p?q=1&r=2",
            "/ünï/日本",
        ] {
            assert!(matches!(normalised(page), Ok(Cow::Borrowed(_))), "{page}");
        }
    }

    #[test]
    fn stored_pages_that_cannot_be_normalised_are_kept_as_stored() {
        let encoded = "/%C3%BCn%C3%AF/%E6%97%A5%E6%9C%AC";
        assert_eq!(canonical_or_stored(encoded.into()), "/ünï/日本");
        let percents = format!("/{}", "%".repeat(299));
        assert_eq!(canonical_or_stored(percents.clone()), percents);
        assert_eq!(canonical_or_stored("/a".into()), "/a");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Pages made of what normalising acts on: escapes of every kind (of delimiters, of
        /// UTF-8, of bytes that are not UTF-8, cut short), dot segments, query and fragment
        /// marks, spaces; far more of these than arbitrary text would hold.
        fn token() -> impl Strategy<Value = String> {
            let fixed = prop_oneof![
                Just("/"),
                Just("."),
                Just(".."),
                Just("%2e"),
                Just("%2E"),
                Just("?"),
                Just("#"),
                Just("&"),
                Just("="),
                Just("+"),
                Just(" "),
                Just("%"),
                Just("%4"),
                Just("%G1"),
                Just("%2f"),
                Just("%3F"),
                Just("%23"),
                Just("%25"),
                Just("%26"),
                Just("%3d"),
                Just("%2B"),
                Just("%20"),
                Just("%C3"),
                Just("%A9"),
                Just("%c3%a9"),
                Just("%E6%97%A5"),
                Just("%ff"),
                Just("%c0%af"),
                Just("%00"),
                Just("%7F"),
                Just("%C2%85"),
                Just("%EF%BF%BF"),
                Just("%E2%80%AE"),
                Just("\u{202e}"),
                Just("\u{200b}"),
                Just("a"),
                Just("é"),
                Just("日"),
            ];
            prop_oneof![
                4 => fixed.prop_map(str::to_owned),
                1 => "%[0-9a-fA-F]{2}",
                1 => any::<char>().prop_filter("storable", |c| !unfit_for_a_queue(*c))
                    .prop_map(String::from),
            ]
        }

        fn page() -> impl Strategy<Value = String> {
            prop::collection::vec(token(), 0..40).prop_map(|tokens| format!("/{}", tokens.concat()))
        }

        /// Pages without escapes, which the fast path may take.
        fn plain_page() -> impl Strategy<Value = String> {
            let token = prop_oneof![
                Just("/"),
                Just("."),
                Just(".."),
                Just("?"),
                Just("#"),
                Just("&"),
                Just(" "),
                Just("a"),
                Just("é"),
                Just("\u{2066}"),
            ];
            prop::collection::vec(token, 0..20).prop_map(|tokens| format!("/{}", tokens.concat()))
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

            /// A canonical page is its own canonical spelling, and passes the page rules.
            #[test]
            fn normalising_is_idempotent(page in page()) {
                if let Ok(canonical) = normalise(&page) {
                    prop_assert_eq!(normalise(&canonical), Ok(canonical.clone()), "{:?}", page);
                    prop_assert!(crate::model::event::validate_page(&canonical).is_ok());
                    prop_assert!(!canonical.contains('#'));
                }
            }

            /// The fast path only skips pages that rewriting would leave as they are.
            #[test]
            fn the_fast_path_is_exact(page in prop_oneof![page(), plain_page()]) {
                if is_canonical(&page) {
                    prop_assert_eq!(rewrite(&page), page);
                }
            }

            /// Without dot segments, query or fragment, the page means the same bytes after
            /// normalising: an escape is decoded or kept, never lost or invented.
            #[test]
            fn decoding_loses_nothing(page in page()) {
                let plain = !page.contains(['?', '#', '.'])
                    && !page.to_ascii_lowercase().contains("%2e")
                    && page.match_indices('%').all(|(at, _)| escape_run_len(&page.as_bytes()[at..]) > 0);
                if let (true, Ok(canonical)) = (plain, normalise(&page)) {
                    let bytes = |text: &str| percent_decode_str(text).collect::<Vec<u8>>();
                    prop_assert_eq!(bytes(&canonical), bytes(&page));
                }
            }

            /// A query's parameters, read as a server reads them (form decoding), are the same
            /// after normalising.
            #[test]
            fn query_parameters_keep_their_meaning(path in page(), query in page()) {
                let page = format!("{}?{}", path.replace(['?', '#'], ""), query.replace('#', ""));
                if let Ok(canonical) = normalise(&page) {
                    let pairs = |page: &str| -> Vec<(String, String)> {
                        let query = page.split_once('?').map_or("", |(_, query)| query);
                        url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
                    };
                    prop_assert_eq!(pairs(&canonical), pairs(&page), "{:?}", canonical);
                }
            }
        }
    }
}
