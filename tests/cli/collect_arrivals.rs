//! Where visitors come from and what they do, through `pageviews collect`: referrers (kept as
//! hosts, dropped when they are the site itself), campaign parameters and variants of the
//! page's URL, custom events, and download links that redirect only to allowed hosts. Each
//! test asserts the exact events that reach the queue.

use std::net::IpAddr;

use crate::collector::{described, queued_events, Collector, Reply, BROWSER, SITE};
use crate::harness::{block_on, Env, Kind};
use crate::on_both_backends;

on_both_backends!(
    referrers_campaigns_events_and_variants_reach_the_queue_exactly,
    download_links_redirect_to_allowed_hosts_only_and_count_once_each,
);

fn beacon(collector: &Collector, body: &str) -> Reply {
    collector.post(
        "/v1/view",
        &[
            ("origin", SITE),
            ("user-agent", BROWSER),
            ("content-type", "text/plain;charset=UTF-8"),
        ],
        body,
    )
}

fn referrers_campaigns_events_and_variants_reach_the_queue_exactly(kind: Kind) {
    let env = Env::on(kind, &[]);
    let collector = Collector::start(
        &env,
        &[
            "--allow-origin",
            SITE,
            "--allow-origin",
            "http://*.site.test",
        ],
    );
    let counted = [
        // An email's link: campaign and variant in the URL, the rest of the query dropped.
        r#"{"page": "http://site.test/landing?utm_source=newsletter&utm_medium=email&utm_campaign=spring&variant=B&email=someone%40example.com",
            "referrer": "https://www.Google.com/search?q=secret"}"#,
        // From the site itself, a subdomain of it, and no referrer at all.
        r#"{"page": "/about?ref=hn", "referrer": "http://site.test/landing"}"#,
        r#"{"page": "/about", "referrer": "http://blog.site.test/post/1"}"#,
        r#"{"page": "/about?source=mastodon", "referrer": ""}"#,
        r#"{"page": "/about", "referrer": "news.ycombinator.com"}"#,
        // The page's own variant (its meta tag or cookie) wins over the link's.
        r#"{"page": "/offer?variant=A", "variant": "B"}"#,
        r#"{"page": "/offer?variant=A"}"#,
        // Custom events.
        r#"{"page": "/pricing", "kind": "event", "name": "signup", "variant": "B"}"#,
        r#"{"page": "/pricing", "kind": "event", "name": "signup"}"#,
        r#"{"page": "http://site.test/files/a.pdf", "kind": "download"}"#,
    ];
    for body in counted {
        let reply = beacon(&collector, body);
        assert_eq!(reply.status, 204, "{body}: {}", reply.text());
    }
    // The pixel: the referrer in `r`, the campaign in the page's URL.
    let pixel = collector.get(
        "/v1/view.gif?page=%2Fno-js%3Futm_campaign%3Dfall&r=https%3A%2F%2Fduckduckgo.com%2F",
        &[
            ("referer", "http://site.test/no-js"),
            ("user-agent", BROWSER),
        ],
    );
    assert_eq!(pixel.status, 200);

    let long = "x".repeat(101);
    let refused = [
        (
            r#"{"page": "/", "referrer": "not a host"}"#.to_string(),
            "referrer must be",
        ),
        (
            format!(r#"{{"page": "/?utm_campaign={long}"}}"#),
            "`utm_campaign` in the URL: campaign must be at most 100 bytes",
        ),
        (
            format!(r#"{{"page": "/?utm_source={long}"}}"#),
            "`utm_source` in the URL: source must be",
        ),
        (
            r#"{"page": "/", "kind": "click"}"#.to_string(),
            "kind must be",
        ),
        (
            r#"{"page": "/", "kind": "event"}"#.to_string(),
            "needs a name of at most 50 characters",
        ),
        (
            r#"{"page": "/", "name": "signup"}"#.to_string(),
            "name is for events of kind event only",
        ),
        (
            format!(
                r#"{{"page": "/", "kind": "event", "name": "{}"}}"#,
                "n".repeat(51)
            ),
            "needs a name of at most 50 characters",
        ),
        (
            format!(r#"{{"page": "/", "variant": "{}"}}"#, "v".repeat(33)),
            "variant must be at most 32 characters",
        ),
    ];
    for (body, reason) in &refused {
        let reply = beacon(&collector, body);
        assert_eq!(reply.status, 400, "{body}");
        assert!(reply.text().contains(reason), "{body}: {}", reply.text());
    }
    assert_eq!(collector.dropped("bad-request"), refused.len() as f64);
    assert_eq!(
        collector.metric("pageviews_collect_views_accepted_total"),
        11.0
    );
    collector.stop_ok();

    let events = queued_events(&env);
    assert!(events.iter().all(|event| event.visitor.is_some()));
    assert_eq!(
        described(&events),
        [
            "download /files/a.pdf",
            "event /pricing name=signup",
            "event /pricing name=signup variant=B",
            "view /about",
            "view /about referrer=news.ycombinator.com",
            "view /about source=hn",
            "view /about source=mastodon",
            "view /landing referrer=google.com source=newsletter medium=email campaign=spring \
             variant=B",
            "view /no-js referrer=duckduckgo.com campaign=fall",
            "view /offer variant=A",
            "view /offer variant=B",
        ]
    );
}

fn download_links_redirect_to_allowed_hosts_only_and_count_once_each(kind: Kind) {
    let env = Env::on(kind, &[]);
    let collector = Collector::start(
        &env,
        &[
            "--allow-origin",
            SITE,
            "--download-host",
            "files.site.test,downloads.example.org:8443",
        ],
    );
    // A link in an email: no Origin, no Referer; the link's own campaign and variant.
    let from = |referrer: Option<&str>, agent: &str, query: &str| {
        let mut headers = vec![("user-agent", agent)];
        if let Some(referrer) = referrer {
            headers.push(("referer", referrer));
        }
        collector.get(&format!("/v1/download?{query}"), &headers)
    };
    let guide = "url=https%3A%2F%2Ffiles.site.test%2Fguides%2FGuide%2520v2.pdf";
    let redirected = |reply: Reply, location: &str| {
        assert_eq!(reply.status, 302, "{}", reply.text());
        assert_eq!(reply.header("location"), Some(location));
        assert_eq!(reply.header("cache-control"), Some("no-store"));
    };
    let guide_at = "https://files.site.test/guides/Guide%20v2.pdf";
    redirected(
        from(
            None,
            BROWSER,
            &format!("{guide}&utm_source=newsletter&utm_campaign=launch&variant=A"),
        ),
        guide_at,
    );
    // Links on other sites: the Referer, as a host; the site's own pages are no referrer.
    redirected(
        from(
            Some("https://www.news.example.net/article?id=7"),
            BROWSER,
            guide,
        ),
        guide_at,
    );
    redirected(
        from(Some("http://site.test/downloads"), BROWSER, guide),
        guide_at,
    );
    redirected(
        from(Some("https://files.site.test/"), BROWSER, guide),
        guide_at,
    );
    // The target's own campaign parameters count; its query stays in the redirect.
    redirected(
        from(
            None,
            BROWSER,
            "url=https%3A%2F%2Fdownloads.example.org%3A8443%2Fapp.dmg%3Futm_source%3Dsite%26sig%3Dabc",
        ),
        "https://downloads.example.org:8443/app.dmg?utm_source=site&sig=abc",
    );
    // Not counted, but the visitor still gets the file: bots, DNT, a HEAD.
    let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    redirected(from(None, googlebot, guide), guide_at);
    let dnt = collector.get(
        &format!("/v1/download?{guide}"),
        &[("user-agent", BROWSER), ("dnt", "1")],
    );
    redirected(dnt, guide_at);
    assert_eq!(
        collector.head(&format!("/v1/download?{guide}"), &[("user-agent", BROWSER)]),
        302
    );

    // Never an open redirect.
    let hostile = [
        "url=https%3A%2F%2Fevil.test%2Ff.pdf",
        "url=%2F%2Fevil.test%2Ff.pdf",
        "url=javascript%3Aalert(1)",
        "url=https%3A%2F%2Ffiles.site.test%40evil.test%2Ff.pdf",
        "url=https%3A%2F%2Ffiles.site.test%3Ax%40evil.test%2F",
        "url=https%3A%2F%2Fevil.test%5C%40files.site.test%2F",
        "url=https%3A%5C%5Cevil.test",
        "url=https%3A%2F%2Ffiles.site.test.evil.test%2F",
        "url=https%3A%2F%2Fevil.test%2Ffiles.site.test",
        "url=https%3A%2F%2Fevil.test%23files.site.test",
        "url=https%3A%2F%2Ffiles.site.test%3A8443%2Ff.pdf",
        "url=https%3A%2F%2Fdownloads.example.org%2Fapp.dmg",
        "url=https%253A%252F%252Fevil.test%252F",
        "url=https%3A%2F%2Fevil%252Etest%2F",
        "url=https%3A%2F%2Ffiles.site.test%0A.evil.test%2F",
        "url=ftp%3A%2F%2Ffiles.site.test%2Ff.pdf",
        "url=https%3A%2F%2Ffiles.site.test%2Fa.pdf&url=https%3A%2F%2Fevil.test%2F",
        "url=",
        "",
    ];
    for query in hostile {
        let reply = from(None, BROWSER, query);
        assert_eq!(reply.status, 400, "{query}: {}", reply.text());
        assert_eq!(reply.header("location"), None, "{query}");
    }
    let not_on_list = from(None, BROWSER, "url=https%3A%2F%2Fevil.test%2Ff.pdf");
    assert!(
        not_on_list.text().contains("not on a download host"),
        "{}",
        not_on_list.text()
    );
    // A view from the same browser, for its visitor key.
    assert_eq!(collector.view("/downloads").status, 204);
    assert_eq!(collector.dropped("bad-request"), (hostile.len() + 1) as f64);
    assert_eq!(collector.dropped("bot"), 1.0);
    assert_eq!(collector.dropped("dnt"), 1.0);
    collector.stop_ok();

    let events = queued_events(&env);
    assert_eq!(
        described(&events),
        [
            // The bot's click is kept apart: a hit of its category and name, not a download.
            "bot /guides/Guide v2.pdf bot=Googlebot bot_category=search-engine",
            "download /app.dmg source=site",
            "download /guides/Guide v2.pdf",
            "download /guides/Guide v2.pdf",
            "download /guides/Guide v2.pdf referrer=news.example.net",
            "download /guides/Guide v2.pdf source=newsletter campaign=launch variant=A",
            "view /downloads",
        ]
    );
    // Visitor keys as for views: a deployment is one site, so its download hosts and its
    // pages share one key space, and the same browser is one visitor on all of them.
    let salt = block_on(async {
        let backend = env.open_backend().await;
        let day = pageviews::model::zone::Zone::UTC.day_of(events[0].time);
        let expires = chrono::Utc::now() + chrono::Duration::days(3);
        backend.salts.salt_for(day, expires).await.unwrap()
    });
    let address: IpAddr = "127.0.0.1".parse().unwrap();
    let key = salt.visitor_key(address, BROWSER);
    for event in &events {
        // A bot's hit has no visitor.
        let expected = (event.kind != pageviews::model::event::Kind::Bot).then(|| key.clone());
        assert_eq!(event.visitor, expected, "{}", event.page);
    }
}

#[test]
fn over_the_rate_limit_a_download_is_not_counted_but_still_redirected() {
    let env = Env::new();
    let collector = Collector::start(
        &env,
        &[
            "--allow-origin",
            SITE,
            "--download-host",
            "files.site.test",
            "--rate-limit",
            "2/min",
        ],
    );
    let query = "/v1/download?url=https%3A%2F%2Ffiles.site.test%2Freport.csv";
    for _ in 0..4 {
        let reply = collector.get(query, &[("user-agent", BROWSER)]);
        assert_eq!(reply.status, 302);
        assert_eq!(
            reply.header("location"),
            Some("https://files.site.test/report.csv")
        );
    }
    assert_eq!(collector.dropped("rate-limited"), 2.0);
    collector.stop_ok();
    assert_eq!(
        described(&queued_events(&env)),
        ["download /report.csv", "download /report.csv"]
    );
}

#[test]
fn without_download_hosts_every_download_is_refused() {
    let env = Env::new();
    let collector = Collector::start(&env, &["--allow-any-origin"]);
    let reply = collector.get(
        "/v1/download?url=https%3A%2F%2Ffiles.site.test%2Freport.csv",
        &[("user-agent", BROWSER)],
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.header("location"), None);
    assert!(reply.text().contains("--download-host"), "{}", reply.text());
    collector.stop_ok();
    assert!(queued_events(&env).is_empty());
}

#[test]
fn with_any_origin_the_requests_own_site_is_no_referrer() {
    let env = Env::new();
    let collector = Collector::start(&env, &["--allow-any-origin"]);
    for (origin, referrer) in [
        ("https://www.blog.test", "https://blog.test/older-post"),
        ("https://blog.test", "https://www.blog.test/"),
        ("https://blog.test", "https://other.test/"),
    ] {
        let body = format!(r#"{{"page": "/post", "referrer": "{referrer}"}}"#);
        let reply = collector.post(
            "/v1/view",
            &[("origin", origin), ("user-agent", BROWSER)],
            &body,
        );
        assert_eq!(reply.status, 204);
    }
    collector.stop_ok();
    assert_eq!(
        described(&queued_events(&env)),
        ["view /post", "view /post", "view /post referrer=other.test"]
    );
}
