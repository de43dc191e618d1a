//! `pageviews snippet`: the script tag a site adds to its pages.

use clap::Args;
use url::Url;

use crate::model::bad_input::bad_input;
use crate::output::print_data;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Add the printed tag to every page, e.g. before </head>. The script (under 1 KB gzipped) sends the
page's URL (the collector reads utm_* and variant, then drops the query) and the referrer with
navigator.sendBeacon; counts single-page-app navigations (pushState, replaceState,
back/forward) once each; counts clicks on links to files (.pdf, .zip, .dmg, ...) as downloads;
offers pageviews(\"signup\") for custom events; sends the A/B variant of
<meta name=\"pageviews:variant\" content=\"B\">, or of the cookie --variant-cookie names; and
does nothing when Do Not Track or Global Privacy Control is on. Pages without JavaScript can
use the pixel: <img src=\"ENDPOINT/v1/view.gif?page=/path\">. docs/collector.md has the details.

Examples:
  pageviews snippet --endpoint https://stats.example.com
  pageviews snippet --endpoint https://example.com/stats   # collect behind a path prefix
  pageviews snippet --endpoint https://stats.example.com --variant-cookie ab-variant")]
pub struct SnippetArgs {
    /// Public URL where `pageviews collect` is reachable from visitors' browsers.
    #[arg(long, env = "PAGEVIEWS_ENDPOINT", value_name = "URL")]
    pub endpoint: String,

    /// A cookie whose value is the A/B variant the visitor sees, as an edge function (e.g. a
    /// CloudFront function) sets it; the script reads it (it must not be HttpOnly) and sends
    /// it with each view and event. A page's <meta name="pageviews:variant"> wins over it.
    #[arg(long, env = "PAGEVIEWS_VARIANT_COOKIE", value_name = "NAME")]
    pub variant_cookie: Option<String>,
}

pub fn run(args: &SnippetArgs) -> anyhow::Result<()> {
    let endpoint = match script_base(&args.endpoint) {
        Ok(endpoint) => endpoint,
        Err(why) => return bad_input(why),
    };
    let cookie = args.variant_cookie.as_deref().map(cookie_name).transpose();
    match cookie {
        Ok(cookie) => print_data(&tag(&endpoint, cookie)),
        Err(why) => bad_input(why),
    }
}

/// The tag for a collector at `endpoint` (no trailing slash), telling the script which cookie
/// holds the variant, if one does.
pub fn tag(endpoint: &str, variant_cookie: Option<&str>) -> String {
    let cookie = variant_cookie
        .map(|name| format!(" data-variant-cookie=\"{name}\""))
        .unwrap_or_default();
    format!("<script defer src=\"{endpoint}/pageviews.js\"{cookie}></script>")
}

/// A cookie name as RFC 6265 allows it (a token), so the tag's attribute needs no escaping
/// and the script finds it as written.
fn cookie_name(text: &str) -> Result<&str, String> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%'*+-.^_`|~".contains(c);
    if text.is_empty() || !text.chars().all(token) {
        return Err(format!(
            "--variant-cookie {text:?} is not a cookie name: letters, digits and !#$%'*+-.^_`|~, \
             e.g. ab-variant"
        ));
    }
    Ok(text)
}

/// Checks the endpoint is an http(s) URL without query or fragment, and drops a final slash.
fn script_base(text: &str) -> Result<String, String> {
    let bad = |why: &str| {
        format!("--endpoint {text:?} {why}: give the collector's public URL, e.g. https://stats.example.com")
    };
    let url = Url::parse(text.trim()).map_err(|_| bad("is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad("is not an http or https URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("has a query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_become_script_tags() {
        assert_eq!(
            script_base("https://stats.example.com/").map(|base| tag(&base, None)),
            Ok("<script defer src=\"https://stats.example.com/pageviews.js\"></script>".into())
        );
        assert_eq!(
            script_base("https://example.com/stats"),
            Ok("https://example.com/stats".into())
        );
        assert_eq!(
            tag("https://s.test", Some("ab")),
            "<script defer src=\"https://s.test/pageviews.js\" data-variant-cookie=\"ab\"></script>"
        );
        assert_eq!(cookie_name("ab-variant_2"), Ok("ab-variant_2"));
        for bad in ["", "a b", "a;b", "a=b", "a\"b", "a&b", "<x>", "é"] {
            assert!(cookie_name(bad).is_err(), "{bad}");
        }
        for bad in [
            "stats.example.com",
            "ftp://x",
            "https://x/?a=1",
            "https://x/#a",
            "",
        ] {
            assert!(script_base(bad).is_err(), "{bad}");
        }
    }
}
