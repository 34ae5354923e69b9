//! Exports of an action plan, for people to open in a spreadsheet program, and renderings of
//! an issued board report.
//!
//! Action plans:
//! - [`plan_xlsx`]: an Excel workbook laid out like the PCREF action-planning tool: a summary
//!   sheet, then one sheet per stage (priority areas, goals, the implementation table,
//!   monitoring).
//! - [`plan_csv`]: the implementation table alone, as CSV that Excel opens correctly (UTF-8
//!   with a byte-order mark) and that cannot smuggle formulas into it.
//! - [`plan_file_name`]: a safe download name for either.
//!
//! The exports stay inside the provider's private workspace: they include the leads' names.
//!
//! Board reports (the frozen roll-up of a reporting period, [`pcref_domain::BoardReport`]):
//! - [`board_html`]: the board paper, one self-contained HTML page with inline SVG charts,
//!   ready to print on A4;
//! - [`ceo_brief_html`]: the CEO forum's one-page brief;
//! - [`rollup_csv`]: every figure as one tidy CSV (`section,row,measure,value`);
//! - [`rollup_xlsx`]: the same figures as an Excel workbook, one sheet per section;
//! - [`report_file_name`]: a safe download name for any of them.
//!
//! Counts about people (feedback) are only ever written as shown after disclosure control:
//! never a difference, share or other figure computed from them.
//!
//! Everything is built in memory; nothing here touches the file system or the network.

mod board;
mod charts;
mod common;
mod figures;
mod plan_export;
mod rollup_export;

use pcref_domain::PlanDocument;

pub use board::{board_html, ceo_brief_html, report_file_name, ReportLinks};
pub use plan_export::{plan_csv, plan_xlsx, IMPLEMENTATION_COLUMNS};
pub use rollup_export::{rollup_csv, rollup_xlsx};

/// Why an export could not be produced. The underlying library errors are kept as text so that
/// callers need not depend on those libraries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// Building the Excel workbook failed.
    #[error("could not build the Excel workbook: {0}")]
    Xlsx(String),
    /// Writing the CSV failed.
    #[error("could not write the CSV: {0}")]
    Csv(String),
    /// Rendering an HTML template failed.
    #[error("could not render the page: {0}")]
    Template(String),
    /// Reading or writing bytes failed.
    #[error("input/output error while exporting: {0}")]
    Io(String),
}

impl From<rust_xlsxwriter::XlsxError> for ReportError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        ReportError::Xlsx(e.to_string())
    }
}

impl From<csv::Error> for ReportError {
    fn from(e: csv::Error) -> Self {
        ReportError::Csv(e.to_string())
    }
}

impl From<minijinja::Error> for ReportError {
    fn from(e: minijinja::Error) -> Self {
        ReportError::Template(format!("{e:#}"))
    }
}

impl From<std::io::Error> for ReportError {
    fn from(e: std::io::Error) -> Self {
        ReportError::Io(e.to_string())
    }
}

impl<W> From<csv::IntoInnerError<W>> for ReportError {
    fn from(e: csv::IntoInnerError<W>) -> Self {
        ReportError::Io(e.error().to_string())
    }
}

/// The longest the title part of a file name may be, in characters.
const MAX_SLUG: usize = 60;

/// A safe download file name, such as
/// `pcref-action-plan-community-mental-health-2026-11-23.xlsx`: ASCII, lower case, words
/// joined by hyphens, from the plan's title and the day of export. `ext` is `"xlsx"` or
/// `"csv"` (anything else is cleaned the same way).
pub fn plan_file_name(doc: &PlanDocument, ext: &str) -> String {
    let mut name = String::from("pcref-action-plan");
    let title = slug(&doc.plan.fields.title, MAX_SLUG);
    if !title.is_empty() {
        name.push('-');
        name.push_str(&title);
    }
    name.push('-');
    name.push_str(&doc.exported_on.format("%Y-%m-%d").to_string());
    let ext = slug(ext, 10).replace('-', "");
    if !ext.is_empty() {
        name.push('.');
        name.push_str(&ext);
    }
    name
}

/// Lower-case ASCII letters and digits, runs of anything else turned into one hyphen, no
/// hyphen at either end, at most `max` characters (cut at a word boundary when possible).
/// Common accented letters lose their accents; apostrophes vanish ("Women's" is "womens").
fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut pending_hyphen = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if matches!(c, '\'' | '\u{2019}' | '\u{2018}') {
            continue;
        }
        let folded = if c.is_ascii_alphanumeric() {
            Some(c.to_string())
        } else {
            fold_letter(c).map(str::to_owned)
        };
        match folded {
            Some(s) => {
                if pending_hyphen && !out.is_empty() {
                    out.push('-');
                }
                pending_hyphen = false;
                out.push_str(&s);
            }
            None => pending_hyphen = true,
        }
    }
    if out.len() > max {
        // All ASCII, so byte indices are character indices.
        let cut = &out[..max];
        let cut = match (out.as_bytes().get(max), cut.rfind('-')) {
            (Some(b'-'), _) => cut,
            (_, Some(i)) if i > max / 2 => &cut[..i],
            _ => cut,
        };
        out = cut.trim_end_matches('-').to_owned();
    }
    out
}

/// The plain ASCII form of a common accented Latin letter (lower case), if it is one.
fn fold_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => "i",
        'ł' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ś' | 'š' | 'ş' => "s",
        'ß' => "ss",
        'ť' | 'ţ' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_ascii_words_joined_by_hyphens() {
        assert_eq!(
            slug("Community Mental Health", 60),
            "community-mental-health"
        );
        assert_eq!(
            slug(
                "  Women's services: Ysbyty Gwynedd — Café ŵyr / 2026!! ",
                60
            ),
            "womens-services-ysbyty-gwynedd-cafe-wyr-2026"
        );
        assert_eq!(slug("../../etc/passwd", 60), "etc-passwd");
        assert_eq!(slug("精神保健", 60), "");
        assert_eq!(slug("alpha beta gamma", 12), "alpha-beta");
        assert_eq!(slug("alpha beta gamma", 10), "alpha-beta");
        assert_eq!(slug("abcdefghijklmnop", 5), "abcde");
    }
}
