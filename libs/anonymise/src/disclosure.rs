/// A count about people as it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shown {
    /// Withheld: 1 to 7, or withheld so that another withheld cell cannot be worked out.
    Suppressed,
    /// Rounded to the nearest 5 (0 stays 0).
    Count(u64),
}

/// One count on its own (not part of a table).
pub fn control_count(n: u64) -> Shown {
    match n {
        0 => Shown::Count(0),
        1..=7 => Shown::Suppressed,
        n => Shown::Count((n + 2) / 5 * 5),
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

/// Controls a table of counts (rows of equal length) and its row, column and grand totals.
pub fn control_table(cells: &[Vec<u64>]) -> ControlledTable {
    let width = cells.iter().map(Vec::len).max().unwrap_or(0);
    let at = |r: &Vec<u64>, c: usize| r.get(c).copied().unwrap_or(0);
    ControlledTable {
        cells: cells.iter().map(|r| (0..width).map(|c| control_count(at(r, c))).collect()).collect(),
        row_totals: cells.iter().map(|r| control_count(r.iter().sum())).collect(),
        column_totals: (0..width).map(|c| control_count(cells.iter().map(|r| at(r, c)).sum())).collect(),
        grand_total: control_count(cells.iter().flatten().sum()),
    }
}
