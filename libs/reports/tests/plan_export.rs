//! Renders a hand-built plan and reads the workbook back with calamine and the CSV back with
//! the csv crate.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use chrono::{DateTime, NaiveDate, Utc};
use pcref_domain::{
    Action, ActionDraft, ActionId, ActionStatus, ActionView, AllianceId, Competency,
    EthnicCategory, Goal, GoalDraft, GoalId, OrganisationId, Pillar, Plan, PlanDocument, PlanDraft,
    PlanId, PlanStatus, Priority, PriorityDraft, PriorityId, ProgressDraft, ProgressUpdate,
    ProgressUpdateId, Rag, Version, BUILT_IN_TEMPLATE_ID,
};
use pcref_reports::{plan_csv, plan_file_name, plan_xlsx, IMPLEMENTATION_COLUMNS};

const CYCLE_DAYS: u32 = 90;

fn date(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn time(s: &str) -> DateTime<Utc> {
    s.parse().expect("time")
}

/// The plan's parts, kept apart so tests can name them.
struct Fixture {
    doc: PlanDocument,
}

impl Fixture {
    fn action(&self, i: usize) -> &Action {
        &self.doc.actions[i].action
    }
}

fn fixture() -> Fixture {
    let plan_id = PlanId::new();
    let created = time("2026-01-05T09:00:00Z");
    let exported_on = date("2026-11-23");

    let plan = Plan {
        id: plan_id,
        organisation_id: OrganisationId::new(),
        alliance_id: AllianceId::new(),
        fields: PlanDraft {
            title: "Community mental health".into(),
            service: "Adult community mental health teams".into(),
            owner_user_id: None,
            status: PlanStatus::Active,
            period_starts_on: Some(date("2026-04-01")),
            period_ends_on: Some(date("2027-03-31")),
        },
        owner_name: Some("Priya Shah".into()),
        template_id: Some(BUILT_IN_TEMPLATE_ID),
        template_name: Some("PCREF action-planning tool (four stages)".into()),
        guidance: Vec::new(),
        version: Version::FIRST,
        created_at: created,
        updated_at: created,
    };

    let priority = |statement: &str, groups: Vec<EthnicCategory>, consulted: bool| Priority {
        id: PriorityId::new(),
        plan_id,
        fields: PriorityDraft {
            statement: statement.into(),
            ethnic_categories: groups,
            service_area: Some("Community teams".into()),
            evidence: Some("Referral rates 40% below population share (2025 data)".into()),
            communities_consulted: consulted,
            consultation_notes: consulted.then(|| "Two listening events with local groups".into()),
        },
        version: Version::FIRST,
        created_at: created,
        updated_at: created,
    };
    let priorities = vec![
        priority(
            "Improve access to talking therapies for South Asian communities",
            vec![EthnicCategory::Indian, EthnicCategory::Pakistani],
            true,
        ),
        priority(
            "Reduce detentions under the Mental Health Act of Black Caribbean men",
            vec![EthnicCategory::Caribbean],
            false,
        ),
    ];

    let goal = |statement: &str, deadline: &str, pillar: Pillar| Goal {
        id: GoalId::new(),
        plan_id,
        fields: GoalDraft {
            statement: statement.into(),
            measure: "Referrals per 10,000 population, by ethnic group".into(),
            baseline: Some("12 per 10,000".into()),
            target: "20 per 10,000".into(),
            deadline: Some(date(deadline)),
            competencies: vec![Competency::CulturalAwareness, Competency::CoProduction],
            pillar,
        },
        version: Version::FIRST,
        created_at: created,
        updated_at: created,
    };
    let goals = vec![
        goal(
            "Referrals match population share",
            "2027-03-31",
            Pillar::Data,
        ),
        goal(
            "Detention rates fall by a quarter",
            "2027-06-30",
            Pillar::LeadershipAndGovernance,
        ),
    ];

    let action = |priority: &Priority, description: &str, draft: ActionDraft| Action {
        id: ActionId::new(),
        plan_id,
        fields: ActionDraft {
            priority_id: priority.id,
            description: description.into(),
            ..draft
        },
        status: ActionStatus::OnTrack,
        last_update_on: Some(date("2026-11-01")),
        version: Version::FIRST,
        created_at: created,
        updated_at: created,
    };
    let blank = ActionDraft {
        priority_id: PriorityId::new(),
        description: String::new(),
        measure: None,
        expected_outcome: None,
        starts_on: None,
        ends_on: None,
        lead_name: None,
        lead_role: None,
        cost_implications: None,
    };
    let actions = vec![
        // Overdue: ended before the day of export and not finished.
        action(
            &priorities[0],
            "Run listening events in community centres",
            ActionDraft {
                measure: Some("Number of events and attendees".into()),
                expected_outcome: Some("Barriers to referral understood".into()),
                starts_on: Some(date("2026-01-01")),
                ends_on: Some(date("2026-03-31")),
                lead_role: Some("Community engagement lead".into()),
                cost_implications: Some("-£2,000 from the events budget".into()),
                ..blank.clone()
            },
        ),
        // With a lead's name.
        action(
            &priorities[0],
            "Train GP practices on culturally appropriate referral",
            ActionDraft {
                starts_on: Some(date("2026-06-01")),
                ends_on: Some(date("2027-02-28")),
                lead_name: Some("Amara Okafor".into()),
                lead_role: Some("Head of psychological therapies".into()),
                ..blank.clone()
            },
        ),
        // Looks like a formula.
        action(
            &priorities[1],
            "=SUM(A1)",
            ActionDraft {
                ends_on: Some(date("2027-03-31")),
                cost_implications: Some("@staff time".into()),
                ..blank
            },
        ),
    ];
    let actions: Vec<ActionView> = actions
        .into_iter()
        .map(|a| ActionView::new(a, exported_on, CYCLE_DAYS))
        .collect();

    let update = |action: &Action, on: &str, status: ActionStatus, rag: Rag, narrative: &str| {
        ProgressUpdate {
            id: ProgressUpdateId::new(),
            action_id: action.id,
            plan_id,
            fields: ProgressDraft {
                reported_on: date(on),
                status,
                rag,
                narrative: narrative.into(),
                evidence_url: Some("https://intranet.example.nhs.uk/report.pdf".into()),
            },
            author_user_id: None,
            author_name: Some("Priya Shah".into()),
            created_at: created,
        }
    };
    let updates = vec![
        update(
            &actions[1].action,
            "2026-11-01",
            ActionStatus::OnTrack,
            Rag::Green,
            "Twelve practices trained",
        ),
        update(
            &actions[0].action,
            "2026-03-15",
            ActionStatus::AtRisk,
            Rag::Amber,
            "Venues hard to book",
        ),
    ];

    Fixture {
        doc: PlanDocument {
            organisation_name: "Northshire Mental Health NHS Foundation Trust".into(),
            plan,
            priorities,
            goals,
            actions,
            updates,
            exported_on,
        },
    }
}

fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook calamine can read")
}

fn cell(range: &Range<Data>, row: u32, col: u32) -> &Data {
    range.get_value((row, col)).unwrap_or(&Data::Empty)
}

fn string(range: &Range<Data>, row: u32, col: u32) -> String {
    match cell(range, row, col) {
        Data::String(s) => s.clone(),
        other => panic!("cell ({row}, {col}) is not a string: {other:?}"),
    }
}

/// Excel's serial number for a date (days since 1899-12-30, for dates after February 1900).
fn serial(d: NaiveDate) -> f64 {
    (d - date("1899-12-30")).num_days() as f64
}

fn assert_date_cell(range: &Range<Data>, row: u32, col: u32, expected: NaiveDate) {
    match cell(range, row, col) {
        Data::DateTime(dt) => {
            assert!(dt.is_datetime(), "({row}, {col}) is a date");
            assert_eq!(dt.as_f64(), serial(expected), "({row}, {col})");
        }
        other => panic!("cell ({row}, {col}) is not a date: {other:?}"),
    }
}

#[test]
fn the_fixture_has_the_flags_the_tests_rely_on() {
    let f = fixture();
    let flags: Vec<(bool, bool)> = f.doc.actions.iter().map(|v| (v.overdue, v.stale)).collect();
    assert_eq!(flags, [(true, false), (false, false), (false, false)]);
}

#[test]
fn workbook_has_the_tools_sheets_and_implementation_headings() {
    let mut wb = open(plan_xlsx(&fixture().doc).expect("workbook"));
    assert_eq!(
        wb.sheet_names(),
        [
            "Plan",
            "1 Priority areas",
            "2 Goals",
            "3 Implementation",
            "4 Monitoring"
        ]
    );
    let table = wb.worksheet_range("3 Implementation").expect("sheet");
    let headings: Vec<String> = (0..IMPLEMENTATION_COLUMNS.len() as u32)
        .map(|c| string(&table, 0, c))
        .collect();
    assert_eq!(headings, IMPLEMENTATION_COLUMNS);
    assert_eq!(
        &IMPLEMENTATION_COLUMNS[..6],
        [
            "Priority area",
            "Actions required",
            "How impact or progress is measured",
            "Expected outcome",
            "Timescale",
            "Lead"
        ]
    );
    assert_eq!(
        table.height(),
        1 + 3,
        "a heading row and one row per action"
    );
}

#[test]
fn implementation_sheet_holds_the_plans_values() {
    let f = fixture();
    let mut wb = open(plan_xlsx(&f.doc).expect("workbook"));
    let t = wb.worksheet_range("3 Implementation").expect("sheet");
    let statement = &f.doc.priorities[0].fields.statement;

    // Row 1: the overdue action.
    assert_eq!(&string(&t, 1, 0), statement);
    assert_eq!(string(&t, 1, 1), f.action(0).fields.description);
    assert_eq!(string(&t, 1, 2), "Number of events and attendees");
    assert_eq!(string(&t, 1, 3), "Barriers to referral understood");
    assert_eq!(string(&t, 1, 4), "01/01/2026 \u{2013} 31/03/2026");
    assert_eq!(cell(&t, 1, 5), &Data::Empty, "no lead named");
    assert_eq!(string(&t, 1, 6), "Community engagement lead");
    assert_eq!(
        string(&t, 1, 7),
        "-£2,000 from the events budget",
        "no CSV guard inside the workbook: it is a string cell"
    );
    assert_eq!(string(&t, 1, 8), "On track");
    assert_eq!(string(&t, 1, 9), "Yes", "overdue");
    assert_eq!(string(&t, 1, 10), "No", "not stale");

    // Row 2: the lead's name is included in the private export.
    assert_eq!(&string(&t, 2, 0), statement);
    assert_eq!(string(&t, 2, 5), "Amara Okafor");
    assert_eq!(string(&t, 2, 9), "No");

    // Row 3: the formula-like description is text, not a formula.
    assert_eq!(string(&t, 3, 0), f.doc.priorities[1].fields.statement);
    assert_eq!(string(&t, 3, 1), "=SUM(A1)");
    assert_eq!(string(&t, 3, 4), "\u{2013} 31/03/2027", "only an end date");

    let formulas = wb.worksheet_formula("3 Implementation").expect("formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell holds a formula: {:?}",
        formulas.used_cells().collect::<Vec<_>>()
    );
}

#[test]
fn other_sheets_hold_the_summary_priorities_goals_and_updates() {
    let f = fixture();
    let mut wb = open(plan_xlsx(&f.doc).expect("workbook"));

    let plan = wb.worksheet_range("Plan").expect("sheet");
    let summary: Vec<(String, Data)> = (0..plan.height() as u32)
        .map(|r| (string(&plan, r, 0), cell(&plan, r, 1).clone()))
        .collect();
    let value = |label: &str| {
        summary
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {label:?} row"))
    };
    let s = |v: &str| Data::String(v.into());
    assert_eq!(value("Organisation"), s(&f.doc.organisation_name));
    assert_eq!(value("Plan"), s("Community mental health"));
    assert_eq!(
        value("Service or directorate"),
        s("Adult community mental health teams")
    );
    assert_eq!(value("Owner"), s("Priya Shah"));
    assert_eq!(value("Status"), s("Active"));
    assert_eq!(value("Period covered"), s("01/04/2026 \u{2013} 31/03/2027"));
    assert_eq!(
        value("Created from template"),
        s("PCREF action-planning tool (four stages)")
    );
    let exported_row = summary
        .iter()
        .position(|(l, _)| l == "Exported on")
        .expect("exported on") as u32;
    assert_date_cell(&plan, exported_row, 1, date("2026-11-23"));

    let p = wb.worksheet_range("1 Priority areas").expect("sheet");
    assert_eq!(string(&p, 0, 0), "Priority area");
    assert_eq!(string(&p, 0, 4), "Communities consulted");
    assert_eq!(string(&p, 1, 0), f.doc.priorities[0].fields.statement);
    assert_eq!(
        string(&p, 1, 1),
        "H Asian or Asian British: Indian; J Asian or Asian British: Pakistani"
    );
    assert_eq!(string(&p, 1, 4), "Yes");
    assert_eq!(string(&p, 2, 1), "M Black or Black British: Caribbean");
    assert_eq!(string(&p, 2, 4), "No");
    assert_eq!(cell(&p, 2, 5), &Data::Empty);

    let g = wb.worksheet_range("2 Goals").expect("sheet");
    assert_eq!(string(&g, 0, 4), "Deadline");
    assert_eq!(string(&g, 1, 0), "Referrals match population share");
    assert_date_cell(&g, 1, 4, date("2027-03-31"));
    assert_date_cell(&g, 2, 4, date("2027-06-30"));
    assert_eq!(string(&g, 1, 5), "Cultural awareness; Co-production");
    assert_eq!(string(&g, 1, 6), "Data");
    assert_eq!(string(&g, 2, 6), "Leadership and governance");

    let m = wb.worksheet_range("4 Monitoring").expect("sheet");
    assert_date_cell(&m, 1, 0, date("2026-11-01"));
    assert_eq!(string(&m, 1, 1), f.action(1).fields.description);
    assert_eq!(string(&m, 1, 2), "On track");
    assert_eq!(string(&m, 1, 3), "Green");
    assert_eq!(string(&m, 1, 4), "Twelve practices trained");
    assert_date_cell(&m, 2, 0, date("2026-03-15"));
    assert_eq!(string(&m, 2, 1), f.action(0).fields.description);
    assert_eq!(string(&m, 2, 2), "At risk");
    assert_eq!(string(&m, 2, 3), "Amber");
    assert_eq!(
        string(&m, 2, 5),
        "https://intranet.example.nhs.uk/report.pdf"
    );
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    let doc = fixture().doc;
    assert_eq!(
        plan_xlsx(&doc).expect("workbook"),
        plan_xlsx(&doc).expect("workbook"),
        "dated by the export, not the clock"
    );
    assert_eq!(plan_csv(&doc).expect("csv"), plan_csv(&doc).expect("csv"));
}

#[test]
fn a_goal_without_a_deadline_has_a_blank_deadline_cell() {
    let mut doc = fixture().doc;
    doc.goals[1].fields.deadline = None;
    let mut wb = open(plan_xlsx(&doc).expect("workbook"));
    let g = wb.worksheet_range("2 Goals").expect("sheet");
    assert_date_cell(&g, 1, 4, date("2027-03-31"));
    assert_eq!(cell(&g, 2, 4), &Data::Empty);
    assert_eq!(string(&g, 2, 0), "Detention rates fall by a quarter");
}

#[test]
fn an_empty_plan_still_exports() {
    let mut doc = fixture().doc;
    doc.priorities.clear();
    doc.goals.clear();
    doc.actions.clear();
    doc.updates.clear();
    doc.plan.owner_name = None;
    doc.plan.template_name = None;
    doc.plan.fields.period_starts_on = None;
    doc.plan.fields.period_ends_on = None;
    let mut wb = open(plan_xlsx(&doc).expect("workbook"));
    let t = wb.worksheet_range("3 Implementation").expect("sheet");
    assert_eq!(t.height(), 1, "headings only");

    let csv = plan_csv(&doc).expect("csv");
    let mut reader = csv::Reader::from_reader(&csv[3..]);
    assert_eq!(reader.records().count(), 0);
}

#[test]
fn csv_is_the_implementation_table_with_a_bom_and_no_formulas() {
    let f = fixture();
    let bytes = plan_csv(&f.doc).expect("csv");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 byte-order mark");
    let body = &bytes[3..];
    assert!(
        std::str::from_utf8(body).expect("UTF-8").contains("\r\n"),
        "CRLF line ends"
    );

    let mut reader = csv::Reader::from_reader(body);
    let headings: Vec<String> = reader
        .headers()
        .expect("headings")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headings, IMPLEMENTATION_COLUMNS);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 3);

    let statement = &f.doc.priorities[0].fields.statement;
    assert_eq!(
        rows[0],
        [
            statement.as_str(),
            "Run listening events in community centres",
            "Number of events and attendees",
            "Barriers to referral understood",
            "2026-01-01 \u{2013} 2026-03-31",
            "",
            "Community engagement lead",
            "'-£2,000 from the events budget",
            "On track",
            "Yes",
            "No",
        ]
    );
    assert_eq!(rows[1][0], *statement);
    assert_eq!(rows[1][4], "2026-06-01 \u{2013} 2027-02-28");
    assert_eq!(rows[1][5], "Amara Okafor");
    assert_eq!(rows[1][9], "No");
    assert_eq!(rows[2][0], f.doc.priorities[1].fields.statement);
    assert_eq!(rows[2][1], "'=SUM(A1)", "formula defused");
    assert_eq!(rows[2][4], "\u{2013} 2027-03-31");
    assert_eq!(rows[2][7], "'@staff time");
    for row in &rows {
        for value in row {
            assert!(
                !value.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{value:?} could be read as a formula"
            );
        }
    }
}

#[test]
fn file_names_come_from_the_title_and_the_day_of_export() {
    let mut doc = fixture().doc;
    assert_eq!(
        plan_file_name(&doc, "xlsx"),
        "pcref-action-plan-community-mental-health-2026-11-23.xlsx"
    );
    assert_eq!(
        plan_file_name(&doc, "csv"),
        "pcref-action-plan-community-mental-health-2026-11-23.csv"
    );
    doc.plan.fields.title = "  Women's \"Wellbeing\" / Café Ŵyr: 2026–27 ../..\r\n".into();
    assert_eq!(
        plan_file_name(&doc, "CSV"),
        "pcref-action-plan-womens-wellbeing-cafe-wyr-2026-27-2026-11-23.csv"
    );
    doc.plan.fields.title = "心の健康".into();
    assert_eq!(
        plan_file_name(&doc, "xlsx"),
        "pcref-action-plan-2026-11-23.xlsx"
    );
    doc.plan.fields.title = "word ".repeat(100);
    let long = plan_file_name(&doc, "xlsx");
    assert!(long.len() <= "pcref-action-plan-".len() + 60 + "-2026-11-23.xlsx".len());
    assert!(long.ends_with("-word-2026-11-23.xlsx"), "{long}");
}
