//! Who may report views and which requests are not counted: the origin allow-list and Do Not
//! Track / Global Privacy Control (pure code over request headers; bots, by user agent, are
//! `collect::audience`'s).

use axum::http::{header, HeaderMap, HeaderValue};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
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
    /// (The host is shared: every admitted request of the site carries it.)
    Exact { origin: String, host: Arc<str> },
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
            site: origin.map_or_else(|| Arc::from(""), |origin| origin.host.into()),
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
    pub site: Arc<str>,
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
            host: host.to_ascii_lowercase().into(),
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
#[path = "policy_tests.rs"]
mod tests;
