//! Comparing a Heapscope `--json` document with the DevTools oracle's
//! (`../shared/oracle/devtools_oracle.mjs`): every field the oracle wrote, at any depth, in order
//! (shared by `tests/oracle.rs`, on recorded expected files, and `tests/capture.rs`, on the
//! oracle run live on freshly captured snapshots).

#![allow(dead_code, clippy::unwrap_used)]

use serde_json::Value;

/// Keys that describe the run, not the snapshot: which program wrote the document and which
/// version. Everything else the oracle wrote is compared, at any depth.
pub const RUN_KEYS: &[&str] = &[
    // The oracle names itself; Heapscope writes "tool" and "version" instead.
    "oracle",
    "oracle_version",
    "devtools_frontend_version",
];

/// Compares every key of `expected` (but [`RUN_KEYS`] at the top) with `actual`, recursively:
/// objects key by key, arrays element by element and by length, scalars by value. Keys only
/// `actual` has are Heapscope's additions (`grown_survivors`, `node_index` on path steps, ...)
/// and are not looked at. Returns (values checked, mismatches).
pub fn compare(expected: &Value, actual: &Value) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut problems = Vec::new();
    let Value::Object(top) = expected else { panic!("the expected document is not an object") };
    for (k, e) in top {
        if !RUN_KEYS.contains(&k.as_str()) {
            walk(k, e, actual.get(k), &mut checked, &mut problems);
        }
    }
    (checked, problems)
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 200 { format!("{}…", s.chars().take(200).collect::<String>()) } else { s }
}

fn walk(path: &str, e: &Value, a: Option<&Value>, checked: &mut usize, problems: &mut Vec<String>) {
    let Some(a) = a else {
        problems.push(format!("{path}: missing (expected {})", short(e)));
        return;
    };
    match (e, a) {
        (Value::Object(eo), Value::Object(_)) => {
            for (k, ev) in eo {
                walk(&format!("{path}.{k}"), ev, a.get(k), checked, problems);
            }
        }
        (Value::Array(ea), Value::Array(aa)) => {
            *checked += 1;
            if ea.len() != aa.len() {
                problems.push(format!("{path}: expected {} entries, got {}", ea.len(), aa.len()));
            }
            for (i, (ev, av)) in ea.iter().zip(aa).enumerate() {
                walk(&format!("{path}[{i}]"), ev, Some(av), checked, problems);
            }
        }
        _ => {
            *checked += 1;
            if e != a {
                problems.push(format!("{path}: expected {}, got {}", short(e), short(a)));
            }
        }
    }
}

/// The oracle, installed (`install.sh` run, `dist/devtools_heap.mjs` built): `$HEAPSCOPE_ORACLE`,
/// else `target/oracle` in the project, where `.ci/run` copies `../shared/oracle` and installs it
/// (the shared folder itself is read-only).
pub fn oracle_dir() -> std::path::PathBuf {
    let dir = std::env::var_os("HEAPSCOPE_ORACLE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/oracle"));
    assert!(
        dir.join("dist/devtools_heap.mjs").is_file(),
        "these tests run DevTools' code from the oracle: copy ../shared/oracle to {} and run its \
         install.sh there (.ci/run does), or set HEAPSCOPE_ORACLE to an installed copy",
        dir.display()
    );
    dir
}

/// Runs `node devtools_oracle.mjs ARGS...` and parses its document.
pub fn run_oracle(args: &[&str]) -> Value {
    let dir = oracle_dir();
    let out = std::process::Command::new("node")
        .arg(dir.join("devtools_oracle.mjs"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running the oracle needs `node` on PATH: {e}"));
    assert!(out.status.success(), "oracle {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}
