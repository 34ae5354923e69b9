//! `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and `/docs`.

use pcref_e2e::{backend_tests, expect_status, Backend, TestApp};
use reqwest::StatusCode;

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let health = app
        .http
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(expect_status(health, StatusCode::OK).await["status"], "ok");
    let ready = app
        .http
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    let body = expect_status(ready, StatusCode::OK).await;
    assert_eq!(body["status"], "ready");
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(body["database"], expected);
}

async fn metrics_count_requests_by_operation_and_status(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app
        .bootstrap("Metrics Alliance", "admin@metrics.example")
        .await
        .admin;
    expect_status(app.get("/api/v1/me", &admin.token).await, StatusCode::OK).await;
    expect_status(
        app.get("/api/v1/me", "pcref_pat_nope").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics body");
    assert!(
        text.contains(
            r#"pcref_hub_http_requests_total{operation="get_me",method="GET",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"pcref_hub_http_requests_total{operation="get_me",method="GET",status="401"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"pcref_hub_http_request_duration_seconds_bucket{le="+Inf",operation="get_me",method="GET"} 2"#),
        "{text}"
    );
}

/// Clients choose methods, not metric series: anything outside the standard methods is
/// counted under one label.
async fn metrics_fold_unknown_methods_into_one_label(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for method in ["FOO", "BAR", "XYZ123"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = app
            .http
            .request(method, app.url("/api/v1/me"))
            .send()
            .await
            .expect("request");
        assert!(response.status().is_client_error());
    }
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics body");
    assert!(!text.contains("FOO") && !text.contains("XYZ123"), "{text}");
    assert!(text.contains(r#"method="other""#), "{text}");
}

/// The served document must equal the copy checked in under `openapi/`. To regenerate it:
/// `cargo run -p pcref-hub -- openapi > openapi/openapi.json`.
async fn openapi_document_matches_the_checked_in_copy(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let served = app
        .http
        .get(app.url("/openapi.json"))
        .send()
        .await
        .expect("openapi.json")
        .text()
        .await
        .expect("document");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let checked_in = std::fs::read_to_string(path).expect("openapi/openapi.json exists");
    assert!(
        served.trim_end() == checked_in.trim_end(),
        "openapi/openapi.json is stale: regenerate it with `cargo run -p pcref-hub -- openapi > openapi/openapi.json`"
    );
    let document: serde_json::Value = serde_json::from_str(&served).expect("JSON");
    assert_eq!(document["openapi"], "3.0.0");
    assert!(document["paths"]["/api/v1/me"]["get"].is_object());
}

async fn docs_serve_an_interactive_viewer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.http.get(app.url("/docs")).send().await.expect("docs");
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("html");
    assert!(html.contains("swagger-ui"), "the viewer page names its UI");
    assert!(
        html.contains("/api/v1/me"),
        "the viewer embeds the document"
    );
}

backend_tests!(
    metrics_fold_unknown_methods_into_one_label,
    health_and_readiness,
    metrics_count_requests_by_operation_and_status,
    openapi_document_matches_the_checked_in_copy,
    docs_serve_an_interactive_viewer,
);
