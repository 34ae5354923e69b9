//! `POST /api/v1/invitations/accept`, and inviting someone who is already known.

use std::time::Duration;

use pcref_app::AppSettings;
use pcref_e2e::{backend_tests, expect_problem, expect_status, str_field, Backend, TestApp};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

async fn accept_raw(app: &TestApp, body: Value) -> Response {
    app.request(Method::POST, "/api/v1/invitations/accept", None)
        .json(&body)
        .send()
        .await
        .expect("POST /invitations/accept")
}

/// Asserts that the code is refused with a 422 naming the field `code`; returns the problem.
async fn expect_code_refused(app: &TestApp, code: &str) -> Value {
    let problem = expect_problem(
        accept_raw(app, json!({ "code": code })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "code", "{problem}");
    problem
}

/// A well-formed code no invitation has (never issued, or replaced by a new invitation): 404.
async fn expect_code_unknown(app: &TestApp, code: &str) -> Value {
    let problem = expect_problem(
        accept_raw(app, json!({ "code": code })).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("no invitation has this code")),
        "{problem}"
    );
    problem
}

async fn a_code_works_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app.bootstrap("Once Alliance", "lead@once.example").await;
    let admin = &alliance.admin;
    let trust = app
        .create_organisation(admin, &alliance.alliance_id, "Once Trust", "provider")
        .await;
    let invitation = app
        .invite(
            admin,
            &alliance.alliance_id,
            Some(&trust),
            "ada@once.example",
            "provider_editor",
        )
        .await;
    let code = str_field(&invitation, "invitation_code");

    // Without token_name the token is labelled "invitation".
    let accepted = expect_status(
        accept_raw(&app, json!({ "code": code })).await,
        StatusCode::CREATED,
    )
    .await;
    let token = str_field(&accepted, "token");
    assert!(token.starts_with("pcref_pat_"), "{accepted}");
    assert_eq!(accepted["access_token"]["name"], "invitation");
    assert!(
        accepted["access_token"].get("token").is_none(),
        "{accepted}"
    );
    assert_eq!(accepted["membership"]["id"], invitation["id"]);
    assert_eq!(accepted["membership"]["status"], "active");
    assert_eq!(accepted["membership"]["role"], "provider_editor");
    expect_status(app.get("/api/v1/me", &token).await, StatusCode::OK).await;

    // Used already: a conflict with the invitation's state, not a malformed code.
    let problem = expect_problem(
        accept_raw(&app, json!({ "code": code })).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("already been used")),
        "{problem}"
    );
    // The refused second use issued nothing: still one token.
    let tokens = expect_status(app.get("/api/v1/me/tokens", &token).await, StatusCode::OK).await;
    assert_eq!(
        tokens["items"].as_array().map(Vec::len),
        Some(1),
        "{tokens}"
    );
}

async fn unknown_and_malformed_codes_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.bootstrap("Codes Alliance", "lead@codes.example").await;

    let well_formed_but_unknown = format!("pcref_inv_{}", "A".repeat(43));
    expect_code_unknown(&app, &well_formed_but_unknown).await;
    for code in [
        "",
        "not-a-code",
        "pcref_inv_short",
        // A token is not an invitation code.
        &format!("pcref_pat_{}", "A".repeat(43)),
    ] {
        expect_code_refused(&app, code).await;
    }
}

async fn an_expired_code_is_refused(backend: Backend) {
    let settings = AppSettings {
        invitation_lifetime: chrono::Duration::seconds(1),
        ..AppSettings::default()
    };
    let app = TestApp::spawn_with(backend, settings).await;
    let alliance = app.bootstrap("Late Alliance", "lead@late.example").await;
    let admin = &alliance.admin;
    let trust = app
        .create_organisation(admin, &alliance.alliance_id, "Late Trust", "provider")
        .await;
    let invitation = app
        .invite(
            admin,
            &alliance.alliance_id,
            Some(&trust),
            "late@late.example",
            "provider_viewer",
        )
        .await;
    let code = str_field(&invitation, "invitation_code");

    tokio::time::sleep(Duration::from_millis(1_200)).await;

    let problem = expect_code_refused(&app, &code).await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("expired")),
        "{problem}"
    );
    // The membership stays pending.
    let members = expect_status(
        app.get(
            &format!("/api/v1/organisations/{trust}/members"),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let pending = members["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|m| m["id"] == invitation["id"])
        .cloned()
        .unwrap_or_else(|| panic!("the invitation is not listed: {members}"));
    assert_eq!(pending["status"], "invited");
}

async fn unknown_fields_are_a_bad_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("Strict Alliance", "lead@strict.example")
        .await;
    let admin = &alliance.admin;
    let trust = app
        .create_organisation(admin, &alliance.alliance_id, "Strict Trust", "provider")
        .await;
    let invitation = app
        .invite(
            admin,
            &alliance.alliance_id,
            Some(&trust),
            "strict@strict.example",
            "provider_viewer",
        )
        .await;
    let code = str_field(&invitation, "invitation_code");

    expect_problem(
        accept_raw(&app, json!({ "code": code, "role": "provider_admin" })).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // The refused request did not use the code up.
    let accepted = app.accept(&code).await;
    assert_eq!(accepted["membership"]["role"], "provider_viewer");
}

async fn reinviting_a_pending_email_replaces_the_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app.bootstrap("Again Alliance", "lead@again.example").await;
    let admin = &alliance.admin;
    let trust = app
        .create_organisation(admin, &alliance.alliance_id, "Again Trust", "provider")
        .await;

    let first = app
        .invite(
            admin,
            &alliance.alliance_id,
            Some(&trust),
            "rey@again.example",
            "provider_viewer",
        )
        .await;
    let second = app
        .invite(
            admin,
            &alliance.alliance_id,
            Some(&trust),
            "rey@again.example",
            "provider_editor",
        )
        .await;
    let old_code = str_field(&first, "invitation_code");
    let new_code = str_field(&second, "invitation_code");
    assert_ne!(old_code, new_code);
    assert_eq!(
        second["id"], first["id"],
        "the same membership is re-offered"
    );
    assert_eq!(second["user"]["id"], first["user"]["id"]);
    assert_eq!(second["status"], "invited");
    assert_eq!(second["role"], "provider_editor");

    // Still one membership for this person in the organisation.
    let members = expect_status(
        app.get(
            &format!("/api/v1/organisations/{trust}/members"),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let rows: Vec<&Value> = members["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|m| m["user"]["email"] == "rey@again.example")
        .collect();
    assert_eq!(rows.len(), 1, "{members}");

    expect_code_unknown(&app, &old_code).await;
    let accepted = app.accept(&new_code).await;
    assert_eq!(accepted["membership"]["id"], first["id"]);
    assert_eq!(accepted["membership"]["role"], "provider_editor");
    assert_eq!(accepted["membership"]["status"], "active");
    // And the old code stays dead after the new one was used.
    expect_code_unknown(&app, &old_code).await;
}

async fn inviting_an_active_member_again_conflicts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app.bootstrap("Twice Alliance", "lead@twice.example").await;
    let admin = &alliance.admin;
    let trust = app
        .create_organisation(admin, &alliance.alliance_id, "Twice Trust", "provider")
        .await;
    let member = app
        .add_member(
            admin,
            &alliance.alliance_id,
            Some(&trust),
            "lee@twice.example",
            "provider_viewer",
        )
        .await;

    for email in ["lee@twice.example", "LEE@Twice.Example"] {
        expect_problem(
            app.post(
                &format!("/api/v1/organisations/{trust}/members"),
                &admin.token,
                json!({ "email": email, "display_name": "Lee", "role": "provider_admin" }),
            )
            .await,
            StatusCode::CONFLICT,
        )
        .await;
    }
    // The alliance admin, already active across the alliance, cannot be invited there again.
    expect_problem(
        app.post(
            &format!("/api/v1/alliances/{}/members", alliance.alliance_id),
            &admin.token,
            json!({ "email": admin.email, "display_name": "Admin", "role": "board_member" }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    // Nothing changed for the member.
    let found = expect_status(
        app.get(
            &format!("/api/v1/memberships/{}", member.membership_id),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["role"], "provider_viewer");
    assert_eq!(found["status"], "active");
}

async fn an_existing_user_keeps_one_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("Shared Alliance", "lead@shared.example")
        .await;
    let admin = &alliance.admin;
    let trust = app
        .create_organisation(admin, &alliance.alliance_id, "Shared Trust", "provider")
        .await;
    let charity = app
        .create_organisation(admin, &alliance.alliance_id, "Shared Voices", "vcse")
        .await;
    let member = app
        .add_member(
            admin,
            &alliance.alliance_id,
            Some(&trust),
            "noor.ali@shared.example",
            "provider_editor",
        )
        .await;

    let response = app
        .post(
            &format!("/api/v1/organisations/{charity}/members"),
            &admin.token,
            json!({
                "email": "Noor.Ali@SHARED.example",
                "display_name": "Somebody Else",
                "role": "vcse_partner",
            }),
        )
        .await;
    let invitation = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(invitation["user"]["id"], json!(member.user_id));
    assert_eq!(invitation["user"]["email"], "noor.ali@shared.example");
    // While only invited, the membership shows the name the inviter gave: inviting an email
    // must not reveal the name an existing account chose for itself.
    assert_eq!(invitation["user"]["display_name"], "Somebody Else");

    let code = str_field(&invitation, "invitation_code");

    // The account is in use, so the code alone is not enough: whoever holds the code (the
    // inviter saw it too) must not get a token carrying the person's other memberships.
    let response = app.accept_as(&code, None).await;
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .expect("a WWW-Authenticate header")
        .to_owned();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    expect_problem(response, StatusCode::UNAUTHORIZED).await;
    // Nor is another account's token, the inviter's included.
    expect_problem(
        app.accept_as(&code, Some(&admin.token)).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Signed in as the person invited, the (still unused) code works.
    let response = app.accept_as(&code, Some(&member.token)).await;
    let accepted = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(accepted["membership"]["id"], invitation["id"]);
    assert_eq!(accepted["membership"]["user"]["id"], json!(member.user_id));
    assert_eq!(accepted["membership"]["status"], "active");
    assert_eq!(accepted["membership"]["user"]["display_name"], "noor ali");
    let second_token = str_field(&accepted, "token");

    for token in [&member.token, &second_token] {
        let me = expect_status(app.get("/api/v1/me", token).await, StatusCode::OK).await;
        assert_eq!(me["user"]["id"], json!(member.user_id), "{me}");
        assert_eq!(me["user"]["email"], "noor.ali@shared.example", "{me}");
        assert_eq!(me["user"]["display_name"], "noor ali", "{me}");
        let memberships = me["memberships"].as_array().expect("memberships");
        assert_eq!(memberships.len(), 2, "{me}");
        let mut roles: Vec<(&Value, &Value)> = memberships
            .iter()
            .map(|m| (&m["organisation_id"], &m["role"]))
            .collect();
        roles.sort_by_key(|(_, role)| role.to_string());
        assert_eq!(
            roles,
            vec![
                (&json!(trust), &json!("provider_editor")),
                (&json!(charity), &json!("vcse_partner"))
            ],
            "{me}"
        );
    }

    // Both tokens belong to the one account.
    let tokens = expect_status(
        app.get("/api/v1/me/tokens", &member.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        tokens["items"].as_array().map(Vec::len),
        Some(2),
        "{tokens}"
    );
}

async fn two_simultaneous_accepts_let_one_through(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app.bootstrap("Rush Alliance", "lead@rush.example").await;
    let admin = &alliance.admin;
    let trust = app
        .create_organisation(admin, &alliance.alliance_id, "Rush Trust", "provider")
        .await;

    for round in 0..10 {
        let email = format!("rush{round}@rush.example");
        let invitation = app
            .invite(
                admin,
                &alliance.alliance_id,
                Some(&trust),
                &email,
                "provider_viewer",
            )
            .await;
        let code = str_field(&invitation, "invitation_code");
        let (a, b) = tokio::join!(app.accept_as(&code, None), app.accept_as(&code, None));
        let statuses = [a.status(), b.status()];
        let created = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        assert_eq!(created, 1, "round {round}: {statuses:?}");
        // The loser is told the code is used (422) or that it lost the race (409).
        let loser = if a.status() == StatusCode::CREATED {
            b
        } else {
            a
        };
        let status = loser.status();
        let body = loser.text().await.expect("the second answer's body");
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::CONFLICT,
            "round {round}: the second accept of the same code answered {status}: {body}"
        );
        let problem: Value = serde_json::from_str(&body).expect("a problem");
        assert_eq!(problem["status"], json!(status.as_u16()), "{problem}");
        // Exactly one token was issued for the account.
        let members = expect_status(
            app.get(
                &format!("/api/v1/organisations/{trust}/members"),
                &admin.token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let row = members["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|m| m["id"] == invitation["id"])
            .cloned()
            .unwrap_or_else(|| panic!("not listed: {members}"));
        assert_eq!(row["status"], "active");
    }
}

async fn a_second_invitation_is_accepted_with_the_first_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app.bootstrap("Pair Alliance", "lead@pair.example").await;
    let admin = &alliance.admin;
    let trust = app
        .create_organisation(admin, &alliance.alliance_id, "Pair Trust", "provider")
        .await;
    let charity = app
        .create_organisation(admin, &alliance.alliance_id, "Pair Voices", "vcse")
        .await;
    let first = app
        .invite(
            admin,
            &alliance.alliance_id,
            Some(&trust),
            "jo@pair.example",
            "provider_viewer",
        )
        .await;
    let second = app
        .invite(
            admin,
            &alliance.alliance_id,
            Some(&charity),
            "jo@pair.example",
            "vcse_admin",
        )
        .await;
    assert_eq!(first["user"]["id"], second["user"]["id"]);

    // Nobody has used the account yet: the first code alone is enough.
    let accepted = app.accept(&str_field(&first, "invitation_code")).await;
    let token = str_field(&accepted, "token");
    // Now the account is in use: the second code needs its token.
    let second_code = str_field(&second, "invitation_code");
    expect_problem(
        app.accept_as(&second_code, None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let response = app.accept_as(&second_code, Some(&token)).await;
    let accepted = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(accepted["membership"]["role"], "vcse_admin");

    let me = expect_status(app.get("/api/v1/me", &token).await, StatusCode::OK).await;
    assert_eq!(me["memberships"].as_array().map(Vec::len), Some(2), "{me}");
}

async fn two_invitations_for_a_new_account_cannot_both_be_taken_anonymously(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app.bootstrap("Twin Alliance", "lead@twin.example").await;
    let admin = &alliance.admin;
    let trust = app
        .create_organisation(admin, &alliance.alliance_id, "Twin Trust", "provider")
        .await;
    let charity = app
        .create_organisation(admin, &alliance.alliance_id, "Twin Voices", "vcse")
        .await;

    for round in 0..10 {
        // The same new person is invited twice; whoever holds the second code (its inviter saw
        // it) must not get a token that also carries the first membership.
        let email = format!("twin{round}@twin.example");
        let first = app
            .invite(
                admin,
                &alliance.alliance_id,
                Some(&trust),
                &email,
                "provider_viewer",
            )
            .await;
        let second = app
            .invite(
                admin,
                &alliance.alliance_id,
                Some(&charity),
                &email,
                "vcse_partner",
            )
            .await;
        let (first_code, second_code) = (
            str_field(&first, "invitation_code"),
            str_field(&second, "invitation_code"),
        );
        let (a, b) = tokio::join!(
            app.accept_as(&first_code, None),
            app.accept_as(&second_code, None),
        );
        let statuses = [a.status(), b.status()];
        let created = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        assert_eq!(
            created, 1,
            "round {round}: both invitations were taken up without a token: {statuses:?}"
        );
        let loser = if a.status() == StatusCode::CREATED {
            b
        } else {
            a
        };
        expect_problem(loser, StatusCode::UNAUTHORIZED).await;
    }
}

/// The inviter sees the code, so whoever accepts an invitation for a new account first holds
/// it. From then on the account is in use — a token of it works — and later invitations for
/// it need that token, even after its memberships are gone; an operator's token reset gives
/// the account back to its owner and ends the other holder's access.
async fn an_account_someone_holds_a_token_for_needs_that_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("Takeover Alliance", "lead@takeover.example")
        .await;
    let admin = &alliance.admin;
    let aid = &alliance.alliance_id;
    let trust = app
        .create_organisation(admin, aid, "Takeover Trust", "provider")
        .await;
    let voices = app
        .create_organisation(admin, aid, "Takeover Voices", "vcse")
        .await;
    let x = app
        .add_member(admin, aid, Some(&voices), "x@voices.example", "vcse_admin")
        .await;

    // The alliance admin invites Bob into the trust; X invites Bob into Voices and takes the
    // code himself, which makes him the holder of a token for Bob's new account.
    let bob_trust = app
        .invite(
            admin,
            aid,
            Some(&trust),
            "bob@trust.example",
            "provider_viewer",
        )
        .await;
    let bob_voices = app
        .invite(&x, aid, Some(&voices), "bob@trust.example", "vcse_partner")
        .await;
    let taken = app.accept(&str_field(&bob_voices, "invitation_code")).await;
    let x_holds = str_field(&taken, "token");

    // Bob's own code no longer works without a token of the account…
    let trust_code = str_field(&bob_trust, "invitation_code");
    expect_problem(
        app.accept_as(&trust_code, None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // …not even once the Voices membership is removed: a token for the account still works.
    expect_status(
        app.delete(
            &format!("/api/v1/memberships/{}", str_field(&bob_voices, "id")),
            &x.token,
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    expect_problem(
        app.accept_as(&trust_code, None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    // An operator resets the account's tokens (`pcref-hub admin reset-tokens`) and hands the
    // new one to Bob: X's token is dead, and Bob accepts with his.
    let (_, fresh, revoked) = app
        .app
        .reset_tokens(
            pcref_domain::Email::parse("bob@trust.example").expect("email"),
            pcref_domain::TokenName::parse("reset").expect("name"),
        )
        .await
        .expect("reset");
    assert_eq!(revoked, 1);
    expect_problem(
        app.get("/api/v1/me", &x_holds).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let accepted = expect_status(
        app.accept_as(&trust_code, Some(&fresh.secret)).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(accepted["membership"]["organisation_id"], json!(trust));
}

backend_tests!(
    an_account_someone_holds_a_token_for_needs_that_token,
    a_code_works_once,
    unknown_and_malformed_codes_are_refused,
    an_expired_code_is_refused,
    unknown_fields_are_a_bad_request,
    reinviting_a_pending_email_replaces_the_code,
    inviting_an_active_member_again_conflicts,
    an_existing_user_keeps_one_account,
    two_simultaneous_accepts_let_one_through,
    a_second_invitation_is_accepted_with_the_first_token,
    two_invitations_for_a_new_account_cannot_both_be_taken_anonymously,
);
