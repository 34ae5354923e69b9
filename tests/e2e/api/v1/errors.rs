//! How the API answers what it cannot or will not do: always `application/problem+json` with
//! type, title, status and detail, and never a 500 — malformed bodies, oversized bodies, bad
//! paths and methods, invalid fields — and that concurrent writes are all kept.

use std::collections::HashSet;

use pcref_e2e::{
    backend_tests, expect_problem, expect_status, str_field, Backend, Bootstrapped, TestApp,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

/// The server's limit on request bodies.
const MAX_BODY: usize = 1024 * 1024;

async fn started(backend: Backend) -> (TestApp, Bootstrapped) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("East Midlands PCREF Alliance", "lead@alliance.example")
        .await;
    (app, alliance)
}

fn organisations_path(alliance: &Bootstrapped) -> String {
    format!("/api/v1/alliances/{}/organisations", alliance.alliance_id)
}

/// Sends `body` as is, with this content type.
async fn post_raw(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> Response {
    app.request(Method::POST, path, Some(token))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("POST")
}

async fn organisation_names(app: &TestApp, alliance: &Bootstrapped) -> Vec<String> {
    let page = expect_status(
        app.get(
            &format!("{}?limit=200", organisations_path(alliance)),
            &alliance.admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| str_field(o, "name"))
        .collect()
}

async fn an_unknown_field_is_a_bad_request(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;

    let problem = expect_problem(
        app.post(
            &organisations_path(&alliance),
            &admin.token,
            json!({ "name": "Example Healthcare NHS Trust", "kind": "provider", "colour": "blue" }),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        problem["type"], "urn:pcref-hub:problem:bad-request",
        "{problem}"
    );
    expect_problem(
        app.post(
            "/api/v1/me/tokens",
            &admin.token,
            json!({ "name": "laptop", "scopes": ["everything"] }),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;

    assert_eq!(
        organisation_names(&app, &alliance).await,
        Vec::<String>::new()
    );
}

async fn malformed_json_is_a_bad_request(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;

    for body in [
        r#"{"name": "Example Healthcare NHS Trust", "kind": "#,
        r#"{"name": 'single quotes', "kind": "provider"}"#,
        r#"{"name": "Example Healthcare NHS Trust", "kind": "provider"} trailing"#,
        "",
    ] {
        expect_problem(
            post_raw(
                &app,
                &organisations_path(&alliance),
                &admin.token,
                "application/json",
                body,
            )
            .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }

    assert_eq!(
        organisation_names(&app, &alliance).await,
        Vec::<String>::new()
    );
}

async fn a_body_of_the_wrong_type_is_a_bad_request(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;

    for body in [
        json!([{ "name": "Example Healthcare NHS Trust", "kind": "provider" }]),
        json!("Example Healthcare NHS Trust"),
        json!(42),
        json!(null),
        json!({ "name": ["Example Healthcare NHS Trust"], "kind": "provider" }),
        json!({ "name": { "text": "Example Healthcare NHS Trust" }, "kind": "provider" }),
        json!({ "name": "Example Healthcare NHS Trust", "kind": 1 }),
        json!({ "kind": "provider" }),
    ] {
        expect_problem(
            app.post(&organisations_path(&alliance), &admin.token, body)
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }

    assert_eq!(
        organisation_names(&app, &alliance).await,
        Vec::<String>::new()
    );
}

/// A number or a boolean where the schema says string is a wrong type too: the API must not
/// quietly turn `42` into the name "42".
async fn a_scalar_of_the_wrong_type_is_a_bad_request(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;

    for body in [
        json!({ "name": 42, "kind": "provider" }),
        json!({ "name": true, "kind": "provider" }),
    ] {
        expect_problem(
            app.post(&organisations_path(&alliance), &admin.token, body)
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }

    assert_eq!(
        organisation_names(&app, &alliance).await,
        Vec::<String>::new()
    );
}

async fn a_body_that_is_not_json_is_refused(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;
    let json_text = r#"{"name": "Example Healthcare NHS Trust", "kind": "provider"}"#;

    // The same JSON, but labelled as plain text: the server does not guess.
    let response = post_raw(
        &app,
        &organisations_path(&alliance),
        &admin.token,
        "text/plain",
        json_text,
    )
    .await;
    let status = response.status();
    assert!(
        status == StatusCode::UNSUPPORTED_MEDIA_TYPE || status == StatusCode::BAD_REQUEST,
        "text/plain answered {status}"
    );
    // What this server gives today: 415 Unsupported Media Type.
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    expect_problem(response, status).await;

    // No Content-Type at all.
    let response = app
        .request(
            Method::POST,
            &organisations_path(&alliance),
            Some(&admin.token),
        )
        .body(json_text)
        .send()
        .await
        .expect("POST");
    let status = response.status();
    assert!(
        status == StatusCode::UNSUPPORTED_MEDIA_TYPE || status == StatusCode::BAD_REQUEST,
        "no Content-Type answered {status}"
    );
    expect_problem(response, status).await;

    assert_eq!(
        organisation_names(&app, &alliance).await,
        Vec::<String>::new()
    );
}

/// A JSON body of exactly `size` bytes that would create an organisation named `name`: the
/// object, padded with whitespace (valid JSON) after it.
fn padded_body(name: &str, size: usize) -> Vec<u8> {
    let object = json!({ "name": name, "kind": "provider" }).to_string();
    assert!(object.len() < size);
    let mut body = object.into_bytes();
    body.resize(size, b' ');
    body
}

/// How a body is framed on the wire.
#[derive(Debug, Clone, Copy)]
enum Framing {
    ContentLength,
    Chunked,
}

/// An HTTP answer read off the socket.
#[derive(Debug)]
struct RawAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// POSTs `body` over a plain socket, reading the answer while still sending, as RFC 9112
/// asks of a client: a server may answer 413 and close before the body is all sent, and
/// reqwest's client then reports only the broken pipe.
async fn raw_post(
    app: &TestApp,
    path: &str,
    token: &str,
    body: Vec<u8>,
    framing: Framing,
) -> RawAnswer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let address = app.base_url.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect to the server");
    let (mut reader, mut writer) = stream.into_split();
    let length_header = match framing {
        Framing::ContentLength => format!("Content-Length: {}\r\n", body.len()),
        Framing::Chunked => "Transfer-Encoding: chunked\r\n".to_owned(),
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nConnection: close\r\n{length_header}\r\n"
    );
    let sending = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        match framing {
            Framing::ContentLength => writer.write_all(&body).await?,
            Framing::Chunked => {
                for chunk in body.chunks(16 * 1024) {
                    writer
                        .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                        .await?;
                    writer.write_all(chunk).await?;
                    writer.write_all(b"\r\n").await?;
                }
                writer.write_all(b"0\r\n\r\n").await?;
            }
        }
        writer.flush().await
    });

    // The server closes the connection after answering (we asked it to); a reset after the
    // answer arrived is fine, since the answer is what we came for.
    let mut received = Vec::new();
    let _ = reader.read_to_end(&mut received).await;
    let _ = sending.await;

    let text = String::from_utf8_lossy(&received).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer to POST {path}; received {text:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP status line: {head}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let body = match headers.iter().find(|(name, _)| name == "content-length") {
        Some((_, length)) => {
            let length: usize = length.parse().expect("a Content-Length");
            body.get(..length)
                .unwrap_or_else(|| panic!("the answer is cut short: {text:?}"))
                .to_owned()
        }
        None => body.to_owned(),
    };
    RawAnswer {
        status,
        headers,
        body,
    }
}

impl RawAnswer {
    /// Asserts a problem+json answer with this status, and returns the problem.
    fn problem(&self, expected: StatusCode) -> Value {
        assert_eq!(self.status, expected.as_u16(), "{self:?}");
        let content_type = self
            .headers
            .iter()
            .find(|(name, _)| name == "content-type")
            .map(|(_, value)| value.as_str());
        assert_eq!(content_type, Some("application/problem+json"), "{self:?}");
        let problem: Value = serde_json::from_str(&self.body).expect("a problem is JSON");
        assert_eq!(problem["status"], json!(expected.as_u16()), "{problem}");
        for field in ["type", "title", "detail"] {
            assert!(
                problem[field].is_string(),
                "problem lacks {field}: {problem}"
            );
        }
        problem
    }
}

async fn a_body_over_one_mebibyte_is_refused_with_413(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;
    let path = organisations_path(&alliance);

    for framing in [Framing::ContentLength, Framing::Chunked] {
        for size in [MAX_BODY + 1, MAX_BODY + 100_000, 4 * MAX_BODY] {
            let answer = raw_post(
                &app,
                &path,
                &admin.token,
                padded_body("Far Too Big", size),
                framing,
            )
            .await;
            let problem = answer.problem(StatusCode::PAYLOAD_TOO_LARGE);
            assert_eq!(
                problem["type"], "urn:pcref-hub:problem:payload-too-large",
                "{framing:?} {size}: {problem}"
            );
        }
    }

    // Exactly 1 MiB is within the limit, however it is framed.
    let answer = raw_post(
        &app,
        &path,
        &admin.token,
        padded_body("At The Limit Announced", MAX_BODY),
        Framing::ContentLength,
    )
    .await;
    assert_eq!(answer.status, 201, "{answer:?}");
    let answer = raw_post(
        &app,
        &path,
        &admin.token,
        padded_body("At The Limit Chunked", MAX_BODY),
        Framing::Chunked,
    )
    .await;
    assert_eq!(answer.status, 201, "{answer:?}");

    let mut names = organisation_names(&app, &alliance).await;
    names.sort();
    assert_eq!(
        names,
        vec!["At The Limit Announced", "At The Limit Chunked"],
        "nothing too large was created"
    );
}

/// An ordinary client sends its whole body before reading the answer: it must still get the
/// 413 (the server reads and discards an oversized body, up to a cap, rather than hang up).
async fn an_ordinary_client_sees_the_413(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let path = organisations_path(&alliance);
    for size in [2 * MAX_BODY, 8 * MAX_BODY] {
        let announced = post_raw(
            &app,
            &path,
            &alliance.admin.token,
            "application/json",
            padded_body("Too Big Announced", size),
        )
        .await;
        expect_problem(announced, StatusCode::PAYLOAD_TOO_LARGE).await;
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = padded_body("Too Big Chunked", size)
            .chunks(64 * 1024)
            .map(|c| Ok(c.to_vec()))
            .collect();
        let chunked = post_raw(
            &app,
            &path,
            &alliance.admin.token,
            "application/json",
            reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)),
        )
        .await;
        expect_problem(chunked, StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    assert!(organisation_names(&app, &alliance).await.is_empty());
}

async fn a_malformed_uuid_in_the_path_is_a_bad_request(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;

    for (method, path) in [
        (Method::GET, "/api/v1/organisations/not-a-uuid"),
        (Method::GET, "/api/v1/organisations/12345"),
        (Method::GET, "/api/v1/alliances/not-a-uuid"),
        (Method::GET, "/api/v1/alliances/not-a-uuid/organisations"),
        (Method::GET, "/api/v1/alliances/not-a-uuid/audit"),
        (
            Method::GET,
            "/api/v1/organisations/0192f0c1-8b7a-7cde-9f00-3c5e2f1a7b1/members",
        ),
        (Method::GET, "/api/v1/memberships/not-a-uuid"),
        (Method::DELETE, "/api/v1/memberships/not-a-uuid"),
    ] {
        let response = app
            .request(method.clone(), path, Some(&admin.token))
            .send()
            .await
            .expect("request");
        let problem = expect_problem(response, StatusCode::BAD_REQUEST).await;
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("UUID")),
            "{method} {path}: the detail says what is wrong: {problem}"
        );
    }

    // With a body too.
    let problem = expect_problem(
        app.patch(
            "/api/v1/organisations/not-a-uuid",
            &admin.token,
            Some("\"1\""),
            json!({ "name": "Renamed" }),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("UUID")),
        "{problem}"
    );
}

async fn an_unknown_path_is_not_found(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;

    for path in [
        "/api/v1/nothing-here",
        "/api/v2/me",
        "/api/v1/alliances/x/y/z",
        "/nothing",
    ] {
        for token in [Some(admin.token.as_str()), None] {
            let response = app
                .request(Method::GET, path, token)
                .send()
                .await
                .expect("GET");
            let problem = expect_problem(response, StatusCode::NOT_FOUND).await;
            assert_eq!(
                problem["type"], "urn:pcref-hub:problem:not-found",
                "{path}: {problem}"
            );
        }
    }
}

async fn a_wrong_method_is_refused_with_405(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;

    for (method, path) in [
        (Method::PUT, "/api/v1/me".to_owned()),
        (Method::DELETE, "/api/v1/alliances".to_owned()),
        (
            Method::PUT,
            format!("/api/v1/alliances/{}/organisations", alliance.alliance_id),
        ),
    ] {
        let response = app
            .request(method.clone(), &path, Some(&admin.token))
            .json(&json!({}))
            .send()
            .await
            .expect("request");
        let problem = expect_problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
        assert_eq!(
            problem["type"], "urn:pcref-hub:problem:method-not-allowed",
            "{method} {path}: {problem}"
        );
    }
}

async fn every_invalid_field_is_reported_at_once(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;
    let org = app
        .create_organisation(
            admin,
            &alliance.alliance_id,
            "Example Healthcare NHS Trust",
            "provider",
        )
        .await;
    let members_path = format!("/api/v1/organisations/{org}/members");

    let problem = expect_problem(
        app.post(
            &members_path,
            &admin.token,
            json!({ "email": "not-an-email", "display_name": "", "role": "provider_editor" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        problem["type"], "urn:pcref-hub:problem:validation",
        "{problem}"
    );
    let errors = problem["errors"].as_array().expect("errors");
    let fields: HashSet<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(
        fields,
        HashSet::from(["email", "display_name"]),
        "{problem}"
    );
    assert_eq!(errors.len(), 2, "{problem}");
    assert!(
        errors
            .iter()
            .all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty())),
        "{problem}"
    );

    // Nobody was invited.
    let page = expect_status(app.get(&members_path, &admin.token).await, StatusCode::OK).await;
    assert_eq!(page["items"], json!([]), "{page}");
}

async fn concurrent_creations_are_all_kept(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let url = app.url(&organisations_path(&alliance));

    let mut requests = tokio::task::JoinSet::new();
    for n in 0..40 {
        let http = app.http.clone();
        let url = url.clone();
        let token = alliance.admin.token.clone();
        let kind = if n % 2 == 0 { "provider" } else { "vcse" };
        requests.spawn(async move {
            let response = http
                .post(&url)
                .bearer_auth(token)
                .json(&json!({ "name": format!("Concurrent Organisation {n:02}"), "kind": kind }))
                .send()
                .await
                .expect("POST");
            let status = response.status();
            let text = response.text().await.expect("body");
            (n, status, text)
        });
    }
    let mut acknowledged = HashSet::new();
    while let Some(done) = requests.join_next().await {
        let (n, status, text) = done.expect("request task");
        assert_eq!(status, StatusCode::CREATED, "request {n}: {text}");
        assert!(!text.contains("locked"), "request {n}: {text}");
        let body: Value = serde_json::from_str(&text).expect("JSON");
        acknowledged.insert(str_field(&body, "name"));
    }
    assert_eq!(acknowledged.len(), 40);

    let names: HashSet<String> = organisation_names(&app, &alliance)
        .await
        .into_iter()
        .collect();
    assert_eq!(
        names, acknowledged,
        "every acknowledged organisation exists, and nothing else"
    );
    let expected: HashSet<String> = (0..40)
        .map(|n| format!("Concurrent Organisation {n:02}"))
        .collect();
    assert_eq!(names, expected);

    // Each one audited, too.
    let audit = expect_status(
        app.get(
            &format!(
                "/api/v1/alliances/{}/audit?action=organisation.created&limit=200",
                alliance.alliance_id
            ),
            &alliance.admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(40), "{audit}");
}

backend_tests!(
    an_unknown_field_is_a_bad_request,
    malformed_json_is_a_bad_request,
    a_body_of_the_wrong_type_is_a_bad_request,
    a_scalar_of_the_wrong_type_is_a_bad_request,
    a_body_that_is_not_json_is_refused,
    a_body_over_one_mebibyte_is_refused_with_413,
    an_ordinary_client_sees_the_413,
    a_malformed_uuid_in_the_path_is_a_bad_request,
    an_unknown_path_is_not_found,
    a_wrong_method_is_refused_with_405,
    every_invalid_field_is_reported_at_once,
    concurrent_creations_are_all_kept,
);
