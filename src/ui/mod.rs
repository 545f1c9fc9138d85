//! The analyzer window (eframe/egui). Until it lands, `heapscope` with no arguments prints the
//! tutorial's Comparison of the bundled samples, so the README's run command shows the leak.

use std::path::PathBuf;

use clap::Parser;

pub fn run(files: Vec<PathBuf>) -> anyhow::Result<()> {
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots");
    let files = if files.is_empty() {
        vec![samples.join("s2.heapsnapshot.gz"), samples.join("s3.heapsnapshot.gz")]
    } else {
        files
    };
    match files.as_slice() {
        [one] => crate::cli::run(crate::cli::Cli::parse_from(["heapscope", "summary", &one.display().to_string()])),
        [.., base, file] => crate::cli::run(crate::cli::Cli::parse_from([
            "heapscope",
            "diff",
            &base.display().to_string(),
            &file.display().to_string(),
        ])),
        [] => Ok(()),
    }
}
