//! The bundled leaking demo server (`heapscope demo-server`).
//!
//! A real HTTP server on 127.0.0.1 that reproduces the tutorial's leak: the session middleware
//! stores every login in a module-level map that is never cleared. It can dump its own object
//! graph as a V8 heap snapshot ([`heapdump`]) on request or on a schedule, like the tutorial's
//! `dumpFun('nodejs-column', '10:53', 60)`.
//!
//! Interface (scripts rely on it): it binds 127.0.0.1 only, port 0 picks a free port, and its
//! first line on stdout contains `http://127.0.0.1:PORT`. `GET /v1/mem-leak` leaks;
//! `GET /v1/heapdump?name=NAME` writes `DIR/NAME.heapsnapshot` and answers JSON with its `path`.

pub mod heapdump;
pub mod server;
pub mod state;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

/// `heapscope demo-server` options.
#[derive(clap::Args, Debug, Clone)]
pub struct DemoArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 7001)]
    pub port: u16,
    /// Where heap dumps and access.log go.
    #[arg(long, default_value = "log")]
    pub dump_dir: PathBuf,
    /// Logins each /v1/mem-leak call adds.
    #[arg(long, default_value_t = 100_000)]
    pub leak_count: usize,
    /// First scheduled dump at this local time (HH:MM), like the tutorial's dumpFun.
    #[arg(long, value_name = "HH:MM")]
    pub dump_at: Option<String>,
    /// Then one every this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub dump_every: u64,
    /// File name prefix of scheduled dumps.
    #[arg(long, default_value = "heapscope-demo")]
    pub dump_name: String,
    /// Exit when stdin closes (the GUI sets this, so the server never outlives it).
    #[arg(long, hide = true)]
    pub exit_with_stdin: bool,
}

/// Parses `HH:MM` and returns how long until its next occurrence (today, or tomorrow if past).
pub fn until_next(
    hh_mm: &str,
    now: chrono::DateTime<chrono::Local>,
) -> anyhow::Result<(Duration, chrono::DateTime<chrono::Local>)> {
    let t = chrono::NaiveTime::parse_from_str(hh_mm, "%H:%M")
        .map_err(|_| anyhow::anyhow!("--dump-at {hh_mm:?} is not a time of day (HH:MM)"))?;
    let mut when = now.date_naive().and_time(t);
    if when <= now.naive_local() {
        when += chrono::Duration::days(1);
    }
    let local = when
        .and_local_timezone(chrono::Local)
        .earliest()
        .ok_or_else(|| anyhow::anyhow!("{hh_mm} does not exist today in this time zone"))?;
    let wait = (local - now).to_std().unwrap_or_default();
    Ok((wait, local))
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    if !heapdump::valid_name(&args.dump_name) {
        anyhow::bail!("--dump-name {:?} is not a plain file name", args.dump_name);
    }
    if args.dump_every == 0 {
        anyhow::bail!("--dump-every must be at least 1 second");
    }
    let schedule = args.dump_at.as_deref().map(|t| until_next(t, chrono::Local::now())).transpose()?;
    std::fs::create_dir_all(&args.dump_dir).with_context(|| format!("creating {}", args.dump_dir.display()))?;
    let log_file = std::fs::OpenOptions::new().create(true).append(true).open(args.dump_dir.join("access.log")).ok();
    let state = Arc::new(state::State::new(args.dump_dir.clone(), args.leak_count, log_file));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{}", args.port))?;
        let addr = listener.local_addr()?;
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "heapscope demo server listening on http://{addr} (dumps in {})", args.dump_dir.display())?;
            out.flush()?;
        }
        if let Some((wait, when)) = schedule {
            println!(
                "first heap dump at {} (in {} s), then every {} s, into {}/{}-*.heapsnapshot",
                when.format("%Y-%m-%d %H:%M:%S"),
                wait.as_secs(),
                args.dump_every,
                args.dump_dir.display(),
                args.dump_name
            );
            let (state, name, every) = (state.clone(), args.dump_name.clone(), args.dump_every);
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                let mut interval = tokio::time::interval(Duration::from_secs(every));
                loop {
                    interval.tick().await;
                    let file = format!("{name}-{}", chrono::Local::now().format("%Y%m%d-%H%M%S"));
                    let s = state.clone();
                    match tokio::task::spawn_blocking(move || heapdump::dump(&s, &file)).await {
                        Ok(Ok(path)) => println!("heap dump written: {}", path.display()),
                        Ok(Err(e)) => eprintln!("heap dump failed: {e}"),
                        Err(e) => eprintln!("heap dump task failed: {e}"),
                    }
                }
            });
        }
        let shutdown = async move {
            if args.exit_with_stdin {
                // Returns when the parent closes our stdin (or dies).
                let _ = tokio::task::spawn_blocking(|| {
                    let mut sink = Vec::new();
                    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
                })
                .await;
            } else {
                let _ = tokio::signal::ctrl_c().await;
            }
        };
        axum::serve(listener, server::app(state)).with_graceful_shutdown(shutdown).await?;
        anyhow::Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn next_dump_time_is_today_or_tomorrow() {
        let now = chrono::Local.with_ymd_and_hms(2026, 11, 25, 10, 50, 0).single().unwrap();
        let (wait, when) = until_next("10:53", now).unwrap();
        assert_eq!(wait.as_secs(), 180);
        assert_eq!(when.format("%d %H:%M").to_string(), "25 10:53");
        let (wait, when) = until_next("10:00", now).unwrap();
        assert_eq!(when.format("%d %H:%M").to_string(), "26 10:00");
        assert_eq!(wait.as_secs(), 23 * 3600 + 10 * 60);
        assert!(until_next("25:99", now).is_err());
    }
}
