//! `export` to a folder: one gzipped file per day with its manifest, the same bytes when run
//! again, and a round trip (export, then `import --format ndjson` into a fresh deployment) that
//! gives the same reports, breakdowns and visitors included.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

use crate::harness::{Env, Kind};
use crate::on_both_backends;

on_both_backends!(
    an_export_imported_elsewhere_reports_the_same_and_runs_again_identically,
    an_event_stored_twice_is_exported_once,
);

const RANGE: [&str; 4] = ["--from", "2021-03-10", "--to", "2021-03-12"];

/// Every file under `dir`, by path relative to it, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    for day in std::fs::read_dir(dir).unwrap() {
        let day = day.unwrap().path();
        for file in std::fs::read_dir(&day).unwrap() {
            let file = file.unwrap().path();
            let name = file.strip_prefix(dir).unwrap().display().to_string();
            found.insert(name, std::fs::read(&file).unwrap());
        }
    }
    found
}

fn json(env: &Env, args: &[&str]) -> Value {
    serde_json::from_str(&env.ok(args)).expect("JSON")
}

/// Everything the reports say of the range: pages per day and every breakdown.
fn reports(env: &Env) -> Vec<Value> {
    let mut all = vec![json(
        env,
        &[&["report", "--format", "json"][..], &RANGE].concat(),
    )];
    for by in ["referrer", "source", "variant", "event", "download"] {
        let args = [&["report", "--format", "json", "--by", by][..], &RANGE].concat();
        all.push(json(env, &args));
    }
    all
}

fn an_export_imported_elsewhere_reports_the_same_and_runs_again_identically(kind: Kind) {
    let count = match kind {
        Kind::Local => 6000,
        Kind::Aws | Kind::Kinesis => 1500,
    };
    let count_text = count.to_string();
    let source = Env::on(kind, &[]);
    source.ok(&[
        &["send", "--count", &count_text, "--visitors", "300"][..],
        &["--breakdowns", "--seed", "15"],
        &RANGE,
    ]
    .concat());
    source.drain(&[]);
    source.ok(&[&["aggregate"][..], &RANGE].concat());
    let expected = reports(&source);

    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("export");
    let dest_text = dest.to_str().unwrap();
    let export = [
        &["export", "--what", "events", "--summary", "json"][..],
        &["--output", dest_text],
        &RANGE,
    ]
    .concat();
    let summary = json(&source, &export);
    let days = summary.as_array().unwrap();
    assert_eq!(days.len(), 3, "{summary}");
    let rows: u64 = days.iter().map(|d| d["rows"].as_u64().unwrap()).sum();
    assert_eq!(rows, count, "every event sent is exported once");
    let views: u64 = days.iter().map(|d| d["views"].as_u64().unwrap()).sum();
    let reported: u64 = expected[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["views"].as_u64().unwrap())
        .sum();
    assert_eq!(views, reported);

    let written = files(&dest);
    let names: Vec<&str> = written.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "day=2021-03-10/events.ndjson.gz",
            "day=2021-03-10/manifest.json",
            "day=2021-03-11/events.ndjson.gz",
            "day=2021-03-11/manifest.json",
            "day=2021-03-12/events.ndjson.gz",
            "day=2021-03-12/manifest.json",
        ]
    );
    for day in days {
        let name = day["day"].as_str().unwrap();
        let manifest: Value =
            serde_json::from_slice(&written[&format!("day={name}/manifest.json")]).unwrap();
        let entry = &manifest["files"]["events.ndjson.gz"];
        let file = &written[&format!("day={name}/events.ndjson.gz")];
        assert_eq!(manifest["format_version"], 1);
        assert_eq!(entry["rows"], day["rows"]);
        assert_eq!(entry["bytes"].as_u64().unwrap(), file.len() as u64);
        let digest: String = Sha256::digest(file)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(entry["sha256"].as_str().unwrap(), digest);
    }

    // Again, into the same folder: the same bytes.
    source.ok(&export);
    assert_eq!(
        files(&dest),
        written,
        "a second export rewrites the same bytes"
    );

    let target = Env::on(kind, &[]);
    let mut import = vec!["import", "--format", "ndjson", "--summary", "json"];
    let paths: Vec<String> = written
        .keys()
        .filter(|name| name.ends_with(".gz"))
        .map(|name| dest.join(name).display().to_string())
        .collect();
    import.extend(paths.iter().map(String::as_str));
    let imported = json(&target, &import);
    assert_eq!(imported["views"].as_u64().unwrap(), count, "{imported}");
    assert_eq!(imported["unparsable"], 0);
    target.drain(&[]);
    target.ok(&[&["aggregate"][..], &RANGE].concat());
    assert_eq!(reports(&target), expected);
}

/// The gzipped file at `path`, as text.
fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    let file = std::fs::File::open(path).unwrap();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(file), &mut text).unwrap();
    text
}

#[test]
fn csv_exports_of_events_and_daily_rows() {
    let env = Env::new();
    let input = env.write(
        "events.ndjson",
        concat!(
            r#"{"id":"a","page":"/x","time":"2021-03-13T10:00:00Z","visitor":"v1","source":"news","campaign":"say \"hi\", now"}"#,
            "\n",
            r#"{"id":"b","page":"/x","time":"2021-03-13T11:00:00Z","visitor":"v2"}"#,
            "\n",
            r#"{"id":"c","page":"/y","time":"2021-03-13T11:30:00Z"}"#,
            "\n"
        ),
    );
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().to_str().unwrap();
    for what in ["events", "daily"] {
        let args = [
            "export",
            "--day",
            "2021-03-13",
            "--what",
            what,
            "--format",
            "csv",
        ];
        env.ok(&[&args[..], &["--output", dest]].concat());
    }
    let day = out.path().join("day=2021-03-13");
    assert_eq!(
        gunzip(&day.join("events.csv.gz")),
        "id,time,page,visitor,kind,name,referrer,source,medium,campaign,variant,screen,country,\
         region,device,browser,browser_version,os,os_version,bot,bot_category,engaged_ms,scroll,\
         scroll_before\n\
         a,2021-03-13T10:00:00Z,/x,v1,view,,,news,,\"say \"\"hi\"\", now\",,,,,,,,,,,,,,\n\
         b,2021-03-13T11:00:00Z,/x,v2,view,,,,,,,,,,,,,,,,,,,\n\
         c,2021-03-13T11:30:00Z,/y,,view,,,,,,,,,,,,,,,,,,,\n"
    );
    let daily = gunzip(&day.join("daily.csv.gz"));
    let lines: Vec<&str> = daily.lines().collect();
    assert_eq!(lines[0], "day,page,views,visitors,hours");
    assert!(
        lines[1].starts_with("2021-03-13,/x,2,2,\"[0,0,0,0,0,0,0,0,0,0,1,1,"),
        "{daily}"
    );
    assert!(lines[2].starts_with("2021-03-13,/y,1,0,"), "{daily}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(day.join("manifest.json")).unwrap()).unwrap();
    let files: Vec<&String> = manifest["files"].as_object().unwrap().keys().collect();
    assert_eq!(files, ["daily.csv.gz", "events.csv.gz"]);
    assert_eq!(manifest["files"]["daily.csv.gz"]["views"], 3);
}

#[test]
fn bad_exports_imports_and_archives_say_what_to_do() {
    let env = Env::new();
    for (args, says) in [
        (
            &["export", "--what", "events", "--output", "x"][..],
            "say which days to export",
        ),
        (
            &[
                "export",
                "--day",
                "2021-03-13",
                "--what",
                "events",
                "--output",
                "ftp://h/p",
            ],
            "only folders and s3://BUCKET/PREFIX",
        ),
        (
            &[
                "export",
                "--day",
                "2021-03-13",
                "--what",
                "events",
                "--output",
                "s3:///p",
            ],
            "names no bucket",
        ),
        (
            &[
                "import", "--format", "combined", "--follow", "a.log", "b.log",
            ],
            "--follow reads one file",
        ),
        (
            &["import", "--format", "combined", "-", "-"],
            "can be read only once",
        ),
        (
            &["import", "--format", "combined", "/nonexistent/access.log"],
            "cannot read /nonexistent/access.log",
        ),
        (
            &["import", "--format", "caddy", "--include", "docs/*", "x"],
            "is not a path pattern",
        ),
        (
            &["archive", "--before", "2999-01-01", "--output", "x"],
            "only days already over",
        ),
    ] {
        let (code, _, stderr) = env.run(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

/// The same events sent twice are stored twice on DynamoDB (in the items of two messages) and
/// once locally; either way each is exported once.
fn an_event_stored_twice_is_exported_once(kind: Kind) {
    let env = Env::on(kind, &[]);
    let lines: Vec<String> = (0..40)
        .map(|i| {
            format!(
                r#"{{"id":"e{i}","page":"/p{}","time":"2021-03-13T{:02}:00:00Z"}}"#,
                i % 3,
                i % 24
            )
        })
        .collect();
    let input = env.write("events.ndjson", &(lines.join("\n") + "\n"));
    for _ in 0..2 {
        env.ok(&["send", "--input", input.to_str().unwrap()]);
        env.drain(&[]);
    }
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let out = tempfile::tempdir().unwrap();
    let args = [
        "export",
        "--day",
        "2021-03-13",
        "--what",
        "events",
        "--summary",
        "json",
    ];
    let summary = json(
        &env,
        &[&args[..], &["--output", out.path().to_str().unwrap()]].concat(),
    );
    assert_eq!(summary[0]["rows"], 40, "{summary}");
    let file = out.path().join("day=2021-03-13/events.ndjson.gz");
    let mut ids: Vec<String> = gunzip(&file)
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
}
