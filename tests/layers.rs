//! The core's layers point one way: a module imports only modules of lower layers. The layers
//! are declared once, here, and ARCHITECTURE.md must state the same line, so neither the code
//! nor the document can drift from the other without this test failing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Lowest first. Modules in one layer must not import each other.
const LAYERS: &[&[&str]] = &[
    &["diag", "http", "codes"],
    &["zone"],
    &["datefmt"],
    &["template"],
    &["config"],
    &["detect"],
    &["element"],
    &["cycle"],
    &["notify"],
    &["delivery"],
    &["wasm"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file under `src/` belongs to (`src/config/model.rs` is `config`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_str().unwrap();
    first.trim_end_matches(".rs").to_owned()
}

/// The modules named by `crate::` paths in `code` (comments removed): `crate::config::X`,
/// `crate::{config, cycle::Y}`, and the root re-exports (`crate::Diagnostic`) through `reexports`.
fn imports(code: &str, reexports: &BTreeMap<String, String>) -> Vec<String> {
    let code: String = code.lines().map(|l| l.split_once("//").map_or(l, |(c, _)| c)).collect::<Vec<_>>().join("\n");
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        let preceded = rest[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[i + "crate::".len()..];
        if preceded {
            continue; // e.g. `my_crate::`
        }
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(group.len(), |(j, _)| j);
            let mut top = Vec::new();
            let (mut d, mut start) = (0, 0);
            for (j, c) in group[..end].char_indices() {
                match c {
                    '{' => d += 1,
                    '}' => d -= 1,
                    ',' if d == 0 => {
                        top.push(&group[start..j]);
                        start = j + 1;
                    }
                    _ => {}
                }
            }
            top.push(&group[start..end]);
            top
        } else {
            vec![rest]
        };
        for n in names {
            let n = n.trim();
            let head: String = n.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if head.is_empty() {
                continue;
            }
            out.push(reexports.get(&head).cloned().unwrap_or(head));
        }
    }
    out
}

/// `pub use diag::{Diagnostic, Error};` in lib.rs: each name belongs to its module.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.trim().strip_prefix("pub use ") else { continue };
        let Some((module, names)) = rest.split_once("::") else { continue };
        for n in names.trim_end_matches(';').trim_matches(|c| c == '{' || c == '}').split(',') {
            m.insert(n.trim().to_owned(), module.to_owned());
        }
    }
    m
}

#[test]
fn lower_modules_never_import_higher_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let reexports = root_reexports(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for f in &files {
        let module = module_of(&src, f);
        if module == "lib" {
            continue; // the crate root declares the modules and re-exports; it has no logic
        }
        let Some(own) = layer_of(&module) else {
            wrong.push(format!("{}: module `{module}` is in no layer: add it to LAYERS and ARCHITECTURE.md", f.display()));
            continue;
        };
        for dep in imports(&std::fs::read_to_string(f).unwrap(), &reexports) {
            checked += 1;
            if dep == module {
                continue;
            }
            match layer_of(&dep) {
                Some(l) if l < own => {}
                Some(_) => wrong.push(format!("{}: `{module}` (layer {own}) imports `{dep}`, which is not below it", f.display())),
                None => wrong.push(format!("{}: `{module}` imports `crate::{dep}`, which is in no layer", f.display())),
            }
        }
    }
    assert!(checked > 30, "the scan found only {checked} crate:: paths: it is not reading the sources");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn architecture_md_states_the_same_layers() {
    let line = LAYERS.iter().map(|l| l.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")).collect::<Vec<_>>().join(" ← ");
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md")).unwrap();
    let doc = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(doc.contains(&line), "ARCHITECTURE.md must state the layers as {line}");
}

#[test]
fn the_scanner_reads_every_form_of_path() {
    let re = root_reexports("pub use diag::{Diagnostic, Error, Severity};\npub use x::Y;");
    let code = "use crate::{config, cycle::{A, B}, datefmt::DateFormat};\nlet x = crate::Diagnostic::error();\n// crate::wasm in a comment\nuse my_crate::nope;\nuse crate::zone::Zone;";
    assert_eq!(imports(code, &re), ["config", "cycle", "datefmt", "diag", "zone"]);
}
