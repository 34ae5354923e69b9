//! The figures of an issued board report as CSV and as an Excel workbook.

use pcref_domain::{BoardReport, Competency, FeedbackRow, HeadlineFigure, PeopleCount, Pillar};
use rust_xlsxwriter::{DocProperties, Workbook, Worksheet};

use crate::charts::{competency_goals, pillar_goals};
use crate::common::{
    add_table, col, col_num, csv_writer, defuse, excel_date, row_num, write_cell, Cell, Formats,
    ISO_DATE,
};
use crate::figures::{
    broad_group_label, count, headline_change, headline_previous, long_time, median_days,
    milestone_state_label, one_decimal, rag_label, status_counts, STATUSES, UNIT_PEOPLE,
    UNIT_PERCENT,
};
use crate::ReportError;

/// The heading of the tidy CSV.
pub(crate) const CSV_HEADING: [&str; 4] = ["section", "row", "measure", "value"];

/// The note on disclosure control, on the Feedback sheet.
const DISCLOSURE_NOTE: &str = "Disclosure control: these are counts of people's feedback. A \
    count from one to seven is suppressed and shown as *; other counts are rounded to the nearest five; \
    further cells may be suppressed so that no suppressed count can be worked out from the \
    totals or the other rows. Rounded figures may not add up.";

const PEOPLE_CHANGE_NOTE: &str = "Changes in counts about people (feedback) are not given, \
    only the rounded counts themselves: a difference of two rounded counts could read as a \
    small count.";

// ---- CSV ----------------------------------------------------------------------------------

/// A value of the CSV: text from the report (defused against formulas) or a number written
/// here (safe as it is, including a leading minus sign).
enum Value {
    Text(String),
    Number(String),
}

struct Line {
    section: &'static str,
    row: String,
    measure: String,
    value: Value,
}

struct Lines(Vec<Line>);

impl Lines {
    fn text(&mut self, section: &'static str, row: &str, measure: &str, value: impl Into<String>) {
        self.0.push(Line {
            section,
            row: row.to_owned(),
            measure: measure.to_owned(),
            value: Value::Text(value.into()),
        });
    }

    fn number(&mut self, section: &'static str, row: &str, measure: &str, value: impl ToString) {
        self.0.push(Line {
            section,
            row: row.to_owned(),
            measure: measure.to_owned(),
            value: Value::Number(value.to_string()),
        });
    }

    fn people(&mut self, section: &'static str, row: &str, measure: &str, value: &PeopleCount) {
        // Only ever the shown text: a rounded count, 0 or "*".
        self.text(section, row, measure, value.shown.clone());
    }
}

/// The headline figure's value as the CSV writes it: counts about people as shown ("*" when
/// suppressed), percentages to one decimal, empty when there is none.
fn headline_value(h: &HeadlineFigure) -> String {
    if h.unit == UNIT_PEOPLE {
        return h.shown.clone();
    }
    match h.value {
        None => String::new(),
        Some(v) if h.unit == UNIT_PERCENT => one_decimal(v),
        Some(v) => count(v),
    }
}

fn csv_lines(report: &BoardReport) -> Lines {
    let r = &report.rollup;
    let mut out = Lines(Vec::new());

    let s = "report";
    out.text(s, "alliance", "name", r.alliance_name.clone());
    out.text(s, "period", "label", r.period.label.clone());
    out.number(
        s,
        "period",
        "starts_on",
        r.period.starts_on.format(ISO_DATE),
    );
    out.number(s, "period", "ends_on", r.period.ends_on.format(ISO_DATE));
    if let Some(p) = &r.previous_period {
        out.text(s, "previous_period", "label", p.label.clone());
        out.number(
            s,
            "previous_period",
            "starts_on",
            p.starts_on.format(ISO_DATE),
        );
        out.number(s, "previous_period", "ends_on", p.ends_on.format(ISO_DATE));
    }
    out.number(s, "as_of", "date", r.as_of.format(ISO_DATE));
    out.number(s, "version", "number", report.version);
    out.number(
        s,
        "issued_at",
        "timestamp",
        report.issued_at.format("%Y-%m-%dT%H:%M:%SZ"),
    );
    out.text(s, "issued_by", "name", report.issued_by_name.clone());

    let s = "headline";
    for h in &r.headline {
        let value = headline_value(h);
        // Counts about people are text as shown; the rest are numbers written here.
        if h.unit == UNIT_PEOPLE {
            out.text(s, &h.label, "value", value);
        } else {
            out.number(s, &h.label, "value", value);
        }
        out.number(s, &h.label, "previous", headline_previous(h));
        out.number(s, &h.label, "change", headline_change(h));
    }

    let s = "providers";
    for p in &r.providers {
        let row = p.provider.label.as_str();
        out.number(s, row, "published_plans", p.published_plans);
        out.number(s, row, "actions", p.actions.total);
        for ((key, _), n) in STATUSES.iter().zip(status_counts(&p.actions)) {
            out.number(s, row, key, n);
        }
        out.number(
            s,
            row,
            "percent_complete",
            p.percent_complete.map(one_decimal).unwrap_or_default(),
        );
        out.number(s, row, "overdue", p.overdue);
        out.number(s, row, "stale", p.stale);
    }

    for row in &r.coverage.rows {
        for c in Competency::ALL {
            out.number(
                "competency_coverage",
                &row.provider.label,
                c.label(),
                competency_goals(row, c.as_str()),
            );
        }
    }
    for row in &r.coverage.rows {
        for p in Pillar::ALL {
            out.number(
                "pillar_coverage",
                &row.provider.label,
                p.label(),
                pillar_goals(row, p.as_str()),
            );
        }
    }

    let s = "ethnic_groups";
    for g in &r.coverage.ethnic_groups {
        out.text(s, &g.label, "code", g.code.clone());
        out.text(
            s,
            &g.label,
            "broad_group",
            broad_group_label(g.broad_group.as_deref()),
        );
        out.number(s, &g.label, "priorities", g.priorities);
        out.number(s, &g.label, "providers", g.providers);
    }

    let s = "projects";
    let projects = &r.projects;
    for p in &projects.projects {
        let row = p.title.as_str();
        out.text(s, row, "lead_organisation", p.lead_organisation.clone());
        out.text(s, row, "phase", p.phase_label.clone());
        out.text(s, row, "rag", rag_label(p.rag.as_deref()));
        out.number(s, row, "updates_in_period", p.updates_in_period);
        out.number(s, row, "milestones_due", p.milestones_due);
        out.number(s, row, "milestones_done", p.milestones_done);
        out.number(s, row, "milestones_overdue", p.milestones_overdue);
    }
    let all = "All projects";
    out.number(s, all, "projects", projects.projects.len());
    for ph in &projects.by_phase {
        out.number(s, all, &format!("phase: {}", ph.label), ph.projects);
    }
    out.number(s, all, "milestones_due", projects.milestones_due);
    out.number(s, all, "milestones_done", projects.milestones_done);
    out.number(s, all, "milestones_overdue", projects.milestones_overdue);

    let s = "milestones";
    for p in &projects.projects {
        for m in &p.milestones {
            let row = format!("{}: {}", p.title, m.title);
            out.text(s, &row, "project", p.title.clone());
            out.number(s, &row, "due_on", m.due_on.format(ISO_DATE));
            out.number(
                s,
                &row,
                "done_on",
                m.done_on
                    .map(|d| d.format(ISO_DATE).to_string())
                    .unwrap_or_default(),
            );
            out.text(s, &row, "state", milestone_state_label(m.state));
        }
    }

    let s = "feedback";
    let f = &r.feedback;
    for row in f.rows.iter().chain([&f.total]) {
        let label = if row.label.is_empty() {
            "All feedback"
        } else {
            row.label.as_str()
        };
        out.people(s, label, "received", &row.received);
        out.people(s, label, "acknowledged", &row.acknowledged);
        out.people(s, label, "responded", &row.responded);
        out.people(s, label, "closed", &row.closed);
        out.number(
            s,
            label,
            "median_days_to_first_response",
            median_days(row.median_days_to_first_response),
        );
    }

    let s = "learning";
    let l = &r.learning;
    out.number(s, "All learning items", "items_shared", l.items_shared);
    for c in &l.by_category {
        out.number(s, &c.label, "items", c.items);
    }
    for i in &l.items {
        out.text(s, &i.title, "shared_by", i.shared_by.clone());
        out.number(s, &i.title, "shared_on", i.shared_on.format(ISO_DATE));
    }

    let s = "templates";
    out.number(s, "All templates", "adopted", l.templates_adopted);
    for a in &l.adoptions {
        out.text(s, &a.template_name, "adopted_by", a.adopted_by.clone());
        out.number(
            s,
            &a.template_name,
            "adopted_on",
            a.adopted_on.format(ISO_DATE),
        );
    }
    out
}

/// Every figure of the report as one tidy CSV with the heading `section,row,measure,value`:
/// first the report's own details (section `report`: alliance, period, as_of, version,
/// issued_at, issued_by), then the sections `headline` (row = the figure's label; measures
/// value, previous, change), `providers`, `competency_coverage`, `pillar_coverage`,
/// `ethnic_groups`, `projects`, `milestones`, `feedback`, `learning` and `templates`.
///
/// Values are written as the report shows them: counts about people as shown after
/// disclosure control (`*` when suppressed, and never a change), percentages to one decimal,
/// dates as `YYYY-MM-DD`, empty where there is no figure. UTF-8 with a byte-order mark, CRLF
/// line ends, text cells defused against formulas.
pub fn rollup_csv(report: &BoardReport) -> Result<Vec<u8>, ReportError> {
    let mut writer = csv_writer();
    writer.write_record(CSV_HEADING)?;
    for line in csv_lines(report).0 {
        let value = match &line.value {
            Value::Text(t) => defuse(t),
            Value::Number(n) => n.as_str().into(),
        };
        writer.write_record([
            defuse(line.section).as_ref(),
            defuse(&line.row).as_ref(),
            defuse(&line.measure).as_ref(),
            value.as_ref(),
        ])?;
    }
    Ok(writer.into_inner()?)
}

// ---- the workbook -------------------------------------------------------------------------

/// The sheet names, in order.
pub(crate) const SHEETS: [&str; 8] = [
    "Summary",
    "Providers",
    "Coverage",
    "Ethnic groups",
    "Joint projects",
    "Milestones",
    "Feedback",
    "Learning",
];

/// A count about people: the number when shown, else the text as shown ("*").
fn people_cell(c: &PeopleCount) -> Cell {
    match c.value {
        Some(v) => Cell::Number(v as f64),
        None => Cell::Text(c.shown.clone()),
    }
}

fn number_cell(x: Option<f64>) -> Cell {
    x.map_or(Cell::Blank, Cell::Number)
}

fn decimal_cell(x: Option<f64>) -> Cell {
    x.map_or(Cell::Blank, Cell::Decimal)
}

/// Writes a small table (bold headings, then rows) at `first_row`, under a sheet's main
/// table; returns the row after it.
fn write_block(
    ws: &mut Worksheet,
    first_row: usize,
    headings: &[&str],
    rows: &[Vec<Cell>],
    formats: &Formats,
) -> Result<usize, ReportError> {
    for (c, h) in headings.iter().enumerate() {
        ws.write_string_with_format(row_num(first_row)?, col_num(c)?, *h, &formats.heading)?;
    }
    for (r, cells) in rows.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            write_cell(
                ws,
                row_num(first_row + 1 + r)?,
                col_num(c)?,
                cell,
                &formats.wrapped,
                formats,
            )?;
        }
    }
    Ok(first_row + 1 + rows.len())
}

fn write_note(
    ws: &mut Worksheet,
    row: usize,
    note: &str,
    formats: &Formats,
) -> Result<(), ReportError> {
    ws.write_string_with_format(row_num(row)?, 0, note, &formats.note)?;
    Ok(())
}

fn headline_cells(h: &HeadlineFigure) -> Vec<Cell> {
    let people = h.unit == UNIT_PEOPLE;
    let percent = h.unit == UNIT_PERCENT;
    let value = match h.value {
        None if people => Cell::Text(h.shown.clone()),
        None => Cell::Blank,
        Some(v) if percent => Cell::Decimal(v),
        Some(v) => Cell::Number(v),
    };
    let (previous, change) = if percent {
        (decimal_cell(h.previous), decimal_cell(h.change))
    } else if people {
        // Never the difference of two counts about people.
        (number_cell(h.previous), Cell::Blank)
    } else {
        (number_cell(h.previous), number_cell(h.change))
    };
    let unit = match h.unit.as_str() {
        UNIT_PERCENT => "percent",
        UNIT_PEOPLE => "people (rounded)",
        _ => "count",
    };
    vec![
        "Headline".into(),
        h.label.clone().into(),
        value,
        previous,
        change,
        unit.into(),
    ]
}

fn add_summary(
    workbook: &mut Workbook,
    report: &BoardReport,
    formats: &Formats,
) -> Result<(), ReportError> {
    let r = &report.rollup;
    let meta = |item: &str, value: Cell| -> Vec<Cell> {
        vec![
            "Report".into(),
            item.into(),
            value,
            Cell::Blank,
            Cell::Blank,
            Cell::Blank,
        ]
    };
    let mut rows = vec![
        meta("Alliance", r.alliance_name.clone().into()),
        meta("Period", r.period.label.clone().into()),
        meta("Period starts", Cell::Date(r.period.starts_on)),
        meta("Period ends", Cell::Date(r.period.ends_on)),
        meta("Figures as of", Cell::Date(r.as_of)),
        meta("Version", report.version.into()),
        meta("Issued at", long_time(report.issued_at).into()),
        meta("Issued by", report.issued_by_name.clone().into()),
        meta(
            "Compared with",
            r.previous_period
                .as_ref()
                .map_or_else(|| "No previous period".into(), |p| p.label.clone().into()),
        ),
    ];
    rows.extend(r.headline.iter().map(headline_cells));
    let ws = add_table(
        workbook,
        SHEETS[0],
        &[
            col("Section", 10.0, false),
            col("Item", 34.0, true),
            col("Value", 26.0, true),
            col("Previous period", 16.0, false),
            col("Change", 10.0, false),
            col("Unit", 16.0, false),
        ],
        &rows,
        formats,
    )?;
    write_note(ws, rows.len() + 2, PEOPLE_CHANGE_NOTE, formats)?;
    Ok(())
}

fn provider_sheet(
    workbook: &mut Workbook,
    report: &BoardReport,
    formats: &Formats,
) -> Result<(), ReportError> {
    let mut columns = vec![
        col("Provider", 36.0, true),
        col("Anonymous group", 11.0, false),
        col("Published plans", 11.0, false),
        col("Actions", 9.0, false),
    ];
    columns.extend(STATUSES.iter().map(|(_, label)| col(label, 10.0, false)));
    columns.extend([
        col("Complete % (of those not dropped)", 14.0, false),
        col("Overdue", 9.0, false),
        col("Stale", 9.0, false),
    ]);
    let rows: Vec<Vec<Cell>> = report
        .rollup
        .providers
        .iter()
        .map(|p| {
            let mut cells: Vec<Cell> = vec![
                p.provider.label.clone().into(),
                if p.provider.anonymous { "Yes" } else { "No" }.into(),
                p.published_plans.into(),
                p.actions.total.into(),
            ];
            cells.extend(status_counts(&p.actions).into_iter().map(Cell::from));
            cells.extend([
                decimal_cell(p.percent_complete),
                p.overdue.into(),
                p.stale.into(),
            ]);
            cells
        })
        .collect();
    add_table(workbook, SHEETS[1], &columns, &rows, formats)?;
    Ok(())
}

fn coverage_sheet(
    workbook: &mut Workbook,
    report: &BoardReport,
    formats: &Formats,
) -> Result<(), ReportError> {
    let mut columns = vec![col("Provider", 36.0, true)];
    columns.extend(Competency::ALL.iter().map(|c| col(c.label(), 13.0, false)));
    columns.extend(Pillar::ALL.iter().map(|p| col(p.label(), 14.0, false)));
    let rows: Vec<Vec<Cell>> = report
        .rollup
        .coverage
        .rows
        .iter()
        .map(|row| {
            let mut cells: Vec<Cell> = vec![row.provider.label.clone().into()];
            cells.extend(
                Competency::ALL
                    .iter()
                    .map(|c| Cell::from(competency_goals(row, c.as_str()))),
            );
            cells.extend(
                Pillar::ALL
                    .iter()
                    .map(|p| Cell::from(pillar_goals(row, p.as_str()))),
            );
            cells
        })
        .collect();
    let ws = add_table(workbook, SHEETS[2], &columns, &rows, formats)?;
    write_note(
        ws,
        rows.len() + 2,
        "Each cell: the number of published goals naming the cultural competency or PCREF pillar.",
        formats,
    )?;
    Ok(())
}

fn ethnic_groups_sheet(
    workbook: &mut Workbook,
    report: &BoardReport,
    formats: &Formats,
) -> Result<(), ReportError> {
    let rows: Vec<Vec<Cell>> = report
        .rollup
        .coverage
        .ethnic_groups
        .iter()
        .map(|g| {
            vec![
                g.code.clone().into(),
                g.label.clone().into(),
                broad_group_label(g.broad_group.as_deref()).into(),
                g.priorities.into(),
                g.providers.into(),
            ]
        })
        .collect();
    add_table(
        workbook,
        SHEETS[3],
        &[
            col("Code", 7.0, false),
            col("Ethnic group", 44.0, true),
            col("Broad group", 30.0, true),
            col("Priority areas", 11.0, false),
            col("Provider rows", 11.0, false),
        ],
        &rows,
        formats,
    )?;
    Ok(())
}

fn projects_sheet(
    workbook: &mut Workbook,
    report: &BoardReport,
    formats: &Formats,
) -> Result<(), ReportError> {
    let projects = &report.rollup.projects;
    let rows: Vec<Vec<Cell>> = projects
        .projects
        .iter()
        .map(|p| {
            vec![
                p.title.clone().into(),
                p.lead_organisation.clone().into(),
                p.phase_label.clone().into(),
                rag_label(p.rag.as_deref()).into(),
                p.updates_in_period.into(),
                p.milestones_due.into(),
                p.milestones_done.into(),
                p.milestones_overdue.into(),
            ]
        })
        .collect();
    let ws = add_table(
        workbook,
        SHEETS[4],
        &[
            col("Project", 40.0, true),
            col("Lead organisation", 30.0, true),
            col("Phase", 26.0, true),
            col("RAG", 8.0, false),
            col("Updates in period", 10.0, false),
            col("Milestones due", 10.0, false),
            col("Milestones done", 10.0, false),
            col("Milestones overdue", 10.0, false),
        ],
        &rows,
        formats,
    )?;
    let by_phase: Vec<Vec<Cell>> = projects
        .by_phase
        .iter()
        .map(|ph| vec![ph.label.clone().into(), ph.projects.into()])
        .collect();
    write_block(
        ws,
        rows.len() + 2,
        &["Phase", "Projects"],
        &by_phase,
        formats,
    )?;
    Ok(())
}

fn milestones_sheet(
    workbook: &mut Workbook,
    report: &BoardReport,
    formats: &Formats,
) -> Result<(), ReportError> {
    let rows: Vec<Vec<Cell>> = report
        .rollup
        .projects
        .projects
        .iter()
        .flat_map(|p| {
            p.milestones.iter().map(move |m| {
                vec![
                    p.title.clone().into(),
                    m.title.clone().into(),
                    Cell::Date(m.due_on),
                    m.done_on.map_or(Cell::Blank, Cell::Date),
                    milestone_state_label(m.state).into(),
                ]
            })
        })
        .collect();
    add_table(
        workbook,
        SHEETS[5],
        &[
            col("Project", 40.0, true),
            col("Milestone", 40.0, true),
            col("Due", 12.0, false),
            col("Done", 12.0, false),
            col("State", 10.0, false),
        ],
        &rows,
        formats,
    )?;
    Ok(())
}

fn feedback_cells(row: &FeedbackRow) -> Vec<Cell> {
    vec![
        if row.label.is_empty() {
            "All feedback".into()
        } else {
            row.label.clone().into()
        },
        people_cell(&row.received),
        people_cell(&row.acknowledged),
        people_cell(&row.responded),
        people_cell(&row.closed),
        decimal_cell(row.median_days_to_first_response),
    ]
}

fn feedback_sheet(
    workbook: &mut Workbook,
    report: &BoardReport,
    formats: &Formats,
) -> Result<(), ReportError> {
    let f = &report.rollup.feedback;
    let rows: Vec<Vec<Cell>> = f
        .rows
        .iter()
        .chain([&f.total])
        .map(feedback_cells)
        .collect();
    let ws = add_table(
        workbook,
        SHEETS[6],
        &[
            col("About", 36.0, true),
            col("Received", 11.0, false),
            col("Acknowledged", 13.0, false),
            col("Responded to", 13.0, false),
            col("Closed", 11.0, false),
            col("Median days to first response", 15.0, false),
        ],
        &rows,
        formats,
    )?;
    // The totals row's label in bold.
    if let Some(Cell::Text(label)) = rows.last().and_then(|r| r.first()) {
        ws.write_string_with_format(row_num(rows.len())?, 0, label, &formats.label)?;
    }
    write_note(ws, rows.len() + 2, DISCLOSURE_NOTE, formats)?;
    Ok(())
}

fn learning_sheet(
    workbook: &mut Workbook,
    report: &BoardReport,
    formats: &Formats,
) -> Result<(), ReportError> {
    let l = &report.rollup.learning;
    let rows: Vec<Vec<Cell>> = l
        .items
        .iter()
        .map(|i| {
            vec![
                "Learning item shared".into(),
                i.title.clone().into(),
                i.shared_by.clone().into(),
                Cell::Date(i.shared_on),
            ]
        })
        .chain(l.adoptions.iter().map(|a| {
            vec![
                "Template adopted".into(),
                a.template_name.clone().into(),
                a.adopted_by.clone().into(),
                Cell::Date(a.adopted_on),
            ]
        }))
        .collect();
    let ws = add_table(
        workbook,
        SHEETS[7],
        &[
            col("Kind", 22.0, false),
            col("Title or template", 50.0, true),
            col("Shared or adopted by", 36.0, true),
            col("On", 12.0, false),
        ],
        &rows,
        formats,
    )?;
    let mut totals: Vec<Vec<Cell>> = vec![
        vec!["Learning items shared".into(), l.items_shared.into()],
        vec!["Templates adopted".into(), l.templates_adopted.into()],
    ];
    totals.extend(
        l.by_category
            .iter()
            .map(|c| vec![format!("Category: {}", c.label).into(), c.items.into()]),
    );
    write_block(
        ws,
        rows.len() + 2,
        &["In the period", "Count"],
        &totals,
        formats,
    )?;
    Ok(())
}

/// The report's figures as an Excel workbook (`.xlsx`), one sheet per section: Summary (the
/// report's details and the headline figures), Providers, Coverage, Ethnic groups, Joint
/// projects, Milestones, Feedback and Learning. Each sheet's first row holds bold headings and
/// stays in view; numbers are numbers, dates are dates; a suppressed count about people is the
/// text `*`, and the Feedback sheet says how disclosure control works.
pub fn rollup_xlsx(report: &BoardReport) -> Result<Vec<u8>, ReportError> {
    let r = &report.rollup;
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let mut properties = DocProperties::new()
        .set_title(format!(
            "PCREF board report: {} {}, version {}",
            r.alliance_name, r.period.label, report.version
        ))
        .set_company(r.alliance_name.as_str());
    // Dated by the issue, not the clock, so that one report always gives the same file.
    if let Some(day) = excel_date(report.issued_at.date_naive()) {
        properties = properties.set_creation_datetime(&day);
    }
    workbook.set_properties(&properties);

    add_summary(&mut workbook, report, &formats)?;
    provider_sheet(&mut workbook, report, &formats)?;
    coverage_sheet(&mut workbook, report, &formats)?;
    ethnic_groups_sheet(&mut workbook, report, &formats)?;
    projects_sheet(&mut workbook, report, &formats)?;
    milestones_sheet(&mut workbook, report, &formats)?;
    feedback_sheet(&mut workbook, report, &formats)?;
    learning_sheet(&mut workbook, report, &formats)?;

    Ok(workbook.save_to_buffer()?)
}
