//! The core's modules import each other in one direction only: no `crate::` import
//! circle among its top-level modules (a folder counts as one module), so each layer can
//! be read, tested and changed without the ones above it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`session/vault.rs` → `session`); `None` for
/// the crate root and the binaries.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative
        .components()
        .next()?
        .as_os_str()
        .to_str()?
        .to_owned();
    match first.as_str() {
        "lib.rs" | "bin" => None,
        name => Some(name.trim_end_matches(".rs").to_owned()),
    }
}

/// The top-level modules a file's code names through `crate::`.
fn imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::{a, b}` names several.
            if name.is_empty() && after.starts_with('{') {
                let list = after[1..].split('}').next().unwrap_or_default();
                for item in list.split(',') {
                    let item: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !item.is_empty() {
                        found.insert(item);
                    }
                }
            } else if !name.is_empty() {
                found.insert(name);
            }
            rest = after;
        }
    }
    found
}

/// A circle through `start`, if the graph has one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(found) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(found);
        }
    }
    None
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let edges = graph.entry(module.clone()).or_default();
        for target in imports(&text) {
            if target != module {
                edges.insert(target);
            }
        }
    }
    graph
}

#[test]
fn no_module_of_the_core_imports_another_in_a_circle() {
    let graph = graph();
    assert!(graph.len() >= 10, "found only {graph:?}");
    if let Some(found) = circle(&graph) {
        panic!("an import circle: {}", found.join(" → "));
    }
}

#[test]
fn the_parts_apps_call_do_not_reach_into_each_other() {
    let graph = graph();
    // The session is the layer below every part; the parts may use the outbox (it
    // carries their writes), and nothing else of each other.
    for (part, allowed) in [
        ("session", &[][..]),
        ("auth", &[][..]),
        ("idle_lock", &[][..]),
        ("records", &[][..]),
        ("outbox", &[][..]),
        ("documents", &["outbox"][..]),
        ("sync", &["outbox"][..]),
    ] {
        let parts = [
            "auth",
            "idle_lock",
            "records",
            "outbox",
            "documents",
            "sync",
            "client",
        ];
        for target in &graph[part] {
            let is_part = parts.contains(&target.as_str());
            assert!(
                !is_part || allowed.contains(&target.as_str()),
                "{part} imports {target}"
            );
        }
    }
}

#[test]
fn the_checker_sees_a_circle_when_there_is_one() {
    let mut graph = BTreeMap::new();
    let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>();
    graph.insert("a".to_owned(), set(&["b"]));
    graph.insert("b".to_owned(), set(&["c"]));
    graph.insert("c".to_owned(), set(&["a"]));
    assert_eq!(circle(&graph).unwrap(), vec!["a", "b", "c", "a"]);
    graph.insert("c".to_owned(), set(&[]));
    assert!(circle(&graph).is_none());
    assert_eq!(
        imports(
            "use crate::{error::CoreError, store};\nlet x = crate::http::network(e); // crate::lib"
        ),
        set(&["error", "http", "store"])
    );
}
