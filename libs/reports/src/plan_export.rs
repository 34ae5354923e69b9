//! The action plan as an Excel workbook and as CSV.

use std::collections::HashMap;

use chrono::NaiveDate;
use pcref_domain::{ActionId, ActionView, PlanDocument, Priority, PriorityId};
use rust_xlsxwriter::{DocProperties, Workbook};

use crate::common::{
    add_table, col, csv_writer, defuse, excel_date, row_num, write_cell, Cell, Column, Formats,
    ISO_DATE, UK_DATE,
};
use crate::ReportError;

/// Column headings of the implementation table, in order: the PCREF action-planning tool's
/// own six, then the platform's extra ones. Used by the workbook's "3 Implementation" sheet and
/// by the CSV.
pub const IMPLEMENTATION_COLUMNS: &[&str] = &[
    "Priority area",
    "Actions required",
    "How impact or progress is measured",
    "Expected outcome",
    "Timescale",
    "Lead",
    "Lead role",
    "Cost implications",
    "Status",
    "Overdue",
    "Stale",
];

/// The sheet names, in order.
const SHEET_PLAN: &str = "Plan";
const SHEET_PRIORITIES: &str = "1 Priority areas";
const SHEET_GOALS: &str = "2 Goals";
const SHEET_IMPLEMENTATION: &str = "3 Implementation";
const SHEET_MONITORING: &str = "4 Monitoring";

/// Between the two dates of a range.
const RANGE_DASH: &str = "\u{2013}";

// ---- shared row building ------------------------------------------------------------------

/// "01/01/2026 – 31/03/2026"; "01/01/2026 –" or "– 31/03/2026" when one end is open; blank
/// when neither is set.
fn date_range(from: Option<NaiveDate>, to: Option<NaiveDate>, fmt: &str) -> String {
    match (from, to) {
        (Some(f), Some(t)) => format!("{} {RANGE_DASH} {}", f.format(fmt), t.format(fmt)),
        (Some(f), None) => format!("{} {RANGE_DASH}", f.format(fmt)),
        (None, Some(t)) => format!("{RANGE_DASH} {}", t.format(fmt)),
        (None, None) => String::new(),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

/// The implementation table's cells for one action, in [`IMPLEMENTATION_COLUMNS`] order;
/// `date_fmt` is how the timescale's dates are written.
fn implementation_row(
    view: &ActionView,
    priorities: &HashMap<PriorityId, &Priority>,
    date_fmt: &str,
) -> Vec<String> {
    let a = &view.action;
    let f = &a.fields;
    vec![
        priorities
            .get(&f.priority_id)
            .map(|p| p.fields.statement.clone())
            .unwrap_or_default(),
        f.description.clone(),
        text(&f.measure),
        text(&f.expected_outcome),
        date_range(f.starts_on, f.ends_on, date_fmt),
        text(&f.lead_name),
        text(&f.lead_role),
        text(&f.cost_implications),
        a.status.label().to_owned(),
        yes_no(view.overdue).to_owned(),
        yes_no(view.stale).to_owned(),
    ]
}

fn priorities_by_id(doc: &PlanDocument) -> HashMap<PriorityId, &Priority> {
    doc.priorities.iter().map(|p| (p.id, p)).collect()
}

// ---- the workbook -------------------------------------------------------------------------

/// The "Plan" sheet: labels in column A, values in column B.
fn add_summary(
    workbook: &mut Workbook,
    doc: &PlanDocument,
    formats: &Formats,
) -> Result<(), ReportError> {
    let plan = &doc.plan;
    let fields = &plan.fields;
    let rows: [(&str, Cell); 8] = [
        ("Organisation", doc.organisation_name.as_str().into()),
        ("Plan", fields.title.as_str().into()),
        ("Service or directorate", fields.service.as_str().into()),
        ("Owner", text(&plan.owner_name).into()),
        ("Status", fields.status.label().into()),
        (
            "Period covered",
            date_range(fields.period_starts_on, fields.period_ends_on, UK_DATE).into(),
        ),
        ("Created from template", text(&plan.template_name).into()),
        ("Exported on", Cell::Date(doc.exported_on)),
    ];
    let ws = workbook.add_worksheet();
    ws.set_name(SHEET_PLAN)?;
    ws.set_column_width(0, 26)?;
    ws.set_column_width(1, 80)?;
    for (r, (label, value)) in rows.iter().enumerate() {
        let r = row_num(r)?;
        ws.write_string_with_format(r, 0, *label, &formats.label)?;
        write_cell(ws, r, 1, value, &formats.wrapped, formats)?;
    }
    Ok(())
}

fn priority_rows(doc: &PlanDocument) -> Vec<Vec<Cell>> {
    doc.priorities
        .iter()
        .map(|p| {
            let f = &p.fields;
            let groups = f
                .ethnic_categories
                .iter()
                .map(|c| format!("{} {}", c.as_str(), c.label()))
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                f.statement.clone().into(),
                groups.into(),
                text(&f.service_area).into(),
                text(&f.evidence).into(),
                yes_no(f.communities_consulted).into(),
                text(&f.consultation_notes).into(),
            ]
        })
        .collect()
}

fn goal_rows(doc: &PlanDocument) -> Vec<Vec<Cell>> {
    doc.goals
        .iter()
        .map(|g| {
            let f = &g.fields;
            let competencies = f
                .competencies
                .iter()
                .map(|c| c.label())
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                f.statement.clone().into(),
                f.measure.clone().into(),
                text(&f.baseline).into(),
                f.target.clone().into(),
                // A goal copied from a template may have no deadline yet.
                f.deadline
                    .map_or_else(|| Cell::Text(String::new()), Cell::Date),
                competencies.into(),
                f.pillar.label().into(),
            ]
        })
        .collect()
}

fn monitoring_rows(doc: &PlanDocument) -> Vec<Vec<Cell>> {
    let actions: HashMap<ActionId, &str> = doc
        .actions
        .iter()
        .map(|v| (v.action.id, v.action.fields.description.as_str()))
        .collect();
    doc.updates
        .iter()
        .map(|u| {
            let f = &u.fields;
            vec![
                Cell::Date(f.reported_on),
                actions
                    .get(&u.action_id)
                    .copied()
                    .unwrap_or_default()
                    .into(),
                f.status.label().into(),
                f.rag.label().into(),
                f.narrative.clone().into(),
                text(&f.evidence_url).into(),
            ]
        })
        .collect()
}

/// The plan as an Excel workbook (`.xlsx`): a "Plan" summary sheet, then "1 Priority areas",
/// "2 Goals", "3 Implementation" (the tool's implementation table, see
/// [`IMPLEMENTATION_COLUMNS`]) and "4 Monitoring" (progress updates, newest first).
pub fn plan_xlsx(doc: &PlanDocument) -> Result<Vec<u8>, ReportError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let mut properties = DocProperties::new()
        .set_title(format!("PCREF action plan: {}", doc.plan.fields.title))
        .set_company(doc.organisation_name.as_str());
    // Dated by the export, not the clock, so that one document always gives the same file.
    if let Some(day) = excel_date(doc.exported_on) {
        properties = properties.set_creation_datetime(&day);
    }
    workbook.set_properties(&properties);

    add_summary(&mut workbook, doc, &formats)?;

    add_table(
        &mut workbook,
        SHEET_PRIORITIES,
        &[
            col("Priority area", 50.0, true),
            col("Ethnic groups", 36.0, true),
            col("Service area", 24.0, true),
            col("Evidence from local data", 50.0, true),
            col("Communities consulted", 14.0, false),
            col("How consulted", 40.0, true),
        ],
        &priority_rows(doc),
        &formats,
    )?;

    add_table(
        &mut workbook,
        SHEET_GOALS,
        &[
            col("Goal", 50.0, true),
            col("Measure", 36.0, true),
            col("Baseline", 24.0, true),
            col("Target", 24.0, true),
            col("Deadline", 12.0, false),
            col("Cultural competencies", 32.0, true),
            col("PCREF pillar", 24.0, true),
        ],
        &goal_rows(doc),
        &formats,
    )?;

    let priorities = priorities_by_id(doc);
    let implementation: Vec<Vec<Cell>> = doc
        .actions
        .iter()
        .map(|v| {
            implementation_row(v, &priorities, UK_DATE)
                .into_iter()
                .map(Cell::Text)
                .collect()
        })
        .collect();
    let widths: [(f64, bool); 11] = [
        (40.0, true),
        (50.0, true),
        (40.0, true),
        (40.0, true),
        (25.0, false),
        (22.0, true),
        (24.0, true),
        (30.0, true),
        (13.0, false),
        (10.0, false),
        (10.0, false),
    ];
    let columns: Vec<Column> = IMPLEMENTATION_COLUMNS
        .iter()
        .zip(widths)
        .map(|(heading, (width, wrap))| col(heading, width, wrap))
        .collect();
    add_table(
        &mut workbook,
        SHEET_IMPLEMENTATION,
        &columns,
        &implementation,
        &formats,
    )?;

    add_table(
        &mut workbook,
        SHEET_MONITORING,
        &[
            col("Date", 12.0, false),
            col("Action", 50.0, true),
            col("Status", 13.0, false),
            col("RAG", 8.0, false),
            col("Narrative", 60.0, true),
            col("Evidence link", 40.0, true),
        ],
        &monitoring_rows(doc),
        &formats,
    )?;

    Ok(workbook.save_to_buffer()?)
}

/// The implementation table as CSV: the [`IMPLEMENTATION_COLUMNS`] heading row, then one row
/// per action, timescale dates as `YYYY-MM-DD`. UTF-8 with a byte-order mark (so that Excel
/// reads it as UTF-8), CRLF line ends, formula-like cells defused with a leading apostrophe.
pub fn plan_csv(doc: &PlanDocument) -> Result<Vec<u8>, ReportError> {
    let mut writer = csv_writer();
    writer.write_record(
        IMPLEMENTATION_COLUMNS
            .iter()
            .map(|h| defuse(h).into_owned()),
    )?;
    let priorities = priorities_by_id(doc);
    for view in &doc.actions {
        let row = implementation_row(view, &priorities, ISO_DATE);
        writer.write_record(row.iter().map(|c| defuse(c).into_owned()))?;
    }
    Ok(writer.into_inner()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_show_which_end_is_open() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(
            date_range(Some(d("2026-01-01")), Some(d("2026-03-31")), ISO_DATE),
            "2026-01-01 \u{2013} 2026-03-31"
        );
        assert_eq!(
            date_range(Some(d("2026-01-01")), None, UK_DATE),
            "01/01/2026 \u{2013}"
        );
        assert_eq!(
            date_range(None, Some(d("2026-03-31")), UK_DATE),
            "\u{2013} 31/03/2026"
        );
        assert_eq!(date_range(None, None, UK_DATE), "");
    }
}
