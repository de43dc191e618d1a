//! Amazon S3 server access logs of a bucket serving a static website (pure code):
//!
//! ```text
//! 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be www.example.com [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57427F3EXAMPLE WEBSITE.GET.OBJECT posts/a/index.html "GET /posts/a/ HTTP/1.1" 200 - 2662 2662 12 11 "https://www.google.com/" "Mozilla/5.0 (X11; Linux x86_64)" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= - - - www.example.com - - -
//! ```
//!
//! Fields: bucket owner, bucket, [time], remote IP, requester, request ID, operation, key,
//! "request-URI", status, error code, bytes sent, object size, total time, turn-around time,
//! "referer", "user-agent", version ID, host ID, signature version, cipher suite,
//! authentication type, host header, TLS version (later fields ignored). A visit to the
//! website is a `WEBSITE.*` operation; `REST.*` and the others are API calls (the console, an
//! SDK, a CDN fetching from its origin), never views.

use std::borrow::Cow;

use super::filter::Skip;
use super::request::{parse_clf_time, Request, Unparsable};
use super::tokens::{bracketed, dash_is_none, dash_is_none_str, quoted, split_request, word};

/// A line: a website request, or an API call (not a visit).
pub enum S3Line<'a> {
    Website(Request<'a>),
    Api(Skip),
}

/// Reads one line of an S3 server access log.
pub fn parse_s3_access(line: &str) -> Result<S3Line<'_>, Unparsable> {
    let mut rest = line.trim_end();
    word(&mut rest).ok_or("no bucket owner")?;
    word(&mut rest).ok_or("no bucket")?;
    let time = bracketed(&mut rest).ok_or("no [time] after the bucket owner and bucket")?;
    let time_ms = parse_clf_time(time).ok_or("time is not like [06/Feb/2019:00:00:38 +0000]")?;
    let address = word(&mut rest).ok_or("no remote IP")?;
    word(&mut rest).ok_or("no requester")?;
    word(&mut rest).ok_or("no request ID")?;
    let operation = word(&mut rest).ok_or("no operation")?;
    if !operation.contains('.') {
        return Err("no operation (such as WEBSITE.GET.OBJECT)");
    }
    word(&mut rest).ok_or("no key")?;
    let request = quoted(&mut rest).ok_or("no \"request-URI\"")?;
    let status = match word(&mut rest).ok_or("no status code")? {
        "-" => 0,
        status => status.parse::<u16>().map_err(|_| "no status code")?,
    };
    for missing in [
        "no error code",
        "no bytes sent",
        "no object size",
        "no total time",
        "no turn-around time",
    ] {
        word(&mut rest).ok_or(missing)?;
    }
    let referrer = quoted(&mut rest).ok_or("no \"referer\"")?;
    let agent = quoted(&mut rest).ok_or("no \"user-agent\"")?;
    if !operation.starts_with("WEBSITE.") {
        return Ok(S3Line::Api(Skip::Api));
    }
    // Version ID, host ID, signature version, cipher suite, authentication type; then the
    // host header, which lines of older logs do not have.
    for _ in 0..5 {
        word(&mut rest);
    }
    let host = word(&mut rest).and_then(dash_is_none_str);
    let (method, target) = split_request(request);
    Ok(S3Line::Website(Request {
        address: Cow::Borrowed(address),
        time_ms,
        method,
        target,
        status,
        referrer: dash_is_none(referrer),
        user_agent: dash_is_none(agent),
        host: host.map(Cow::Borrowed),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: &str = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";

    fn website() -> String {
        format!(
            r#"{OWNER} www.example.com [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57427F3EXAMPLE WEBSITE.GET.OBJECT posts/a/index.html "GET /posts/a/?utm_source=x HTTP/1.1" 200 - 2662 2662 12 11 "https://www.google.com/" "Mozilla/5.0 (X11; Linux x86_64)" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= - - - www.example.com - - -"#
        )
    }

    #[test]
    fn a_website_request() {
        let line = website();
        let S3Line::Website(request) = parse_s3_access(&line).unwrap() else {
            panic!("not a website request");
        };
        assert_eq!(request.address, "192.0.2.3");
        assert_eq!(request.time_ms, 1_549_411_238_000);
        assert_eq!(request.target, "/posts/a/?utm_source=x");
        assert_eq!(request.status, 200);
        assert_eq!(request.referrer.as_deref(), Some("https://www.google.com/"));
        assert_eq!(
            request.user_agent.as_deref(),
            Some("Mozilla/5.0 (X11; Linux x86_64)")
        );
        assert_eq!(request.host.as_deref(), Some("www.example.com"));
    }

    #[test]
    fn api_calls_and_broken_lines() {
        // AWS's example of a REST request.
        let rest = format!(
            r#"{OWNER} DOC-EXAMPLE-BUCKET1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 {OWNER} 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /DOC-EXAMPLE-BUCKET1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes"#
        );
        assert!(matches!(parse_s3_access(&rest), Ok(S3Line::Api(Skip::Api))));
        let combined =
            r#"203.0.113.9 - - [13/Mar/2021:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "x""#;
        assert_eq!(
            parse_s3_access(combined).err(),
            Some("no [time] after the bucket owner and bucket")
        );
        let cut = &website()[..200];
        assert_eq!(parse_s3_access(cut).err(), Some("no \"request-URI\""));
    }
}
