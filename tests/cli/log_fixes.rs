//! Logs other projects' test suites write that `import` used to refuse or misread: the
//! virtual-host-first variants of combined and common, Caddy before 2.5 (`remote_addr`), a
//! referrer that is not a URL, and a path with raw bytes that are not UTF-8.

use serde_json::json;
use std::collections::BTreeMap;

use crate::harness::Env;
use crate::logs::{by, import, rows, FIREFOX, SAFARI};

#[test]
fn virtual_host_first_combined_and_common() {
    let env = Env::new();
    let log = [
        format!(
            r#"example.com:443 203.0.113.9 - - [13/Mar/2021:10:00:00 +0000] "GET /posts/a HTTP/1.1" 200 5120 "https://example.com/" "{FIREFOX}""#
        ),
        format!(
            r#"example.com:443 2001:db8::1 - - [13/Mar/2021:10:01:00 +0000] "GET /posts/b HTTP/2.0" 200 5120 "https://lobste.rs/" "{SAFARI}""#
        ),
        format!(
            r#"example.com:443 203.0.113.9 - - [13/Mar/2021:10:00:01 +0000] "GET /app.css HTTP/1.1" 200 5120 "https://example.com/posts/a" "{FIREFOX}""#
        ),
    ];
    let file = env.write("vhost.log", &(log.join("\n") + "\n"));
    let path = file.to_str().unwrap();
    let summary = import(&env, &["--format", "combined-vhost", path]);
    assert_eq!(summary["views"], 2, "{summary}");
    assert_eq!(summary["skipped"], json!({"asset": 1}));
    assert_eq!(rows(&env).len(), 2);
    // The site is the virtual host: a referrer from it is a move within the site.
    let referrers = by(&env, "referrer");
    assert_eq!(referrers.as_array().unwrap().len(), 1, "{referrers}");
    assert_eq!(referrers[0]["referrer"], "lobste.rs");
    let common = r#"www.example.org 192.0.2.3 - - [13/Mar/2021:18:00:00 +0000] "GET /posts/d HTTP/1.1" 200 512"#;
    let common = env.write("vhost_common.log", &format!("{common}\n"));
    let summary = import(
        &env,
        &["--format", "common-vhost", common.to_str().unwrap()],
    );
    assert_eq!(summary["views"], 1, "{summary}");
    assert_eq!(
        rows(&env),
        BTreeMap::from([
            ("/posts/a".to_owned(), (1, 1)),
            ("/posts/b".to_owned(), (1, 1)),
            ("/posts/d".to_owned(), (1, 1)),
        ])
    );
    // Read as plain combined, the lines say which format they probably are.
    let (code, _, stderr) = env.run(&["import", "--format", "combined", path]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("vhost.log:1: no [time] where the format has it: a virtual host first? (--format combined-vhost or common-vhost)"),
        "{stderr}"
    );
}

#[test]
fn caddy_before_2_5_with_remote_addr() {
    let env = Env::new();
    let line = |ts: &str, addr: &str, uri: &str| {
        format!(
            r#"{{"level":"info","ts":{ts},"logger":"http.log.access.log0","msg":"handled request","request":{{"remote_addr":"{addr}","proto":"HTTP/2.0","method":"GET","host":"example.com","uri":"{uri}","headers":{{"User-Agent":["{FIREFOX}"],"Accept":["*/*"]}},"tls":{{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2","proto_mutual":true,"server_name":"example.com"}}}},"common_log":"{} - - [13/Mar/2021:10:00:00 +0000] \"GET {uri} HTTP/2.0\" 200 512","duration":0.000912,"size":512,"status":200,"resp_headers":{{"Server":["Caddy"]}}}}"#,
            addr.rsplit_once(':').unwrap().0.trim_matches(['[', ']'])
        )
    };
    let log = [
        line("1615629600.5", "203.0.113.9:51524", "/posts/a"),
        line("1615629601.25", "[2001:db8::5]:40312", "/posts/a"),
        line("1615629602", "[2001:db8::5]:40312", "/favicon.ico"),
    ];
    let file = env.write("caddy.json", &(log.join("\n") + "\n"));
    let summary = import(&env, &["--format", "caddy", file.to_str().unwrap()]);
    assert_eq!(summary["views"], 2, "{summary}");
    assert_eq!(summary["unparsable"], 0);
    assert_eq!(summary["skipped"], json!({"asset": 1}));
    assert_eq!(
        rows(&env),
        BTreeMap::from([("/posts/a".to_owned(), (2, 2))])
    );
}

#[test]
fn a_referrer_that_is_not_a_url_is_none() {
    let env = Env::new();
    let line = |minute: u32, referrer: &str| {
        format!(
            r#"203.0.113.9 - - [13/Mar/2021:10:{minute:02}:00 +0000] "GET /posts/a HTTP/1.1" 200 5120 "{referrer}" "{FIREFOX}""#
        )
    };
    let log = [
        line(0, "13/Mar/2021:10:00:00 +0000"),
        line(1, "1"),
        line(2, "2021-03-13"),
        line(3, "https://news.example.net/item?id=1"),
    ];
    let file = env.write("access.log", &(log.join("\n") + "\n"));
    assert_eq!(
        import(&env, &["--format", "combined", file.to_str().unwrap()])["views"],
        4
    );
    assert_eq!(
        rows(&env),
        BTreeMap::from([("/posts/a".to_owned(), (4, 1))])
    );
    let referrers = by(&env, "referrer");
    assert_eq!(
        referrers,
        json!([{"day": "2021-03-13", "referrer": "news.example.net", "views": 1, "visitors": 1}])
    );
}

#[test]
fn a_path_with_raw_bytes_keeps_its_page_escaped() {
    let env = Env::new();
    let mut log = Vec::new();
    for (minute, path) in [(0, &b"/caf\xe9"[..]), (1, &b"/caf\xc3\xa9"[..])] {
        log.extend_from_slice(
            format!("203.0.113.9 - - [13/Mar/2021:10:{minute:02}:00 +0000] \"GET ").as_bytes(),
        );
        log.extend_from_slice(path);
        log.extend_from_slice(format!(" HTTP/1.1\" 200 5120 \"-\" \"{FIREFOX}\"\n").as_bytes());
    }
    let file = env.data_dir().join("latin1.log");
    std::fs::write(&file, &log).unwrap();
    let args = ["--format", "combined", file.to_str().unwrap()];
    let summary = import(&env, &args);
    assert_eq!(
        (summary["views"].as_u64(), summary["unparsable"].as_u64()),
        (Some(2), Some(0))
    );
    let expected = BTreeMap::from([("/caf%E9".to_owned(), (1, 1)), ("/café".to_owned(), (1, 1))]);
    assert_eq!(rows(&env), expected);
    assert_eq!(import(&env, &args)["views"], 2);
    assert_eq!(rows(&env), expected);
}
