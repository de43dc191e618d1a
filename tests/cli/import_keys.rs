//! `import`'s secret, the import key: a day's visitors are the same however its lines are
//! split over files, runs and restarts, and nothing stored (the database, an export) lets
//! anyone without the key test a guess of a day's salt or of a line.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::Read as _;
use std::net::IpAddr;

use pageviews::import::key::{load_or_create, KeyFile};
use pageviews::model::day::Day;
use pageviews::model::visitor::Salt;

use crate::harness::Env;
use crate::log_formats::drained_until;
use crate::logs::{combined, import, CHROME, FIREFOX, SAFARI};

const DAY: &str = "2021-03-13";

fn address(person: u32) -> String {
    format!("198.51.100.{person}")
}

fn agent(person: u32) -> &'static str {
    [FIREFOX, SAFARI, CHROME][person as usize % 3]
}

/// One view of `/p{hour}` at `hour`:00 on `DAY` by each person of `people`.
fn views(people: std::ops::Range<u32>, hour: u32) -> Vec<String> {
    people
        .map(|person| {
            combined(
                &address(person),
                &format!("13/Mar/2021:{hour:02}:{person:02}:00 +0000"),
                &format!("GET /p{hour} HTTP/1.1"),
                200,
                "-",
                agent(person),
            )
        })
        .collect()
}

fn write(env: &Env, file: &str, lines: &[String]) -> String {
    let path = env.write(file, &(lines.join("\n") + "\n"));
    path.to_str().unwrap().to_owned()
}

/// (views, visitors) of `DAY`, once drained and counted.
fn day_numbers(env: &Env) -> (u64, u64) {
    env.drain(&[]);
    env.ok(&["aggregate", "--day", DAY]);
    let day = env.status().last_day.expect("counted");
    assert_eq!(day.keyless_views, 0);
    (day.views, day.visitors)
}

/// The rotated log: people 1 to 5 at 09:00; the current one: people 3 to 7 at 11:00.
fn rotated_and_current() -> (Vec<String>, Vec<String>) {
    (views(1..6, 9), views(3..8, 11))
}

#[test]
fn a_day_split_over_runs_and_restarts_counts_each_visitor_once() {
    let (rotated, current) = rotated_and_current();
    // One run over both files: 10 views by 7 people.
    let whole = Env::new();
    let files = [
        write(&whole, "access.log.1", &rotated),
        write(&whole, "access.log", &current),
    ];
    let args = ["--format", "combined", &files[0], &files[1]];
    assert_eq!(import(&whole, &args)["views"], 10);
    assert_eq!(day_numbers(&whole), (10, 7));

    // The rotated file in one run, the current one in another: the same 7 people.
    let split = Env::new();
    for (file, lines) in [("access.log.1", &rotated), ("access.log", &current)] {
        let path = write(&split, file, lines);
        assert_eq!(import(&split, &["--format", "combined", &path])["views"], 5);
    }
    assert_eq!(day_numbers(&split), (10, 7));
    // And the whole log again, in one run: every line known, counted once.
    let again = [write(
        &split,
        "all.log",
        &[rotated.clone(), current.clone()].concat(),
    )];
    assert_eq!(
        import(&split, &["--format", "combined", &again[0]])["views"],
        10
    );
    assert_eq!(day_numbers(&split), (10, 7));

    // `import --follow` stopped, the log rotated, and followed again.
    let followed = Env::new();
    let path = write(&followed, "access.log", &rotated);
    let mut drained = 0;
    for (round, lines) in [(1, &rotated), (2, &current)] {
        if round == 2 {
            std::fs::rename(&path, followed.data_dir().join("access.log.1")).unwrap();
            write(&followed, "access.log", lines);
        }
        let child = followed.spawn(&["import", "--format", "combined", "--follow", &path]);
        drained_until(&followed, 5 * round, &mut drained);
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
    }
    followed.ok(&["aggregate", "--day", DAY]);
    let day = followed.status().last_day.unwrap();
    assert_eq!((day.views, day.visitors), (10, 7));
}

/// The events of `DAY` as `export --what events` writes them.
fn exported_events(env: &Env) -> Vec<Value> {
    let folder = env.data_dir().join("export");
    env.ok(&[
        "export",
        "--day",
        DAY,
        "--what",
        "events",
        "--output",
        folder.to_str().unwrap(),
    ]);
    let file = std::fs::File::open(folder.join(format!("day={DAY}/events.ndjson.gz"))).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Every file under `folder` but the configuration directory, as bytes.
fn stored_bytes(folder: &std::path::Path, config: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.starts_with(config) {
            continue;
        }
        match path.is_dir() {
            true => bytes.extend(stored_bytes(&path, config)),
            false => bytes.extend(std::fs::read(&path).unwrap()),
        }
    }
    bytes
}

/// The attack of issue 21, item 8, by someone who holds the database and an export and has
/// even guessed the log word for word: no salt or id they can compute from it matches what is
/// stored. Only the import key, kept outside the deployment, reproduces the stored keys.
#[test]
fn nothing_stored_lets_anyone_test_a_guess_of_a_salt_or_a_line() {
    let env = Env::new();
    let lines = views(1..6, 9);
    let path = write(&env, "access.log", &lines);
    assert_eq!(import(&env, &["--format", "combined", &path])["views"], 5);
    assert_eq!(day_numbers(&env), (5, 5));
    let events = exported_events(&env);
    assert_eq!(events.len(), 5);
    let stored_keys: Vec<&str> = events
        .iter()
        .map(|e| e["visitor"].as_str().unwrap())
        .collect();
    let stored_ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let day = Day::parse(DAY).unwrap();
    let ip = |person: u32| address(person).parse::<IpAddr>().unwrap();

    // Salts made from the log's content (as import made them before: a hash of the day's
    // first line), tried on every line, give none of the stored keys.
    for (at, line) in lines.iter().enumerate() {
        let mut hash = Sha256::new();
        hash.update(b"pageviews import salt\0");
        hash.update(DAY.as_bytes());
        hash.update(b"\0");
        hash.update(line.as_bytes());
        let guessed = Salt::from_bytes(&hash.finalize()).unwrap();
        let person = at as u32 + 1;
        let key = guessed.visitor_key(ip(person), agent(person));
        assert!(
            !stored_keys.contains(&key.as_str()),
            "line {at} gives a stored key"
        );
    }
    // Ids are no unkeyed hash of the line, whole or without its address.
    for line in &lines {
        let without_address = &line[line.find(' ').unwrap()..];
        for content in [line.as_str(), without_address] {
            let digest = hex(&Sha256::digest(content.as_bytes())[..8]);
            assert!(stored_ids.iter().all(|id| !id.starts_with(&digest)));
        }
    }
    // The key: nowhere in what is stored, and the one secret that reproduces the stored keys
    // and ids (so a guess can be tested only by whoever holds it).
    let file = KeyFile {
        path: env
            .config_dir()
            .join(format!("pageviews/import-keys/local-{}.key", env.name)),
        named: true,
    };
    let (key, made) = load_or_create(&file).unwrap();
    assert!(!made);
    let key_text = std::fs::read_to_string(&file.path).unwrap();
    let stored = stored_bytes(env.data_dir(), &env.config_dir());
    let found = |needle: &[u8]| stored.windows(needle.len()).any(|w| w == needle);
    assert!(
        !found(key_text.trim().as_bytes()),
        "the key is stored with the data"
    );
    for person in 1..6 {
        let expected = key.salt_of(day).visitor_key(ip(person), agent(person));
        assert!(stored_keys.contains(&expected.as_str()), "person {person}");
    }
    for line in &lines {
        let id = format!("{}-1", hex(&key.line_digest(line.as_bytes())));
        assert!(stored_ids.contains(&id.as_str()), "{id}");
    }

    // Another deployment with its own key stores other keys and ids for the same log; given
    // this deployment's key file, the same ones.
    let other = Env::new();
    let copy = write(&other, "access.log", &lines);
    import(&other, &["--format", "combined", &copy]);
    other.drain(&[]);
    let elsewhere = exported_events(&other);
    for event in &elsewhere {
        assert!(!stored_keys.contains(&event["visitor"].as_str().unwrap()));
        assert!(!stored_ids.contains(&event["id"].as_str().unwrap()));
    }
    let shared = Env::new();
    let copy = write(&shared, "access.log", &lines);
    let key_file = file.path.to_str().unwrap();
    import(
        &shared,
        &["--format", "combined", "--key-file", key_file, &copy],
    );
    shared.drain(&[]);
    assert_eq!(exported_events(&shared), events);
}
