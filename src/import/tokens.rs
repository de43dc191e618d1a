//! The pieces access logs are made of, read without allocating unless a field has escapes
//! (pure code): space-separated words, `[bracketed]` times, `"quoted"` fields with their
//! backslash escapes, `-` for nothing, request lines, `host:port` addresses, percent-encoded
//! fields, and bytes that are not UTF-8, kept as `%XX` escapes rather than dropped.

use std::borrow::Cow;

/// The next space-separated word.
pub fn word<'a>(rest: &mut &'a str) -> Option<&'a str> {
    let text = rest.trim_start_matches(' ');
    if text.is_empty() {
        return None;
    }
    let end = text.find(' ').unwrap_or(text.len());
    *rest = &text[end..];
    Some(&text[..end])
}

/// The next `[...]` field.
pub fn bracketed<'a>(rest: &mut &'a str) -> Option<&'a str> {
    let text = rest.trim_start_matches(' ').strip_prefix('[')?;
    let end = text.find(']')?;
    *rest = &text[end + 1..];
    Some(&text[..end])
}

/// The next `"..."` field, its escapes undone: Apache writes `\"` and `\\`, nginx `\x22`.
pub fn quoted<'a>(rest: &mut &'a str) -> Option<Cow<'a, str>> {
    let text = rest.trim_start_matches(' ').strip_prefix('"')?;
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut escaped = false;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => {
                escaped = true;
                at += 2;
                continue;
            }
            b'"' => break,
            _ => at += 1,
        }
    }
    if at >= bytes.len() {
        return None;
    }
    *rest = &text[at + 1..];
    let field = &text[..at];
    Some(match escaped {
        false => Cow::Borrowed(field),
        true => Cow::Owned(unescape(field)),
    })
}

/// `\"`, `\\` and `\xHH` undone; bytes that are not UTF-8 after that stay escaped as `%HH`.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'\\' || at + 1 >= bytes.len() {
            out.push(bytes[at]);
            at += 1;
            continue;
        }
        let hex = bytes
            .get(at + 2..at + 4)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[at + 1], hex) {
            (b'x', Some(byte)) => {
                out.push(byte);
                at += 4;
            }
            (other, _) => {
                out.push(other);
                at += 2;
            }
        }
    }
    utf8_or_escaped(out)
}

/// `-` is how these logs write "none".
pub fn dash_is_none(field: Cow<'_, str>) -> Option<Cow<'_, str>> {
    (!field.is_empty() && field != "-").then_some(field)
}

/// The same, for a field that needs no unescaping.
pub fn dash_is_none_str(field: &str) -> Option<&str> {
    (!field.is_empty() && field != "-").then_some(field)
}

/// The method and target of a request line (`GET /a?b HTTP/1.1`); a line that is not one (a
/// TLS handshake sent to a plain port, `-`) has an empty method.
pub fn split_request(request: Cow<'_, str>) -> (Cow<'_, str>, Cow<'_, str>) {
    let parts = |text: &str| -> Option<(usize, usize, usize)> {
        let method_end = text.find(' ')?;
        let target_start = method_end + 1;
        let target_end = text[target_start..]
            .find(' ')
            .map_or(text.len(), |at| target_start + at);
        Some((method_end, target_start, target_end))
    };
    match request {
        Cow::Borrowed(text) => match parts(text) {
            Some((m, s, e)) => (Cow::Borrowed(&text[..m]), Cow::Borrowed(&text[s..e])),
            None => (Cow::Borrowed(""), Cow::Borrowed(text)),
        },
        Cow::Owned(text) => match parts(&text) {
            Some((m, s, e)) => (
                Cow::Owned(text[..m].to_owned()),
                Cow::Owned(text[s..e].to_owned()),
            ),
            None => (Cow::Borrowed(""), Cow::Owned(text)),
        },
    }
}

/// The address of an `address:port` field: `192.0.2.1:443` is `192.0.2.1`, `[2001:db8::1]:443`
/// is `2001:db8::1`, and so is `2001:db8::1:443` (load balancers write IPv6 without brackets,
/// always followed by the port).
pub fn without_port(field: &str) -> &str {
    if let Some(inner) = field.strip_prefix('[') {
        return inner.split_once(']').map_or(inner, |(address, _)| address);
    }
    match field.rsplit_once(':') {
        Some((address, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            address
        }
        _ => field,
    }
}

/// `text` with its `%XX` escapes decoded (a `+` stays a `+`); bytes that do not make UTF-8
/// stay escaped.
pub fn percent_decoded(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    match percent_encoding::percent_decode_str(text).into() {
        // Nothing was decoded (a `%` without two hex digits): the text as it is.
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(bytes) => Cow::Owned(utf8_or_escaped(bytes)),
    }
}

/// `bytes` as text, as `escape_invalid_utf8` gives it, without copying bytes that are UTF-8
/// already.
pub fn utf8_or_escaped(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|invalid| escape_invalid_utf8(invalid.as_bytes()).into_owned())
}

/// `bytes` as text, each byte that is not part of valid UTF-8 written `%XX`: a log line with a
/// raw Latin-1 byte in its path keeps its page (`/caf%E9`) instead of being refused.
pub fn escape_invalid_utf8(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_one_after_another() {
        let mut rest = r#"a  [13/Mar/2021:10:00:00 +0000] "GET /q\"x\x22 HTTP/1.1" -"#;
        assert_eq!(word(&mut rest), Some("a"));
        assert_eq!(bracketed(&mut rest), Some("13/Mar/2021:10:00:00 +0000"));
        assert_eq!(quoted(&mut rest).as_deref(), Some("GET /q\"x\" HTTP/1.1"));
        assert_eq!(word(&mut rest).and_then(dash_is_none_str), None);
        assert_eq!(word(&mut rest), None);
        let mut open = r#""never closed"#;
        assert_eq!(quoted(&mut open), None);
    }

    #[test]
    fn escaped_bytes_that_are_not_utf8_stay_escaped() {
        let mut rest = r#""GET /caf\xE9 HTTP/1.1""#;
        assert_eq!(quoted(&mut rest).as_deref(), Some("GET /caf%E9 HTTP/1.1"));
        let mut rest = r#""GET /caf\xC3\xA9 HTTP/1.1""#;
        assert_eq!(quoted(&mut rest).as_deref(), Some("GET /café HTTP/1.1"));
        assert_eq!(escape_invalid_utf8(b"/caf\xe9/\xff\xfe"), "/caf%E9/%FF%FE");
        assert!(matches!(escape_invalid_utf8(b"/ok"), Cow::Borrowed("/ok")));
    }

    #[test]
    fn request_lines_and_addresses() {
        let (method, target) = split_request(Cow::Borrowed("GET /a?b HTTP/2.0"));
        assert_eq!((method.as_ref(), target.as_ref()), ("GET", "/a?b"));
        let (method, target) = split_request(Cow::Borrowed("-"));
        assert_eq!((method.as_ref(), target.as_ref()), ("", "-"));
        assert_eq!(without_port("192.0.2.1:443"), "192.0.2.1");
        assert_eq!(without_port("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(without_port("2001:db8::1:51234"), "2001:db8::1");
        assert_eq!(without_port("192.0.2.1"), "192.0.2.1");
        assert_eq!(without_port("-"), "-");
    }

    #[test]
    fn percent_escapes_are_decoded_once() {
        assert_eq!(percent_decoded("Mozilla/5.0%20(X11)"), "Mozilla/5.0 (X11)");
        assert_eq!(percent_decoded("a%2520b"), "a%20b");
        assert_eq!(percent_decoded("a+b"), "a+b");
        assert_eq!(percent_decoded("/caf%E9"), "/caf%E9");
        assert_eq!(percent_decoded("100%"), "100%");
    }
}
