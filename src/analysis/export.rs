//! Tables as CSV and JSON: what the window's **Save…** and **Copy** write, and the CLI's `--csv`.
//!
//! A [`Table`] is column names and rows of [`Cell`]s holding raw values (bytes, not "1.2 MB";
//! distances as DevTools' raw numbers), so a spreadsheet or a script reads what the view means,
//! not how it prints it.
//!
//! * **CSV** follows RFC 4180: fields separated by commas, records by CRLF, a header record; a
//!   field that holds a comma, a double quote, a CR or an LF is enclosed in double quotes, with
//!   each double quote inside doubled (section 2, rules 5–7). Other fields are written as they
//!   are. Names from a snapshot can hold anything, and are written whole.
//! * **JSON** is an array of objects, one per row, whose keys are the column names in order;
//!   numbers are JSON numbers and an empty cell is `null`.

use std::io::{self, Write};

/// One value of a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    UInt(u64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<u64> for Cell {
    fn from(v: u64) -> Cell {
        Cell::UInt(v)
    }
}

impl From<u32> for Cell {
    fn from(v: u32) -> Cell {
        Cell::UInt(u64::from(v))
    }
}

impl From<i64> for Cell {
    fn from(v: i64) -> Cell {
        Cell::Int(v)
    }
}

impl From<i32> for Cell {
    fn from(v: i32) -> Cell {
        Cell::Int(i64::from(v))
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// Column names and rows; every row has one cell per column.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(columns: &[&str]) -> Table {
        Table { columns: columns.iter().map(|c| c.to_string()).collect(), rows: Vec::new() }
    }

    /// Adds a row; missing cells are empty, extra cells are dropped.
    pub fn push(&mut self, mut row: Vec<Cell>) {
        row.resize(self.columns.len(), Cell::Empty);
        self.rows.push(row);
    }
}

/// The two formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    /// The format a file name asks for (`.json`, else CSV).
    pub fn of_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Csv,
        }
    }
}

/// One CSV field (RFC 4180 section 2, rules 5–7).
fn csv_field(out: &mut dyn Write, text: &str) -> io::Result<()> {
    if text.contains([',', '"', '\r', '\n']) {
        out.write_all(b"\"")?;
        out.write_all(text.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(text.as_bytes())
    }
}

fn csv_record<'a>(out: &mut dyn Write, fields: impl Iterator<Item = std::borrow::Cow<'a, str>>) -> io::Result<()> {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        csv_field(out, &f)?;
    }
    out.write_all(b"\r\n")
}

fn cell_text(c: &Cell) -> std::borrow::Cow<'_, str> {
    match c {
        Cell::Text(s) => s.as_str().into(),
        Cell::Int(v) => v.to_string().into(),
        Cell::UInt(v) => v.to_string().into(),
        Cell::Empty => "".into(),
    }
}

pub fn write_csv(out: &mut dyn Write, t: &Table) -> io::Result<()> {
    csv_record(out, t.columns.iter().map(|c| c.as_str().into()))?;
    for row in &t.rows {
        csv_record(out, row.iter().map(cell_text))?;
    }
    Ok(())
}

pub fn write_json(out: &mut dyn Write, t: &Table) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, row) in t.rows.iter().enumerate() {
        out.write_all(if i == 0 { b"\n  {" } else { b",\n  {" })?;
        for (j, (name, cell)) in t.columns.iter().zip(row).enumerate() {
            if j > 0 {
                out.write_all(b", ")?;
            }
            serde_json::to_writer(&mut *out, name)?;
            out.write_all(b": ")?;
            match cell {
                Cell::Text(s) => serde_json::to_writer(&mut *out, s)?,
                Cell::Int(v) => write!(out, "{v}")?,
                Cell::UInt(v) => write!(out, "{v}")?,
                Cell::Empty => out.write_all(b"null")?,
            }
        }
        out.write_all(b"}")?;
    }
    out.write_all(if t.rows.is_empty() { b"]\n" } else { b"\n]\n" })
}

/// The table in `format`, as text.
pub fn to_string(t: &Table, format: Format) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = match format {
        Format::Csv => write_csv(&mut out, t),
        Format::Json => write_json(&mut out, t),
    };
    String::from_utf8(out).unwrap_or_default()
}

/// The Summary's class rows of `a` in DevTools' default order: the CLI's `summary --csv`.
pub fn summary_table(a: &super::Analysis) -> Table {
    let mut t = Table::new(&SUMMARY_CLASS_COLUMNS);
    for i in super::views::sorted_class_rows(&a.aggregates, super::views::SUMMARY_DEFAULT_SORT) {
        let r = &a.aggregates.rows[i as usize];
        t.push(summary_class_record(r));
    }
    t
}

/// Columns of a Summary class row (the CLI's `--csv` and the window's class rows alike).
pub const SUMMARY_CLASS_COLUMNS: [&str; 6] = ["key", "name", "distance", "count", "self_size", "retained_size"];

/// A Summary row's record, in [`SUMMARY_CLASS_COLUMNS`].
pub fn summary_class_record(r: &super::ClassAggregate) -> Vec<Cell> {
    vec![
        r.key.as_str().into(),
        r.name.as_str().into(),
        r.distance.into(),
        r.count.into(),
        r.self_size.into(),
        r.retained_size.into(),
    ]
}

/// Columns of a Comparison class row.
pub const DIFF_CLASS_COLUMNS: [&str; 8] =
    ["key", "name", "new", "deleted", "delta", "alloc_size", "freed_size", "size_delta"];

/// A Comparison row's record, in [`DIFF_CLASS_COLUMNS`].
pub fn diff_class_record(d: &super::ClassDiff) -> Vec<Cell> {
    vec![
        d.key.as_str().into(),
        d.name.as_str().into(),
        d.new_count.into(),
        d.deleted_count.into(),
        d.count_delta().into(),
        d.alloc_size.into(),
        d.freed_size.into(),
        d.size_delta().into(),
    ]
}

/// The Comparison's class rows in DevTools' default order: the CLI's `diff --csv`.
pub fn diff_table(cmp: &super::Comparison) -> Table {
    let mut t = Table::new(&DIFF_CLASS_COLUMNS);
    for i in super::views::sorted_diff_rows(&cmp.classes, super::views::COMPARISON_DEFAULT_SORT) {
        t.push(diff_class_record(&cmp.classes[i as usize]));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4180: commas, quotes, CR and LF force quoting, inner quotes double; CRLF ends records.
    #[test]
    fn csv_quotes_hostile_names() {
        let mut t = Table::new(&["name", "size"]);
        t.push(vec!["plain".into(), 1u64.into()]);
        t.push(vec!["a,b".into(), 2u64.into()]);
        t.push(vec!["say \"hi\"".into(), Cell::Int(-3)]);
        t.push(vec!["line\nbreak\r".into(), Cell::Empty]);
        t.push(vec!["\"".into()]);
        let csv = to_string(&t, Format::Csv);
        assert_eq!(
            csv,
            "name,size\r\nplain,1\r\n\"a,b\",2\r\n\"say \"\"hi\"\"\",-3\r\n\"line\nbreak\r\",\r\n\"\"\"\",\r\n"
        );
    }

    #[test]
    fn json_keeps_types_and_order() {
        let mut t = Table::new(&["name", "size", "delta", "none"]);
        t.push(vec!["x\"\n".into(), 5u64.into(), Cell::Int(-2), Cell::Empty]);
        let v: serde_json::Value = serde_json::from_str(&to_string(&t, Format::Json)).unwrap_or_default();
        assert_eq!(v, serde_json::json!([{"name": "x\"\n", "size": 5, "delta": -2, "none": null}]));
        assert_eq!(to_string(&Table::new(&["a"]), Format::Json), "[]\n");
    }
}
