//! Tests of the collector's routes: the script it serves.

use super::SCRIPT;
use std::io::Write;

/// The budget for the snippet's script, engagement included (issue 23): 1.5 KB minified and
/// gzipped.
#[test]
fn the_script_stays_within_one_and_a_half_kilobytes_gzipped() {
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(SCRIPT.as_bytes()).unwrap();
    let compressed = gzip.finish().unwrap().len();
    assert!(compressed <= 1536, "{compressed} bytes gzipped");
    eprintln!("pageviews.js: {} bytes, {compressed} gzipped", SCRIPT.len());
}

/// The extensions of links the script counts as downloads, as its pattern spells them
/// (`docx?` is doc and docx, `mp[34]` is mp3 and mp4).
fn script_extensions() -> Vec<String> {
    let pattern = SCRIPT
        .split("/\\.(")
        .nth(1)
        .and_then(|rest| rest.split(")$/i").next())
        .expect("the script has a pattern of file extensions");
    let mut extensions = Vec::new();
    for alternative in pattern.split('|') {
        if let Some(base) = alternative.strip_suffix('?') {
            extensions.push(base[..base.len() - 1].to_owned());
            extensions.push(base.to_owned());
        } else if let Some((base, rest)) = alternative.split_once('[') {
            let last = rest.trim_end_matches(']');
            extensions.extend(last.chars().map(|c| format!("{base}{c}")));
        } else {
            extensions.push(alternative.to_owned());
        }
    }
    extensions.sort();
    extensions
}

#[test]
fn the_documented_file_extensions_are_the_scripts() {
    let docs = include_str!("../../docs/collector.md");
    let listed = docs
        .split("ends in one of these extensions, in any case: ")
        .nth(1)
        .and_then(|rest| rest.split('.').next())
        .expect("docs/collector.md lists the extensions");
    let mut documented: Vec<String> = listed
        .split(',')
        .map(|extension| extension.trim().to_owned())
        .collect();
    documented.sort();
    assert_eq!(documented, script_extensions());
    assert!(documented.len() > 30, "{documented:?}");
}
