//! `heapscope capture`: take heap snapshots of a running Node.js or Chromium process, once or on
//! the tutorial's `dumpFun(name, 'HH:MM', 60)` schedule. Each snapshot is read by the snapshot
//! reader on a second thread while its chunks arrive (the window's path, `capture::stream`), so a
//! capture is only reported if it parses, without reading the file a second time; `--summary`
//! also runs the analyses and prints the Summary (the "capture request → ready Summary").

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;

use super::InputError;
use crate::capture::{self, CaptureProgress, Options, Target};
use crate::progress::NoProgress;

/// Arguments of `heapscope capture`.
#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("from").required(true).args(["pid", "inspect", "ws"])))]
pub struct CaptureArgs {
    /// A local Node.js process: its inspector is opened with SIGUSR1 if needed, and closed again.
    #[arg(long)]
    pid: Option<u32>,
    /// An inspector's address: `node --inspect[=HOST:PORT]`, `chrome --remote-debugging-port`.
    #[arg(long, value_name = "HOST:PORT")]
    inspect: Option<String>,
    /// With --inspect: the target whose title or URL contains this text.
    #[arg(long, value_name = "TEXT", requires = "inspect")]
    target: Option<String>,
    /// A target's WebSocket debugger URL (ws://HOST:PORT/ID).
    #[arg(long, value_name = "URL")]
    ws: Option<String>,
    /// Output file, or folder for NAME-YYYYMMDD-HHMMSS.heapsnapshot files (default: here).
    #[arg(short = 'o', long = "output", value_name = "FILE|DIR")]
    output: Option<PathBuf>,
    /// Take a snapshot every this many seconds.
    #[arg(long, value_name = "SECONDS")]
    every: Option<u64>,
    /// With --every: stop after this many snapshots (default: until interrupted).
    #[arg(long, value_name = "N", requires = "every")]
    count: Option<u32>,
    /// Wait until this local time (HH:MM) before the first snapshot.
    #[arg(long, value_name = "HH:MM", value_parser = crate::schedule::parse_time_of_day)]
    at: Option<chrono::NaiveTime>,
    /// Also print each snapshot's Summary (classes by retained size), computed from the chunks
    /// as they arrive, and on stderr how long after the request it was ready.
    #[arg(long)]
    summary: bool,
    /// With --summary: rows to print.
    #[arg(long, default_value_t = 25, requires = "summary")]
    top: usize,
    /// With --pid: take the snapshot over the inspector, chunk by chunk, as for an address,
    /// rather than have the process write the file itself with v8.writeHeapSnapshot() (faster,
    /// and it stalls the process for less time).
    #[arg(long, requires = "pid")]
    via_inspector: bool,
    /// Connect to a non-loopback address. The inspector gives whoever connects full control of
    /// the process: only do this over a network you trust.
    #[arg(long)]
    allow_remote: bool,
}

/// Where the files go: one named file, or a folder of timestamped ones.
enum Output {
    File(PathBuf),
    Folder(PathBuf),
}

pub fn run(args: CaptureArgs, show_progress: bool) -> anyhow::Result<()> {
    let target = if let Some(pid) = args.pid {
        Target::Pid(pid)
    } else if let Some(addr) = args.inspect.clone() {
        Target::Inspect { addr, filter: args.target.clone() }
    } else if let Some(url) = args.ws.clone() {
        Target::Ws(url)
    } else {
        return Err(InputError("one of --pid, --inspect or --ws is needed".into()).into());
    };
    let repeated = args.every.is_some() && args.count != Some(1);
    let output = match &args.output {
        Some(p) if p.is_dir() || p.as_os_str().to_string_lossy().ends_with('/') => Output::Folder(p.clone()),
        Some(_) if repeated => {
            return Err(InputError("with --every, -o must be a folder (each snapshot gets its own file)".into()).into());
        }
        Some(p) => Output::File(p.clone()),
        None => Output::Folder(PathBuf::from(".")),
    };
    if let Output::Folder(dir) = &output {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    if args.every == Some(0) {
        return Err(InputError("--every must be at least 1 second".into()).into());
    }
    let options = Options { allow_remote: args.allow_remote, via_inspector: args.via_inspector, ..Options::default() };

    if let Some(at) = args.at {
        let (wait, when) =
            crate::schedule::until_next(at, chrono::Local::now()).map_err(|e| InputError(format!("--at: {e}")))?;
        eprintln!("heapscope: first snapshot at {}", when.format("%Y-%m-%d %H:%M"));
        std::thread::sleep(wait);
    }

    let count = match (args.every, args.count) {
        (None, _) => Some(1),
        (Some(_), c) => c,
    };
    // One session for the whole run, so that object ids stay stable between its snapshots (see
    // `capture::Attached`); the inspector we may have opened is closed at the end, also on error.
    let requested = Instant::now();
    let mut attached = capture::attach(&target, &options)?;
    on_interrupt(attached.opened_inspector());
    let summary = args.summary.then_some(args.top);
    let result = run_schedule(&mut attached, &output, args.every, count, show_progress, summary, requested);
    if result.is_err() && INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        // The interrupt removed the file being read, which failed the capture here: its thread
        // says what happened and exits 130, not this error with 1.
        loop {
            std::thread::park();
        }
    }
    let released = attached.detach();
    result?;
    match released {
        Ok(true) => Ok(()),
        Ok(false) => {
            eprintln!("heapscope: warning: the inspector we opened is still listening");
            Ok(())
        }
        Err(e) => {
            eprintln!("heapscope: warning: could not close the inspector we opened: {e}");
            Ok(())
        }
    }
}

fn run_schedule(
    attached: &mut capture::Attached,
    output: &Output,
    every: Option<u64>,
    count: Option<u32>,
    show_progress: bool,
    summary: Option<usize>,
    requested: Instant,
) -> anyhow::Result<()> {
    let mut taken = 0u32;
    loop {
        // The first request started before attaching (opening the inspector is part of it).
        let started = if taken == 0 { requested } else { Instant::now() };
        capture_one(attached, output, show_progress, summary, started)?;
        taken += 1;
        if count.is_some_and(|c| taken >= c) {
            return Ok(());
        }
        let every = Duration::from_secs(every.unwrap_or(0));
        std::thread::sleep(every.saturating_sub(started.elapsed()));
    }
}

/// One snapshot: take it while a second thread reads the chunks (and with `summary`, analyses
/// them and prints the Summary's first rows).
fn capture_one(
    attached: &mut capture::Attached,
    output: &Output,
    show_progress: bool,
    summary: Option<usize>,
    requested: Instant,
) -> anyhow::Result<()> {
    let dest = match output {
        Output::File(p) => p.clone(),
        Output::Folder(dir) => timestamped(dir, &capture::short_name(attached.title())),
    };
    let mut last_line = Instant::now() - Duration::from_secs(1);
    let mut report = |p: CaptureProgress| {
        if !show_progress || last_line.elapsed() < Duration::from_millis(100) {
            return;
        }
        last_line = Instant::now();
        let text = match p {
            CaptureProgress::Taking { done, total } if total > 0 => {
                format!("Taking snapshot {}%", done.saturating_mul(100) / total)
            }
            CaptureProgress::Taking { .. } => "Taking snapshot".to_string(),
            CaptureProgress::Receiving { bytes } => format!("Receiving {:.1} MB", bytes as f64 / 1e6),
            CaptureProgress::Writing { bytes: 0 } => "The process is writing its snapshot".to_string(),
            CaptureProgress::Writing { bytes } => format!("The process has written {:.1} MB", bytes as f64 / 1e6),
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{text}");
        let _ = err.flush();
    };
    let (sink, reader) = capture::stream::pipe();
    let (taken, received, read) = std::thread::scope(|scope| {
        let reading = scope.spawn(move || crate::snapshot::read_from(reader, None, &NoProgress));
        let taken = attached.take_streaming(&dest, &mut report, &AtomicBool::new(false), sink);
        let received = requested.elapsed();
        (taken, received, reading.join())
    });
    if show_progress {
        eprint!("\r\x1b[2K");
    }
    let captured = taken?;
    if let capture::Route::Inspector { declined: Some(why) } = &captured.route {
        eprintln!("heapscope: took the snapshot over the inspector: {why}");
    }
    let read = read.map_err(|_| anyhow::anyhow!("the snapshot reader panicked"))?;
    let snapshot =
        read.map_err(|e| InputError(format!("captured file does not load: {e}: {}", captured.path.display())))?;
    let route = captured.route.label();
    println!(
        "{} ({:.1} MB, {} nodes, {} edges; {route})",
        captured.path.display(),
        captured.bytes as f64 / 1e6,
        snapshot.node_count(),
        snapshot.edge_count()
    );
    if let Some(top) = summary {
        let analysis = crate::analysis::Analysis::run(snapshot, &NoProgress)
            .map_err(|_| anyhow::anyhow!("the analysis was cancelled"))?;
        let ready = requested.elapsed();
        let name = captured.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        print!("{}", super::table::summary(&analysis, &name, top));
        std::io::stdout().flush()?;
        let last = match captured.route {
            capture::Route::WrittenByProcess => "last byte the process wrote read",
            capture::Route::Inspector { .. } => "last chunk received",
        };
        eprintln!(
            "heapscope: Summary ready {:.3} s after the capture request ({last} and file saved at {:.3} s)",
            ready.as_secs_f64(),
            received.as_secs_f64()
        );
    }
    Ok(())
}

/// Set by [`on_interrupt`] before it removes the temporary files: a capture failing after that
/// failed because of it.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Ctrl-C (SIGINT, SIGTERM on Unix through tokio's handler): remove the temporary file being
/// written, close the inspector if we opened it, exit 130, so an interrupted run leaves neither a
/// partial file nor an open inspector behind.
fn on_interrupt(opened: Option<(u32, String)>) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
    // Registered here, before the first temporary file exists: on a busy machine the waiting
    // thread could start after a SIGINT, which would then end the process by its default action
    // and leave the file behind.
    #[cfg(unix)]
    let Ok(mut interrupt) = ({
        let _in_runtime = rt.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
    }) else {
        return;
    };
    std::thread::spawn(move || {
        #[cfg(unix)]
        let received = rt.block_on(interrupt.recv()).is_some();
        #[cfg(not(unix))]
        let received = rt.block_on(tokio::signal::ctrl_c()).is_ok();
        if !received {
            return;
        }
        INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
        crate::capture::cdp::remove_temp_files();
        let mut note = String::new();
        if let Some((pid, ws_url)) = opened
            && !matches!(crate::capture::close_opened_inspector(pid, &ws_url), Ok(true))
        {
            // V8 answers only after the snapshot it is building; the request stays queued.
            note = format!("; process {pid} closes the inspector we opened once V8 finishes that snapshot");
        }
        eprintln!("\nheapscope: interrupted; no file was written for the snapshot in progress{note}");
        std::process::exit(130);
    });
}

fn timestamped(dir: &Path, name: &str) -> PathBuf {
    capture::timestamped(dir, name)
}
