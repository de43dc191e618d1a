//! `pageviews snippet`: the script tag a site adds to its pages.

use clap::Args;
use url::Url;

use crate::error::bad_input;
use crate::output::print_data;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Add the printed tag to every page, e.g. before </head>. The script (under 1 KB gzipped) sends the
page's path with navigator.sendBeacon, counts single-page-app navigations (pushState,
replaceState, back/forward) once each, and does nothing when Do Not Track or Global Privacy
Control is on. Pages without JavaScript can use the pixel: <img src=\"ENDPOINT/v1/view.gif?page=/path\">.

Examples:
  pageviews snippet --endpoint https://stats.example.com
  pageviews snippet --endpoint https://example.com/stats   # collect behind a path prefix")]
pub struct SnippetArgs {
    /// Public URL where `pageviews collect` is reachable from visitors' browsers.
    #[arg(long, env = "PAGEVIEWS_ENDPOINT", value_name = "URL")]
    pub endpoint: String,
}

pub fn run(args: &SnippetArgs) -> anyhow::Result<()> {
    let endpoint = match script_base(&args.endpoint) {
        Ok(endpoint) => endpoint,
        Err(why) => return bad_input(why),
    };
    print_data(&tag(&endpoint))
}

/// The tag for a collector at `endpoint` (no trailing slash).
pub fn tag(endpoint: &str) -> String {
    format!("<script defer src=\"{endpoint}/pageviews.js\"></script>")
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
            script_base("https://stats.example.com/").map(|base| tag(&base)),
            Ok("<script defer src=\"https://stats.example.com/pageviews.js\"></script>".into())
        );
        assert_eq!(
            script_base("https://example.com/stats"),
            Ok("https://example.com/stats".into())
        );
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
