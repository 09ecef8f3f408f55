//! The layers only point down: transports → actors → ports (store, bus) →
//! domain, with `config`, `telemetry` and `batch` as leaves anyone may use. This
//! reads every source file and fails on an import that points up (or
//! sideways where the README says it must not), naming the file and the
//! import, so a reader can check the direction by running it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What the actors may use: the ports, the domain, the leaves.
const BELOW_ACTORS: &[&str] = &[
    "domain",
    "store",
    "bus",
    "error",
    "telemetry",
    "config",
    "batch",
];

/// What a transport may use: every actor, and all that is below them.
const BELOW_TRANSPORTS: &[&str] = &[
    "actors",
    "actors::client",
    "actors::hub",
    "actors::matcher",
    // Moderators' decisions, shared with the admin API.
    "actors::moderation",
    "domain",
    "store",
    "bus",
    "error",
    "telemetry",
    "config",
    "batch",
    "i18n",
];

/// A module and the modules of this crate it may use. A module's own
/// submodules are always allowed; anything not listed is refused.
const RULES: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("batch", &[]),
    ("config", &["domain"]),
    ("i18n", &["domain"]),
    ("telemetry", &["config", "domain"]),
    ("store", &["domain", "telemetry", "config", "batch"]),
    ("bus", &["domain", "telemetry", "config", "batch"]),
    ("error", &["domain", "store", "bus"]),
    ("actors::matcher", BELOW_ACTORS),
    ("actors::hub", BELOW_ACTORS),
    (
        "actors::client",
        &[
            "actors",
            "actors::hub",
            "actors::matcher",
            "actors::moderation",
            "domain",
            "store",
            "bus",
            "error",
            "telemetry",
            "config",
            "batch",
        ],
    ),
    ("actors", BELOW_ACTORS),
    ("transports::ws", BELOW_TRANSPORTS),
    ("transports::telegram", BELOW_TRANSPORTS),
];

/// The module a source file belongs to, at the granularity of `RULES`;
/// `None` for the top (lib, main, startup, http, binaries) which wires
/// everything together.
fn module_of(rel: &Path) -> Option<String> {
    let parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let first = parts.first()?.as_str();
    let known = |name: &str| RULES.iter().any(|(m, _)| *m == name);
    // `actors/hub/...` is `actors::hub`; a file of `actors` or `transports`
    // without a rule of its own (`actors/rooms.rs`) is the parent's.
    if matches!(first, "actors" | "transports") && parts.len() > 1 {
        let name = format!("{first}::{}", parts[1]);
        if known(&name) {
            return Some(name);
        }
    }
    known(first).then(|| first.to_owned())
}

/// Every `crate::a` or `crate::a::b` path in `source`, tests excluded.
fn crate_paths(source: &str) -> BTreeSet<String> {
    let code = match source.find("#[cfg(test)]") {
        Some(i) => &source[..i],
        None => source,
    };
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let segs: Vec<&str> = rest
            .split("::")
            .take(2)
            .map(|s| {
                s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("")
            })
            .collect();
        let Some(first) = segs.first().filter(|s| !s.is_empty()) else {
            continue;
        };
        match (*first, segs.get(1)) {
            ("actors" | "transports", Some(second))
                if second
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase()) =>
            {
                found.insert(format!("{first}::{second}"));
            }
            _ => {
                found.insert((*first).to_owned());
            }
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_import_points_up_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "the source tree was found");

    let mut wrong = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let Some(module) = module_of(rel) else {
            continue;
        };
        let allowed = RULES.iter().find(|(m, _)| *m == module).unwrap().1;
        let source = std::fs::read_to_string(&file).unwrap();
        for used in crate_paths(&source) {
            let own = used == module || used.starts_with(&format!("{module}::"));
            // `actors::client` may use `actors` (the shared `Deps`), a
            // parent module; a parent may not reach into its children
            // unless listed.
            if own || allowed.contains(&used.as_str()) {
                continue;
            }
            wrong.push(format!("{} ({module}) uses crate::{used}", rel.display()));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up or sideways:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_import() {
    // The parser itself: a store file naming an actor is caught.
    let paths = crate_paths("use crate::actors::client::ClientActor;\nuse crate::domain::Seq;");
    assert!(paths.contains("actors::client") && paths.contains("domain"));
    assert_eq!(
        module_of(Path::new("store/postgres/append.rs")).as_deref(),
        Some("store")
    );
    assert_eq!(
        module_of(Path::new("transports/telegram/api.rs")).as_deref(),
        Some("transports::telegram")
    );
    assert_eq!(module_of(Path::new("startup.rs")), None);
}
