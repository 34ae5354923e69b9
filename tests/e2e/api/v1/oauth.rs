//! `/oauth/token` (RFC 6749 §4.4 client credentials) and `/oauth/revoke` (RFC 7009): API
//! clients of organisations get short-lived access tokens, use them within their scopes, and
//! revoke them. Errors are RFC 6749 §5.2 JSON, not problem+json.

use std::time::Duration;

use base64::Engine as _;
use pcref_api::ApiSettings;
use pcref_app::AppSettings;
use pcref_e2e::{
    backend_tests, expect_problem, expect_status, str_field, ApiClientCredentials, Backend,
    TestApp, Workspace,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Asserts an RFC 6749 §5.2 error: the status, `error`, a description, and no-store.
async fn expect_oauth_error(response: Response, status: StatusCode, error: &str) -> Value {
    assert_eq!(response.status(), status, "{error}");
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("no-store")
    );
    let content_type = header(&response, "content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"], json!(error), "{body}");
    assert!(!str_field(&body, "error_description").is_empty(), "{body}");
    body
}

fn library_path(ws: &Workspace) -> String {
    format!("/api/v1/alliances/{}/published-plans", ws.alliance_id)
}

async fn provider_client(ws: &Workspace, scopes: &[&str]) -> ApiClientCredentials {
    ws.app
        .create_api_client(&ws.admin, &ws.provider, "Riverside scripts", scopes)
        .await
}

/// Both ways of authenticating the client give a working token; Basic credentials are
/// form-URL-decoded after base64 (RFC 6749 §2.3.1), as the oauth2 crate sends them.
async fn a_client_gets_a_token_and_uses_it(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let client = provider_client(&ws, &["library:read", "feedback:read"]).await;

    let response = app
        .oauth_token(&client, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("no-store")
    );
    assert_eq!(header(&response, "pragma").as_deref(), Some("no-cache"));
    let body = expect_status(response, StatusCode::OK).await;
    assert_eq!(body["token_type"], json!("Bearer"));
    assert_eq!(body["expires_in"], json!(3600));
    assert_eq!(body["scope"], json!("feedback:read library:read"));
    let token = str_field(&body, "access_token");
    assert!(token.starts_with("pcref_at_"), "{token}");
    expect_status(app.get(&library_path(&ws), &token).await, StatusCode::OK).await;

    // client_secret_post.
    let response = app
        .request(Method::POST, "/oauth/token", None)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.client_secret.as_str()),
            ("scope", "library:read"),
        ])
        .send()
        .await
        .expect("POST");
    let body = expect_status(response, StatusCode::OK).await;
    assert_eq!(body["scope"], json!("library:read"));
    let post_token = str_field(&body, "access_token");
    expect_status(
        app.get(&library_path(&ws), &post_token).await,
        StatusCode::OK,
    )
    .await;

    // Percent-encoded Basic credentials ("_" as %5F) are decoded before checking.
    let encoded = format!(
        "{}:{}",
        client.client_id.replace('_', "%5F"),
        client.client_secret.replace('_', "%5F")
    );
    let response = app
        .request(Method::POST, "/oauth/token", None)
        .header(
            "Authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(encoded)
            ),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("POST");
    expect_status(response, StatusCode::OK).await;

    // The token is not a personal access token: operations for people refuse it with 403.
    let response = app.get("/api/v1/me", &token).await;
    let challenge = header(&response, "www-authenticate").unwrap_or_default();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    expect_problem(response, StatusCode::FORBIDDEN).await;
}

/// Every error of RFC 6749 §5.2 the grant can give, each changing nothing.
async fn token_requests_fail_as_rfc_6749_says(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let client = provider_client(&ws, &["library:read"]).await;
    let grant = [("grant_type", "client_credentials")];

    let wrong = ApiClientCredentials {
        client_secret: format!("pcref_cs_{}", "A".repeat(43)),
        ..client.clone()
    };
    let response = app.oauth_token(&wrong, &grant).await;
    let challenge = header(&response, "www-authenticate").unwrap_or_default();
    assert!(challenge.starts_with("Basic"), "{challenge}");
    expect_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;

    let unknown = ApiClientCredentials {
        client_id: format!("pcref_client_{}", "B".repeat(43)),
        ..client.clone()
    };
    expect_oauth_error(
        app.oauth_token(&unknown, &grant).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;

    // No client authentication at all.
    let response = app
        .request(Method::POST, "/oauth/token", None)
        .form(&grant)
        .send()
        .await
        .expect("POST");
    expect_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;

    // Basic credentials that are not Basic credentials.
    let response = app
        .request(Method::POST, "/oauth/token", None)
        .header("Authorization", "Basic !!!not-base64")
        .form(&grant)
        .send()
        .await
        .expect("POST");
    expect_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;

    expect_oauth_error(
        app.oauth_token(&client, &[("grant_type", "password")])
            .await,
        StatusCode::BAD_REQUEST,
        "unsupported_grant_type",
    )
    .await;
    expect_oauth_error(
        app.oauth_token(&client, &[("scope", "library:read")]).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    expect_oauth_error(
        app.oauth_token(
            &client,
            &[
                ("grant_type", "client_credentials"),
                ("scope", "reports:read"),
            ],
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_scope",
    )
    .await;
    expect_oauth_error(
        app.oauth_token(
            &client,
            &[("grant_type", "client_credentials"), ("scope", "admin")],
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_scope",
    )
    .await;

    // Two ways of authenticating at once.
    let response = app
        .request(Method::POST, "/oauth/token", None)
        .basic_auth(&client.client_id, Some(&client.client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_secret", client.client_secret.as_str()),
        ])
        .send()
        .await
        .expect("POST");
    expect_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    // A body that is not a form at all.
    let response = app
        .request(Method::POST, "/oauth/token", None)
        .basic_auth(&client.client_id, Some(&client.client_secret))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=%ZZ&grant_type=x")
        .send()
        .await
        .expect("POST");
    assert!(response.status().is_client_error(), "{}", response.status());

    // After all that, the client still works.
    app.client_token(&client, None).await;
}

/// A scope the token lacks gives 403 `insufficient_scope` naming it.
async fn calls_outside_the_tokens_scopes_are_refused(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let client = provider_client(&ws, &["library:read", "learning:write"]).await;
    let read_only = app.client_token(&client, Some("library:read")).await;
    let case_study = json!({
        "title": "Peer supporters on the evening crisis line",
        "categories": ["community_trust_and_engagement"],
        "competencies": ["co_production"],
        "ethnic_categories": ["N"],
        "summary": "Peer supporters from local churches joined the evening crisis shifts.",
        "reflections": "Start with the community groups before writing the role.",
        "attribution": "named",
    });
    let learning = format!("/api/v1/alliances/{}/learning", ws.alliance_id);
    let response = app.post(&learning, &read_only, case_study.clone()).await;
    let challenge = header(&response, "www-authenticate").unwrap_or_default();
    assert!(
        challenge.contains("error=\"insufficient_scope\"")
            && challenge.contains("scope=\"learning:write\""),
        "{challenge}"
    );
    let problem = expect_problem(response, StatusCode::FORBIDDEN).await;
    assert!(
        str_field(&problem, "detail").contains("learning:write"),
        "{problem}"
    );
    expect_status(
        app.get(&library_path(&ws), &read_only).await,
        StatusCode::OK,
    )
    .await;

    // With the scope, the client contributes for its organisation; the audit log names the
    // client, not a person.
    let writer = app.client_token(&client, Some("learning:write")).await;
    let created = expect_status(
        app.post(&learning, &writer, case_study).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        created["contributor"]["organisation_id"],
        json!(ws.provider),
        "{created}"
    );
    let audit = expect_status(
        app.get(
            &format!("/api/v1/organisations/{}/audit", ws.provider),
            &ws.admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let entry = audit["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|e| e["action"] == json!("learning.created"))
        })
        .cloned()
        .unwrap_or_default();
    assert!(
        entry.to_string().contains(&format!(
            "API client Riverside scripts ({})",
            client.client_id
        )),
        "{entry}"
    );
}

/// Revocation (RFC 7009): the client's own token stops at once; anything else is answered
/// 200 and changes nothing. Rotating or revoking the client stops its tokens and its secret.
async fn tokens_are_revoked_with_the_token_or_the_client(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let client = provider_client(&ws, &["library:read"]).await;
    let other = ws
        .app
        .create_api_client(&ws.admin, &ws.provider, "Other scripts", &["library:read"])
        .await;
    let token = app.client_token(&client, None).await;
    let others_token = app.client_token(&other, None).await;
    let revoke = |who: &ApiClientCredentials, form: Vec<(&'static str, String)>| {
        app.request(Method::POST, "/oauth/revoke", None)
            .basic_auth(who.client_id.clone(), Some(who.client_secret.clone()))
            .form(&form)
            .send()
    };

    // Another client's token: 200, and it still works.
    let response = revoke(&client, vec![("token", others_token.clone())])
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::OK);
    expect_status(
        app.get(&library_path(&ws), &others_token).await,
        StatusCode::OK,
    )
    .await;
    // Garbage: 200.
    let response = revoke(&client, vec![("token", "not-a-token".into())])
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::OK);
    // No token: invalid_request.
    expect_oauth_error(
        revoke(&client, vec![]).await.expect("POST"),
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    // Wrong secret: invalid_client.
    let wrong = ApiClientCredentials {
        client_secret: format!("pcref_cs_{}", "C".repeat(43)),
        ..client.clone()
    };
    expect_oauth_error(
        revoke(&wrong, vec![("token", token.clone())])
            .await
            .expect("POST"),
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;

    let response = revoke(
        &client,
        vec![
            ("token", token.clone()),
            ("token_type_hint", "access_token".into()),
        ],
    )
    .await
    .expect("POST");
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.get(&library_path(&ws), &token).await;
    let challenge = header(&response, "www-authenticate").unwrap_or_default();
    assert!(challenge.contains("invalid_token"), "{challenge}");
    expect_problem(response, StatusCode::UNAUTHORIZED).await;

    // Rotation: the old secret and the old tokens stop.
    let token = app.client_token(&client, None).await;
    let rotated = expect_status(
        app.request(
            Method::POST,
            &format!("/api/v1/api-clients/{}/rotate", client.id),
            Some(&ws.admin.token),
        )
        .send()
        .await
        .expect("rotate"),
        StatusCode::OK,
    )
    .await;
    expect_problem(
        app.get(&library_path(&ws), &token).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    expect_oauth_error(
        app.oauth_token(&client, &[("grant_type", "client_credentials")])
            .await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;
    let client = ApiClientCredentials {
        client_secret: str_field(&rotated, "client_secret"),
        ..client
    };
    let token = app.client_token(&client, None).await;

    // Revoking the client: its tokens and its secret stop.
    let response = app
        .delete(
            &format!("/api/v1/api-clients/{}", client.id),
            &ws.admin.token,
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    expect_problem(
        app.get(&library_path(&ws), &token).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    expect_oauth_error(
        app.oauth_token(&client, &[("grant_type", "client_credentials")])
            .await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;
}

/// Tokens expire (one hour by default; one second here).
async fn client_tokens_expire(backend: Backend) {
    let ws = Workspace::with_settings(
        backend,
        AppSettings {
            client_token_lifetime: chrono::Duration::seconds(1),
            ..AppSettings::default()
        },
    )
    .await;
    let app = &ws.app;
    let client = provider_client(&ws, &["library:read"]).await;
    let body = expect_status(
        app.oauth_token(&client, &[("grant_type", "client_credentials")])
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["expires_in"], json!(1));
    let token = str_field(&body, "access_token");
    expect_status(app.get(&library_path(&ws), &token).await, StatusCode::OK).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let response = app.get(&library_path(&ws), &token).await;
    let challenge = header(&response, "www-authenticate").unwrap_or_default();
    assert!(challenge.contains("expired"), "{challenge}");
    expect_problem(response, StatusCode::UNAUTHORIZED).await;
}

/// Guessing secrets: after 10 failures in a minute for a client id, even the right secret
/// is answered 429 with `Retry-After` until the minute has passed.
async fn failed_client_authentications_are_limited(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let client = provider_client(&ws, &["library:read"]).await;
    let grant = [("grant_type", "client_credentials")];
    for n in 0..10 {
        let wrong = ApiClientCredentials {
            client_secret: format!("pcref_cs_{}{n}", "D".repeat(42)),
            ..client.clone()
        };
        expect_oauth_error(
            app.oauth_token(&wrong, &grant).await,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        )
        .await;
    }
    let response = app.oauth_token(&client, &grant).await;
    let retry_after: u64 = header(&response, "retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    expect_problem(response, StatusCode::TOO_MANY_REQUESTS).await;
}

/// Every token of one client draws from one bucket: a new token buys no new allowance.
async fn a_clients_tokens_share_one_rate_limit(backend: Backend) {
    let app = TestApp::spawn_with_api(
        backend,
        AppSettings::default(),
        ApiSettings {
            rate_limit_per_minute: 5,
        },
    )
    .await;
    let ws = Workspace::on(app).await;
    let app = &ws.app;
    let client = provider_client(&ws, &["library:read"]).await;
    let first = app.client_token(&client, None).await;
    let second = app.client_token(&client, None).await;
    for token in [&first, &first, &first, &second, &second] {
        expect_status(app.get(&library_path(&ws), token).await, StatusCode::OK).await;
    }
    let response = app.get(&library_path(&ws), &second).await;
    assert!(header(&response, "retry-after").is_some());
    let problem = expect_problem(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(
        str_field(&problem, "detail").contains("API client"),
        "{problem}"
    );
}

backend_tests!(
    a_client_gets_a_token_and_uses_it,
    token_requests_fail_as_rfc_6749_says,
    calls_outside_the_tokens_scopes_are_refused,
    tokens_are_revoked_with_the_token_or_the_client,
    client_tokens_expire,
    failed_client_authentications_are_limited,
    a_clients_tokens_share_one_rate_limit,
);
