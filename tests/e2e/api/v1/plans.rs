//! `/api/v1/organisations/{id}/plans` and `/api/v1/plans/{id}`: creating plans, their rules,
//! optimistic concurrency, export, the workspace's privacy, soft deletion, and finding plans
//! by filter and page.

use std::collections::HashSet;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use pcref_e2e::{
    action_body, actions_path, assert_updates_need_the_current_etag, backend_tests,
    days_from_today, error_message, expect_invalid, expect_problem, expect_status, goal_body,
    goals_path, ids, items, plan_path, plans_path, priorities_path, priority_body, random_id,
    str_field, update_body, updates_path, with, Actor, Backend, TestApp, Workspace,
    BUILT_IN_TEMPLATE, BUILT_IN_TEMPLATE_NAME,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

fn new_plan(title: &str) -> Value {
    json!({
        "title": title,
        "service": "Adult community mental health",
        "template_id": BUILT_IN_TEMPLATE,
    })
}

/// The ids of the live plans an organisation lists with this query.
async fn listed(app: &TestApp, token: &str, organisation: &str, query: &str) -> Vec<String> {
    let page = app
        .get_ok(&format!("{}?{query}", plans_path(organisation)), token)
        .await;
    ids(&items(&page))
}

// ---- creating -----------------------------------------------------------------------------

async fn an_editor_creates_a_plan_from_the_built_in_template(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;

    let response = app
        .post(
            &plans_path(&ws.provider),
            &ws.editor.token,
            json!({
                "title": "PCREF action plan 2026/27",
                "service": "Adult acute inpatient services",
                "template_id": BUILT_IN_TEMPLATE,
                "period_starts_on": "2026-04-01",
                "period_ends_on": "2027-03-31",
            }),
        )
        .await;
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let plan = expect_status(response, StatusCode::CREATED).await;
    let id = str_field(&plan, "id");

    assert_eq!(etag.as_deref(), Some("\"1\""));
    assert_eq!(location, Some(plan_path(&id)));
    assert_eq!(plan["organisation_id"], json!(ws.provider));
    assert_eq!(plan["title"], "PCREF action plan 2026/27");
    assert_eq!(plan["service"], "Adult acute inpatient services");
    assert_eq!(plan["status"], "draft", "draft unless given");
    assert_eq!(plan["period_starts_on"], "2026-04-01");
    assert_eq!(plan["period_ends_on"], "2027-03-31");
    assert_eq!(plan["version"], 1);
    assert_eq!(
        plan["owner"],
        json!({ "user_id": ws.editor.user_id, "display_name": "amina khan" }),
        "the creator owns the plan unless another member is named"
    );
    assert_eq!(
        plan["template"],
        json!({ "id": BUILT_IN_TEMPLATE, "name": BUILT_IN_TEMPLATE_NAME })
    );
    let stages = plan["stages"].as_array().expect("stages");
    let numbered: Vec<(u64, &str)> = stages
        .iter()
        .map(|s| {
            (
                s["stage"].as_u64().expect("stage"),
                s["title"].as_str().expect("title"),
            )
        })
        .collect();
    assert_eq!(
        numbered,
        [
            (1, "Identify priority areas"),
            (2, "Set goals"),
            (3, "Implementation"),
            (4, "Monitor and evaluate"),
        ]
    );
    for stage in stages {
        assert!(
            stage["prompts"].as_array().is_some_and(|p| !p.is_empty()),
            "{stage}"
        );
    }
    let built_in = app
        .get_ok(
            &format!("/api/v1/templates/{BUILT_IN_TEMPLATE}"),
            &ws.editor.token,
        )
        .await;
    assert_eq!(plan["stages"], built_in["stages"]);

    // Read back, by a fellow member.
    let (read, tag) = app.read_tagged(&plan_path(&id), &ws.viewer.token).await;
    assert_eq!(read, plan);
    assert_eq!(tag, "\"1\"");

    // Another member can be named owner; a plan can start from scratch.
    let scratch = app
        .create(
            &plans_path(&ws.provider),
            &ws.editor.token,
            json!({
                "title": "Crisis care plan",
                "service": "Crisis resolution",
                "owner_user_id": ws.viewer.user_id,
                "status": "active",
            }),
        )
        .await;
    assert_eq!(scratch["owner"]["user_id"], json!(ws.viewer.user_id));
    assert_eq!(scratch["status"], "active");
    assert!(scratch["template"].is_null(), "{scratch}");

    let all = app
        .all_pages(&plans_path(&ws.provider), &ws.admin.token, 50)
        .await;
    assert_eq!(ids(&all), [id, str_field(&scratch, "id")]);
}

async fn plan_fields_are_checked(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let token = ws.editor.token.as_str();
    let plan = app.create_plan(token, &ws.provider, "Kept as it is").await;
    let id = str_field(&plan, "id");
    let path = plans_path(&ws.provider);

    // The provider next door saves a template of its own.
    let theirs = app
        .create_plan(&ws.other_editor.token, &ws.other_provider, "Hillside plan")
        .await;
    let their_template = app
        .create(
            &format!("/api/v1/organisations/{}/templates", ws.other_provider),
            &ws.other_editor.token,
            json!({ "from_plan_id": theirs["id"], "name": "Hillside template" }),
        )
        .await;

    // Somebody invited who has not yet joined cannot own a plan either.
    let invited = app
        .invite(
            &ws.admin,
            &ws.alliance_id,
            Some(&ws.provider),
            "not.yet@riverside.example",
            "provider_editor",
        )
        .await;
    let invited_user = str_field(&invited["user"], "id");

    let refused_creates = [
        (json!({ "status": "archived" }), "status"),
        (json!({ "title": "   " }), "title"),
        (json!({ "service": "" }), "service"),
        (
            json!({ "period_starts_on": "2027-04-01", "period_ends_on": "2027-03-31" }),
            "period_ends_on",
        ),
        // Somebody of another provider, or nobody at all, cannot own the plan.
        (
            json!({ "owner_user_id": ws.other_editor.user_id }),
            "owner_user_id",
        ),
        (
            json!({ "owner_user_id": ws.alliance_admin.user_id }),
            "owner_user_id",
        ),
        (json!({ "owner_user_id": random_id() }), "owner_user_id"),
        (json!({ "owner_user_id": invited_user }), "owner_user_id"),
        // Another provider's template is not there to use.
        (
            json!({ "template_id": their_template["id"] }),
            "template_id",
        ),
        (json!({ "template_id": random_id() }), "template_id"),
    ];
    for (change, field) in refused_creates {
        let body = with(new_plan("Refused"), change.clone());
        expect_invalid(app.post(&path, token, body).await, &[field]).await;
    }

    let (_, tag) = app.read_tagged(&plan_path(&id), token).await;
    let refused_updates = [
        (json!({ "status": "archived" }), "status"),
        (json!({ "title": "" }), "title"),
        // Moving one end of the period past the other.
        (
            json!({ "period_starts_on": "2027-04-01", "period_ends_on": "2027-03-31" }),
            "period_ends_on",
        ),
        (
            json!({ "owner_user_id": ws.other_editor.user_id }),
            "owner_user_id",
        ),
    ];
    for (change, field) in refused_updates {
        expect_invalid(
            app.patch(&plan_path(&id), token, Some(&tag), change).await,
            &[field],
        )
        .await;
    }
    // With a period set, moving only one end is checked against the other.
    let (_, tag) = app.read_tagged(&plan_path(&id), token).await;
    let response = app
        .patch(
            &plan_path(&id),
            token,
            Some(&tag),
            json!({ "period_starts_on": "2026-04-01", "period_ends_on": "2027-03-31" }),
        )
        .await;
    expect_status(response, StatusCode::OK).await;
    let (_, tag) = app.read_tagged(&plan_path(&id), token).await;
    for change in [
        json!({ "period_ends_on": "2026-03-31" }),
        json!({ "period_starts_on": "2027-04-01" }),
    ] {
        expect_invalid(
            app.patch(&plan_path(&id), token, Some(&tag), change).await,
            &["period_ends_on"],
        )
        .await;
    }

    // Nothing was created or changed.
    let all = app.all_pages(&path, token, 50).await;
    assert_eq!(ids(&all), std::slice::from_ref(&id));
    let (now, now_tag) = app.read_tagged(&plan_path(&id), token).await;
    assert_eq!(now_tag, tag);
    assert_eq!(now["title"], "Kept as it is");
    assert_eq!(now["period_starts_on"], "2026-04-01");
    assert_eq!(now["period_ends_on"], "2027-03-31");
    assert_eq!(now["owner"]["user_id"], json!(ws.editor.user_id));

    // Its owner can be another member of the provider, and a closed set's value is checked.
    let response = app
        .patch(
            &plan_path(&id),
            token,
            Some(&now_tag),
            json!({ "owner_user_id": ws.second_editor.user_id, "status": "active" }),
        )
        .await;
    let changed = expect_status(response, StatusCode::OK).await;
    assert_eq!(changed["owner"]["user_id"], json!(ws.second_editor.user_id));
    assert_eq!(changed["status"], "active");
    let problem = expect_invalid(
        app.post(
            &path,
            token,
            with(new_plan("x"), json!({ "status": "open" })),
        )
        .await,
        &["status"],
    )
    .await;
    assert!(
        error_message(&problem, "status").contains("\"closed\""),
        "the message lists the values allowed: {problem}"
    );
}

async fn plan_updates_need_the_current_etag(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let plan = ws
        .app
        .create_plan(&ws.editor.token, &ws.provider, "Concurrency plan")
        .await;
    assert_updates_need_the_current_etag(
        &ws.app,
        &plan_path(&str_field(&plan, "id")),
        &ws.editor,
        &ws.second_editor,
        "title",
        (json!("Amina's title"), json!("Tom's title")),
    )
    .await;
}

// ---- export -------------------------------------------------------------------------------

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const IMPLEMENTATION_HEADINGS: [&str; 11] = [
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

/// A plan with everything an export shows.
struct Exportable {
    plan_id: String,
    priority: &'static str,
    goal: &'static str,
    late: &'static str,
    later: &'static str,
    narrative: &'static str,
}

async fn exportable_plan(ws: &Workspace) -> Exportable {
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let e = Exportable {
        plan_id: String::new(),
        priority: "Reduce detentions of Black Caribbean men under the Mental Health Act",
        goal: "Halve the gap in detention rates between Black Caribbean and White British men",
        late: "Co-design a crisis café with Black-led community groups",
        later: "Train ward staff in culturally appropriate de-escalation",
        narrative: "Three listening events held; 58 people attended",
    };
    let plan = app
        .create(
            &plans_path(&ws.provider),
            token,
            with(
                new_plan("Detentions plan 2026/27"),
                json!({ "period_starts_on": "2026-04-01", "period_ends_on": "2027-03-31" }),
            ),
        )
        .await;
    let plan_id = str_field(&plan, "id");
    let priority = app.add_priority(token, &plan_id, e.priority, &["M"]).await;
    app.add_goal(token, &plan_id, e.goal, &["co_production"], "data")
        .await;
    let priority_id = str_field(&priority, "id");
    app.add_action(
        token,
        &plan_id,
        &priority_id,
        e.late,
        json!({
            "starts_on": days_from_today(-90),
            "ends_on": days_from_today(-10),
            "lead_name": "Precious Adeyemi",
            "lead_role": "Community Engagement Lead",
            "status": "on_track",
        }),
    )
    .await;
    let later = app
        .add_action(
            token,
            &plan_id,
            &priority_id,
            e.later,
            json!({
                "starts_on": days_from_today(-5),
                "ends_on": days_from_today(120),
                "lead_name": "Harjit Sandhu",
                "lead_role": "Ward Manager",
            }),
        )
        .await;
    app.post_update(
        token,
        &str_field(&later, "id"),
        "on_track",
        None,
        e.narrative,
    )
    .await;
    Exportable { plan_id, ..e }
}

async fn download(app: &TestApp, token: &str, path: &str) -> (String, String, Vec<u8>) {
    let response = app.get(path, token).await;
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let bytes = response.bytes().await.expect("the file").to_vec();
    assert_eq!(
        status,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&bytes)
    );
    (content_type, disposition, bytes)
}

/// The rows of a sheet, each cell as text.
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

fn row_with<'a>(rows: &'a [Vec<String>], column: usize, value: &str) -> &'a [String] {
    rows.iter()
        .find(|row| row.get(column).is_some_and(|c| c == value))
        .unwrap_or_else(|| panic!("no row with {value:?} in column {column}: {rows:?}"))
}

fn uk(date: &str) -> String {
    let d: chrono::NaiveDate = date.parse().expect("date");
    d.format("%d/%m/%Y").to_string()
}

async fn a_plan_exports_to_excel_and_csv(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let e = exportable_plan(&ws).await;
    let export = format!("{}/export", plan_path(&e.plan_id));

    // Excel, by default and when asked for.
    for path in [export.clone(), format!("{export}?format=xlsx")] {
        let (content_type, disposition, bytes) = download(app, &ws.viewer.token, &path).await;
        assert_eq!(content_type, XLSX, "{path}");
        assert!(
            disposition.starts_with("attachment; filename=\"pcref-action-plan-")
                && disposition.ends_with(".xlsx\""),
            "{path}: {disposition}"
        );
        assert!(disposition.contains("detentions-plan"), "{disposition}");

        let mut workbook = Xlsx::new(Cursor::new(bytes)).expect("an Excel workbook");
        assert_eq!(
            workbook.sheet_names(),
            [
                "Plan",
                "1 Priority areas",
                "2 Goals",
                "3 Implementation",
                "4 Monitoring"
            ]
        );

        let summary = sheet(&mut workbook, "Plan");
        assert_eq!(
            row_with(&summary, 0, "Organisation")[1],
            "Riverside Mental Health NHS Trust"
        );
        assert_eq!(row_with(&summary, 0, "Plan")[1], "Detentions plan 2026/27");
        assert_eq!(
            row_with(&summary, 0, "Created from template")[1],
            BUILT_IN_TEMPLATE_NAME
        );

        let priorities = sheet(&mut workbook, "1 Priority areas");
        let priority = row_with(&priorities, 0, e.priority);
        assert!(
            priority[1].contains("M Black or Black British: Caribbean"),
            "{priority:?}"
        );

        let goals = sheet(&mut workbook, "2 Goals");
        let goal = row_with(&goals, 0, e.goal);
        assert!(goal.iter().any(|c| c == "Co-production"), "{goal:?}");
        assert!(goal.iter().any(|c| c == "Data"), "{goal:?}");

        let implementation = sheet(&mut workbook, "3 Implementation");
        assert_eq!(implementation[0], IMPLEMENTATION_HEADINGS);
        assert_eq!(implementation.len(), 3, "a heading row and two actions");
        let late = row_with(&implementation, 1, e.late);
        assert_eq!(late[0], e.priority);
        assert_eq!(late[2], "Sessions held");
        assert_eq!(late[3], "More referrals");
        assert_eq!(
            late[4],
            format!(
                "{} \u{2013} {}",
                uk(&days_from_today(-90)),
                uk(&days_from_today(-10))
            )
        );
        assert_eq!(late[5], "Precious Adeyemi");
        assert_eq!(late[6], "Community Engagement Lead");
        assert_eq!(late[8], "On track");
        assert_eq!(late[9], "Yes", "past its end and unfinished: overdue");
        let later = row_with(&implementation, 1, e.later);
        assert_eq!(later[5], "Harjit Sandhu");
        assert_eq!(later[9], "No");

        let monitoring = sheet(&mut workbook, "4 Monitoring");
        let update = row_with(&monitoring, 4, e.narrative);
        assert_eq!(update[1], e.later);
        assert_eq!(update[3], "Green");
    }

    // CSV: the implementation table.
    let (content_type, disposition, bytes) =
        download(app, &ws.editor.token, &format!("{export}?format=csv")).await;
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(
        disposition.starts_with("attachment; filename=\"pcref-action-plan-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let text = String::from_utf8(bytes).expect("UTF-8");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for Excel");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headings: Vec<String> = reader
        .headers()
        .expect("a heading row")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headings, IMPLEMENTATION_HEADINGS);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a CSV row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let late = row_with(&rows, 1, e.late);
    assert_eq!(late[0], e.priority);
    assert_eq!(
        late[4],
        format!("{} \u{2013} {}", days_from_today(-90), days_from_today(-10))
    );
    assert_eq!(late[5], "Precious Adeyemi");
    assert_eq!(late[9], "Yes");
    assert_eq!(row_with(&rows, 1, e.later)[9], "No");

    // Another format is a malformed request.
    expect_problem(
        app.get(&format!("{export}?format=pdf"), &ws.editor.token)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

/// Text that looks like a formula stays text: a plain string cell in the workbook, and
/// defused with a leading apostrophe in the CSV.
async fn exported_cells_never_become_formulas(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let plan = app.create_plan(token, &ws.provider, "Formula plan").await;
    let plan_id = str_field(&plan, "id");
    let statement = "=HYPERLINK(\"https://evil.example\",\"Open\")";
    let priority = app.add_priority(token, &plan_id, statement, &["A"]).await;
    let description = "+cmd|' /C calc'!A0";
    let lead = "@SUM(1+1)";
    let measure = "-2+3";
    app.add_action(
        token,
        &plan_id,
        &str_field(&priority, "id"),
        description,
        json!({ "lead_name": lead, "measure": measure }),
    )
    .await;
    let export = format!("{}/export", plan_path(&plan_id));

    let (_, _, bytes) = download(app, token, &export).await;
    let mut workbook = Xlsx::new(Cursor::new(bytes)).expect("an Excel workbook");
    let rows = sheet(&mut workbook, "3 Implementation");
    assert_eq!(rows[1][0], statement);
    assert_eq!(rows[1][1], description);
    assert_eq!(rows[1][2], measure);
    assert_eq!(rows[1][5], lead);
    for name in workbook.sheet_names() {
        let formulas = workbook
            .worksheet_formula(&name)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{name} holds a formula"
        );
    }

    let (_, _, bytes) = download(app, token, &format!("{export}?format=csv")).await;
    let text = String::from_utf8(bytes).expect("UTF-8");
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let row: Vec<String> = reader
        .records()
        .next()
        .expect("a row")
        .expect("a CSV row")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(row[0], format!("'{statement}"));
    assert_eq!(row[1], format!("'{description}"));
    assert_eq!(row[2], format!("'{measure}"));
    assert_eq!(row[5], format!("'{lead}"));
}

// ---- who sees a workspace -----------------------------------------------------------------

/// The records of a populated workspace (or random ids standing for them).
#[derive(Clone)]
struct Ids {
    organisation: String,
    plan: String,
    priority: String,
    goal: String,
    action: String,
    template: String,
}

impl Ids {
    fn random() -> Ids {
        Ids {
            organisation: random_id(),
            plan: random_id(),
            priority: random_id(),
            goal: random_id(),
            action: random_id(),
            template: random_id(),
        }
    }
}

/// The provider's workspace with one of everything; returns the ids.
async fn populated(ws: &Workspace) -> Ids {
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let plan = app
        .create_plan(token, &ws.provider, "Private plan of Riverside")
        .await;
    let plan_id = str_field(&plan, "id");
    let priority = app
        .add_priority(token, &plan_id, "Private priority of Riverside", &["N"])
        .await;
    let goal = app
        .add_goal(token, &plan_id, "Private goal", &["workforce"], "data")
        .await;
    let action = app
        .add_action(
            token,
            &plan_id,
            &str_field(&priority, "id"),
            "Private action",
            json!({}),
        )
        .await;
    app.post_update(
        token,
        &str_field(&action, "id"),
        "on_track",
        None,
        "Private narrative",
    )
    .await;
    let template = app
        .create(
            &format!("/api/v1/organisations/{}/templates", ws.provider),
            token,
            json!({ "from_plan_id": plan_id, "name": "Private template" }),
        )
        .await;
    Ids {
        organisation: ws.provider.clone(),
        plan: plan_id,
        priority: str_field(&priority, "id"),
        goal: str_field(&goal, "id"),
        action: str_field(&action, "id"),
        template: str_field(&template, "id"),
    }
}

/// One request to a workspace endpoint.
struct Call {
    label: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    if_match: Option<&'static str>,
}

fn call(label: &'static str, method: Method, path: String) -> Call {
    Call {
        label,
        method,
        path,
        body: None,
        if_match: None,
    }
}

impl Call {
    fn body(mut self, body: Value) -> Call {
        self.body = Some(body);
        self
    }

    fn if_match(mut self) -> Call {
        self.if_match = Some("\"1\"");
        self
    }

    async fn send(&self, app: &TestApp, token: &str) -> Response {
        let mut request = app.request(self.method.clone(), &self.path, Some(token));
        if let Some(tag) = self.if_match {
            request = request.header("If-Match", tag);
        }
        if let Some(body) = &self.body {
            request = request.json(body);
        }
        request.send().await.expect(self.label)
    }
}

/// Every read of a workspace.
fn reads(ids: &Ids) -> Vec<Call> {
    let plan = plan_path(&ids.plan);
    vec![
        call("list plans", Method::GET, plans_path(&ids.organisation)),
        call("get plan", Method::GET, plan.clone()),
        call("export plan", Method::GET, format!("{plan}/export")),
        call(
            "export CSV",
            Method::GET,
            format!("{plan}/export?format=csv"),
        ),
        call("list priorities", Method::GET, priorities_path(&ids.plan)),
        call(
            "get priority",
            Method::GET,
            format!("/api/v1/priorities/{}", ids.priority),
        ),
        call("list goals", Method::GET, goals_path(&ids.plan)),
        call(
            "get goal",
            Method::GET,
            format!("/api/v1/goals/{}", ids.goal),
        ),
        call("list actions", Method::GET, actions_path(&ids.plan)),
        call(
            "get action",
            Method::GET,
            format!("/api/v1/actions/{}", ids.action),
        ),
        call("list updates", Method::GET, updates_path(&ids.action)),
        call(
            "get template",
            Method::GET,
            format!("/api/v1/templates/{}", ids.template),
        ),
    ]
}

/// Every write to a workspace, some with a body that breaks a rule as well.
fn writes(ids: &Ids) -> Vec<Call> {
    let plan = plan_path(&ids.plan);
    let priority = format!("/api/v1/priorities/{}", ids.priority);
    let goal = format!("/api/v1/goals/{}", ids.goal);
    let action = format!("/api/v1/actions/{}", ids.action);
    let new_priority = priority_body("Another priority", &["H"]);
    let new_goal = goal_body("Another goal", &["workforce"], "data");
    let new_action = action_body(&ids.priority, "Another action");
    let update = update_body("at_risk", None, "Another update");
    vec![
        call("create plan", Method::POST, plans_path(&ids.organisation))
            .body(new_plan("Another plan")),
        call("patch plan", Method::PATCH, plan.clone())
            .body(json!({ "title": "Changed" }))
            .if_match(),
        call("patch plan without If-Match", Method::PATCH, plan.clone())
            .body(json!({ "title": "Changed" })),
        call("patch plan, bad status", Method::PATCH, plan.clone())
            .body(json!({ "status": "archived" }))
            .if_match(),
        call("delete plan", Method::DELETE, plan.clone()),
        call("delete plan with If-Match", Method::DELETE, plan.clone()).if_match(),
        call("create priority", Method::POST, priorities_path(&ids.plan))
            .body(new_priority.clone()),
        call(
            "create priority, BAME",
            Method::POST,
            priorities_path(&ids.plan),
        )
        .body(with(new_priority, json!({ "ethnic_categories": ["BAME"] }))),
        call("patch priority", Method::PATCH, priority.clone())
            .body(json!({ "statement": "Changed" }))
            .if_match(),
        call("delete priority", Method::DELETE, priority),
        call("create goal", Method::POST, goals_path(&ids.plan)).body(new_goal.clone()),
        call(
            "create goal, no deadline",
            Method::POST,
            goals_path(&ids.plan),
        )
        .body(with(new_goal, json!({ "deadline": null }))),
        call("patch goal", Method::PATCH, goal.clone())
            .body(json!({ "target": "999" }))
            .if_match(),
        call("delete goal", Method::DELETE, goal),
        call("create action", Method::POST, actions_path(&ids.plan)).body(new_action),
        call("patch action", Method::PATCH, action.clone())
            .body(json!({ "description": "Changed" }))
            .if_match(),
        call("delete action", Method::DELETE, action),
        call("post update", Method::POST, updates_path(&ids.action)).body(update.clone()),
        call(
            "post update, future",
            Method::POST,
            updates_path(&ids.action),
        )
        .body(with(update, json!({ "reported_on": days_from_today(30) }))),
        call(
            "save template",
            Method::POST,
            format!("/api/v1/organisations/{}/templates", ids.organisation),
        )
        .body(json!({ "from_plan_id": ids.plan, "name": "Copied" })),
    ]
}

/// What the editor of the workspace sees: to check that nothing changed.
async fn snapshot(app: &TestApp, editor: &Actor, ids: &Ids) -> Vec<Value> {
    let mut seen = Vec::new();
    for read in reads(ids) {
        if read.label.starts_with("export") {
            continue;
        }
        seen.push(expect_status(read.send(app, &editor.token).await, StatusCode::OK).await);
    }
    seen.push(app.get_ok("/api/v1/templates", &editor.token).await);
    seen
}

async fn nobody_outside_the_provider_learns_anything(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let ids = populated(&ws).await;
    let before = snapshot(app, &ws.editor, &ids).await;
    let board = ws
        .alliance_member("bo.ard@alliance.example", "board_member")
        .await;
    let partner = ws.vcse_partner().await;
    let outsiders = [
        ("the other provider's editor", &ws.other_editor),
        ("the alliance admin", &ws.alliance_admin),
        ("a board member", &board),
        ("a VCSE partner", &partner),
    ];

    let random = Ids::random();
    let real_calls: Vec<Call> = reads(&ids).into_iter().chain(writes(&ids)).collect();
    let random_calls: Vec<Call> = reads(&random).into_iter().chain(writes(&random)).collect();
    for (who, outsider) in outsiders {
        for (real, missing) in real_calls.iter().zip(&random_calls) {
            let hidden =
                expect_problem(real.send(app, &outsider.token).await, StatusCode::NOT_FOUND).await;
            let absent = expect_problem(
                missing.send(app, &outsider.token).await,
                StatusCode::NOT_FOUND,
            )
            .await;
            assert_eq!(
                hidden, absent,
                "{who}, {}: a hidden record answers as a missing one",
                real.label
            );
            assert!(
                !hidden.to_string().contains("Private"),
                "{who}, {}: {hidden}",
                real.label
            );
        }
        // Their own lists show none of it.
        let templates = app.get_ok("/api/v1/templates", &outsider.token).await;
        assert_eq!(ids_of_page(&templates), [BUILT_IN_TEMPLATE], "{who}");
    }

    let after = snapshot(app, &ws.editor, &ids).await;
    assert_eq!(before, after, "nothing in the workspace changed");
    let theirs = app
        .get_ok(&plans_path(&ws.other_provider), &ws.other_editor.token)
        .await;
    assert_eq!(ids_of_page(&theirs), Vec::<String>::new());
}

fn ids_of_page(page: &Value) -> Vec<String> {
    ids(&items(page))
}

async fn a_viewer_reads_everything_and_changes_nothing(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let ids = populated(&ws).await;
    let before = snapshot(app, &ws.editor, &ids).await;

    for read in reads(&ids) {
        let response = read.send(app, &ws.viewer.token).await;
        assert_eq!(response.status(), StatusCode::OK, "viewer, {}", read.label);
    }
    for write in writes(&ids) {
        let problem = expect_problem(
            write.send(app, &ws.viewer.token).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("viewer")),
            "viewer, {}: {problem}",
            write.label
        );
    }

    let after = snapshot(app, &ws.editor, &ids).await;
    assert_eq!(before, after, "nothing in the workspace changed");
}

/// Somebody who has left the provider no longer sees its workspace.
async fn a_former_member_loses_the_workspace(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let ids = populated(&ws).await;
    let leaver = &ws.second_editor;
    app.get_ok(&plan_path(&ids.plan), &leaver.token).await;

    expect_status(
        app.delete(
            &format!("/api/v1/memberships/{}", leaver.membership_id),
            &ws.admin.token,
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;

    let random = Ids::random();
    for (real, missing) in reads(&ids).iter().zip(reads(&random).iter()) {
        let hidden =
            expect_problem(real.send(app, &leaver.token).await, StatusCode::NOT_FOUND).await;
        let absent = expect_problem(
            missing.send(app, &leaver.token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(hidden, absent, "{}", real.label);
    }
    let templates = app.get_ok("/api/v1/templates", &leaver.token).await;
    assert_eq!(ids_of_page(&templates), [BUILT_IN_TEMPLATE]);
}

/// Two editors send the same tag at the same moment: exactly one update is applied.
async fn simultaneous_plan_updates_let_one_win(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let plan = app
        .create_plan(&ws.editor.token, &ws.provider, "Raced plan")
        .await;
    let path = plan_path(&str_field(&plan, "id"));
    for round in 0..4 {
        let (_, tag) = app.read_tagged(&path, &ws.editor.token).await;
        // Titles new in every round: an update that changes nothing is not a conflict.
        let (amina, tom) = (format!("Amina's {round}"), format!("Tom's {round}"));
        let (a, b) = tokio::join!(
            app.patch(
                &path,
                &ws.editor.token,
                Some(&tag),
                json!({ "title": amina })
            ),
            app.patch(
                &path,
                &ws.second_editor.token,
                Some(&tag),
                json!({ "title": tom })
            ),
        );
        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::PRECONDITION_FAILED],
            "round {round}"
        );
        let winner = if a.status() == StatusCode::OK {
            amina
        } else {
            tom
        };
        let (now, now_tag) = app.read_tagged(&path, &ws.editor.token).await;
        assert_eq!(now["title"], winner, "round {round}");
        assert_ne!(now_tag, tag);
    }
}

// ---- deleting -----------------------------------------------------------------------------

/// Every entry of an audit feed.
async fn audit(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    app.all_pages(path, token, 200).await
}

async fn a_deleted_plan_is_gone_but_the_audit_log_keeps_it(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let token = ws.editor.token.as_str();
    let made = populated(&ws).await;
    let kept = app
        .create_plan(token, &ws.provider, "The plan that stays")
        .await;
    let path = plan_path(&made.plan);

    // A stale If-Match refuses the deletion.
    let (_, tag) = app.read_tagged(&path, token).await;
    let response = app
        .patch(&path, token, Some(&tag), json!({ "status": "active" }))
        .await;
    expect_status(response, StatusCode::OK).await;
    expect_problem(
        app.delete_if(&path, token, Some(&tag)).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let (still, current) = app.read_tagged(&path, token).await;
    assert_eq!(still["status"], "active");

    expect_status(
        app.delete_if(&path, token, Some(&current)).await,
        StatusCode::NO_CONTENT,
    )
    .await;

    // The plan and everything in it is gone from every read.
    for read in reads(&made) {
        if read.label == "list plans" || read.label == "get template" {
            continue;
        }
        expect_problem(read.send(app, token).await, StatusCode::NOT_FOUND).await;
    }
    for write in writes(&made) {
        if write.label == "create plan" {
            continue;
        }
        let response = write.send(app, token).await;
        let status = response.status();
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{} on a deleted plan answered {status}",
            write.label
        );
        if write.label == "save template" {
            // The request names a plan that no longer exists.
            expect_invalid(response, &["from_plan_id"]).await;
        } else {
            expect_problem(response, StatusCode::NOT_FOUND).await;
        }
    }
    let listed_now = app.all_pages(&plans_path(&ws.provider), token, 50).await;
    assert_eq!(ids(&listed_now), [str_field(&kept, "id")]);
    let searched = listed(app, token, &ws.provider, "q=riverside").await;
    assert_eq!(searched, Vec::<String>::new(), "not found by search either");
    // A template saved from it before stays.
    app.get_ok(&format!("/api/v1/templates/{}", made.template), token)
        .await;

    // The provider's admin finds it in the organisation's audit log, with what it held.
    let entries = audit(
        app,
        &format!("/api/v1/organisations/{}/audit", ws.provider),
        &ws.admin.token,
    )
    .await;
    let deleted: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "plan.deleted")
        .collect();
    assert_eq!(deleted.len(), 1, "{entries:?}");
    assert_eq!(deleted[0]["target_id"], json!(made.plan));
    assert_eq!(deleted[0]["before"]["id"], json!(made.plan));
    assert_eq!(deleted[0]["before"]["title"], "Private plan of Riverside");
    assert_eq!(deleted[0]["before"]["status"], "active");
    assert!(deleted[0]["after"].is_null(), "{}", deleted[0]);
    assert_eq!(deleted[0]["actor"]["user_id"], json!(ws.editor.user_id));
    let logged: HashSet<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "plan.created",
        "plan.updated",
        "priority.created",
        "goal.created",
        "action.created",
        "progress_update.created",
        "template.created",
    ] {
        assert!(logged.contains(action), "{action} in {logged:?}");
    }

    // The alliance's log holds none of the workspace's entries.
    let alliance = audit(
        app,
        &format!("/api/v1/alliances/{}/audit", ws.alliance_id),
        &ws.alliance_admin.token,
    )
    .await;
    assert!(
        !alliance.is_empty(),
        "the alliance's log has its own entries"
    );
    for entry in &alliance {
        let action = entry["action"].as_str().unwrap_or_default();
        assert!(
            ![
                "plan.",
                "priority.",
                "goal.",
                "action.",
                "progress_update.",
                "template."
            ]
            .iter()
            .any(|prefix| action.starts_with(prefix)),
            "a workspace entry in the alliance's log: {entry}"
        );
        assert!(!entry.to_string().contains("Private"), "{entry}");
    }

    // An editor is not an admin: the organisation's log is not theirs to read.
    expect_problem(
        app.get(
            &format!("/api/v1/organisations/{}/audit", ws.provider),
            token,
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Deleting it again: it no longer exists.
    expect_problem(app.delete(&path, token).await, StatusCode::NOT_FOUND).await;
}

// ---- finding plans ------------------------------------------------------------------------

async fn plans_are_found_by_status_group_competency_pillar_and_words(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let token = ws.editor.token.as_str();
    let create = |title: &str, service: &str, status: &str| {
        let body = json!({ "title": title, "service": service, "status": status });
        let path = plans_path(&ws.provider);
        async move { str_field(&app.create(&path, token, body).await, "id") }
    };
    let therapies = create(
        "Talking therapies access plan",
        "NHS Talking Therapies",
        "active",
    )
    .await;
    let detentions = create(
        "Inpatient detentions plan",
        "Adult acute inpatient services",
        "draft",
    )
    .await;
    let crisis = create(
        "Reduce waits by 50% in crisis care",
        "Crisis resolution",
        "closed",
    )
    .await;
    let helpline = create("Helpline for 500 callers a week", "Crisis line", "draft").await;

    app.add_priority(
        token,
        &therapies,
        "South Asian men wait longer for assessment",
        &["H", "J"],
    )
    .await;
    app.add_goal(token, &therapies, "Equal waits", &["co_production"], "data")
        .await;
    app.add_priority(
        token,
        &detentions,
        "Black Caribbean men are detained more often",
        &["M"],
    )
    .await;
    app.add_goal(
        token,
        &detentions,
        "Board scrutiny of detention rates",
        &["workforce"],
        "leadership_and_governance",
    )
    .await;
    // Next door, a plan that would match every filter.
    let theirs = app
        .create_plan(
            &ws.other_editor.token,
            &ws.other_provider,
            "Talking therapies next door",
        )
        .await;
    app.add_priority(
        &ws.other_editor.token,
        &str_field(&theirs, "id"),
        "Caribbean and Indian communities",
        &["M", "H"],
    )
    .await;

    let cases: Vec<(&str, Vec<&String>)> = vec![
        ("", vec![&therapies, &detentions, &crisis, &helpline]),
        ("status=active", vec![&therapies]),
        ("status=draft", vec![&detentions, &helpline]),
        ("status=closed", vec![&crisis]),
        ("ethnic_category=H", vec![&therapies]),
        ("ethnic_category=h", vec![&therapies]),
        ("ethnic_category=M", vec![&detentions]),
        ("ethnic_category=K", vec![]),
        ("ethnic_category=black", vec![&detentions]),
        ("ethnic_category=Asian", vec![&therapies]),
        ("ethnic_category=white", vec![]),
        ("competency=co_production", vec![&therapies]),
        ("competency=workforce", vec![&detentions]),
        ("competency=intersectionality", vec![]),
        ("pillar=data", vec![&therapies]),
        ("pillar=leadership_and_governance", vec![&detentions]),
        ("pillar=patient_and_carer_feedback", vec![]),
        // Words in the title, the service or a priority's statement, in any case.
        ("q=talking", vec![&therapies]),
        ("q=INPATIENT", vec![&detentions]),
        ("q=caribbean", vec![&detentions]),
        ("q=Crisis%20resolution", vec![&crisis]),
        ("q=crisis", vec![&crisis, &helpline]),
        ("q=equal%20waits", vec![&therapies]),
        // Wildcards are literal: "50%" is not "50" followed by anything.
        ("q=50%25", vec![&crisis]),
        ("q=%25", vec![&crisis]),
        ("q=_", vec![]),
        ("q=nothing%20like%20this", vec![]),
        // Filters combine.
        ("status=draft&ethnic_category=black", vec![&detentions]),
        ("status=active&ethnic_category=black", vec![]),
        ("q=plan&pillar=data", vec![&therapies]),
    ];
    for (query, expected) in cases {
        let found = listed(app, token, &ws.provider, query).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(found, expected, "?{query}");
    }

    // A value that is not one of the set is refused, naming the parameter.
    for (query, fields) in [
        ("status=archived", &["status"][..]),
        ("ethnic_category=BAME", &["ethnic_category"]),
        ("ethnic_category=Q", &["ethnic_category"]),
        ("competency=kindness", &["competency"]),
        ("pillar=finance", &["pillar"]),
        ("status=x&pillar=y", &["status", "pillar"]),
    ] {
        expect_invalid(
            app.get(&format!("{}?{query}", plans_path(&ws.provider)), token)
                .await,
            fields,
        )
        .await;
    }
}

/// Case-insensitive search must fold letters beyond ASCII too: a Polish-speaking carers'
/// group named "Łączymy" is found as "łączymy", and as typed.
async fn search_folds_the_case_of_every_letter(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let token = ws.editor.token.as_str();
    let plan = app
        .create_plan(token, &ws.provider, "Łączymy: Polish-speaking carers")
        .await;
    let id = str_field(&plan, "id");
    for q in ["Łączymy", "łączymy", "ŁĄCZYMY"] {
        let found = listed(app, token, &ws.provider, &format!("q={q}")).await;
        assert_eq!(found, std::slice::from_ref(&id), "?q={q}");
    }
}

/// Any search text is answered — found or not — and never fails: quotes, backslashes,
/// control characters (PostgreSQL refuses a NUL in text), long text.
async fn any_search_text_is_answered(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let token = ws.editor.token.as_str();
    app.create_plan(token, &ws.provider, "O'Brien ward \\ plan")
        .await;
    let long = "a".repeat(5_000);
    for q in [
        "%00",
        "a%00b",
        "%01",
        "%5C",
        "%27",
        "%27%3B%20DROP%20TABLE%20plans%3B--",
        "%F0%9F%98%80",
        long.as_str(),
    ] {
        let response = app
            .get(&format!("{}?q={q}", plans_path(&ws.provider)), token)
            .await;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        let shown: String = q.chars().take(40).collect();
        assert!(
            status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY,
            "?q={shown} answered {status}: {body}"
        );
    }
    let found = listed(app, token, &ws.provider, "q=o%27brien").await;
    assert_eq!(found.len(), 1, "a quote is searched for as itself");
}

async fn plans_page_without_repeats(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let token = ws.editor.token.as_str();
    let mut created = Vec::new();
    for n in 0..7 {
        let plan = app
            .create_plan(token, &ws.provider, &format!("Plan number {n}"))
            .await;
        created.push(str_field(&plan, "id"));
    }
    app.create_plan(&ws.other_editor.token, &ws.other_provider, "Next door")
        .await;

    let first = app
        .get_ok(&format!("{}?limit=3", plans_path(&ws.provider)), token)
        .await;
    assert_eq!(ids_of_page(&first), created[..3]);
    let cursor = str_field(&first, "next_cursor");
    let second = app
        .get_ok(
            &format!("{}?limit=3&cursor={cursor}", plans_path(&ws.provider)),
            token,
        )
        .await;
    assert_eq!(ids_of_page(&second), created[3..6]);

    for limit in [1, 2, 3, 7, 50] {
        let all = app.all_pages(&plans_path(&ws.provider), token, limit).await;
        assert_eq!(ids(&all), created, "limit={limit}");
    }
    let filtered = app
        .all_pages(&format!("{}?q=number", plans_path(&ws.provider)), token, 2)
        .await;
    assert_eq!(ids(&filtered), created);
    let last = app
        .get_ok(&format!("{}?limit=7", plans_path(&ws.provider)), token)
        .await;
    assert!(last["next_cursor"].is_null(), "{last}");

    for bad in ["limit=0", "limit=201"] {
        let response = app
            .get(&format!("{}?{bad}", plans_path(&ws.provider)), token)
            .await;
        let status = response.status();
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
            "?{bad} answered {status}"
        );
    }
    expect_invalid(
        app.get(&format!("{}?cursor=nope", plans_path(&ws.provider)), token)
            .await,
        &["cursor"],
    )
    .await;
}

backend_tests!(
    an_editor_creates_a_plan_from_the_built_in_template,
    plan_fields_are_checked,
    plan_updates_need_the_current_etag,
    a_plan_exports_to_excel_and_csv,
    exported_cells_never_become_formulas,
    nobody_outside_the_provider_learns_anything,
    a_viewer_reads_everything_and_changes_nothing,
    a_deleted_plan_is_gone_but_the_audit_log_keeps_it,
    plans_are_found_by_status_group_competency_pillar_and_words,
    search_folds_the_case_of_every_letter,
    plans_page_without_repeats,
    any_search_text_is_answered,
    a_former_member_loses_the_workspace,
    simultaneous_plan_updates_let_one_win,
);
