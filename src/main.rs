//! The `heapscope` binary: argument parsing lives in `cli`; this only maps the outcome to an
//! exit status (0 ok, 1 bad input, 2 usage), as ripgrep does.

fn main() -> std::process::ExitCode {
    heapscope::rss::malloc::give_big_blocks_their_own_mappings();
    heapscope::cli::main()
}
