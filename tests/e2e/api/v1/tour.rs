//! The README's tour, step by step: bootstrap, organisations, an invitation, and a member who
//! sees only what their role allows.

use pcref_e2e::{backend_tests, expect_problem, expect_status, str_field, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn a_new_member_gets_in_and_sees_their_memberships(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("East Midlands PCREF Alliance", "lead@alliance.example")
        .await;
    let admin = &alliance.admin;

    let provider = app
        .create_organisation(
            admin,
            &alliance.alliance_id,
            "Example Healthcare NHS Trust",
            "provider",
        )
        .await;
    let vcse = app
        .create_organisation(admin, &alliance.alliance_id, "Community Voices", "vcse")
        .await;

    let invitation = app
        .invite(
            admin,
            &alliance.alliance_id,
            Some(&provider),
            "amina.khan@trust.example",
            "provider_editor",
        )
        .await;
    assert_eq!(invitation["status"], "invited");
    assert_eq!(invitation["role"], "provider_editor");
    let code = str_field(&invitation, "invitation_code");
    assert!(code.starts_with("pcref_inv_"));

    let accepted = app.accept(&code).await;
    let token = str_field(&accepted, "token");
    assert!(token.starts_with("pcref_pat_"));
    assert_eq!(accepted["membership"]["status"], "active");

    let me = expect_status(app.get("/api/v1/me", &token).await, StatusCode::OK).await;
    assert_eq!(me["user"]["email"], "amina.khan@trust.example");
    let memberships = me["memberships"].as_array().expect("memberships");
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0]["organisation_id"], json!(provider));
    assert_eq!(
        memberships[0]["organisation_name"],
        "Example Healthcare NHS Trust"
    );
    assert_eq!(
        memberships[0]["alliance_name"],
        "East Midlands PCREF Alliance"
    );
    assert_eq!(memberships[0]["role"], "provider_editor");

    // An editor reads the alliance's organisations but cannot add one, nor see the VCSE's members.
    let orgs = expect_status(
        app.get(
            &format!("/api/v1/alliances/{}/organisations", alliance.alliance_id),
            &token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(orgs["items"].as_array().map(Vec::len), Some(2));
    expect_problem(
        app.post(
            &format!("/api/v1/alliances/{}/organisations", alliance.alliance_id),
            &token,
            json!({ "name": "Another Trust", "kind": "provider" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_problem(
        app.get(&format!("/api/v1/organisations/{vcse}/members"), &token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

backend_tests!(a_new_member_gets_in_and_sees_their_memberships);
