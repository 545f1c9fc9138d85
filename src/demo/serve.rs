//! The demo server's accept loop, with the limits a server on a shared machine needs.
//!
//! `axum::serve` takes no configuration (no timer, so hyper's header-read timeout never fires;
//! no connection limit), and idle sockets could hold the server's descriptors until it could
//! accept nothing. This is hyper's HTTP/1 connection driver (what `axum::serve` runs) with:
//!
//! * a **header-read timeout** (hyper's `http1::Builder::header_read_timeout`, with a Tokio timer):
//!   a request head must arrive whole within it of the connection starting to wait for one. It
//!   covers a socket that sends nothing, a keep-alive connection idle between requests, and a
//!   head dripped a byte at a time;
//! * an **idle timeout**: a connection with no handler running and no byte read or written for
//!   that long is closed — a client that stops reading its response, or stalls mid-body;
//! * a **connection cap**: at most that many connections at once; the next waits in the kernel's
//!   backlog until one closes. The cap is kept below the process's open-file limit (leaving
//!   [`RESERVED_FDS`] for dumps, the access log and the runtime) so that heap dumps still work
//!   when every connection slot is taken.

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower_service::Service as _;

/// Descriptors kept free of connections: stdio, the runtime's, the listener, the access log,
/// dumps being written.
pub const RESERVED_FDS: usize = 32;

/// How long in-flight requests get to finish after the server is told to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The limits of [`serve`].
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub header_read: Duration,
    pub idle: Duration,
    pub max_connections: usize,
}

impl Limits {
    /// `max_connections`, lowered so that connections never take the descriptors that dumps and
    /// the access log need (`None`: the open-file limit is unknown, keep it).
    pub fn capped_by(mut self, open_files: Option<usize>) -> Limits {
        if let Some(limit) = open_files {
            self.max_connections = self.max_connections.min(limit.saturating_sub(RESERVED_FDS)).max(1);
        }
        self
    }
}

/// The soft limit on open files (`RLIMIT_NOFILE`), read from `/proc/self/limits` where there
/// is one.
pub fn open_file_limit() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..].split_whitespace().next()?.parse().ok()
}

/// Serves `app` on `listener` until `shutdown` completes, then lets in-flight requests finish
/// (up to [`SHUTDOWN_GRACE`]).
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, shutdown: impl Future<Output = ()>) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // A connection reset before it was accepted is the client's business; anything
                    // else (out of descriptors) passes with time, so wait a little, don't spin.
                    if !matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionRefused
                    ) {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        tokio::spawn(connection(stream, app.clone(), limits, permit, stop_rx.clone()));
    }
    let _ = stop_tx.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all)).await;
}

/// One connection, holding its slot until it closes.
async fn connection(
    stream: TcpStream,
    app: Router,
    limits: Limits,
    _slot: OwnedSemaphorePermit,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity { start: Instant::now(), last_ms: AtomicU64::new(0), busy: AtomicUsize::new(0) });
    let io = TokioIo::new(Watched { inner: stream, activity: activity.clone() });
    let in_service = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let busy = Busy::enter(in_service.clone());
        let mut app = app.clone();
        async move {
            let response = app.call(req).await;
            drop(busy);
            response
        }
    });
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read);
    let mut conn = pin!(builder.serve_connection(io, service));
    let mut idle = pin!(activity.quiet_for(limits.idle));
    let mut stopping = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            // Dropping the connection closes the socket.
            () = &mut idle => break,
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// When a connection last moved a byte, and how many of its requests are in a handler.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
    busy: AtomicUsize,
}

impl Activity {
    fn touch(&self) {
        self.last_ms.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Completes once no handler has run and no byte has moved for `limit`.
    async fn quiet_for(self: Arc<Self>, limit: Duration) {
        loop {
            let now = self.start.elapsed();
            let quiet = now.saturating_sub(Duration::from_millis(self.last_ms.load(Ordering::Relaxed)));
            if self.busy.load(Ordering::Relaxed) == 0 && quiet >= limit {
                return;
            }
            // A running handler ends with a touch, so waiting a whole `limit` then is enough.
            let wait = if self.busy.load(Ordering::Relaxed) > 0 { limit } else { limit - quiet };
            tokio::time::sleep(wait.max(Duration::from_millis(10))).await;
        }
    }
}

/// A request in a handler: the connection is not idle, however long the handler takes.
struct Busy(Arc<Activity>);

impl Busy {
    fn enter(activity: Arc<Activity>) -> Busy {
        activity.busy.fetch_add(1, Ordering::Relaxed);
        activity.touch();
        Busy(activity)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket that records when bytes move through it.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_descriptors_for_dumps() {
        let limits = Limits { header_read: Duration::from_secs(1), idle: Duration::from_secs(1), max_connections: 256 };
        assert_eq!(limits.capped_by(Some(64)).max_connections, 64 - RESERVED_FDS);
        assert_eq!(limits.capped_by(Some(4096)).max_connections, 256);
        assert_eq!(limits.capped_by(Some(8)).max_connections, 1);
        assert_eq!(limits.capped_by(None).max_connections, 256);
    }
}
