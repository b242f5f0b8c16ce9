//! The library's layers, checked: every `crate::<module>` path in a module's non-test code is an
//! edge, and the edges must point down and never close a circle. The layers, from the bottom:
//! `context`, `scan_config`, `model`, `policy`, `secrets`, `regions` and `collected` (facts and
//! failed reads) ← `settings` (the environment) ← `resources` ← `collect` and `rules` ← `engine` ←
//! `audit` ← the functions' adapters and the CLI.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Modules each listed module must never name (outside its tests).
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("collected", &["resources", "collect", "rules", "engine", "audit"]),
    ("model", &["resources", "collect", "rules", "engine", "audit"]),
    ("resources", &["collect", "rules", "engine", "audit"]),
    ("rules", &["collect", "engine", "audit"]),
    ("collect", &["rules", "engine", "audit"]),
    ("engine", &["collect", "audit"]),
    ("render", &["audit", "collect", "rules", "engine"]),
    ("settings", &["resources", "collect", "rules", "engine", "audit", "publish"]),
    ("regions", &["settings", "resources", "collect", "rules", "engine", "audit"]),
];

/// Edges the circle check tolerates for now, each with the reason (none today).
const TOLERATED: &[(&str, &str)] = &[];

/// `module -> modules it names`, over the non-test code of `shared/src`.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(&root).unwrap();
            let top =
                rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
            if top == "lib" || top.ends_with("_tests") || rel.file_name().is_some_and(|n| n == "grammar_tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
            out.entry(top.clone()).or_default().extend(named_modules(code).into_iter().filter(|m| *m != top));
        }
    }
    out
}

/// The lower-case module names after `crate::` (also inside `crate::{a, b::c}`).
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with('$') || code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        let items: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group.split('}').next().unwrap_or_default().split(',').collect(),
            None => vec![rest],
        };
        for item in items {
            let name: String = item.trim().chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            let whole_segment = item.trim()[name.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
            if !name.is_empty() && whole_segment && name != "known" {
                names.insert(name);
            }
        }
    }
    names
}

#[test]
fn no_module_names_a_layer_above_it() {
    let edges = edges();
    let mut violations = Vec::new();
    for (module, forbidden) in FORBIDDEN {
        for target in edges.get(*module).into_iter().flatten() {
            if forbidden.contains(&target.as_str()) {
                violations.push(format!("{module} -> {target}"));
            }
        }
    }
    assert!(violations.is_empty(), "layering violated: {violations:?}");
}

#[test]
fn the_modules_form_no_circle() {
    let mut edges = edges();
    for (from, to) in TOLERATED {
        edges.get_mut(*from).map(|targets| targets.remove(*to));
    }
    // Depth-first search for a back edge, reporting the circle found.
    fn visit<'a>(
        node: &'a str,
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut circle: Vec<String> = path[at..].iter().map(|n| n.to_string()).collect();
            circle.push(node.to_string());
            return Some(circle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in edges.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, edges, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for module in edges.keys() {
        if let Some(circle) = visit(module, &edges, &mut Vec::new(), &mut done) {
            panic!("module circle: {}", circle.join(" -> "));
        }
    }
}

#[test]
fn module_names_are_read_from_paths_and_groups() {
    let names = named_modules("use crate::model::X;\nuse crate::{collect, publish::sns};\nlet a = crate::ScanContext::x(); $crate::model; crate::known!(x)");
    assert_eq!(names.into_iter().collect::<Vec<_>>(), vec!["collect", "model", "publish"]);
}
