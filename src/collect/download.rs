//! `GET /v1/download?url=URL`: which URLs may be redirected to (the hosts of `--download-host`,
//! and nothing else: never an open redirect), and the download event's fields (pure code).

use std::borrow::Cow;
use url::Url;

use crate::collect::view::{BadView, ViewFields};
use crate::model::event::location::LinkTags;

/// The hosts files may be downloaded from through the collector (`--download-host`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownloadHosts {
    hosts: Vec<DownloadHost>,
}

/// A host, as the `url` crate spells it (lowercase, IDNs in punycode), and a port when one
/// was named; without one, only the scheme's default port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DownloadHost {
    host: String,
    port: Option<u16>,
}

/// A download request, checked: where to send the browser, and what to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The target, serialised as parsed: the `Location` of the redirect.
    pub target: Url,
    /// The target's host: the site of the download's visitor key.
    pub host: String,
}

impl DownloadHosts {
    /// Checks the hosts given on the command line: `files.example.com` or `host:port`.
    pub fn from_flags(flags: &[String]) -> Result<DownloadHosts, String> {
        let hosts = flags
            .iter()
            .map(|flag| parse_host_flag(flag))
            .collect::<Result<_, _>>()?;
        Ok(DownloadHosts { hosts })
    }

    /// The URL to redirect to, or why it may not be one: it must be an absolute http(s) URL
    /// on one of the hosts, with no user name or password, and nothing a browser would read
    /// differently from how it is checked here (backslashes, control characters, spaces).
    pub fn target(&self, raw: &str) -> Result<Download, &'static str> {
        if self.hosts.is_empty() {
            return Err(
                "downloads are not enabled here: `collect --download-host` names the \
                        hosts files may come from",
            );
        }
        if raw.is_empty() {
            return Err("`url` is missing: /v1/download?url=https://files.example.com/f.pdf");
        }
        if raw
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
        {
            return Err("`url` holds a backslash, a space or a control character");
        }
        let url = Url::parse(raw).map_err(|_| "`url` is not an absolute URL")?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("`url` must be an http or https URL");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("`url` must not hold a user name or password");
        }
        let host = url.host_str().ok_or("`url` names no host")?;
        let allowed = self
            .hosts
            .iter()
            .any(|allowed| allowed.host == host && allowed.port == url.port());
        if !allowed {
            return Err("`url` is not on a download host of this collector");
        }
        Ok(Download {
            host: host.to_owned(),
            target: url,
        })
    }
}

fn parse_host_flag(text: &str) -> Result<DownloadHost, String> {
    let bad = || {
        format!(
            "--download-host {text:?} is not a host: give a host name, like files.example.com \
             (or host:port)"
        )
    };
    let text = text.trim();
    if text.is_empty() || text.contains(['/', '\\', '@', '?', '#', '*']) {
        return Err(bad());
    }
    let url = Url::parse(&format!("https://{text}")).map_err(|_| bad())?;
    let host = url
        .host_str()
        .filter(|host| !host.is_empty())
        .ok_or_else(bad)?;
    Ok(DownloadHost {
        host: host.to_owned(),
        port: url.port(),
    })
}

/// The fields of `/v1/download?url=URL[&utm_source=...&variant=...]`: the `url` (once), and
/// the link's own campaign parameters and variant, which win over those of the target's URL.
pub fn download_request(query: Option<&str>) -> Result<(String, LinkTags), BadView> {
    let query = query.unwrap_or("").as_bytes();
    let mut target = None;
    for (name, value) in url::form_urlencoded::parse(query) {
        if name == "url" {
            if target.is_some() {
                return Err(BadView::new("malformed", "`url` given twice"));
            }
            target = Some(value.into_owned());
        }
    }
    let tags = LinkTags::from_pairs(url::form_urlencoded::parse(query)).map_err(BadView::from)?;
    Ok((target.unwrap_or_default(), tags))
}

/// The fields of a download of `target` through a link tagged `link`, from a page at
/// `referrer`: the page is the target's path, as pages are stored.
pub fn download_fields(
    target: &Download,
    link: LinkTags,
    referrer: Option<String>,
) -> ViewFields<'static> {
    ViewFields {
        page: Some(target.target.as_str().to_owned().into()),
        kind: Some("download".into()),
        referrer: referrer.map(Cow::Owned),
        link,
        ..ViewFields::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::Field;

    fn hosts(flags: &[&str]) -> DownloadHosts {
        let flags: Vec<String> = flags.iter().map(|flag| flag.to_string()).collect();
        DownloadHosts::from_flags(&flags).unwrap()
    }

    #[test]
    fn only_named_hosts_are_targets() {
        let hosts = hosts(&["files.example.com", "Example.com", "localhost:8443"]);
        for (given, location) in [
            (
                "https://files.example.com/guide.pdf",
                "https://files.example.com/guide.pdf",
            ),
            (
                "http://FILES.example.com/a%20b.zip?sig=1#x",
                "http://files.example.com/a%20b.zip?sig=1#x",
            ),
            ("https://example.com:443/x.csv", "https://example.com/x.csv"),
            (
                "https://localhost:8443/x.dmg",
                "https://localhost:8443/x.dmg",
            ),
        ] {
            let download = hosts.target(given).unwrap();
            assert_eq!(download.target.as_str(), location, "{given}");
        }
        assert_eq!(
            hosts.target("https://files.example.com/f").unwrap().host,
            "files.example.com"
        );
    }

    #[test]
    fn hostile_targets_are_refused() {
        let hosts = hosts(&["files.example.com"]);
        for hostile in [
            "https://evil.test/f.pdf",
            "//evil.test/f.pdf",
            "/f.pdf",
            "files.example.com/f.pdf",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://files.example.com/f.pdf",
            "https://files.example.com@evil.test/f.pdf",
            "https://files.example.com:x@evil.test/",
            "https://user@files.example.com/f.pdf",
            "https://evil.test\\@files.example.com/",
            "https://evil.test\\files.example.com",
            "https:\\\\evil.test",
            "https://files.example.com.evil.test/f.pdf",
            "https://evil.test/files.example.com",
            "https://evil.test#files.example.com",
            "https://evil.test?files.example.com",
            "https://files.example.com:8080/f.pdf",
            "https://files%2Eexample%2Ecom.evil.test/",
            "https://evil%2Etest/",
            "https%3A%2F%2Fevil.test%2F",
            "https://files.example.com\t.evil.test/",
            "https://files.example.com\n/",
            " https://files.example.com/",
            "https://xn--files-.example.com/",
            "",
        ] {
            assert!(hosts.target(hostile).is_err(), "{hostile:?} was allowed");
        }
        // Percent-encoding that spells the allowed host is the allowed host, for the browser too.
        let encoded = hosts.target("https://files%2Eexample%2Ecom/f.pdf").unwrap();
        assert_eq!(encoded.target.as_str(), "https://files.example.com/f.pdf");
        assert!(DownloadHosts::default()
            .target("https://files.example.com/f.pdf")
            .is_err());
    }

    #[test]
    fn host_flags_are_hosts() {
        assert_eq!(hosts(&["münchen.de"]).hosts[0].host, "xn--mnchen-3ya.de");
        assert_eq!(hosts(&["[::1]:8080"]).hosts[0].port, Some(8080));
        for bad in [
            "",
            "https://files.example.com",
            "files.example.com/path",
            "*.example.com",
            "user@files.example.com",
            "files.example.com:99999",
        ] {
            let err = DownloadHosts::from_flags(&[bad.to_string()]).unwrap_err();
            assert!(err.contains("--download-host"), "{bad}: {err}");
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

            /// Whatever `url` a client sends, a target that is accepted is, read again as a
            /// browser reads the `Location`, on an allowed host and port, and the same URL.
            #[test]
            fn an_accepted_target_is_always_on_an_allowed_host(
                raw in "(https?://|https?:|javascript:|//|/\\\\)(files\\.example\\.com|evil\\.test|@|:|%2[eE]|%40|\\\\|\\.|[a-z])(files\\.example\\.com|evil\\.test|@|:|:443|:8080|%2[eE]|%40|\\\\|#|\\?|/|\\.|[a-z0-9]){0,8}",
            ) {
                let hosts = hosts(&["files.example.com"]);
                if let Ok(download) = hosts.target(&raw) {
                    let again = Url::parse(download.target.as_str()).unwrap();
                    prop_assert_eq!(again.host_str(), Some("files.example.com"), "{:?}", raw);
                    prop_assert_eq!(again.port(), None);
                    prop_assert_eq!(again.username(), "");
                    prop_assert_eq!(again.as_str(), download.target.as_str());
                }
            }
        }
    }

    #[test]
    fn the_link_and_its_campaign() {
        let (url, tags) = download_request(Some(
            "url=https%3A%2F%2Ffiles.example.com%2Fguide.pdf&utm_source=newsletter&variant=B",
        ))
        .unwrap();
        assert_eq!(url, "https://files.example.com/guide.pdf");
        assert_eq!(tags.get(Field::Source), Some("newsletter"));
        assert_eq!(tags.get(Field::Variant), Some("B"));
        assert!(download_request(Some("url=a&url=b")).is_err());
        assert_eq!(download_request(None).unwrap().0, "");
        let bad = download_request(Some(&format!("url=x&utm_campaign={}", "c".repeat(101))));
        assert!(bad.unwrap_err().reason.contains("utm_campaign"));
    }
}
