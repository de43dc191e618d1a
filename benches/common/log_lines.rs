//! The benchmark's log: generated days of requests (a realistic mix of pages, assets, bots,
//! errors and campaign links from many addresses), written in each format `import` reads, so
//! every format carries the same requests and gives the same views.

use std::io::Write;

const AGENTS: [&str; 5] = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
];

/// The formats written, by their `--format` names.
pub(crate) const FORMATS: [&str; 9] = [
    "combined",
    "combined-vhost",
    "common",
    "caddy",
    "cloudfront",
    "alb",
    "s3",
    "w3c",
    "nginx-json",
];

/// A small deterministic generator (xorshift), so every run reads the same log.
pub(crate) struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// One request of the day.
struct Hit {
    address: String,
    /// Seconds since 2021-03-13 00:00 UTC.
    second: u64,
    agent: &'static str,
    path: String,
    query: Option<&'static str>,
    status: u16,
    referrer: &'static str,
    bytes: u64,
}

fn hit(rng: &mut Rng, i: u64, per_day: u64) -> Hit {
    let r = rng.next();
    let visitor = r % 50_000;
    let page = (r >> 20) % 500;
    let (path, query, status) = match (r >> 40) % 20 {
        0..=10 => (format!("/posts/{page}"), None, 200),
        11 => (
            format!("/posts/{page}"),
            Some("utm_source=news&utm_medium=email"),
            200,
        ),
        12 => (format!("/posts/{page}"), None, 304),
        13..=17 => (format!("/static/{}.css", page % 10), None, 200),
        18 => (format!("/img/{page}.png"), None, 200),
        _ => (format!("/missing/{page}"), None, 404),
    };
    Hit {
        address: format!(
            "10.{}.{}.{}",
            visitor >> 16,
            (visitor >> 8) & 255,
            visitor & 255
        ),
        second: i * 86_400 / per_day.max(1),
        // Every twentieth line of a fourth of the visitors is a crawler's.
        agent: AGENTS[(visitor % 4) as usize + usize::from((r >> 8).is_multiple_of(20))],
        path,
        query,
        status,
        referrer: match (r >> 50) % 4 {
            0 => "https://www.google.com/",
            1 => "https://news.example.net/item",
            _ => "-",
        },
        bytes: 1000 + page,
    }
}

impl Hit {
    fn target(&self) -> String {
        match self.query {
            Some(query) => format!("{}?{query}", self.path),
            None => self.path.clone(),
        }
    }

    fn clock(&self) -> (u64, u64, u64) {
        let of_day = self.second % 86_400;
        (of_day / 3600, of_day / 60 % 60, of_day % 60)
    }

    /// The day of the month, in March 2021.
    fn day(&self) -> u64 {
        let day = 13 + self.second / 86_400;
        assert!(day <= 31, "the generated days stay in March 2021");
        day
    }

    fn write(&self, format: &str, i: u64, out: &mut Vec<u8>) {
        let (h, m, s) = self.clock();
        let d = self.day();
        let clf = format!("{d:02}/Mar/2021:{h:02}:{m:02}:{s:02} +0000");
        let iso = format!("2021-03-{d:02}T{h:02}:{m:02}:{s:02}");
        let (a, t, st, re, ag, b) = (
            &self.address,
            self.target(),
            self.status,
            self.referrer,
            self.agent,
            self.bytes,
        );
        let dash = |text: &str| {
            if text == "-" {
                String::new()
            } else {
                text.to_owned()
            }
        };
        let result = match format {
            "combined" => writeln!(out, r#"{a} - - [{clf}] "GET {t} HTTP/1.1" {st} {b} "{re}" "{ag}""#),
            "combined-vhost" => writeln!(out, r#"example.com:443 {a} - - [{clf}] "GET {t} HTTP/1.1" {st} {b} "{re}" "{ag}""#),
            "common" => writeln!(out, r#"{a} - - [{clf}] "GET {t} HTTP/1.1" {st} {b}"#),
            "caddy" => writeln!(
                out,
                r#"{{"level":"info","ts":{}.{:03},"logger":"http.log.access.log0","msg":"handled request","request":{{"remote_ip":"{a}","remote_port":"41342","client_ip":"{a}","proto":"HTTP/2.0","method":"GET","host":"example.com","uri":"{t}","headers":{{"User-Agent":["{ag}"],"Referer":["{}"]}}}},"bytes_read":0,"duration":0.0009,"size":{b},"status":{st}}}"#,
                1_615_593_600 + self.second,
                i % 1000,
                dash(re)
            ),
            "cloudfront" => writeln!(
                out,
                "2021-03-{d:02}\t{h:02}:{m:02}:{s:02}\tFRA56-P5\t{b}\t{a}\tGET\td111111abcdef8.cloudfront.net\t{}\t{st}\t{re}\t{}\t{}\t-\tHit\tRq{i:016x}Example==\twww.example.com\thttps\t23\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tHit\tHTTP/2.0\t-\t-\t51234\t0.001\tHit\ttext/html\t{b}\t-\t-",
                self.path,
                ag.replace(' ', "%2520"),
                self.query.unwrap_or("-")
            ),
            "alb" => writeln!(
                out,
                r#"https {iso}.{:06}Z app/my-loadbalancer/50dc6c495c0c9188 {a}:2817 10.0.0.1:80 0.000 0.001 0.000 {st} {st} 34 {b} "GET https://www.example.com:443{t} HTTP/1.1" "{ag}" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-{i:024x}" "www.example.com" "-" 0 {iso}.000000Z "forward" "-" "-" "10.0.0.1:80" "{st}" "-" "-" TID_1234abcd5678ef90"#,
                i % 1_000_000
            ),
            "s3" => writeln!(
                out,
                r#"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be www.example.com [{clf}] {a} - {i:016X} WEBSITE.GET.OBJECT {} "GET {t} HTTP/1.1" {st} - {b} {b} 12 11 "{re}" "{ag}" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= - - - www.example.com - - -"#,
                &self.path[1..]
            ),
            "w3c" => writeln!(
                out,
                "2021-03-{d:02} {h:02}:{m:02}:{s:02} 10.0.0.4 GET {} {} 443 - {a} {} {re} {st} 0 0 {}",
                self.path,
                self.query.unwrap_or("-"),
                ag.replace(' ', "+"),
                i % 100
            ),
            "nginx-json" => writeln!(
                out,
                r#"{{"time_iso8601":"{iso}+00:00","remote_addr":"{a}","request":"GET {t} HTTP/1.1","status":"{st}","body_bytes_sent":"{b}","http_referer":"{re}","http_user_agent":"{ag}","host":"example.com","request_time":"0.{:03}"}}"#,
                i % 1000
            ),
            other => panic!("no writer for {other}"),
        };
        result.expect("line written");
    }
}

/// What a file of `format` starts with.
fn header(format: &str) -> &'static str {
    match format {
        "cloudfront" => "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n",
        "w3c" => "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2021-03-13 00:00:00\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n",
        _ => "",
    }
}

/// Writes `lines` requests, `per_day` a day from 2021-03-13 on, as a log of `format` at `path`,
/// as they are generated (the benchmark's process stays small, so its children's peak memory
/// is their own).
pub(crate) fn write_log(path: &std::path::Path, format: &str, lines: u64, per_day: u64) {
    let file = std::fs::File::create(path).expect("log created");
    let mut out = std::io::BufWriter::new(file);
    out.write_all(header(format).as_bytes())
        .expect("log written");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut text = Vec::with_capacity(512);
    for i in 0..lines {
        text.clear();
        hit(&mut rng, i, per_day).write(format, i, &mut text);
        out.write_all(&text).expect("log written");
    }
    out.flush().expect("log written");
}
