//! The architecture's rules (docs/ARCHITECTURE.md, "Invariants"), checked against the source
//! text, so that a change that breaks one fails the tests instead of making the page untrue.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every source file under `src`, with its text.
fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, found: &mut Vec<(PathBuf, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                found.push((path, text));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    walk(&root, &mut found);
    assert!(found.len() > 50, "the sources were not found under {}", root.display());
    found.into_iter().map(|(path, text)| (path.strip_prefix(&root).unwrap_or(&path).to_path_buf(), text)).collect()
}

/// The code of a file: without comment lines (docs name other modules freely).
fn code(text: &str) -> String {
    text.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The top-level module a file belongs to: `web/admin/users.rs` → `web`.
fn module_of(path: &Path) -> String {
    let first = path.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
    first.trim_end_matches(".rs").to_owned()
}

/// Which top-level modules each one uses (`crate::name`), itself left out.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in sources() {
        let module = module_of(&path);
        let code = code(&text);
        let used = uses.entry(module.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            let name: String =
                code[at + "crate::".len()..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if !name.is_empty() && name != module {
                used.insert(name);
            }
        }
    }
    uses
}

#[test]
fn the_two_doors_never_import_each_other() {
    for (path, text) in sources() {
        let (module, code) = (module_of(&path), code(&text));
        if module == "web" {
            assert!(!code.contains("crate::http"), "{} imports the API", path.display());
        }
        if module == "http" {
            assert!(!code.contains("crate::web"), "{} imports the pages", path.display());
        }
    }
}

#[test]
fn no_feature_uses_a_door_the_shell_or_the_entry_points() {
    const ABOVE: [&str; 5] = ["http", "web", "shell", "app", "cli"];
    for (module, used) in uses() {
        if ABOVE.contains(&module.as_str()) || module == "lib" || module == "main" || module == "architecture" {
            continue;
        }
        let wrong: Vec<&String> = used.iter().filter(|u| ABOVE.contains(&u.as_str())).collect();
        assert!(wrong.is_empty(), "{module} uses {wrong:?}");
    }
    // The shell stands below both doors.
    let shell = uses().remove("shell").unwrap_or_default();
    assert!(!shell.contains("http") && !shell.contains("web"), "the shell uses a door: {shell:?}");
}

#[test]
fn the_modules_form_no_circle() {
    let uses = uses();
    // Depth-first search for a back edge; the path found is reported.
    fn visit(
        module: &str,
        uses: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut circle = path[at..].to_vec();
            circle.push(module.to_owned());
            return Some(circle);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_owned());
        for next in uses.get(module).into_iter().flatten() {
            if let Some(circle) = visit(next, uses, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(module.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for module in uses.keys() {
        let circle = visit(module, &uses, &mut Vec::new(), &mut done);
        assert!(circle.is_none(), "modules in a circle: {}", circle.unwrap_or_default().join(" → "));
    }
}

#[test]
fn only_store_files_and_the_database_module_use_the_schema() {
    for (path, text) in sources() {
        if !code(&text).contains("db::schema") || path == Path::new("architecture.rs") {
            continue;
        }
        let shown = path.display().to_string();
        let allowed =
            shown == "db.rs" || shown.starts_with("db/") || shown.ends_with("/store.rs") || shown.contains("/store/");
        assert!(allowed, "{shown} uses db::schema outside a store");
    }
}

#[test]
fn every_file_reads_in_one_sitting() {
    for (path, text) in sources() {
        let lines = text.lines().count();
        assert!(lines <= 500, "{} has {lines} lines (at most 500)", path.display());
    }
}
