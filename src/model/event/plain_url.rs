//! An http(s) URL whose scheme and host the URL parser would keep as they are, split without
//! it: a script's view names its page and referrer as whole URLs, and reading both through the
//! parser was about 6% of the collector's CPU time (docs/performance.md; pure code; anything
//! unusual still goes through the parser).

/// The host (as written) and the rest (path, query, fragment) of `http://HOST[:PORT]REST` or
/// `https://…`, when the parser would surely accept that host and port and read the same host:
/// letters, digits, `-` and `.`, its last label starting with a letter (a number there would
/// make it an IPv4 address), no `xn--` label (punycode, which the parser decodes), no user or
/// password, a port of at most 65535. `None` for anything else, which the parser then reads.
pub(crate) fn split(url: &str) -> Option<(&str, &str)> {
    let after_scheme = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let (authority, rest) = after_scheme.split_at(end);
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    (plain_host(host) && port.is_none_or(plain_port)).then_some((host, rest))
}

fn plain_host(host: &str) -> bool {
    let labels = host.strip_suffix('.').unwrap_or(host);
    !labels.is_empty()
        && labels
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'.')
        && labels.split('.').all(|label| {
            !label.is_empty()
                && !label
                    .get(..4)
                    .is_some_and(|start| start.eq_ignore_ascii_case("xn--"))
        })
        && labels
            .rsplit('.')
            .next()
            .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_alphabetic()))
}

fn plain_port(port: &str) -> bool {
    !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|byte| byte.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|port| port <= 65_535)
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    #[test]
    fn a_plain_url_is_split_as_the_parser_reads_it() {
        for plain in [
            "http://site.test/posts/001?utm_source=x",
            "https://Blog.Example.ORG/a#top",
            "https://www.google.com/",
            "https://news.ycombinator.com/item?id=7",
            "http://localhost:3000/x",
            "http://a-b.c-d.test.:8080",
            "https://site.test?q=1",
            "http://x1.test:0/",
            "http://x.test:65535/",
        ] {
            let (host, rest) = split(plain).unwrap_or_else(|| panic!("{plain} is plain"));
            let parsed = Url::parse(plain).unwrap();
            assert_eq!(
                host.to_ascii_lowercase(),
                parsed.host_str().unwrap(),
                "{plain}"
            );
            assert!(parsed.username().is_empty(), "{plain}");
            assert!(
                rest.is_empty() || rest.starts_with(['/', '?', '#']),
                "{plain}"
            );
        }
        for not_plain in [
            "ftp://site.test/",
            "HTTP://site.test/",
            "http://user@site.test/",
            "http://user:pw@site.test/",
            "http://1.2.3.4/",
            "http://999.0.0.1/",
            "http://site.0x1/",
            "http://site.123/",
            "http://xn--nxasmq6b.test/",
            "http://a.XN--nxasmq6b/",
            "http://caf%C3%A9.test/",
            "http://café.test/",
            "http://[::1]:3000/",
            "http://site.test:99999/",
            "http://site.test:/",
            "http://site.test:8a/",
            "http://a..b/",
            "http://./",
            "http:///a",
            "http://site test/",
            "http://site_test/",
        ] {
            assert_eq!(split(not_plain), None, "{not_plain}");
        }
    }
}
