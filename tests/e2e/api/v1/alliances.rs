//! /api/v1/alliances: the caller's alliances, one alliance, and its alliance-level members.

use pcref_e2e::{
    backend_tests, etag_of, expect_problem, expect_status, str_field, Backend, TestApp,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn ids_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("a page has items")
        .iter()
        .map(|item| str_field(item, "id"))
        .collect()
}

async fn each_admin_sees_only_their_own_alliance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let east = app
        .bootstrap("East Midlands PCREF Alliance", "lead@east.example")
        .await;
    let west = app
        .bootstrap("West Midlands PCREF Alliance", "lead@west.example")
        .await;

    let page = expect_status(
        app.get("/api/v1/alliances", &east.admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids_of(&page), vec![east.alliance_id.clone()]);
    assert_eq!(page["items"][0]["name"], "East Midlands PCREF Alliance");
    assert!(page["next_cursor"].is_null(), "one page: {page}");

    let page = expect_status(
        app.get("/api/v1/alliances", &west.admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids_of(&page), vec![west.alliance_id.clone()]);
    assert_eq!(page["items"][0]["name"], "West Midlands PCREF Alliance");
}

async fn a_board_member_of_a_second_alliance_sees_both(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let east = app
        .bootstrap("East Midlands PCREF Alliance", "lead@east.example")
        .await;
    let west = app
        .bootstrap("West Midlands PCREF Alliance", "lead@west.example")
        .await;

    // West's admin is invited onto East's board; until the invitation is accepted, East is
    // not one of their alliances.
    let invitation = app
        .invite(
            &east.admin,
            &east.alliance_id,
            None,
            &west.admin.email,
            "board_member",
        )
        .await;
    assert_eq!(invitation["status"], "invited");
    let page = expect_status(
        app.get("/api/v1/alliances", &west.admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids_of(&page), vec![west.alliance_id.clone()]);

    // West's admin already has an account: they accept signed in with it.
    let accepted = expect_status(
        app.request(Method::POST, "/api/v1/invitations/accept", Some(&west.admin.token))
            .json(&json!({ "code": str_field(&invitation, "invitation_code"), "token_name": "east board" }))
            .send()
            .await
            .expect("accept"),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        accepted["membership"]["user"]["id"],
        json!(west.admin.user_id)
    );
    let new_token = str_field(&accepted, "token");

    let mut expected = vec![east.alliance_id.clone(), west.alliance_id.clone()];
    expected.sort();
    for token in [&west.admin.token, &new_token] {
        let page = expect_status(app.get("/api/v1/alliances", token).await, StatusCode::OK).await;
        let mut ids = ids_of(&page);
        ids.sort();
        assert_eq!(ids, expected, "both alliances: {page}");
    }

    // East's admin still sees East only.
    let page = expect_status(
        app.get("/api/v1/alliances", &east.admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids_of(&page), vec![east.alliance_id.clone()]);
}

async fn an_alliance_you_are_not_in_is_not_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let east = app
        .bootstrap("East Midlands PCREF Alliance", "lead@east.example")
        .await;
    let west = app
        .bootstrap("West Midlands PCREF Alliance", "lead@west.example")
        .await;

    let own = expect_status(
        app.get(
            &format!("/api/v1/alliances/{}", east.alliance_id),
            &east.admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own["id"], json!(east.alliance_id));
    assert_eq!(own["name"], "East Midlands PCREF Alliance");

    let hidden = expect_problem(
        app.get(
            &format!("/api/v1/alliances/{}", west.alliance_id),
            &east.admin.token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let missing = expect_problem(
        app.get(
            &format!("/api/v1/alliances/{}", uuid::Uuid::now_v7()),
            &east.admin.token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Nothing tells an alliance that exists elsewhere from one that does not exist.
    assert_eq!(hidden, missing);
    assert!(
        !hidden.to_string().contains("West Midlands"),
        "the refusal names nothing of the other alliance: {hidden}"
    );
}

async fn alliance_members_are_listed_and_invited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let east = app
        .bootstrap("East Midlands PCREF Alliance", "lead@east.example")
        .await;
    let admin = &east.admin;
    let members_path = format!("/api/v1/alliances/{}/members", east.alliance_id);

    let page = expect_status(app.get(&members_path, &admin.token).await, StatusCode::OK).await;
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "only the admin: {page}");
    assert_eq!(items[0]["id"], json!(admin.membership_id));
    assert_eq!(items[0]["user"]["email"], "lead@east.example");
    assert_eq!(items[0]["role"], "alliance_admin");
    assert_eq!(items[0]["status"], "active");
    assert!(
        items[0]["organisation_id"].is_null(),
        "alliance-level: {page}"
    );

    // A board member: invited, with a code shown once.
    let response = app
        .post(
            &members_path,
            &admin.token,
            json!({ "email": "chair@board.example", "display_name": "Board Chair", "role": "board_member" }),
        )
        .await;
    assert_eq!(etag_of(&response), "\"1\"");
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
        .to_owned();
    let invitation = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(invitation["status"], "invited");
    assert_eq!(invitation["role"], "board_member");
    assert_eq!(invitation["user"]["email"], "chair@board.example");
    assert!(
        invitation["organisation_id"].is_null(),
        "alliance-level: {invitation}"
    );
    assert_eq!(
        location,
        format!("/api/v1/memberships/{}", str_field(&invitation, "id"))
    );
    let code = str_field(&invitation, "invitation_code");

    // An organisation's role does not fit the alliance.
    let problem = expect_problem(
        app.post(
            &members_path,
            &admin.token,
            json!({ "email": "editor@trust.example", "display_name": "Editor", "role": "provider_editor" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "role", "problem: {problem}");

    let page = expect_status(app.get(&members_path, &admin.token).await, StatusCode::OK).await;
    assert_eq!(
        page["items"].as_array().map(Vec::len),
        Some(2),
        "admin and invited board member: {page}"
    );

    // The board member reads the alliance's members but does not manage them.
    let accepted = app.accept(&code).await;
    let board_token = str_field(&accepted, "token");
    let page = expect_status(app.get(&members_path, &board_token).await, StatusCode::OK).await;
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{page}");
    assert!(
        items
            .iter()
            .any(|m| m["role"] == "board_member" && m["status"] == "active"),
        "{page}"
    );
    expect_problem(
        app.post(
            &members_path,
            &board_token,
            json!({ "email": "friend@board.example", "display_name": "Friend", "role": "board_member" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let page = expect_status(app.get(&members_path, &admin.token).await, StatusCode::OK).await;
    assert_eq!(
        page["items"].as_array().map(Vec::len),
        Some(2),
        "nobody was invited: {page}"
    );
}

/// The alliance admin sets the reporting cycle; it decides when an action is stale.
async fn the_reporting_cycle_decides_when_an_action_is_stale(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let boot = app.bootstrap("Cycle Alliance", "lead@cycle.example").await;
    let (aid, admin) = (boot.alliance_id.clone(), boot.admin.clone());
    let alliance_path = format!("/api/v1/alliances/{aid}");

    let read = app.get(&alliance_path, &admin.token).await;
    let tag = etag_of(&read);
    let alliance = expect_status(read, StatusCode::OK).await;
    assert_eq!(
        alliance["reporting_cycle_days"], 90,
        "the default: {alliance}"
    );
    assert_eq!(tag, format!("\"{}\"", alliance["version"]));

    // A provider with an action whose last progress update is 30 days old.
    let provider = app
        .create_organisation(&admin, &aid, "Cycle Trust", "provider")
        .await;
    let editor = app
        .add_member(
            &admin,
            &aid,
            Some(&provider),
            "editor@cycle.example",
            "provider_editor",
        )
        .await;
    let plan = expect_status(
        app.post(
            &format!("/api/v1/organisations/{provider}/plans"),
            &editor.token,
            json!({ "title": "Cycle plan", "service": "Community" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let plan_id = str_field(&plan, "id");
    let priority = expect_status(
        app.post(
            &format!("/api/v1/plans/{plan_id}/priorities"),
            &editor.token,
            json!({ "statement": "Access", "ethnic_categories": ["N"], "communities_consulted": true }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let action = expect_status(
        app.post(
            &format!("/api/v1/plans/{plan_id}/actions"),
            &editor.token,
            json!({ "priority_id": str_field(&priority, "id"), "description": "Outreach" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let action_path = format!("/api/v1/actions/{}", str_field(&action, "id"));
    let month_ago = (chrono::Utc::now().date_naive() - chrono::Duration::days(30)).to_string();
    expect_status(
        app.post(
            &format!("{action_path}/updates"),
            &editor.token,
            json!({ "reported_on": month_ago, "status": "on_track", "rag": "green", "narrative": "Started" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let stale = |action: &Value| action["stale"].as_bool().expect("stale is a boolean");
    let read = expect_status(app.get(&action_path, &editor.token).await, StatusCode::OK).await;
    assert!(!stale(&read), "30 days is within a 90-day cycle: {read}");

    // Only the alliance admin changes it, with If-Match, within 7–366 days.
    expect_problem(
        app.patch(
            &alliance_path,
            &editor.token,
            Some(&tag),
            json!({ "reporting_cycle_days": 14 }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_problem(
        app.patch(
            &alliance_path,
            &admin.token,
            None,
            json!({ "reporting_cycle_days": 14 }),
        )
        .await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    let problem = expect_problem(
        app.patch(
            &alliance_path,
            &admin.token,
            Some(&tag),
            json!({ "reporting_cycle_days": 3 }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "reporting_cycle_days");
    let updated = expect_status(
        app.patch(
            &alliance_path,
            &admin.token,
            Some(&tag),
            json!({ "reporting_cycle_days": 14 }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["reporting_cycle_days"], 14);
    assert_eq!(updated["name"], "Cycle Alliance");
    expect_problem(
        app.patch(
            &alliance_path,
            &admin.token,
            Some(&tag),
            json!({ "reporting_cycle_days": 30 }),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;

    let read = expect_status(app.get(&action_path, &editor.token).await, StatusCode::OK).await;
    assert!(stale(&read), "30 days is past a 14-day cycle: {read}");

    let audit = expect_status(
        app.get(
            &format!("{alliance_path}/audit?action=alliance.updated"),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(audit["items"][0]["before"]["reporting_cycle_days"], 90);
    assert_eq!(audit["items"][0]["after"]["reporting_cycle_days"], 14);
}

backend_tests!(
    the_reporting_cycle_decides_when_an_action_is_stale,
    each_admin_sees_only_their_own_alliance,
    a_board_member_of_a_second_alliance_sees_both,
    an_alliance_you_are_not_in_is_not_found,
    alliance_members_are_listed_and_invited,
);
