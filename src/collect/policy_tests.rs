//! Tests of the collector's origin policy, client address and DNT.

use super::*;
use crate::collect::fixtures::headers;
use axum::http::HeaderValue;

/// What `Access-Control-Allow-Origin` would say, or why the request is refused.
fn allowed(policy: &OriginPolicy, headers: &HeaderMap) -> Result<String, &'static str> {
    policy
        .admit(headers)
        .map(|admitted| admitted.allow_origin.to_str().unwrap().to_owned())
}

fn site_of(headers: &HeaderMap) -> String {
    OriginPolicy::Any.admit(headers).unwrap().site.to_string()
}

#[test]
fn origins_are_checked_against_the_list() {
    let policy = OriginPolicy::from_flags(
        &[
            "https://Example.com/".into(),
            "http://localhost:3000".into(),
        ],
        false,
    )
    .unwrap();
    let ok = allowed(&policy, &headers(&[("origin", "https://example.com")]));
    assert_eq!(ok, Ok("https://example.com".into()));
    assert!(allowed(&policy, &headers(&[("origin", "https://evil.example")])).is_err());
    assert!(allowed(&policy, &headers(&[("origin", "null")])).is_err());
    assert!(allowed(&policy, &headers(&[])).is_err());
    // The pixel: only a Referer, whose origin is checked.
    let pixel = headers(&[("referer", "http://localhost:3000/posts/x?q=1")]);
    assert_eq!(allowed(&policy, &pixel), Ok("http://localhost:3000".into()));
    // An Origin header wins over a Referer.
    let both = headers(&[
        ("origin", "https://evil.example"),
        ("referer", "https://example.com/"),
    ]);
    assert!(allowed(&policy, &both).is_err());
    assert_eq!(
        allowed(&OriginPolicy::Any, &headers(&[])),
        Ok("*".to_string())
    );
}

#[test]
fn an_origin_sent_as_allowed_and_one_written_otherwise_are_admitted_alike() {
    let policy = OriginPolicy::from_flags(
        &[
            "https://Blog.Example.com:8443".into(),
            "http://[::1]:3000".into(),
        ],
        false,
    )
    .unwrap();
    let admit = |pairs| policy.admit(&headers(pairs)).unwrap();
    // As a browser sends it (compared as bytes), and as a hand-written client might.
    let sent = admit(&[("origin", "https://blog.example.com:8443")]);
    let written = admit(&[("origin", "HTTPS://BLOG.example.com:8443/")]);
    assert_eq!(&*sent.site, "blog.example.com");
    assert_eq!(sent.allow_origin, "https://blog.example.com:8443");
    assert_eq!(written, sent);
    let pixel = admit(&[("referer", "https://blog.example.com:8443/post?x=1")]);
    assert_eq!(pixel, sent);
    let local = admit(&[("origin", "http://[::1]:3000")]);
    assert_eq!(&*local.site, "[::1]");
    assert_eq!(local.allow_origin, "http://[::1]:3000");
    assert_eq!(admit(&[("referer", "http://[0::1]:3000/x")]), local);
    // Any origin: `*`, and the site the request names, if any.
    let any = OriginPolicy::Any.admit(&headers(&[("origin", "https://Shop.test")]));
    assert_eq!(
        any.map(|any| (any.allow_origin, any.site)),
        Ok((HeaderValue::from_static("*"), "shop.test".into()))
    );
}

#[test]
fn wildcard_origins_allow_every_subdomain_and_nothing_else() {
    let policy = OriginPolicy::from_flags(&["https://*.site.test".into()], false).unwrap();
    let check = |origin: &'static str| allowed(&policy, &headers(&[("origin", origin)]));
    for allowed in [
        "https://a.site.test",
        "https://a.b.site.test",
        "https://A.Site.Test",
    ] {
        assert!(check(allowed).is_ok(), "{allowed}");
    }
    for refused in [
        "https://site.test",
        "https://evilsite.test",
        "https://site.test.evil",
        "http://a.site.test",
        "https://a.site.test:8443",
    ] {
        assert!(check(refused).is_err(), "{refused}");
    }
    let with_port = allowed(
        &OriginPolicy::from_flags(&["http://*.site.test:8080".into()], false).unwrap(),
        &headers(&[("origin", "http://x.site.test:8080")]),
    );
    assert_eq!(with_port, Ok("http://x.site.test:8080".into()));
}

#[test]
fn referrers_from_the_site_itself_are_its_own() {
    let policy = OriginPolicy::from_flags(
        &[
            "https://www.example.com".into(),
            "https://*.site.test".into(),
            "http://localhost:3000".into(),
        ],
        false,
    )
    .unwrap();
    for own in [
        "example.com",
        "site.test",
        "a.site.test",
        "a.b.site.test",
        "localhost",
    ] {
        assert!(policy.is_own_referrer(own, ""), "{own}");
    }
    for other in [
        "news.example.com",
        "evilsite.test",
        "site.test.evil",
        "google.com",
    ] {
        assert!(!policy.is_own_referrer(other, ""), "{other}");
    }
    // A download's own host is the site too.
    assert!(policy.is_own_referrer("files.test", "files.test"));
    // Any origin: only the host of the request's own origin.
    assert!(OriginPolicy::Any.is_own_referrer("blog.test", "www.blog.test"));
    assert!(!OriginPolicy::Any.is_own_referrer("google.com", "blog.test"));
    assert!(!OriginPolicy::Any.is_own_referrer("google.com", ""));
}

#[test]
fn origin_flags_must_be_bare_origins() {
    assert!(OriginPolicy::from_flags(&[], false).is_err());
    for bad in [
        "example.com",
        "https://example.com/blog",
        "ftp://example.com",
        "https://",
        "https://*.com",
        "https://*.*.example.com",
        "https://a.*.example.com",
    ] {
        let err = OriginPolicy::from_flags(&[bad.into()], false).unwrap_err();
        assert!(err.contains("--allow-origin"), "{err}");
    }
    assert_eq!(OriginPolicy::from_flags(&[], true), Ok(OriginPolicy::Any));
}

#[test]
fn forwarded_for_is_used_only_when_trusted() {
    let proxy: IpAddr = "127.0.0.1".parse().unwrap();
    // The client wrote the first entry itself; the proxy appended the second.
    let headers = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9")]);
    let client: IpAddr = "203.0.113.9".parse().unwrap();
    assert_eq!(client_address(proxy, &headers, true), Ok(client));
    assert_eq!(client_address(proxy, &headers, false), Ok(proxy));
    assert_eq!(client_address(proxy, &HeaderMap::new(), true), Ok(proxy));
}

#[test]
fn forwarded_entries_with_ports_are_read_and_garbage_is_not_the_proxy() {
    let proxy: IpAddr = "127.0.0.1".parse().unwrap();
    let read =
        |value: &'static str| client_address(proxy, &headers(&[("x-forwarded-for", value)]), true);
    let ip = |text: &str| Ok(text.parse::<IpAddr>().unwrap());
    assert_eq!(read("2.2.2.2:5555"), ip("2.2.2.2"));
    assert_eq!(read("6.6.6.6, 2.2.2.2:5555"), ip("2.2.2.2"));
    assert_eq!(read("[2001:db8::1]:443"), ip("2001:db8::1"));
    assert_eq!(read("[2001:db8::1]"), ip("2001:db8::1"));
    assert_eq!(read(" 2001:db8::2 "), ip("2001:db8::2"));
    let shape = |text: &str| {
        Err(UnreadableForwardedFor {
            shape: text.to_owned(),
        })
    };
    assert_eq!(read("unknown"), shape("xxxxxxx"));
    assert_eq!(read("2.2.2.2,"), shape("(empty)"));
    assert_eq!(read("6.6.6.6, 2.2.2.2:99999"), shape("x.x.x.x:xxxxx"));
    assert_eq!(read("2.2.2.2 3.3.3.3"), shape("x.x.x.x x.x.x.x"));
    // Of several header lines, the last one's last entry is the proxy's.
    let mut two = HeaderMap::new();
    two.append("x-forwarded-for", HeaderValue::from_static("6.6.6.6"));
    two.append("x-forwarded-for", HeaderValue::from_static("junk"));
    assert_eq!(client_address(proxy, &two, true), shape("xxxx"));
    let mut latin1 = HeaderMap::new();
    latin1.insert(
        "x-forwarded-for",
        HeaderValue::from_bytes(b"1.2.3.4\xe9").unwrap(),
    );
    assert_eq!(client_address(proxy, &latin1, true), shape("x.x.x.x?"));
}

#[test]
fn the_site_is_the_host_of_the_origin() {
    assert_eq!(
        site_of(&headers(&[("origin", "https://Blog.Example.com:8443")])),
        "blog.example.com"
    );
    assert_eq!(
        site_of(&headers(&[("referer", "http://a.test/x?y")])),
        "a.test"
    );
    assert_eq!(site_of(&headers(&[])), "");
}

#[test]
fn dnt_and_gpc_are_honoured() {
    assert!(asks_not_to_be_tracked(&headers(&[("dnt", "1")])));
    assert!(asks_not_to_be_tracked(&headers(&[("sec-gpc", "1")])));
    assert!(!asks_not_to_be_tracked(&headers(&[("dnt", "0")])));
    assert!(!asks_not_to_be_tracked(&headers(&[])));
}
