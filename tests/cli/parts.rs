//! A day counted in parts (`aggregate --parts N [--part K]`, `--workers N`): the daily rows, breakdowns and
//! the day's numbers written from the parts are those a count of the whole day writes, however
//! many parts, in whatever order, counted however often; the day is written only when every
//! part counts what is stored; late events make only their shard's part stale; a day whose raw
//! events were deleted is counted in parts on its record. (On DynamoDB: parts_aws.rs.)

use serde_json::Value;

use crate::harness::Env;

const DAY: &str = "2021-03-10";
const OTHER_DAY: &str = "2021-03-11";

/// Every stored number of `day` as text rows: its pages' daily rows (every column), its
/// breakdown rows, and the day's own numbers.
fn stored_day(env: &Env, day: &str) -> Vec<String> {
    let path = pageviews::backend::local::database_path(env.data_dir(), &env.name);
    let db = rusqlite::Connection::open(path).unwrap();
    let number: i64 = db
        .query_row("SELECT unixepoch(?1) / 86400", [day], |row| row.get(0))
        .unwrap();
    let mut rows = Vec::new();
    for sql in [
        "SELECT * FROM daily WHERE day = ?1 ORDER BY page",
        "SELECT * FROM breakdowns WHERE day = ?1 ORDER BY dimension, key",
        "SELECT views, pages, visitors, keyless FROM days
         WHERE day = ?1 AND aggregated_version IS NOT NULL",
    ] {
        let mut select = db.prepare(sql).unwrap();
        let columns = select.column_count();
        let mut found = select.query([number]).unwrap();
        while let Some(row) = found.next().unwrap() {
            let values: Vec<String> = (0..columns)
                .map(|at| format!("{:?}", row.get_ref(at).unwrap()))
                .collect();
            rows.push(values.join("|"));
        }
    }
    rows
}

/// Generated views, breakdowns and engagement on `day`, drained; and, crafted, a view whose
/// beacon came again from another visitor key (another shard), and views without a key.
pub(crate) fn send_day(env: &Env, day: &str, seed: &str) {
    env.ok(&[
        "send",
        "--count",
        "1500",
        "--day",
        day,
        "--seed",
        seed,
        "--visitors",
        "120",
        "--breakdowns",
        "--engagement",
    ]);
    let lines = [
        format!(
            r#"{{"id":"r1","page":"/replayed","time":"{day}T08:00:00Z","visitor":"0123456789abcdef"}}"#
        ),
        format!(
            r#"{{"id":"r1.0","page":"/replayed","time":"{day}T08:01:00Z","visitor":"0123456789abcdef","kind":"engagement","engaged_ms":4000,"scroll":50}}"#
        ),
        format!(
            r#"{{"id":"r1.0","page":"/replayed","time":"{day}T08:02:00Z","visitor":"fedcba9876543210","kind":"engagement","engaged_ms":4000,"scroll":50}}"#
        ),
        format!(r#"{{"id":"k1","page":"/replayed","time":"{day}T09:00:00Z"}}"#),
        format!(r#"{{"id":"k2","page":"/keyless","time":"{day}T09:30:00Z"}}"#),
    ];
    let input = env.write(&format!("crafted-{day}.ndjson"), &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
}

/// `aggregate` with `args`: its exit code and stderr.
pub(crate) fn aggregate(env: &Env, args: &[&str]) -> (i32, String) {
    let mut all = vec!["aggregate"];
    all.extend_from_slice(args);
    let (code, _, stderr) = env.run(&all);
    (code, stderr)
}

/// The parts a run's stderr says it counted.
pub(crate) fn counted_parts(stderr: &str, day: &str) -> Vec<u32> {
    let prefix = format!("counted {day} part ");
    stderr
        .lines()
        .filter_map(|line| line.split_once(&prefix))
        .map(|(_, rest)| rest.split(' ').next().unwrap().parse().unwrap())
        .collect()
}

/// Sends and drains a view of `/late` with id `id` at `time` by `visitor`: a late event.
pub(crate) fn send_view(env: &Env, id: &str, time: &str, visitor: &str) {
    let line = format!(r#"{{"id":"{id}","page":"/late","time":"{time}","visitor":"{visitor}"}}"#);
    let input = env.write(&format!("{id}.ndjson"), &(line + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
}

/// Sends and drains one view more of `day` (a new visitor's), so that the day changes and
/// its next count is written.
pub(crate) fn one_more_view(env: &Env, day: &str, n: usize) {
    send_view(
        env,
        &format!("more{n}"),
        &format!("{day}T12:00:00Z"),
        &format!("{n:016x}"),
    );
}

#[test]
fn a_day_counted_in_parts_is_stored_as_the_day_counted_whole() {
    let env = Env::new();
    send_day(&env, DAY, "7");
    for (n, parts) in ["1", "3", "8", "64"].into_iter().enumerate() {
        // Changed since its last count, the day's parts' sum is written, then compared with
        // the day counted whole.
        one_more_view(&env, DAY, n);
        let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", parts]);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains(&format!("aggregated {DAY} from {parts} part")),
            "{stderr}"
        );
        assert!(!stderr.contains("already stored"), "{stderr}");
        let from_parts = stored_day(&env, DAY);
        assert!(
            from_parts.len() > 40,
            "pages and breakdowns: {from_parts:?}"
        );
        env.ok(&["aggregate", "--day", DAY]);
        assert_eq!(stored_day(&env, DAY), from_parts, "in {parts} parts");
    }
    let whole = stored_day(&env, DAY);
    // Counted again in parts with nothing changed, the day is not written again.
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "4"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("(already stored by the run of another part)"),
        "{stderr}"
    );
    assert_eq!(stored_day(&env, DAY), whole);
    // Parts counted at once in one process, added up without being stored.
    for workers in ["1", "6"] {
        let (code, stderr) = aggregate(&env, &["--day", DAY, "--workers", workers]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(stored_day(&env, DAY), whole, "{workers} workers");
    }
    // The beacon from a second visitor key counts for that visitor too, as in the whole count:
    // /replayed has two views (one keyless), one visitor with a view, and two engaged views.
    let path = pageviews::backend::local::database_path(env.data_dir(), &env.name);
    let db = rusqlite::Connection::open(path).unwrap();
    let replayed: [i64; 5] = db
        .query_row(
            "SELECT views, visitors, keyless, engaged_ms, engaged_views FROM daily
             WHERE page = '/replayed'",
            [],
            |row| {
                Ok([
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ])
            },
        )
        .unwrap();
    assert_eq!(replayed, [2, 1, 1, 8000, 2]);
}

#[test]
fn a_day_is_written_when_its_last_part_is_counted_in_any_order_and_again() {
    let env = Env::new();
    send_day(&env, OTHER_DAY, "11");
    // One process per part, in no order; the day is not written until the last.
    for part in ["5", "0", "7", "2", "1", "6", "3"] {
        let (code, stderr) = aggregate(&env, &["--day", OTHER_DAY, "--parts", "8", "--part", part]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            counted_parts(&stderr, OTHER_DAY),
            [part.parse::<u32>().unwrap()]
        );
        assert!(
            stderr.contains(&format!("{OTHER_DAY} is not written yet")),
            "{stderr}"
        );
    }
    assert!(stored_day(&env, OTHER_DAY).is_empty());
    assert_eq!(env.status().pending_days, [OTHER_DAY]);
    let (code, stderr) = aggregate(&env, &["--day", OTHER_DAY, "--parts", "8", "--part", "4"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("aggregated {OTHER_DAY} from 8 parts")),
        "{stderr}"
    );
    let from_parts = stored_day(&env, OTHER_DAY);
    assert!(env.status().pending_days.is_empty());
    // A part counted twice (a retry after a crash) changes nothing.
    let (code, stderr) = aggregate(&env, &["--day", OTHER_DAY, "--parts", "8", "--part", "4"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stored_day(&env, OTHER_DAY), from_parts);
    env.ok(&["aggregate", "--day", OTHER_DAY]);
    assert_eq!(stored_day(&env, OTHER_DAY), from_parts, "as counted whole");
    let path = pageviews::backend::local::database_path(env.data_dir(), &env.name);
    let db = rusqlite::Connection::open(path).unwrap();
    let stored: u64 = db
        .query_row(
            "SELECT count(*) FROM events WHERE kind IS NULL AND time_ms / 86400000 =
             unixepoch(?1) / 86400",
            [OTHER_DAY],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(
        env.total(&["--day", OTHER_DAY]),
        stored,
        "every view stored"
    );
    assert!(stored > 1_000, "{stored}");
}

#[test]
fn a_part_killed_before_it_is_stored_stores_nothing_and_is_counted_again() {
    let env = Env::new();
    send_day(&env, OTHER_DAY, "19");
    for part in ["0", "1", "2"] {
        let (code, stderr) = aggregate(&env, &["--day", OTHER_DAY, "--parts", "4", "--part", part]);
        assert_eq!(code, 0, "{stderr}");
    }
    // The database's write lock held: the last part counts, then waits to store its counts,
    // and is killed.
    let path = pageviews::backend::local::database_path(env.data_dir(), &env.name);
    let lock = rusqlite::Connection::open(&path).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut killed = env.spawn(&[
        "aggregate",
        "--day",
        OTHER_DAY,
        "--parts",
        "4",
        "--part",
        "3",
    ]);
    std::thread::sleep(std::time::Duration::from_secs(2));
    killed.kill().unwrap();
    killed.wait().unwrap();
    lock.execute_batch("ROLLBACK").unwrap();
    let out = env.ok(&[
        "aggregate",
        "--day",
        OTHER_DAY,
        "--parts",
        "4",
        "--part",
        "0",
        "--format",
        "json",
    ]);
    let runs: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(runs[0]["missing"], serde_json::json!([3]), "{runs}");
    assert!(stored_day(&env, OTHER_DAY).is_empty(), "not written");
    // Run again, it is stored and the day written: as counted whole.
    let (code, stderr) = aggregate(&env, &["--day", OTHER_DAY, "--parts", "4", "--part", "3"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("aggregated {OTHER_DAY} from 4 parts")),
        "{stderr}"
    );
    let from_parts = stored_day(&env, OTHER_DAY);
    env.ok(&["aggregate", "--day", OTHER_DAY]);
    assert_eq!(stored_day(&env, OTHER_DAY), from_parts, "as counted whole");
}

#[test]
fn late_events_make_only_their_shards_part_count_again() {
    let env = Env::new();
    send_day(&env, DAY, "13");
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "8"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counted_parts(&stderr, DAY), (0..8).collect::<Vec<_>>());
    let before = env.total(&["--day", DAY]);
    // A late view of a visitor whose key is in the last shard (the last part's).
    send_view(
        &env,
        "late1",
        &format!("{DAY}T23:00:00Z"),
        "ff00000000000001",
    );
    // A part of the others, counted now, still leaves the day unwritten: part 7 is stale.
    let out = env.ok(&[
        "aggregate",
        "--day",
        DAY,
        "--parts",
        "8",
        "--part",
        "0",
        "--format",
        "json",
    ]);
    let runs: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(runs[0]["stale"], serde_json::json!([7]), "{runs}");
    assert_eq!(runs[0]["missing"], serde_json::json!([]));
    assert_eq!(runs[0]["merged"], Value::Null);
    assert_eq!(env.status().pending_days, [DAY]);
    let (code, stderr) = aggregate(&env, &["--pending", "--parts", "8"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        counted_parts(&stderr, DAY),
        [7],
        "only the late event's part: {stderr}"
    );
    assert_eq!(env.total(&["--day", DAY]), before + 1);
    let from_parts = stored_day(&env, DAY);
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(stored_day(&env, DAY), from_parts, "as counted whole");
    // Counted in another number of parts, nothing is stored yet: every part is counted.
    let (_, stderr) = aggregate(&env, &["--day", DAY, "--parts", "2"]);
    assert_eq!(counted_parts(&stderr, DAY), [0, 1]);
    assert_eq!(stored_day(&env, DAY), from_parts);
}

#[test]
fn parts_of_a_day_whose_raw_events_were_deleted_add_late_ones_to_its_record() {
    let env = Env::new();
    send_day(&env, DAY, "17");
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "4"]);
    assert_eq!(code, 0, "{stderr}");
    let before = env.total(&["--day", DAY]);
    env.ok(&["prune", "--before", OTHER_DAY]);
    send_view(
        &env,
        "late2",
        &format!("{DAY}T22:00:00Z"),
        "4000000000000001",
    );
    // The parts counted before the deletion held events the record holds now: all four are
    // counted again, the first on the record.
    let (code, stderr) = aggregate(&env, &["--pending", "--parts", "4"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counted_parts(&stderr, DAY), [0, 1, 2, 3]);
    assert_eq!(env.total(&["--day", DAY]), before + 1);
    let from_parts = stored_day(&env, DAY);
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(stored_day(&env, DAY), from_parts, "as counted whole");
}

#[test]
fn parts_out_of_range_are_refused_with_what_to_do() {
    let env = Env::new();
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "0"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("a day is counted in 1 to 64 parts, not 0"),
        "{stderr}"
    );
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--parts", "8", "--part", "8"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("parts are numbered from 0 to 7"),
        "{stderr}"
    );
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--part", "1"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--parts"), "{stderr}");
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--workers", "65"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("1 to 64 parts, not 65"), "{stderr}");
    let (code, stderr) = aggregate(&env, &["--day", DAY, "--workers", "2", "--parts", "2"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}
