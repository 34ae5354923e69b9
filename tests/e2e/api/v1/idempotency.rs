//! `Idempotency-Key` on creates: a retry with the same key and body replays the first answer
//! and creates nothing; the same key with another body is refused; keys are per caller and
//! expire after 24 hours.

use chrono::Duration;
use diesel::{ExpressionMethods, RunQueryDsl};
use pcref_e2e::{
    backend_tests, expect_problem, expect_status, str_field, Backend, Bootstrapped, TestApp,
    Workspace,
};
use pcref_store::schema::idempotency_keys;
use pcref_store::StoreError;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

fn organisations_path(alliance: &Bootstrapped) -> String {
    format!("/api/v1/alliances/{}/organisations", alliance.alliance_id)
}

async fn post_with_key(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> Response {
    app.request(Method::POST, path, Some(token))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("POST with an Idempotency-Key")
}

/// A response's status, the headers a client reads, and the exact body bytes.
async fn answer(
    response: Response,
) -> (
    StatusCode,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (location, replayed, etag) = (
        header("location"),
        header("idempotent-replayed"),
        header("etag"),
    );
    let status = response.status();
    let body = response.text().await.expect("response body");
    (status, location, replayed, etag, body)
}

async fn organisation_count(app: &TestApp, alliance: &Bootstrapped) -> usize {
    let page = expect_status(
        app.get(
            &format!("{}?limit=200", organisations_path(alliance)),
            &alliance.admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().map_or(0, Vec::len)
}

async fn setup(backend: Backend) -> (TestApp, Bootstrapped) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("North West PCREF Alliance", "lead@alliance.example")
        .await;
    (app, alliance)
}

async fn a_retry_replays_the_first_answer_and_creates_nothing(backend: Backend) {
    let (app, alliance) = setup(backend).await;
    let path = organisations_path(&alliance);
    let body = json!({ "name": "Riverside Mental Health NHS Trust", "kind": "provider" });
    let token = &alliance.admin.token;

    let first = answer(post_with_key(&app, &path, token, "create-riverside-1", &body).await).await;
    assert_eq!(first.0, StatusCode::CREATED, "{}", first.4);
    assert_eq!(first.2, None, "a first answer is not a replay");
    let count = organisation_count(&app, &alliance).await;

    for _ in 0..2 {
        let again =
            answer(post_with_key(&app, &path, token, "create-riverside-1", &body).await).await;
        assert_eq!(again.0, StatusCode::CREATED);
        assert_eq!(again.1, first.1, "the same Location");
        assert_eq!(again.3, first.3, "the same ETag");
        assert_eq!(again.4, first.4, "the same body, byte for byte");
        assert_eq!(again.2.as_deref(), Some("true"));
    }
    assert_eq!(organisation_count(&app, &alliance).await, count);

    // Without the key, the same body is a new request (and here a name already in use).
    let without = app.post(&path, token, body.clone()).await;
    assert_ne!(without.status(), StatusCode::CREATED);
    assert_eq!(organisation_count(&app, &alliance).await, count);
}

async fn the_same_key_with_another_body_is_refused(backend: Backend) {
    let (app, alliance) = setup(backend).await;
    let path = organisations_path(&alliance);
    let token = &alliance.admin.token;
    let first = json!({ "name": "Riverside Mental Health NHS Trust", "kind": "provider" });
    expect_status(
        post_with_key(&app, &path, token, "key-a", &first).await,
        StatusCode::CREATED,
    )
    .await;
    let count = organisation_count(&app, &alliance).await;

    let other = json!({ "name": "Hillside Partnership NHS Trust", "kind": "provider" });
    let problem = expect_problem(
        post_with_key(&app, &path, token, "key-a", &other).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        problem["errors"][0]["field"], "Idempotency-Key",
        "{problem}"
    );
    assert_eq!(
        organisation_count(&app, &alliance).await,
        count,
        "nothing created"
    );

    // The same body on another path is another request too.
    let elsewhere = format!("{path}?unused=1");
    expect_problem(
        post_with_key(&app, &elsewhere, token, "key-a", &first).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

async fn keys_belong_to_their_caller(backend: Backend) {
    let (app, alliance) = setup(backend).await;
    let path = organisations_path(&alliance);
    let second = app
        .add_member(
            &alliance.admin,
            &alliance.alliance_id,
            None,
            "second.admin@alliance.example",
            "alliance_admin",
        )
        .await;
    let count = organisation_count(&app, &alliance).await;

    let one = json!({ "name": "Riverside Mental Health NHS Trust", "kind": "provider" });
    let two = json!({ "name": "Community Voices Together", "kind": "vcse" });
    let (a, b) = (
        answer(post_with_key(&app, &path, &alliance.admin.token, "shared-key", &one).await).await,
        answer(post_with_key(&app, &path, &second.token, "shared-key", &two).await).await,
    );
    assert_eq!(a.0, StatusCode::CREATED, "{}", a.4);
    assert_eq!(b.0, StatusCode::CREATED, "{}", b.4);
    assert_eq!(b.2, None, "another caller's key is not replayed");
    assert_ne!(a.1, b.1);
    assert_eq!(organisation_count(&app, &alliance).await, count + 2);
}

async fn a_refused_request_replays_its_refusal(backend: Backend) {
    let (app, alliance) = setup(backend).await;
    let path = organisations_path(&alliance);
    let token = &alliance.admin.token;
    let invalid = json!({ "name": "", "kind": "provider" });
    let first = answer(post_with_key(&app, &path, token, "bad-1", &invalid).await).await;
    assert_eq!(first.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", first.4);
    let again = answer(post_with_key(&app, &path, token, "bad-1", &invalid).await).await;
    assert_eq!(again.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.4, first.4);
    assert_eq!(again.2.as_deref(), Some("true"));

    // A request refused for its credentials is not remembered: with a valid token it runs.
    let body = json!({ "name": "Riverside Mental Health NHS Trust", "kind": "provider" });
    expect_problem(
        post_with_key(&app, &path, "pcref_pat_not-a-real-token", "auth-1", &body).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    expect_problem(
        post_with_key(&app, &path, "pcref_pat_not-a-real-token", "auth-1", &body).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

async fn a_malformed_key_is_a_bad_request(backend: Backend) {
    let (app, alliance) = setup(backend).await;
    let path = organisations_path(&alliance);
    let body = json!({ "name": "Riverside Mental Health NHS Trust", "kind": "provider" });
    let count = organisation_count(&app, &alliance).await;
    let too_long = "k".repeat(256);
    for key in ["", "has space", "caf\u{e9}", too_long.as_str()] {
        let response = app
            .request(Method::POST, &path, Some(&alliance.admin.token))
            .header("Idempotency-Key", key.as_bytes())
            .json(&body)
            .send()
            .await
            .expect("POST");
        let problem = expect_problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(
            problem["errors"][0]["field"], "Idempotency-Key",
            "{problem}"
        );
    }
    let twice = app
        .request(Method::POST, &path, Some(&alliance.admin.token))
        .header("Idempotency-Key", "a")
        .header("Idempotency-Key", "b")
        .json(&body)
        .send()
        .await
        .expect("POST");
    expect_problem(twice, StatusCode::BAD_REQUEST).await;
    assert_eq!(organisation_count(&app, &alliance).await, count);
    // The longest key allowed is accepted.
    let longest = "k".repeat(255);
    expect_status(
        post_with_key(&app, &path, &alliance.admin.token, &longest, &body).await,
        StatusCode::CREATED,
    )
    .await;
}

async fn simultaneous_retries_create_one_record(backend: Backend) {
    let (app, alliance) = setup(backend).await;
    let path = organisations_path(&alliance);
    let token = &alliance.admin.token;
    let count = organisation_count(&app, &alliance).await;
    for round in 0..3 {
        let body = json!({ "name": format!("Trust number {round}"), "kind": "provider" });
        let key = format!("race-{round}");
        let (a, b) = tokio::join!(
            post_with_key(&app, &path, token, &key, &body),
            post_with_key(&app, &path, token, &key, &body),
        );
        let (a, b) = (answer(a).await, answer(b).await);
        let statuses = [a.0, b.0];
        assert!(
            statuses.contains(&StatusCode::CREATED),
            "one of them creates: {statuses:?} {} {}",
            a.4,
            b.4
        );
        for other in [&a, &b] {
            assert!(
                other.0 == StatusCode::CREATED || other.0 == StatusCode::CONFLICT,
                "201 or 409: {}",
                other.4
            );
        }
        let fresh = [&a, &b]
            .iter()
            .filter(|x| x.0 == StatusCode::CREATED && x.2.is_none())
            .count();
        assert_eq!(fresh, 1, "exactly one first answer");
    }
    assert_eq!(organisation_count(&app, &alliance).await, count + 3);
}

async fn keys_expire_after_a_day(backend: Backend) {
    let (app, alliance) = setup(backend).await;
    let path = organisations_path(&alliance);
    let token = &alliance.admin.token;
    let body = json!({ "name": "Riverside Mental Health NHS Trust", "kind": "provider" });
    let created = expect_status(
        post_with_key(&app, &path, token, "old-key", &body).await,
        StatusCode::CREATED,
    )
    .await;
    let id = str_field(&created, "id");

    // A day and a minute ago, as far as the database knows.
    let long_ago = (pcref_store::now() - Duration::hours(24) - Duration::minutes(1)).naive_utc();
    app.app
        .db()
        .read(move |conn| {
            diesel::update(idempotency_keys::table)
                .set(idempotency_keys::created_at.eq(long_ago))
                .execute(conn)
                .map_err(StoreError::from)
        })
        .await
        .expect("age the key");

    // Expired: the key is unused again, so another body under it is no mismatch: it runs.
    let renamed = json!({ "name": "Riverside Trust (renamed)", "kind": "provider" });
    let response = post_with_key(&app, &path, token, "old-key", &renamed).await;
    assert!(response.headers().get("idempotent-replayed").is_none());
    let fresh = expect_status(response, StatusCode::CREATED).await;
    assert_ne!(str_field(&fresh, "id"), id);
}

async fn an_answer_holding_a_secret_is_never_stored(backend: Backend) {
    let (app, alliance) = setup(backend).await;
    let token = &alliance.admin.token;
    let body = json!({ "name": "nightly export" });
    let first = post_with_key(&app, "/api/v1/me/tokens", token, "token-1", &body).await;
    let created = expect_status(first, StatusCode::CREATED).await;
    let secret = str_field(&created, "token");

    // The retry creates no second token, and the secret appears nowhere in the database.
    let again = post_with_key(&app, "/api/v1/me/tokens", token, "token-1", &body).await;
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let problem = expect_problem(again, StatusCode::CONFLICT).await;
    assert!(!problem.to_string().contains(&secret));
    let tokens = expect_status(app.get("/api/v1/me/tokens", token).await, StatusCode::OK).await;
    let named = tokens["items"].as_array().map_or(0, |items| {
        items
            .iter()
            .filter(|t| t["name"] == "nightly export")
            .count()
    });
    assert_eq!(named, 1, "{tokens}");
    let stored: Vec<Option<String>> = app
        .app
        .db()
        .read(|conn| {
            use diesel::QueryDsl;
            idempotency_keys::table
                .select(idempotency_keys::body)
                .load(conn)
                .map_err(StoreError::from)
        })
        .await
        .expect("read the remembered answers");
    assert!(stored.iter().flatten().all(|b| !b.contains(&secret)));
}

/// An API client's keys belong to the client, not to one token: a script that crashed gets a
/// new token when it runs again (they last an hour), and its retry must still be answered once.
/// Another client of the same organisation, or the same client with other scopes, does not
/// share them.
async fn an_api_clients_keys_outlive_its_token(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let client = app
        .create_api_client(
            &ws.admin,
            &ws.provider,
            "Riverside scripts",
            &["learning:write", "library:read"],
        )
        .await;
    let other = app
        .create_api_client(
            &ws.admin,
            &ws.provider,
            "Riverside reports",
            &["learning:write"],
        )
        .await;
    let path = format!("/api/v1/alliances/{}/learning", ws.alliance_id);
    let body = json!({
        "title": "Peer supporters on the evening crisis line",
        "categories": ["community_trust_and_engagement"],
        "competencies": ["co_production"],
        "ethnic_categories": ["N"],
        "summary": "Peer supporters from local churches joined the evening crisis shifts.",
        "reflections": "Start with the community groups before writing the role.",
        "attribution": "named",
    });
    let count = |token: String| {
        let path = path.clone();
        async move {
            let page = expect_status(app.get(&path, &token).await, StatusCode::OK).await;
            page["items"].as_array().map_or(0, Vec::len)
        }
    };

    let first_token = app.client_token(&client, None).await;
    let first = answer(post_with_key(app, &path, &first_token, "case-study-1", &body).await).await;
    assert_eq!(first.0, StatusCode::CREATED, "{}", first.4);

    let second_token = app.client_token(&client, None).await;
    assert_ne!(first_token, second_token);
    let again = answer(post_with_key(app, &path, &second_token, "case-study-1", &body).await).await;
    assert_eq!(again.0, StatusCode::CREATED, "{}", again.4);
    assert_eq!(
        again.2.as_deref(),
        Some("true"),
        "replayed with the new token"
    );
    assert_eq!(again.4, first.4);
    assert_eq!(count(second_token.clone()).await, 1);

    // The same client with fewer scopes, and another client: keys of their own.
    let narrower = app.client_token(&client, Some("learning:write")).await;
    let own = answer(post_with_key(app, &path, &narrower, "case-study-1", &body).await).await;
    assert_eq!(own.0, StatusCode::CREATED, "{}", own.4);
    assert_eq!(own.2, None);
    let other_token = app.client_token(&other, None).await;
    let theirs = answer(post_with_key(app, &path, &other_token, "case-study-1", &body).await).await;
    assert_eq!(theirs.0, StatusCode::CREATED, "{}", theirs.4);
    assert_eq!(theirs.2, None);
    assert_eq!(count(second_token).await, 3);
}

backend_tests!(
    an_api_clients_keys_outlive_its_token,
    an_answer_holding_a_secret_is_never_stored,
    a_retry_replays_the_first_answer_and_creates_nothing,
    the_same_key_with_another_body_is_refused,
    keys_belong_to_their_caller,
    a_refused_request_replays_its_refusal,
    a_malformed_key_is_a_bad_request,
    simultaneous_retries_create_one_record,
    keys_expire_after_a_day,
);
