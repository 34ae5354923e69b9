//! Disclosure control for counts about people.
//!
//! - 0 is shown as 0: an empty category identifies nobody.
//! - 1 to 7 are suppressed (primary suppression).
//! - Anything else is rounded to the nearest multiple of 5, halves up: 8 → 10, 12 → 10,
//!   13 → 15. Integers never fall exactly halfway, so the halves rule only matters for the
//!   definition: remainder 0–2 rounds down, 3–4 rounds up. A rounded count is never below 10.
//! - In a table, more entries are suppressed (secondary suppression) until no row, column or
//!   totals line has exactly one suppressed entry, because a lone suppressed entry in a line
//!   can be recovered by subtracting the others from the line's total.

use std::fmt;

/// What a suppressed count is shown as.
pub const SUPPRESSED: &str = "*";

/// A count about people as it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shown {
    /// Withheld: 1 to 7, or withheld so that another withheld cell cannot be worked out.
    Suppressed,
    /// Rounded to the nearest 5 (0 stays 0).
    Count(u64),
}

impl Shown {
    pub fn is_suppressed(self) -> bool {
        self == Shown::Suppressed
    }

    /// The count, if it is shown.
    pub fn count(self) -> Option<u64> {
        match self {
            Shown::Suppressed => None,
            Shown::Count(n) => Some(n),
        }
    }

    /// As written in a published table: the count, or [`SUPPRESSED`] ("*").
    pub fn display(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Suppressed => f.write_str(SUPPRESSED),
            Shown::Count(n) => write!(f, "{n}"),
        }
    }
}

/// `n` rounded to the nearest multiple of 5, halves up (saturating at the top of `u64`,
/// which is itself a multiple of 5).
fn round5(n: u64) -> u64 {
    let r = n % 5;
    if r >= 3 {
        (n - r).saturating_add(5)
    } else {
        n - r
    }
}

/// One count on its own (not part of a table).
pub fn control_count(n: u64) -> Shown {
    match n {
        0 => Shown::Count(0),
        1..=7 => Shown::Suppressed,
        n => Shown::Count(round5(n)),
    }
}

/// A table of counts about people with its totals, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlledTable {
    pub cells: Vec<Vec<Shown>>,
    pub row_totals: Vec<Shown>,
    pub column_totals: Vec<Shown>,
    pub grand_total: Shown,
}

impl ControlledTable {
    /// Every line the "never exactly one suppressed" rule applies to: each row with its total,
    /// each column with its total, the row totals with the grand total, and the column totals
    /// with the grand total.
    pub fn lines(&self) -> Vec<Vec<Shown>> {
        let width = self.column_totals.len();
        let mut lines = Vec::with_capacity(self.cells.len() + width + 2);
        for (row, total) in self.cells.iter().zip(&self.row_totals) {
            lines.push(row.iter().chain([total]).copied().collect());
        }
        for (c, total) in self.column_totals.iter().enumerate() {
            let mut line: Vec<Shown> = self
                .cells
                .iter()
                .map(|row| row.get(c).copied().unwrap_or(Shown::Count(0)))
                .collect();
            line.push(*total);
            lines.push(line);
        }
        for totals in [&self.row_totals, &self.column_totals] {
            lines.push(totals.iter().chain([&self.grand_total]).copied().collect());
        }
        lines
    }
}

/// One line of the table: indices into the flat list of entries, its total last.
struct Line {
    parts: Vec<usize>,
    total: usize,
}

/// Controls a table of counts and its row, column and grand totals.
///
/// Rows should be of equal length; shorter rows are padded with zeros. Totals are the sums of
/// the true counts, controlled like any count (so shown cells need not add up to shown totals).
///
/// Secondary suppression: while some line has exactly one suppressed entry, one more entry of
/// that line is suppressed, chosen as
/// 1. the smallest non-zero shown cell of the line (the least information lost; ties go to the
///    first), else
/// 2. the line's total, if it is shown (all other cells are 0, and hiding a 0 would mislead
///    the reader about an empty category), else
/// 3. the first shown cell, a 0.
///
/// Every step suppresses a new entry, so this ends; lines are visited in a fixed order (rows,
/// columns, then the two totals lines), so the result is deterministic.
pub fn control_table(cells: &[Vec<u64>]) -> ControlledTable {
    let rows = cells.len();
    let width = cells.iter().map(Vec::len).max().unwrap_or(0);
    let at = |r: usize, c: usize| cells[r].get(c).copied().unwrap_or(0);

    // Entries, flat: cells row by row, then row totals, column totals, the grand total.
    let mut values: Vec<u64> = Vec::with_capacity(rows * width + rows + width + 1);
    for r in 0..rows {
        values.extend((0..width).map(|c| at(r, c)));
    }
    let sum = |it: &mut dyn Iterator<Item = u64>| it.fold(0u64, u64::saturating_add);
    let row_totals: Vec<u64> = (0..rows)
        .map(|r| sum(&mut (0..width).map(|c| at(r, c))))
        .collect();
    let column_totals: Vec<u64> = (0..width)
        .map(|c| sum(&mut (0..rows).map(|r| at(r, c))))
        .collect();
    let grand = sum(&mut row_totals.iter().copied());
    values.extend(&row_totals);
    values.extend(&column_totals);
    values.push(grand);

    let cell = |r: usize, c: usize| r * width + c;
    let row_total = |r: usize| rows * width + r;
    let column_total = |c: usize| rows * width + rows + c;
    let grand_total = values.len() - 1;

    let mut lines: Vec<Line> = Vec::with_capacity(rows + width + 2);
    for r in 0..rows {
        lines.push(Line {
            parts: (0..width).map(|c| cell(r, c)).collect(),
            total: row_total(r),
        });
    }
    for c in 0..width {
        lines.push(Line {
            parts: (0..rows).map(|r| cell(r, c)).collect(),
            total: column_total(c),
        });
    }
    lines.push(Line {
        parts: (0..rows).map(row_total).collect(),
        total: grand_total,
    });
    lines.push(Line {
        parts: (0..width).map(column_total).collect(),
        total: grand_total,
    });

    let mut suppressed: Vec<bool> = values.iter().map(|&v| (1..=7).contains(&v)).collect();
    loop {
        let mut changed = false;
        for line in &lines {
            let entries = || line.parts.iter().chain([&line.total]).copied();
            if entries().filter(|&i| suppressed[i]).count() != 1 {
                continue;
            }
            let shown_parts = || line.parts.iter().copied().filter(|&i| !suppressed[i]);
            let pick = shown_parts()
                .filter(|&i| values[i] > 0)
                .min_by_key(|&i| (values[i], i))
                .or_else(|| (!suppressed[line.total]).then_some(line.total))
                .or_else(|| shown_parts().next());
            if let Some(i) = pick {
                suppressed[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    let shown = |i: usize| {
        if suppressed[i] {
            Shown::Suppressed
        } else {
            control_count(values[i])
        }
    };
    ControlledTable {
        cells: (0..rows)
            .map(|r| (0..width).map(|c| shown(cell(r, c))).collect())
            .collect(),
        row_totals: (0..rows).map(|r| shown(row_total(r))).collect(),
        column_totals: (0..width).map(|c| shown(column_total(c))).collect(),
        grand_total: shown(grand_total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Shown::{Count, Suppressed as S};

    #[test]
    fn single_counts() {
        assert_eq!(control_count(0), Count(0));
        for n in 1..=7 {
            assert_eq!(control_count(n), S);
        }
        assert_eq!(control_count(8), Count(10));
        assert_eq!(control_count(10), Count(10));
        assert_eq!(control_count(12), Count(10));
        assert_eq!(control_count(13), Count(15));
        assert_eq!(control_count(17), Count(15));
        assert_eq!(control_count(18), Count(20));
        assert_eq!(control_count(u64::MAX), Count(u64::MAX));
        assert_eq!(control_count(u64::MAX - 1), Count(u64::MAX));
        assert_eq!(control_count(u64::MAX - 3), Count(u64::MAX - 5));
    }

    #[test]
    fn display() {
        assert_eq!(S.display(), "*");
        assert_eq!(Count(15).display(), "15");
        assert_eq!(Count(0).to_string(), "0");
    }

    #[test]
    fn lone_small_cell_takes_the_smallest_other_cell_with_it() {
        // Row: 3 (primary) and 10, 40: the 10 goes too. Its column then has one suppressed
        // cell, so its total goes; the column totals line then has 3's column total (3) and
        // 10's: two, fine.
        let t = control_table(&[vec![3, 10, 40]]);
        assert_eq!(t.cells, [vec![S, S, Count(40)]]);
        assert_eq!(t.row_totals, [Count(55)]);
        assert_eq!(t.column_totals, [S, S, Count(40)]);
        assert_eq!(t.grand_total, Count(55));
    }

    #[test]
    fn two_by_two() {
        let t = control_table(&[vec![5, 20], vec![30, 40]]);
        // 5 is primary. Row 0: 20 goes. Column 0: 30 goes. Row 1 then has 30: 40 goes.
        // Columns now have two each; totals survive.
        assert_eq!(t.cells, [vec![S, S], vec![S, S]]);
        assert_eq!(t.row_totals, [Count(25), Count(70)]);
        assert_eq!(t.column_totals, [Count(35), Count(60)]);
        assert_eq!(t.grand_total, Count(95));
        assert_no_lone_suppression(&t);
    }

    #[test]
    fn zeros_stay_and_the_total_goes() {
        // Row 0 is [10, 0] but 10 is suppressed because of its column (with a 4 below it):
        // the row has only a zero left, so its total is suppressed rather than the zero.
        let t = control_table(&[vec![10, 0], vec![4, 20]]);
        assert_no_lone_suppression(&t);
        assert_eq!(t.cells[0][1], Count(0));
        assert_eq!(t.cells[0][0], S);
    }

    #[test]
    fn degenerate_tables() {
        let t = control_table(&[]);
        assert!(t.cells.is_empty() && t.row_totals.is_empty() && t.column_totals.is_empty());
        assert_eq!(t.grand_total, Count(0));
        let t = control_table(&[vec![], vec![]]);
        assert_eq!(t.row_totals, [Count(0), Count(0)]);
        let t = control_table(&[vec![5]]);
        assert_eq!(t.cells, [vec![S]]);
        assert_eq!(
            (t.row_totals[0], t.column_totals[0], t.grand_total),
            (S, S, S)
        );
        let t = control_table(&[vec![0, 0], vec![0, 0]]);
        assert!(t.cells.iter().flatten().all(|&c| c == Count(0)));
        let t = control_table(&[vec![u64::MAX, u64::MAX]]);
        assert_eq!(t.grand_total, Count(u64::MAX));
    }

    #[test]
    fn ragged_rows_are_padded() {
        let t = control_table(&[vec![10], vec![20, 30]]);
        assert_eq!(t.cells[0], [Count(10), Count(0)]);
    }

    fn assert_no_lone_suppression(t: &ControlledTable) {
        for line in t.lines() {
            assert_ne!(
                line.iter().filter(|s| s.is_suppressed()).count(),
                1,
                "{t:?}"
            );
        }
    }
}
