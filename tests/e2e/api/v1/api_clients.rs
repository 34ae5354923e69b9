//! `/api/v1/organisations/{id}/api-clients` and `/api/v1/api-clients/{id}`: an organisation's
//! admins create, list, rotate and revoke the client credentials of their own systems.

use pcref_e2e::{
    backend_tests, etag_of, expect_invalid, expect_problem, expect_status, items, str_field,
    Backend, Workspace,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn clients_path(org: &str) -> String {
    format!("/api/v1/organisations/{org}/api-clients")
}

/// The secret is shown once, at creation and at rotation, and nowhere else: not in the list,
/// not in the audit log. Rotation and revocation follow If-Match when it is sent.
async fn an_admin_manages_the_organisations_clients(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let admin = &ws.admin.token;
    let response = app
        .post(
            &clients_path(&ws.provider),
            admin,
            json!({
                "name": "Riverside reporting scripts",
                "scopes": ["library:read", "feedback:read", "library:read"],
            }),
        )
        .await;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(etag_of(&response), "\"1\"");
    let created = expect_status(response, StatusCode::CREATED).await;
    let id = str_field(&created, "id");
    assert_eq!(location, Some(format!("/api/v1/api-clients/{id}")));
    let secret = str_field(&created, "client_secret");
    assert!(
        secret.starts_with("pcref_cs_") && secret.len() > 40,
        "{secret}"
    );
    assert!(str_field(&created, "client_id").starts_with("pcref_client_"));
    assert_eq!(created["scopes"], json!(["feedback:read", "library:read"]));
    assert_eq!(created["organisation_id"], json!(ws.provider));

    let listed = app.get_ok(&clients_path(&ws.provider), admin).await;
    assert_eq!(items(&listed).len(), 1);
    assert!(listed["items"][0].get("client_secret").is_none());
    assert!(!listed.to_string().contains(&secret));

    // Rotation: a new secret, the version moves on; a stale If-Match changes nothing.
    let rotate = format!("/api/v1/api-clients/{id}/rotate");
    let response = app
        .request(Method::POST, &rotate, Some(admin))
        .header("If-Match", "\"1\"")
        .send()
        .await
        .expect("rotate");
    assert_eq!(etag_of(&response), "\"2\"");
    let rotated = expect_status(response, StatusCode::OK).await;
    let new_secret = str_field(&rotated, "client_secret");
    assert_ne!(new_secret, secret);
    assert_eq!(rotated["client_id"], created["client_id"], "the id stays");
    assert!(rotated["rotated_at"].is_string());
    let stale = app
        .request(Method::POST, &rotate, Some(admin))
        .header("If-Match", "\"1\"")
        .send()
        .await
        .expect("rotate");
    expect_problem(stale, StatusCode::PRECONDITION_FAILED).await;

    // Revocation keeps the record; revoking twice is fine; a revoked client cannot rotate.
    let path = format!("/api/v1/api-clients/{id}");
    expect_status(app.delete(&path, admin).await, StatusCode::NO_CONTENT).await;
    expect_status(app.delete(&path, admin).await, StatusCode::NO_CONTENT).await;
    expect_problem(
        app.request(Method::POST, &rotate, Some(admin))
            .send()
            .await
            .expect("rotate"),
        StatusCode::CONFLICT,
    )
    .await;
    let listed = app.get_ok(&clients_path(&ws.provider), admin).await;
    assert!(items(&listed)[0]["revoked_at"].is_string(), "{listed}");

    // The audit log has each step, and never a secret.
    let audit = app
        .get_ok(
            &format!("/api/v1/organisations/{}/audit?limit=200", ws.provider),
            admin,
        )
        .await;
    let actions: Vec<Value> = items(&audit)
        .iter()
        .filter(|e| e["target_type"] == "api_client")
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(
        actions,
        vec![
            json!("api_client.revoked"),
            json!("api_client.rotated"),
            json!("api_client.created")
        ]
    );
    let text = audit.to_string();
    assert!(!text.contains(&secret) && !text.contains(&new_secret));

    // A VCSE organisation's admin manages its own.
    let vcse = app
        .create_organisation(
            &ws.alliance_admin,
            &ws.alliance_id,
            "Voices Collective",
            "vcse",
        )
        .await;
    let vcse_admin = app
        .add_member(
            &ws.alliance_admin,
            &ws.alliance_id,
            Some(&vcse),
            "admin@voices-collective.example",
            "vcse_admin",
        )
        .await;
    app.create(
        &clients_path(&vcse),
        &vcse_admin.token,
        json!({ "name": "Feedback form", "scopes": ["feedback:write"] }),
    )
    .await;
}

/// Every rule at once as 422; who may do what.
async fn rules_and_refusals(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let admin = &ws.admin.token;
    expect_invalid(
        app.post(
            &clients_path(&ws.provider),
            admin,
            json!({ "name": "  ", "scopes": [] }),
        )
        .await,
        &["name", "scopes"],
    )
    .await;
    expect_invalid(
        app.post(
            &clients_path(&ws.provider),
            admin,
            json!({ "name": "x".repeat(101), "scopes": ["everything"] }),
        )
        .await,
        &["name", "scopes"],
    )
    .await;
    let listed = app.get_ok(&clients_path(&ws.provider), admin).await;
    assert_eq!(items(&listed), Vec::<Value>::new(), "nothing was created");

    let created = app
        .create(
            &clients_path(&ws.provider),
            admin,
            json!({ "name": "Scripts", "scopes": ["library:read"] }),
        )
        .await;
    let id = str_field(&created, "id");
    // The organisation's editors and viewers, the alliance admin: refused, whatever the body.
    for who in [&ws.editor.token, &ws.viewer.token, &ws.alliance_admin.token] {
        expect_problem(
            app.post(
                &clients_path(&ws.provider),
                who,
                json!({ "name": "", "scopes": [] }),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    for who in [&ws.editor.token, &ws.viewer.token] {
        expect_problem(
            app.delete(&format!("/api/v1/api-clients/{id}"), who).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // Outside the organisation a client does not exist.
    for who in [&ws.other_editor.token, &ws.alliance_admin.token] {
        expect_problem(
            app.delete(&format!("/api/v1/api-clients/{id}"), who).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
}

backend_tests!(
    an_admin_manages_the_organisations_clients,
    rules_and_refusals
);
