//! `import` of the logs an AWS-hosted site has: CloudFront's standard logs (legacy, with its
//! double-encoded user agents and HTTP/3, and v2's JSON), Application and Classic Load
//! Balancer logs (HTTP/2, WebSockets, gRPC, TCP lines, a Network Load Balancer's line) and S3
//! server access logs of a website (API calls beside its visits), each with lines of another
//! format mixed in: the exact views, visitors and skipped lines each gives, and a second
//! import that changes nothing.

use serde_json::json;
use std::collections::BTreeMap;

use crate::harness::Env;
use crate::logs::{by, combined, import, rows, CHROME, FIREFOX, SAFARI};

/// A user agent as CloudFront writes it: percent-encoded twice (a space is `%2520`).
fn encoded_twice(agent: &str) -> String {
    agent.replace(' ', "%2520").replace('"', "%2522")
}

/// A legacy CloudFront line of the 33 documented fields, tab-separated.
// One argument per field the lines of the test differ in.
#[allow(clippy::too_many_arguments)]
fn cloudfront(
    time: &str,
    ip: &str,
    method: &str,
    stem: &str,
    status: &str,
    referrer: &str,
    agent: &str,
    query: &str,
    version: &str,
) -> String {
    let request_id = format!("{:x}", md5_like(&[time, ip, stem, agent].concat()));
    [
        "2021-03-13",
        time,
        "FRA56-P5",
        "11040",
        ip,
        method,
        "d111111abcdef8.cloudfront.net",
        stem,
        status,
        referrer,
        agent,
        query,
        "-",
        "Hit",
        &request_id,
        "www.example.com",
        "https",
        "23",
        "0.001",
        "-",
        "TLSv1.3",
        "TLS_AES_128_GCM_SHA256",
        "Hit",
        version,
        "-",
        "-",
        "51234",
        "0.001",
        "Hit",
        "text/html",
        "78",
        "-",
        "-",
    ]
    .join("\t")
}

/// A stand-in for CloudFront's request id: distinct per line, the same every run.
fn md5_like(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3)
    })
}

#[test]
fn cloudfront_legacy_and_v2_json_logs() {
    let env = Env::new();
    let chrome = encoded_twice(CHROME);
    let legacy = [
        "#Version: 1.0".to_owned(),
        "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end".to_owned(),
        // A view from a search with a campaign; the query's other parameters are dropped.
        cloudfront("10:00:00", "203.0.113.9", "GET", "/posts/a", "200", "https://www.google.com/", &chrome, "utm_source=news&utm_medium=email&q=secret", "HTTP/2.0"),
        // IPv6, HTTP/3, an agent encoded once (as older logs have it), no referrer or query.
        cloudfront("10:01:00", "2001:db8::1", "GET", "/posts/b", "200", "-", &SAFARI.replace(' ', "%20"), "-", "HTTP/3.0"),
        cloudfront("10:01:01", "2001:db8::1", "GET", "/static/app.js", "200", "https://www.example.com/posts/b", &SAFARI.replace(' ', "%20"), "-", "HTTP/3.0"),
        cloudfront("10:02:00", "66.249.66.1", "GET", "/posts/a", "200", "-", &encoded_twice("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), "-", "HTTP/1.1"),
        cloudfront("10:03:00", "3.92.144.159", "HEAD", "/rss/feed", "200", "-", "Slackbot%201.0%20(+https://api.slack.com/robots)", "-", "HTTP/2.0"),
        cloudfront("10:04:00", "203.0.113.9", "GET", "/missing", "404", "-", &chrome, "-", "HTTP/2.0"),
        // 000: the viewer left before the answer.
        cloudfront("10:05:00", "203.0.113.9", "GET", "/posts/c", "000", "-", &chrome, "-", "HTTP/2.0"),
        // The path as sent (/caf%C3%A9), its % encoded once more; cached.
        cloudfront("10:06:00", "192.0.2.5", "GET", "/caf%25C3%25A9", "304", "-", &encoded_twice(FIREFOX), "-", "HTTP/1.1"),
        // The first visitor again, from within the site: no referrer.
        cloudfront("10:07:00", "203.0.113.9", "GET", "/posts/b", "200", "https://www.example.com/posts/a", &chrome, "-", "HTTP/2.0"),
        // A line of another format, mixed in.
        combined("192.0.2.1", "13/Mar/2021:10:08:00 +0000", "GET /posts/a HTTP/1.1", 200, "-", FIREFOX),
    ];
    let v2 = [
        format!(r#"{{"date":"2021-03-13","time":"10:09:00","x-edge-location":"FRA56-P5","sc-bytes":"10712","c-ip":"198.51.100.7","cs-method":"GET","cs(Host)":"d111111abcdef8.cloudfront.net","cs-uri-stem":"/","sc-status":"200","cs(Referer)":"https://news.example.net/item%3Fid=1","cs(User-Agent)":"{}","cs-uri-query":"-","x-host-header":"www.example.com","cs-protocol-version":"HTTP/2.0"}}"#, FIREFOX.replace(' ', "%20")),
        r#"{"date":"2021-03-13","time":"10:10:00","c-ip":"198.51.100.8","cs-method":"GET","cs-uri-stem":"/","sc-status":"200","cs(User-Agent)":"curl/8.4.0","x-host-header":"www.example.com"}"#.to_owned(),
        r#"{"level":"info","msg":"not a log record"}"#.to_owned(),
    ];
    let legacy = env.write("E2ABC.2021-03-13-10.a1b2c3d4", &(legacy.join("\n") + "\n"));
    let v2 = env.write("E2ABC.2021-03-13-10.json", &(v2.join("\n") + "\n"));
    let args = [
        "--format",
        "cloudfront",
        legacy.to_str().unwrap(),
        v2.to_str().unwrap(),
    ];
    let summary = import(&env, &args);
    // The two directives are not lines.
    assert_eq!(summary["lines"], 13, "{summary}");
    assert_eq!(summary["views"], 5, "{summary}");
    assert_eq!(
        summary["skipped"],
        json!({"method": 1, "status": 2, "asset": 1})
    );
    assert_eq!(summary["bot_hits"], 2, "{summary}");
    let reasons: Vec<(u64, &str)> = summary["unparsable_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["line"].as_u64().unwrap(),
                line["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (12, "fewer fields than the #Fields line names"),
            (3, "no `cs-uri-stem` (not a CloudFront log record)")
        ]
    );
    let expected = BTreeMap::from([
        ("/".to_owned(), (1, 1)),
        ("/café".to_owned(), (1, 1)),
        ("/posts/a".to_owned(), (1, 1)),
        ("/posts/b".to_owned(), (2, 2)),
    ]);
    assert_eq!(rows(&env), expected);
    assert_eq!(env.status().last_day.unwrap().visitors, 4);
    let referrers: Vec<(String, u64)> = by(&env, "referrer")
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["referrer"].as_str().unwrap().to_owned(),
                row["views"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        referrers,
        [
            ("google.com".to_owned(), 1),
            ("news.example.net".to_owned(), 1)
        ]
    );
    assert_eq!(by(&env, "source")[0]["source"], "news");
    // Again: every line keeps its id, and is counted once.
    assert_eq!(import(&env, &args)["views"], 5);
    assert_eq!(rows(&env), expected);
}

/// An Application Load Balancer line.
fn alb(kind: &str, time: &str, client: &str, status: &str, request: &str, agent: &str) -> String {
    format!(
        r#"{kind} 2021-03-13T{time}.186641Z app/my-loadbalancer/50dc6c495c0c9188 {client} 10.0.0.1:80 0.000 0.001 0.000 {status} {status} 34 366 "{request}" "{agent}" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 2021-03-13T{time}.100000Z "forward" "-" "-" "10.0.0.1:80" "{status}" "-" "-" TID_1234abcd5678ef90"#
    )
}

#[test]
fn application_and_classic_load_balancer_logs() {
    let env = Env::new();
    let log = [
        alb("https", "10:00:00", "203.0.113.9:2817", "200", "GET https://www.example.com:443/posts/a?utm_campaign=spring&utm_source=mail HTTP/1.1", FIREFOX),
        // HTTP/2 from IPv6, written without brackets before the port.
        alb("h2", "10:01:00", "2001:db8::1:51234", "200", "GET https://www.example.com:443/posts/b HTTP/2.0", SAFARI),
        alb("http", "10:01:01", "2001:db8::1:51234", "200", "GET http://www.example.com:80/static/site.css HTTP/1.1", SAFARI),
        alb("wss", "10:02:00", "203.0.113.9:2818", "101", "GET https://www.example.com:443/socket HTTP/1.1", FIREFOX),
        alb("grpcs", "10:03:00", "203.0.113.9:2819", "200", "POST https://www.example.com:443/api.Service/Call HTTP/2.0", "grpc-go/1.20.0"),
        alb("https", "10:04:00", "192.0.2.44:4000", "200", "GET https://www.example.com:443/ HTTP/1.1", "curl/8.4.0"),
        // The client left before any answer: no request line, no status.
        alb("http", "10:05:00", "203.0.113.9:2820", "-", "- http://www.example.com:80- -", "-"),
        // A Classic Load Balancer: a view, and a TCP listener's line.
        format!(r#"2021-03-13T10:06:00.000073Z my-loadbalancer 198.51.100.7:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "{CHROME}" - -"#),
        r#"2021-03-13T10:07:00.000073Z my-loadbalancer 198.51.100.7:2818 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -"#.to_owned(),
        // A Network Load Balancer's TLS line, and a line of another format.
        "tls 2.0 2021-03-13T10:08:00 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com - - - 2021-03-13T10:07:59".to_owned(),
        combined("192.0.2.1", "13/Mar/2021:10:09:00 +0000", "GET /posts/a HTTP/1.1", 200, "-", FIREFOX),
    ];
    let file = env.write("alb.log", &(log.join("\n") + "\n"));
    let args = ["--format", "alb", file.to_str().unwrap()];
    let summary = import(&env, &args);
    assert_eq!(summary["lines"], 11, "{summary}");
    assert_eq!(summary["views"], 3, "{summary}");
    assert_eq!(
        summary["skipped"],
        json!({"method": 3, "status": 1, "asset": 1})
    );
    assert_eq!(summary["bot_hits"], 1, "{summary}");
    let reasons: Vec<&str> = summary["unparsable_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "a Network Load Balancer's TLS connection, not an HTTP request",
            "no request type (http, https, h2, grpcs, ws, wss)"
        ]
    );
    let expected = BTreeMap::from([
        ("/".to_owned(), (1, 1)),
        ("/posts/a".to_owned(), (1, 1)),
        ("/posts/b".to_owned(), (1, 1)),
    ]);
    assert_eq!(rows(&env), expected);
    let campaign = by(&env, "campaign");
    assert_eq!(
        (&campaign[0]["source"], &campaign[0]["campaign"]),
        (&json!("mail"), &json!("spring"))
    );
    assert_eq!(import(&env, &args)["views"], 3);
    assert_eq!(rows(&env), expected);
}

const OWNER: &str = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";
const HOST_ID: &str =
    "s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=";

/// An S3 server access log line of the bucket www.example.com.
// One argument per field the lines of the test differ in.
#[allow(clippy::too_many_arguments)]
fn s3(
    time: &str,
    ip: &str,
    operation: &str,
    key: &str,
    request: &str,
    status: &str,
    referrer: &str,
    agent: &str,
) -> String {
    let auth = match operation.starts_with("WEBSITE.") {
        true => "- - -",
        false => "SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader",
    };
    format!(
        r#"{OWNER} www.example.com [13/Mar/2021:{time} +0000] {ip} - 3E57427F3EXAMPLE {operation} {key} "{request}" {status} - 2662 2662 12 11 "{referrer}" "{agent}" - {HOST_ID} {auth} www.example.com - - -"#
    )
}

#[test]
fn s3_server_access_logs_of_a_website() {
    let env = Env::new();
    let log = [
        s3(
            "10:00:00",
            "203.0.113.9",
            "WEBSITE.GET.OBJECT",
            "posts/a/index.html",
            "GET /posts/a/ HTTP/1.1",
            "200",
            "https://www.google.com/",
            FIREFOX,
        ),
        s3(
            "10:01:00",
            "2001:db8::2",
            "WEBSITE.GET.OBJECT",
            "index.html",
            "GET / HTTP/1.1",
            "304",
            "http://www.example.com/posts/a/",
            SAFARI,
        ),
        s3(
            "10:02:00",
            "2001:db8::2",
            "WEBSITE.HEAD.OBJECT",
            "index.html",
            "HEAD / HTTP/1.1",
            "200",
            "-",
            SAFARI,
        ),
        s3(
            "10:03:00",
            "203.0.113.9",
            "WEBSITE.GET.OBJECT",
            "missing",
            "GET /missing HTTP/1.1",
            "404",
            "-",
            FIREFOX,
        ),
        s3(
            "10:04:00",
            "203.0.113.9",
            "WEBSITE.GET.OBJECT",
            "site.css",
            "GET /site.css HTTP/1.1",
            "200",
            "http://www.example.com/posts/a/",
            FIREFOX,
        ),
        // API calls: an SDK's GET, the console's PUT, a lifecycle expiry.
        s3(
            "10:05:00",
            "192.0.2.10",
            "REST.GET.OBJECT",
            "index.html",
            "GET /index.html HTTP/1.1",
            "200",
            "-",
            "aws-sdk-rust/1.3.0 os/linux lang/rust/1.94",
        ),
        s3(
            "10:06:00",
            "192.0.2.10",
            "REST.PUT.OBJECT",
            "about/index.html",
            "PUT /about/index.html HTTP/1.1",
            "200",
            "-",
            "S3Console/0.4",
        ),
        format!(
            r#"{OWNER} www.example.com [13/Mar/2021:10:07:00 +0000] AmazonS3 AmazonS3 89CE7D51EXAMPLE S3.EXPIRE.OBJECT old.html "-" - - - - - - "-" "-" - - - - - - - - -"#
        ),
        // A user agent with spaces and an escaped quote.
        s3(
            "10:08:00",
            "198.51.100.7",
            "WEBSITE.GET.OBJECT",
            "about/index.html",
            "GET /about/ HTTP/1.1",
            "200",
            "-",
            r#"Mozilla/5.0 (Windows NT 10.0; Win64; x64) \"odd\" Chrome/131.0.0.0 Safari/537.36"#,
        ),
        combined(
            "192.0.2.1",
            "13/Mar/2021:10:09:00 +0000",
            "GET /posts/a HTTP/1.1",
            200,
            "-",
            FIREFOX,
        ),
    ];
    let file = env.write("s3.log", &(log.join("\n") + "\n"));
    let args = ["--format", "s3", file.to_str().unwrap()];
    let summary = import(&env, &args);
    assert_eq!(summary["lines"], 10, "{summary}");
    assert_eq!(summary["views"], 3, "{summary}");
    assert_eq!(
        summary["skipped"],
        json!({"method": 1, "status": 1, "asset": 1, "api": 3})
    );
    assert_eq!(
        summary["unparsable_lines"][0]["reason"],
        "no [time] after the bucket owner and bucket"
    );
    let expected = BTreeMap::from([
        ("/".to_owned(), (1, 1)),
        ("/about/".to_owned(), (1, 1)),
        ("/posts/a/".to_owned(), (1, 1)),
    ]);
    assert_eq!(rows(&env), expected);
    // The referrer from the site's own host (S3's host header) is none.
    let referrers = by(&env, "referrer");
    assert_eq!(referrers.as_array().unwrap().len(), 1, "{referrers}");
    assert_eq!(referrers[0]["referrer"], "google.com");
    let (code, _, stderr) = env.run(&["import", "--format", "s3", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("skipped 7 lines: 3 not a website request (S3 API), 1 not 2xx or 304, 1 not a GET, 1 not a page (asset), 1 unparsable"),
        "{stderr}"
    );
    assert_eq!(rows(&env), expected);
}
