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

backend_tests!(
    each_admin_sees_only_their_own_alliance,
    a_board_member_of_a_second_alliance_sees_both,
    an_alliance_you_are_not_in_is_not_found,
    alliance_members_are_listed_and_invited,
);
