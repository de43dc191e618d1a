//! Who may report views and which requests are not counted: the origin allow-list and Do Not
//! Track / Global Privacy Control (pure code over request headers; bots, by user agent, are
//! `collect::audience`'s).

use axum::http::{header, HeaderMap, HeaderValue};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use url::Url;

/// Which sites may send views (`--allow-origin`, or `--allow-any-origin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginPolicy {
    Any,
    Only(Vec<AllowedOrigin>),
}

/// One `--allow-origin`: a site, or every subdomain of one (`https://*.example.com`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigin {
    /// A serialised origin such as `https://example.com` or `http://localhost:3000`, and its
    /// host (the site of its views).
    Exact { origin: String, host: String },
    /// Any host ending in `.{domain}` (not the domain itself), with this scheme and port.
    Subdomains {
        scheme: String,
        domain: String,
        port: Option<u16>,
    },
}

impl AllowedOrigin {
    fn allows(&self, origin: &str) -> bool {
        match self {
            AllowedOrigin::Exact {
                origin: allowed, ..
            } => allowed == origin,
            AllowedOrigin::Subdomains {
                scheme,
                domain,
                port,
            } => Url::parse(origin).is_ok_and(|url| {
                url.scheme() == scheme
                    && url.port_or_known_default() == *port
                    && url.host_str().is_some_and(|host| {
                        host.strip_suffix(domain.as_str())
                            .and_then(|sub| sub.strip_suffix('.'))
                            .is_some_and(|sub| !sub.is_empty())
                    })
            }),
        }
    }
}

impl AllowedOrigin {
    /// Whether a referrer host (as stored: lowercase, without `www.`) is this site. A
    /// wildcard's domain counts too, since `www.example.com` is stored as `example.com`.
    fn covers_referrer(&self, host: &str) -> bool {
        match self {
            AllowedOrigin::Exact { host: own, .. } => without_www(own) == host,
            AllowedOrigin::Subdomains { domain, .. } => host
                .strip_suffix(domain.as_str())
                .is_some_and(|sub| sub.is_empty() || sub.ends_with('.')),
        }
    }
}

fn without_www(host: &str) -> &str {
    host.strip_prefix("www.").unwrap_or(host)
}

impl OriginPolicy {
    /// Whether a referrer host (as stored: lowercase, without `www.`) is the site itself, a
    /// move within the site rather than a visitor arriving from elsewhere: a host of
    /// `--allow-origin` (wildcards included), or `site`, the host the event is of (the
    /// request's origin; a download's host).
    pub fn is_own_referrer(&self, host: &str, site: &str) -> bool {
        if !site.is_empty() && without_www(site) == host {
            return true;
        }
        match self {
            OriginPolicy::Any => false,
            OriginPolicy::Only(allowed) => allowed.iter().any(|entry| entry.covers_referrer(host)),
        }
    }

    /// Checks the allow-list given on the command line; each entry must be a bare origin,
    /// whose host may start with `*.` for every subdomain.
    pub fn from_flags(allowed: &[String], any: bool) -> Result<OriginPolicy, String> {
        if any {
            return Ok(OriginPolicy::Any);
        }
        if allowed.is_empty() {
            return Err(
                "say which sites may send views: --allow-origin https://example.com \
                 (repeatable), or --allow-any-origin"
                    .into(),
            );
        }
        allowed
            .iter()
            .map(|origin| parse_origin_flag(origin))
            .collect::<Result<_, _>>()
            .map(OriginPolicy::Only)
    }

    /// Whether the request may send views, and if so what `Access-Control-Allow-Origin` echoes
    /// and which site its views are of. Browsers send `Origin` with every POST; an `<img>`
    /// pixel sends only a `Referer`, whose origin stands in. A request with neither cannot be
    /// checked, so it is refused (unless any origin is allowed).
    pub fn admit(&self, headers: &HeaderMap) -> Result<Admitted, &'static str> {
        if let Some(admitted) = self.admit_exact(headers) {
            return Ok(admitted);
        }
        let origin = request_origin(headers);
        let allow_origin = match self {
            OriginPolicy::Any => HeaderValue::from_static("*"),
            OriginPolicy::Only(allowed) => {
                let origin = origin
                    .as_ref()
                    .ok_or("request has no Origin or Referer header")?;
                if !allowed.iter().any(|entry| entry.allows(&origin.serialised)) {
                    return Err("origin is not allowed to send views here");
                }
                // A serialised origin is ASCII, so this holds; refusing is the safe answer if not.
                HeaderValue::from_str(&origin.serialised)
                    .map_err(|_| "origin is not a valid header value")?
            }
        };
        Ok(Admitted {
            allow_origin,
            site: origin.map(|origin| origin.host).unwrap_or_default(),
        })
    }

    /// A browser's `Origin` is already serialised as `--allow-origin` holds it, so an allowed
    /// one is found by comparing bytes, with no URL parsed (each view's request has one).
    fn admit_exact(&self, headers: &HeaderMap) -> Option<Admitted> {
        let OriginPolicy::Only(allowed) = self else {
            return None;
        };
        let sent = headers.get(header::ORIGIN)?;
        allowed.iter().find_map(|entry| match entry {
            AllowedOrigin::Exact { origin, host } if origin.as_bytes() == sent.as_bytes() => {
                Some(Admitted {
                    allow_origin: sent.clone(),
                    site: host.clone(),
                })
            }
            _ => None,
        })
    }
}

/// A request whose origin may send views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    /// The value of `Access-Control-Allow-Origin`: the request's origin, or `*`.
    pub allow_origin: HeaderValue,
    /// The site its views are of: the host of the request's origin, lowercase; empty when the
    /// request names none (allowed with `--allow-any-origin`).
    pub site: String,
}

fn parse_origin_flag(text: &str) -> Result<AllowedOrigin, String> {
    let bad = || {
        format!(
            "--allow-origin {text:?} is not an origin: give scheme and host (and port), like \
             https://example.com, or https://*.example.com for every subdomain"
        )
    };
    let (wildcard, plain) = match text.split_once("://*.") {
        Some((scheme, rest)) => (true, format!("{scheme}://{rest}")),
        None => (false, text.to_owned()),
    };
    if plain.contains('*') {
        return Err(bad());
    }
    let url = Url::parse(&plain).map_err(|_| bad())?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || !bare {
        return Err(bad());
    }
    match (wildcard, url.host_str()) {
        (true, Some(domain)) if domain.contains('.') => Ok(AllowedOrigin::Subdomains {
            scheme: url.scheme().to_owned(),
            domain: domain.to_owned(),
            port: url.port_or_known_default(),
        }),
        (true, _) => Err(bad()),
        (false, Some(host)) => Ok(AllowedOrigin::Exact {
            origin: url.origin().ascii_serialization(),
            host: host.to_ascii_lowercase(),
        }),
        (false, None) => Err(bad()),
    }
}

/// The origin a request names, serialised, and its host.
struct RequestOrigin {
    serialised: String,
    host: String,
}

fn request_origin(headers: &HeaderMap) -> Option<RequestOrigin> {
    let text = |name| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(origin) = text(header::ORIGIN) {
        // "null" (sandboxed frames, file://) never matches an allowed origin.
        return Some(normalised_origin(origin).unwrap_or_else(|| RequestOrigin {
            serialised: "null".into(),
            host: String::new(),
        }));
    }
    text(header::REFERER).and_then(normalised_origin)
}

fn normalised_origin(text: &str) -> Option<RequestOrigin> {
    let url = Url::parse(text).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| RequestOrigin {
        serialised: origin.ascii_serialization(),
        host: url.host_str().unwrap_or_default().to_ascii_lowercase(),
    })
}

/// The client's address: the connection's peer or, behind a reverse proxy that is trusted to
/// say so (`--trust-forwarded-for`), the last X-Forwarded-For entry, the one the proxy added.
/// Entries before it are whatever the client wrote, so they are never used. The entry may carry
/// a port (`203.0.113.9:5555`, `[2001:db8::1]:443`), as some gateways write it. An entry that is
/// no address (garbage, an empty entry after a last comma) is an error, never the proxy's own
/// address: that would make everyone behind the proxy with one browser one visitor. Without
/// the header, the peer is the client (a request that did not come through the proxy).
pub fn client_address(
    peer: IpAddr,
    headers: &HeaderMap,
    trust_forwarded_for: bool,
) -> Result<IpAddr, UnreadableForwardedFor> {
    if !trust_forwarded_for {
        return Ok(peer);
    }
    let Some(value) = headers.get_all("x-forwarded-for").iter().next_back() else {
        return Ok(peer);
    };
    let Ok(value) = value.to_str() else {
        return Err(UnreadableForwardedFor::of(&String::from_utf8_lossy(
            value.as_bytes(),
        )));
    };
    let last = value.rsplit(',').next().unwrap_or_default().trim();
    forwarded_address(last).ok_or_else(|| UnreadableForwardedFor::of(last))
}

/// An X-Forwarded-For entry as an address: bare, with a port, or a bracketed IPv6 address.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = entry.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    let bracketed = entry.strip_prefix('[')?.strip_suffix(']')?;
    bracketed.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// The last X-Forwarded-For entry is not an address. `shape` is what it looks like with every
/// letter and digit written `x` (at most 45 characters), so that a log can say what the proxy
/// wrote without writing anyone's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableForwardedFor {
    pub shape: String,
}

impl UnreadableForwardedFor {
    fn of(entry: &str) -> Self {
        let shape: String = entry
            .chars()
            .take(45)
            .map(|c| match c {
                c if c.is_ascii_alphanumeric() => 'x',
                c if c.is_ascii_graphic() || c == ' ' => c,
                _ => '?',
            })
            .collect();
        UnreadableForwardedFor {
            shape: match shape.is_empty() {
                true => "(empty)".into(),
                false => shape,
            },
        }
    }
}

/// The visitor asked not to be tracked: `DNT: 1` or `Sec-GPC: 1`.
pub fn asks_not_to_be_tracked(headers: &HeaderMap) -> bool {
    ["dnt", "sec-gpc"].iter().any(|name| {
        headers
            .get(*name)
            .is_some_and(|value| value.as_bytes() == b"1")
    })
}

#[cfg(test)]
mod tests {
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
        OriginPolicy::Any.admit(headers).unwrap().site
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
        assert_eq!(sent.site, "blog.example.com");
        assert_eq!(sent.allow_origin, "https://blog.example.com:8443");
        assert_eq!(written, sent);
        let pixel = admit(&[("referer", "https://blog.example.com:8443/post?x=1")]);
        assert_eq!(pixel, sent);
        let local = admit(&[("origin", "http://[::1]:3000")]);
        assert_eq!(local.site, "[::1]");
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
        let read = |value: &'static str| {
            client_address(proxy, &headers(&[("x-forwarded-for", value)]), true)
        };
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
}
