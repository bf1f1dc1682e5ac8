//! The printed table of measured values beside their targets.

use super::*;

#[derive(Default)]
pub struct Table {
    pub rows: Vec<[String; 4]>,
}

impl Table {
    pub fn row(&mut self, case: &str, measured: String, target: &str, ok: bool) {
        let verdict = if ok { "ok" } else { "MISSED" };
        self.rows.push([
            case.to_owned(),
            measured,
            target.to_owned(),
            verdict.to_owned(),
        ]);
    }

    pub fn row_added(&mut self, case: &str, comparison: &Comparison, target_ms: f64) {
        let added = median(&comparison.added_ms);
        self.row(
            case,
            format!(
                "{added:.2} ms (p95 {:.2})",
                percentile(&comparison.added_ms, 0.95)
            ),
            &format!("<= {target_ms} ms"),
            added <= target_ms,
        );
    }

    pub fn row_ratio(&mut self, case: &str, comparison: &Comparison) {
        let ratio = median(&comparison.wrapped_ms) / median(&comparison.direct_ms);
        self.rows.push([
            case.to_owned(),
            format!("{ratio:.2}x"),
            "-".into(),
            "".into(),
        ]);
    }

    pub fn render(&self) -> String {
        let header = ["case", "measured", "target", ""];
        let mut widths = header.map(str::len);
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: [&str; 4]| {
            let mut out = String::from("|");
            for (cell, width) in cells.iter().zip(widths) {
                let _ = write!(out, " {cell:<width$} |");
            }
            out
        };
        let mut out = line(header) + "\n";
        out += &line(widths.map(|w| "-".repeat(w)).each_ref().map(String::as_str));
        for row in &self.rows {
            out += "\n";
            out += &line(row.each_ref().map(String::as_str));
        }
        out
    }
}

pub fn case_details(cases: &[(&str, &Comparison)]) -> String {
    let mut out = String::from(
        "\n| case | direct median | direct p95 | wrapped median | wrapped p95 | ratio |\n|---|---|---|---|---|---|",
    );
    for (name, c) in cases {
        let _ = write!(
            out,
            "\n| {name} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2}x |",
            median(&c.direct_ms),
            percentile(&c.direct_ms, 0.95),
            median(&c.wrapped_ms),
            percentile(&c.wrapped_ms, 0.95),
            median(&c.wrapped_ms) / median(&c.direct_ms),
        );
    }
    out
}
