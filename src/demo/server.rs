//! The HTTP side: three middlewares in order (access log, session, router) on axum, and the
//! tutorial's routes.
//!
//! * **access log**: method, path, status, latency, to stdout and `DIR/access.log` (queued to
//!   the [`Logger`](super::log::Logger)'s threads: a closed or stuck stdout never fails a request);
//! * **session**: attaches a [`SessionHandle`] to every request, like Koa's `ctx.session`;
//! * **router**: the tutorial's `newRouter` rules: `..` segments are dropped, `-x` becomes `X`
//!   (`index-test` → `indexTest`), the last segment is the method name, the rest the controller;
//!   fewer than two segments answer 404 `path not found`.
//!
//! Handlers never block a runtime worker: the leak and the dump run on blocking threads, and
//! `/v1/stats` reads atomics (see [`super::state`]'s locking rule).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::heapdump;
use super::state::{SessionStore, State};

/// Requests whose URI is longer than this are refused (414).
pub const MAX_URI_LEN: usize = 2048;
/// Requests whose headers add up to more than this are refused (431).
pub const MAX_HEADER_BYTES: usize = 8192;

/// What the session middleware attaches to a request (`ctx.session`).
#[derive(Clone)]
pub struct SessionHandle {
    state: Arc<State>,
}

impl SessionHandle {
    /// `session.set(username)`: remembers the login, forever (the leak).
    pub fn set(&self, store: &mut SessionStore, username: String) {
        self.state.set_session(store, username);
    }
}

fn json_response(status: StatusCode, value: serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], value.to_string()).into_response()
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    json_response(status, json!({ "error": message.into() }))
}

/// The first middleware: one line per request, with its latency.
async fn access_log(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    let line = format!(
        "{} {method} {path} {} {:.1}ms",
        chrono::Local::now().format("%Y-%m-%dT%H:%M:%S%.3f"),
        response.status().as_u16(),
        start.elapsed().as_secs_f64() * 1000.0
    );
    state.log_line(line);
    state.stats.requests.fetch_add(1, Ordering::Relaxed);
    response
}

/// The second middleware: attach the session.
async fn session(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    mut req: Request,
    next: Next,
) -> Response {
    req.extensions_mut().insert(SessionHandle { state });
    next.run(req).await
}

/// `newRouter`'s rules: (controller, action) of a path, or `None` for "path not found".
pub fn resolve(path: &str) -> Option<(String, String)> {
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".." && *s != ".")
        .map(|s| {
            // `-x` → `X`: index-test → indexTest.
            let mut out = String::with_capacity(s.len());
            let mut upper = false;
            for c in s.chars() {
                if c == '-' {
                    upper = true;
                } else if upper {
                    out.extend(c.to_uppercase());
                    upper = false;
                } else {
                    out.push(c);
                }
            }
            out
        })
        .collect();
    if segments.len() < 2 {
        return None;
    }
    let (action, controller) = segments.split_last()?;
    Some((controller.join("/"), action.clone()))
}

/// The third middleware: dispatch by `newRouter`'s rules; unknown paths fall through to 404.
async fn router(axum::extract::State(state): axum::extract::State<Arc<State>>, req: Request, next: Next) -> Response {
    if req.uri().to_string().len() > MAX_URI_LEN {
        return error(StatusCode::URI_TOO_LONG, format!("request URI longer than {MAX_URI_LEN} bytes"));
    }
    let header_bytes: usize = req.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return error(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("request headers are {header_bytes} bytes; the limit is {MAX_HEADER_BYTES}"),
        );
    }
    let Some((controller, action)) = resolve(req.uri().path()) else {
        return error(StatusCode::NOT_FOUND, "path not found");
    };
    let Some(route) = state.routes.iter().find(|r| r.controller == controller && r.action == action) else {
        return next.run(req).await;
    };
    if req.method() != Method::GET {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET"), (header::CONTENT_TYPE, "application/json")],
            json!({ "error": format!("{} is not allowed on /{controller}/{action}; use GET", req.method()) })
                .to_string(),
        )
            .into_response();
    }
    let query = req.uri().query().unwrap_or("").to_string();
    let handle = req.extensions().get::<SessionHandle>().cloned();
    match route.action {
        "index" => json_response(StatusCode::OK, json!({"controller": controller, "action": "index", "data": "hello"})),
        "test" => json_response(StatusCode::OK, json!({"controller": controller, "action": "test", "data": [1, 2, 3]})),
        "indexTest" => {
            json_response(StatusCode::OK, json!({"controller": controller, "action": "indexTest", "ok": true}))
        }
        "memLeak" => mem_leak(state, handle, &query).await,
        "heapdump" => heap_dump(state, &query).await,
        "stats" => stats(&state),
        _ => next.run(req).await,
    }
}

fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == key).then(|| v.to_string())
    })
}

/// `GET /v1/mem-leak[?count=N]`: N × `session.set(user_<request>_<i>)`.
async fn mem_leak(state: Arc<State>, handle: Option<SessionHandle>, query: &str) -> Response {
    let Some(handle) = handle else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "no session on the request (session middleware missing)");
    };
    let count = match query_param(query, "count") {
        None => state.leak_count,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= 10_000_000 => n,
            _ => return error(StatusCode::BAD_REQUEST, format!("count must be a number up to 10000000, got {v:?}")),
        },
    };
    let request = state.request_no.fetch_add(1, Ordering::Relaxed) + 1;
    let worker = state.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut store = match worker.sessions.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        for i in 0..count {
            handle.set(&mut store, format!("user_{request}_{i}"));
        }
        store.map.len()
    })
    .await;
    match result {
        Ok(_) => {
            state.stats.leak_calls.fetch_add(1, Ordering::Relaxed);
            (StatusCode::OK, "set success").into_response()
        }
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("leak task failed: {e}")),
    }
}

/// `GET /v1/heapdump?name=NAME`: writes `DIR/NAME.heapsnapshot` now.
async fn heap_dump(state: Arc<State>, query: &str) -> Response {
    let name = query_param(query, "name")
        .unwrap_or_else(|| format!("heapdump-{}", chrono::Local::now().format("%Y%m%d-%H%M%S")));
    if !heapdump::valid_name(&name) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("name {name:?} is not a plain file name (letters, digits, '-', '_', '.'; no '/' or '..')"),
        );
    }
    let start = Instant::now();
    match run_dump(&state, name).await {
        Ok(Ok(d)) => {
            state.logger.say(&format!(
                "heap dump written: {} ({} bytes, {:.0} ms)",
                d.path.display(),
                d.bytes,
                start.elapsed().as_secs_f64() * 1000.0
            ));
            json_response(
                StatusCode::OK,
                json!({ "path": heapdump::display_path(&d.path), "bytes": d.bytes, "seq": d.seq }),
            )
        }
        Ok(Err(e)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot write the heap dump into {}: {e}", state.dump_dir.display()),
        ),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("heap dump task failed: {e}")),
    }
}

/// Runs a dump on a blocking thread once one of the dump slots is free (waiting asynchronously).
pub async fn run_dump(
    state: &Arc<State>,
    name: String,
) -> Result<std::io::Result<heapdump::Dumped>, tokio::task::JoinError> {
    // The semaphore is never closed, so acquiring only fails if it were; then run unthrottled.
    let _slot = state.dump_slots.acquire().await.ok();
    let worker = state.clone();
    tokio::task::spawn_blocking(move || heapdump::dump(&worker, &name)).await
}

/// `GET /v1/stats`: the map's size, the counters, and the most recent dumps (each path once,
/// at most [`DUMPS_LISTED`](super::state::DUMPS_LISTED), oldest first). Reads atomics only, so
/// it answers while a leak holds the session map.
fn stats(state: &State) -> Response {
    let s = &state.stats;
    let (dump_count, dumps) = s
        .dumps
        .lock()
        .map(|d| (d.count, d.recent.iter().map(|p| heapdump::display_path(p)).collect::<Vec<_>>()))
        .unwrap_or_default();
    json_response(
        StatusCode::OK,
        json!({
            "sessions": s.sessions.load(Ordering::Relaxed),
            "requests": s.requests.load(Ordering::Relaxed),
            "leak_calls": s.leak_calls.load(Ordering::Relaxed),
            "dump_count": dump_count,
            "dumps": dumps,
        }),
    )
}

async fn not_found(req: Request<Body>) -> Response {
    let path = req.uri().path().to_string();
    let (controller, action) = resolve(&path).unwrap_or_default();
    error(StatusCode::NOT_FOUND, format!("no route for {path} (controller {controller:?}, action {action:?})"))
}

/// The application: router, then session, then access log (the outermost runs first).
pub fn app(state: Arc<State>) -> Router {
    Router::new()
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), router))
        .layer(middleware::from_fn_with_state(state.clone(), session))
        .layer(middleware::from_fn_with_state(state, access_log))
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn new_router_rules() {
        assert_eq!(resolve("/v1/test/index"), Some(("v1/test".into(), "index".into())));
        assert_eq!(resolve("/v1/test/index-test"), Some(("v1/test".into(), "indexTest".into())));
        assert_eq!(resolve("/v1/mem-leak"), Some(("v1".into(), "memLeak".into())));
        assert_eq!(resolve("/v1/../../etc/passwd"), Some(("v1/etc".into(), "passwd".into())));
        assert_eq!(resolve("/content"), None);
        assert_eq!(resolve("/"), None);
        assert_eq!(resolve("/../v1"), None);
    }
}
