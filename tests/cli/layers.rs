//! The layers of src/ (docs/architecture.md), held against the code: each top-level module
//! imports only from the layers below it, the features do not import each other, the two
//! backends do not import each other, and the model's modules form no cycle. An import that
//! points up fails here, naming the file and the path it took.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers from the bottom up, and the top-level modules of src/ each holds.
const LAYERS: &[(&str, &[&str])] = &[
    ("model", &["model"]),
    ("backends", &["backend"]),
    ("pipeline", &["pipeline"]),
    (
        "features",
        &[
            "collect", "cost", "deploy", "export", "import", "report", "synth",
        ],
    ),
    // The dashboard composes the report's rendering: above the features, so that it may
    // import report/ and nothing below may import it.
    ("dashboard", &["serve"]),
    (
        "edge",
        &["cli", "cmd", "exit", "lambda", "logging", "main", "output"],
    ),
];

/// Modules of one layer that may import each other: the edge is the one place where the
/// command line and its commands know each other.
const SIBLINGS_MAY_IMPORT: &[&str] = &["edge"];

fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    LAYERS
        .iter()
        .enumerate()
        .find(|(_, (_, modules))| modules.contains(&module))
        .map(|(index, (name, _))| (index, *name))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The file's text without comments, so that prose naming a path is no import.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a source file is readable");
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::a::b...` path in `code`, as its segments (at most `depth` of them).
fn crate_paths(code: &str, depth: usize) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let segments: Vec<String> = code[at + "crate::".len()..]
            .split("::")
            .take(depth)
            .map(|segment| {
                segment
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .take_while(|segment| !segment.is_empty())
            .collect();
        if !segments.is_empty() {
            paths.push(segments);
        }
    }
    paths
}

/// The file's place under src/: its top-level module and the rest of its module path.
fn module_path(path: &Path) -> Vec<String> {
    let relative = path.strip_prefix(src()).expect("a file under src/");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().expect("a file name");
    let stem = file.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

struct Source {
    path: PathBuf,
    module: Vec<String>,
    code: String,
}

fn sources() -> Vec<Source> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| Source {
            module: module_path(&path),
            code: code_of(&path),
            path,
        })
        .filter(|source| !source.module.is_empty())
        .collect()
}

fn shown(path: &Path) -> String {
    path.strip_prefix(src().parent().unwrap())
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn every_top_level_module_has_a_layer() {
    let unplaced: BTreeSet<String> = sources()
        .into_iter()
        .map(|source| source.module[0].clone())
        .filter(|module| layer_of(module).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules of src/ in no layer (add them to LAYERS here and to docs/architecture.md): \
         {unplaced:?}"
    );
}

#[test]
fn imports_point_down_only() {
    let mut upward = Vec::new();
    for source in sources() {
        let from = &source.module[0];
        let Some((from_layer, from_name)) = layer_of(from) else {
            continue;
        };
        for path in crate_paths(&source.code, 1) {
            let to = &path[0];
            if to == from {
                continue;
            }
            let Some((to_layer, _)) = layer_of(to) else {
                continue;
            };
            let sibling_allowed = SIBLINGS_MAY_IMPORT.contains(&from_name);
            if to_layer > from_layer || (to_layer == from_layer && !sibling_allowed) {
                upward.push(format!("{} -> crate::{to}", shown(&source.path)));
            }
        }
    }
    upward.sort();
    upward.dedup();
    assert!(
        upward.is_empty(),
        "imports that point up or sideways across layers ({}):\n{}",
        LAYERS
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(" < "),
        upward.join("\n")
    );
}

#[test]
fn the_backends_do_not_import_each_other() {
    let mut crossing = Vec::new();
    for source in sources() {
        if source.module.len() < 2 || source.module[0] != "backend" {
            continue;
        }
        let own = source.module[1].as_str();
        for other in ["local", "aws", "faulty"] {
            if other == own || !["local", "aws"].contains(&own) {
                continue;
            }
            let by_crate = format!("crate::backend::{other}");
            let by_super = format!("super::{other}::");
            if source.code.contains(&by_crate) || source.code.contains(&by_super) {
                crossing.push(format!("{} -> backend::{other}", shown(&source.path)));
            }
        }
    }
    assert!(
        crossing.is_empty(),
        "one backend imports another (share it through backend/ instead):\n{}",
        crossing.join("\n")
    );
}

#[test]
fn the_model_has_no_import_cycle() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in sources() {
        if source.module[0] != "model" || source.module.len() < 2 {
            continue;
        }
        let from = source.module[1].clone();
        let targets = edges.entry(from.clone()).or_default();
        for path in crate_paths(&source.code, 2) {
            if path.len() == 2 && path[0] == "model" && path[1] != from {
                targets.insert(path[1].clone());
            }
        }
        if source.module.len() == 2 {
            for (at, _) in source.code.match_indices("super::") {
                let name: String = source.code[at + "super::".len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != from && source_exists(&name) {
                    edges.entry(from.clone()).or_default().insert(name);
                }
            }
        }
    }
    // `fixtures` is test-only and may use every model module.
    edges.remove("fixtures");
    if let Some(cycle) = find_cycle(&edges) {
        panic!(
            "model modules import each other in a cycle: {}",
            cycle.join(" -> ")
        );
    }
}

fn source_exists(model_module: &str) -> bool {
    let dir = src().join("model");
    dir.join(format!("{model_module}.rs")).exists() || dir.join(model_module).is_dir()
}

fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|seen| seen == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_checks_catch_what_they_are_for() {
    let code = "use crate::report::View; // crate::cmd in a comment is no import\n\
                let x = my_crate::cli::Y; let y = crate::model::day::Day::parse;";
    let code = code
        .lines()
        .map(|line| line.find("//").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        crate_paths(&code, 2),
        vec![
            vec!["report".to_owned(), "View".to_owned()],
            vec!["model".to_owned(), "day".to_owned()]
        ]
    );
    let mut edges = BTreeMap::new();
    edges.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    edges.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        find_cycle(&edges),
        Some(vec!["a".to_owned(), "b".to_owned(), "a".to_owned()])
    );
    assert_eq!(layer_of("backend").map(|(index, _)| index), Some(1));
    assert!(layer_of("report").unwrap().0 > layer_of("pipeline").unwrap().0);
}
