//! `GET /api/v1/me` and the caller's personal access tokens (`/api/v1/me/tokens`).

use std::time::Duration;

use diesel::{QueryDsl, RunQueryDsl};
use pcref_app::AppSettings;
use pcref_e2e::{backend_tests, expect_problem, expect_status, str_field, Backend, TestApp};
use pcref_store::schema::access_tokens;
use pcref_store::StoreError;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

/// Creates a token for the holder of `token` and returns the 201 body.
async fn create_token(app: &TestApp, token: &str, body: Value) -> Value {
    expect_status(
        app.post("/api/v1/me/tokens", token, body).await,
        StatusCode::CREATED,
    )
    .await
}

async fn list_tokens(app: &TestApp, token: &str) -> Value {
    expect_status(app.get("/api/v1/me/tokens", token).await, StatusCode::OK).await
}

/// The token with this id in a `GET /me/tokens` page.
fn token_in(list: &Value, id: &str) -> Value {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["id"] == json!(id))
        .unwrap_or_else(|| panic!("token {id} is not listed in {list}"))
        .clone()
}

/// Every stored token hash, read straight from the database.
async fn stored_token_hashes(app: &TestApp) -> Vec<String> {
    app.app
        .db()
        .read(|conn| {
            access_tokens::table
                .select(access_tokens::token_hash)
                .load::<String>(conn)
                .map_err(StoreError::from)
        })
        .await
        .expect("read the stored token hashes")
}

/// Asserts a 401 for a bad bearer token, and returns `WWW-Authenticate` and the problem.
async fn expect_invalid_token(response: Response) -> (String, Value) {
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .expect("a WWW-Authenticate header")
        .to_owned();
    let problem = expect_problem(response, StatusCode::UNAUTHORIZED).await;
    assert!(
        challenge.starts_with("Bearer"),
        "WWW-Authenticate: {challenge}"
    );
    assert!(
        challenge.contains("error=\"invalid_token\""),
        "WWW-Authenticate: {challenge}"
    );
    (challenge, problem)
}

fn parse_time(value: &Value) -> chrono::DateTime<chrono::Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a timestamp"));
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text} is not RFC 3339: {e}"))
        .with_timezone(&chrono::Utc)
}

async fn me_shows_the_user_and_only_active_memberships(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("North PCREF Alliance", "lead@north.example")
        .await;
    let admin = &alliance.admin;
    let alliance_id = &alliance.alliance_id;
    let trust = app
        .create_organisation(admin, alliance_id, "North Trust", "provider")
        .await;
    let charity = app
        .create_organisation(admin, alliance_id, "North Voices", "vcse")
        .await;

    let member = app
        .add_member(
            admin,
            alliance_id,
            Some(&trust),
            "sam.patel@north.example",
            "provider_viewer",
        )
        .await;
    // The same person is invited into a second organisation and has not accepted.
    let pending = app
        .invite(
            admin,
            alliance_id,
            Some(&charity),
            "sam.patel@north.example",
            "vcse_partner",
        )
        .await;
    assert_eq!(pending["status"], "invited");
    assert_eq!(pending["user"]["id"], json!(member.user_id));

    let me = expect_status(app.get("/api/v1/me", &member.token).await, StatusCode::OK).await;
    assert_eq!(me["user"]["id"], json!(member.user_id));
    assert_eq!(me["user"]["email"], "sam.patel@north.example");
    assert_eq!(me["user"]["display_name"], "sam patel");
    let memberships = me["memberships"].as_array().expect("memberships");
    assert_eq!(memberships.len(), 1, "only the active membership: {me}");
    assert_eq!(memberships[0]["id"], json!(member.membership_id));
    assert_eq!(memberships[0]["organisation_id"], json!(trust));
    assert_eq!(memberships[0]["organisation_name"], "North Trust");
    assert_eq!(memberships[0]["organisation_kind"], "provider");
    assert_eq!(memberships[0]["alliance_id"], json!(alliance_id));
    assert_eq!(memberships[0]["alliance_name"], "North PCREF Alliance");
    assert_eq!(memberships[0]["role"], "provider_viewer");

    // The pending invitation grants nothing: the VCSE's members stay hidden.
    expect_problem(
        app.get(
            &format!("/api/v1/organisations/{charity}/members"),
            &member.token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // While the active membership does grant its own organisation.
    expect_status(
        app.get(
            &format!("/api/v1/organisations/{trust}/members"),
            &member.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // The alliance admin sees an alliance-level membership without an organisation.
    let me = expect_status(app.get("/api/v1/me", &admin.token).await, StatusCode::OK).await;
    let memberships = me["memberships"].as_array().expect("memberships");
    assert_eq!(memberships.len(), 1, "{me}");
    assert_eq!(memberships[0]["id"], json!(admin.membership_id));
    assert_eq!(memberships[0]["role"], "alliance_admin");
    assert!(memberships[0]["organisation_id"].is_null(), "{me}");
}

async fn me_needs_a_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .request(reqwest::Method::GET, "/api/v1/me", None)
        .send()
        .await
        .expect("GET /me");
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .expect("a WWW-Authenticate header")
        .to_owned();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    expect_problem(response, StatusCode::UNAUTHORIZED).await;

    let (_, problem) =
        expect_invalid_token(app.get("/api/v1/me", "pcref_pat_not-a-real-token").await).await;
    assert!(problem["detail"].is_string());
}

async fn a_created_token_works_and_its_secret_is_shown_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app.bootstrap("Token Alliance", "lead@tokens.example").await;
    let admin = &alliance.admin;

    let created = create_token(&app, &admin.token, json!({ "name": "reporting script" })).await;
    let secret = str_field(&created, "token");
    assert!(secret.starts_with("pcref_pat_"), "{created}");
    assert_ne!(secret, admin.token);
    let id = str_field(&created, "id");
    assert_eq!(created["name"], "reporting script");
    assert!(created["expires_at"].is_string(), "{created}");
    assert!(created["created_at"].is_string(), "{created}");
    assert!(created["revoked_at"].is_null(), "{created}");

    // The new token acts as the same user.
    let me = expect_status(app.get("/api/v1/me", &secret).await, StatusCode::OK).await;
    assert_eq!(me["user"]["id"], json!(admin.user_id));

    // The list shows metadata only: no secret and no hash, anywhere in the body.
    let response = app.get("/api/v1/me/tokens", &admin.token).await;
    let text = {
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.expect("list body")
    };
    let list: Value = serde_json::from_str(&text).expect("list is JSON");
    let items = list["items"].as_array().expect("items");
    assert_eq!(
        items.len(),
        2,
        "the bootstrap token and the new one: {list}"
    );
    let listed = token_in(&list, &id);
    assert_eq!(listed["name"], "reporting script");
    assert_eq!(listed["expires_at"], created["expires_at"]);
    for item in items {
        assert!(item.get("token").is_none(), "a secret is listed: {item}");
    }
    let hashes = stored_token_hashes(&app).await;
    assert_eq!(hashes.len(), 2);
    for secret in [&secret, &admin.token] {
        assert!(
            !text.contains(secret.as_str()),
            "a secret is in the list: {text}"
        );
        let body = secret.trim_start_matches("pcref_pat_");
        assert!(!text.contains(body), "a secret is in the list: {text}");
    }
    for hash in &hashes {
        assert!(
            !text.contains(hash.as_str()),
            "a token hash is in the list: {text}"
        );
        assert!(
            !text.to_lowercase().contains(&hash.to_lowercase()),
            "a token hash is in the list: {text}"
        );
    }
}

async fn token_lifetimes_are_checked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("Lifetime Alliance", "lead@lifetime.example")
        .await;
    let token = &alliance.admin.token;

    for days in [0, 366] {
        let problem = expect_problem(
            app.post(
                "/api/v1/me/tokens",
                token,
                json!({ "name": "too long", "expires_in_days": days }),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            problem["errors"][0]["field"], "expires_in_days",
            "{problem}"
        );
    }

    let before = chrono::Utc::now();
    let created = create_token(
        &app,
        token,
        json!({ "name": "monthly", "expires_in_days": 30 }),
    )
    .await;
    let after = chrono::Utc::now();
    let expires_at = parse_time(&created["expires_at"]);
    let slack = chrono::Duration::seconds(5);
    assert!(
        expires_at >= before + chrono::Duration::days(30) - slack
            && expires_at <= after + chrono::Duration::days(30) + slack,
        "expires_at {expires_at} is not 30 days after {before}"
    );

    // The boundaries themselves are accepted.
    for days in [1, 365] {
        let created = create_token(
            &app,
            token,
            json!({ "name": "edge", "expires_in_days": days }),
        )
        .await;
        let expires_at = parse_time(&created["expires_at"]);
        let expected = chrono::Utc::now() + chrono::Duration::days(days);
        assert!(
            (expires_at - expected).num_seconds().abs() < 60,
            "{days} days gave {expires_at}"
        );
    }

    // Without expires_in_days the default lifetime (90 days) applies.
    let created = create_token(&app, token, json!({ "name": "default" })).await;
    let expires_at = parse_time(&created["expires_at"]);
    let expected = chrono::Utc::now() + chrono::Duration::days(90);
    assert!(
        (expires_at - expected).num_seconds().abs() < 60,
        "default gave {expires_at}"
    );
}

async fn a_token_needs_a_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app.bootstrap("Names Alliance", "lead@names.example").await;
    let token = &alliance.admin.token;

    for name in ["", "   "] {
        let problem = expect_problem(
            app.post("/api/v1/me/tokens", token, json!({ "name": name }))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "name", "{problem}");
    }
    let too_long = "x".repeat(101);
    let problem = expect_problem(
        app.post("/api/v1/me/tokens", token, json!({ "name": too_long }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "name", "{problem}");

    // Nothing was created by the refused requests.
    let list = list_tokens(&app, token).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
}

async fn a_revoked_token_stops_working(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("Revoke Alliance", "lead@revoke.example")
        .await;
    let admin = &alliance.admin;

    let created = create_token(&app, &admin.token, json!({ "name": "laptop" })).await;
    let secret = str_field(&created, "token");
    let id = str_field(&created, "id");
    expect_status(app.get("/api/v1/me", &secret).await, StatusCode::OK).await;

    let revoked = app
        .delete(&format!("/api/v1/me/tokens/{id}"), &admin.token)
        .await;
    expect_status(revoked, StatusCode::NO_CONTENT).await;

    let (challenge, problem) = expect_invalid_token(app.get("/api/v1/me", &secret).await).await;
    assert!(
        challenge.contains("revoked"),
        "WWW-Authenticate: {challenge}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("revoked")),
        "{problem}"
    );

    // Revoking again is fine.
    let again = app
        .delete(&format!("/api/v1/me/tokens/{id}"), &admin.token)
        .await;
    expect_status(again, StatusCode::NO_CONTENT).await;

    // The list keeps the revoked token, marked so.
    let list = list_tokens(&app, &admin.token).await;
    assert!(token_in(&list, &id)["revoked_at"].is_string(), "{list}");

    // The token in use still works, and can revoke itself.
    expect_status(app.get("/api/v1/me", &admin.token).await, StatusCode::OK).await;
}

async fn a_token_can_revoke_itself(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app.bootstrap("Self Alliance", "lead@self.example").await;
    let admin = &alliance.admin;

    let created = create_token(&app, &admin.token, json!({ "name": "one-off" })).await;
    let secret = str_field(&created, "token");
    let id = str_field(&created, "id");
    let response = app
        .delete(&format!("/api/v1/me/tokens/{id}"), &secret)
        .await;
    expect_status(response, StatusCode::NO_CONTENT).await;
    expect_invalid_token(app.get("/api/v1/me", &secret).await).await;
    expect_status(app.get("/api/v1/me", &admin.token).await, StatusCode::OK).await;
}

async fn another_users_token_cannot_be_revoked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("Others Alliance", "lead@others.example")
        .await;
    let admin = &alliance.admin;
    let trust = app
        .create_organisation(admin, &alliance.alliance_id, "Others Trust", "provider")
        .await;
    let member = app
        .add_member(
            admin,
            &alliance.alliance_id,
            Some(&trust),
            "kim@others.example",
            "provider_admin",
        )
        .await;

    let created = create_token(&app, &admin.token, json!({ "name": "admin script" })).await;
    let secret = str_field(&created, "token");
    let id = str_field(&created, "id");

    expect_problem(
        app.delete(&format!("/api/v1/me/tokens/{id}"), &member.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Not even an alliance admin revokes someone else's token through /me.
    let list = list_tokens(&app, &member.token).await;
    let member_token_id = str_field(&list["items"][0], "id");
    expect_problem(
        app.delete(
            &format!("/api/v1/me/tokens/{member_token_id}"),
            &admin.token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    expect_status(app.get("/api/v1/me", &secret).await, StatusCode::OK).await;
    expect_status(app.get("/api/v1/me", &member.token).await, StatusCode::OK).await;
    let list = list_tokens(&app, &admin.token).await;
    assert!(token_in(&list, &id)["revoked_at"].is_null(), "{list}");

    // A member's list holds only their own tokens.
    let member_list = list_tokens(&app, &member.token).await;
    assert_eq!(
        member_list["items"].as_array().map(Vec::len),
        Some(1),
        "{member_list}"
    );
    assert!(
        !member_list.to_string().contains(&id),
        "another user's token is listed: {member_list}"
    );

    // An unknown id is a 404 as well, and a malformed one a 400.
    let unknown = "0192f0c1-8b7a-7cde-9f00-3c5e2f1a7b10";
    expect_problem(
        app.delete(&format!("/api/v1/me/tokens/{unknown}"), &admin.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        app.delete("/api/v1/me/tokens/not-a-uuid", &admin.token)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

async fn an_expired_token_is_refused(backend: Backend) {
    let settings = AppSettings {
        token_lifetime: chrono::Duration::seconds(2),
        ..AppSettings::default()
    };
    let app = TestApp::spawn_with(backend, settings).await;
    let alliance = app
        .bootstrap("Expiry Alliance", "lead@expiry.example")
        .await;
    let token = &alliance.admin.token;
    expect_status(app.get("/api/v1/me", token).await, StatusCode::OK).await;

    tokio::time::sleep(Duration::from_millis(2_300)).await;

    let (challenge, problem) = expect_invalid_token(app.get("/api/v1/me", token).await).await;
    assert!(
        challenge.contains("expired"),
        "WWW-Authenticate: {challenge}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("expired")),
        "{problem}"
    );
}

async fn last_used_at_is_recorded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app.bootstrap("Usage Alliance", "lead@usage.example").await;
    let admin = &alliance.admin;

    let created = create_token(&app, &admin.token, json!({ "name": "cron" })).await;
    assert!(created["last_used_at"].is_null(), "{created}");
    let id = str_field(&created, "id");
    let secret = str_field(&created, "token");

    let list = list_tokens(&app, &admin.token).await;
    assert!(token_in(&list, &id)["last_used_at"].is_null(), "{list}");

    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    expect_status(app.get("/api/v1/me", &secret).await, StatusCode::OK).await;

    let list = list_tokens(&app, &admin.token).await;
    let used = token_in(&list, &id);
    assert!(used["last_used_at"].is_string(), "{list}");
    let last_used = parse_time(&used["last_used_at"]);
    assert!(
        last_used >= before && last_used <= chrono::Utc::now() + chrono::Duration::seconds(5),
        "last_used_at {last_used}"
    );
}

async fn tokens_are_listed_in_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app.bootstrap("Pages Alliance", "lead@pages.example").await;
    let token = &alliance.admin.token;
    for name in ["first", "second", "third", "fourth"] {
        create_token(&app, token, json!({ "name": name })).await;
    }

    let mut seen = Vec::new();
    let mut path = "/api/v1/me/tokens?limit=2".to_owned();
    for _ in 0..10 {
        let page = expect_status(app.get(&path, token).await, StatusCode::OK).await;
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2, "{page}");
        seen.extend(items.iter().map(|t| str_field(t, "id")));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/me/tokens?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "every token once: {seen:?}");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5, "no token twice: {seen:?}");
}

/// The server keeps the principal behind a token it has just seen (no query per request); any
/// change to what that principal was read from must still show in the very next request.
async fn me_follows_every_change_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("Prompt Alliance", "lead@prompt.example")
        .await;
    let admin = &alliance.admin;
    let trust = app
        .create_organisation(admin, &alliance.alliance_id, "Prompt Trust", "provider")
        .await;
    let member = app
        .add_member(
            admin,
            &alliance.alliance_id,
            Some(&trust),
            "pat.member@prompt.example",
            "provider_viewer",
        )
        .await;
    let me = |token: String| {
        let app = &app;
        async move { expect_status(app.get("/api/v1/me", &token).await, StatusCode::OK).await }
    };
    let first = me(member.token.clone()).await;
    assert_eq!(
        first["memberships"][0]["role"], "provider_viewer",
        "{first}"
    );
    // Read twice: the second answer comes from what the server kept.
    assert_eq!(me(member.token.clone()).await, first);

    let changes: [(String, Value); 3] = [
        (
            format!("/api/v1/memberships/{}", member.membership_id),
            json!({ "role": "provider_editor" }),
        ),
        (
            format!("/api/v1/organisations/{trust}"),
            json!({ "name": "Prompt Healthcare NHS Trust" }),
        ),
        (
            format!("/api/v1/alliances/{}", alliance.alliance_id),
            json!({ "name": "Prompt PCREF Alliance" }),
        ),
    ];
    for (path, body) in changes {
        expect_status(
            app.patch(&path, &admin.token, Some("*"), body).await,
            StatusCode::OK,
        )
        .await;
    }
    let now = me(member.token.clone()).await;
    let held = &now["memberships"][0];
    assert_eq!(held["role"], "provider_editor", "{now}");
    assert_eq!(
        held["organisation_name"], "Prompt Healthcare NHS Trust",
        "{now}"
    );
    assert_eq!(held["alliance_name"], "Prompt PCREF Alliance", "{now}");

    expect_status(
        app.delete(
            &format!("/api/v1/memberships/{}", member.membership_id),
            &admin.token,
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    let removed = me(member.token.clone()).await;
    assert_eq!(removed["memberships"], json!([]), "{removed}");
    expect_problem(
        app.get(&format!("/api/v1/organisations/{trust}"), &member.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

backend_tests!(
    me_shows_the_user_and_only_active_memberships,
    me_needs_a_token,
    a_created_token_works_and_its_secret_is_shown_once,
    token_lifetimes_are_checked,
    a_token_needs_a_name,
    a_revoked_token_stops_working,
    me_follows_every_change_at_once,
    a_token_can_revoke_itself,
    another_users_token_cannot_be_revoked,
    an_expired_token_is_refused,
    last_used_at_is_recorded,
    tokens_are_listed_in_pages,
);
