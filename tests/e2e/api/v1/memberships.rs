//! `GET`, `PATCH` and `DELETE /api/v1/memberships/{id}`: roles, optimistic concurrency, and
//! keeping an alliance administrable.

use pcref_e2e::{
    backend_tests, etag_of, expect_problem, expect_status, str_field, Actor, Backend, TestApp,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

fn membership_path(id: &str) -> String {
    format!("/api/v1/memberships/{id}")
}

/// Reads a membership and returns its body and ETag.
async fn read(app: &TestApp, token: &str, id: &str) -> (Value, String) {
    let response = app.get(&membership_path(id), token).await;
    assert_eq!(response.status(), StatusCode::OK, "GET membership {id}");
    let tag = etag_of(&response);
    let body = expect_status(response, StatusCode::OK).await;
    (body, tag)
}

async fn set_role(
    app: &TestApp,
    token: &str,
    id: &str,
    if_match: Option<&str>,
    role: &str,
) -> Response {
    app.patch(
        &membership_path(id),
        token,
        if_match,
        json!({ "role": role }),
    )
    .await
}

async fn delete_with(app: &TestApp, token: &str, id: &str, if_match: Option<&str>) -> Response {
    let mut request = app.request(Method::DELETE, &membership_path(id), Some(token));
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    request.send().await.expect("DELETE membership")
}

/// An alliance with one provider and one VCSE organisation.
struct World {
    app: TestApp,
    alliance_id: String,
    admin: Actor,
    provider: String,
    vcse: String,
}

async fn world(backend: Backend) -> World {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("Members Alliance", "lead@members.example")
        .await;
    let provider = app
        .create_organisation(
            &alliance.admin,
            &alliance.alliance_id,
            "Members Trust",
            "provider",
        )
        .await;
    let vcse = app
        .create_organisation(
            &alliance.admin,
            &alliance.alliance_id,
            "Members Voices",
            "vcse",
        )
        .await;
    World {
        app,
        alliance_id: alliance.alliance_id,
        admin: alliance.admin,
        provider,
        vcse,
    }
}

async fn updates_need_the_current_etag(backend: Backend) {
    let w = world(backend).await;
    let (app, admin) = (&w.app, &w.admin);
    let member = app
        .add_member(
            admin,
            &w.alliance_id,
            Some(&w.provider),
            "pat@members.example",
            "provider_viewer",
        )
        .await;
    let id = &member.membership_id;

    let (body, tag) = read(app, &admin.token, id).await;
    let version = body["version"].as_i64().expect("version");
    assert_eq!(tag, format!("\"{version}\""));
    assert_eq!(body["id"], json!(id));
    assert_eq!(body["role"], "provider_viewer");
    assert_eq!(body["status"], "active");
    assert_eq!(body["organisation_id"], json!(w.provider));
    assert_eq!(body["user"]["email"], "pat@members.example");

    // Without If-Match: 428.
    expect_problem(
        set_role(app, &admin.token, id, None, "provider_editor").await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    // With a stale one: 412, and nothing changes.
    let stale = format!("\"{}\"", version - 1);
    expect_problem(
        set_role(app, &admin.token, id, Some(&stale), "provider_editor").await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    // A malformed one (not quoted): 400.
    expect_problem(
        set_role(
            app,
            &admin.token,
            id,
            Some(&version.to_string()),
            "provider_editor",
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let (unchanged, unchanged_tag) = read(app, &admin.token, id).await;
    assert_eq!(unchanged_tag, tag);
    assert_eq!(unchanged["role"], "provider_viewer");
    assert_eq!(unchanged["version"], json!(version));

    // With the current one: 200, a new ETag, the new role.
    let response = set_role(app, &admin.token, id, Some(&tag), "provider_editor").await;
    let new_tag = etag_of(&response);
    let changed = expect_status(response, StatusCode::OK).await;
    assert_eq!(changed["role"], "provider_editor");
    assert_eq!(changed["version"], json!(version + 1));
    assert_eq!(new_tag, format!("\"{}\"", version + 1));
    assert_ne!(new_tag, tag);
    let (reread, reread_tag) = read(app, &admin.token, id).await;
    assert_eq!(reread_tag, new_tag);
    assert_eq!(reread["role"], "provider_editor");

    // The old ETag is now stale.
    expect_problem(
        set_role(app, &admin.token, id, Some(&tag), "provider_admin").await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;

    // "*" matches whatever is current.
    let response = set_role(app, &admin.token, id, Some("*"), "provider_admin").await;
    let star_tag = etag_of(&response);
    let changed = expect_status(response, StatusCode::OK).await;
    assert_eq!(changed["role"], "provider_admin");
    assert_eq!(star_tag, format!("\"{}\"", version + 2));

    // The member sees the role change on their next request.
    let me = expect_status(app.get("/api/v1/me", &member.token).await, StatusCode::OK).await;
    assert_eq!(me["memberships"][0]["role"], "provider_admin", "{me}");
}

async fn concurrent_updates_with_the_same_etag_let_one_win(backend: Backend) {
    let w = world(backend).await;
    let (app, admin) = (&w.app, &w.admin);
    let member = app
        .add_member(
            admin,
            &w.alliance_id,
            Some(&w.provider),
            "race@members.example",
            "provider_viewer",
        )
        .await;
    let id = &member.membership_id;

    for round in 0..3 {
        let (_, tag) = read(app, &admin.token, id).await;
        let (a, b) = tokio::join!(
            set_role(app, &admin.token, id, Some(&tag), "provider_editor"),
            // Not provider_admin: once the organisation has an admin of its own, the alliance
            // admin no longer gives roles in it.
            set_role(app, &admin.token, id, Some(&tag), "provider_viewer"),
        );
        let (status_a, status_b) = (a.status(), b.status());
        let mut statuses = [status_a, status_b];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::PRECONDITION_FAILED],
            "round {round}: {status_a} and {status_b}"
        );
        let (winner, expected_role) = if status_a == StatusCode::OK {
            (a, "provider_editor")
        } else {
            (b, "provider_viewer")
        };
        let winner = expect_status(winner, StatusCode::OK).await;
        assert_eq!(winner["role"], expected_role);
        let (now, _) = read(app, &admin.token, id).await;
        assert_eq!(
            now["role"], expected_role,
            "round {round}: the loser changed nothing"
        );
        assert_eq!(now["version"], winner["version"]);
    }
}

async fn a_role_must_fit_where_it_is_held(backend: Backend) {
    let w = world(backend).await;
    let (app, admin) = (&w.app, &w.admin);
    let partner = app
        .add_member(
            admin,
            &w.alliance_id,
            Some(&w.vcse),
            "vic@members.example",
            "vcse_partner",
        )
        .await;
    let editor = app
        .add_member(
            admin,
            &w.alliance_id,
            Some(&w.provider),
            "ed@members.example",
            "provider_editor",
        )
        .await;

    let refusals = [
        (&partner.membership_id, "provider_editor"),
        (&partner.membership_id, "alliance_admin"),
        (&editor.membership_id, "vcse_admin"),
        (&editor.membership_id, "board_member"),
        (&admin.membership_id, "vcse_partner"),
        (&admin.membership_id, "provider_admin"),
    ];
    for (id, role) in refusals {
        let (before, tag) = read(app, &admin.token, id).await;
        let problem = expect_problem(
            set_role(app, &admin.token, id, Some(&tag), role).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "role", "{role}: {problem}");
        let (after, after_tag) = read(app, &admin.token, id).await;
        assert_eq!(after_tag, tag, "{role}");
        assert_eq!(after["role"], before["role"], "{role}");
    }

    // A role that is not a role at all is refused too.
    let (_, tag) = read(app, &admin.token, &partner.membership_id).await;
    let response = set_role(
        app,
        &admin.token,
        &partner.membership_id,
        Some(&tag),
        "superuser",
    )
    .await;
    assert!(
        response.status() == StatusCode::BAD_REQUEST
            || response.status() == StatusCode::UNPROCESSABLE_ENTITY,
        "an unknown role answered {}",
        response.status()
    );

    // And the fitting one is accepted.
    let response = set_role(
        app,
        &admin.token,
        &partner.membership_id,
        Some(&tag),
        "vcse_admin",
    )
    .await;
    let changed = expect_status(response, StatusCode::OK).await;
    assert_eq!(changed["role"], "vcse_admin");
}

async fn the_last_alliance_admin_stays(backend: Backend) {
    let w = world(backend).await;
    let (app, admin) = (&w.app, &w.admin);
    let id = &admin.membership_id;

    let (_, tag) = read(app, &admin.token, id).await;
    expect_problem(
        set_role(app, &admin.token, id, Some(&tag), "board_member").await,
        StatusCode::CONFLICT,
    )
    .await;
    expect_problem(
        delete_with(app, &admin.token, id, None).await,
        StatusCode::CONFLICT,
    )
    .await;
    expect_problem(
        delete_with(app, &admin.token, id, Some(&tag)).await,
        StatusCode::CONFLICT,
    )
    .await;
    let (still, still_tag) = read(app, &admin.token, id).await;
    assert_eq!(still["role"], "alliance_admin");
    assert_eq!(still_tag, tag);

    // A second admin who has only been invited does not count.
    let invitation = app
        .invite(
            admin,
            &w.alliance_id,
            None,
            "second@members.example",
            "alliance_admin",
        )
        .await;
    expect_problem(
        set_role(app, &admin.token, id, Some(&tag), "board_member").await,
        StatusCode::CONFLICT,
    )
    .await;

    // Once they accept, the first admin can step down.
    let accepted = app.accept(&str_field(&invitation, "invitation_code")).await;
    let second_token = str_field(&accepted, "token");
    let response = set_role(app, &admin.token, id, Some(&tag), "board_member").await;
    let demoted = expect_status(response, StatusCode::OK).await;
    assert_eq!(demoted["role"], "board_member");

    // Now the second admin is the last one: they cannot leave, but can remove the first.
    let second_id = str_field(&accepted["membership"], "id");
    expect_problem(
        delete_with(app, &second_token, &second_id, None).await,
        StatusCode::CONFLICT,
    )
    .await;
    // The first, no longer an admin, cannot manage alliance members at all.
    expect_problem(
        delete_with(app, &admin.token, &second_id, None).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_status(
        delete_with(app, &second_token, id, None).await,
        StatusCode::NO_CONTENT,
    )
    .await;
}

async fn removing_a_member_takes_away_access(backend: Backend) {
    let w = world(backend).await;
    let (app, admin) = (&w.app, &w.admin);
    let member = app
        .add_member(
            admin,
            &w.alliance_id,
            Some(&w.provider),
            "gone@members.example",
            "provider_editor",
        )
        .await;
    let members_path = format!("/api/v1/organisations/{}/members", w.provider);
    expect_status(app.get(&members_path, &member.token).await, StatusCode::OK).await;

    expect_status(
        app.delete(&membership_path(&member.membership_id), &admin.token)
            .await,
        StatusCode::NO_CONTENT,
    )
    .await;

    expect_problem(
        app.get(&members_path, &member.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        app.get(&membership_path(&member.membership_id), &admin.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // The person still has their account, with no memberships left.
    let me = expect_status(app.get("/api/v1/me", &member.token).await, StatusCode::OK).await;
    assert_eq!(me["memberships"], json!([]), "{me}");
    let members = expect_status(app.get(&members_path, &admin.token).await, StatusCode::OK).await;
    assert!(
        !members.to_string().contains(&member.membership_id),
        "the removed membership is still listed: {members}"
    );

    // Removing it again: it no longer exists.
    expect_problem(
        app.delete(&membership_path(&member.membership_id), &admin.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn removing_a_pending_invitation_withdraws_its_code(backend: Backend) {
    let w = world(backend).await;
    let (app, admin) = (&w.app, &w.admin);
    let invitation = app
        .invite(
            admin,
            &w.alliance_id,
            Some(&w.vcse),
            "maybe@members.example",
            "vcse_partner",
        )
        .await;
    let code = str_field(&invitation, "invitation_code");
    let id = str_field(&invitation, "id");

    expect_status(
        app.delete(&membership_path(&id), &admin.token).await,
        StatusCode::NO_CONTENT,
    )
    .await;

    // The invitation is gone: its code names nothing.
    let problem = expect_problem(app.accept_as(&code, None).await, StatusCode::NOT_FOUND).await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("no invitation has this code")),
        "{problem}"
    );
}

async fn removal_checks_if_match_when_sent(backend: Backend) {
    let w = world(backend).await;
    let (app, admin) = (&w.app, &w.admin);
    let first = app
        .add_member(
            admin,
            &w.alliance_id,
            Some(&w.provider),
            "one@members.example",
            "provider_viewer",
        )
        .await;
    let second = app
        .add_member(
            admin,
            &w.alliance_id,
            Some(&w.provider),
            "two@members.example",
            "provider_viewer",
        )
        .await;

    // A stale If-Match refuses the removal.
    let (_, tag) = read(app, &admin.token, &first.membership_id).await;
    let response = set_role(
        app,
        &admin.token,
        &first.membership_id,
        Some(&tag),
        "provider_editor",
    )
    .await;
    expect_status(response, StatusCode::OK).await;
    expect_problem(
        delete_with(app, &admin.token, &first.membership_id, Some(&tag)).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let (still, current) = read(app, &admin.token, &first.membership_id).await;
    assert_eq!(still["role"], "provider_editor");
    // A malformed one is a bad request.
    expect_problem(
        delete_with(app, &admin.token, &first.membership_id, Some("1")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // The current one removes it.
    expect_status(
        delete_with(app, &admin.token, &first.membership_id, Some(&current)).await,
        StatusCode::NO_CONTENT,
    )
    .await;

    // Without If-Match the removal is allowed.
    expect_status(
        delete_with(app, &admin.token, &second.membership_id, None).await,
        StatusCode::NO_CONTENT,
    )
    .await;
    expect_problem(
        app.get(&membership_path(&second.membership_id), &admin.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn two_admins_cannot_both_step_down_at_once(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let mut lead = w.admin.clone();

    for round in 0..3 {
        let email = format!("co-lead{round}@members.example");
        let other = app
            .add_member(&lead, &w.alliance_id, None, &email, "alliance_admin")
            .await;
        // Each removes the other at the same moment: only one may succeed.
        let (by_lead, by_other) = tokio::join!(
            delete_with(app, &lead.token, &other.membership_id, None),
            delete_with(app, &other.token, &lead.membership_id, None),
        );
        let statuses = [by_lead.status(), by_other.status()];
        let removed = statuses
            .iter()
            .filter(|s| **s == StatusCode::NO_CONTENT)
            .count();
        assert_eq!(removed, 1, "round {round}: {statuses:?}");
        // The other is refused: 409 when it raced, 404 when it arrived after its author was
        // already removed.
        for status in statuses {
            assert!(
                [
                    StatusCode::NO_CONTENT,
                    StatusCode::CONFLICT,
                    StatusCode::NOT_FOUND
                ]
                .contains(&status),
                "round {round}: {statuses:?}"
            );
        }
        if by_other.status() == StatusCode::NO_CONTENT {
            lead = other;
        }
        let admins = expect_status(
            app.get(
                &format!("/api/v1/alliances/{}/members", w.alliance_id),
                &lead.token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let active_admins: Vec<&Value> = admins["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|m| m["role"] == "alliance_admin" && m["status"] == "active")
            .collect();
        assert_eq!(active_admins.len(), 1, "round {round}: {admins}");
        assert_eq!(
            active_admins[0]["id"],
            json!(lead.membership_id),
            "round {round}"
        );
    }
}

async fn who_may_read_and_change_a_membership(backend: Backend) {
    let w = world(backend).await;
    let (app, admin) = (&w.app, &w.admin);
    let org_admin = app
        .add_member(
            admin,
            &w.alliance_id,
            Some(&w.provider),
            "boss@members.example",
            "provider_admin",
        )
        .await;
    // Once the organisation has its own admin, that admin invites its members.
    let viewer = app
        .add_member(
            &org_admin,
            &w.alliance_id,
            Some(&w.provider),
            "look@members.example",
            "provider_viewer",
        )
        .await;
    let outsider = app
        .add_member(
            admin,
            &w.alliance_id,
            Some(&w.vcse),
            "out@members.example",
            "vcse_admin",
        )
        .await;
    let id = &viewer.membership_id;

    // A fellow member reads it but cannot change it.
    let (_, tag) = read(app, &viewer.token, id).await;
    expect_problem(
        set_role(app, &viewer.token, id, Some(&tag), "provider_admin").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_problem(
        delete_with(app, &viewer.token, id, None).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Another organisation's admin does not see it at all.
    for response in [
        app.get(&membership_path(id), &outsider.token).await,
        set_role(app, &outsider.token, id, Some(&tag), "provider_admin").await,
        delete_with(app, &outsider.token, id, None).await,
    ] {
        expect_problem(response, StatusCode::NOT_FOUND).await;
    }
    // Nor do organisation members see the alliance-level memberships.
    expect_problem(
        app.get(&membership_path(&admin.membership_id), &org_admin.token)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // The organisation's admin changes it.
    let response = set_role(app, &org_admin.token, id, Some(&tag), "provider_editor").await;
    let changed = expect_status(response, StatusCode::OK).await;
    assert_eq!(changed["role"], "provider_editor");

    // An unknown id is a 404; a malformed one a 400.
    let unknown = "0192f0c1-8b7a-7cde-9f00-3c5e2f1a7b10";
    expect_problem(
        app.get(&membership_path(unknown), &admin.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        app.get(&membership_path("nope"), &admin.token).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

/// The alliance admin sets an organisation up and hands it to its first admin; from then on
/// who joins the organisation, and with which role, is the organisation's decision. The
/// alliance admin may still remove members (taking access away lets nobody in), and never
/// gives themselves a role in an organisation.
async fn the_alliance_admin_hands_an_organisation_over(backend: Backend) {
    let w = world(backend).await;
    let (app, admin) = (&w.app, &w.admin);
    let invite = |inviter: &Actor, email: &str, role: &str| {
        let path = format!("/api/v1/organisations/{}/members", w.provider);
        let body = json!({ "email": email, "display_name": "Someone", "role": role });
        let token = inviter.token.clone();
        async move { app.post(&path, &token, body).await }
    };

    // Never to themselves, even before the hand-over.
    let refused = expect_problem(
        invite(admin, "LEAD@members.example", "provider_viewer").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("themselves")),
        "{refused}"
    );

    // Before the organisation has an admin, the alliance admin invites its people.
    let early = app
        .add_member(
            admin,
            &w.alliance_id,
            Some(&w.provider),
            "early@members.example",
            "provider_editor",
        )
        .await;
    let lead = app
        .add_member(
            admin,
            &w.alliance_id,
            Some(&w.provider),
            "trust.lead@members.example",
            "provider_admin",
        )
        .await;

    // After: no more invitations or role changes from the alliance admin…
    let refused = expect_problem(
        invite(admin, "late@members.example", "provider_viewer").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("its own admin")),
        "{refused}"
    );
    let (_, tag) = read(app, &admin.token, &early.membership_id).await;
    expect_problem(
        set_role(
            app,
            &admin.token,
            &early.membership_id,
            Some(&tag),
            "provider_admin",
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // …but the organisation's admin does both.
    expect_status(
        invite(&lead, "late@members.example", "provider_viewer").await,
        StatusCode::CREATED,
    )
    .await;
    expect_status(
        set_role(
            app,
            &lead.token,
            &early.membership_id,
            Some(&tag),
            "provider_viewer",
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // The alliance admin can still remove a member; when the organisation's last admin is
    // gone, the alliance admin may appoint a new one.
    expect_status(
        delete_with(app, &admin.token, &lead.membership_id, None).await,
        StatusCode::NO_CONTENT,
    )
    .await;
    expect_status(
        invite(admin, "new.lead@members.example", "provider_admin").await,
        StatusCode::CREATED,
    )
    .await;
}

/// A conditional update must stay conditional: an `If-Match` that is not visible ASCII is a
/// malformed request, never read as "no condition".
async fn an_if_match_that_is_not_ascii_is_refused(backend: Backend) {
    let w = world(backend).await;
    let (app, admin) = (&w.app, &w.admin);
    let member = app
        .add_member(
            admin,
            &w.alliance_id,
            Some(&w.vcse),
            "ascii@members.example",
            "vcse_partner",
        )
        .await;
    let bad = reqwest::header::HeaderValue::from_bytes(b"\"1\xe9\"").expect("header bytes");
    let deleted = app
        .request(
            Method::DELETE,
            &membership_path(&member.membership_id),
            Some(&admin.token),
        )
        .header("If-Match", bad.clone())
        .send()
        .await
        .expect("DELETE");
    expect_problem(deleted, StatusCode::BAD_REQUEST).await;
    let patched = app
        .request(
            Method::PATCH,
            &membership_path(&member.membership_id),
            Some(&admin.token),
        )
        .header("If-Match", bad)
        .json(&json!({ "role": "vcse_admin" }))
        .send()
        .await
        .expect("PATCH");
    expect_problem(patched, StatusCode::BAD_REQUEST).await;
    for empty in [",,,", "  "] {
        expect_problem(
            delete_with(app, &admin.token, &member.membership_id, Some(empty)).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let (still, _) = read(app, &admin.token, &member.membership_id).await;
    assert_eq!(still["role"], "vcse_partner");
}

backend_tests!(
    the_alliance_admin_hands_an_organisation_over,
    an_if_match_that_is_not_ascii_is_refused,
    updates_need_the_current_etag,
    concurrent_updates_with_the_same_etag_let_one_win,
    a_role_must_fit_where_it_is_held,
    the_last_alliance_admin_stays,
    removing_a_member_takes_away_access,
    removing_a_pending_invitation_withdraws_its_code,
    removal_checks_if_match_when_sent,
    two_admins_cannot_both_step_down_at_once,
    who_may_read_and_change_a_membership,
);
