//! `/api/v1/periods/{id}/rollup`, `/api/v1/periods/{id}/reports`, `/api/v1/reports/{id}` and
//! its formats, share links and `/shared/reports/{token}`: the roll-up of a reporting period
//! and the board reports issued from it (issue 7, points 2–5; the contract is
//! `rollup-contract.md`, the JSON shapes `pcref_domain::rollup`).
//!
//! - A known dataset, built through the API, whose roll-up is checked figure by figure.
//! - What moves a roll-up and what never moves an issued report; versions 1, 2….
//! - Issuing is audited and idempotent.
//! - No count about people between 1 and 7, in any format.
//! - Share links: created, opened without a token, revoked, expired; who may; the audit.
//! - The formats: board paper, CEO brief, CSV and XLSX.
//! - Who reads and who issues; 404 across alliances; 409 before a period starts.
//!
//! Dates are computed from today (UTC), so the tests pass on any day: the current period
//! runs from 40 days ago to 50 days ahead (its roll-up is taken as of today), the previous
//! one ends the day before it starts.

use std::collections::BTreeSet;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use pcref_e2e::{
    backend_tests, expect_invalid, expect_problem, expect_status, items, publish, random_id,
    str_field, Actor, Backend, TestApp, Workspace,
};
use pcref_store::DbConnection;
use reqwest::header::HeaderMap;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

const ALLIANCE_NAME: &str = "North West PCREF Alliance";
const RIVERSIDE: &str = "Riverside Mental Health NHS Trust";
const HILLSIDE: &str = "Hillside Partnership NHS Trust";
const MOORSIDE: &str = "Moorside Care NHS Trust";
const ASHFIELD: &str = "Ashfield Community NHS Trust";
const VCSE_NAME: &str = "Community Voices Together";
const ANONYMOUS_ROW: &str = "Providers publishing anonymously";
const ALLIANCE_ROW: &str = "The alliance as a whole";

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const SHEETS: [&str; 8] = [
    "Summary",
    "Providers",
    "Coverage",
    "Ethnic groups",
    "Joint projects",
    "Milestones",
    "Feedback",
    "Learning",
];
const CHARTS: [&str; 4] = [
    "status-bars",
    "competency-heatmap",
    "milestone-timeline",
    "feedback-funnel",
];
/// The headline figures, in order, with their units.
const HEADLINE: [(&str, &str); 12] = [
    ("published_plans", "count"),
    ("actions", "count"),
    ("percent_complete", "percent"),
    ("overdue_actions", "count"),
    ("stale_actions", "count"),
    ("joint_projects", "count"),
    ("milestones_done", "count"),
    ("milestones_overdue", "count"),
    ("feedback_received", "people"),
    ("feedback_closed", "people"),
    ("learning_items_shared", "count"),
    ("templates_adopted", "count"),
];

// ---- dates --------------------------------------------------------------------------------

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The day `n` days from today (negative: in the past), as `YYYY-MM-DD`.
fn day(n: i64) -> String {
    (today() + Duration::days(n)).to_string()
}

// ---- paths --------------------------------------------------------------------------------

fn periods_path(alliance_id: &str) -> String {
    format!("/api/v1/alliances/{alliance_id}/periods")
}

fn rollup_path(period_id: &str) -> String {
    format!("/api/v1/periods/{period_id}/rollup")
}

fn reports_path(period_id: &str) -> String {
    format!("/api/v1/periods/{period_id}/reports")
}

fn report_path(report_id: &str) -> String {
    format!("/api/v1/reports/{report_id}")
}

/// `board.html`, `ceo-brief.html`, `rollup.csv` or `rollup.xlsx` of a report.
fn format_path(report_id: &str, file: &str) -> String {
    format!("/api/v1/reports/{report_id}/{file}")
}

fn share_links_path(report_id: &str) -> String {
    format!("/api/v1/reports/{report_id}/share-links")
}

fn share_link_path(link_id: &str) -> String {
    format!("/api/v1/share-links/{link_id}")
}

/// What a share link opens: the board paper (`""`), or `/ceo-brief.html`, `/rollup.csv`,
/// `/rollup.xlsx`.
fn shared_path(token: &str, file: &str) -> String {
    format!("/shared/reports/{token}{file}")
}

fn audit_path(alliance_id: &str) -> String {
    format!("/api/v1/alliances/{alliance_id}/audit?limit=200")
}

fn projects_path(alliance_id: &str) -> String {
    format!("/api/v1/alliances/{alliance_id}/projects")
}

fn feedback_path(alliance_id: &str) -> String {
    format!("/api/v1/alliances/{alliance_id}/feedback")
}

/// The formats of a report, served under `/api/v1/reports/{id}/`.
const FORMATS: [&str; 4] = ["board.html", "ceo-brief.html", "rollup.csv", "rollup.xlsx"];
/// The same, opened through a share link.
const SHARED_FORMATS: [&str; 4] = ["", "/ceo-brief.html", "/rollup.csv", "/rollup.xlsx"];

// ---- raw answers --------------------------------------------------------------------------

/// A response read whole: status, headers and body bytes.
struct Fetched {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Fetched {
    async fn of(response: Response) -> Fetched {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body").to_vec();
        Fetched {
            status,
            headers,
            bytes,
        }
    }

    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    fn text(&self) -> String {
        String::from_utf8(self.bytes.clone()).expect("a text body is UTF-8")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    /// Asserts the status (showing the body otherwise).
    fn expect(self, status: StatusCode, what: &str) -> Fetched {
        assert_eq!(
            self.status,
            status,
            "{what}: {}",
            String::from_utf8_lossy(&self.bytes)
        );
        self
    }

    /// Asserts a problem+json answer with this status.
    fn expect_problem(self, status: StatusCode, what: &str) -> Value {
        let fetched = self.expect(status, what);
        let content_type = fetched.header("content-type");
        assert!(
            content_type.starts_with("application/problem+json"),
            "{what}: a problem, not {content_type:?}"
        );
        let problem = fetched.json();
        assert_eq!(
            problem["status"],
            json!(status.as_u16()),
            "{what}: {problem}"
        );
        problem
    }
}

async fn fetch(app: &TestApp, path: &str, token: Option<&str>) -> Fetched {
    Fetched::of(
        app.request(Method::GET, path, token)
            .send()
            .await
            .expect("GET"),
    )
    .await
}

// ---- the people and organisations ---------------------------------------------------------

/// The workspace's alliance (Riverside, with its admin, editors and viewer, and Hillside with
/// its editor), plus two more providers — Moorside, which publishes anonymously, and Ashfield,
/// which publishes nothing — a VCSE organisation with its admin and partner, and a board
/// member.
struct Alliance {
    ws: Workspace,
    moorside: String,
    moorside_editor: Actor,
    ashfield: String,
    vcse: String,
    vcse_admin: Actor,
    partner: Actor,
    board: Actor,
}

impl Alliance {
    async fn new(backend: Backend) -> Alliance {
        let ws = Workspace::new(backend).await;
        let app = &ws.app;
        let admin = &ws.alliance_admin;
        let moorside = app
            .create_organisation(admin, &ws.alliance_id, MOORSIDE, "provider")
            .await;
        let moorside_editor = app
            .add_member(
                admin,
                &ws.alliance_id,
                Some(&moorside),
                "mo.editor@moorside.example",
                "provider_editor",
            )
            .await;
        let ashfield = app
            .create_organisation(admin, &ws.alliance_id, ASHFIELD, "provider")
            .await;
        let vcse = app
            .create_organisation(admin, &ws.alliance_id, VCSE_NAME, "vcse")
            .await;
        let vcse_admin = app
            .add_member(
                admin,
                &ws.alliance_id,
                Some(&vcse),
                "val.admin@voices.example",
                "vcse_admin",
            )
            .await;
        let partner = app
            .add_member(
                &vcse_admin,
                &ws.alliance_id,
                Some(&vcse),
                "sam.partner@voices.example",
                "vcse_partner",
            )
            .await;
        let board = ws
            .alliance_member("bea.board@alliance.example", "board_member")
            .await;
        Alliance {
            ws,
            moorside,
            moorside_editor,
            ashfield,
            vcse,
            vcse_admin,
            partner,
            board,
        }
    }

    fn app(&self) -> &TestApp {
        &self.ws.app
    }

    fn alliance_admin(&self) -> &Actor {
        &self.ws.alliance_admin
    }

    /// One member of the alliance per role, the alliance admin among them.
    fn members(&self) -> [(&'static str, &Actor); 7] {
        [
            ("provider_admin", &self.ws.admin),
            ("provider_editor", &self.ws.editor),
            ("provider_viewer", &self.ws.viewer),
            ("vcse_admin", &self.vcse_admin),
            ("vcse_partner", &self.partner),
            ("alliance_admin", &self.ws.alliance_admin),
            ("board_member", &self.board),
        ]
    }

    /// Every member but the alliance admin.
    fn non_admins(&self) -> Vec<(&'static str, &Actor)> {
        self.members()
            .into_iter()
            .filter(|(role, _)| *role != "alliance_admin")
            .collect()
    }

    /// A period from `starts` to `ends` days from today, opened by the alliance admin: its id.
    async fn open_period(&self, label: &str, starts: i64, ends: i64) -> String {
        let period = self
            .app()
            .create(
                &periods_path(&self.ws.alliance_id),
                &self.alliance_admin().token,
                json!({ "label": label, "starts_on": day(starts), "ends_on": day(ends) }),
            )
            .await;
        str_field(&period, "id")
    }

    /// The previous period (130 to 41 days ago) and the current one (40 days ago to 50
    /// ahead): their ids.
    async fn two_periods(&self) -> (String, String) {
        let previous = self.open_period("Previous quarter", -130, -41).await;
        let current = self.open_period("Current quarter", -40, 50).await;
        (previous, current)
    }

    async fn rollup(&self, period_id: &str) -> Value {
        self.app()
            .get_ok(&rollup_path(period_id), &self.board.token)
            .await
    }

    /// Issues a report of the period as the alliance admin: 201 with its `Location`; the
    /// summary.
    async fn issue(&self, period_id: &str) -> Value {
        let response = issue_as(self.app(), self.alliance_admin(), period_id).await;
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let summary = expect_status(response, StatusCode::CREATED).await;
        let id = str_field(&summary, "id");
        assert_eq!(location, Some(report_path(&id)), "{summary}");
        summary
    }

    async fn report(&self, report_id: &str) -> Value {
        self.app()
            .get_ok(&report_path(report_id), &self.board.token)
            .await
    }

    /// The alliance's audit entries with this action, newest first.
    async fn audited(&self, action: &str) -> Vec<Value> {
        let page = self
            .app()
            .get_ok(
                &audit_path(&self.ws.alliance_id),
                &self.alliance_admin().token,
            )
            .await;
        items(&page)
            .into_iter()
            .filter(|e| e["action"] == action)
            .collect()
    }
}

/// `POST /periods/{id}/reports` (no body) as `who`: the raw answer.
async fn issue_as(app: &TestApp, who: &Actor, period_id: &str) -> Response {
    app.request(Method::POST, &reports_path(period_id), Some(&who.token))
        .send()
        .await
        .expect("issue a report")
}

// ---- building plans -----------------------------------------------------------------------

/// A plan in a provider's workspace, written by one of its editors.
struct Plan<'a> {
    app: &'a TestApp,
    token: String,
    id: String,
}

impl<'a> Plan<'a> {
    async fn new(app: &'a TestApp, editor: &Actor, organisation_id: &str, title: &str) -> Plan<'a> {
        let plan = app.create_plan(&editor.token, organisation_id, title).await;
        Plan {
            app,
            token: editor.token.clone(),
            id: str_field(&plan, "id"),
        }
    }

    /// A priority area naming these ethnic categories: its id.
    async fn priority(&self, statement: &str, codes: &[&str]) -> String {
        let priority = self
            .app
            .add_priority(&self.token, &self.id, statement, codes)
            .await;
        str_field(&priority, "id")
    }

    async fn goal(&self, statement: &str, competencies: &[&str], pillar: &str) {
        self.app
            .add_goal(&self.token, &self.id, statement, competencies, pillar)
            .await;
    }

    /// An action with this status, starting and ending these many days from today: its id.
    async fn action(
        &self,
        priority: &str,
        description: &str,
        status: &str,
        (starts, ends): (i64, i64),
    ) -> String {
        let action = self
            .app
            .add_action(
                &self.token,
                &self.id,
                priority,
                description,
                json!({ "status": status, "starts_on": day(starts), "ends_on": day(ends) }),
            )
            .await;
        assert_eq!(action["status"], status, "{action}");
        str_field(&action, "id")
    }

    /// A progress update with this status, reporting on the day `reported` days from today.
    async fn update(&self, action: &str, status: &str, reported: i64) {
        self.app
            .post_update(
                &self.token,
                action,
                status,
                Some(&day(reported)),
                "Progress reported to the steering group",
            )
            .await;
    }

    /// Previews and publishes the plan: the publication.
    async fn publish(&self, attribution: &str) -> Value {
        publish(self.app, &self.token, &self.id, attribution).await
    }
}

async fn withdraw(app: &TestApp, editor: &Actor, publication: &Value) {
    expect_status(
        app.post(
            &format!(
                "/api/v1/publications/{}/withdraw",
                str_field(publication, "id")
            ),
            &editor.token,
            json!({ "reason": "Published before the board signed it off" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
}

// ---- building joint projects --------------------------------------------------------------

/// A project led by `lead`, proposed by `who`, from `starts` to `ends` days from today: its
/// id.
async fn project(
    app: &TestApp,
    who: &Actor,
    alliance_id: &str,
    (title, lead, phase): (&str, &str, Option<&str>),
    (starts, ends): (i64, i64),
) -> String {
    let mut body = json!({
        "title": title,
        "aim": {
            "statement": "Halve the gap in detention rates for Black adults",
            "measure": "Detentions per 100,000 adults, by ethnic category",
            "target": "1.7 times the White British rate",
            "deadline": day(365),
        },
        "lead_organisation_id": lead,
        "ethnic_categories": ["M", "N"],
        "competencies": ["co_production"],
        "pillar": "data",
        "starts_on": day(starts),
        "ends_on": day(ends),
    });
    if let Some(phase) = phase {
        body["phase"] = json!(phase);
    }
    let created = app
        .create(&projects_path(alliance_id), &who.token, body)
        .await;
    str_field(&created, "id")
}

/// A milestone due `due` days from today, done `done` days from today if given.
async fn milestone(
    app: &TestApp,
    who: &Actor,
    project_id: &str,
    title: &str,
    due: i64,
    done: Option<i64>,
) {
    let mut body = json!({ "title": title, "due_on": day(due) });
    if let Some(done) = done {
        body["done_on"] = json!(day(done));
    }
    app.create(
        &format!("/api/v1/projects/{project_id}/milestones"),
        &who.token,
        body,
    )
    .await;
}

/// An update with this RAG reporting on the day `reported` days from today, moving the
/// project to `phase` if given.
async fn project_update(
    app: &TestApp,
    who: &Actor,
    project_id: &str,
    rag: &str,
    reported: i64,
    phase: Option<&str>,
) {
    let mut body = json!({
        "rag": rag,
        "narrative": "The listening events are booked with community partners",
        "reported_on": day(reported),
    });
    if let Some(phase) = phase {
        body["phase"] = json!(phase);
    }
    app.create(
        &format!("/api/v1/projects/{project_id}/updates"),
        &who.token,
        body,
    )
    .await;
}

/// Moves a project to `phase` (entered today), as `who` (the lead's admin).
async fn move_project(app: &TestApp, who: &Actor, project_id: &str, phase: &str) {
    let path = format!("/api/v1/projects/{project_id}");
    let (_, tag) = app.read_tagged(&path, &who.token).await;
    expect_status(
        app.patch(&path, &who.token, Some(&tag), json!({ "phase": phase }))
            .await,
        StatusCode::OK,
    )
    .await;
}

// ---- building feedback --------------------------------------------------------------------

/// Feedback about a provider (or the alliance, for `None`), submitted by a VCSE partner and
/// taken through its loop by whoever answers it.
struct Feedback<'a> {
    app: &'a TestApp,
    alliance_id: &'a str,
    partner: &'a Actor,
}

impl Feedback<'_> {
    /// Submits an item received `received` days from today and takes it `steps` steps along
    /// (1 acknowledged, 2 responded, 3 closed), answered by `answerer`.
    async fn item(&self, about: Option<&str>, received: i64, steps: usize, answerer: &Actor) {
        let created = self
            .app
            .create(
                &feedback_path(self.alliance_id),
                &self.partner.token,
                json!({
                    "about_organisation_id": about,
                    "theme": "Interpreters at night",
                    "ethnic_categories": ["K", "J"],
                    "channel": "community_event",
                    "summary": "Mothers at the women's group said no interpreter was offered at night assessments.",
                    "received_on": day(received),
                }),
            )
            .await;
        let id = str_field(&created, "id");
        if steps >= 1 {
            self.step(answerer, &id, "acknowledge", json!({})).await;
        }
        if steps >= 2 {
            let response = self
                .app
                .post(
                    &format!("/api/v1/feedback/{id}/responses"),
                    &answerer.token,
                    json!({ "text": "We now book an interpreter before every night assessment." }),
                )
                .await;
            expect_status(response, StatusCode::CREATED).await;
        }
        if steps >= 3 {
            self.step(answerer, &id, "close", json!({})).await;
        }
    }

    async fn step(&self, who: &Actor, id: &str, step: &str, body: Value) {
        let response = self
            .app
            .post(&format!("/api/v1/feedback/{id}/{step}"), &who.token, body)
            .await;
        expect_status(response, StatusCode::OK).await;
    }

    /// `n` items received on the given days (one per day listed, cycling), of which the first
    /// `acknowledged` are acknowledged, the first `responded` responded to and the first
    /// `closed` closed.
    async fn items(
        &self,
        about: Option<&str>,
        received: &[i64],
        (acknowledged, responded, closed): (usize, usize, usize),
        answerer: &Actor,
    ) {
        for (i, &on) in received.iter().enumerate() {
            let steps = if i < closed {
                3
            } else if i < responded {
                2
            } else if i < acknowledged {
                1
            } else {
                0
            };
            self.item(about, on, steps, answerer).await;
        }
    }
}

// ---- learning and templates ---------------------------------------------------------------

async fn learning_item(
    app: &TestApp,
    who: &Actor,
    alliance_id: &str,
    title: &str,
    categories: &[&str],
    attribution: &str,
) -> Value {
    app.create(
        &format!("/api/v1/alliances/{alliance_id}/learning"),
        &who.token,
        json!({
            "title": title,
            "categories": categories,
            "competencies": ["co_production"],
            "ethnic_categories": ["M", "N"],
            "summary": "Peer support workers from local churches joined the crisis team's evening shifts.",
            "reflections": "Families said they felt listened to; repeat crisis contacts fell over two quarters.",
            "attribution": attribution,
        }),
    )
    .await
}

/// `owner`'s editor saves a template from the plan and shares it; `adopter`'s editor adopts
/// it.
async fn share_and_adopt(
    app: &TestApp,
    (owner, owner_editor): (&str, &Actor),
    plan_id: &str,
    name: &str,
    (adopter, adopter_editor): (&str, &Actor),
) {
    let template = app
        .create(
            &format!("/api/v1/organisations/{owner}/templates"),
            &owner_editor.token,
            json!({ "from_plan_id": plan_id, "name": name }),
        )
        .await;
    let id = str_field(&template, "id");
    expect_status(
        app.post(
            &format!("/api/v1/templates/{id}/share"),
            &owner_editor.token,
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        app.post(
            &format!("/api/v1/templates/{id}/adopt"),
            &adopter_editor.token,
            json!({ "organisation_id": adopter }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

// ---- expected values ----------------------------------------------------------------------

const COMPETENCIES: [(&str, &str); 8] = [
    ("cultural_awareness", "Cultural awareness"),
    ("partnership_working", "Partnership working"),
    ("workforce", "Workforce"),
    (
        "staff_knowledge_and_awareness",
        "Staff knowledge and awareness",
    ),
    ("co_learning", "Co-learning"),
    ("co_production", "Co-production"),
    ("trauma_informed_care", "Trauma-informed care"),
    ("intersectionality", "Intersectionality"),
];

const PILLARS: [(&str, &str); 3] = [
    ("leadership_and_governance", "Leadership and governance"),
    ("data", "Data"),
    ("patient_and_carer_feedback", "Patient and carer feedback"),
];

const PHASES: [(&str, &str); 5] = [
    ("intelligence_gathering", "Intelligence gathering"),
    ("analysis_and_interpretation", "Analysis and interpretation"),
    ("defining_problems", "Defining problems"),
    ("co_designing_solutions", "Co-designing solutions"),
    ("critical_actions", "Critical actions"),
];

const CATEGORIES: [(&str, &str); 5] = [
    ("finance", "Finance"),
    ("quality_improvement", "Quality improvement"),
    ("safety", "Safety"),
    (
        "community_trust_and_engagement",
        "Community trust and engagement",
    ),
    ("recruitment_and_retention", "Recruitment and retention"),
];

/// A row of the provider tables: a named provider, or (for `None`) the anonymous group.
fn provider(named: Option<(&str, &str)>) -> Value {
    match named {
        Some((label, id)) => json!({ "label": label, "organisation_id": id, "anonymous": false }),
        None => json!({ "label": ANONYMOUS_ROW, "organisation_id": null, "anonymous": true }),
    }
}

/// Actions by status: not started, on track, at risk, off track, complete, dropped.
fn statuses(counts: [u32; 6]) -> Value {
    let [not_started, on_track, at_risk, off_track, complete, dropped] = counts;
    json!({
        "not_started": not_started,
        "on_track": on_track,
        "at_risk": at_risk,
        "off_track": off_track,
        "complete": complete,
        "dropped": dropped,
        "total": counts.iter().sum::<u32>(),
    })
}

fn progress(
    row: Value,
    plans: u32,
    actions: [u32; 6],
    percent: Option<f64>,
    (overdue, stale): (u32, u32),
) -> Value {
    json!({
        "provider": row,
        "published_plans": plans,
        "actions": statuses(actions),
        "percent_complete": percent,
        "overdue": overdue,
        "stale": stale,
    })
}

fn cells(keys: &[(&str, &str)], goals: &[u32]) -> Value {
    assert_eq!(keys.len(), goals.len());
    Value::Array(
        keys.iter()
            .zip(goals)
            .map(|((key, label), goals)| json!({ "key": key, "label": label, "goals": goals }))
            .collect(),
    )
}

fn coverage_row(row: Value, competencies: [u32; 8], pillars: [u32; 3]) -> Value {
    json!({
        "provider": row,
        "competencies": cells(&COMPETENCIES, &competencies),
        "pillars": cells(&PILLARS, &pillars),
    })
}

fn ethnic_group(
    code: &str,
    label: &str,
    broad: Option<&str>,
    priorities: u32,
    providers: u32,
) -> Value {
    json!({
        "code": code,
        "label": label,
        "broad_group": broad,
        "priorities": priorities,
        "providers": providers,
    })
}

/// A count about people as shown: `*` (suppressed) or the number.
fn people(shown: &str) -> Value {
    match shown {
        "*" => json!({ "value": null, "shown": "*" }),
        n => json!({ "value": n.parse::<u64>().expect("a count"), "shown": n }),
    }
}

/// A feedback row: received, acknowledged, responded, closed as shown.
fn feedback_row(
    label: &str,
    organisation_id: Option<&str>,
    shown: [&str; 4],
    median: Option<f64>,
) -> Value {
    json!({
        "label": label,
        "organisation_id": organisation_id,
        "received": people(shown[0]),
        "acknowledged": people(shown[1]),
        "responded": people(shown[2]),
        "closed": people(shown[3]),
        "median_days_to_first_response": median,
    })
}

fn milestone_in_period(title: &str, due: i64, done: Option<i64>, state: &str) -> Value {
    json!({
        "title": title,
        "due_on": day(due),
        "done_on": done.map(day),
        "state": state,
    })
}

fn category_counts(counts: [u32; 5]) -> Value {
    Value::Array(
        CATEGORIES
            .iter()
            .zip(counts)
            .map(|((key, label), items)| json!({ "key": key, "label": label, "items": items }))
            .collect(),
    )
}

fn period_ref(id: &str, label: &str, starts: i64, ends: i64) -> Value {
    json!({ "id": id, "label": label, "starts_on": day(starts), "ends_on": day(ends) })
}

fn median(mut days: Vec<i64>) -> f64 {
    days.sort_unstable();
    let mid = days.len() / 2;
    if days.len() % 2 == 1 {
        days[mid] as f64
    } else {
        (days[mid - 1] + days[mid]) as f64 / 2.0
    }
}

/// One expected headline figure: value, previous, change (`None`: null).
struct Figure {
    value: Option<f64>,
    shown: &'static str,
    previous: Option<f64>,
    change: Option<f64>,
}

fn figure(value: Option<f64>, shown: &'static str, previous: Option<f64>) -> Figure {
    Figure {
        value,
        shown,
        previous,
        // One decimal, as percentages are given.
        change: value
            .zip(previous)
            .map(|(v, p)| ((v - p) * 10.0).round() / 10.0),
    }
}

/// Asserts the headline: the twelve keys in order with their units, and each figure.
fn assert_headline(headline: &Value, expected: &[Figure; 12]) {
    let figures = headline.as_array().expect("a headline list");
    let keys: Vec<&str> = figures
        .iter()
        .map(|f| f["key"].as_str().expect("a key"))
        .collect();
    let wanted: Vec<&str> = HEADLINE.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, wanted, "the headline's keys, in order");
    for ((got, (key, unit)), want) in figures.iter().zip(HEADLINE).zip(expected) {
        assert_eq!(got["unit"], unit, "{key}: {got}");
        assert!(
            got["label"].as_str().is_some_and(|l| !l.trim().is_empty()),
            "{key} has a label: {got}"
        );
        assert_eq!(got["value"].as_f64(), want.value, "{key} value: {got}");
        assert_eq!(
            got["previous"].as_f64(),
            want.previous,
            "{key} previous: {got}"
        );
        assert_eq!(got["change"].as_f64(), want.change, "{key} change: {got}");
        let shown = got["shown"].as_str().expect("shown");
        let shown = if unit == "percent" {
            shown.trim_end_matches('%').trim_end()
        } else {
            shown
        };
        assert_eq!(shown, want.shown, "{key} shown: {got}");
    }
}

/// `value` without `key` (for comparing everything else).
fn without(value: &Value, key: &str) -> Value {
    let mut copy = value.clone();
    copy.as_object_mut().expect("an object").remove(key);
    copy
}

// ---- 1. a known dataset, every figure ----------------------------------------------------

/// What the known dataset's checks need to know.
struct Known {
    older: String,
    previous: String,
    current: String,
    /// Riverside's plan published twice, and its priority area.
    crisis_plan: String,
    crisis_priority: String,
    /// Hillside's action updated exactly a cycle ago.
    on_cycle: String,
    crisis_cafe: String,
    interpreters: String,
}

/// Builds the known dataset through the API. Every figure of the current period's roll-up
/// follows from it (see `a_known_dataset_rolls_up_exactly`).
async fn build_known_dataset(a: &Alliance) -> Known {
    let app = a.app();
    let ws = &a.ws;
    let alliance = app
        .get_ok(
            &format!("/api/v1/alliances/{}", ws.alliance_id),
            &a.alliance_admin().token,
        )
        .await;
    assert_eq!(
        alliance["reporting_cycle_days"], 90,
        "the dataset assumes a 90-day reporting cycle"
    );

    // Periods: an older one (with nothing in it), the previous and the current one.
    let older = a.open_period("Older quarter", -300, -211).await;
    let (previous, current) = a.two_periods().await;

    // Riverside, named. "Crisis care" is published twice: only version 2 counts.
    let crisis = Plan::new(
        app,
        &ws.editor,
        &ws.provider,
        "Crisis care for Black adults",
    )
    .await;
    let p = crisis
        .priority(
            "Earlier crisis support for Caribbean and African adults",
            &["M", "N"],
        )
        .await;
    crisis
        .goal(
            "Co-produce the crisis pathway",
            &["co_production", "partnership_working"],
            "leadership_and_governance",
        )
        .await;
    // Starts after today: neither overdue nor stale.
    crisis
        .action(&p, "Open a crisis café", "not_started", (10, 100))
        .await;
    // Its latest update reported 100 days ago: stale (100 > 90).
    let stale = crisis
        .action(&p, "Train peer supporters", "on_track", (-120, 60))
        .await;
    crisis.update(&stale, "on_track", -100).await;
    // Ended 5 days ago, not finished: overdue.
    crisis
        .action(&p, "Recruit community navigators", "at_risk", (-60, -5))
        .await;
    // Finished: neither overdue nor stale, though it ended 10 days ago.
    crisis
        .action(
            &p,
            "Map crisis referrals by ethnic group",
            "complete",
            (-90, -10),
        )
        .await;
    let first = crisis.publish("named").await;
    assert_eq!(first["version"], 1, "{first}");
    crisis
        .goal(
            "Every crisis team trained in cultural awareness",
            &["cultural_awareness"],
            "data",
        )
        .await;
    crisis
        .action(&p, "Pilot a text-based crisis line", "dropped", (-90, -10))
        .await;
    let second = crisis.publish("named").await;
    assert_eq!(second["version"], 2, "{second}");

    // Riverside's "Talking therapies" is published and withdrawn: it does not count.
    let talking = Plan::new(app, &ws.editor, &ws.provider, "Talking therapies access").await;
    let t = talking
        .priority("Talking therapies for Chinese elders", &["R"])
        .await;
    talking
        .goal(
            "Partner with Chinese community centres",
            &["partnership_working"],
            "patient_and_carer_feedback",
        )
        .await;
    talking
        .action(
            &t,
            "Translate the self-referral form",
            "on_track",
            (-30, 30),
        )
        .await;
    let withdrawn = talking.publish("named").await;
    withdraw(app, &ws.editor, &withdrawn).await;

    // Riverside's draft, never published: it does not count (a template is saved from it).
    let draft = Plan::new(
        app,
        &ws.editor,
        &ws.provider,
        "Inpatient experience (draft)",
    )
    .await;
    let d = draft
        .priority("Inpatient experience of Indian women", &["H"])
        .await;
    draft
        .goal(
            "Staff understand what Indian women told us",
            &["staff_knowledge_and_awareness"],
            "data",
        )
        .await;
    draft
        .action(
            &d,
            "Hold listening events on the wards",
            "off_track",
            (-60, -1),
        )
        .await;

    // Hillside, named.
    let engagement = Plan::new(
        app,
        &ws.other_editor,
        &ws.other_provider,
        "Community engagement",
    )
    .await;
    let h = engagement
        .priority(
            "Bangladeshi and Pakistani families in early intervention",
            &["K", "J"],
        )
        .await;
    let h2 = engagement
        .priority("African men in crisis care", &["N"])
        .await;
    engagement
        .goal(
            "Culturally aware, diverse, intersectional workforce",
            &["cultural_awareness", "workforce", "intersectionality"],
            "patient_and_carer_feedback",
        )
        .await;
    engagement
        .goal("Co-produce the referral route", &["co_production"], "data")
        .await;
    // Ended yesterday, off track and last updated 95 days ago: overdue and stale.
    let late = engagement
        .action(
            &h,
            "Family liaison workers in post",
            "off_track",
            (-200, -1),
        )
        .await;
    engagement.update(&late, "off_track", -95).await;
    // Completed by an update 100 days ago: never stale.
    let done = engagement
        .action(&h, "Translated leaflets", "on_track", (-200, 30))
        .await;
    engagement.update(&done, "complete", -100).await;
    // Starts in 5 days, its last update 120 days ago: not stale (it has not started).
    let later = engagement
        .action(&h2, "Crisis café in the mosque", "not_started", (5, 60))
        .await;
    engagement.update(&later, "not_started", -120).await;
    // Updated exactly 90 days ago: not stale (90 is not more than 90).
    let on_cycle = engagement
        .action(&h2, "Peer navigators", "on_track", (-200, 60))
        .await;
    engagement.update(&on_cycle, "on_track", -90).await;
    engagement
        .action(
            &h2,
            "Staff training with the mosque",
            "complete",
            (-100, -50),
        )
        .await;
    engagement.publish("named").await;

    // Moorside, anonymously: two plans whose only actions were dropped.
    for (title, codes, goal, competencies, pillar) in [
        (
            "Trauma-informed crisis care",
            &["N", "Z"][..],
            "Trauma-informed care on every ward",
            &["trauma_informed_care"][..],
            "data",
        ),
        (
            "Learning with communities",
            &["S"][..],
            "Co-learning with community groups",
            &["co_learning", "staff_knowledge_and_awareness"][..],
            "leadership_and_governance",
        ),
    ] {
        let plan = Plan::new(app, &a.moorside_editor, &a.moorside, title).await;
        let priority = plan.priority(&format!("{title}: priority"), codes).await;
        plan.goal(goal, competencies, pillar).await;
        plan.action(
            &priority,
            &format!("{title}: first step"),
            "dropped",
            (-60, -10),
        )
        .await;
        let published = plan.publish("anonymous").await;
        assert_eq!(published["attribution"], "anonymous", "{published}");
    }

    // Another alliance's plan, published: nothing of it counts here.
    let (_, far_provider, far_editor) = app.another_alliance().await;
    let far = Plan::new(app, &far_editor, &far_provider, "Far away plan").await;
    let f = far.priority("Far away priority", &["A"]).await;
    far.goal("Far away goal", &["workforce"], "data").await;
    far.action(&f, "Far away action", "complete", (-10, -5))
        .await;
    far.publish("named").await;

    // Joint projects.
    let crisis_cafe = project(
        app,
        &ws.editor,
        &ws.alliance_id,
        ("Crisis café co-design", &ws.provider, None),
        (-60, 200),
    )
    .await;
    for (title, due, done) in [
        ("Listening events held", -50, Some(-45)),
        ("Funding agreed", -49, Some(-35)),
        ("Baseline data shared", -60, None),
        ("Community panel recruited", -30, Some(-10)),
        ("Draft pathway agreed", -20, None),
        ("Pathway launched", 30, None),
        ("Evaluation report", 100, None),
    ] {
        milestone(app, &ws.editor, &crisis_cafe, title, due, done).await;
    }
    project_update(app, &ws.editor, &crisis_cafe, "green", -50, None).await;
    project_update(app, &ws.editor, &crisis_cafe, "amber", -20, None).await;
    project_update(
        app,
        &ws.editor,
        &crisis_cafe,
        "red",
        0,
        Some("analysis_and_interpretation"),
    )
    .await;
    move_project(app, &ws.admin, &crisis_cafe, "defining_problems").await;

    let interpreters = project(
        app,
        &ws.other_editor,
        &ws.alliance_id,
        (
            "Interpreter access review",
            &ws.other_provider,
            Some("critical_actions"),
        ),
        (-10, 20),
    )
    .await;
    milestone(
        app,
        &ws.other_editor,
        &interpreters,
        "Interpreter rota agreed",
        10,
        None,
    )
    .await;
    // Before the previous period, and after the current one: never listed.
    project(
        app,
        &ws.editor,
        &ws.alliance_id,
        ("Outreach long ago", &ws.provider, None),
        (-300, -150),
    )
    .await;
    project(
        app,
        &ws.editor,
        &ws.alliance_id,
        ("Pilot next year", &ws.provider, None),
        (60, 200),
    )
    .await;

    // Feedback. In the current period (received from 40 days ago): Riverside 13 received
    // (one on the period's first day), 11 acknowledged, 9 responded; Hillside 3, 3, 2, 1;
    // the alliance as a whole 9, 9, 8, 8; Moorside and Ashfield none. In the previous
    // period: 12 about Riverside (one on its last day), none answered.
    let feedback = Feedback {
        app,
        alliance_id: &ws.alliance_id,
        partner: &a.partner,
    };
    let mut riverside_days: Vec<i64> = (1..=12).map(|n| -2 * n).collect();
    riverside_days.push(-40);
    feedback
        .items(Some(&ws.provider), &riverside_days, (11, 9, 0), &ws.editor)
        .await;
    feedback
        .items(
            Some(&ws.other_provider),
            &[-30, -31, -32],
            (3, 2, 1),
            &ws.other_editor,
        )
        .await;
    let alliance_days: Vec<i64> = (1..=9).map(|n| -3 * n).collect();
    feedback
        .items(None, &alliance_days, (9, 8, 8), a.alliance_admin())
        .await;
    let mut previous_days = vec![-60; 11];
    previous_days.push(-41);
    feedback
        .items(Some(&ws.provider), &previous_days, (0, 0, 0), &ws.editor)
        .await;

    // Learning, all shared today: three items, one template adopted.
    learning_item(
        app,
        &ws.editor,
        &ws.alliance_id,
        "Peer support on the crisis team",
        &["community_trust_and_engagement", "safety"],
        "named",
    )
    .await;
    learning_item(
        app,
        &a.partner,
        &ws.alliance_id,
        "Listening circles in community centres",
        &["quality_improvement"],
        "anonymous",
    )
    .await;
    learning_item(
        app,
        &ws.other_editor,
        &ws.alliance_id,
        "Safer night assessments",
        &["safety"],
        "named",
    )
    .await;
    share_and_adopt(
        app,
        (&ws.provider, &ws.editor),
        &draft.id,
        "Inpatient experience template",
        (&ws.other_provider, &ws.other_editor),
    )
    .await;

    Known {
        older,
        previous,
        current,
        crisis_plan: crisis.id.clone(),
        crisis_priority: p,
        on_cycle,
        crisis_cafe,
        interpreters,
    }
}

/// The current period's roll-up of the known dataset, figure by figure, as the contract's
/// "How every figure is computed" has it; then a draft change moves nothing.
async fn a_known_dataset_rolls_up_exactly(backend: Backend) {
    let a = Alliance::new(backend).await;
    let ws = &a.ws;
    let app = a.app();
    let known = build_known_dataset(&a).await;
    let rollup = a.rollup(&known.current).await;

    assert_eq!(rollup["alliance_id"], json!(ws.alliance_id));
    assert_eq!(rollup["alliance_name"], ALLIANCE_NAME);
    assert_eq!(
        rollup["period"],
        period_ref(&known.current, "Current quarter", -40, 50)
    );
    // The latest period ending before this one starts: not the older one.
    assert_eq!(
        rollup["previous_period"],
        period_ref(&known.previous, "Previous quarter", -130, -41)
    );
    assert_eq!(
        rollup["as_of"],
        json!(day(0)),
        "a running period: as of today"
    );

    // Providers: named ones by name, then the anonymous group.
    let riverside = provider(Some((RIVERSIDE, &ws.provider)));
    let hillside = provider(Some((HILLSIDE, &ws.other_provider)));
    let anonymous = provider(None);
    assert_eq!(
        rollup["providers"],
        json!([
            // 1 complete of 5 not dropped = 40.0; overdue: "Family liaison workers"; stale: the
            // same (95 days).
            progress(hillside.clone(), 1, [1, 1, 0, 1, 2, 0], Some(40.0), (1, 1)),
            // Version 2 only: 1 complete of 4 not dropped = 25.0; overdue: "Recruit community
            // navigators"; stale: "Train peer supporters" (100 days).
            progress(riverside.clone(), 1, [1, 1, 1, 0, 1, 1], Some(25.0), (1, 1)),
            // Every action dropped: no percentage.
            progress(anonymous.clone(), 2, [0, 0, 0, 0, 0, 2], None, (0, 0)),
        ]),
        "providers"
    );
    let text = rollup["providers"].to_string() + &rollup["coverage"].to_string();
    assert!(
        !text.contains(MOORSIDE) && !text.contains(&a.moorside),
        "the anonymous group names nobody: {text}"
    );

    assert_eq!(
        rollup["coverage"]["rows"],
        json!([
            coverage_row(hillside, [1, 0, 1, 0, 0, 1, 0, 1], [0, 1, 1]),
            coverage_row(riverside, [1, 1, 0, 0, 0, 1, 0, 0], [1, 1, 0]),
            coverage_row(anonymous, [0, 0, 0, 1, 1, 0, 1, 0], [1, 1, 0]),
        ]),
        "coverage rows"
    );
    // Not R (withdrawn) nor H (a draft) nor A (another alliance).
    assert_eq!(
        rollup["coverage"]["ethnic_groups"],
        json!([
            ethnic_group(
                "J",
                "Asian or Asian British: Pakistani",
                Some("asian"),
                1,
                1
            ),
            ethnic_group(
                "K",
                "Asian or Asian British: Bangladeshi",
                Some("asian"),
                1,
                1
            ),
            ethnic_group(
                "M",
                "Black or Black British: Caribbean",
                Some("black"),
                1,
                1
            ),
            ethnic_group("N", "Black or Black British: African", Some("black"), 3, 3),
            ethnic_group(
                "S",
                "Other ethnic groups: any other ethnic group",
                Some("other"),
                1,
                1
            ),
            ethnic_group("Z", "Not stated", None, 1, 1),
        ]),
        "ethnic groups"
    );

    // Joint projects under way in the period, by title.
    let projects = &rollup["projects"];
    assert_eq!(
        projects["projects"],
        json!([
            {
                "id": known.crisis_cafe,
                "title": "Crisis café co-design",
                "lead_organisation": RIVERSIDE,
                // Moved by an update today, then again by a change today: the latest.
                "phase": "defining_problems",
                "phase_label": "Defining problems",
                "rag": "red",
                // 20 days ago and today; not 50 days ago.
                "updates_in_period": 2,
                // Due 30 and 20 days ago, and in 30 days.
                "milestones_due": 3,
                // Done 35 and 10 days ago.
                "milestones_done": 2,
                // Due 60 and 20 days ago, not done.
                "milestones_overdue": 2,
                "milestones": [
                    milestone_in_period("Baseline data shared", -60, None, "overdue"),
                    milestone_in_period("Funding agreed", -49, Some(-35), "done"),
                    milestone_in_period("Community panel recruited", -30, Some(-10), "done"),
                    milestone_in_period("Draft pathway agreed", -20, None, "overdue"),
                    milestone_in_period("Pathway launched", 30, None, "due"),
                ],
            },
            {
                "id": known.interpreters,
                "title": "Interpreter access review",
                "lead_organisation": HILLSIDE,
                "phase": "critical_actions",
                "phase_label": "Critical actions",
                "rag": null,
                "updates_in_period": 0,
                "milestones_due": 1,
                "milestones_done": 0,
                "milestones_overdue": 0,
                "milestones": [milestone_in_period("Interpreter rota agreed", 10, None, "due")],
            },
        ]),
        "projects"
    );
    let by_phase: Vec<Value> = PHASES
        .iter()
        .map(|(phase, label)| {
            let n = u32::from(*phase == "defining_problems" || *phase == "critical_actions");
            json!({ "phase": phase, "label": label, "projects": n })
        })
        .collect();
    assert_eq!(projects["by_phase"], json!(by_phase), "projects by phase");
    assert_eq!(
        without(&without(projects, "projects"), "by_phase"),
        json!({ "milestones_due": 4, "milestones_done": 2, "milestones_overdue": 2 }),
        "projects' totals"
    );

    // Feedback: cumulative by today, under disclosure control. Riverside [13, 11, 9, 0] →
    // [15, 10, 10, 0]; Hillside [3, 3, 2, 1] all suppressed; the alliance [9, 9, 8, 8] all
    // suppressed too (secondary: otherwise Hillside's could be worked out from the columns).
    // Medians: Riverside's 9 responses came 2, 4, … 18 days after receipt; every row with a
    // suppressed or zero `responded` has none; the total's is over all 19 responses.
    let riverside_median = median((1..=9).map(|n| 2 * n).collect());
    assert_eq!(riverside_median, 10.0);
    let every_response: Vec<i64> = (1..=9)
        .map(|n| 2 * n)
        .chain([30, 31])
        .chain((1..=8).map(|n| 3 * n))
        .collect();
    let total_median = median(every_response);
    assert_eq!(total_median, 12.0);
    let feedback = &rollup["feedback"];
    assert_eq!(
        feedback["rows"],
        json!([
            feedback_row(ASHFIELD, Some(&a.ashfield), ["0", "0", "0", "0"], None),
            feedback_row(
                HILLSIDE,
                Some(&ws.other_provider),
                ["*", "*", "*", "*"],
                None
            ),
            feedback_row(MOORSIDE, Some(&a.moorside), ["0", "0", "0", "0"], None),
            feedback_row(
                RIVERSIDE,
                Some(&ws.provider),
                ["15", "10", "10", "0"],
                Some(riverside_median)
            ),
            feedback_row(ALLIANCE_ROW, None, ["*", "*", "*", "*"], None),
        ]),
        "feedback rows"
    );
    // Column totals 25, 23, 19, 9.
    assert_eq!(
        without(&feedback["total"], "label"),
        without(
            &feedback_row("", None, ["25", "25", "20", "10"], Some(total_median)),
            "label"
        ),
        "feedback totals"
    );
    assert!(
        feedback["total"]["label"].is_string(),
        "{}",
        feedback["total"]
    );

    // Learning shared in the period, newest first; the template adopted.
    assert_eq!(
        rollup["learning"],
        json!({
            "items_shared": 3,
            "by_category": category_counts([0, 1, 2, 1, 0]),
            "items": [
                { "title": "Safer night assessments", "shared_by": HILLSIDE, "shared_on": day(0) },
                {
                    "title": "Listening circles in community centres",
                    "shared_by": format!("A partner in {ALLIANCE_NAME}"),
                    "shared_on": day(0),
                },
                { "title": "Peer support on the crisis team", "shared_by": RIVERSIDE, "shared_on": day(0) },
            ],
            "templates_adopted": 1,
            "adoptions": [{
                "template_name": "Inpatient experience template",
                "adopted_by": HILLSIDE,
                "adopted_on": day(0),
            }],
        }),
        "learning"
    );

    // The headline, with the previous period's figures: nothing was published by then (every
    // publication is today's), the crisis café was under way with one milestone done and two
    // overdue (one done only later), and 12 items were received (shown as 10).
    assert_headline(
        &rollup["headline"],
        &[
            figure(Some(4.0), "4", Some(0.0)),
            figure(Some(12.0), "12", Some(0.0)),
            // 3 complete of 9 not dropped; nothing to divide before.
            figure(Some(33.3), "33.3", None),
            figure(Some(2.0), "2", Some(0.0)),
            figure(Some(2.0), "2", Some(0.0)),
            figure(Some(2.0), "2", Some(1.0)),
            figure(Some(2.0), "2", Some(1.0)),
            figure(Some(2.0), "2", Some(2.0)),
            figure(Some(25.0), "25", Some(10.0)),
            figure(Some(10.0), "10", Some(0.0)),
            figure(Some(3.0), "3", Some(0.0)),
            figure(Some(1.0), "1", Some(0.0)),
        ],
    );

    // The previous period's own roll-up agrees with the figures the current one quotes.
    let before = a.rollup(&known.previous).await;
    assert_eq!(before["as_of"], json!(day(-41)));
    assert_eq!(
        before["previous_period"],
        period_ref(&known.older, "Older quarter", -300, -211)
    );
    assert_eq!(before["providers"], json!([]));
    // The crisis café then: "Funding agreed" was done only after the period's end, so it was
    // overdue at the end. (Its phase then is not checked: every phase was entered today.)
    let then = &before["projects"]["projects"];
    assert_eq!(then.as_array().map(Vec::len), Some(1), "{then}");
    assert_eq!(then[0]["id"], json!(known.crisis_cafe));
    let states: Vec<(Value, Value, Value)> = then[0]["milestones"]
        .as_array()
        .expect("milestones")
        .iter()
        .map(|m| (m["title"].clone(), m["due_on"].clone(), m["state"].clone()))
        .collect();
    assert_eq!(
        states,
        [
            (
                json!("Baseline data shared"),
                json!(day(-60)),
                json!("overdue")
            ),
            (
                json!("Listening events held"),
                json!(day(-50)),
                json!("done")
            ),
            (json!("Funding agreed"), json!(day(-49)), json!("overdue")),
        ],
        "the previous period's milestones, by due date"
    );
    assert_eq!(then[0]["milestones_due"], 3);
    assert_eq!(then[0]["milestones_done"], 1);
    assert_eq!(then[0]["milestones_overdue"], 2);
    for (key, previous) in [
        ("feedback_received", 10.0),
        ("milestones_done", 1.0),
        ("milestones_overdue", 2.0),
        ("joint_projects", 1.0),
    ] {
        let quoted = rollup["headline"]
            .as_array()
            .and_then(|h| h.iter().find(|f| f["key"] == key))
            .expect("a figure");
        let own = before["headline"]
            .as_array()
            .and_then(|h| h.iter().find(|f| f["key"] == key))
            .expect("a figure");
        assert_eq!(own["value"].as_f64(), Some(previous), "{key}: {own}");
        assert_eq!(quoted["previous"], own["value"], "{key}");
    }

    // A draft change moves nothing: a priority area, a goal and an action added to the plan
    // published twice, and another action completed, none of it published.
    app.add_priority(
        &ws.editor.token,
        &known.crisis_plan,
        "A draft priority for Irish travellers",
        &["B"],
    )
    .await;
    app.add_goal(
        &ws.editor.token,
        &known.crisis_plan,
        "A draft goal",
        &["workforce"],
        "data",
    )
    .await;
    app.add_action(
        &ws.editor.token,
        &known.crisis_plan,
        &known.crisis_priority,
        "A draft action",
        json!({ "status": "complete" }),
    )
    .await;
    app.post_update(
        &ws.other_editor.token,
        &known.on_cycle,
        "complete",
        None,
        "Done, but not published yet",
    )
    .await;
    let again = a.rollup(&known.current).await;
    assert_eq!(again, rollup, "a draft change moves nothing");

    // Issued, every format says what the JSON says.
    let summary = a.issue(&known.current).await;
    let id = str_field(&summary, "id");
    let report = a.report(&id).await;
    assert_eq!(
        report["rollup"], rollup,
        "the report is the preview as issued"
    );
    assert_formats_agree(&a, &id, &rollup).await;
}

/// The CSV and the workbook of report `id` give the figures of `rollup`: the headline, the
/// providers' progress and the feedback table (counts as shown, medians to the day).
async fn assert_formats_agree(a: &Alliance, id: &str, rollup: &Value) {
    let app = a.app();
    let token = Some(a.board.token.as_str());
    let csv = fetch(app, &format_path(id, "rollup.csv"), token)
        .await
        .expect(StatusCode::OK, "rollup.csv");
    let records = csv_records(&csv.bytes);
    let value = |section: &str, row: &str, measure: &str| -> String {
        records
            .iter()
            .find(|r| r[0] == section && r[1] == row && r[2] == measure)
            .unwrap_or_else(|| panic!("no {section},{row},{measure} in the CSV: {records:?}"))[3]
            .clone()
    };
    let number = |text: &str| -> Option<f64> {
        (!text.is_empty()).then(|| {
            text.parse()
                .unwrap_or_else(|_| panic!("a number: {text:?}"))
        })
    };
    for figure in rollup["headline"].as_array().expect("a headline") {
        let label = str_field(figure, "label");
        let shown = str_field(figure, "shown");
        let wanted = match shown.as_str() {
            "–" => String::new(),
            s => s.trim_end_matches('%').to_owned(),
        };
        assert_eq!(value("headline", &label, "value"), wanted, "{figure}");
        if figure["unit"] != "people" {
            assert_eq!(
                number(&value("headline", &label, "previous")),
                figure["previous"].as_f64(),
                "{figure}"
            );
            assert_eq!(
                number(&value("headline", &label, "change")),
                figure["change"].as_f64(),
                "{figure}"
            );
        }
    }
    for row in rollup["providers"].as_array().expect("providers") {
        let label = str_field(&row["provider"], "label");
        for (measure, json) in [
            ("published_plans", &row["published_plans"]),
            ("actions", &row["actions"]["total"]),
            ("percent_complete", &row["percent_complete"]),
            ("overdue", &row["overdue"]),
            ("stale", &row["stale"]),
        ] {
            assert_eq!(
                number(&value("providers", &label, measure)),
                json.as_f64(),
                "providers,{label},{measure}"
            );
        }
    }
    let feedback = &rollup["feedback"];
    let rows: Vec<&Value> = feedback["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .chain([&feedback["total"]])
        .collect();
    for row in &rows {
        let label = str_field(row, "label");
        for stage in ["received", "acknowledged", "responded", "closed"] {
            assert_eq!(
                value("feedback", &label, stage),
                str_field(&row[stage], "shown"),
                "feedback,{label},{stage}"
            );
        }
        assert_eq!(
            number(&value("feedback", &label, "median_days_to_first_response")),
            row["median_days_to_first_response"].as_f64(),
            "feedback,{label},median"
        );
    }

    let xlsx = fetch(app, &format_path(id, "rollup.xlsx"), token)
        .await
        .expect(StatusCode::OK, "rollup.xlsx");
    let mut workbook = Xlsx::new(Cursor::new(xlsx.bytes)).expect("an Excel workbook");
    let sheet_rows = sheet(&mut workbook, "Feedback");
    for row in &rows {
        let label = str_field(row, "label");
        let cells = sheet_rows
            .iter()
            .find(|r| r.first() == Some(&label))
            .unwrap_or_else(|| panic!("no row {label:?} on the Feedback sheet: {sheet_rows:?}"));
        let shown: Vec<String> = ["received", "acknowledged", "responded", "closed"]
            .iter()
            .map(|stage| str_field(&row[*stage], "shown"))
            .collect();
        assert_eq!(cells[1..5], shown[..], "the Feedback sheet's {label:?}");
        let median = cells.get(5).map(String::as_str).unwrap_or_default();
        assert_eq!(
            number(median),
            row["median_days_to_first_response"].as_f64(),
            "the Feedback sheet's median for {label:?}"
        );
    }
}

/// Withdrawing the latest version of a plan brings the one before back into the roll-up;
/// withdrawing that too takes the plan out. An issued report keeps what it had.
async fn a_withdrawn_version_gives_way_to_the_one_before(backend: Backend) {
    let a = Alliance::new(backend).await;
    let ws = &a.ws;
    let app = a.app();
    let (_, current) = a.two_periods().await;
    let plan = Plan::new(
        app,
        &ws.editor,
        &ws.provider,
        "Crisis care for Black adults",
    )
    .await;
    let p = plan.priority("Earlier crisis support", &["M", "N"]).await;
    plan.action(&p, "Map referrals", "complete", (-30, -5))
        .await;
    let first = plan.publish("named").await;
    plan.action(&p, "Open a crisis café", "on_track", (-30, 30))
        .await;
    let second = plan.publish("named").await;
    let both = a.rollup(&current).await;
    assert_eq!(both["providers"][0]["actions"]["total"], 2, "version 2");
    let issued = a.issue(&current).await;
    let issued_id = str_field(&issued, "id");

    withdraw(app, &ws.editor, &second).await;
    let back = a.rollup(&current).await;
    assert_eq!(back["providers"][0]["published_plans"], 1, "{back}");
    assert_eq!(
        back["providers"][0]["actions"]["total"], 1,
        "version 1 again"
    );
    assert_eq!(figure_of(&back, "percent_complete"), Some(100.0));

    withdraw(app, &ws.editor, &first).await;
    let gone = a.rollup(&current).await;
    assert_eq!(gone["providers"], json!([]), "nothing published any more");
    assert_eq!(figure_of(&gone, "published_plans"), Some(0.0));
    assert_eq!(figure_of(&gone, "percent_complete"), None);
    assert_eq!(
        a.report(&issued_id).await["rollup"],
        both,
        "the issued report keeps what was published when it was issued"
    );
}

/// The previous period is the alliance's own latest period ending before this one starts:
/// not an earlier one of its own, not another alliance's, not a later one. Without one, the
/// headline has no previous figures and no changes.
async fn the_previous_period_is_the_alliances_own_latest_before(backend: Backend) {
    let a = Alliance::new(backend).await;
    let app = a.app();
    let first = a.open_period("First quarter", -300, -211).await;
    let first_rollup = a.rollup(&first).await;
    assert_eq!(first_rollup["previous_period"], Value::Null);
    for figure in first_rollup["headline"].as_array().expect("a headline") {
        assert_eq!(figure["previous"], Value::Null, "{figure}");
        assert_eq!(figure["change"], Value::Null, "{figure}");
    }
    let second = a.open_period("Second quarter", -210, -121).await;
    let current = a.open_period("Current quarter", -40, 50).await;
    // Later ones, and another alliance's that ends closer to this one's start, do not count.
    a.open_period("Next quarter", 51, 140).await;
    let far = app
        .bootstrap("Far Away PCREF Alliance", "lead@faraway.example")
        .await;
    app.create(
        &periods_path(&far.alliance_id),
        &far.admin.token,
        json!({ "label": "Far quarter", "starts_on": day(-120), "ends_on": day(-41) }),
    )
    .await;
    assert_eq!(
        a.rollup(&current).await["previous_period"],
        period_ref(&second, "Second quarter", -210, -121)
    );
    assert_eq!(
        a.rollup(&second).await["previous_period"],
        period_ref(&first, "First quarter", -300, -211)
    );
    for figure in a.rollup(&current).await["headline"]
        .as_array()
        .expect("a headline")
    {
        if figure["unit"] != "percent" {
            assert_eq!(figure["previous"].as_f64(), Some(0.0), "{figure}");
        }
    }
}

// ---- 2. what moves a roll-up, and what never moves an issued report ---------------------

/// Everything a report is served as, for comparing before and after.
struct Served {
    json: Value,
    board: Vec<u8>,
    brief: Vec<u8>,
    csv: Vec<u8>,
    xlsx: Vec<Vec<Vec<String>>>,
}

async fn served(a: &Alliance, report_id: &str) -> Served {
    let app = a.app();
    let token = Some(a.board.token.as_str());
    let mut files = Vec::new();
    for file in FORMATS {
        let got = fetch(app, &format_path(report_id, file), token)
            .await
            .expect(StatusCode::OK, file);
        files.push(got.bytes);
    }
    let xlsx = workbook_cells(&files[3]);
    Served {
        json: a.report(report_id).await,
        board: files[0].clone(),
        brief: files[1].clone(),
        csv: files[2].clone(),
        xlsx,
    }
}

/// Every sheet of a workbook, each cell as text.
fn workbook_cells(bytes: &[u8]) -> Vec<Vec<Vec<String>>> {
    let mut workbook = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an Excel workbook");
    workbook
        .sheet_names()
        .into_iter()
        .map(|name| sheet(&mut workbook, &name))
        .collect()
}

fn sheet(workbook: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Vec<Vec<String>> {
    let range = workbook
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn assert_same(before: &Served, after: &Served, what: &str) {
    assert_eq!(after.json, before.json, "{what}: the report's JSON");
    assert!(after.board == before.board, "{what}: board.html changed");
    assert!(
        after.brief == before.brief,
        "{what}: ceo-brief.html changed"
    );
    assert!(after.csv == before.csv, "{what}: rollup.csv changed");
    assert_eq!(after.xlsx, before.xlsx, "{what}: rollup.xlsx's cells");
}

fn figure_of(rollup: &Value, key: &str) -> Option<f64> {
    rollup["headline"]
        .as_array()
        .and_then(|h| h.iter().find(|f| f["key"] == key))
        .unwrap_or_else(|| panic!("no {key} in {rollup}"))["value"]
        .as_f64()
}

/// A draft change does not move the preview; an edit and a republish do, but never an issued
/// report (its JSON, board paper, brief, CSV and workbook are the same after); re-issuing
/// gives version 2 with the new figures while version 1 is served unchanged.
async fn issued_reports_never_move(backend: Backend) {
    let a = Alliance::new(backend).await;
    let ws = &a.ws;
    let app = a.app();
    let (_, current) = a.two_periods().await;
    let plan = Plan::new(
        app,
        &ws.editor,
        &ws.provider,
        "Crisis care for Black adults",
    )
    .await;
    let p = plan.priority("Earlier crisis support", &["M", "N"]).await;
    plan.goal("Co-produce the pathway", &["co_production"], "data")
        .await;
    plan.action(&p, "Map referrals", "complete", (-30, -5))
        .await;
    let open = plan
        .action(&p, "Open a crisis café", "on_track", (-30, 30))
        .await;
    plan.publish("named").await;
    let published = a.rollup(&current).await;
    assert_eq!(figure_of(&published, "actions"), Some(2.0));
    assert_eq!(figure_of(&published, "percent_complete"), Some(50.0));

    // Draft changes: an action added, another completed. Not published: nothing moves.
    plan.action(&p, "Recruit navigators", "not_started", (10, 40))
        .await;
    plan.update(&open, "complete", 0).await;
    assert_eq!(
        a.rollup(&current).await,
        published,
        "a draft change moved the preview"
    );

    // Issued: the report holds the roll-up as it was.
    let summary = a.issue(&current).await;
    let id = str_field(&summary, "id");
    assert_eq!(summary["version"], 1);
    assert_eq!(summary["period_id"], json!(current));
    assert_eq!(summary["issued_by_name"], "Alliance Admin");
    let issued_at: DateTime<Utc> = str_field(&summary, "issued_at").parse().expect("a time");
    assert!(
        (Utc::now() - issued_at).num_seconds().abs() < 120,
        "{summary}"
    );
    assert_eq!(
        summary["links"],
        json!({
            "self": report_path(&id),
            "board_html": format_path(&id, "board.html"),
            "ceo_brief_html": format_path(&id, "ceo-brief.html"),
            "csv": format_path(&id, "rollup.csv"),
            "xlsx": format_path(&id, "rollup.xlsx"),
        })
    );
    let before = served(&a, &id).await;
    assert_eq!(before.json["id"], json!(id));
    assert_eq!(before.json["alliance_id"], json!(ws.alliance_id));
    assert_eq!(before.json["period_id"], json!(current));
    assert_eq!(before.json["version"], 1);
    assert_eq!(before.json["issued_at"], summary["issued_at"]);
    assert_eq!(before.json["issued_by_name"], "Alliance Admin");
    assert_eq!(before.json["links"], summary["links"]);
    assert_eq!(
        before.json["rollup"], published,
        "the report is the preview as issued"
    );

    // Republished with the changes, and more shared: the preview moves, the report does not.
    plan.publish("named").await;
    learning_item(
        app,
        &ws.editor,
        &ws.alliance_id,
        "Peer support on the crisis team",
        &["safety"],
        "named",
    )
    .await;
    let moved = a.rollup(&current).await;
    assert_eq!(figure_of(&moved, "actions"), Some(3.0));
    assert_eq!(figure_of(&moved, "percent_complete"), Some(66.7));
    assert_eq!(figure_of(&moved, "learning_items_shared"), Some(1.0));
    let after = served(&a, &id).await;
    assert_same(&before, &after, "after a republish");

    // Re-issued: version 2 with the new figures; version 1 unchanged; newest first.
    let second = a.issue(&current).await;
    let second_id = str_field(&second, "id");
    assert_ne!(second_id, id);
    assert_eq!(second["version"], 2);
    assert_eq!(a.report(&second_id).await["rollup"], moved);
    assert_same(&before, &served(&a, &id).await, "after re-issuing");
    let listed = app.get_ok(&reports_path(&current), &a.board.token).await;
    assert_eq!(listed["items"], json!([second, summary]), "newest first");
}

// ---- 3. issuing is audited and idempotent -------------------------------------------------

/// Issuing writes `board_report.issued` to the alliance's log; a retry with the same
/// `Idempotency-Key` replays the first answer and issues nothing more.
async fn issuing_is_audited_and_idempotent(backend: Backend) {
    let a = Alliance::new(backend).await;
    let app = a.app();
    let (_, current) = a.two_periods().await;
    let summary = a.issue(&current).await;
    let id = str_field(&summary, "id");

    let entries = a.audited("board_report.issued").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(entry["target_id"], json!(id), "{entry}");
    assert_eq!(
        entry["actor"]["user_id"],
        json!(a.alliance_admin().user_id),
        "{entry}"
    );

    let send = || {
        app.request(
            Method::POST,
            &reports_path(&current),
            Some(&a.alliance_admin().token),
        )
        .header("Idempotency-Key", "issue-current-quarter")
        .send()
    };
    let first = Fetched::of(send().await.expect("issue")).await;
    let first = first.expect(StatusCode::CREATED, "issue with a key");
    assert_eq!(first.json()["version"], 2);
    let again = Fetched::of(send().await.expect("issue again")).await;
    let again = again.expect(StatusCode::CREATED, "the same key again");
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(again.header("location"), first.header("location"));
    assert!(again.bytes == first.bytes, "the replay is the first answer");
    let listed = app.get_ok(&reports_path(&current), &a.board.token).await;
    assert_eq!(items(&listed).len(), 2, "{listed}");
    assert_eq!(a.audited("board_report.issued").await.len(), 2);
}

/// Two alliance admins issuing at the same moment: every issue gets its own version, 1 to 8
/// with none missing or repeated (or, at worst, a 409 to retry); never a server error.
async fn simultaneous_issues_get_consecutive_versions(backend: Backend) {
    let a = Alliance::new(backend).await;
    let app = a.app();
    let (_, current) = a.two_periods().await;
    let second_admin =
        a.ws.alliance_member("ade.admin@alliance.example", "alliance_admin")
            .await;
    let admins = [a.alliance_admin(), &second_admin];
    let sends = (0..8).map(|i| issue_as(app, admins[i % 2], &current));
    let answers = futures_util::future::join_all(sends).await;
    let mut versions = Vec::new();
    for answer in answers {
        let status = answer.status();
        if status == StatusCode::CONFLICT {
            expect_problem(answer, status).await;
            continue;
        }
        let summary = expect_status(answer, StatusCode::CREATED).await;
        versions.push(summary["version"].as_u64().expect("a version"));
    }
    versions.sort_unstable();
    let expected: Vec<u64> = (1..=versions.len() as u64).collect();
    assert_eq!(versions, expected, "consecutive versions");
    assert!(!versions.is_empty());
    let listed = items(&app.get_ok(&reports_path(&current), &a.board.token).await);
    let listed: Vec<u64> = listed
        .iter()
        .map(|r| r["version"].as_u64().expect("a version"))
        .collect();
    let newest_first: Vec<u64> = expected.iter().rev().copied().collect();
    assert_eq!(listed, newest_first);
    let entries = a.audited("board_report.issued").await;
    assert_eq!(entries.len(), versions.len(), "one entry per report issued");
}

// ---- 4. no count about people between 1 and 7, in any format -----------------------------

/// Is `n` a count about people that may be shown: 0, or a multiple of 5 of at least 10?
fn may_show(n: u64) -> bool {
    n == 0 || (n >= 10 && n % 5 == 0)
}

/// Every `{value, shown}` in the JSON (a count about people) and every headline figure in
/// `people`: null and `*`, or a count that may be shown.
fn assert_people_counts_controlled(value: &Value, path: &str) {
    match value {
        Value::Object(map) => {
            let keys: BTreeSet<&str> = map.keys().map(String::as_str).collect();
            if keys == BTreeSet::from(["value", "shown"]) {
                match map["value"].as_u64() {
                    None => {
                        assert!(map["value"].is_null(), "{path}: {value}");
                        assert_eq!(map["shown"], "*", "{path}: {value}");
                    }
                    Some(n) => {
                        assert!(may_show(n), "{path}: a count of {n} people is shown");
                        assert_eq!(map["shown"], json!(n.to_string()), "{path}");
                    }
                }
            }
            if map.get("unit").and_then(Value::as_str) == Some("people") {
                for field in ["value", "previous"] {
                    if let Some(n) = map[field].as_f64() {
                        assert!(
                            n.fract() == 0.0 && may_show(n as u64),
                            "{path}.{field}: {value}"
                        );
                    }
                }
            }
            for (key, inner) in map {
                assert_people_counts_controlled(inner, &format!("{path}.{key}"));
            }
        }
        Value::Array(list) => {
            for (i, inner) in list.iter().enumerate() {
                assert_people_counts_controlled(inner, &format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
}

/// A cell's text, if it is a whole number.
fn whole_number(text: &str) -> Option<u64> {
    let text = text.trim();
    let text = text.strip_suffix(".0").unwrap_or(text);
    text.parse().ok()
}

/// The text of each `<td>` / `<th>` of the HTML table holding `marker`, if there is one.
fn table_cells_around(html: &str, marker: &str) -> Option<Vec<String>> {
    let at = html.find(marker)?;
    let start = html[..at].rfind("<table")?;
    let end = at + html[at..].find("</table>")?;
    Some(cells_text(&html[start..end]))
}

/// The text of each `<td>` and `<th>` of a piece of HTML, tags stripped.
fn cells_text(html: &str) -> Vec<String> {
    let mut cells = Vec::new();
    for tag in ["<td", "<th"] {
        let close = if tag == "<td" { "</td>" } else { "</th>" };
        let mut rest = html;
        while let Some(open) = rest.find(tag) {
            let after = &rest[open..];
            let Some(gt) = after.find('>') else { break };
            let body = &after[gt + 1..];
            let end = body.find(close).unwrap_or(body.len());
            cells.push(strip_tags(&body[..end]));
            rest = &body[end..];
        }
    }
    cells
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// The texts of an HTML fragment between its tags.
fn texts(html: &str) -> Vec<String> {
    html.split('<')
        .filter_map(|part| part.split_once('>').map(|(_, text)| text.trim().to_owned()))
        .filter(|t| !t.is_empty())
        .collect()
}

/// The feedback part of a report's HTML: its table (the one with the alliance's row) and its
/// chart; no text in either is a number from 1 to 7.
fn assert_html_feedback_controlled(html: &str, what: &str) {
    if let Some(cells) = table_cells_around(html, ALLIANCE_ROW) {
        for cell in &cells {
            if let Some(n) = whole_number(cell) {
                assert!(
                    !(1..=7).contains(&n),
                    "{what}: the feedback table shows {cell:?}: {cells:?}"
                );
            }
        }
    }
    if let Some(at) = html.find("data-chart=\"feedback-funnel\"") {
        let rest = &html[at..];
        let end = rest
            .find("</svg>")
            .or_else(|| rest.find("</figure>"))
            .unwrap_or(rest.len());
        for text in texts(&rest[..end]) {
            if let Some(n) = whole_number(&text) {
                assert!(
                    !(1..=7).contains(&n),
                    "{what}: the feedback chart shows {text:?}"
                );
            }
        }
    }
}

/// Is this CSV measure a count about people (not a median, nor a change)?
fn counts_people(section: &str, row: &str, measure: &str) -> bool {
    let all = format!("{section} {row} {measure}").to_lowercase();
    let about_feedback = all.contains("feedback");
    let counted = ["received", "acknowledged", "responded", "closed"]
        .iter()
        .any(|m| all.contains(m));
    about_feedback
        && counted
        && !all.contains("median")
        && !all.contains("days")
        && !all.contains("change")
}

/// Small counts about people: Riverside 2 received (2 acknowledged, 1 responded), Hillside 9
/// (9, 8, 3 closed), Moorside 1, the alliance 4 (4, 2, 2 closed). Issued, then read in every
/// format: no count about people from 1 to 7 anywhere.
async fn no_count_about_people_from_1_to_7_in_any_format(backend: Backend) {
    let a = Alliance::new(backend).await;
    let ws = &a.ws;
    let app = a.app();
    let (_, current) = a.two_periods().await;
    let feedback = Feedback {
        app,
        alliance_id: &ws.alliance_id,
        partner: &a.partner,
    };
    feedback
        .items(Some(&ws.provider), &[-10, -11], (2, 1, 0), &ws.editor)
        .await;
    feedback
        .items(
            Some(&ws.other_provider),
            &[-10, -11, -12, -13, -14, -15, -16, -17, -18],
            (9, 8, 3),
            &ws.other_editor,
        )
        .await;
    feedback
        .items(Some(&a.moorside), &[-12], (0, 0, 0), &a.moorside_editor)
        .await;
    feedback
        .items(None, &[-20, -21, -22, -23], (4, 2, 2), a.alliance_admin())
        .await;

    let summary = a.issue(&current).await;
    let id = str_field(&summary, "id");
    let report = a.report(&id).await;
    assert_people_counts_controlled(&report, "report");
    // The table as controlled: Hillside [9, 9, 8, 3] → [10, 10, *, *]; Moorside [1, 0, 0, 0]
    // → [*, 0, 0, 0]; Riverside [2, 2, 1, 0] → [*, *, *, 0]; the alliance [4, 4, 2, 2] all
    // suppressed; totals [16, 15, 11, 5] → [15, 15, *, *]. No median shows.
    assert_eq!(
        report["rollup"]["feedback"]["rows"],
        json!([
            feedback_row(ASHFIELD, Some(&a.ashfield), ["0", "0", "0", "0"], None),
            feedback_row(
                HILLSIDE,
                Some(&ws.other_provider),
                ["10", "10", "*", "*"],
                None
            ),
            feedback_row(MOORSIDE, Some(&a.moorside), ["*", "0", "0", "0"], None),
            feedback_row(RIVERSIDE, Some(&ws.provider), ["*", "*", "*", "0"], None),
            feedback_row(ALLIANCE_ROW, None, ["*", "*", "*", "*"], None),
        ])
    );
    assert_eq!(
        without(&report["rollup"]["feedback"]["total"], "label"),
        without(
            &feedback_row("", None, ["15", "15", "*", "*"], None),
            "label"
        )
    );
    assert_eq!(
        figure_of(&report["rollup"], "feedback_received"),
        Some(15.0)
    );
    assert_eq!(figure_of(&report["rollup"], "feedback_closed"), None);
    assert_people_counts_controlled(&a.rollup(&current).await, "rollup");

    // CSV: every count about people.
    let csv = fetch(app, &format_path(&id, "rollup.csv"), Some(&a.board.token))
        .await
        .expect(StatusCode::OK, "rollup.csv");
    let mut checked = 0;
    for record in csv_records(&csv.bytes) {
        let [section, row, measure, value] = record.as_slice() else {
            panic!("four columns: {record:?}");
        };
        if !counts_people(section, row, measure) {
            continue;
        }
        checked += 1;
        let Ok(n) = value.trim().parse::<f64>() else {
            continue; // "*", "–", a label
        };
        assert!(
            n.fract() == 0.0 && may_show(n as u64),
            "rollup.csv shows {n} people: {record:?}"
        );
    }
    assert!(
        checked >= 20,
        "the CSV's feedback section has its 5 rows × 4 counts ({checked})"
    );

    // XLSX: the Feedback sheet, every cell outside a median column.
    let xlsx = fetch(app, &format_path(&id, "rollup.xlsx"), Some(&a.board.token))
        .await
        .expect(StatusCode::OK, "rollup.xlsx");
    let mut workbook = Xlsx::new(Cursor::new(xlsx.bytes)).expect("an Excel workbook");
    let range = workbook
        .worksheet_range("Feedback")
        .expect("a Feedback sheet");
    let rows: Vec<&[Data]> = range.rows().collect();
    let header: Vec<String> = rows
        .first()
        .map(|r| r.iter().map(|c| c.to_string().to_lowercase()).collect())
        .unwrap_or_default();
    let mut numbers = 0;
    for row in rows.iter().skip(1) {
        for (c, cell) in row.iter().enumerate() {
            let column = header.get(c).cloned().unwrap_or_default();
            if column.contains("median") || column.contains("days") {
                continue;
            }
            let n = match cell {
                Data::Int(n) => u64::try_from(*n).ok(),
                Data::Float(f) if f.fract() == 0.0 && *f >= 0.0 => Some(*f as u64),
                Data::Float(f) => panic!("a fraction of a person in {column}: {f}"),
                Data::String(s) => whole_number(s),
                _ => None,
            };
            if let Some(n) = n {
                numbers += 1;
                assert!(
                    may_show(n),
                    "the Feedback sheet shows {n} people in {column}: {row:?}"
                );
            }
        }
    }
    assert!(
        numbers > 0,
        "the Feedback sheet shows some counts: {rows:?}"
    );

    // The board paper and the CEO brief.
    for file in ["board.html", "ceo-brief.html"] {
        let html = fetch(app, &format_path(&id, file), Some(&a.board.token))
            .await
            .expect(StatusCode::OK, file)
            .text();
        assert_html_feedback_controlled(&html, file);
    }
    let board = fetch(app, &format_path(&id, "board.html"), Some(&a.board.token))
        .await
        .text();
    assert!(
        table_cells_around(&board, ALLIANCE_ROW).is_some(),
        "the board paper has a feedback table with the alliance's row"
    );
}

/// The records of a report's CSV, after checking its heading (a UTF-8 byte-order mark, which
/// spreadsheets want, may come first).
fn csv_records(bytes: &[u8]) -> Vec<Vec<String>> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .expect("a CSV header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, ["section", "row", "measure", "value"]);
    reader
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

// ---- 5. share links -----------------------------------------------------------------------

/// `POST /reports/{id}/share-links` as `who` with this body (none for `None`): the raw answer.
async fn create_link(app: &TestApp, who: &Actor, report_id: &str, body: Option<Value>) -> Response {
    let mut request = app.request(Method::POST, &share_links_path(report_id), Some(&who.token));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("create a share link")
}

/// The token at the end of a share link's absolute URL, after checking the URL.
fn token_of(link: &Value) -> String {
    let url = str_field(link, "url");
    let parsed = url::Url::parse(&url).unwrap_or_else(|e| panic!("{url} is absolute: {e}"));
    assert!(
        parsed.scheme() == "http" || parsed.scheme() == "https",
        "{url}"
    );
    let token = parsed
        .path()
        .strip_prefix("/shared/reports/")
        .unwrap_or_else(|| panic!("{url} opens /shared/reports/<token>"))
        .to_owned();
    // 256 random bits in base64url, after the hub's prefix for its secrets (so that secret
    // scanners recognise a leaked link), if it has one.
    let random = token.strip_prefix("pcref_share_").unwrap_or(&token);
    assert_eq!(random.len(), 43, "a 256-bit token in base64url: {token}");
    assert!(
        random
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "base64url: {token}"
    );
    token
}

fn time(value: &Value, field: &str) -> DateTime<Utc> {
    str_field(value, field)
        .parse()
        .unwrap_or_else(|e| panic!("{field} is a time in {value}: {e}"))
}

/// Opens a share link without any token: the answer.
async fn open(app: &TestApp, token: &str, file: &str) -> Fetched {
    Fetched::of(
        app.http
            .get(app.url(&shared_path(token, file)))
            .send()
            .await
            .expect("open a share link"),
    )
    .await
}

async fn links_of(a: &Alliance, report_id: &str) -> Vec<Value> {
    items(
        &a.app()
            .get_ok(&share_links_path(report_id), &a.alliance_admin().token)
            .await,
    )
}

/// The alliance admin shares a report by link: anyone with the link reads that report only,
/// with no token, until it is revoked (410) or expires (410); an unknown token is 404; what
/// is shared is audited; nobody else creates, lists or revokes links.
async fn share_links_open_one_report_until_revoked_or_expired(backend: Backend) {
    let a = Alliance::new(backend).await;
    let app = a.app();
    let (previous, current) = a.two_periods().await;
    let older = a.open_period("Older quarter", -300, -211).await;
    let report = a.issue(&current).await;
    let id = str_field(&report, "id");
    let other = a.issue(&older).await;
    let other_id = str_field(&other, "id");
    assert!(!previous.is_empty());

    // Created with the default lifetime of 14 days.
    let asked = Utc::now();
    let created = expect_status(
        create_link(app, a.alliance_admin(), &id, Some(json!({}))).await,
        StatusCode::CREATED,
    )
    .await;
    let token = token_of(&created);
    let link_id = str_field(&created, "id");
    assert_eq!(created["report_id"], json!(id));
    let expires = time(&created, "expires_at");
    let made = time(&created, "created_at");
    assert!((made - asked).num_seconds().abs() < 60, "{created}");
    assert!(
        (expires - (asked + Duration::days(14))).num_seconds().abs() < 60,
        "expires in 14 days: {created}"
    );
    // The bounds: 1 and 90 days.
    for days in [1, 90] {
        let asked = Utc::now();
        let link = expect_status(
            create_link(
                app,
                a.alliance_admin(),
                &id,
                Some(json!({ "expires_in_days": days })),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert!(
            (time(&link, "expires_at") - (asked + Duration::days(days)))
                .num_seconds()
                .abs()
                < 60,
            "expires in {days} days: {link}"
        );
    }
    let listed = links_of(&a, &id).await;
    assert_eq!(listed.len(), 3);

    // Out of bounds, or with a field it does not know: refused, nothing created.
    for days in [0, 91] {
        let problem = expect_invalid(
            create_link(
                app,
                a.alliance_admin(),
                &id,
                Some(json!({ "expires_in_days": days })),
            )
            .await,
            &["expires_in_days"],
        )
        .await;
        assert!(problem["detail"].is_string());
    }
    let unknown_field = Fetched::of(
        create_link(
            app,
            a.alliance_admin(),
            &id,
            Some(json!({ "expires_in_days": 7, "label": "x" })),
        )
        .await,
    )
    .await;
    assert!(
        matches!(
            unknown_field.status,
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
        ),
        "an unknown field: {}",
        unknown_field.text()
    );
    assert_eq!(links_of(&a, &id).await, listed, "nothing created");

    // Opened with no token at all: the board paper of that report only.
    let page = open(app, &token, "")
        .await
        .expect(StatusCode::OK, "the shared paper");
    assert!(
        page.header("content-type").starts_with("text/html"),
        "{}",
        page.header("content-type")
    );
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(page.header("x-robots-tag"), "noindex");
    let html = page.text();
    assert!(
        html.contains("Current quarter"),
        "the shared report's period"
    );
    assert!(!html.contains("Older quarter"), "another report's content");
    assert!(!html.contains(&other_id), "another report's id");
    // The brief, the CSV and the workbook of that report too.
    for (file, content_type) in [
        ("/ceo-brief.html", "text/html"),
        ("/rollup.csv", "text/csv"),
        ("/rollup.xlsx", XLSX),
    ] {
        let got = open(app, &token, file).await.expect(StatusCode::OK, file);
        assert!(
            got.header("content-type").starts_with(content_type),
            "{file}: {}",
            got.header("content-type")
        );
        assert_eq!(got.header("referrer-policy"), "no-referrer", "{file}");
        assert_eq!(got.header("cache-control"), "no-store", "{file}");
        if file == "/rollup.csv" {
            let own = fetch(app, &format_path(&id, "rollup.csv"), Some(&a.board.token)).await;
            assert!(got.bytes == own.bytes, "the shared CSV is the report's");
        }
    }

    // Nobody else manages links: 403 in the alliance, 404 outside it.
    for (_, who) in a.non_admins() {
        for response in [
            create_link(app, who, &id, Some(json!({}))).await,
            app.get(&share_links_path(&id), &who.token).await,
            app.delete(&share_link_path(&link_id), &who.token).await,
        ] {
            expect_problem(response, StatusCode::FORBIDDEN).await;
        }
    }
    let client = app
        .client_actor(
            &a.ws.admin,
            &a.ws.provider,
            "Board papers script",
            &["reports:read"],
        )
        .await;
    for response in [
        create_link(app, &client, &id, Some(json!({}))).await,
        app.get(&share_links_path(&id), &client.token).await,
        app.delete(&share_link_path(&link_id), &client.token).await,
    ] {
        expect_problem(response, StatusCode::FORBIDDEN).await;
    }
    let far = app
        .bootstrap("Far Away PCREF Alliance", "lead@faraway.example")
        .await;
    for response in [
        create_link(app, &far.admin, &id, Some(json!({}))).await,
        app.get(&share_links_path(&id), &far.admin.token).await,
        app.delete(&share_link_path(&link_id), &far.admin.token)
            .await,
    ] {
        expect_problem(response, StatusCode::NOT_FOUND).await;
    }
    assert_eq!(links_of(&a, &id).await, listed, "nothing changed");

    // The list: every link of the report, active, never its token.
    let listed_text = serde_json::to_string(&listed).expect("JSON");
    assert!(
        !listed_text.contains(&token),
        "the list never shows a token"
    );
    let mine = listed
        .iter()
        .find(|l| l["id"] == json!(link_id))
        .expect("the link is listed");
    assert_eq!(mine["status"], "active");
    assert_eq!(mine["report_id"], json!(id));
    assert_eq!(mine["revoked_at"], Value::Null);
    assert_eq!(mine["expires_at"], created["expires_at"]);
    assert_eq!(mine["created_by_name"], "Alliance Admin");
    assert!(
        mine.get("url").is_none() && mine.get("token").is_none(),
        "{mine}"
    );

    // Revoked: 410 for every format; revoking again is 204 too.
    let revoke = app
        .delete(&share_link_path(&link_id), &a.alliance_admin().token)
        .await;
    expect_status(revoke, StatusCode::NO_CONTENT).await;
    let revoke = app
        .delete(&share_link_path(&link_id), &a.alliance_admin().token)
        .await;
    expect_status(revoke, StatusCode::NO_CONTENT).await;
    for file in SHARED_FORMATS {
        open(app, &token, file)
            .await
            .expect_problem(StatusCode::GONE, &format!("a revoked link {file:?}"));
    }
    let mine = links_of(&a, &id)
        .await
        .into_iter()
        .find(|l| l["id"] == json!(link_id))
        .expect("still listed");
    assert_eq!(mine["status"], "revoked");
    assert!(mine["revoked_at"].is_string(), "{mine}");

    // Unknown tokens (and an unknown link to revoke) are 404.
    let unknown = "A".repeat(43);
    for file in SHARED_FORMATS {
        open(app, &unknown, file)
            .await
            .expect_problem(StatusCode::NOT_FOUND, "an unknown token");
    }
    open(app, "not-a-token", "")
        .await
        .expect_problem(StatusCode::NOT_FOUND, "a malformed token");
    expect_problem(
        app.delete(&share_link_path(&random_id()), &a.alliance_admin().token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Expired: a link whose time is up (moved there in the database) is 410.
    let expiring = expect_status(
        create_link(
            app,
            a.alliance_admin(),
            &id,
            Some(json!({ "expires_in_days": 1 })),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let expiring_token = token_of(&expiring);
    open(app, &expiring_token, "")
        .await
        .expect(StatusCode::OK, "before it expires");
    expire_link(app, &str_field(&expiring, "id")).await;
    for file in SHARED_FORMATS {
        open(app, &expiring_token, file)
            .await
            .expect_problem(StatusCode::GONE, &format!("an expired link {file:?}"));
    }
    let expired = links_of(&a, &id)
        .await
        .into_iter()
        .find(|l| l["id"] == expiring["id"])
        .expect("listed");
    assert_eq!(expired["status"], "expired");

    // The audit: created (4 links), revoked (once, or once per DELETE), opened (each 200).
    let created_entries = a.audited("share_link.created").await;
    assert_eq!(created_entries.len(), 4, "{created_entries:?}");
    assert!(created_entries
        .iter()
        .any(|e| e["target_id"] == json!(link_id)));
    let revoked_entries = a.audited("share_link.revoked").await;
    assert!(
        !revoked_entries.is_empty()
            && revoked_entries
                .iter()
                .all(|e| e["target_id"] == json!(link_id)),
        "{revoked_entries:?}"
    );
    let opened = a.audited("share_link.opened").await;
    assert_eq!(
        opened.len(),
        5,
        "4 opens of the first link, 1 of the expiring one: {opened:?}"
    );
    let log = app
        .get_ok(&audit_path(&a.ws.alliance_id), &a.alliance_admin().token)
        .await
        .to_string();
    assert!(
        !log.contains(&token) && !log.contains(&expiring_token),
        "the log never holds a token"
    );

    // The body is JSON (`{}` takes the default lifetime); a POST without one is told so, and
    // nothing is created.
    let before = app
        .get_ok(
            &format!("/api/v1/reports/{id}/share-links"),
            &a.alliance_admin().token,
        )
        .await["items"]
        .as_array()
        .map(Vec::len);
    let bare = create_link(app, a.alliance_admin(), &id, None).await;
    assert_eq!(bare.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let after = app
        .get_ok(
            &format!("/api/v1/reports/{id}/share-links"),
            &a.alliance_admin().token,
        )
        .await["items"]
        .as_array()
        .map(Vec::len);
    assert_eq!(before, after, "a refused request creates no link");
}

/// Moves a share link's expiry to the moment it was created, in the database.
async fn expire_link(app: &TestApp, link_id: &str) {
    let (backend, url) = (app.backend, app.database.url.clone());
    let sql =
        format!("UPDATE report_share_links SET expires_at = created_at WHERE id = '{link_id}'");
    tokio::task::spawn_blocking(move || {
        let mut conn = match backend {
            Backend::Sqlite => DbConnection::Sqlite(
                diesel::SqliteConnection::establish(
                    url.strip_prefix("sqlite://").expect("a SQLite URL"),
                )
                .expect("open the SQLite file"),
            ),
            Backend::Postgres => DbConnection::Postgresql(
                diesel::PgConnection::establish(&url).expect("connect to PostgreSQL"),
            ),
        };
        conn.batch_execute(&sql).expect("expire the link");
    })
    .await
    .expect("database task");
}

// ---- 6. the formats -----------------------------------------------------------------------

/// A board member reads every format with a bearer token: the board paper (with its four
/// charts) and the brief as HTML, the CSV (section, row, measure, value) and the workbook
/// (its eight sheets).
async fn every_format_is_served(backend: Backend) {
    let a = Alliance::new(backend).await;
    let ws = &a.ws;
    let app = a.app();
    let (_, current) = a.two_periods().await;
    let plan = Plan::new(
        app,
        &ws.editor,
        &ws.provider,
        "Crisis care for Black adults",
    )
    .await;
    let p = plan.priority("Earlier crisis support", &["M", "N"]).await;
    plan.goal("Co-produce the pathway", &["co_production"], "data")
        .await;
    plan.action(&p, "Map referrals", "complete", (-30, -5))
        .await;
    plan.publish("named").await;
    let crisis = project(
        app,
        &ws.editor,
        &ws.alliance_id,
        ("Crisis café co-design", &ws.provider, None),
        (-20, 100),
    )
    .await;
    milestone(app, &ws.editor, &crisis, "Panel recruited", -5, Some(-2)).await;
    let summary = a.issue(&current).await;
    let id = str_field(&summary, "id");
    let token = Some(a.board.token.as_str());

    let board = fetch(app, &format_path(&id, "board.html"), token)
        .await
        .expect(StatusCode::OK, "board.html");
    assert_eq!(board.header("content-type"), "text/html; charset=utf-8");
    let html = board.text();
    for chart in CHARTS {
        assert!(
            html.contains(&format!("data-chart=\"{chart}\"")),
            "the board paper draws {chart}"
        );
    }
    for text in [
        ALLIANCE_NAME,
        "Current quarter",
        RIVERSIDE,
        "Crisis café co-design",
    ] {
        assert!(html.contains(text), "the board paper shows {text}");
    }

    let brief = fetch(app, &format_path(&id, "ceo-brief.html"), token)
        .await
        .expect(StatusCode::OK, "ceo-brief.html");
    assert!(
        brief.header("content-type").starts_with("text/html"),
        "{}",
        brief.header("content-type")
    );
    let brief = brief.text();
    assert!(
        brief.contains("Current quarter"),
        "the brief names its period"
    );

    let csv = fetch(app, &format_path(&id, "rollup.csv"), token)
        .await
        .expect(StatusCode::OK, "rollup.csv");
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert!(
        csv.header("content-disposition").starts_with("attachment"),
        "{}",
        csv.header("content-disposition")
    );
    let records = csv_records(&csv.bytes);
    assert!(!records.is_empty());
    assert!(
        records.iter().all(|r| r.len() == 4),
        "four columns in every record"
    );
    let sections: BTreeSet<&str> = records.iter().map(|r| r[0].as_str()).collect();
    assert!(
        sections.len() >= 5,
        "the CSV has the roll-up's sections: {sections:?}"
    );

    let xlsx = fetch(app, &format_path(&id, "rollup.xlsx"), token)
        .await
        .expect(StatusCode::OK, "rollup.xlsx");
    assert!(
        xlsx.header("content-type").starts_with(XLSX),
        "{}",
        xlsx.header("content-type")
    );
    let workbook = Xlsx::new(Cursor::new(xlsx.bytes.clone())).expect("an Excel workbook");
    assert_eq!(workbook.sheet_names(), SHEETS, "the workbook's sheets");
    let cells = workbook_cells(&xlsx.bytes);
    let text = format!("{cells:?}");
    assert!(
        text.contains(RIVERSIDE),
        "the Providers sheet names Riverside"
    );
    assert!(text.contains("Crisis café co-design"), "the projects sheet");
}

// ---- 7. who reads, who issues --------------------------------------------------------------

/// Every read of a period's roll-up and reports, as `token`: the statuses.
async fn read_statuses(
    app: &TestApp,
    token: &str,
    period_id: &str,
    report_id: &str,
) -> Vec<(String, StatusCode)> {
    let mut paths = vec![
        rollup_path(period_id),
        reports_path(period_id),
        report_path(report_id),
    ];
    paths.extend(FORMATS.iter().map(|f| format_path(report_id, f)));
    let mut got = Vec::new();
    for path in paths {
        let status = app.get(&path, token).await.status();
        got.push((path, status));
    }
    got
}

fn assert_all(statuses: &[(String, StatusCode)], wanted: StatusCode, who: &str) {
    for (path, status) in statuses {
        assert_eq!(*status, wanted, "{who}: GET {path}");
    }
}

/// Every member of the alliance reads (all seven roles), and so do its API clients with
/// `reports:read`; without that scope, 403. Only the alliance admin issues (403 for the
/// rest, clients included). Another alliance gets 404 for everything; a period that has not
/// started cannot be issued (409); unknown ids are 404.
async fn who_reads_and_who_issues(backend: Backend) {
    let a = Alliance::new(backend).await;
    let ws = &a.ws;
    let app = a.app();
    let (_, current) = a.two_periods().await;
    let report = a.issue(&current).await;
    let id = str_field(&report, "id");

    for (role, who) in a.members() {
        assert_all(
            &read_statuses(app, &who.token, &current, &id).await,
            StatusCode::OK,
            role,
        );
    }
    let reader = app
        .client_actor(
            &ws.admin,
            &ws.provider,
            "Board papers script",
            &["reports:read"],
        )
        .await;
    let vcse_reader = app
        .client_actor(
            &a.vcse_admin,
            &a.vcse,
            "Voices reports",
            &["reports:read", "feedback:read"],
        )
        .await;
    for (who, client) in [("provider client", &reader), ("VCSE client", &vcse_reader)] {
        assert_all(
            &read_statuses(app, &client.token, &current, &id).await,
            StatusCode::OK,
            who,
        );
    }
    let unscoped = app
        .client_actor(
            &ws.admin,
            &ws.provider,
            "Feedback script",
            &["feedback:read", "library:read"],
        )
        .await;
    let mut reads = vec![
        rollup_path(&current),
        reports_path(&current),
        report_path(&id),
    ];
    reads.extend(FORMATS.iter().map(|f| format_path(&id, f)));
    for path in reads {
        let response = app.get(&path, &unscoped.token).await;
        let challenge = response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        expect_problem(response, StatusCode::FORBIDDEN).await;
        assert!(
            challenge.contains("insufficient_scope"),
            "{path}: {challenge:?}"
        );
    }

    // Issuing: the alliance admin only.
    for (role, who) in a.non_admins() {
        let problem =
            expect_problem(issue_as(app, who, &current).await, StatusCode::FORBIDDEN).await;
        assert!(problem["detail"].is_string(), "{role}");
    }
    for client in [&reader, &vcse_reader] {
        expect_problem(issue_as(app, client, &current).await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(
        items(&app.get_ok(&reports_path(&current), &a.board.token).await).len(),
        1,
        "nothing more was issued"
    );

    // Another alliance: its admin and its provider's editor find nothing.
    let (_, _, far_editor) = app.another_alliance().await;
    assert_all(
        &read_statuses(app, &far_editor.token, &current, &id).await,
        StatusCode::NOT_FOUND,
        "another alliance's editor",
    );
    let far = app
        .bootstrap("Farther PCREF Alliance", "lead@farther.example")
        .await;
    assert_all(
        &read_statuses(app, &far.admin.token, &current, &id).await,
        StatusCode::NOT_FOUND,
        "another alliance's admin",
    );
    expect_problem(
        issue_as(app, &far.admin, &current).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Its own period is not ours either way.
    let far_period = app
        .create(
            &periods_path(&far.alliance_id),
            &far.admin.token,
            json!({ "label": "Far quarter", "starts_on": day(-40), "ends_on": day(50) }),
        )
        .await;
    let far_period = str_field(&far_period, "id");
    expect_problem(
        issue_as(app, a.alliance_admin(), &far_period).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        app.get(&rollup_path(&far_period), &a.board.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // A period that has not started: 409, nothing issued.
    let next = a.open_period("Next quarter", 51, 140).await;
    let problem = expect_problem(
        issue_as(app, a.alliance_admin(), &next).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(problem["detail"].is_string());
    assert_eq!(
        items(&app.get_ok(&reports_path(&next), &a.board.token).await),
        Vec::<Value>::new()
    );
    // The edge: a period that starts today can be issued, one that starts tomorrow cannot.
    let near = app
        .bootstrap("Nearby PCREF Alliance", "lead@nearby.example")
        .await;
    let period = |label: &str, starts: i64, ends: i64| {
        let (app, near) = (app, &near);
        let label = label.to_owned();
        async move {
            let created = app
                .create(
                    &periods_path(&near.alliance_id),
                    &near.admin.token,
                    json!({ "label": label, "starts_on": day(starts), "ends_on": day(ends) }),
                )
                .await;
            str_field(&created, "id")
        }
    };
    let today_only = period("Today", 0, 0).await;
    let from_tomorrow = period("From tomorrow", 1, 30).await;
    let issued = expect_status(
        issue_as(app, &near.admin, &today_only).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(issued["version"], 1);
    expect_problem(
        issue_as(app, &near.admin, &from_tomorrow).await,
        StatusCode::CONFLICT,
    )
    .await;

    // Unknown ids.
    let nobody = random_id();
    for path in [
        rollup_path(&nobody),
        reports_path(&nobody),
        report_path(&nobody),
        format_path(&nobody, "board.html"),
        format_path(&nobody, "ceo-brief.html"),
        format_path(&nobody, "rollup.csv"),
        format_path(&nobody, "rollup.xlsx"),
        share_links_path(&nobody),
    ] {
        expect_problem(
            app.get(&path, &a.alliance_admin().token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    expect_problem(
        issue_as(app, a.alliance_admin(), &nobody).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        create_link(app, a.alliance_admin(), &nobody, Some(json!({}))).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        app.delete(&share_link_path(&nobody), &a.alliance_admin().token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let malformed = expect_status(
        app.get("/api/v1/reports/not-a-uuid", &a.alliance_admin().token)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(malformed.is_object());
}

// ---- untrusted text -----------------------------------------------------------------------

/// Text the alliance's organisations wrote reaches the board paper, the brief, the CSV and the
/// workbook: markup is escaped in the HTML, and a cell that would start a spreadsheet formula
/// is defused in the CSV and never a formula in the workbook.
async fn untrusted_text_is_escaped_in_every_format(backend: Backend) {
    let a = Alliance::new(backend).await;
    let ws = &a.ws;
    let app = a.app();
    let (_, current) = a.two_periods().await;
    let markup = "<script>alert(\"board\")</script> & <b>bold</b>";
    let formula = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let crisis = project(
        app,
        &ws.editor,
        &ws.alliance_id,
        (markup, &ws.provider, None),
        (-20, 100),
    )
    .await;
    milestone(app, &ws.editor, &crisis, formula, -5, None).await;
    learning_item(
        app,
        &ws.editor,
        &ws.alliance_id,
        formula,
        &["safety"],
        "named",
    )
    .await;
    let id = str_field(&a.issue(&current).await, "id");
    let rollup = a.report(&id).await["rollup"].clone();
    assert_eq!(
        rollup["projects"]["projects"][0]["title"], markup,
        "{rollup}"
    );
    assert_eq!(rollup["learning"]["items"][0]["title"], formula, "{rollup}");

    let token = Some(a.board.token.as_str());
    for file in ["board.html", "ceo-brief.html"] {
        let html = fetch(app, &format_path(&id, file), token)
            .await
            .expect(StatusCode::OK, file)
            .text();
        assert!(
            !html.contains("<script>alert"),
            "{file}: a script from a project's title"
        );
        assert!(
            !html.contains("<b>bold"),
            "{file}: markup from a project's title"
        );
    }
    let board = fetch(app, &format_path(&id, "board.html"), token)
        .await
        .text();
    assert!(
        board.contains("&lt;script&gt;")
            || board.contains("&#60;script&#62;")
            || board.contains("&lt;script>"),
        "the title is shown, escaped"
    );

    let csv = fetch(app, &format_path(&id, "rollup.csv"), token)
        .await
        .expect(StatusCode::OK, "rollup.csv");
    let mut seen = 0;
    for record in csv_records(&csv.bytes) {
        for field in &record {
            if field.contains("HYPERLINK") {
                seen += 1;
                assert!(
                    !field.starts_with(['=', '+', '-', '@']),
                    "a formula in the CSV: {record:?}"
                );
            }
        }
    }
    assert!(
        seen >= 2,
        "the milestone and the learning item are in the CSV ({seen})"
    );

    let xlsx = fetch(app, &format_path(&id, "rollup.xlsx"), token)
        .await
        .expect(StatusCode::OK, "rollup.xlsx");
    let mut workbook = Xlsx::new(Cursor::new(xlsx.bytes)).expect("an Excel workbook");
    for name in workbook.sheet_names() {
        let formulas = workbook
            .worksheet_formula(&name)
            .unwrap_or_else(|e| panic!("sheet {name}: {e}"));
        let found: Vec<&String> = formulas.used_cells().map(|(_, _, f)| f).collect();
        assert!(
            found.iter().all(|f| !f.contains("HYPERLINK")),
            "a formula from the alliance's text on {name}: {found:?}"
        );
    }
}

backend_tests!(
    a_known_dataset_rolls_up_exactly,
    simultaneous_issues_get_consecutive_versions,
    untrusted_text_is_escaped_in_every_format,
    a_withdrawn_version_gives_way_to_the_one_before,
    the_previous_period_is_the_alliances_own_latest_before,
    issued_reports_never_move,
    issuing_is_audited_and_idempotent,
    no_count_about_people_from_1_to_7_in_any_format,
    share_links_open_one_report_until_revoked_or_expired,
    every_format_is_served,
    who_reads_and_who_issues,
);
