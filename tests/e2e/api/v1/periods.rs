//! `/api/v1/alliances/{id}/periods` and `/api/v1/periods/{id}`: an alliance's reporting
//! periods (issue 7, point 1). The alliance admin opens one each quarter (who may, what is
//! checked, an idempotent retry), every member of the alliance and its API clients with
//! `reports:read` read them, the list comes newest first with a status filter and pages, a
//! change needs the current `ETag`, closing freezes the label and the dates until the period
//! is reopened, and every step is in the alliance's audit log.
//!
//! Periods are plain calendar ranges, not tied to today: the tests use fixed dates.

use pcref_e2e::{
    backend_tests, error_fields, expect_invalid, expect_problem, expect_status, ids, items,
    random_id, str_field, Actor, Backend, TestApp, Workspace,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

// ---- paths and bodies ---------------------------------------------------------------------

fn periods_path(alliance_id: &str) -> String {
    format!("/api/v1/alliances/{alliance_id}/periods")
}

fn period_path(id: &str) -> String {
    format!("/api/v1/periods/{id}")
}

fn audit_path(alliance_id: &str) -> String {
    format!("/api/v1/alliances/{alliance_id}/audit?limit=200")
}

fn period_body(label: &str, starts_on: &str, ends_on: &str) -> Value {
    json!({ "label": label, "starts_on": starts_on, "ends_on": ends_on })
}

fn q3_body() -> Value {
    period_body("2026-Q3", "2026-07-01", "2026-09-30")
}

fn q4_body() -> Value {
    period_body("2026-Q4", "2026-10-01", "2026-12-31")
}

/// Every field a period carries, and nothing else.
const PERIOD_FIELDS: [&str; 9] = [
    "alliance_id",
    "created_at",
    "ends_on",
    "id",
    "label",
    "starts_on",
    "status",
    "updated_at",
    "version",
];

// ---- requests -----------------------------------------------------------------------------

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn tag_of(period: &Value) -> String {
    format!("\"{}\"", period["version"])
}

/// `POST` a period that must answer 201 with its `Location` and an `ETag` naming its
/// version: the period.
async fn create_period(app: &TestApp, who: &Actor, alliance_id: &str, body: Value) -> Value {
    let response = app.post(&periods_path(alliance_id), &who.token, body).await;
    let location = header(&response, "location");
    let tag = header(&response, "etag");
    let period = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(
        location,
        Some(period_path(&str_field(&period, "id"))),
        "{period}"
    );
    assert_eq!(tag, Some(tag_of(&period)), "a new period's ETag: {period}");
    period
}

/// `GET` a period that must answer 200 with an `ETag` naming its version: the period and
/// its tag.
async fn read_period(app: &TestApp, who: &Actor, id: &str) -> (Value, String) {
    let response = app.get(&period_path(id), &who.token).await;
    let tag = header(&response, "etag");
    let period = expect_status(response, StatusCode::OK).await;
    let tag = tag.unwrap_or_else(|| panic!("a period's ETag: {period}"));
    assert_eq!(tag, tag_of(&period), "{period}");
    (period, tag)
}

/// `PATCH` a period that must answer 200 with an `ETag` naming its new version: the period
/// and its tag.
async fn change_period(
    app: &TestApp,
    who: &Actor,
    id: &str,
    tag: &str,
    body: Value,
) -> (Value, String) {
    let response = app
        .patch(&period_path(id), &who.token, Some(tag), body)
        .await;
    let new_tag = header(&response, "etag");
    let period = expect_status(response, StatusCode::OK).await;
    let new_tag = new_tag.unwrap_or_else(|| panic!("a changed period's ETag: {period}"));
    assert_eq!(new_tag, tag_of(&period), "{period}");
    (period, new_tag)
}

/// The ids a period list shows for this query.
async fn listed(app: &TestApp, who: &Actor, alliance_id: &str, query: &str) -> Vec<String> {
    let page = app
        .get_ok(
            &format!("{}?{query}", periods_path(alliance_id)),
            &who.token,
        )
        .await;
    ids(&items(&page))
}

/// A refused filter or page: 400 or 422, as problem+json.
async fn expect_bad_request(response: Response) {
    let status = response.status();
    assert!(
        status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}: expected 400 or 422, got {status}",
        response.url()
    );
    expect_problem(response, status).await;
}

/// A 409 whose detail names `label` (the other period's).
async fn expect_conflict_naming(response: Response, label: &str) -> Value {
    let problem = expect_problem(response, StatusCode::CONFLICT).await;
    let detail = str_field(&problem, "detail");
    assert!(
        detail.contains(label),
        "the conflict names the other period {label:?}: {problem}"
    );
    problem
}

/// A 403 `insufficient_scope` for an API client's token, whose challenge names `scope` when
/// given.
async fn expect_insufficient_scope(response: Response, scope: Option<&str>) {
    let challenge = header(&response, "www-authenticate").unwrap_or_default();
    let url = response.url().clone();
    expect_problem(response, StatusCode::FORBIDDEN).await;
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{url}: {challenge:?}"
    );
    if let Some(scope) = scope {
        assert!(challenge.contains(scope), "{url}: {challenge:?}");
    }
}

fn token_actor(token: &str) -> Actor {
    Actor {
        token: token.to_owned(),
        user_id: String::new(),
        email: String::new(),
        membership_id: String::new(),
    }
}

// ---- the people ---------------------------------------------------------------------------

/// The workspace's alliance with its VCSE organisation (an admin and a partner), a board
/// member, and another alliance with its admin and a provider's editor.
struct Fixture {
    ws: Workspace,
    vcse: String,
    vcse_admin: Actor,
    partner: Actor,
    board: Actor,
    far_alliance: String,
    far_admin: Actor,
    far_editor: Actor,
}

impl Fixture {
    async fn new(backend: Backend) -> Fixture {
        let ws = Workspace::new(backend).await;
        let app = &ws.app;
        let vcse = app
            .create_organisation(
                &ws.alliance_admin,
                &ws.alliance_id,
                "Community Voices Together",
                "vcse",
            )
            .await;
        let vcse_admin = app
            .add_member(
                &ws.alliance_admin,
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
        let far = app
            .bootstrap("Far Away PCREF Alliance", "lead@faraway.example")
            .await;
        let far_provider = app
            .create_organisation(
                &far.admin,
                &far.alliance_id,
                "Faraway Healthcare NHS Trust",
                "provider",
            )
            .await;
        let far_editor = app
            .add_member(
                &far.admin,
                &far.alliance_id,
                Some(&far_provider),
                "fay.editor@faraway.example",
                "provider_editor",
            )
            .await;
        Fixture {
            ws,
            vcse,
            vcse_admin,
            partner,
            board,
            far_alliance: far.alliance_id,
            far_admin: far.admin,
            far_editor,
        }
    }

    fn app(&self) -> &TestApp {
        &self.ws.app
    }

    /// Every member of the alliance but its admin: all of them read, none of them writes.
    fn other_members(&self) -> [&Actor; 7] {
        [
            &self.ws.admin,
            &self.ws.editor,
            &self.ws.viewer,
            &self.ws.other_editor,
            &self.vcse_admin,
            &self.partner,
            &self.board,
        ]
    }

    /// A period of the workspace's alliance, opened by its admin.
    async fn open(&self, body: Value) -> Value {
        create_period(
            self.app(),
            &self.ws.alliance_admin,
            &self.ws.alliance_id,
            body,
        )
        .await
    }
}

// ---- opening and reading ------------------------------------------------------------------

/// The alliance admin opens 2026-Q3 and 2026-Q4: each answers exactly the contract's fields,
/// open at version 1, with its `Location` and `ETag`; a GET returns the same period and tag
/// to every member of the alliance, and to its API clients with `reports:read`.
async fn the_alliance_admin_opens_periods(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());

    let q3 = f.open(q3_body()).await;
    let mut fields: Vec<&str> = q3
        .as_object()
        .unwrap_or_else(|| panic!("a period is an object: {q3}"))
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, PERIOD_FIELDS, "{q3}");
    assert!(uuid::Uuid::parse_str(&str_field(&q3, "id")).is_ok(), "{q3}");
    assert_eq!(q3["alliance_id"], json!(ws.alliance_id));
    assert_eq!(q3["label"], "2026-Q3");
    assert_eq!(q3["starts_on"], "2026-07-01");
    assert_eq!(q3["ends_on"], "2026-09-30");
    assert_eq!(q3["status"], "open");
    assert_eq!(q3["version"], 1);
    assert!(
        chrono::DateTime::parse_from_rfc3339(&str_field(&q3, "created_at")).is_ok(),
        "{q3}"
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(&str_field(&q3, "updated_at")).is_ok(),
        "{q3}"
    );

    let q4 = f.open(q4_body()).await;
    assert_eq!(q4["label"], "2026-Q4");
    assert_eq!(q4["starts_on"], "2026-10-01");
    assert_eq!(q4["ends_on"], "2026-12-31");
    assert_eq!(q4["status"], "open");
    assert_eq!(q4["version"], 1);
    assert_ne!(q4["id"], q3["id"]);
    let (q3_id, q4_id) = (str_field(&q3, "id"), str_field(&q4, "id"));

    // Every member of the alliance reads both, as they were answered, and lists them.
    for reader in f
        .other_members()
        .into_iter()
        .chain([&ws.alliance_admin, &ws.second_editor])
    {
        for period in [&q3, &q4] {
            let (seen, tag) = read_period(app, reader, &str_field(period, "id")).await;
            assert_eq!(seen, *period, "{}", reader.email);
            assert_eq!(tag, "\"1\"");
        }
        assert_eq!(
            listed(app, reader, &ws.alliance_id, "").await,
            vec![q4_id.clone(), q3_id.clone()],
            "{}",
            reader.email
        );
    }

    // API clients with reports:read (a provider's and a VCSE organisation's) read them too.
    let provider_client = app
        .client_actor(
            &ws.admin,
            &ws.provider,
            "Riverside board papers",
            &["reports:read"],
        )
        .await;
    let vcse_client = app
        .client_actor(
            &f.vcse_admin,
            &f.vcse,
            "Voices dashboards",
            &["reports:read", "feedback:write"],
        )
        .await;
    for client in [&provider_client, &vcse_client] {
        let (seen, _) = read_period(app, client, &q3_id).await;
        assert_eq!(seen, q3);
        assert_eq!(
            listed(app, client, &ws.alliance_id, "").await,
            vec![q4_id.clone(), q3_id.clone()]
        );
    }
}

/// An API client reads periods only with `reports:read` (403 `insufficient_scope` naming it
/// otherwise, even when it asked for a token without the scope it was granted), and never
/// writes them: periods are written by people (403 `insufficient_scope`).
async fn api_clients_read_with_reports_read_and_never_write(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let q3 = f.open(q3_body()).await;
    let id = str_field(&q3, "id");

    let without = app
        .client_actor(
            &ws.admin,
            &ws.provider,
            "Riverside library scripts",
            &["library:read", "projects:write"],
        )
        .await;
    let granted = app
        .create_api_client(
            &ws.admin,
            &ws.provider,
            "Riverside everything",
            &["reports:read", "library:read"],
        )
        .await;
    let narrowed = token_actor(&app.client_token(&granted, Some("library:read")).await);
    for client in [&without, &narrowed] {
        for path in [periods_path(&ws.alliance_id), period_path(&id)] {
            expect_insufficient_scope(app.get(&path, &client.token).await, Some("reports:read"))
                .await;
        }
    }

    // With reports:read (and everything else) a client still may not open or change one.
    let full = token_actor(&app.client_token(&granted, None).await);
    let (_, tag) = read_period(app, &full, &id).await;
    expect_insufficient_scope(
        app.post(&periods_path(&ws.alliance_id), &full.token, q4_body())
            .await,
        None,
    )
    .await;
    for body in [json!({ "label": "2026 Q3" }), json!({ "status": "closed" })] {
        expect_insufficient_scope(
            app.patch(&period_path(&id), &full.token, Some(&tag), body)
                .await,
            None,
        )
        .await;
    }
    let vcse_client = app
        .client_actor(
            &f.vcse_admin,
            &f.vcse,
            "Voices scripts",
            &["reports:read", "feedback:write", "projects:write"],
        )
        .await;
    expect_insufficient_scope(
        app.post(
            &periods_path(&ws.alliance_id),
            &vcse_client.token,
            q4_body(),
        )
        .await,
        None,
    )
    .await;
    let (unchanged, unchanged_tag) = read_period(app, &ws.viewer, &id).await;
    assert_eq!(unchanged, q3);
    assert_eq!(unchanged_tag, tag);
    assert_eq!(
        listed(app, &ws.viewer, &ws.alliance_id, "").await,
        vec![id.clone()]
    );
}

/// Only the alliance admin opens and changes periods: every other member gets 403 and
/// another alliance's people 404 on everything — exactly the 404 of a period that does not
/// exist — and nothing changes.
async fn only_the_alliance_admin_writes_and_outsiders_see_nothing(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let q3 = f.open(q3_body()).await;
    let id = str_field(&q3, "id");
    let (_, tag) = read_period(app, &ws.alliance_admin, &id).await;

    for refused in f.other_members() {
        expect_problem(
            app.post(&periods_path(&ws.alliance_id), &refused.token, q4_body())
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        for body in [
            json!({ "label": "2026 Q3" }),
            json!({ "ends_on": "2026-09-29" }),
            json!({ "status": "closed" }),
        ] {
            expect_problem(
                app.patch(&period_path(&id), &refused.token, Some(&tag), body)
                    .await,
                StatusCode::FORBIDDEN,
            )
            .await;
        }
    }

    // Another alliance — its admin included — reads this alliance's periods like ones that
    // do not exist.
    for outsider in [&f.far_admin, &f.far_editor] {
        for path in [periods_path(&ws.alliance_id), period_path(&id)] {
            expect_problem(app.get(&path, &outsider.token).await, StatusCode::NOT_FOUND).await;
        }
        expect_problem(
            app.post(&periods_path(&ws.alliance_id), &outsider.token, q4_body())
                .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let hidden = expect_problem(
            app.patch(
                &period_path(&id),
                &outsider.token,
                Some(&tag),
                json!({ "status": "closed" }),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let nowhere = random_id();
        let missing = expect_problem(
            app.patch(
                &period_path(&nowhere),
                &outsider.token,
                Some(&tag),
                json!({ "status": "closed" }),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(
            hidden.to_string().replace(&id, "<id>"),
            missing.to_string().replace(&nowhere, "<id>")
        );
        let hidden = expect_problem(
            app.get(&period_path(&id), &outsider.token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let missing = expect_problem(
            app.get(&period_path(&nowhere), &outsider.token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(
            hidden.to_string().replace(&id, "<id>"),
            missing.to_string().replace(&nowhere, "<id>")
        );
        assert!(!hidden.to_string().contains("2026-Q3"), "{hidden}");
    }
    // A period that does not exist is 404 for a member too, and so is an alliance.
    expect_problem(
        app.get(&period_path(&random_id()), &ws.alliance_admin.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        app.get(&periods_path(&random_id()), &ws.alliance_admin.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // The other alliance's list is its own, and empty.
    assert!(listed(app, &f.far_admin, &f.far_alliance, "")
        .await
        .is_empty());

    let (unchanged, unchanged_tag) = read_period(app, &ws.alliance_admin, &id).await;
    assert_eq!(unchanged, q3, "the refusals changed nothing");
    assert_eq!(unchanged_tag, tag);
    assert_eq!(
        listed(app, &ws.viewer, &ws.alliance_id, "").await,
        vec![id.clone()],
        "nothing was created"
    );
}

/// A retry with the same `Idempotency-Key` replays the first answer (status, `Location`,
/// `ETag`, body) and opens nothing more.
async fn a_retry_with_the_same_idempotency_key_opens_one(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let path = periods_path(&ws.alliance_id);
    let send = || {
        app.request(Method::POST, &path, Some(&ws.alliance_admin.token))
            .header("Idempotency-Key", "open-2026-q3")
            .json(&q3_body())
            .send()
    };
    let first = send().await.expect("POST with an Idempotency-Key");
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(header(&first, "idempotent-replayed"), None);
    let first_location = header(&first, "location");
    let first_tag = header(&first, "etag");
    assert_eq!(first_tag.as_deref(), Some("\"1\""));
    let first_body = first.text().await.expect("a body");
    let period: Value = serde_json::from_str(&first_body).expect("a period");
    assert_eq!(first_location, Some(period_path(&str_field(&period, "id"))));
    for _ in 0..2 {
        let again = send().await.expect("POST with an Idempotency-Key");
        assert_eq!(again.status(), StatusCode::CREATED);
        assert_eq!(header(&again, "location"), first_location);
        assert_eq!(header(&again, "etag"), first_tag);
        assert_eq!(
            header(&again, "idempotent-replayed").as_deref(),
            Some("true")
        );
        assert_eq!(again.text().await.expect("a body"), first_body);
    }
    assert_eq!(
        listed(app, &ws.alliance_admin, &ws.alliance_id, "").await,
        vec![str_field(&period, "id")]
    );
    // Without the key, the same body is a second attempt: the label is taken.
    expect_conflict_naming(
        app.post(&path, &ws.alliance_admin.token, q3_body()).await,
        "2026-Q3",
    )
    .await;
}

// ---- what a period must be ----------------------------------------------------------------

/// 422 for a blank label, one longer than 40 characters or of more than one line, a period
/// that ends before it starts or lasts more than 366 days, and dates outside 1900–2999, each
/// naming its field; nothing is stored. The edges are accepted: 40 characters, one day, a
/// leap year of 366 days, the first day of 1900 and the last of 2999.
async fn what_a_period_must_be(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let path = periods_path(&ws.alliance_id);
    let admin = &ws.alliance_admin;

    let forty = "Q".repeat(40);
    let forty_one = "Q".repeat(41);
    for (body, field) in [
        (period_body("", "2026-07-01", "2026-09-30"), "label"),
        (period_body("   ", "2026-07-01", "2026-09-30"), "label"),
        (period_body(&forty_one, "2026-07-01", "2026-09-30"), "label"),
        (
            period_body("2026-Q3\nsummer", "2026-07-01", "2026-09-30"),
            "label",
        ),
        (
            period_body("2026-Q3\r\nsummer", "2026-07-01", "2026-09-30"),
            "label",
        ),
        (
            period_body("2026-Q3", "2026-09-30", "2026-07-01"),
            "ends_on",
        ),
        (
            period_body("2026-Q3", "2026-07-01", "2026-06-30"),
            "ends_on",
        ),
        // A period's days are counted with both ends: 2025-01-01 to 2026-01-02 is 367 days.
        (
            period_body("Too long", "2025-01-01", "2026-01-02"),
            "ends_on",
        ),
        (
            period_body("Two years", "2025-01-01", "2026-12-31"),
            "ends_on",
        ),
        (
            period_body("Victorian", "1899-12-31", "1900-01-31"),
            "starts_on",
        ),
        (
            period_body("Far future", "2999-12-01", "3000-01-01"),
            "ends_on",
        ),
    ] {
        let problem =
            expect_invalid(app.post(&path, &admin.token, body.clone()).await, &[field]).await;
        assert!(
            !error_fields(&problem).is_empty(),
            "{body}: the problem lists its fields"
        );
    }
    // A period wholly outside the years may name both dates; it is refused all the same.
    let problem = expect_problem(
        app.post(
            &path,
            &admin.token,
            period_body("Long ago", "1066-10-14", "1066-10-14"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        error_fields(&problem).contains(&"starts_on".to_owned()),
        "{problem}"
    );
    // Missing fields and dates that are no dates are refused (400 or 422).
    for body in [
        json!({ "starts_on": "2026-07-01", "ends_on": "2026-09-30" }),
        json!({ "label": "2026-Q3", "ends_on": "2026-09-30" }),
        json!({ "label": "2026-Q3", "starts_on": "2026-07-01" }),
        period_body("2026-Q3", "2026-13-01", "2026-12-31"),
        period_body("2026-Q3", "2026-07-01", "30/09/2026"),
        period_body("2026-Q3", "2026-02-30", "2026-03-31"),
    ] {
        expect_bad_request(app.post(&path, &admin.token, body).await).await;
    }
    assert!(
        listed(app, admin, &ws.alliance_id, "").await.is_empty(),
        "nothing was stored"
    );

    // The edges are periods.
    for body in [
        period_body(&forty, "2026-07-01", "2026-09-30"),
        period_body("Census day", "2021-03-21", "2021-03-21"),
        // 2024 is a leap year: 366 days.
        period_body("2024", "2024-01-01", "2024-12-31"),
        // 366 days counted with both ends, across a year that is not a leap year.
        period_body("2022 and a day", "2022-01-01", "2023-01-01"),
        period_body("The first month", "1900-01-01", "1900-01-31"),
        period_body("The last month", "2999-12-01", "2999-12-31"),
    ] {
        let period = f.open(body.clone()).await;
        assert_eq!(period["label"], body["label"]);
        assert_eq!(period["starts_on"], body["starts_on"]);
        assert_eq!(period["ends_on"], body["ends_on"]);
    }

    // A change is held to the same rules, and changes nothing when refused.
    let q3 = f
        .open(period_body("2025-Q3", "2025-07-01", "2025-09-30"))
        .await;
    let id = str_field(&q3, "id");
    let (_, tag) = read_period(app, admin, &id).await;
    for (body, field) in [
        (json!({ "label": " " }), "label"),
        (json!({ "label": forty_one }), "label"),
        (json!({ "label": "2025-Q3\nlate" }), "label"),
        (json!({ "ends_on": "2025-06-30" }), "ends_on"),
        (json!({ "starts_on": "2025-10-01" }), "ends_on"),
        (json!({ "ends_on": "2026-07-10" }), "ends_on"),
    ] {
        expect_invalid(
            app.patch(&period_path(&id), &admin.token, Some(&tag), body)
                .await,
            &[field],
        )
        .await;
    }
    // A status that is not one is refused (400 or 422: the contract does not say which).
    expect_bad_request(
        app.patch(
            &period_path(&id),
            &admin.token,
            Some(&tag),
            json!({ "status": "ajar" }),
        )
        .await,
    )
    .await;
    let (unchanged, unchanged_tag) = read_period(app, admin, &id).await;
    assert_eq!(unchanged, q3);
    assert_eq!(unchanged_tag, tag);
}

/// 409 for a label another period of the alliance has (in any case) or for dates that
/// overlap another's, on a create and on a change; the detail names the other period. A
/// period next to another is fine, a period does not conflict with itself, a closed period
/// still holds its label and dates, and another alliance may use the same label and dates.
async fn labels_are_unique_and_periods_do_not_overlap(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let path = periods_path(&ws.alliance_id);
    let admin = &ws.alliance_admin;
    let q3 = f.open(q3_body()).await;

    // The same label, in another case, with dates far apart.
    for label in ["2026-Q3", "2026-q3"] {
        expect_conflict_naming(
            app.post(
                &path,
                &admin.token,
                period_body(label, "2030-07-01", "2030-09-30"),
            )
            .await,
            "2026-Q3",
        )
        .await;
    }
    // Overlapping dates: at either end, inside, around.
    for (start, end) in [
        ("2026-09-30", "2026-10-31"),
        ("2026-06-01", "2026-07-01"),
        ("2026-08-01", "2026-08-31"),
        ("2026-06-01", "2026-10-31"),
        ("2026-07-01", "2026-09-30"),
    ] {
        expect_conflict_naming(
            app.post(&path, &admin.token, period_body("Summer 2026", start, end))
                .await,
            "2026-Q3",
        )
        .await;
    }
    // The next quarter starts the day after: no overlap.
    let q4 = f.open(q4_body()).await;
    let q2 = f
        .open(period_body("2026-Q2", "2026-04-01", "2026-06-30"))
        .await;
    assert_eq!(
        listed(app, admin, &ws.alliance_id, "").await,
        ids(&[q4.clone(), q3.clone(), q2.clone()])
    );

    // A change is held to the same rules: Q4 may not take Q3's label nor reach into it.
    let q4_id = str_field(&q4, "id");
    let (_, tag) = read_period(app, admin, &q4_id).await;
    expect_conflict_naming(
        app.patch(
            &period_path(&q4_id),
            &admin.token,
            Some(&tag),
            json!({ "label": "2026-q3" }),
        )
        .await,
        "2026-Q3",
    )
    .await;
    expect_conflict_naming(
        app.patch(
            &period_path(&q4_id),
            &admin.token,
            Some(&tag),
            json!({ "starts_on": "2026-09-15" }),
        )
        .await,
        "2026-Q3",
    )
    .await;
    let (unchanged, unchanged_tag) = read_period(app, admin, &q4_id).await;
    assert_eq!(unchanged, q4, "the refused changes changed nothing");
    assert_eq!(unchanged_tag, tag);
    // Against itself there is no conflict: its own label in another case, its own dates
    // moved within themselves.
    let (renamed, tag) = change_period(
        app,
        admin,
        &q4_id,
        &tag,
        json!({ "label": "2026-q4", "ends_on": "2026-12-30" }),
    )
    .await;
    assert_eq!(renamed["label"], "2026-q4");
    assert_eq!(renamed["ends_on"], "2026-12-30");
    assert_eq!(renamed["version"], 2);
    change_period(
        app,
        admin,
        &q4_id,
        &tag,
        json!({ "label": "2026-Q4", "starts_on": "2026-10-01", "ends_on": "2026-12-31" }),
    )
    .await;

    // A closed period still holds its label and its dates.
    let q3_id = str_field(&q3, "id");
    let (_, q3_tag) = read_period(app, admin, &q3_id).await;
    let (closed, _) =
        change_period(app, admin, &q3_id, &q3_tag, json!({ "status": "closed" })).await;
    assert_eq!(closed["status"], "closed");
    expect_conflict_naming(
        app.post(
            &path,
            &admin.token,
            period_body("2026-Q3", "2031-07-01", "2031-09-30"),
        )
        .await,
        "2026-Q3",
    )
    .await;
    expect_conflict_naming(
        app.post(
            &path,
            &admin.token,
            period_body("August 2026", "2026-08-01", "2026-08-31"),
        )
        .await,
        "2026-Q3",
    )
    .await;

    // Another alliance has its own calendar: the same labels and dates are free there.
    for body in [q3_body(), q4_body()] {
        let far = create_period(app, &f.far_admin, &f.far_alliance, body.clone()).await;
        assert_eq!(far["label"], body["label"]);
        assert_eq!(far["alliance_id"], json!(f.far_alliance));
        assert_eq!(far["status"], "open");
    }
    assert_eq!(
        listed(app, admin, &ws.alliance_id, "").await.len(),
        3,
        "the other alliance's periods are not this one's"
    );
}

// ---- changing, closing and reopening ------------------------------------------------------

/// A change needs `If-Match`: 428 without it, 412 with a stale tag (changing nothing), 200
/// with the current one, each change moving the version and the tag on.
async fn a_change_needs_the_current_etag(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let admin = &ws.alliance_admin;
    let second_admin = ws
        .alliance_member("ade.admin@alliance.example", "alliance_admin")
        .await;
    let q3 = f.open(q3_body()).await;
    let id = str_field(&q3, "id");
    let path = period_path(&id);

    expect_problem(
        app.patch(&path, &admin.token, None, json!({ "label": "2026 Q3" }))
            .await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    expect_problem(
        app.patch(
            &path,
            &admin.token,
            Some("\"7\""),
            json!({ "label": "2026 Q3" }),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;

    // Both admins read version 1; the first change wins.
    let (_, tag) = read_period(app, admin, &id).await;
    let (_, second_tag) = read_period(app, &second_admin, &id).await;
    assert_eq!(tag, "\"1\"");
    assert_eq!(second_tag, tag);
    let (changed, changed_tag) = change_period(
        app,
        admin,
        &id,
        &tag,
        json!({ "label": "2026 Q3 (July to September)" }),
    )
    .await;
    assert_eq!(changed["label"], "2026 Q3 (July to September)");
    assert_eq!(changed["version"], 2);
    assert_eq!(changed_tag, "\"2\"");
    assert_eq!(changed["id"], q3["id"]);
    assert_eq!(changed["starts_on"], q3["starts_on"], "untouched");
    assert_eq!(changed["ends_on"], q3["ends_on"], "untouched");
    assert_eq!(changed["status"], "open", "untouched");
    assert_eq!(changed["created_at"], q3["created_at"]);
    assert!(
        str_field(&changed, "updated_at") >= str_field(&q3, "updated_at"),
        "{changed}"
    );

    // The second, with the tag both read, is refused and changes nothing.
    expect_problem(
        app.patch(
            &path,
            &second_admin.token,
            Some(&second_tag),
            json!({ "ends_on": "2026-09-29" }),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let (now, now_tag) = read_period(app, &f.board, &id).await;
    assert_eq!(now, changed);
    assert_eq!(now_tag, changed_tag);

    // After reading again it goes through; dates move, each of them alone.
    let (moved, moved_tag) = change_period(
        app,
        &second_admin,
        &id,
        &now_tag,
        json!({ "ends_on": "2026-09-29" }),
    )
    .await;
    assert_eq!(moved["ends_on"], "2026-09-29");
    assert_eq!(moved["starts_on"], "2026-07-01");
    assert_eq!(moved["label"], "2026 Q3 (July to September)");
    assert_eq!(moved_tag, "\"3\"");
    let (moved, _) = change_period(
        app,
        admin,
        &id,
        &moved_tag,
        json!({ "label": "2026-Q3", "starts_on": "2026-06-30", "ends_on": "2026-09-30" }),
    )
    .await;
    assert_eq!(moved["label"], "2026-Q3");
    assert_eq!(moved["starts_on"], "2026-06-30");
    assert_eq!(moved["ends_on"], "2026-09-30");
    assert_eq!(moved["version"], 4);
    let (listed_now, _) = read_period(app, &ws.viewer, &id).await;
    let page = app
        .get_ok(&periods_path(&ws.alliance_id), &ws.viewer.token)
        .await;
    assert_eq!(items(&page), vec![listed_now], "the list shows the change");
}

/// Closing and reopening: a closed period keeps its label and dates (409 "reopen it first"),
/// reopening gives it back, and a reopen with a change in one request is applied as the
/// reopen, then the change.
async fn closing_freezes_a_period_until_it_is_reopened(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let admin = &ws.alliance_admin;
    let q3 = f.open(q3_body()).await;
    let id = str_field(&q3, "id");
    let path = period_path(&id);

    let (closed, closed_tag) =
        change_period(app, admin, &id, "\"1\"", json!({ "status": "closed" })).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["version"], 2);
    assert_eq!(closed["label"], "2026-Q3");
    assert_eq!(closed["starts_on"], "2026-07-01");
    assert_eq!(closed["ends_on"], "2026-09-30");
    let (read, read_tag) = read_period(app, &ws.viewer, &id).await;
    assert_eq!(read, closed);
    assert_eq!(read_tag, closed_tag);

    // Its label and dates are frozen: each change alone, or with the status left closed.
    for body in [
        json!({ "label": "2026 Q3" }),
        json!({ "starts_on": "2026-07-02" }),
        json!({ "ends_on": "2026-09-29" }),
        json!({ "label": "2026 Q3", "starts_on": "2026-07-02", "ends_on": "2026-09-29" }),
        json!({ "status": "closed", "label": "2026 Q3" }),
    ] {
        let problem = expect_problem(
            app.patch(&path, &admin.token, Some(&closed_tag), body.clone())
                .await,
            StatusCode::CONFLICT,
        )
        .await;
        assert!(
            str_field(&problem, "detail")
                .to_lowercase()
                .contains("reopen"),
            "{body}: the detail says to reopen it first: {problem}"
        );
    }
    let (still, still_tag) = read_period(app, admin, &id).await;
    assert_eq!(still, closed, "the refused changes changed nothing");
    assert_eq!(still_tag, closed_tag);

    // Reopened, its label changes again.
    let (reopened, reopened_tag) =
        change_period(app, admin, &id, &closed_tag, json!({ "status": "open" })).await;
    assert_eq!(reopened["status"], "open");
    assert_eq!(reopened["version"], 3);
    let (renamed, renamed_tag) = change_period(
        app,
        admin,
        &id,
        &reopened_tag,
        json!({ "label": "2026 Q3" }),
    )
    .await;
    assert_eq!(renamed["label"], "2026 Q3");
    assert_eq!(renamed["status"], "open");

    // Closed again, then reopened and changed in one request.
    let (closed, closed_tag) =
        change_period(app, admin, &id, &renamed_tag, json!({ "status": "closed" })).await;
    assert_eq!(closed["status"], "closed");
    let (both, both_tag) = change_period(
        app,
        admin,
        &id,
        &closed_tag,
        json!({
            "status": "open",
            "label": "2026-Q3",
            "starts_on": "2026-06-29",
            "ends_on": "2026-10-02",
        }),
    )
    .await;
    assert_eq!(both["status"], "open");
    assert_eq!(both["label"], "2026-Q3");
    assert_eq!(both["starts_on"], "2026-06-29");
    assert_eq!(both["ends_on"], "2026-10-02");
    assert_eq!(both["version"], 6, "one request, one version: {both}");
    let (read, read_tag) = read_period(app, &f.partner, &id).await;
    assert_eq!(read, both);
    assert_eq!(read_tag, both_tag);

    // A reopen with an invalid change is refused whole: it stays closed.
    let (closed, closed_tag) =
        change_period(app, admin, &id, &both_tag, json!({ "status": "closed" })).await;
    expect_invalid(
        app.patch(
            &path,
            &admin.token,
            Some(&closed_tag),
            json!({ "status": "open", "ends_on": "2026-06-01" }),
        )
        .await,
        &["ends_on"],
    )
    .await;
    // So is a reopen whose change conflicts with another period.
    f.open(period_body("2027-Q1", "2027-01-01", "2027-03-31"))
        .await;
    expect_conflict_naming(
        app.patch(
            &path,
            &admin.token,
            Some(&closed_tag),
            json!({ "status": "open", "label": "2027-q1" }),
        )
        .await,
        "2027-Q1",
    )
    .await;
    expect_conflict_naming(
        app.patch(
            &path,
            &admin.token,
            Some(&closed_tag),
            json!({ "status": "open", "ends_on": "2027-01-01" }),
        )
        .await,
        "2027-Q1",
    )
    .await;
    let (still, _) = read_period(app, admin, &id).await;
    assert_eq!(still, closed, "still closed, unchanged");

    // Closing and reopening need the current tag like any change.
    expect_problem(
        app.patch(&path, &admin.token, None, json!({ "status": "open" }))
            .await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    expect_problem(
        app.patch(
            &path,
            &admin.token,
            Some(&both_tag),
            json!({ "status": "open" }),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
}

// ---- at the same moment ------------------------------------------------------------------

/// Two admins opening overlapping periods (or the same label) at the same moment: exactly one
/// is opened, the others get 409. Changes sent with the same tag at the same moment: exactly
/// one goes through, the others get 412.
async fn at_the_same_moment_one_wins(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let second_admin = ws
        .alliance_member("ade.admin@alliance.example", "alliance_admin")
        .await;
    let admins = [&ws.alliance_admin, &second_admin];
    let path = periods_path(&ws.alliance_id);
    let count = |statuses: &[StatusCode], wanted: StatusCode| {
        statuses.iter().filter(|s| **s == wanted).count()
    };

    // Overlapping dates, different labels.
    let sends = (0..8).map(|i| {
        let body = period_body(
            &format!("Summer 2026 take {i}"),
            &format!("2026-07-{:02}", i + 1),
            "2026-09-30",
        );
        app.post(&path, &admins[i % 2].token, body)
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(sends)
        .await
        .iter()
        .map(Response::status)
        .collect();
    assert_eq!(count(&statuses, StatusCode::CREATED), 1, "{statuses:?}");
    assert_eq!(count(&statuses, StatusCode::CONFLICT), 7, "{statuses:?}");
    // The same label, dates apart.
    let sends = (0..8).map(|i| {
        let year = 2030 + i;
        let body = period_body("Winter", &format!("{year}-01-01"), &format!("{year}-03-31"));
        app.post(&path, &admins[i % 2].token, body)
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(sends)
        .await
        .iter()
        .map(Response::status)
        .collect();
    assert_eq!(count(&statuses, StatusCode::CREATED), 1, "{statuses:?}");
    assert_eq!(count(&statuses, StatusCode::CONFLICT), 7, "{statuses:?}");
    let opened = listed(app, &ws.viewer, &ws.alliance_id, "").await;
    assert_eq!(opened.len(), 2, "{opened:?}");

    // Changes with the same tag.
    let id = opened[0].clone();
    let (_, tag) = read_period(app, &ws.alliance_admin, &id).await;
    let target = period_path(&id);
    let sends = (0..6).map(|i| {
        app.patch(
            &target,
            &admins[i % 2].token,
            Some(&tag),
            json!({ "label": format!("Renamed {i}") }),
        )
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(sends)
        .await
        .iter()
        .map(Response::status)
        .collect();
    assert_eq!(count(&statuses, StatusCode::OK), 1, "{statuses:?}");
    assert_eq!(
        count(&statuses, StatusCode::PRECONDITION_FAILED),
        5,
        "{statuses:?}"
    );
    let (now, _) = read_period(app, &ws.viewer, &id).await;
    assert_eq!(now["version"], 2, "{now}");
}

// ---- the list -----------------------------------------------------------------------------

/// The list: newest `starts_on` first whatever the order they were opened in, filtered by
/// status, in pages that together hold every period once; a bad filter or page is refused.
async fn the_list_is_newest_first_filters_and_pages(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let admin = &ws.alliance_admin;
    let mut opened = Vec::new();
    for (label, start, end) in [
        ("2026-Q1", "2026-01-01", "2026-03-31"),
        ("2025-Q3", "2025-07-01", "2025-09-30"),
        ("2026-Q3", "2026-07-01", "2026-09-30"),
        ("2025-Q4", "2025-10-01", "2025-12-31"),
        ("2026-Q2", "2026-04-01", "2026-06-30"),
    ] {
        let period = f.open(period_body(label, start, end)).await;
        opened.push((label, str_field(&period, "id")));
    }
    let id = |label: &str| {
        opened
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, id)| id.clone())
            .unwrap_or_else(|| panic!("{label} was opened"))
    };
    let newest_first: Vec<String> = ["2026-Q3", "2026-Q2", "2026-Q1", "2025-Q4", "2025-Q3"]
        .into_iter()
        .map(id)
        .collect();
    // The two of 2025 are closed.
    for label in ["2025-Q3", "2025-Q4"] {
        change_period(
            app,
            admin,
            &id(label),
            "\"1\"",
            json!({ "status": "closed" }),
        )
        .await;
    }

    let who = &f.board;
    let aid = &ws.alliance_id;
    assert_eq!(listed(app, who, aid, "").await, newest_first);
    assert_eq!(
        listed(app, who, aid, "status=open").await,
        newest_first[..3].to_vec()
    );
    assert_eq!(
        listed(app, who, aid, "status=closed").await,
        newest_first[3..].to_vec()
    );
    // The list shows what a read shows.
    let page = app.get_ok(&periods_path(aid), &who.token).await;
    for item in items(&page) {
        let (read, _) = read_period(app, who, &str_field(&item, "id")).await;
        assert_eq!(item, read);
    }
    assert!(page["next_cursor"].is_null(), "one page holds them: {page}");

    // Pages: the same periods in the same order, a few at a time.
    for limit in [1, 2, 3] {
        let all = app.all_pages(&periods_path(aid), &who.token, limit).await;
        assert_eq!(ids(&all), newest_first, "limit={limit}");
    }
    let all_open = app
        .all_pages(&format!("{}?status=open", periods_path(aid)), &who.token, 2)
        .await;
    assert_eq!(ids(&all_open), newest_first[..3].to_vec());
    let first = app
        .get_ok(&format!("{}?limit=2", periods_path(aid)), &who.token)
        .await;
    assert_eq!(ids(&items(&first)), newest_first[..2].to_vec());
    let cursor = str_field(&first, "next_cursor");
    let second = app
        .get_ok(
            &format!("{}?limit=2&cursor={cursor}", periods_path(aid)),
            &who.token,
        )
        .await;
    assert_eq!(ids(&items(&second)), newest_first[2..4].to_vec());
    let third = app
        .get_ok(
            &format!(
                "{}?limit=2&cursor={}",
                periods_path(aid),
                str_field(&second, "next_cursor")
            ),
            &who.token,
        )
        .await;
    assert_eq!(ids(&items(&third)), newest_first[4..].to_vec());
    assert!(third["next_cursor"].is_null(), "{third}");

    // A period moved earlier moves down the list.
    let (_, tag) = read_period(app, admin, &id("2026-Q3")).await;
    change_period(
        app,
        admin,
        &id("2026-Q3"),
        &tag,
        json!({ "label": "2024-Q3", "starts_on": "2024-07-01", "ends_on": "2024-09-30" }),
    )
    .await;
    let mut moved = newest_first[1..].to_vec();
    moved.push(id("2026-Q3"));
    assert_eq!(listed(app, who, aid, "").await, moved);

    for query in [
        "status=ajar",
        "limit=0",
        "limit=201",
        "limit=many",
        "cursor=nope",
    ] {
        expect_bad_request(
            app.get(&format!("{}?{query}", periods_path(aid)), &who.token)
                .await,
        )
        .await;
    }
    // The largest page is allowed.
    assert_eq!(listed(app, who, aid, "limit=200").await.len(), 5);
}

// ---- the audit log ------------------------------------------------------------------------

/// Opening and every change, closing and reopening included, are in the alliance's audit
/// log, newest first, with who did it and the period before and after.
async fn every_step_is_in_the_alliances_audit_log(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let admin = &ws.alliance_admin;
    let q3 = f.open(q3_body()).await;
    let id = str_field(&q3, "id");
    let (renamed, tag) =
        change_period(app, admin, &id, "\"1\"", json!({ "label": "2026 Q3" })).await;
    let (closed, tag) = change_period(app, admin, &id, &tag, json!({ "status": "closed" })).await;
    let (reopened, _) = change_period(app, admin, &id, &tag, json!({ "status": "open" })).await;
    // Refused attempts leave no entry.
    expect_problem(
        app.post(&periods_path(&ws.alliance_id), &ws.editor.token, q4_body())
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_problem(
        app.post(&periods_path(&ws.alliance_id), &admin.token, q3_body())
            .await,
        StatusCode::CONFLICT,
    )
    .await;

    let audit = app.get_ok(&audit_path(&ws.alliance_id), &admin.token).await;
    let entries: Vec<Value> = items(&audit)
        .into_iter()
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("period."))
        })
        .collect();
    let actions: Vec<String> = entries.iter().map(|e| str_field(e, "action")).collect();
    assert_eq!(
        actions,
        [
            "period.updated",
            "period.updated",
            "period.updated",
            "period.created",
        ],
        "newest first"
    );
    for entry in &entries {
        assert_eq!(entry["alliance_id"], json!(ws.alliance_id), "{entry}");
        assert_eq!(entry["target_id"], json!(id), "{entry}");
        assert_eq!(str_field(&entry["actor"], "label"), admin.email, "{entry}");
    }
    let created = &entries[3];
    assert!(created["before"].is_null(), "{created}");
    assert_eq!(created["after"]["label"], "2026-Q3", "{created}");
    assert_eq!(created["after"]["starts_on"], "2026-07-01", "{created}");
    assert_eq!(created["after"]["ends_on"], "2026-09-30", "{created}");
    assert_eq!(created["after"]["status"], "open", "{created}");
    for (entry, before, after) in [
        (&entries[2], &q3, &renamed),
        (&entries[1], &renamed, &closed),
        (&entries[0], &closed, &reopened),
    ] {
        for field in ["label", "status"] {
            assert_eq!(entry["before"][field], before[field], "{field}: {entry}");
            assert_eq!(entry["after"][field], after[field], "{field}: {entry}");
        }
    }

    // Filtered by action.
    let filtered = app
        .get_ok(
            &format!(
                "/api/v1/alliances/{}/audit?action=period.created",
                ws.alliance_id
            ),
            &admin.token,
        )
        .await;
    assert_eq!(items(&filtered), vec![created.clone()]);
    // Another alliance's log has none of it.
    let far = app
        .get_ok(&audit_path(&f.far_alliance), &f.far_admin.token)
        .await;
    assert!(!far.to_string().contains(&id), "{far}");
}

backend_tests!(
    the_alliance_admin_opens_periods,
    api_clients_read_with_reports_read_and_never_write,
    only_the_alliance_admin_writes_and_outsiders_see_nothing,
    a_retry_with_the_same_idempotency_key_opens_one,
    what_a_period_must_be,
    labels_are_unique_and_periods_do_not_overlap,
    a_change_needs_the_current_etag,
    closing_freezes_a_period_until_it_is_reopened,
    the_list_is_newest_first_filters_and_pages,
    at_the_same_moment_one_wins,
    every_step_is_in_the_alliances_audit_log,
);
