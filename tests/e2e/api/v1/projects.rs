//! `/api/v1/alliances/{id}/projects`, `/api/v1/projects/{id}` and its participants, milestones
//! and updates: joint projects of an alliance's organisations — proposing one (who may, what is
//! checked, an idempotent retry), reading it with its `ETag`, changing it under `If-Match`,
//! inviting organisations who accept or decline, a VCSE partner's system posting quarterly
//! updates with its client credentials (redacted on the way in), the five-phase history,
//! milestones and their counts, staleness by reporting period, the list's filters and pages,
//! and the alliance's audit log.
//!
//! Dates are computed from today (UTC), so the tests pass on any day of any quarter.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use pcref_e2e::{
    backend_tests, etag_of, expect_invalid, expect_problem, expect_status, ids, items, publish,
    random_id, str_field, with, Actor, Backend, TestApp, Workspace,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

const PROVIDER_NAME: &str = "Riverside Mental Health NHS Trust";
const OTHER_PROVIDER_NAME: &str = "Hillside Partnership NHS Trust";
const VCSE_NAME: &str = "Community Voices Together";
const TITLE: &str = "Detentions under the Mental Health Act of Black adults";

// ---- dates --------------------------------------------------------------------------------

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The day `n` days from today (negative: in the past).
fn days(n: i64) -> NaiveDate {
    today() + Duration::days(n)
}

fn day(date: NaiveDate) -> String {
    date.to_string()
}

/// The first day of the calendar quarter holding `date`.
fn quarter_start(date: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(date.year(), date.month0() / 3 * 3 + 1, 1).expect("a quarter's day")
}

/// The reporting period (`YYYY-Qn`) holding `date`.
fn period_of(date: NaiveDate) -> String {
    format!("{}-Q{}", date.year(), date.month0() / 3 + 1)
}

// ---- paths --------------------------------------------------------------------------------

fn projects_path(alliance_id: &str) -> String {
    format!("/api/v1/alliances/{alliance_id}/projects")
}

fn project_path(id: &str) -> String {
    format!("/api/v1/projects/{id}")
}

fn participants_path(project: &str) -> String {
    format!("/api/v1/projects/{project}/participants")
}

fn participation_path(project: &str, organisation: &str, step: &str) -> String {
    format!("/api/v1/projects/{project}/participants/{organisation}/{step}")
}

fn milestones_path(project: &str) -> String {
    format!("/api/v1/projects/{project}/milestones")
}

fn milestone_path(id: &str) -> String {
    format!("/api/v1/milestones/{id}")
}

fn project_updates_path(project: &str) -> String {
    format!("/api/v1/projects/{project}/updates")
}

fn audit_path(alliance_id: &str) -> String {
    format!("/api/v1/alliances/{alliance_id}/audit?limit=200")
}

// ---- bodies -------------------------------------------------------------------------------

fn aim() -> Value {
    json!({
        "statement": "Halve the gap in detention rates between Black adults and White British adults",
        "measure": "Detentions under the Mental Health Act per 100,000 adults, by ethnic category",
        "baseline": "3.4 times the White British rate (2025/26)",
        "target": "1.7 times the White British rate",
        "deadline": "2027-09-30",
    })
}

/// A project led by `lead`, about Caribbean and African adults (sent unsorted and twice).
fn project_body(title: &str, lead: &str, starts_on: NaiveDate, ends_on: NaiveDate) -> Value {
    json!({
        "title": title,
        "aim": aim(),
        "lead_organisation_id": lead,
        "ethnic_categories": ["N", "M", "N"],
        "competencies": ["co_production"],
        "pillar": "data",
        "starts_on": day(starts_on),
        "ends_on": day(ends_on),
    })
}

fn update_body(rag: &str, narrative: &str, reported_on: Option<NaiveDate>) -> Value {
    let mut body = json!({ "rag": rag, "narrative": narrative });
    if let Some(date) = reported_on {
        body["reported_on"] = json!(day(date));
    }
    body
}

// ---- requests -----------------------------------------------------------------------------

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The record of a write's answer as a read shows it: the answer's `redaction_report` (for the
/// writer only, and always there) taken off.
fn as_read(mut record: Value) -> Value {
    let report = record
        .as_object_mut()
        .and_then(|o| o.remove("redaction_report"));
    let report = report.unwrap_or_else(|| panic!("no redaction_report in {record}"));
    assert!(report["redactions"].is_array(), "{report}");
    assert!(report["warnings"].is_array(), "{report}");
    record
}

/// `POST` a project that must answer 201 with a `Location` and an `ETag`: the project (as a
/// read shows it) and its tag.
async fn create_project(
    app: &TestApp,
    who: &Actor,
    alliance_id: &str,
    body: Value,
) -> (Value, String) {
    let response = app
        .post(&projects_path(alliance_id), &who.token, body)
        .await;
    let location = header(&response, "location");
    let tag = header(&response, "etag");
    let project = as_read(expect_status(response, StatusCode::CREATED).await);
    assert_eq!(
        location,
        Some(project_path(&str_field(&project, "id"))),
        "{project}"
    );
    (project, tag.expect("a new project's ETag"))
}

/// `GET` a project that must answer 200: the project and its `ETag`.
async fn read_project(app: &TestApp, who: &Actor, id: &str) -> (Value, String) {
    let response = app.get(&project_path(id), &who.token).await;
    let tag = header(&response, "etag");
    let project = expect_status(response, StatusCode::OK).await;
    (project, tag.expect("a project's ETag"))
}

/// `PATCH` a project that must answer 200 with an `ETag`: the project (as a read shows it)
/// and its new tag.
async fn change_project(
    app: &TestApp,
    who: &Actor,
    id: &str,
    tag: &str,
    body: Value,
) -> (Value, String) {
    let response = app
        .patch(&project_path(id), &who.token, Some(tag), body)
        .await;
    let new_tag = header(&response, "etag");
    let project = as_read(expect_status(response, StatusCode::OK).await);
    (project, new_tag.expect("a changed project's ETag"))
}

async fn invite(app: &TestApp, who: &Actor, project: &str, organisation: &str) -> Response {
    app.post(
        &participants_path(project),
        &who.token,
        json!({ "organisation_id": organisation }),
    )
    .await
}

async fn invite_ok(app: &TestApp, who: &Actor, project: &str, organisation: &str) -> Value {
    expect_status(
        invite(app, who, project, organisation).await,
        StatusCode::CREATED,
    )
    .await
}

/// `accept` or `decline` for `organisation`, without a body.
async fn respond(
    app: &TestApp,
    who: &Actor,
    project: &str,
    organisation: &str,
    step: &str,
) -> Response {
    app.request(
        Method::POST,
        &participation_path(project, organisation, step),
        Some(&who.token),
    )
    .send()
    .await
    .expect("accept or decline")
}

async fn respond_ok(
    app: &TestApp,
    who: &Actor,
    project: &str,
    organisation: &str,
    step: &str,
) -> Value {
    expect_status(
        respond(app, who, project, organisation, step).await,
        StatusCode::OK,
    )
    .await
}

async fn post_update(app: &TestApp, who: &Actor, project: &str, body: Value) -> Response {
    app.post(&project_updates_path(project), &who.token, body)
        .await
}

/// `POST` an update that must answer 201 with its `Location`: the update.
async fn post_update_ok(app: &TestApp, who: &Actor, project: &str, body: Value) -> Value {
    let response = post_update(app, who, project, body).await;
    let location = header(&response, "location");
    let update = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(location, Some(project_updates_path(project)), "{update}");
    update
}

async fn add_milestone(app: &TestApp, who: &Actor, project: &str, body: Value) -> Response {
    app.post(&milestones_path(project), &who.token, body).await
}

/// `POST` a milestone that must answer 201 with its `Location` and `ETag`: the milestone and
/// its tag.
async fn add_milestone_ok(
    app: &TestApp,
    who: &Actor,
    project: &str,
    body: Value,
) -> (Value, String) {
    let response = add_milestone(app, who, project, body).await;
    let location = header(&response, "location");
    let tag = header(&response, "etag");
    let milestone = as_read(expect_status(response, StatusCode::CREATED).await);
    assert_eq!(
        location,
        Some(milestone_path(&str_field(&milestone, "id"))),
        "{milestone}"
    );
    (milestone, tag.expect("a new milestone's ETag"))
}

/// A refused filter or page: 400 or 422, as problem+json.
async fn expect_bad_query(response: Response) {
    let status = response.status();
    assert!(
        status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}: expected 400 or 422, got {status}",
        response.url()
    );
    expect_problem(response, status).await;
}

/// The ids a project list shows for this query.
async fn listed(app: &TestApp, who: &Actor, alliance_id: &str, query: &str) -> Vec<String> {
    let page = app
        .get_ok(
            &format!("{}?{query}", projects_path(alliance_id)),
            &who.token,
        )
        .await;
    ids(&items(&page))
}

/// The organisation ids and statuses of a project's participants, in order.
fn participation(project: &Value) -> Vec<(String, String)> {
    project["participants"]
        .as_array()
        .unwrap_or_else(|| panic!("a project lists participants: {project}"))
        .iter()
        .map(|p| (str_field(p, "organisation_id"), str_field(p, "status")))
        .collect()
}

fn challenge(response: &Response) -> String {
    header(response, "www-authenticate").unwrap_or_default()
}

// ---- the people ---------------------------------------------------------------------------

/// The workspace's alliance with its VCSE organisation (an admin and a partner), a board
/// member, and an admin for the second provider.
struct Fixture {
    ws: Workspace,
    vcse: String,
    vcse_admin: Actor,
    partner: Actor,
    board: Actor,
    other_admin: Actor,
}

impl Fixture {
    async fn new(backend: Backend) -> Fixture {
        let ws = Workspace::new(backend).await;
        let partner = ws.vcse_partner().await;
        let vcse = ws.app.get_ok("/api/v1/me", &partner.token).await["memberships"][0]
            ["organisation_id"]
            .as_str()
            .expect("the partner's organisation")
            .to_owned();
        let vcse_admin = ws
            .app
            .add_member(
                &ws.alliance_admin,
                &ws.alliance_id,
                Some(&vcse),
                "val.admin@voices.example",
                "vcse_admin",
            )
            .await;
        let board = ws
            .alliance_member("bea.board@alliance.example", "board_member")
            .await;
        let other_admin = ws
            .app
            .add_member(
                &ws.alliance_admin,
                &ws.alliance_id,
                Some(&ws.other_provider),
                "hal.admin@hillside.example",
                "provider_admin",
            )
            .await;
        Fixture {
            ws,
            vcse,
            vcse_admin,
            partner,
            board,
            other_admin,
        }
    }

    fn app(&self) -> &TestApp {
        &self.ws.app
    }

    /// A project led by provider P, proposed by P's editor, started `started` days ago.
    async fn riverside_project(&self, title: &str, started: i64) -> (Value, String) {
        create_project(
            self.app(),
            &self.ws.editor,
            &self.ws.alliance_id,
            project_body(title, &self.ws.provider, days(-started), days(300)),
        )
        .await
    }

    /// Like [`Fixture::riverside_project`], with the VCSE organisation invited by P's admin
    /// and accepted by its partner: the project's id.
    async fn riverside_project_with_vcse(&self, title: &str, started: i64) -> String {
        let (project, _) = self.riverside_project(title, started).await;
        let id = str_field(&project, "id");
        invite_ok(self.app(), &self.ws.admin, &id, &self.vcse).await;
        respond_ok(self.app(), &self.partner, &id, &self.vcse, "accept").await;
        id
    }
}

// ---- proposing and reading ----------------------------------------------------------------

/// A provider's editor proposes a project led by another provider: both take part from the
/// start. Every field comes back as the contract shows it; a GET returns the same project and
/// `ETag`; every member of the alliance reads it; another alliance gets 404.
async fn a_provider_proposes_a_project(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let starts_on = days(-30);
    let ends_on = days(300);
    let (project, tag) = create_project(
        app,
        &ws.editor,
        &ws.alliance_id,
        project_body(TITLE, &ws.other_provider, starts_on, ends_on),
    )
    .await;
    let id = str_field(&project, "id");
    assert_eq!(project["alliance_id"], json!(ws.alliance_id));
    assert_eq!(project["title"], TITLE);
    assert_eq!(project["aim"], aim());
    assert_eq!(
        project["lead_organisation"],
        json!({ "id": ws.other_provider, "name": OTHER_PROVIDER_NAME, "kind": "provider" })
    );
    assert_eq!(project["phase"], "intelligence_gathering", "the default");
    assert_eq!(project["phase_entered_on"], json!(day(today())));
    assert_eq!(
        project["phase_history"],
        json!([{ "phase": "intelligence_gathering", "entered_on": day(today()), "left_on": null }])
    );
    assert_eq!(
        project["ethnic_categories"],
        json!(["M", "N"]),
        "sorted, deduplicated"
    );
    assert_eq!(project["competencies"], json!(["co_production"]));
    assert_eq!(project["pillar"], "data");
    assert_eq!(project["starts_on"], json!(day(starts_on)));
    assert_eq!(project["ends_on"], json!(day(ends_on)));
    assert_eq!(project["rag"], Value::Null);
    assert_eq!(project["last_update_on"], Value::Null);
    assert_eq!(project["current_period"], json!(period_of(today())));
    assert_eq!(project["stale"], true, "started a month ago, no update yet");
    assert_eq!(
        project["milestones"],
        json!({ "total": 0, "done": 0, "overdue": 0 })
    );
    assert_eq!(project["published_plans"], json!([]));
    assert_eq!(project["learning_items"], json!([]));
    assert!(project["created_at"].is_string(), "{project}");
    assert!(project["updated_at"].is_string(), "{project}");
    // The lead first; the proposer's provider takes part too. Both accepted.
    let participants = project["participants"].as_array().expect("participants");
    assert_eq!(participants.len(), 2, "{project}");
    for (participant, (org, name, lead)) in participants.iter().zip([
        (&ws.other_provider, OTHER_PROVIDER_NAME, true),
        (&ws.provider, PROVIDER_NAME, false),
    ]) {
        assert_eq!(participant["organisation_id"], json!(org), "{participant}");
        assert_eq!(participant["organisation_name"], name);
        assert_eq!(participant["organisation_kind"], "provider");
        assert_eq!(participant["status"], "accepted");
        assert_eq!(participant["lead"], lead);
        assert!(participant["invited_at"].is_string(), "{participant}");
    }

    // Read back: the same project and the same tag, for every member of the alliance.
    let (seen, seen_tag) = read_project(app, &ws.editor, &id).await;
    assert_eq!(seen, project);
    assert_eq!(seen_tag, tag);
    for reader in [
        &ws.viewer,
        &ws.other_editor,
        &f.partner,
        &f.vcse_admin,
        &f.board,
        &ws.alliance_admin,
    ] {
        let (seen, seen_tag) = read_project(app, reader, &id).await;
        assert_eq!(seen["id"], json!(id));
        assert_eq!(seen_tag, tag);
        assert_eq!(
            listed(app, reader, &ws.alliance_id, "").await,
            vec![id.clone()]
        );
    }
    let participants_page = app.get_ok(&participants_path(&id), &f.board.token).await;
    assert_eq!(participants_page["items"], project["participants"]);

    // Another alliance: the project reads like one that does not exist, and so does the list.
    let (far_alliance, _, far_editor) = app.another_alliance().await;
    let hidden = expect_problem(
        app.get(&project_path(&id), &far_editor.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let missing = expect_problem(
        app.get(&project_path(&random_id()), &far_editor.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(hidden, missing);
    assert!(!hidden.to_string().contains(TITLE));
    for path in [
        projects_path(&ws.alliance_id),
        participants_path(&id),
        milestones_path(&id),
        project_updates_path(&id),
    ] {
        expect_problem(
            app.get(&path, &far_editor.token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    let far = app
        .get_ok(&projects_path(&far_alliance), &far_editor.token)
        .await;
    assert_eq!(items(&far), Vec::<Value>::new());
}

/// Who may propose: provider admins and editors and the alliance admin (for any organisation
/// of the alliance, VCSE ones included); VCSE roles, viewers and the board get 403, another
/// alliance 404. The lead must be an organisation of the alliance, the project must end after
/// it starts; an idempotent retry replays the first answer and creates nothing.
async fn who_may_propose_and_what_is_checked(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let (_, far_provider, far_editor) = app.another_alliance().await;
    let path = projects_path(&ws.alliance_id);
    let body = project_body(TITLE, &ws.provider, days(-10), days(200));

    for refused in [&f.partner, &f.vcse_admin, &f.board, &ws.viewer] {
        expect_problem(
            app.post(&path, &refused.token, body.clone()).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    expect_problem(
        app.post(&path, &far_editor.token, body.clone()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(listed(app, &ws.editor, &ws.alliance_id, "")
        .await
        .is_empty());

    // The alliance admin proposes a project led by the VCSE organisation, in a later phase:
    // the lead is its only participant.
    let (by_alliance, _) = create_project(
        app,
        &ws.alliance_admin,
        &ws.alliance_id,
        with(
            project_body("Community-led crisis cafés", &f.vcse, days(-10), days(200)),
            json!({ "phase": "co_designing_solutions" }),
        ),
    )
    .await;
    assert_eq!(
        by_alliance["lead_organisation"],
        json!({ "id": f.vcse, "name": VCSE_NAME, "kind": "vcse" })
    );
    assert_eq!(by_alliance["phase"], "co_designing_solutions");
    assert_eq!(
        by_alliance["phase_history"],
        json!([{ "phase": "co_designing_solutions", "entered_on": day(today()), "left_on": null }])
    );
    assert_eq!(
        participation(&by_alliance),
        vec![(f.vcse.clone(), "accepted".to_owned())]
    );
    assert_eq!(by_alliance["participants"][0]["lead"], true);
    assert_eq!(by_alliance["participants"][0]["organisation_kind"], "vcse");
    // A VCSE organisation that leads runs the project through its admins, not its partners.
    let led_by_vcse = str_field(&by_alliance, "id");
    expect_problem(
        invite(app, &f.partner, &led_by_vcse, &ws.provider).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let invited = invite_ok(app, &f.vcse_admin, &led_by_vcse, &ws.provider).await;
    assert_eq!(invited["status"], "invited");
    let (_, vcse_tag) = read_project(app, &f.partner, &led_by_vcse).await;
    expect_problem(
        app.patch(
            &project_path(&led_by_vcse),
            &f.partner.token,
            Some(&vcse_tag),
            json!({ "title": "Community-led crisis cafés, year one" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let (renamed, _) = change_project(
        app,
        &f.vcse_admin,
        &led_by_vcse,
        &vcse_tag,
        json!({ "title": "Community-led crisis cafés, year one" }),
    )
    .await;
    assert_eq!(renamed["title"], "Community-led crisis cafés, year one");

    // The provider's admin proposes one its own provider leads: it takes part once.
    let (by_admin, _) = create_project(app, &ws.admin, &ws.alliance_id, body.clone()).await;
    assert_eq!(
        participation(&by_admin),
        vec![(ws.provider.clone(), "accepted".to_owned())]
    );

    // The provider's API client (projects:write) proposes as its editor would: the provider
    // takes part. A VCSE organisation's client may not; a client without the scope neither.
    let provider_client = app
        .client_actor(
            &ws.admin,
            &ws.provider,
            "Riverside project scripts",
            &["projects:write"],
        )
        .await;
    let (by_client, _) = create_project(
        app,
        &provider_client,
        &ws.alliance_id,
        project_body("Proposed by a script", &f.vcse, days(-10), days(200)),
    )
    .await;
    assert_eq!(
        participation(&by_client),
        vec![
            (f.vcse.clone(), "accepted".to_owned()),
            (ws.provider.clone(), "accepted".to_owned()),
        ]
    );
    let vcse_client = app
        .client_actor(
            &f.vcse_admin,
            &f.vcse,
            "Voices project scripts",
            &["projects:write"],
        )
        .await;
    let learning_client = app
        .client_actor(
            &ws.admin,
            &ws.provider,
            "Riverside learning scripts",
            &["learning:write"],
        )
        .await;
    for refused in [&vcse_client, &learning_client] {
        expect_problem(
            app.post(&path, &refused.token, body.clone()).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }

    // The lead must be an organisation of this alliance: another alliance's reads exactly
    // like one that does not exist.
    let foreign = expect_invalid(
        app.post(
            &path,
            &ws.editor.token,
            with(
                body.clone(),
                json!({ "lead_organisation_id": far_provider }),
            ),
        )
        .await,
        &["lead_organisation_id"],
    )
    .await;
    let nowhere = random_id();
    let missing = expect_invalid(
        app.post(
            &path,
            &ws.editor.token,
            with(body.clone(), json!({ "lead_organisation_id": nowhere })),
        )
        .await,
        &["lead_organisation_id"],
    )
    .await;
    // The same answer, but for the id itself should the message repeat it.
    assert_eq!(
        foreign.to_string().replace(&far_provider, "<id>"),
        missing.to_string().replace(&nowhere, "<id>")
    );
    assert!(!foreign.to_string().contains("Faraway"));
    // It ends before it starts.
    expect_invalid(
        app.post(
            &path,
            &ws.editor.token,
            with(
                body.clone(),
                json!({ "starts_on": day(days(10)), "ends_on": day(days(5)) }),
            ),
        )
        .await,
        &["ends_on"],
    )
    .await;
    // A project may end the day it starts.
    create_project(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            body.clone(),
            json!({ "title": "A one-day summit", "starts_on": day(days(10)), "ends_on": day(days(10)) }),
        ),
    )
    .await;
    // The rest of the rules, each naming its field.
    for (extra, field) in [
        (json!({ "title": "  " }), "title"),
        (json!({ "ethnic_categories": [] }), "ethnic_categories"),
        (
            json!({ "ethnic_categories": ["BAME"] }),
            "ethnic_categories",
        ),
        (json!({ "competencies": [] }), "competencies"),
        (json!({ "phase": "daydreaming" }), "phase"),
        (
            json!({ "publication_ids": [random_id()] }),
            "publication_ids",
        ),
        (
            json!({ "learning_item_ids": [random_id()] }),
            "learning_item_ids",
        ),
    ] {
        expect_invalid(
            app.post(&path, &ws.editor.token, with(body.clone(), extra.clone()))
                .await,
            &[field],
        )
        .await;
    }
    let count = listed(app, &ws.editor, &ws.alliance_id, "limit=200")
        .await
        .len();
    assert_eq!(count, 4, "only the valid projects were stored");

    // A retry with the same Idempotency-Key replays the first answer and creates nothing.
    let retried = with(
        body.clone(),
        json!({ "title": "Retried by a flaky network" }),
    );
    let send = || {
        app.request(Method::POST, &path, Some(&ws.editor.token))
            .header("Idempotency-Key", "propose-detentions-project-1")
            .json(&retried)
            .send()
    };
    let first = send().await.expect("POST with an Idempotency-Key");
    let first_location = header(&first, "location");
    let first_tag = header(&first, "etag");
    assert_eq!(header(&first, "idempotent-replayed"), None);
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_body = first.text().await.expect("a body");
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
        listed(app, &ws.editor, &ws.alliance_id, "limit=200")
            .await
            .len(),
        count + 1
    );
}

/// A project points to published plans and learning items of the alliance's library; an id
/// outside it is 422; a change replaces the lists.
async fn a_project_links_the_library(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let plan = app
        .create_plan(
            &ws.editor.token,
            &ws.provider,
            "Crisis care for Black African adults",
        )
        .await;
    let plan_id = str_field(&plan, "id");
    let priority = app
        .add_priority(
            &ws.editor.token,
            &plan_id,
            "Earlier access to crisis care",
            &["N"],
        )
        .await;
    app.add_action(
        &ws.editor.token,
        &plan_id,
        &str_field(&priority, "id"),
        "Co-produce a crisis pathway",
        json!({}),
    )
    .await;
    let publication = publish(app, &ws.editor.token, &plan_id, "named").await;
    let publication_id = str_field(&publication, "id");
    let learning = expect_status(
        app.post(
            &format!("/api/v1/alliances/{}/learning", ws.alliance_id),
            &f.partner.token,
            json!({
                "title": "Peer supporters on the evening crisis line",
                "categories": ["community_trust_and_engagement"],
                "competencies": ["co_production"],
                "ethnic_categories": ["N"],
                "summary": "Peer supporters from local churches joined the evening crisis shifts.",
                "reflections": "Start with the community groups before writing the role.",
                "attribution": "named",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let learning_id = str_field(&learning, "id");

    let (project, tag) = create_project(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            project_body(TITLE, &ws.provider, days(-5), days(100)),
            json!({ "publication_ids": [publication_id], "learning_item_ids": [learning_id] }),
        ),
    )
    .await;
    let id = str_field(&project, "id");
    assert_eq!(
        project["published_plans"],
        json!([{
            "publication_id": publication_id,
            "title": publication["document"]["title"],
            "version": 1,
        }])
    );
    assert_eq!(
        project["learning_items"],
        json!([{ "id": learning_id, "title": "Peer supporters on the evening crisis line" }])
    );

    // Another alliance's learning item is not in this library.
    let (far_alliance, _, far_editor) = app.another_alliance().await;
    let far_learning = expect_status(
        app.post(
            &format!("/api/v1/alliances/{far_alliance}/learning"),
            &far_editor.token,
            json!({
                "title": "Faraway case study",
                "categories": ["safety"],
                "competencies": ["workforce"],
                "ethnic_categories": ["H"],
                "summary": "Night staff trained together with community interpreters.",
                "reflections": "Train together, not apart.",
                "attribution": "named",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let problem = expect_invalid(
        app.patch(
            &project_path(&id),
            &ws.admin.token,
            Some(&tag),
            json!({ "learning_item_ids": [str_field(&far_learning, "id")] }),
        )
        .await,
        &["learning_item_ids"],
    )
    .await;
    assert!(!problem.to_string().contains("Faraway case study"));

    // The lists are replaced whole.
    let (changed, _) = change_project(
        app,
        &ws.admin,
        &id,
        &tag,
        json!({ "learning_item_ids": [], "publication_ids": [publication_id] }),
    )
    .await;
    assert_eq!(changed["learning_items"], json!([]));
    assert_eq!(changed["published_plans"], project["published_plans"]);

    // Something shared anonymously is not linked: the project names its organisations.
    let anonymous = expect_status(
        app.post(
            &format!("/api/v1/alliances/{}/learning", ws.alliance_id),
            &f.partner.token,
            json!({
                "title": "An evening drop-in run with a mosque",
                "categories": ["community_trust_and_engagement"],
                "competencies": ["co_production"],
                "ethnic_categories": ["K"],
                "summary": "A weekly drop-in at the mosque after evening prayers.",
                "reflections": "Ask the imam first.",
                "attribution": "anonymous",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let (_, tag) = read_project(app, &ws.viewer, &id).await;
    let problem = expect_invalid(
        app.patch(
            &project_path(&id),
            &ws.admin.token,
            Some(&tag),
            json!({ "learning_item_ids": [str_field(&anonymous, "id")] }),
        )
        .await,
        &["learning_item_ids"],
    )
    .await;
    assert!(problem.to_string().contains("anonymously"), "{problem}");

    // A plan withdrawn since it was linked leaves the project, and does not stop other changes.
    expect_status(
        app.post(
            &format!("/api/v1/publications/{publication_id}/withdraw"),
            &ws.editor.token,
            json!({ "reason": "Published too early" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let (after_withdrawal, tag) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(after_withdrawal["published_plans"], json!([]));
    let (retitled, _) = change_project(
        app,
        &ws.admin,
        &id,
        &tag,
        json!({ "title": "Detentions of Black adults: the regional picture" }),
    )
    .await;
    assert_eq!(
        retitled["title"],
        "Detentions of Black adults: the regional picture"
    );
}

/// The title, the aim and milestone titles are redacted as update narratives are: what a
/// project says is read by the whole alliance.
async fn a_projects_texts_are_redacted(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let response = app
        .post(
            &projects_path(&ws.alliance_id),
            &ws.editor.token,
            with(
                project_body(TITLE, &ws.provider, days(-5), days(100)),
                json!({ "aim": {
                    "statement": "Fewer detentions; ask lead.analyst@riverside.example for the data",
                    "measure": "Detentions per 100,000 adults",
                    "baseline": "NHS number 943 476 5919 was the first case",
                    "target": "Half the gap",
                    "deadline": "2027-09-30",
                } }),
            ),
        )
        .await;
    let created = expect_status(response, StatusCode::CREATED).await;
    let aim = &created["aim"];
    assert!(
        !aim.to_string().contains("lead.analyst@riverside.example"),
        "{aim}"
    );
    assert!(!aim.to_string().contains("943 476 5919"), "{aim}");
    assert!(
        aim["statement"]
            .as_str()
            .is_some_and(|t| t.contains("[redacted: email]")),
        "{aim}"
    );
    let fields: Vec<&str> = created["redaction_report"]["redactions"]
        .as_array()
        .expect("redactions")
        .iter()
        .filter_map(|r| r["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"aim.statement") && fields.contains(&"aim.baseline"),
        "{created}"
    );
    let id = str_field(&created, "id");
    let (read, _) = read_project(app, &f.board, &id).await;
    assert_eq!(read["aim"], created["aim"]);
    assert!(read.get("redaction_report").is_none(), "{read}");

    let milestone = expect_status(
        add_milestone(
            app,
            &ws.editor,
            &id,
            json!({ "title": "Data from analyst@riverside.example", "due_on": day(days(30)) }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(milestone["title"], "Data from [redacted: email]");
}

// ---- changing a project -------------------------------------------------------------------

/// A change needs `If-Match` (428 without, 412 with a stale tag) and the lead organisation's
/// admin or the alliance admin; other members get 403 and another alliance 404. The aim is
/// replaced whole; a new lead takes part, accepted.
async fn changing_a_project_needs_the_current_etag_and_the_lead(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let (_, _, far_editor) = app.another_alliance().await;
    let (project, tag) = f.riverside_project(TITLE, 10).await;
    let id = str_field(&project, "id");
    let path = project_path(&id);
    let change = json!({ "title": "Detentions of Black adults: the community's view" });

    expect_problem(
        app.patch(&path, &ws.admin.token, None, change.clone())
            .await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    for refused in [
        &ws.editor,
        &ws.second_editor,
        &ws.viewer,
        &ws.other_editor,
        &f.other_admin,
        &f.partner,
        &f.vcse_admin,
        &f.board,
    ] {
        expect_problem(
            app.patch(&path, &refused.token, Some(&tag), change.clone())
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    expect_problem(
        app.patch(&path, &far_editor.token, Some(&tag), change.clone())
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let (unchanged, unchanged_tag) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(unchanged, project, "the refused changes changed nothing");
    assert_eq!(unchanged_tag, tag);

    // The lead's admin changes it; the tag moves on.
    let new_aim = json!({
        "statement": "Close the gap in detention rates for Black Caribbean adults",
        "measure": "Detentions per 100,000 Black Caribbean adults",
        "target": "Within 20% of the White British rate",
        "deadline": "2028-03-31",
    });
    let (changed, changed_tag) = change_project(
        app,
        &ws.admin,
        &id,
        &tag,
        with(
            change.clone(),
            json!({ "aim": new_aim, "ethnic_categories": ["M"] }),
        ),
    )
    .await;
    assert_ne!(changed_tag, tag);
    assert_eq!(
        changed["title"],
        "Detentions of Black adults: the community's view"
    );
    let mut expected_aim = new_aim.clone();
    expected_aim["baseline"] = Value::Null;
    assert_eq!(
        changed["aim"], expected_aim,
        "replaced whole: the baseline is gone"
    );
    assert_eq!(changed["ethnic_categories"], json!(["M"]));
    assert_eq!(changed["starts_on"], project["starts_on"], "untouched");
    assert_eq!(changed["phase_history"], project["phase_history"]);
    let (read, read_tag) = read_project(app, &f.board, &id).await;
    assert_eq!(read, changed);
    assert_eq!(read_tag, changed_tag);

    // The tag read before is stale now.
    expect_problem(
        app.patch(
            &path,
            &ws.alliance_admin.token,
            Some(&tag),
            json!({ "title": "Too late" }),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    // Invalid content is 422 even for the lead's admin, and changes nothing.
    expect_invalid(
        app.patch(
            &path,
            &ws.admin.token,
            Some(&changed_tag),
            json!({ "ends_on": day(days(-20)) }),
        )
        .await,
        &["ends_on"],
    )
    .await;

    // The alliance admin hands the lead to the second provider: it takes part, accepted, and
    // now its admin may change the project, and the first provider's admin may not.
    let (handed, handed_tag) = change_project(
        app,
        &ws.alliance_admin,
        &id,
        &changed_tag,
        json!({ "lead_organisation_id": ws.other_provider }),
    )
    .await;
    assert_eq!(handed["lead_organisation"]["id"], json!(ws.other_provider));
    let participants = handed["participants"].as_array().expect("participants");
    let new_lead = participants
        .iter()
        .find(|p| p["organisation_id"] == json!(ws.other_provider))
        .unwrap_or_else(|| panic!("the new lead takes part: {handed}"));
    assert_eq!(new_lead["status"], "accepted");
    assert_eq!(new_lead["lead"], true);
    assert_eq!(participants[0], *new_lead, "the lead first: {handed}");
    expect_problem(
        app.patch(
            &path,
            &ws.admin.token,
            Some(&handed_tag),
            json!({ "title": "Ours" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    change_project(
        app,
        &f.other_admin,
        &id,
        &handed_tag,
        json!({ "title": "Hillside leads now" }),
    )
    .await;
}

// ---- participants -------------------------------------------------------------------------

/// The lead's admin invites the VCSE organisation and the second provider; the VCSE partner
/// accepts, the provider's editor declines; nobody answers twice (409) or for another
/// organisation (403); a declined organisation may be invited again; an organisation that
/// was never invited is 404.
async fn organisations_are_invited_and_accept_or_decline(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let (_, far_provider, far_editor) = app.another_alliance().await;
    let (project, _) = f.riverside_project(TITLE, 10).await;
    let id = str_field(&project, "id");

    // Only the lead's admins and the alliance admin invite.
    for refused in [&ws.editor, &ws.viewer, &f.partner, &f.board, &f.other_admin] {
        expect_problem(
            invite(app, refused, &id, &f.vcse).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    expect_problem(
        invite(app, &far_editor, &id, &f.vcse).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Invited with an Idempotency-Key: a retry replays the answer.
    let send = || {
        app.request(Method::POST, &participants_path(&id), Some(&ws.admin.token))
            .header("Idempotency-Key", "invite-voices-1")
            .json(&json!({ "organisation_id": f.vcse }))
            .send()
    };
    let invited = expect_status(send().await.expect("invite"), StatusCode::CREATED).await;
    let replayed = send().await.expect("invite again");
    assert_eq!(
        header(&replayed, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(expect_status(replayed, StatusCode::CREATED).await, invited);
    assert_eq!(invited["organisation_id"], json!(f.vcse));
    assert_eq!(invited["organisation_name"], VCSE_NAME);
    assert_eq!(invited["organisation_kind"], "vcse");
    assert_eq!(invited["status"], "invited");
    assert_eq!(invited["lead"], false);
    assert!(invited["invited_at"].is_string(), "{invited}");
    assert_eq!(invited["responded_at"], Value::Null);
    let second = invite_ok(app, &ws.alliance_admin, &id, &ws.other_provider).await;
    assert_eq!(second["status"], "invited");
    assert_eq!(second["organisation_name"], OTHER_PROVIDER_NAME);
    // Invited twice, or the lead itself: 409. Not of the alliance: 422.
    for already in [&f.vcse, &ws.provider] {
        expect_problem(
            invite(app, &ws.admin, &id, already).await,
            StatusCode::CONFLICT,
        )
        .await;
    }
    for outside in [far_provider.clone(), random_id()] {
        expect_invalid(
            invite(app, &ws.admin, &id, &outside).await,
            &["organisation_id"],
        )
        .await;
    }

    // Nobody answers for another organisation: not the lead's admin, not the alliance admin.
    for (who, org) in [
        (&ws.other_editor, &f.vcse),
        (&ws.admin, &f.vcse),
        (&ws.alliance_admin, &f.vcse),
        (&f.partner, &ws.other_provider),
        (&ws.editor, &ws.other_provider),
    ] {
        for step in ["accept", "decline"] {
            expect_problem(
                respond(app, who, &id, org, step).await,
                StatusCode::FORBIDDEN,
            )
            .await;
        }
    }
    // The other alliance does not see the project at all.
    expect_problem(
        respond(app, &far_editor, &id, &f.vcse, "accept").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // The VCSE organisation's partner accepts; the second provider's editor declines.
    let accepted = respond_ok(app, &f.partner, &id, &f.vcse, "accept").await;
    assert_eq!(accepted["organisation_id"], json!(f.vcse));
    assert_eq!(accepted["status"], "accepted");
    assert!(accepted["responded_at"].is_string(), "{accepted}");
    assert_eq!(accepted["invited_at"], invited["invited_at"]);
    let declined = respond_ok(app, &ws.other_editor, &id, &ws.other_provider, "decline").await;
    assert_eq!(declined["status"], "declined");
    assert!(declined["responded_at"].is_string(), "{declined}");
    // Only from "invited": answering again is a conflict.
    for (who, org, step) in [
        (&f.partner, &f.vcse, "accept"),
        (&f.vcse_admin, &f.vcse, "decline"),
        (&ws.other_editor, &ws.other_provider, "accept"),
        (&f.other_admin, &ws.other_provider, "decline"),
    ] {
        expect_problem(
            respond(app, who, &id, org, step).await,
            StatusCode::CONFLICT,
        )
        .await;
    }
    // The lead is no invitee either.
    expect_problem(
        respond(app, &ws.editor, &id, &ws.provider, "accept").await,
        StatusCode::CONFLICT,
    )
    .await;

    // An organisation of the alliance that was never invited: 404 for its own people.
    let unity = app
        .create_organisation(
            &ws.alliance_admin,
            &ws.alliance_id,
            "Unity Faith Forum",
            "vcse",
        )
        .await;
    let unity_partner = app
        .add_member(
            &ws.alliance_admin,
            &ws.alliance_id,
            Some(&unity),
            "uma.partner@unity.example",
            "vcse_partner",
        )
        .await;
    for step in ["accept", "decline"] {
        expect_problem(
            respond(app, &unity_partner, &id, &unity, step).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }

    let list = app.get_ok(&participants_path(&id), &ws.viewer.token).await;
    assert_eq!(
        participation(&json!({ "participants": list["items"] })),
        vec![
            (ws.provider.clone(), "accepted".to_owned()),
            (f.vcse.clone(), "accepted".to_owned()),
            (ws.other_provider.clone(), "declined".to_owned()),
        ],
        "the lead first, then by invitation time"
    );

    // A declined organisation may be invited again, and then accept.
    let again = invite_ok(app, &ws.admin, &id, &ws.other_provider).await;
    assert_eq!(again["status"], "invited");
    assert_eq!(again["responded_at"], Value::Null);
    expect_problem(
        invite(app, &ws.admin, &id, &ws.other_provider).await,
        StatusCode::CONFLICT,
    )
    .await;
    respond_ok(app, &f.other_admin, &id, &ws.other_provider, "accept").await;
    let (project, _) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(
        participation(&project),
        vec![
            (ws.provider.clone(), "accepted".to_owned()),
            (f.vcse.clone(), "accepted".to_owned()),
            (ws.other_provider.clone(), "accepted".to_owned()),
        ]
    );
    assert_eq!(
        project["participants"],
        list_items(app, &f.board, &id).await
    );
}

async fn list_items(app: &TestApp, who: &Actor, project: &str) -> Value {
    app.get_ok(&participants_path(project), &who.token).await["items"].clone()
}

// ---- updates ------------------------------------------------------------------------------

/// The VCSE organisation's system posts an update with its client credentials
/// (`projects:write`): redacted on the way in, authored by the client, retried safely with an
/// Idempotency-Key; it sets the project's RAG and last update, so the project's `ETag` moves
/// on. A client without the scope gets 403 `insufficient_scope`, for reading too.
async fn a_vcse_partners_system_posts_updates(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let id = f.riverside_project_with_vcse(TITLE, 20).await;
    let (before, before_tag) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(before["rag"], Value::Null);

    let feedback_form = app
        .create_api_client(
            &f.vcse_admin,
            &f.vcse,
            "Voices feedback form",
            &["feedback:write"],
        )
        .await;
    let without_scope = app.client_token(&feedback_form, None).await;
    for path in [
        project_path(&id),
        projects_path(&ws.alliance_id),
        project_updates_path(&id),
        milestones_path(&id),
    ] {
        let response = app.get(&path, &without_scope).await;
        let header = challenge(&response);
        assert!(
            header.contains("insufficient_scope") && header.contains("projects:write"),
            "{path}: {header}"
        );
        expect_problem(response, StatusCode::FORBIDDEN).await;
    }
    let response = post_update(
        app,
        &token_actor(&without_scope),
        &id,
        update_body("green", "Nothing to see.", None),
    )
    .await;
    assert!(challenge(&response).contains("projects:write"));
    expect_problem(response, StatusCode::FORBIDDEN).await;

    let importer = app
        .create_api_client(
            &f.vcse_admin,
            &f.vcse,
            "Community Voices importer",
            &["projects:write"],
        )
        .await;
    let token = app.client_token(&importer, None).await;
    let narrative = "Sam Partner ran three listening events with Amina Khan; families asked for \
                     follow-up by email at jo.carer@example.org.";
    let body = update_body("amber", narrative, None);
    let send = || {
        app.request(Method::POST, &project_updates_path(&id), Some(&token))
            .header("Idempotency-Key", "voices-update-q-1")
            .json(&body)
            .send()
    };
    let response = send().await.expect("POST an update");
    let location = header(&response, "location");
    let update = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(location, Some(project_updates_path(&id)));
    let update_id = str_field(&update, "id");
    assert_eq!(update["project_id"], json!(id));
    assert_eq!(
        update["organisation"],
        json!({ "id": f.vcse, "name": VCSE_NAME, "kind": "vcse" })
    );
    assert_eq!(update["author"], "Community Voices importer");
    assert_eq!(
        update["reported_on"],
        json!(day(today())),
        "today by default"
    );
    assert_eq!(update["period"], json!(period_of(today())));
    assert_eq!(update["rag"], "amber");
    assert_eq!(update["phase_from"], Value::Null);
    assert_eq!(update["phase"], Value::Null);
    assert!(update["created_at"].is_string(), "{update}");
    let stored = str_field(&update, "narrative");
    assert!(stored.contains("[redacted: email]"), "{stored}");
    assert!(stored.contains("[redacted: person name]"), "{stored}");
    for secret in ["jo.carer@example.org", "Sam Partner", "Amina Khan"] {
        assert!(!stored.contains(secret), "{secret} in {stored}");
    }
    assert!(stored.contains("listening events"), "{stored}");
    let kinds: Vec<String> = update["redaction_report"]["redactions"]
        .as_array()
        .unwrap_or_else(|| panic!("a redaction report: {update}"))
        .iter()
        .map(|r| str_field(r, "kind"))
        .collect();
    assert!(kinds.iter().any(|k| k == "email"), "{kinds:?}");
    assert!(kinds.iter().any(|k| k == "person name"), "{kinds:?}");
    assert!(!update["redaction_report"]
        .to_string()
        .contains("jo.carer@example.org"));

    // A retry with the same key is a replay: still one update.
    let again = send().await.expect("POST an update again");
    assert_eq!(
        header(&again, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(expect_status(again, StatusCode::CREATED).await, update);

    // The list holds the stored text, without the report.
    let page = app.get_ok(&project_updates_path(&id), &f.board.token).await;
    let listed_updates = items(&page);
    assert_eq!(ids(&listed_updates), vec![update_id.clone()]);
    assert_eq!(listed_updates[0]["narrative"], json!(stored));
    assert!(
        listed_updates[0]["redaction_report"].is_null(),
        "the report is only in the POST answer: {page}"
    );
    let client_sees = app.get_ok(&project_updates_path(&id), &token).await;
    assert_eq!(ids(&items(&client_sees)), vec![update_id]);

    // The project now has the update's RAG and day, and a new tag.
    let (after, after_tag) = read_project(app, &token_actor(&token), &id).await;
    assert_eq!(after["rag"], "amber");
    assert_eq!(after["last_update_on"], json!(day(today())));
    assert_eq!(after["stale"], false);
    assert_ne!(after_tag, before_tag, "the update changed the project");
    expect_problem(
        app.patch(
            &project_path(&id),
            &ws.admin.token,
            Some(&before_tag),
            json!({ "title": "Stale" }),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;

    // The project's own provider posts too; newest first.
    let ours = post_update_ok(
        app,
        &ws.editor,
        &id,
        update_body("green", "The pathway draft is out for comment.", None),
    )
    .await;
    assert_eq!(ours["author"], "amina khan");
    assert_eq!(ours["organisation"]["id"], json!(ws.provider));
    assert_eq!(ours["redaction_report"]["redactions"], json!([]));
    let page = app
        .get_ok(&project_updates_path(&id), &ws.viewer.token)
        .await;
    assert_eq!(
        ids(&items(&page)),
        vec![str_field(&ours, "id"), str_field(&update, "id")]
    );
    let (now, _) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(now["rag"], "green");
    let paged = app
        .all_pages(&project_updates_path(&id), &ws.viewer.token, 1)
        .await;
    assert_eq!(
        ids(&paged),
        ids(&items(&page)),
        "one at a time, newest first"
    );

    // Every kind of personal detail goes, and the lead's withheld terms too.
    let terms = format!("/api/v1/organisations/{}/withheld-terms", ws.provider);
    let read = app.get(&terms, &ws.admin.token).await;
    let terms_tag = etag_of(&read);
    expect_status(read, StatusCode::OK).await;
    let put = app
        .request(Method::PUT, &terms, Some(&ws.admin.token))
        .header("If-Match", terms_tag)
        .json(&json!({ "terms": ["Oak Ward"] }))
        .send()
        .await
        .expect("PUT withheld terms");
    expect_status(put, StatusCode::OK).await;
    let detailed = post_update_ok(
        app,
        &token_actor(&token),
        &id,
        update_body(
            "amber",
            "A carer on Oak Ward (NHS number 943 476 5919, 07700 900123, LS1 4AP) asked for a call back.",
            None,
        ),
    )
    .await;
    let stored = str_field(&detailed, "narrative");
    for secret in ["Oak Ward", "943 476 5919", "07700 900123", "LS1 4AP"] {
        assert!(!stored.contains(secret), "{secret} in {stored}");
    }
    for marker in [
        "[redacted: withheld term]",
        "[redacted: nhs number]",
        "[redacted: phone number]",
        "[redacted: postcode]",
    ] {
        assert!(stored.contains(marker), "{marker} not in {stored}");
    }

    // The narrative's rules.
    for narrative in [String::new(), "x".repeat(5001)] {
        expect_invalid(
            post_update(
                app,
                &ws.editor,
                &id,
                json!({ "rag": "green", "narrative": narrative }),
            )
            .await,
            &["narrative"],
        )
        .await;
    }
    expect_invalid(
        post_update(
            app,
            &ws.editor,
            &id,
            json!({ "rag": "purple", "narrative": "Colourful." }),
        )
        .await,
        &["rag"],
    )
    .await;
}

/// An API client's token as an actor, for the helpers that take one.
fn token_actor(token: &str) -> Actor {
    Actor {
        token: token.to_owned(),
        user_id: String::new(),
        email: String::new(),
        membership_id: String::new(),
    }
}

/// Updates come from writers of accepted participants only; milestones also from the lead's
/// admins and the alliance admin. Invited, declined and non-participant organisations, the
/// viewer and the board get 403; another alliance 404.
async fn who_may_post_updates_and_milestones(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let (_, _, far_editor) = app.another_alliance().await;
    let id = f.riverside_project_with_vcse(TITLE, 20).await;
    invite_ok(app, &ws.admin, &id, &ws.other_provider).await;
    let update = || update_body("green", "Listening events booked.", None);
    let milestone = |title: &str| json!({ "title": title, "due_on": day(days(30)) });

    // Invited, not accepted.
    for who in [&ws.other_editor, &f.other_admin] {
        expect_problem(
            post_update(app, who, &id, update()).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        expect_problem(
            add_milestone(app, who, &id, milestone("Not yet")).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // Declined.
    respond_ok(app, &ws.other_editor, &id, &ws.other_provider, "decline").await;
    expect_problem(
        post_update(app, &ws.other_editor, &id, update()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_problem(
        add_milestone(app, &ws.other_editor, &id, milestone("Declined")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Never invited.
    let unity = app
        .create_organisation(
            &ws.alliance_admin,
            &ws.alliance_id,
            "Unity Faith Forum",
            "vcse",
        )
        .await;
    let unity_partner = app
        .add_member(
            &ws.alliance_admin,
            &ws.alliance_id,
            Some(&unity),
            "uma.partner@unity.example",
            "vcse_partner",
        )
        .await;
    // Members who read but do not write; the alliance admin posts no updates.
    for who in [&unity_partner, &ws.viewer, &f.board, &ws.alliance_admin] {
        expect_problem(
            post_update(app, who, &id, update()).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    for who in [&unity_partner, &ws.viewer, &f.board] {
        expect_problem(
            add_milestone(app, who, &id, milestone("Refused")).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // Refused even with a body that breaks every rule.
    expect_problem(
        post_update(
            app,
            &unity_partner,
            &id,
            json!({ "rag": "purple", "narrative": "" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Another alliance: the project does not exist.
    expect_problem(
        post_update(app, &far_editor, &id, update()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        add_milestone(app, &far_editor, &id, milestone("Far")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let page = app
        .get_ok(&project_updates_path(&id), &ws.viewer.token)
        .await;
    assert_eq!(items(&page), Vec::<Value>::new(), "nothing was posted");
    let page = app.get_ok(&milestones_path(&id), &ws.viewer.token).await;
    assert_eq!(items(&page), Vec::<Value>::new(), "no milestone was added");

    // The writers of both participants post; the alliance admin adds a milestone.
    for who in [&ws.admin, &ws.editor, &f.vcse_admin, &f.partner] {
        post_update_ok(app, who, &id, update()).await;
    }
    for who in [&ws.admin, &ws.editor, &f.partner, &ws.alliance_admin] {
        add_milestone_ok(app, who, &id, milestone("Listening events held")).await;
    }
    let page = app
        .get_ok(&project_updates_path(&id), &ws.viewer.token)
        .await;
    assert_eq!(items(&page).len(), 4);
    let (project, _) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(project["milestones"]["total"], 4);
}

/// A person who writes for two participating organisations says which (422 otherwise).
async fn a_member_of_two_participants_says_which(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let id = f.riverside_project_with_vcse(TITLE, 20).await;
    // Riverside's editor is a VCSE partner too.
    let invitation = app
        .invite(
            &f.vcse_admin,
            &ws.alliance_id,
            Some(&f.vcse),
            &ws.editor.email,
            "vcse_partner",
        )
        .await;
    expect_status(
        app.accept_as(
            &str_field(&invitation, "invitation_code"),
            Some(&ws.editor.token),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    expect_invalid(
        post_update(
            app,
            &ws.editor,
            &id,
            update_body("green", "Which one?", None),
        )
        .await,
        &["organisation_id"],
    )
    .await;
    let update = post_update_ok(
        app,
        &ws.editor,
        &id,
        with(
            update_body("green", "For the VCSE.", None),
            json!({ "organisation_id": f.vcse }),
        ),
    )
    .await;
    assert_eq!(update["organisation"]["id"], json!(f.vcse));
    // With two participating organisations, the milestone's default owner is the lead.
    let (milestone, _) = add_milestone_ok(
        app,
        &ws.editor,
        &id,
        json!({ "title": "Report to the board", "due_on": day(days(40)) }),
    )
    .await;
    assert_eq!(milestone["owner_organisation"]["id"], json!(ws.provider));
}

// ---- phases -------------------------------------------------------------------------------

/// The phase history: an update that moves the project dates the move by its `reported_on`;
/// the same phase again is no change; a change of the project moves it today.
async fn the_phase_history(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let (project, _) = f.riverside_project(TITLE, 60).await;
    let id = str_field(&project, "id");
    // The project entered its first phase today, when it was proposed: an update cannot move
    // it on before that, so that the history reads in order.
    let refused = app
        .post(
            &project_updates_path(&id),
            &ws.editor.token,
            with(
                update_body("amber", "Analysis started last week.", Some(days(-1))),
                json!({ "phase": "analysis_and_interpretation" }),
            ),
        )
        .await;
    expect_problem(refused, StatusCode::CONFLICT).await;
    let (unmoved, _) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(unmoved, project, "the refused move changed nothing");
    let moved_on = today();

    let update = post_update_ok(
        app,
        &ws.editor,
        &id,
        with(
            update_body(
                "amber",
                "The local data is in; the analysis starts.",
                Some(moved_on),
            ),
            json!({ "phase": "analysis_and_interpretation" }),
        ),
    )
    .await;
    assert_eq!(update["phase_from"], "intelligence_gathering");
    assert_eq!(update["phase"], "analysis_and_interpretation");
    assert_eq!(update["reported_on"], json!(day(moved_on)));
    let (moved, _) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(moved["phase"], "analysis_and_interpretation");
    assert_eq!(moved["phase_entered_on"], json!(day(moved_on)));
    assert_eq!(
        moved["phase_history"],
        json!([
            { "phase": "intelligence_gathering", "entered_on": day(today()), "left_on": day(moved_on) },
            { "phase": "analysis_and_interpretation", "entered_on": day(moved_on), "left_on": null },
        ])
    );

    // The same phase again is no change.
    post_update_ok(
        app,
        &f.ws.admin,
        &id,
        with(
            update_body("green", "Still analysing.", None),
            json!({ "phase": "analysis_and_interpretation" }),
        ),
    )
    .await;
    let (same, tag) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(same["phase_history"], moved["phase_history"]);
    assert_eq!(same["phase_entered_on"], json!(day(moved_on)));

    // The lead's admin moves it on: a third entry, entered today.
    let (changed, _) = change_project(
        app,
        &ws.admin,
        &id,
        &tag,
        json!({ "phase": "defining_problems" }),
    )
    .await;
    assert_eq!(changed["phase"], "defining_problems");
    assert_eq!(changed["phase_entered_on"], json!(day(today())));
    assert_eq!(
        changed["phase_history"],
        json!([
            { "phase": "intelligence_gathering", "entered_on": day(today()), "left_on": day(moved_on) },
            { "phase": "analysis_and_interpretation", "entered_on": day(moved_on), "left_on": day(today()) },
            { "phase": "defining_problems", "entered_on": day(today()), "left_on": null },
        ])
    );
    let updates = app
        .get_ok(&project_updates_path(&id), &ws.viewer.token)
        .await;
    assert_eq!(
        items(&updates).len(),
        2,
        "a change of the project posts no update"
    );
}

// ---- milestones ---------------------------------------------------------------------------

/// Milestones: owned by an accepted participant (the caller's by default), overdue when not
/// done by their due day, listed by due day, counted on the project, changed under
/// `If-Match`, reopened by clearing `done_on`.
async fn milestones_and_their_counts(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let id = f.riverside_project_with_vcse(TITLE, 40).await;
    invite_ok(app, &ws.admin, &id, &ws.other_provider).await;

    let (late, late_tag) = add_milestone_ok(
        app,
        &f.partner,
        &id,
        json!({ "title": "Community listening events held", "due_on": day(days(-3)) }),
    )
    .await;
    let late_id = str_field(&late, "id");
    assert_eq!(late["project_id"], json!(id));
    assert_eq!(late["title"], "Community listening events held");
    assert_eq!(late["due_on"], json!(day(days(-3))));
    assert_eq!(
        late["owner_organisation"],
        json!({ "id": f.vcse, "name": VCSE_NAME, "kind": "vcse" }),
        "the partner's organisation by default"
    );
    assert_eq!(late["done_on"], Value::Null);
    assert_eq!(late["overdue"], true);
    assert!(late["created_at"].is_string() && late["updated_at"].is_string());

    let (later, _) = add_milestone_ok(
        app,
        &ws.alliance_admin,
        &id,
        json!({ "title": "Findings to the board", "due_on": day(days(30)) }),
    )
    .await;
    assert_eq!(
        later["owner_organisation"],
        json!({ "id": ws.provider, "name": PROVIDER_NAME, "kind": "provider" }),
        "the lead, for the alliance admin"
    );
    assert_eq!(later["overdue"], false);
    // Due today and not done: not overdue yet. Owned by the VCSE, named by P's editor.
    let (due_today, _) = add_milestone_ok(
        app,
        &ws.editor,
        &id,
        json!({ "title": "Survey closes", "due_on": day(today()), "owner_organisation_id": f.vcse }),
    )
    .await;
    assert_eq!(due_today["owner_organisation"]["id"], json!(f.vcse));
    assert_eq!(due_today["overdue"], false);
    // Done already when added.
    let (done, _) = add_milestone_ok(
        app,
        &ws.editor,
        &id,
        json!({ "title": "Data request sent", "due_on": day(days(-10)), "done_on": day(days(-12)) }),
    )
    .await;
    assert_eq!(done["done_on"], json!(day(days(-12))));
    assert_eq!(done["overdue"], false);

    // The owner must be an accepted participant; done_on cannot be in the future.
    for owner in [ws.other_provider.clone(), random_id()] {
        expect_invalid(
            add_milestone(
                app,
                &ws.editor,
                &id,
                json!({ "title": "Theirs", "due_on": day(days(5)), "owner_organisation_id": owner }),
            )
            .await,
            &["owner_organisation_id"],
        )
        .await;
    }
    expect_invalid(
        add_milestone(
            app,
            &ws.editor,
            &id,
            json!({ "title": "Early", "due_on": day(days(5)), "done_on": day(days(1)) }),
        )
        .await,
        &["done_on"],
    )
    .await;

    let (project, _) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(
        project["milestones"],
        json!({ "total": 4, "done": 1, "overdue": 1 })
    );
    let list = app.get_ok(&milestones_path(&id), &f.board.token).await;
    assert_eq!(
        ids(&items(&list)),
        vec![
            str_field(&done, "id"),
            late_id.clone(),
            str_field(&due_today, "id"),
            str_field(&later, "id"),
        ],
        "by due date"
    );
    assert_eq!(items(&list)[1], late);

    // Marking it done: If-Match required, then it is no longer overdue.
    let path = milestone_path(&late_id);
    let done_today = json!({ "done_on": day(today()) });
    expect_problem(
        app.patch(&path, &f.partner.token, None, done_today.clone())
            .await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    for refused in [&ws.viewer, &f.board, &ws.other_editor] {
        expect_problem(
            app.patch(&path, &refused.token, Some(&late_tag), done_today.clone())
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let response = app
        .patch(&path, &f.partner.token, Some(&late_tag), done_today.clone())
        .await;
    let marked_tag = etag_of(&response);
    let marked = expect_status(response, StatusCode::OK).await;
    assert_ne!(marked_tag, late_tag);
    assert_eq!(marked["done_on"], json!(day(today())));
    assert_eq!(marked["overdue"], false);
    assert_eq!(marked["title"], late["title"]);
    let (project, _) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(
        project["milestones"],
        json!({ "total": 4, "done": 2, "overdue": 0 })
    );
    expect_problem(
        app.patch(
            &path,
            &ws.editor.token,
            Some(&late_tag),
            json!({ "title": "Stale" }),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    expect_invalid(
        app.patch(
            &path,
            &ws.editor.token,
            Some(&marked_tag),
            json!({ "done_on": day(days(2)) }),
        )
        .await,
        &["done_on"],
    )
    .await;
    // Reopened: overdue again.
    let response = app
        .patch(
            &path,
            &ws.editor.token,
            Some(&marked_tag),
            json!({ "done_on": null }),
        )
        .await;
    let reopened_tag = etag_of(&response);
    let reopened = expect_status(response, StatusCode::OK).await;
    assert_eq!(reopened["done_on"], Value::Null);
    assert_eq!(reopened["overdue"], true);
    let (project, _) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(
        project["milestones"],
        json!({ "total": 4, "done": 1, "overdue": 1 })
    );
    // Its owner must take part (the second provider was only invited); a new due day moves it
    // down the list and it is no longer overdue.
    expect_invalid(
        app.patch(
            &path,
            &ws.editor.token,
            Some(&reopened_tag),
            json!({ "owner_organisation_id": ws.other_provider }),
        )
        .await,
        &["owner_organisation_id"],
    )
    .await;
    let response = app
        .patch(
            &path,
            &ws.alliance_admin.token,
            Some(&reopened_tag),
            json!({ "due_on": day(days(60)), "owner_organisation_id": ws.provider }),
        )
        .await;
    let moved = expect_status(response, StatusCode::OK).await;
    assert_eq!(moved["owner_organisation"]["id"], json!(ws.provider));
    assert_eq!(moved["overdue"], false);
    let list = app.get_ok(&milestones_path(&id), &ws.viewer.token).await;
    assert_eq!(ids(&items(&list)).last(), Some(&late_id), "by due date");
    let (project, _) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(
        project["milestones"],
        json!({ "total": 4, "done": 1, "overdue": 0 })
    );
}

// ---- reporting periods --------------------------------------------------------------------

/// A started project is stale until an update reports in the current quarter: an update in
/// the previous quarter leaves it stale, one today clears it. `reported_on` may not be in the
/// future, before the project starts (422) or before the latest update (409).
async fn stale_until_an_update_in_the_current_period(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let this_quarter = quarter_start(today());
    let last_quarter = this_quarter - Duration::days(1);
    let starts_on = quarter_start(last_quarter) - Duration::days(10);
    let (project, _) = create_project(
        app,
        &ws.editor,
        &ws.alliance_id,
        project_body(TITLE, &ws.provider, starts_on, days(200)),
    )
    .await;
    let id = str_field(&project, "id");
    assert_eq!(project["stale"], true);
    assert_eq!(project["current_period"], json!(period_of(today())));

    // A project planned to end before this quarter began is not expected to report.
    let (ended, _) = create_project(
        app,
        &ws.editor,
        &ws.alliance_id,
        project_body("An earlier project", &ws.provider, starts_on, last_quarter),
    )
    .await;
    assert_eq!(ended["stale"], false, "{ended}");
    let up_to_date = app
        .get_ok(
            &format!("{}?stale=false", projects_path(&ws.alliance_id)),
            &ws.viewer.token,
        )
        .await;
    assert!(ids(&items(&up_to_date)).contains(&str_field(&ended, "id")));
    let stale = app
        .get_ok(
            &format!("{}?stale=true", projects_path(&ws.alliance_id)),
            &ws.viewer.token,
        )
        .await;
    assert_eq!(ids(&items(&stale)), vec![id.clone()]);

    // Not before the project starts, not in the future.
    for reported_on in [starts_on - Duration::days(1), days(1)] {
        expect_invalid(
            post_update(
                app,
                &ws.editor,
                &id,
                update_body("green", "Out of range.", Some(reported_on)),
            )
            .await,
            &["reported_on"],
        )
        .await;
    }

    // Last quarter's update: still stale.
    let old = post_update_ok(
        app,
        &ws.editor,
        &id,
        update_body(
            "red",
            "Recruitment of peer researchers stalled.",
            Some(last_quarter),
        ),
    )
    .await;
    assert_eq!(old["period"], json!(period_of(last_quarter)));
    assert_ne!(old["period"], json!(period_of(today())));
    let (project, _) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(project["rag"], "red");
    assert_eq!(project["last_update_on"], json!(day(last_quarter)));
    assert_eq!(
        project["stale"],
        true,
        "no update in {}",
        period_of(today())
    );
    assert_eq!(
        listed(app, &ws.viewer, &ws.alliance_id, "stale=true").await,
        vec![id.clone()]
    );

    // Today's update: not stale any more.
    post_update_ok(
        app,
        &f.ws.admin,
        &id,
        update_body("green", "Peer researchers recruited.", None),
    )
    .await;
    let (project, _) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(project["rag"], "green");
    assert_eq!(project["last_update_on"], json!(day(today())));
    assert_eq!(project["stale"], false);
    assert!(listed(app, &ws.viewer, &ws.alliance_id, "stale=true")
        .await
        .is_empty());

    // Before the latest update: a conflict, and nothing changes.
    expect_problem(
        post_update(
            app,
            &ws.editor,
            &id,
            update_body("red", "Late news from last quarter.", Some(last_quarter)),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let (after, _) = read_project(app, &ws.viewer, &id).await;
    assert_eq!(after, project);
    // The same day as the latest is fine.
    post_update_ok(
        app,
        &ws.editor,
        &id,
        update_body("amber", "A second note today.", Some(today())),
    )
    .await;

    // A project that starts tomorrow is not stale; one that starts today is.
    let (future, _) = create_project(
        app,
        &ws.editor,
        &ws.alliance_id,
        project_body("Starts tomorrow", &ws.provider, days(1), days(200)),
    )
    .await;
    assert_eq!(future["stale"], false);
    let (starting, _) = create_project(
        app,
        &ws.editor,
        &ws.alliance_id,
        project_body("Starts today", &ws.provider, today(), days(200)),
    )
    .await;
    assert_eq!(starting["stale"], true);
}

// ---- the list -----------------------------------------------------------------------------

/// The list: newest first, each filter, pages with a cursor, bad filters refused.
async fn the_list_filters_and_pages(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let last_quarter = quarter_start(today()) - Duration::days(1);
    let long_ago = quarter_start(last_quarter) - Duration::days(10);

    // A: led by P, started long ago, last reported last quarter (red, stale), one overdue
    // milestone; P2 invited but never accepts.
    let (a, _) = create_project(
        app,
        &ws.editor,
        &ws.alliance_id,
        project_body("Project A", &ws.provider, long_ago, days(200)),
    )
    .await;
    let a = str_field(&a, "id");
    post_update_ok(
        app,
        &ws.editor,
        &a,
        update_body("red", "Behind.", Some(last_quarter)),
    )
    .await;
    add_milestone_ok(
        app,
        &ws.editor,
        &a,
        json!({ "title": "Late one", "due_on": day(days(-2)) }),
    )
    .await;
    invite_ok(app, &ws.admin, &a, &ws.other_provider).await;

    // B: led by P2 (proposed by its editor), starts next month, defining problems, about
    // Indian adults and the workforce.
    let (b, _) = create_project(
        app,
        &ws.other_editor,
        &ws.alliance_id,
        with(
            project_body("Project B", &ws.other_provider, days(30), days(200)),
            json!({
                "phase": "defining_problems",
                "ethnic_categories": ["H"],
                "competencies": ["workforce"],
            }),
        ),
    )
    .await;
    let b = str_field(&b, "id");

    // C: led by the VCSE organisation, proposed by P's editor (so P takes part), critical
    // actions, reported today (green), a milestone not yet due.
    let (c, _) = create_project(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            project_body("Project C", &f.vcse, long_ago, days(200)),
            json!({
                "phase": "critical_actions",
                "ethnic_categories": ["J", "K"],
                "competencies": ["co_learning"],
            }),
        ),
    )
    .await;
    let c = str_field(&c, "id");
    post_update_ok(app, &f.partner, &c, update_body("green", "On track.", None)).await;
    add_milestone_ok(
        app,
        &f.partner,
        &c,
        json!({ "title": "Not yet due", "due_on": day(days(20)) }),
    )
    .await;

    let who = &f.board;
    let aid = &ws.alliance_id;
    assert_eq!(
        listed(app, who, aid, "").await,
        vec![c.clone(), b.clone(), a.clone()]
    );
    for (query, expected) in [
        ("phase=defining_problems", vec![&b]),
        ("phase=intelligence_gathering", vec![&a]),
        ("phase=analysis_and_interpretation", vec![]),
        ("rag=red", vec![&a]),
        ("rag=green", vec![&c]),
        ("rag=amber", vec![]),
        ("ethnic_category=M", vec![&a]),
        ("ethnic_category=K", vec![&c]),
        ("ethnic_category=R", vec![]),
        ("competency=co_learning", vec![&c]),
        ("competency=workforce", vec![&b]),
        ("overdue=true", vec![&a]),
        ("overdue=false", vec![&c, &b]),
        ("stale=true", vec![&a]),
        ("stale=false", vec![&c, &b]),
        ("phase=intelligence_gathering&stale=false", vec![]),
        ("competency=co_production&rag=red", vec![&a]),
    ] {
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(listed(app, who, aid, query).await, expected, "{query}");
    }
    // Participants: accepted ones only, the lead included.
    for (org, expected) in [
        (&ws.provider, vec![&c, &a]),
        (&ws.other_provider, vec![&b]),
        (&f.vcse, vec![&c]),
    ] {
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(
            listed(app, who, aid, &format!("participant={org}")).await,
            expected,
            "participant={org}"
        );
    }

    // Pages: the same projects in the same order, one or two at a time.
    for limit in [1, 2] {
        let all = app.all_pages(&projects_path(aid), &who.token, limit).await;
        assert_eq!(
            ids(&all),
            vec![c.clone(), b.clone(), a.clone()],
            "limit={limit}"
        );
    }
    let page = app
        .get_ok(&format!("{}?limit=2", projects_path(aid)), &who.token)
        .await;
    assert!(page["next_cursor"].is_string(), "{page}");
    let rest = app
        .get_ok(
            &format!(
                "{}?limit=2&cursor={}",
                projects_path(aid),
                str_field(&page, "next_cursor")
            ),
            &who.token,
        )
        .await;
    assert_eq!(ids(&items(&rest)), vec![a.clone()]);
    assert!(rest["next_cursor"].is_null(), "{rest}");
    // The list shows what the project shows.
    let (c_read, _) = read_project(app, who, &c).await;
    assert_eq!(items(&page)[0], c_read);

    for query in [
        "phase=daydreaming",
        "rag=purple",
        "ethnic_category=BAME",
        "competency=kindness",
        "overdue=maybe",
        "stale=often",
        "participant=not-a-uuid",
        "limit=0",
        "limit=201",
        "cursor=nope",
    ] {
        expect_bad_query(
            app.get(&format!("{}?{query}", projects_path(aid)), &who.token)
                .await,
        )
        .await;
    }
}

// ---- the audit log ------------------------------------------------------------------------

/// Every step of a project is in the alliance's audit log, with who took it, and the
/// update's narrative only as stored (redacted).
async fn every_step_is_in_the_alliances_audit_log(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (ws, app) = (&f.ws, f.app());
    let (project, tag) = f.riverside_project(TITLE, 20).await;
    let id = str_field(&project, "id");
    change_project(
        app,
        &ws.admin,
        &id,
        &tag,
        json!({ "title": "Renamed project" }),
    )
    .await;
    invite_ok(app, &ws.admin, &id, &f.vcse).await;
    respond_ok(app, &f.partner, &id, &f.vcse, "accept").await;
    invite_ok(app, &ws.alliance_admin, &id, &ws.other_provider).await;
    respond_ok(app, &ws.other_editor, &id, &ws.other_provider, "decline").await;
    let (milestone, milestone_tag) = add_milestone_ok(
        app,
        &f.partner,
        &id,
        json!({ "title": "Listening events held", "due_on": day(days(10)) }),
    )
    .await;
    expect_status(
        app.patch(
            &milestone_path(&str_field(&milestone, "id")),
            &f.partner.token,
            Some(&milestone_tag),
            json!({ "done_on": day(today()) }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    post_update_ok(
        app,
        &f.partner,
        &id,
        update_body(
            "amber",
            "Write to jo.carer@example.org for the notes.",
            None,
        ),
    )
    .await;

    let audit = app
        .get_ok(&audit_path(&ws.alliance_id), &ws.alliance_admin.token)
        .await;
    let entries: Vec<Value> = items(&audit)
        .into_iter()
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("project."))
        })
        .collect();
    let actions: Vec<String> = entries.iter().map(|e| str_field(e, "action")).collect();
    assert_eq!(
        actions,
        [
            "project.update_posted",
            "project.milestone_updated",
            "project.milestone_created",
            "project.participant_declined",
            "project.participant_invited",
            "project.participant_accepted",
            "project.participant_invited",
            "project.updated",
            "project.created",
        ],
        "newest first"
    );
    let actors: Vec<String> = entries
        .iter()
        .map(|e| str_field(&e["actor"], "label"))
        .collect();
    assert_eq!(
        actors,
        [
            f.partner.email.as_str(),
            f.partner.email.as_str(),
            f.partner.email.as_str(),
            ws.other_editor.email.as_str(),
            ws.alliance_admin.email.as_str(),
            f.partner.email.as_str(),
            ws.admin.email.as_str(),
            ws.admin.email.as_str(),
            ws.editor.email.as_str(),
        ]
    );
    for entry in &entries {
        assert_eq!(entry["alliance_id"], json!(ws.alliance_id), "{entry}");
    }
    let created = &entries[8];
    assert_eq!(created["target_id"], json!(id), "{created}");
    assert!(created["before"].is_null(), "{created}");
    assert_eq!(created["after"]["title"], TITLE);
    let updated = &entries[7];
    assert_eq!(updated["target_id"], json!(id));
    assert_eq!(updated["before"]["title"], TITLE);
    assert_eq!(updated["after"]["title"], "Renamed project");
    let text = audit.to_string();
    assert!(
        !text.contains("jo.carer@example.org"),
        "the audit log keeps the redacted narrative only"
    );

    // Filtered by action.
    let filtered = app
        .get_ok(
            &format!(
                "/api/v1/alliances/{}/audit?action=project.created",
                ws.alliance_id
            ),
            &ws.alliance_admin.token,
        )
        .await;
    assert_eq!(items(&filtered), vec![created.clone()]);
}

backend_tests!(
    a_projects_texts_are_redacted,
    a_provider_proposes_a_project,
    who_may_propose_and_what_is_checked,
    a_project_links_the_library,
    changing_a_project_needs_the_current_etag_and_the_lead,
    organisations_are_invited_and_accept_or_decline,
    a_vcse_partners_system_posts_updates,
    who_may_post_updates_and_milestones,
    a_member_of_two_participants_says_which,
    the_phase_history,
    milestones_and_their_counts,
    stale_until_an_update_in_the_current_period,
    the_list_filters_and_pages,
    every_step_is_in_the_alliances_audit_log,
);
