//! `heapscope sources FILE [--json] [--top N]`: the heap by npm package and script
//! ([`crate::analysis::sources`]): each object under the script of its constructor or closure,
//! or of the nearest object up its dominator chain that has one.
//!
//! `--json` is `{"file", "total_self_size", "packages": [{"package", "count", "self_size",
//! "scripts": [{"script", "count", "self_size"}]}]}`, largest first; sizes are summed self sizes,
//! and the packages' sum to `total_self_size`.

use serde_json::json;

use super::table::cut;
use crate::analysis::format::{bytes, count, percent};
use crate::analysis::sources;

#[derive(clap::Args)]
pub struct SourcesArgs {
    pub file: std::path::PathBuf,
    #[arg(long)]
    pub json: bool,
    /// Scripts listed under each package in the table.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
}

pub fn run(args: SourcesArgs, progress: bool) -> anyhow::Result<()> {
    let a = super::load(&args.file, progress)?;
    let attributed = sources::attribute(&a);
    let totals = sources::totals(&a, &attributed);
    let total: u64 = totals.iter().map(|p| p.self_size).sum();
    if args.json {
        let packages: Vec<_> = totals
            .iter()
            .map(|p| {
                json!({
                    "package": p.name,
                    "count": p.count,
                    "self_size": p.self_size,
                    "scripts": p.scripts.iter().map(|s| json!({"script": s.name, "count": s.count, "self_size": s.self_size})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let doc = json!({"file": super::file_name(&args.file), "total_self_size": total, "packages": packages});
        super::print(&format!("{doc}\n"))?;
        super::load::write_index(&args.file, &a);
        return Ok(());
    }
    let mut text = String::new();
    let share = |x: u64| percent(x as f64 / total.max(1) as f64 * 100.0);
    for p in &totals {
        text.push_str(&format!(
            "{:>10}  {:>5}  {:>10} objects  {}\n",
            bytes(p.self_size as f64),
            share(p.self_size),
            count(p.count),
            cut(&p.name, 60)
        ));
        for s in p.scripts.iter().take(args.top) {
            text.push_str(&format!(
                "    {:>10}  {:>5}  {}\n",
                bytes(s.self_size as f64),
                share(s.self_size),
                cut(sources::short_script_name(&s.name), 80)
            ));
        }
        if p.scripts.len() > args.top {
            text.push_str(&format!("    … {} more scripts\n", p.scripts.len() - args.top));
        }
    }
    super::print(&text)?;
    super::load::write_index(&args.file, &a);
    Ok(())
}
