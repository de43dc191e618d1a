//! `export` to a folder: one gzipped file per day with its manifest, the same bytes when run
//! again, and a round trip (export, then `import --format ndjson` into a fresh deployment) that
//! gives the same reports, breakdowns and visitors included.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

use crate::harness::{Env, Kind};
use crate::on_both_backends;

on_both_backends!(an_export_imported_elsewhere_reports_the_same_and_runs_again_identically);

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
        Kind::Aws => 1500,
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
