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
//!
//! Built with the `demo` feature (on by default): its HTTP stack (axum, hyper, tokio) and the
//! window's HTTP client (ureq) stay out of the CLI-only build and the fuzz crate.

pub mod heapdump;
pub mod log;
pub mod serve;
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
    #[arg(long, value_name = "HH:MM", value_parser = crate::schedule::parse_time_of_day)]
    pub dump_at: Option<chrono::NaiveTime>,
    /// Then one every this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub dump_every: u64,
    /// File name prefix of scheduled dumps.
    #[arg(long, default_value = "heapscope-demo", value_parser = parse_dump_name)]
    pub dump_name: String,
    /// Close a connection whose request head has not arrived whole this many seconds after it
    /// started waiting for one (also closes keep-alive connections idle that long).
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Close a connection that has moved no byte for this many seconds while no request of it
    /// is being handled (a client that stopped reading its answer).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// Connections served at once (lowered to stay below the open-file limit); more wait.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub max_connections: u64,
    /// Exit when stdin closes (the GUI sets this, so the server never outlives it).
    #[arg(long, hide = true)]
    pub exit_with_stdin: bool,
}

/// `--dump-at`: a time of day, `HH:MM` (a usage error otherwise).
/// `--dump-name`: a plain file name (a usage error otherwise), as [`heapdump::valid_name`] says.
fn parse_dump_name(s: &str) -> Result<String, String> {
    if heapdump::valid_name(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not a plain file name (letters, digits, '-', '_', '.'; not starting with '.'; at most 100)"
        ))
    }
}

/// Runs the server until Ctrl-C (or, with `--exit-with-stdin`, until stdin closes).
///
/// Nothing it prints can stop it: the first lines are written directly, ignoring errors (a
/// caller that closed stdout already cannot read the URL anyway), everything after goes through
/// [`log::Logger`].
pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let schedule = args.dump_at.map(|t| crate::schedule::until_next(t, chrono::Local::now())).transpose()?;
    std::fs::create_dir_all(&args.dump_dir).with_context(|| format!("creating {}", args.dump_dir.display()))?;
    let limits = serve::Limits {
        header_read: Duration::from_secs(args.header_timeout),
        idle: Duration::from_secs(args.idle_timeout),
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
    }
    .capped_by(serve::open_file_limit());
    let logger = log::Logger::start(args.dump_dir.join("access.log"));
    let state = Arc::new(state::State::new(args.dump_dir.clone(), args.leak_count, logger));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{}", args.port))?;
        let addr = listener.local_addr()?;
        // The first lines go out before anything else can log (the scheduler, the first request).
        let mut first =
            format!("heapscope demo server listening on http://{addr} (dumps in {})\n", args.dump_dir.display());
        if let Some((wait, when)) = schedule {
            first += &format!(
                "first heap dump at {} (in {} s), then every {} s, into {}/{}-*.heapsnapshot\n",
                when.format("%Y-%m-%d %H:%M:%S"),
                wait.as_secs(),
                args.dump_every,
                args.dump_dir.display(),
                args.dump_name
            );
        }
        {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(first.as_bytes()).and_then(|()| out.flush()) {
                log::warn(&format!("cannot write to stdout ({e}); serving on http://{addr}"));
            }
        }
        if let Some((wait, _)) = schedule {
            let (state, name, every) = (state.clone(), args.dump_name.clone(), args.dump_every);
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                let mut interval = tokio::time::interval(Duration::from_secs(every));
                loop {
                    interval.tick().await;
                    let file = format!("{name}-{}", chrono::Local::now().format("%Y%m%d-%H%M%S"));
                    match server::run_dump(&state, file).await {
                        Ok(Ok(d)) => state.logger.say(&format!("heap dump written: {}", d.path.display())),
                        Ok(Err(e)) => log::warn(&format!("heap dump failed: {e}")),
                        Err(e) => log::warn(&format!("heap dump task failed: {e}")),
                    }
                }
            });
        }
        let exit_with_stdin = args.exit_with_stdin;
        let shutdown = async move {
            if exit_with_stdin {
                // Returns when the parent closes our stdin (or dies); what it writes is discarded.
                let _ =
                    tokio::task::spawn_blocking(|| std::io::copy(&mut std::io::stdin(), &mut std::io::sink())).await;
            } else {
                let _ = tokio::signal::ctrl_c().await;
            }
        };
        serve::serve(listener, server::app(state.clone()), limits, shutdown).await;
        anyhow::Ok(())
    });
    // A blocking task may still wait (a dump, the stdin reader): don't wait for it forever.
    runtime.shutdown_timeout(Duration::from_secs(1));
    if let Some(state) = Arc::into_inner(state) {
        let mut logger = state.logger;
        logger.finish();
    }
    served
}
