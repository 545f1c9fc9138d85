//! Writes a big, realistic snapshot from a real one (issue 14): `K` copies of the source's heap
//! under its one root, streamed to the output ([`heapscope::snapshot::writer::write_replicated`]),
//! so a 25 GB file needs only the source in memory. The copies' objects, classes, paths and
//! retained sizes are the source's own, which makes the result's numbers known in advance: every
//! class K times the source's count and size (the root once).
//!
//! ```sh
//! cargo bench --bench replicate -- SOURCE K OUT    # SOURCE may be .gz; OUT is written atomically
//! ```
//!
//! (A tool, not a timing: cargo's bench profile is the optimised build. It prints the sizes and
//! the time it took.)

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use heapscope::progress::NoProgress;

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; the operands are the rest.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let [source, copies, out] = args.as_slice() else {
        anyhow::bail!("usage: cargo bench --bench replicate -- SOURCE K OUT");
    };
    let copies: u32 =
        copies.parse().map_err(|_| anyhow::anyhow!("K must be a positive whole number, not {copies:?}"))?;
    let out = PathBuf::from(out);
    let started = Instant::now();
    let snapshot = heapscope::snapshot::read_file(std::path::Path::new(source), &NoProgress)?;
    let read = started.elapsed();
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    heapscope::snapshot::writer::write_replicated(&snapshot, copies, &mut temp)?;
    temp.flush()?;
    temp.persist(&out)?;
    let size = std::fs::metadata(&out)?.len();
    eprintln!(
        "{source}: {} nodes, {} edges, read in {:.1} s; {copies} copies -> {} ({:.2} GB) in {:.1} s",
        snapshot.node_count(),
        snapshot.edge_count(),
        read.as_secs_f64(),
        out.display(),
        size as f64 / 1e9,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
