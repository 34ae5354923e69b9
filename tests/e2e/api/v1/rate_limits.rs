//! Rate limits (`PCREF_RATE_LIMIT_PER_MINUTE`): per token, per address for requests without
//! one, 429 problem+json with `Retry-After`; the operational endpoints are never limited.
//! These servers allow 5 requests a minute: one every 12 s, 5 at once.

use pcref_api::ApiSettings;
use pcref_app::AppSettings;
use pcref_e2e::{backend_tests, expect_problem, expect_status, str_field, Backend, TestApp};
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

const LIMIT: u32 = 5;

async fn spawn_limited(backend: Backend) -> TestApp {
    TestApp::spawn_with_api(
        backend,
        AppSettings::default(),
        ApiSettings {
            rate_limit_per_minute: LIMIT,
        },
    )
    .await
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Asserts a 429 problem with a usable `Retry-After` (whole seconds, 1 to 12 at 5 a minute).
async fn expect_too_many(response: Response) {
    let retry_after: u64 = header(&response, "retry-after")
        .expect("Retry-After")
        .parse()
        .expect("whole seconds");
    assert!((1..=12).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(header(&response, "ratelimit-limit").as_deref(), Some("5"));
    assert_eq!(
        header(&response, "ratelimit-remaining").as_deref(),
        Some("0")
    );
    let problem = expect_problem(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(problem["type"], "urn:pcref-hub:problem:too-many-requests");
}

async fn the_sixth_request_with_a_token_is_refused_while_another_token_goes_on(backend: Backend) {
    let app = spawn_limited(backend).await;
    let boot = app.bootstrap("Rate Alliance", "admin@rate.example").await;
    let admin = &boot.admin.token;
    // Request 1 of the admin's token: a second token of the same person, its own bucket.
    let second = expect_status(
        app.post("/api/v1/me/tokens", admin, json!({ "name": "second" }))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let second = str_field(&second, "token");

    // Requests 2 to 5, counting down what is left.
    for left in (0..LIMIT - 1).rev() {
        let response = app.get("/api/v1/me", admin).await;
        assert_eq!(
            header(&response, "ratelimit-remaining"),
            Some(left.to_string())
        );
        expect_status(response, StatusCode::OK).await;
    }
    // The sixth.
    expect_too_many(app.get("/api/v1/me", admin).await).await;
    // Refused requests take nothing, but refill only comes with time.
    expect_too_many(app.get("/api/v1/me", admin).await).await;

    // Another token, even of the same person, still has its own five.
    let response = app.get("/api/v1/me", &second).await;
    assert_eq!(
        header(&response, "ratelimit-remaining").as_deref(),
        Some("4")
    );
    expect_status(response, StatusCode::OK).await;
}

async fn requests_without_a_token_are_limited_by_address_and_probes_never(backend: Backend) {
    let app = spawn_limited(backend).await;
    let boot = app.bootstrap("Rate Alliance", "admin@rate.example").await;
    let anonymous = || {
        app.request(Method::GET, "/api/v1/reference/pillars", None)
            .send()
    };
    for _ in 0..LIMIT {
        expect_status(anonymous().await.expect("GET"), StatusCode::OK).await;
    }
    expect_too_many(anonymous().await.expect("GET")).await;
    // A protected endpoint without a token draws from the same bucket: 429 before 401.
    let response = app
        .request(Method::GET, "/api/v1/me", None)
        .send()
        .await
        .expect("GET");
    expect_too_many(response).await;

    // A token has its own bucket, from the same address.
    expect_status(
        app.get("/api/v1/me", &boot.admin.token).await,
        StatusCode::OK,
    )
    .await;

    // Probes and scrapers always get through, and carry no rate-limit headers.
    for path in ["/healthz", "/readyz", "/metrics"] {
        for _ in 0..(2 * LIMIT) {
            let response = app
                .request(Method::GET, path, None)
                .send()
                .await
                .expect("GET");
            assert_eq!(header(&response, "ratelimit-limit"), None, "{path}");
            expect_status(response, StatusCode::OK).await;
        }
    }
}

async fn made_up_tokens_are_charged_to_the_address(backend: Backend) {
    let app = spawn_limited(backend).await;
    let boot = app.bootstrap("Rate Alliance", "admin@rate.example").await;
    // Each made-up token would be a fresh bucket of its own; the failures count per address.
    for i in 0..LIMIT {
        let response = app
            .get("/api/v1/me", &format!("pcref_pat_made-up-{i}"))
            .await;
        expect_problem(response, StatusCode::UNAUTHORIZED).await;
    }
    expect_too_many(app.get("/api/v1/me", "pcref_pat_made-up-next").await).await;
    // Until the address's failures refill, tokens from it are refused too, the working ones
    // included: a guesser learns nothing more by using a real token in between.
    expect_too_many(app.get("/api/v1/me", &boot.admin.token).await).await;
    // Without a token, the address's own bucket is untouched by those failures.
    let response = app
        .request(Method::GET, "/api/v1/reference/pillars", None)
        .send()
        .await
        .expect("GET");
    expect_status(response, StatusCode::OK).await;
}

backend_tests!(
    the_sixth_request_with_a_token_is_refused_while_another_token_goes_on,
    requests_without_a_token_are_limited_by_address_and_probes_never,
    made_up_tokens_are_charged_to_the_address,
);
