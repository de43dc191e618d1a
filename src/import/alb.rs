//! Elastic Load Balancing access logs (pure code): an Application Load Balancer's, and a
//! Classic Load Balancer's, which lack the first field (the type):
//!
//! ```text
//! https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:... "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" ...
//! 2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -
//! ```
//!
//! The request holds the whole URL, host and port included; the status is the load
//! balancer's (what the client got). These logs have no referrer. A TCP listener's lines
//! (Classic) have `- - - ` as request and are not GETs; a Network Load Balancer's TLS lines
//! (`tls 2.0 ...`) are another format, refused as such.

use std::borrow::Cow;

use super::request::{Request, Unparsable};
use super::tokens::{dash_is_none, quoted, split_request, without_port, word};

/// The request types an Application Load Balancer writes.
const TYPES: [&str; 6] = ["http", "https", "h2", "grpcs", "ws", "wss"];

/// Reads one line of an Application or Classic Load Balancer's access log.
pub fn parse_alb(line: &str) -> Result<Request<'_>, Unparsable> {
    let mut rest = line.trim_end();
    let first = word(&mut rest).ok_or("no request type")?;
    let time = match TYPES.contains(&first) {
        true => word(&mut rest).ok_or("no time")?,
        // A Classic Load Balancer's line starts with the time.
        false if looks_like_a_time(first) => first,
        false if first == "tls" => {
            return Err("a Network Load Balancer's TLS connection, not an HTTP request")
        }
        false => return Err("no request type (http, https, h2, grpcs, ws, wss)"),
    };
    let time_ms = chrono::DateTime::parse_from_rfc3339(time)
        .map_err(|_| "time is not like 2018-07-02T22:23:00.186641Z")?
        .timestamp_millis();
    word(&mut rest).ok_or("no load balancer")?;
    let client = word(&mut rest).ok_or("no client:port")?;
    for missing in [
        "no target:port",
        "no request processing time",
        "no target processing time",
        "no response processing time",
    ] {
        word(&mut rest).ok_or(missing)?;
    }
    // `-` when the load balancer answered nothing (the client left first).
    let status = word(&mut rest).ok_or("no status code")?;
    let status = match status {
        "-" => 0,
        status => status.parse::<u16>().map_err(|_| "no status code")?,
    };
    for missing in [
        "no target status code",
        "no received bytes",
        "no sent bytes",
    ] {
        word(&mut rest).ok_or(missing)?;
    }
    let request = quoted(&mut rest).ok_or("no \"request\"")?;
    let agent = quoted(&mut rest).ok_or("no \"user agent\"")?;
    let (method, url) = split_request(request);
    let (host, target) = split_url(url);
    Ok(Request {
        address: Cow::Borrowed(without_port(client)),
        time_ms,
        method,
        target,
        status,
        referrer: None,
        user_agent: dash_is_none(agent),
        host,
    })
}

/// `2015-05-13T23:39:43.945958Z`, roughly: four digits, a dash, and a `T`.
fn looks_like_a_time(word: &str) -> bool {
    let bytes = word.as_bytes();
    bytes.len() >= 20
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[10] == b'T'
}

/// The host (with its port) and the path and query of a full URL, as the load balancer writes
/// it: `https://www.example.com:443/a?b` is `www.example.com:443` and `/a?b`.
fn split_url(url: Cow<'_, str>) -> (Option<Cow<'_, str>>, Cow<'_, str>) {
    let parts = |text: &str| -> Option<(usize, usize, usize)> {
        let host_start = text.find("://")? + 3;
        let path_start = text[host_start..]
            .find('/')
            .map_or(text.len(), |at| host_start + at);
        Some((host_start, path_start, text.len()))
    };
    match url {
        Cow::Borrowed(text) => match parts(text) {
            Some((h, p, e)) if p < e => {
                (Some(Cow::Borrowed(&text[h..p])), Cow::Borrowed(&text[p..]))
            }
            Some((h, p, _)) => (Some(Cow::Borrowed(&text[h..p])), Cow::Borrowed("/")),
            None => (None, Cow::Borrowed(text)),
        },
        Cow::Owned(text) => match parts(&text) {
            Some((h, p, e)) => (
                Some(Cow::Owned(text[h..p].to_owned())),
                Cow::Owned(if p < e {
                    text[p..].to_owned()
                } else {
                    "/".to_owned()
                }),
            ),
            None => (None, Cow::Owned(text)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTTPS: &str = r#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/posts/a?utm_source=x HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90"#;

    #[test]
    fn an_application_load_balancer_line() {
        let request = parse_alb(HTTPS).unwrap();
        assert_eq!(request.address, "192.168.131.39");
        assert_eq!(request.time_ms, 1_530_570_180_186);
        assert_eq!(request.method, "GET");
        assert_eq!(request.target, "/posts/a?utm_source=x");
        assert_eq!(request.host.as_deref(), Some("www.example.com:443"));
        assert_eq!(request.status, 200);
        assert_eq!(request.referrer, None);
        assert!(request.user_agent.unwrap().ends_with("Firefox/133.0"));
    }

    #[test]
    fn http2_ipv6_websockets_and_unanswered_requests() {
        let h2 = r#"h2 2015-05-13T23:39:43.945958Z app/my-loadbalancer/50dc6c495c0c9188 2001:db8:85a3::8a2e:370:7334:51234 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2"#;
        let request = parse_alb(h2).unwrap();
        assert_eq!(request.address, "2001:db8:85a3::8a2e:370:7334");
        assert_eq!(request.target, "/");
        let ws = r#"ws 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.0.140:40914 10.0.1.192:8010 0.001 0.003 0.000 101 101 218 587 "GET http://10.0.0.30:80/ HTTP/1.1" "-" - - arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 1 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.1.192:8010" "101" "-" "-""#;
        let request = parse_alb(ws).unwrap();
        assert_eq!((request.status, request.user_agent), (101, None));
        let left = r#"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - -1 -1 -1 - - 34 0 "- http://www.example.com:80- -" "-" - - - "-" "-" "-" - 2018-07-02T22:22:48.364000Z "-" "-" "-" "-" "-" "-" "-""#;
        let request = parse_alb(left).unwrap();
        assert_eq!((request.method.as_ref(), request.status), ("-", 0));
    }

    #[test]
    fn classic_lines_and_other_formats() {
        let classic = r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -"#;
        let request = parse_alb(classic).unwrap();
        assert_eq!(request.time_ms, 1_431_560_383_945);
        assert_eq!(request.host.as_deref(), Some("www.example.com:80"));
        let tcp = r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -"#;
        let request = parse_alb(tcp).unwrap();
        assert_eq!((request.method.as_ref(), request.status), ("-", 0));
        let nlb = "tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com - - - 2018-12-20T02:59:30";
        assert_eq!(
            parse_alb(nlb).unwrap_err(),
            "a Network Load Balancer's TLS connection, not an HTTP request"
        );
        for other in [
            "- 2018-07-02T22:23:00Z",
            r#"192.0.2.1 - - [13/Mar/2021:10:00:00 +0000] "GET / HTTP/1.1" 200 5"#,
        ] {
            assert_eq!(
                parse_alb(other).unwrap_err(),
                "no request type (http, https, h2, grpcs, ws, wss)"
            );
        }
    }
}
