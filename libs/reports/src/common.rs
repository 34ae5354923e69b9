//! What every export shares: CSV that Excel opens correctly and that cannot smuggle formulas
//! into it, and worksheets holding one table each.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    ColNum, Color, ExcelDateTime, Format, FormatAlign, FormatBorder, RowNum, Workbook, Worksheet,
};

use crate::ReportError;

/// How dates read in a workbook (as a number format, and as text where a date is part of a
/// longer text).
pub(crate) const EXCEL_DATE_FORMAT: &str = "dd/mm/yyyy";
pub(crate) const UK_DATE: &str = "%d/%m/%Y";
pub(crate) const ISO_DATE: &str = "%Y-%m-%d";

pub(crate) const UTF8_BOM: &[u8] = "\u{FEFF}".as_bytes();

// ---- CSV ----------------------------------------------------------------------------------

/// Keeps a spreadsheet program from reading a cell as a formula (CSV injection): a value that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe.
pub(crate) fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A CSV writer into memory: UTF-8 with a byte-order mark (so that Excel reads it as UTF-8)
/// and CRLF line ends. Cells are not defused here: see [`defuse`].
pub(crate) fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(UTF8_BOM.to_vec())
}

// ---- workbooks ----------------------------------------------------------------------------

/// One cell of a table.
pub(crate) enum Cell {
    Text(String),
    Date(NaiveDate),
    /// A number, written as a number in Excel's general format ("3", "-2", "2.5").
    Number(f64),
    /// A number shown to one decimal place, written as a number.
    Decimal(f64),
    /// Nothing.
    Blank,
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<u32> for Cell {
    fn from(n: u32) -> Self {
        Cell::Number(f64::from(n))
    }
}

/// A column of a table: its heading, width (in characters) and whether long text wraps.
pub(crate) struct Column {
    pub(crate) heading: &'static str,
    pub(crate) width: f64,
    pub(crate) wrap: bool,
}

pub(crate) const fn col(heading: &'static str, width: f64, wrap: bool) -> Column {
    Column {
        heading,
        width,
        wrap,
    }
}

pub(crate) struct Formats {
    pub(crate) heading: Format,
    pub(crate) label: Format,
    pub(crate) text: Format,
    pub(crate) wrapped: Format,
    pub(crate) date: Format,
    pub(crate) number: Format,
    pub(crate) decimal: Format,
    /// A note under a table: italic, wrapped.
    pub(crate) note: Format,
}

impl Formats {
    pub(crate) fn new() -> Formats {
        let body = Format::new().set_align(FormatAlign::Top);
        Formats {
            heading: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_background_color(Color::RGB(0x00D9_E1F2))
                .set_border_bottom(FormatBorder::Thin),
            label: body.clone().set_bold(),
            text: body.clone(),
            wrapped: body.clone().set_text_wrap(),
            number: body.clone(),
            decimal: body.clone().set_num_format("0.0"),
            note: body.clone().set_italic(),
            date: body
                .set_num_format(EXCEL_DATE_FORMAT)
                .set_align(FormatAlign::Left),
        }
    }
}

pub(crate) fn row_num(index: usize) -> Result<RowNum, ReportError> {
    RowNum::try_from(index)
        .map_err(|_| ReportError::Xlsx(format!("too many rows for a worksheet ({index})")))
}

pub(crate) fn col_num(index: usize) -> Result<ColNum, ReportError> {
    ColNum::try_from(index)
        .map_err(|_| ReportError::Xlsx(format!("too many columns for a worksheet ({index})")))
}

/// A date as Excel stores it, if Excel can (years 1900 to 9999).
pub(crate) fn excel_date(date: NaiveDate) -> Option<ExcelDateTime> {
    if date.year() < 1900 {
        return None;
    }
    let year = u16::try_from(date.year()).ok()?;
    let month = u8::try_from(date.month()).ok()?;
    let day = u8::try_from(date.day()).ok()?;
    ExcelDateTime::from_ymd(year, month, day).ok()
}

/// Writes one cell. Text is always written as a string, never as a formula, so a value
/// starting with "=" stays text. A date Excel cannot hold is written as text.
pub(crate) fn write_cell(
    ws: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    cell: &Cell,
    text_format: &Format,
    formats: &Formats,
) -> Result<(), ReportError> {
    match cell {
        Cell::Blank => {}
        Cell::Text(s) if s.is_empty() => {}
        Cell::Text(s) => {
            ws.write_string_with_format(row, col, s, text_format)?;
        }
        Cell::Date(d) => match excel_date(*d) {
            Some(x) => {
                ws.write_datetime_with_format(row, col, &x, &formats.date)?;
            }
            None => {
                ws.write_string_with_format(row, col, d.format(UK_DATE).to_string(), text_format)?;
            }
        },
        Cell::Number(x) => {
            ws.write_number_with_format(row, col, *x, &formats.number)?;
        }
        Cell::Decimal(x) => {
            ws.write_number_with_format(row, col, *x, &formats.decimal)?;
        }
    }
    Ok(())
}

/// A sheet holding one table: bold headings in a frozen first row with an autofilter, then
/// one row per record. Returns the sheet, for notes under the table.
pub(crate) fn add_table<'w>(
    workbook: &'w mut Workbook,
    name: &str,
    columns: &[Column],
    rows: &[Vec<Cell>],
    formats: &Formats,
) -> Result<&'w mut Worksheet, ReportError> {
    let ws = workbook.add_worksheet();
    ws.set_name(name)?;
    for (c, column) in columns.iter().enumerate() {
        let c = col_num(c)?;
        ws.set_column_width(c, column.width)?;
        ws.write_string_with_format(0, c, column.heading, &formats.heading)?;
    }
    for (r, cells) in rows.iter().enumerate() {
        let r = row_num(r + 1)?;
        for (c, (cell, column)) in cells.iter().zip(columns).enumerate() {
            let format = if column.wrap {
                &formats.wrapped
            } else {
                &formats.text
            };
            write_cell(ws, r, col_num(c)?, cell, format, formats)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let last_col = col_num(columns.len().saturating_sub(1))?;
    ws.autofilter(0, 0, row_num(rows.len())?, last_col)?;
    Ok(ws)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_defused() {
        for bad in ["=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx"] {
            assert_eq!(defuse(bad), format!("'{bad}"));
        }
        for fine in ["Run events", "", "\u{2013} 31/03/2026", " =x", "'quoted"] {
            assert_eq!(defuse(fine), fine);
        }
    }

    #[test]
    fn dates_outside_excels_range_are_not_excel_dates() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert!(excel_date(d("2026-11-23")).is_some());
        assert!(excel_date(d("1899-12-31")).is_none());
    }
}
