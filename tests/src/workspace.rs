//! Provider workspaces: a fixture with an alliance, a provider and its people, and a second
//! provider next door; and helpers that create plans and their four stages over the API.

use chrono::{Duration, Utc};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use pcref_app::AppSettings;

use crate::{etag_of, expect_problem, expect_status, str_field, Actor, Backend, TestApp};

/// The built-in "PCREF action-planning tool (four stages)" template, seeded by a migration.
pub const BUILT_IN_TEMPLATE: &str = "00000000-0000-7000-8000-000000000001";
pub const BUILT_IN_TEMPLATE_NAME: &str = "PCREF action-planning tool (four stages)";

/// An alliance with two providers. The first has an admin, two editors and a viewer; the
/// second ("next door") has an editor of its own.
pub struct Workspace {
    pub app: TestApp,
    pub alliance_id: String,
    pub alliance_admin: Actor,
    /// The provider whose workspace the tests work in.
    pub provider: String,
    pub admin: Actor,
    pub editor: Actor,
    pub second_editor: Actor,
    pub viewer: Actor,
    /// Another provider of the same alliance.
    pub other_provider: String,
    pub other_editor: Actor,
}

impl Workspace {
    pub async fn new(backend: Backend) -> Workspace {
        Workspace::on(TestApp::spawn(backend).await).await
    }

    /// A workspace on a server with these application settings.
    pub async fn with_settings(backend: Backend, settings: AppSettings) -> Workspace {
        Workspace::on(TestApp::spawn_with(backend, settings).await).await
    }

    /// The workspace's people and organisations on a server already running.
    pub async fn on(app: TestApp) -> Workspace {
        let boot = app
            .bootstrap("North West PCREF Alliance", "lead@alliance.example")
            .await;
        let alliance_id = boot.alliance_id;
        let alliance_admin = boot.admin;
        let provider = app
            .create_organisation(
                &alliance_admin,
                &alliance_id,
                "Riverside Mental Health NHS Trust",
                "provider",
            )
            .await;
        let admin = app
            .add_member(
                &alliance_admin,
                &alliance_id,
                Some(&provider),
                "pcref.admin@riverside.example",
                "provider_admin",
            )
            .await;
        // Once the provider has its own admin, that admin brings its people in.
        let mut people = Vec::new();
        for (email, role) in [
            ("amina.khan@riverside.example", "provider_editor"),
            ("tom.baker@riverside.example", "provider_editor"),
            ("val.viewer@riverside.example", "provider_viewer"),
        ] {
            people.push(
                app.add_member(&admin, &alliance_id, Some(&provider), email, role)
                    .await,
            );
        }
        let [editor, second_editor, viewer] = <[Actor; 3]>::try_from(people).expect("three people");
        let other_provider = app
            .create_organisation(
                &alliance_admin,
                &alliance_id,
                "Hillside Partnership NHS Trust",
                "provider",
            )
            .await;
        let other_editor = app
            .add_member(
                &alliance_admin,
                &alliance_id,
                Some(&other_provider),
                "olu.editor@hillside.example",
                "provider_editor",
            )
            .await;
        Workspace {
            app,
            alliance_id,
            alliance_admin,
            provider,
            admin,
            editor,
            second_editor,
            viewer,
            other_provider,
            other_editor,
        }
    }

    /// Somebody with an alliance-wide role, such as `board_member`.
    pub async fn alliance_member(&self, email: &str, role: &str) -> Actor {
        self.app
            .add_member(&self.alliance_admin, &self.alliance_id, None, email, role)
            .await
    }

    /// A VCSE partner organisation and one of its partners.
    pub async fn vcse_partner(&self) -> Actor {
        let vcse = self
            .app
            .create_organisation(
                &self.alliance_admin,
                &self.alliance_id,
                "Community Voices Together",
                "vcse",
            )
            .await;
        self.app
            .add_member(
                &self.alliance_admin,
                &self.alliance_id,
                Some(&vcse),
                "sam.partner@voices.example",
                "vcse_partner",
            )
            .await
    }
}

// ---- paths --------------------------------------------------------------------------------

pub fn plans_path(organisation_id: &str) -> String {
    format!("/api/v1/organisations/{organisation_id}/plans")
}

pub fn plan_path(plan_id: &str) -> String {
    format!("/api/v1/plans/{plan_id}")
}

pub fn priorities_path(plan_id: &str) -> String {
    format!("/api/v1/plans/{plan_id}/priorities")
}

pub fn goals_path(plan_id: &str) -> String {
    format!("/api/v1/plans/{plan_id}/goals")
}

pub fn actions_path(plan_id: &str) -> String {
    format!("/api/v1/plans/{plan_id}/actions")
}

pub fn updates_path(action_id: &str) -> String {
    format!("/api/v1/actions/{action_id}/updates")
}

// ---- request bodies -----------------------------------------------------------------------

/// A priority area naming these NHS ethnic category codes.
pub fn priority_body(statement: &str, codes: &[&str]) -> Value {
    json!({
        "statement": statement,
        "ethnic_categories": codes,
        "service_area": "Adult community mental health",
        "evidence": "Local data 2025/26",
        "communities_consulted": true,
        "consultation_notes": "Listening events with community groups",
    })
}

/// A SMART goal tied to these competencies and this pillar, due in a year.
pub fn goal_body(statement: &str, competencies: &[&str], pillar: &str) -> Value {
    json!({
        "statement": statement,
        "measure": "Referrals per 100,000 people",
        "baseline": "210 (2025/26)",
        "target": "320",
        "deadline": days_from_today(365),
        "competencies": competencies,
        "pillar": pillar,
    })
}

/// An action serving `priority_id`, without dates.
pub fn action_body(priority_id: &str, description: &str) -> Value {
    json!({
        "priority_id": priority_id,
        "description": description,
        "measure": "Sessions held",
        "expected_outcome": "More referrals",
        "lead_name": "Amina Khan",
        "lead_role": "Head of Psychological Therapies",
        "cost_implications": "£4,000 for venues",
    })
}

/// A progress update with this status.
pub fn update_body(status: &str, reported_on: Option<&str>, narrative: &str) -> Value {
    let mut body = json!({ "status": status, "rag": "green", "narrative": narrative });
    if let Some(day) = reported_on {
        body["reported_on"] = json!(day);
    }
    body
}

/// `base` with the fields of `extra` set (or, when `null`, removed).
pub fn with(base: Value, extra: Value) -> Value {
    let mut merged = base;
    let target = merged.as_object_mut().expect("an object to extend");
    for (key, value) in extra.as_object().expect("an object of extra fields") {
        if value.is_null() {
            target.remove(key);
        } else {
            target.insert(key.clone(), value.clone());
        }
    }
    merged
}

/// A fresh id that names nothing.
pub fn random_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A date `days` from today (negative: in the past), as `YYYY-MM-DD`.
pub fn days_from_today(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days)).to_string()
}

// ---- reading answers ----------------------------------------------------------------------

/// The items of a page.
pub fn items(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page has items: {page}"))
        .clone()
}

/// The ids of a page's items, or of a list of records.
pub fn ids(records: &[Value]) -> Vec<String> {
    records.iter().map(|r| str_field(r, "id")).collect()
}

/// The `field` of each of the problem's `errors`, in order.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("a validation problem lists errors: {problem}"))
        .iter()
        .map(|e| str_field(e, "field"))
        .collect()
}

/// The message the problem gives for `field`.
pub fn error_message(problem: &Value, field: &str) -> String {
    problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no error for {field} in {problem}"))
        .to_owned()
}

/// Asserts a 422 naming exactly these fields (in any order), and returns the problem.
pub async fn expect_invalid(response: Response, fields: &[&str]) -> Value {
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut named = error_fields(&problem);
    named.sort();
    let mut expected: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
    expected.sort();
    assert_eq!(named, expected, "fields named by {problem}");
    problem
}

impl TestApp {
    /// `GET` that must answer 200; the body.
    pub async fn get_ok(&self, path: &str, token: &str) -> Value {
        expect_status(self.get(path, token).await, StatusCode::OK).await
    }

    /// `GET` that must answer 200; the body and its `ETag`, which must be `"<version>"`.
    pub async fn read_tagged(&self, path: &str, token: &str) -> (Value, String) {
        let response = self.get(path, token).await;
        if response.status() != StatusCode::OK {
            expect_status(response, StatusCode::OK).await;
            unreachable!("expect_status panics on any other status");
        }
        let tag = etag_of(&response);
        let body = expect_status(response, StatusCode::OK).await;
        assert_eq!(
            tag,
            format!("\"{}\"", body["version"]),
            "the ETag of {path} names its version: {body}"
        );
        (body, tag)
    }

    /// `POST` that must answer 201 with an `ETag` of `"1"`; the body.
    pub async fn create(&self, path: &str, token: &str, body: Value) -> Value {
        let response = self.post(path, token, body).await;
        if response.status() == StatusCode::CREATED {
            if let Some(tag) = response.headers().get("etag") {
                assert_eq!(
                    tag.to_str().ok(),
                    Some("\"1\""),
                    "{path}: a new record's ETag"
                );
            }
        }
        expect_status(response, StatusCode::CREATED).await
    }

    /// `DELETE`, with `If-Match` when given.
    pub async fn delete_if(&self, path: &str, token: &str, if_match: Option<&str>) -> Response {
        let mut request = self.request(Method::DELETE, path, Some(token));
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        request.send().await.expect("DELETE")
    }

    /// Every item of a list, following `next_cursor` page by page with `limit` items each.
    pub async fn all_pages(&self, path: &str, token: &str, limit: u32) -> Vec<Value> {
        let joiner = if path.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..1000 {
            let url = match &cursor {
                Some(c) => format!("{path}{joiner}limit={limit}&cursor={c}"),
                None => format!("{path}{joiner}limit={limit}"),
            };
            let page = self.get_ok(&url, token).await;
            let page_items = items(&page);
            assert!(
                page_items.len() <= limit as usize,
                "{url}: more than {limit} items"
            );
            all.extend(page_items);
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return all,
            }
        }
        panic!("{path} does not stop paging");
    }

    /// A plan created from the built-in template.
    pub async fn create_plan(&self, token: &str, organisation_id: &str, title: &str) -> Value {
        self.create(
            &plans_path(organisation_id),
            token,
            json!({
                "title": title,
                "service": "Adult community mental health",
                "template_id": BUILT_IN_TEMPLATE,
            }),
        )
        .await
    }

    pub async fn add_priority(
        &self,
        token: &str,
        plan_id: &str,
        statement: &str,
        codes: &[&str],
    ) -> Value {
        self.create(
            &priorities_path(plan_id),
            token,
            priority_body(statement, codes),
        )
        .await
    }

    pub async fn add_goal(
        &self,
        token: &str,
        plan_id: &str,
        statement: &str,
        competencies: &[&str],
        pillar: &str,
    ) -> Value {
        self.create(
            &goals_path(plan_id),
            token,
            goal_body(statement, competencies, pillar),
        )
        .await
    }

    /// An action from [`action_body`] with `extra` fields set.
    pub async fn add_action(
        &self,
        token: &str,
        plan_id: &str,
        priority_id: &str,
        description: &str,
        extra: Value,
    ) -> Value {
        self.create(
            &actions_path(plan_id),
            token,
            with(action_body(priority_id, description), extra),
        )
        .await
    }

    /// Posts a progress update; the answer holds the update and, under `action`, the action
    /// as it now stands.
    pub async fn post_update(
        &self,
        token: &str,
        action_id: &str,
        status: &str,
        reported_on: Option<&str>,
        narrative: &str,
    ) -> Value {
        let response = self
            .post(
                &updates_path(action_id),
                token,
                update_body(status, reported_on, narrative),
            )
            .await;
        let tag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let posted = expect_status(response, StatusCode::CREATED).await;
        assert_eq!(
            tag,
            Some(format!("\"{}\"", posted["action"]["version"])),
            "a posted update carries the action's new ETag: {posted}"
        );
        posted
    }
}

/// Optimistic concurrency on the record at `path`: two people read the same version; an
/// update without `If-Match` is refused (428), a malformed one is a bad request (400); the
/// first update wins and bumps the version; the second, sent with the tag both read, is
/// refused (412) and changes nothing; after reading again, it goes through.
pub async fn assert_updates_need_the_current_etag(
    app: &TestApp,
    path: &str,
    first: &Actor,
    second: &Actor,
    field: &str,
    (first_value, second_value): (Value, Value),
) {
    let (one, tag) = app.read_tagged(path, &first.token).await;
    let (two, second_tag) = app.read_tagged(path, &second.token).await;
    assert_eq!(tag, second_tag, "{path}: both read the same version");
    assert_eq!(one, two);
    let version = one["version"].as_i64().expect("a version");
    let original = one[field].clone();
    assert_ne!(original, first_value, "{path}: the change changes {field}");

    expect_problem(
        app.patch(
            path,
            &second.token,
            None,
            json!({ field: second_value.clone() }),
        )
        .await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    expect_problem(
        app.patch(
            path,
            &second.token,
            Some(&version.to_string()),
            json!({ field: second_value.clone() }),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;

    let response = app
        .patch(
            path,
            &first.token,
            Some(&tag),
            json!({ field: first_value.clone() }),
        )
        .await;
    let new_tag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let changed = expect_status(response, StatusCode::OK).await;
    assert_eq!(changed[field], first_value, "{path}: {changed}");
    assert_eq!(changed["version"], json!(version + 1), "{path}: {changed}");
    assert_eq!(new_tag, Some(format!("\"{}\"", version + 1)), "{path}");

    expect_problem(
        app.patch(
            path,
            &second.token,
            Some(&second_tag),
            json!({ field: second_value.clone() }),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let (now, now_tag) = app.read_tagged(path, &second.token).await;
    assert_eq!(now[field], first_value, "{path}: the first change stands");
    assert_eq!(now["version"], json!(version + 1), "{path}");
    assert_eq!(now, changed, "{path}: the refused update changed nothing");

    let response = app
        .patch(
            path,
            &second.token,
            Some(&now_tag),
            json!({ field: second_value.clone() }),
        )
        .await;
    let reapplied = expect_status(response, StatusCode::OK).await;
    assert_eq!(reapplied[field], second_value, "{path}");
    assert_eq!(reapplied["version"], json!(version + 2), "{path}");
}

// ---- publishing ---------------------------------------------------------------------------

/// `POST /plans/{id}/publish-preview` that must answer 200: the preview and its `ETag`.
pub async fn preview(app: &TestApp, token: &str, plan_id: &str, body: Value) -> (Value, String) {
    let response = app
        .post(
            &format!("/api/v1/plans/{plan_id}/publish-preview"),
            token,
            body,
        )
        .await;
    let tag = etag_of(&response);
    (expect_status(response, StatusCode::OK).await, tag)
}

/// `POST /plans/{id}/publications` with `If-Match` when given; the raw response.
pub async fn publish_with(
    app: &TestApp,
    token: &str,
    plan_id: &str,
    if_match: Option<&str>,
    body: Value,
) -> Response {
    let mut request = app.request(
        Method::POST,
        &format!("/api/v1/plans/{plan_id}/publications"),
        Some(token),
    );
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    request.json(&body).send().await.expect("publish")
}

/// Previews and publishes the plan as previewed, acknowledging any warnings: the publication.
pub async fn publish(app: &TestApp, token: &str, plan_id: &str, attribution: &str) -> Value {
    let (_, tag) = preview(app, token, plan_id, json!({ "attribution": attribution })).await;
    let response = publish_with(
        app,
        token,
        plan_id,
        Some(&tag),
        json!({ "attribution": attribution, "acknowledge_warnings": true }),
    )
    .await;
    expect_status(response, StatusCode::CREATED).await
}
