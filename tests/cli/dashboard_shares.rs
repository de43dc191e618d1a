//! Share links: `share create` prints a token once; `serve` (with --token-file) opens that
//! site read-only to it, pages and API, and refuses it for another site, once revoked (while
//! running) or once expired, a burst of such refusals slowed down; `share list` shows no
//! token; bad input is named, exit code 2.

use std::time::{Duration, Instant};

use crate::dashboard::three_days;
use crate::dashboard_server::{attributes, Server};
use crate::harness::Env;

const TOKEN: &str = "3f1c0a9e5b7d2468ace13579bdf02468";

/// A deployment with three days counted, and a second one, `shop`.
fn two_sites() -> Env {
    let env = Env::new();
    three_days(&env);
    env.ok(&["--name", "shop", "init"]);
    env
}

/// `serve` of both sites, asking for a token.
fn server(env: &Env) -> Server {
    let file = env.write("token", &format!("{TOKEN}\n"));
    let name = env.name.clone();
    let args = [
        "--token-file",
        file.to_str().unwrap(),
        "--site",
        &name,
        "--site",
        "shop",
    ];
    Server::start(env, &args)
}

/// A new link's token, its path and its id.
fn create(env: &Env, args: &[&str]) -> (String, String, String) {
    let (code, stdout, stderr) = env.run(&[&["share", "create"], args].concat());
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let token = lines[0].to_owned();
    let id = stderr
        .split("share link ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .expect("the id on stderr")
        .to_owned();
    (token, lines[1].to_owned(), id)
}

/// Waits until `path` gets `status`, at most 20 seconds.
fn until_status(server: &Server, path: &str, status: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = server.get(path, &[]).status;
        if got == status {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{path}: still {got}, not {status}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_link_opens_its_site_only_until_it_is_revoked() {
    let env = two_sites();
    let (token, path, id) = create(&env, &[]);
    assert_eq!(token.len(), 64);
    assert_eq!(path, format!("/?site={}&share={token}", env.name));
    let server = server(&env);
    let range = "from=2021-03-11&to=2021-03-13";
    let query = format!("/?{range}");
    assert_eq!(server.get(&query, &[]).status, 401);

    let overview = server.page(&format!("{path}&{range}"));
    assert_eq!(attributes(&overview, "#summary dd", "data-value")[0], "24");
    // Its links keep the token, and offer no other site.
    let links = attributes(&overview, "nav a, #pages a", "href");
    assert!(links.len() > 5);
    assert!(
        links
            .iter()
            .all(|href| href.contains(&format!("share={token}"))),
        "{links:?}"
    );
    assert!(attributes(&overview, "nav[aria-label=Sites] a", "href").is_empty());
    let page = format!(
        "/page?site={}&share={token}&{range}&page=/pricing",
        env.name
    );
    assert_eq!(server.get(&page, &[]).status, 200);
    let api = server.get(&format!("/api/v1/report?share={token}&{range}"), &[]);
    assert_eq!(api.status, 200);
    assert_eq!(
        api.text(),
        env.ok(&[
            "report",
            "--from",
            "2021-03-11",
            "--to",
            "2021-03-13",
            "--format",
            "json"
        ])
    );

    // Another site: a bare 401.
    let other = server.get(&format!("/?site=shop&share={token}&{range}"), &[]);
    assert_eq!((other.status, other.text()), (401, String::new()));
    let api_other = server.get(&format!("/api/v1/report?site=shop&share={token}"), &[]);
    assert_eq!(api_other.status, 401);
    let wrong = server.get(&format!("{path}0"), &[]);
    assert_eq!((wrong.status, wrong.text()), (401, String::new()));

    // Revoked while `serve` runs: refused from then on.
    let (code, _, stderr) = env.run(&["share", "revoke", &id]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "share link {id} to {} revoked; a running `serve` refuses it from now on\n",
            env.name
        )
    );
    let revoked = server.get(&path, &[]);
    assert_eq!((revoked.status, revoked.text()), (401, String::new()));
    // The bearer token still opens everything.
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(
        server.get(&query, &[("authorization", &bearer)]).status,
        200
    );
}

#[test]
fn an_expired_link_is_refused() {
    let env = two_sites();
    let server = server(&env);
    let (_, path, _) = create(&env, &["--expires", "1s"]);
    until_status(&server, &path, 401);
    let (_, lasting, _) = create(&env, &["--expires", "12h"]);
    assert_eq!(server.get(&lasting, &[]).status, 200);
    let listing = env.ok(&["share", "list"]);
    let states: Vec<&str> = listing
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().last().unwrap())
        .collect();
    assert_eq!(states, ["expired", "active"]);
}

#[test]
fn the_listing_shows_no_token_and_bad_input_is_named() {
    let env = two_sites();
    let (token, _, id) = create(&env, &["--expires", "never"]);
    let (shop_token, _, shop_id) = create(&env, &["--name", "shop", "--expires", "30d"]);
    let stored = std::fs::read_to_string(env.data_dir().join("shares.json")).unwrap();
    assert!(!stored.contains(&token) && !stored.contains(&shop_token));

    let listing = env.ok(&["share", "list"]);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 2, "{listing}");
    assert!(lines[0].starts_with("ID        SITE"), "{listing}");
    let cells: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        (cells[0], cells[1], cells[3], cells[4]),
        (id.as_str(), env.name.as_str(), "never", "active")
    );
    let all = env.ok(&["share", "list", "--all"]);
    assert_eq!(all.lines().count(), 3);
    assert!(all.contains(&shop_id));
    assert!(!all.contains(&token) && !all.contains(&shop_token));

    let refusals = [
        (
            vec!["--name", "nope", "share", "create"],
            "error: no deployment \"nope\"",
        ),
        (
            vec!["share", "create", "--expires", "3w"],
            "error: invalid value '3w' for '--expires <DURATION>': \"3w\" is not a duration: \
             give a whole number and s, m, h or d (90s, 12h, 30d, at most 3650d), or never",
        ),
        (
            vec!["share", "revoke", "nope"],
            "error: no share link has the id \"nope\": `pageviews share list --all` shows the ids\n",
        ),
    ];
    for (args, expected) in refusals {
        let (code, stdout, stderr) = env.run(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stdout, "");
        assert!(stderr.starts_with(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

#[test]
fn a_burst_of_refused_links_is_slowed_down() {
    let env = two_sites();
    let (token, _, _) = create(&env, &[]);
    let server = server(&env);
    // Another site's link, again and again: the first ten failures of a minute are answered
    // at once, each further one 100 ms later than the one before.
    let other = format!("/?site=shop&share={token}");
    for _ in 0..10 {
        assert_eq!(server.get(&other, &[]).status, 401);
    }
    let started = Instant::now();
    assert_eq!(server.get(&other, &[]).status, 401);
    assert_eq!(server.get(&other, &[]).status, 401);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}
