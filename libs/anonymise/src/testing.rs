//! Invariants shared by the fuzz targets and the ordinary tests, so a stable `cargo test` checks
//! the same things the fuzzer does. Not part of the supported API.

use crate::{control_table, Redactor, Shown};

/// Checks what must hold for any input:
/// - every reported position is in range, points at the marker of its kind, and markers do not
///   overlap (positions strictly increase, each past the previous marker);
/// - every warning position is in range;
/// - redacting the output again changes nothing and reports nothing;
/// - a text with nothing reported comes back unchanged.
pub fn check_invariants(redactor: &Redactor, input: &str) -> Result<(), String> {
    let first = redactor.redact("field", input);
    let chars: Vec<char> = first.text.chars().collect();
    let mut free_from = 0;
    for r in &first.redactions {
        if r.field != "field" {
            return Err(format!("field {:?} reported as {:?}", "field", r.field));
        }
        let marker: Vec<char> = r.kind.marker().chars().collect();
        if r.position < free_from {
            return Err(format!("marker at {} overlaps the one before", r.position));
        }
        if chars.get(r.position..r.position + marker.len()) != Some(&marker[..]) {
            return Err(format!(
                "no {:?} marker at {} in {:?}",
                r.kind, r.position, first.text
            ));
        }
        free_from = r.position + marker.len();
    }
    for w in &first.warnings {
        if w.position >= chars.len() {
            return Err(format!("warning at {} past the end", w.position));
        }
    }
    if first.redactions.is_empty() && first.text != input {
        return Err("text changed with nothing reported".into());
    }
    let second = redactor.redact("field", &first.text);
    if second.text != first.text {
        return Err(format!(
            "not idempotent: {:?} became {:?}",
            first.text, second.text
        ));
    }
    if !second.redactions.is_empty() {
        return Err(format!("second pass reported {:?}", second.redactions));
    }
    Ok(())
}

/// Checks what must hold for any table: shape, every count 0 or a multiple of 5 and never 1 to
/// 7, every true 1 to 7 suppressed, and no line with exactly one suppressed entry.
pub fn check_table_invariants(cells: &[Vec<u64>]) -> Result<(), String> {
    let t = control_table(cells);
    let width = cells.iter().map(Vec::len).max().unwrap_or(0);
    if t.cells.len() != cells.len()
        || t.cells.iter().any(|r| r.len() != width)
        || t.row_totals.len() != cells.len()
        || t.column_totals.len() != width
    {
        return Err(format!("shape changed: {t:?}"));
    }
    let all = t
        .cells
        .iter()
        .flatten()
        .chain(&t.row_totals)
        .chain(&t.column_totals)
        .chain([&t.grand_total]);
    for s in all {
        if let Shown::Count(n) = s {
            if n % 5 != 0 || (1..=7).contains(n) {
                return Err(format!("{n} shown in {t:?}"));
            }
        }
    }
    for (r, row) in cells.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            if (1..=7).contains(&v) && !t.cells[r][c].is_suppressed() {
                return Err(format!("{v} at ({r}, {c}) not suppressed"));
            }
        }
    }
    for line in t.lines() {
        if line.iter().filter(|s| s.is_suppressed()).count() == 1 {
            return Err(format!(
                "a line with one suppressed entry: {line:?} in {t:?}"
            ));
        }
    }
    Ok(())
}
