//! The demo server's live state: ordinary Rust data, the thing its heap dumps describe.
//!
//! The leak is the tutorial's: a module-level session map (`loginUsers`) that gains one entry per
//! login and is never evicted. Every object that a dump shows carries a stable object id, given
//! when the object is created, so an object that survives between two dumps keeps its id and a
//! new one gets a new, higher id — which is what lets Comparison tell new objects from old ones.

//!
//! # Locks
//!
//! Async handlers never wait for heavy work: the session map's lock is taken only on blocking
//! threads (`spawn_blocking`: a leak, a dump's capture), and what a handler reads — the number of
//! sessions, the counters — is mirrored in atomics. The other locks (`log`, `stats.dumps`) guard a
//! few pointer moves and are never held across I/O or a loop over the sessions.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use super::log::Logger;

/// Object ids of the singletons (V8 gives JavaScript objects odd ids; 1 is the root).
pub mod ids {
    pub const ROOT: u32 = 1;
    pub const GC_ROOTS: u32 = 3;
    pub const GLOBAL: u32 = 5;
    pub const SESSION_MODULE: u32 = 7;
    pub const SESSION_MIDDLEWARE: u32 = 9;
    pub const SESSION_CONTEXT: u32 = 11;
    pub const LOGIN_USERS: u32 = 13;
    pub const APP: u32 = 15;
    pub const MIDDLEWARE_LIST: u32 = 17;
    pub const ACCESS_LOG_MIDDLEWARE: u32 = 19;
    pub const ROUTER_MIDDLEWARE: u32 = 21;
    pub const ROUTER: u32 = 23;
    pub const ROUTE_TABLE: u32 = 25;
    pub const ACCESS_LOG: u32 = 27;
    pub const ACCESS_LOG_LINES: u32 = 29;
    pub const STATS: u32 = 31;
    pub const STRONG_ROOTS: u32 = 33;
    pub const DUMP_LIST: u32 = 35;
    /// Routes take 3 ids each from here.
    pub const FIRST_ROUTE: u32 = 101;
    /// Objects created at run time start here.
    pub const FIRST_DYNAMIC: u32 = 10_001;
}

/// One login: what `session.set(username)` stores. Boxed in the map, as a JS object would be
/// a separate allocation.
#[derive(Debug)]
pub struct Session {
    /// Object id of this value.
    pub id: u32,
    /// Object id of the key `String`'s heap buffer.
    pub key_id: u32,
    /// Object id of `username`'s heap buffer.
    pub username_id: u32,
    pub username: String,
    pub login_at_ms: u64,
}

/// The leaking map and the ids of its allocations.
pub struct SessionStore {
    pub map: HashMap<String, Box<Session>>,
    /// Id of the hash table allocation; a new one each time the table is reallocated.
    pub table_id: u32,
    table_capacity: usize,
}

/// A route of the tutorial's router: `controller` path and `action` (method name).
#[derive(Clone, Debug)]
pub struct Route {
    pub id: u32,
    pub controller: &'static str,
    pub action: &'static str,
}

pub const ROUTES: [(&str, &str); 6] = [
    ("v1/test", "index"),
    ("content", "test"),
    ("v1/test", "indexTest"),
    ("v1", "memLeak"),
    ("v1", "heapdump"),
    ("v1", "stats"),
];

/// The access log's recent lines, kept in memory (dumped as the log buffer). Every line also goes
/// to stdout and `DIR/access.log` through the [`Logger`], off the request's path.
pub struct AccessLog {
    pub lines: VecDeque<(u32, String)>,
}

/// How many recent access-log lines stay in memory.
pub const LOG_LINES_KEPT: usize = 200;

/// Dumps that may run at once; more wait (asynchronously) for a slot.
pub const MAX_CONCURRENT_DUMPS: usize = 2;

/// How many dump paths `/v1/stats` lists (the most recent, each once).
pub const DUMPS_LISTED: usize = 64;

/// What `/v1/stats` reports. Counters are atomics so that a handler never waits for a lock.
#[derive(Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub leak_calls: AtomicU64,
    /// `sessions.map.len()`, mirrored after each insert so it can be read while a leak holds the map.
    pub sessions: AtomicUsize,
    pub dumps: Mutex<DumpList>,
}

/// The dumps written so far: their number and the most recent distinct paths.
#[derive(Default)]
pub struct DumpList {
    pub count: u64,
    /// Oldest first, at most [`DUMPS_LISTED`], no path twice: a dump over an earlier one's file
    /// moves that path to the end.
    pub recent: VecDeque<PathBuf>,
}

impl DumpList {
    /// Records a dump now on disk at `path`; returns its sequence number (1 = the first dump).
    pub fn record(&mut self, path: &Path) -> u64 {
        self.count += 1;
        // At most DUMPS_LISTED entries: a linear scan stays constant-bounded.
        if let Some(i) = self.recent.iter().position(|p| p == path) {
            self.recent.remove(i);
        }
        if self.recent.len() == DUMPS_LISTED {
            self.recent.pop_front();
        }
        self.recent.push_back(path.to_path_buf());
        self.count
    }
}

/// Everything the server holds.
pub struct State {
    pub sessions: Mutex<SessionStore>,
    pub log: Mutex<AccessLog>,
    pub stats: Stats,
    pub routes: Vec<Route>,
    pub dump_dir: PathBuf,
    pub leak_count: usize,
    next_id: AtomicU32,
    pub request_no: AtomicU64,
    /// Stdout and `access.log`, written on their own threads.
    pub logger: Logger,
    /// Dumps running at once (each holds a whole capture in memory).
    pub dump_slots: tokio::sync::Semaphore,
    /// Numbers each dump's temporary file, so concurrent dumps never share one.
    pub tmp_no: AtomicU64,
    /// Held (on blocking threads only) from a dump's rename to its record in `stats.dumps`, so
    /// the sequence numbers are the order in which files landed.
    pub landing: Mutex<()>,
}

impl State {
    pub fn new(dump_dir: PathBuf, leak_count: usize, logger: Logger) -> State {
        let routes = ROUTES
            .iter()
            .enumerate()
            .map(|(i, (controller, action))| Route { id: ids::FIRST_ROUTE + 6 * i as u32, controller, action })
            .collect();
        State {
            sessions: Mutex::new(SessionStore { map: HashMap::new(), table_id: 0, table_capacity: 0 }),
            log: Mutex::new(AccessLog { lines: VecDeque::with_capacity(LOG_LINES_KEPT) }),
            stats: Stats::default(),
            routes,
            dump_dir,
            leak_count,
            next_id: AtomicU32::new(ids::FIRST_DYNAMIC),
            request_no: AtomicU64::new(0),
            logger,
            dump_slots: tokio::sync::Semaphore::new(MAX_CONCURRENT_DUMPS),
            tmp_no: AtomicU64::new(0),
            landing: Mutex::new(()),
        }
    }

    /// `n` fresh odd object ids, in increasing order.
    pub fn new_ids(&self, n: u32) -> u32 {
        self.next_id.fetch_add(2 * n, Ordering::Relaxed)
    }

    /// `session.set(username)`: stores a login under `username`, forever.
    pub fn set_session(&self, store: &mut SessionStore, username: String) {
        let first = self.new_ids(3);
        let session = Box::new(Session {
            id: first,
            key_id: first + 2,
            username_id: first + 4,
            username: username.clone(),
            login_at_ms: now_ms(),
        });
        store.map.insert(username, session);
        self.stats.sessions.store(store.map.len(), Ordering::Relaxed);
        if store.map.capacity() != store.table_capacity {
            // The table was reallocated: a new object, with a new id.
            store.table_capacity = store.map.capacity();
            store.table_id = self.new_ids(1);
        }
    }

    /// Appends a line to the access log: memory now, stdout and file on the logger's threads.
    pub fn log_line(&self, line: String) {
        self.logger.access(&line);
        let id = self.new_ids(1);
        if let Ok(mut log) = self.log.lock() {
            if log.lines.len() == LOG_LINES_KEPT {
                log.lines.pop_front();
            }
            log.lines.push_back((id, line));
        }
    }
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Bytes of a hashbrown table holding `capacity` entries of `entry` bytes: the bucket array plus
/// one control byte per bucket and a trailing group (hashbrown's `TableLayout`).
pub fn hash_table_bytes(capacity: usize, entry: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = if capacity < 4 {
        4
    } else if capacity < 8 {
        8
    } else {
        (capacity * 8 / 7).next_power_of_two()
    };
    buckets * entry + buckets + 16
}
