//! The demo server's heap dump: its live object graph written as a V8 `.heapsnapshot`.
//!
//! Every node is real state with its real size: the session map (`size_of` the `HashMap`) and
//! its hash table (its allocation as hashbrown lays it out for `capacity()` entries), each key's
//! and username's heap buffer (`capacity()`), each boxed `Session` (`size_of`), the router's route
//! table, the middleware chain, the access-log buffer and the counters. The graph has the shape of
//! a Node.js heap, so DevTools' rules apply unchanged:
//!
//! ```text
//! (root) ─shortcut "global"▶ global ─"session"▶ Module ─"exports"▶ session (closure)
//!                                    ─"context"▶ system / Context ─"loginUsers"▶ Object (the map)
//!        ─element▶ (GC roots) ─▶ (Strong roots) ─▶ the middleware closures
//! ```
//!
//! The map's entries are `property` edges named by key, to `{username}` objects, exactly as the
//! tutorial's `loginUsers[username] = {username, …}`; the table holds the key strings. The dump
//! uses only [`crate::snapshot`]'s builder and writer.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::state::{State, hash_table_bytes, ids};
use crate::snapshot::builder::SnapshotBuilder;
use crate::snapshot::writer::write_snapshot;
use crate::snapshot::{EdgeType, HeapSnapshot, NodeType};

fn size<T>() -> u32 {
    std::mem::size_of::<T>() as u32
}

fn string_bytes(s: &String) -> u32 {
    s.capacity() as u32
}

/// The server's object graph right now.
pub fn capture(state: &State) -> HeapSnapshot {
    let mut b = SnapshotBuilder::new();
    let root = b.node_with_id(NodeType::SYNTHETIC, "", ids::ROOT, 0);
    let gc_roots = b.node_with_id(NodeType::SYNTHETIC, "(GC roots)", ids::GC_ROOTS, 0);
    let strong = b.node_with_id(NodeType::SYNTHETIC, "(Strong roots)", ids::STRONG_ROOTS, 0);
    let global = b.node_with_id(NodeType::OBJECT, "global", ids::GLOBAL, size::<State>());
    b.edge(root, EdgeType::SHORTCUT, "global", global);
    b.edge(root, EdgeType::ELEMENT, 1, gc_roots);
    b.edge(gc_roots, EdgeType::ELEMENT, 1, strong);
    b.edge(strong, EdgeType::ELEMENT, 1, global);

    // The session module: its middleware closure captures the context holding `loginUsers`.
    let module = b.node_with_id(NodeType::OBJECT, "Module", ids::SESSION_MODULE, 64);
    let session_fn = b.node_with_id(NodeType::CLOSURE, "session", ids::SESSION_MIDDLEWARE, size::<fn()>());
    let context = b.node_with_id(NodeType::OBJECT, "system / Context", ids::SESSION_CONTEXT, size::<usize>() * 2);
    b.edge(global, EdgeType::PROPERTY, "session", module);
    b.edge(module, EdgeType::PROPERTY, "exports", session_fn);
    b.edge(session_fn, EdgeType::INTERNAL, "context", context);

    {
        let store = match state.sessions.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        type Entry = (String, Box<super::state::Session>);
        let map = b.node_with_id(
            NodeType::OBJECT,
            "Object",
            ids::LOGIN_USERS,
            size::<std::collections::HashMap<String, Box<super::state::Session>>>(),
        );
        b.edge(context, EdgeType::CONTEXT, "loginUsers", map);
        let table_bytes = hash_table_bytes(store.map.capacity(), std::mem::size_of::<Entry>());
        let table = (table_bytes > 0).then(|| {
            let t = b.node_with_id(NodeType::ARRAY, "(object properties)", store.table_id, table_bytes as u32);
            b.edge(map, EdgeType::INTERNAL, "properties", t);
            t
        });
        for (i, (key, session)) in store.map.iter().enumerate() {
            let value = b.node_with_id(NodeType::OBJECT, "Object", session.id, size::<super::state::Session>());
            b.edge(map, EdgeType::PROPERTY, key.as_str(), value);
            let key_node = b.node_with_id(NodeType::STRING, key, session.key_id, string_bytes(key));
            if let Some(t) = table {
                b.edge(t, EdgeType::ELEMENT, i as u32, key_node);
            } else {
                b.edge(map, EdgeType::INTERNAL, "key", key_node);
            }
            let username = b.node_with_id(
                NodeType::STRING,
                &session.username,
                session.username_id,
                string_bytes(&session.username),
            );
            b.edge(value, EdgeType::PROPERTY, "username", username);
        }
    }

    // The application: middleware chain in order, router, access log, counters.
    let app = b.node_with_id(NodeType::OBJECT, "Application", ids::APP, size::<usize>() * 8);
    b.edge(global, EdgeType::PROPERTY, "app", app);
    let chain = b.node_with_id(NodeType::ARRAY, "(middleware list)", ids::MIDDLEWARE_LIST, 3 * size::<usize>() * 2);
    b.edge(app, EdgeType::PROPERTY, "middleware", chain);
    let access_fn = b.node_with_id(NodeType::CLOSURE, "accessLog", ids::ACCESS_LOG_MIDDLEWARE, size::<fn()>());
    let router_fn = b.node_with_id(NodeType::CLOSURE, "router", ids::ROUTER_MIDDLEWARE, size::<fn()>());
    for (i, f) in [access_fn, session_fn, router_fn].into_iter().enumerate() {
        b.edge(chain, EdgeType::ELEMENT, i as u32, f);
        b.edge(strong, EdgeType::ELEMENT, i as u32 + 2, f);
    }

    let router = b.node_with_id(NodeType::OBJECT, "Router", ids::ROUTER, size::<Vec<super::state::Route>>());
    b.edge(app, EdgeType::PROPERTY, "router", router);
    b.edge(router_fn, EdgeType::INTERNAL, "router", router);
    let table = b.node_with_id(
        NodeType::ARRAY,
        "(route table)",
        ids::ROUTE_TABLE,
        (state.routes.capacity() * std::mem::size_of::<super::state::Route>()) as u32,
    );
    b.edge(router, EdgeType::PROPERTY, "routes", table);
    for (i, r) in state.routes.iter().enumerate() {
        let route = b.node_with_id(NodeType::OBJECT, "Route", r.id, size::<super::state::Route>());
        b.edge(table, EdgeType::ELEMENT, i as u32, route);
        let controller = b.node_with_id(NodeType::STRING, r.controller, r.id + 2, r.controller.len() as u32);
        let action = b.node_with_id(NodeType::STRING, r.action, r.id + 4, r.action.len() as u32);
        b.edge(route, EdgeType::PROPERTY, "controller", controller);
        b.edge(route, EdgeType::PROPERTY, "action", action);
    }

    let log = b.node_with_id(NodeType::OBJECT, "AccessLog", ids::ACCESS_LOG, size::<super::state::AccessLog>());
    b.edge(app, EdgeType::PROPERTY, "accessLog", log);
    b.edge(access_fn, EdgeType::INTERNAL, "log", log);
    if let Ok(lines) = state.log.lock() {
        let buffer = b.node_with_id(
            NodeType::ARRAY,
            "(log buffer)",
            ids::ACCESS_LOG_LINES,
            (lines.lines.capacity() * std::mem::size_of::<(u32, String)>()) as u32,
        );
        b.edge(log, EdgeType::PROPERTY, "lines", buffer);
        for (i, (id, line)) in lines.lines.iter().enumerate() {
            let s = b.node_with_id(NodeType::STRING, line, *id, string_bytes(line));
            b.edge(buffer, EdgeType::ELEMENT, i as u32, s);
        }
    }
    let stats = b.node_with_id(NodeType::OBJECT, "Stats", ids::STATS, size::<super::state::Stats>());
    if let Ok(dumps) = state.stats.dumps.lock() {
        let list = b.node_with_id(
            NodeType::ARRAY,
            "(dump list)",
            ids::DUMP_LIST,
            (dumps.recent.capacity() * std::mem::size_of::<PathBuf>()) as u32,
        );
        b.edge(stats, EdgeType::PROPERTY, "dumps", list);
    }
    b.edge(app, EdgeType::PROPERTY, "stats", stats);
    b.build()
}

/// A dump on disk, as its answer describes it.
#[derive(Debug, Clone)]
pub struct Dumped {
    pub path: PathBuf,
    /// The file's size: the bytes written into it before it was renamed into place.
    pub bytes: u64,
    /// Its place among this server's dumps (1 = the first) in the order the files landed: of
    /// two dumps to the same path, the higher number is the file on disk.
    pub seq: u64,
}

/// Writes a dump named `name` (letters, digits, `-`, `_`, `.`; no path) into the dump folder,
/// atomically: into a temporary file of its own, synced, then renamed over `NAME.heapsnapshot`.
/// Runs on a blocking thread (the capture holds the session map's lock).
///
/// Concurrent dumps with the same name each write their own temporary file (`create_new`,
/// numbered per dump), so none can truncate or rename another's; the last rename wins, and
/// its `seq` says so. The folder is created again if it was removed.
pub fn dump(state: &State, name: &str) -> std::io::Result<Dumped> {
    let snapshot = capture(state);
    std::fs::create_dir_all(&state.dump_dir)?;
    let path = state.dump_dir.join(format!("{name}.heapsnapshot"));
    let no = state.tmp_no.fetch_add(1, Ordering::Relaxed);
    let tmp = state.dump_dir.join(format!(".{name}.heapsnapshot.{}.{no}.tmp", std::process::id()));
    let written = (|| {
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        write_snapshot(&snapshot, &file)?;
        file.sync_all()?;
        let bytes = file.metadata()?.len();
        drop(snapshot);
        let _landing = state.landing.lock().unwrap_or_else(|p| p.into_inner());
        std::fs::rename(&tmp, &path)?;
        let seq = state.stats.dumps.lock().unwrap_or_else(|p| p.into_inner()).record(&path);
        Ok(Dumped { path: path.clone(), bytes, seq })
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// A dump name is a plain file name: no separators, no `..`, nothing to escape the folder.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.')
}

/// `path` relative to the working directory when it is inside it.
pub fn display_path(path: &Path) -> String {
    path.display().to_string()
}
