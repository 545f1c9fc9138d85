//! Recently opened files, kept in `$XDG_CONFIG_HOME/heapscope/recent.json` (or
//! `~/.config/heapscope/recent.json`; `HEAPSCOPE_CONFIG_DIR` overrides the folder), and the
//! window's one setting, "Keep an index", in `settings.json` beside it.

use std::path::{Path, PathBuf};

const LIMIT: usize = 10;

#[derive(Default)]
pub struct RecentFiles {
    paths: Vec<PathBuf>,
    file: Option<PathBuf>,
}

fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("HEAPSCOPE_CONFIG_DIR") {
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("heapscope"))
}

impl RecentFiles {
    /// Not persisted (tests).
    pub fn in_memory() -> RecentFiles {
        RecentFiles::default()
    }

    pub fn load() -> RecentFiles {
        let file = config_dir().map(|d| d.join("recent.json"));
        let paths = file
            .as_ref()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .and_then(|text| serde_json::from_str::<Vec<PathBuf>>(&text).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.exists())
            .collect();
        RecentFiles { paths, file }
    }

    pub fn add(&mut self, path: &Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.paths.retain(|p| *p != path);
        self.paths.insert(0, path);
        self.paths.truncate(LIMIT);
    }

    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// The setting "Keep an index" ([`crate::index`]), from `settings.json` beside the recent
    /// files; on unless turned off (and off when not persisted, as in tests).
    pub fn load_use_index(&self) -> bool {
        let Some(file) = self.settings_file() else { return false };
        std::fs::read_to_string(file)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|v| v.get("index").and_then(serde_json::Value::as_bool))
            .unwrap_or(true)
    }

    pub fn save_use_index(&self, on: bool) {
        let Some(file) = self.settings_file() else { return };
        if let Some(dir) = file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(file, serde_json::json!({ "index": on }).to_string());
    }

    fn settings_file(&self) -> Option<PathBuf> {
        self.file.as_ref().map(|f| f.with_file_name("settings.json"))
    }

    pub fn save(&self) {
        let Some(file) = &self.file else { return };
        if let Some(dir) = file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(text) = serde_json::to_string_pretty(&self.paths) {
            let _ = std::fs::write(file, text);
        }
    }
}
