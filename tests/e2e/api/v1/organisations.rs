//! /api/v1/alliances/{id}/organisations and /api/v1/organisations/{id}: creating, reading,
//! updating with optimistic concurrency, and paging through an alliance's organisations.

use std::collections::HashSet;

use pcref_e2e::{
    backend_tests, etag_of, expect_problem, expect_status, str_field, Backend, Bootstrapped,
    TestApp,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

const ALLIANCE: &str = "East Midlands PCREF Alliance";
const ADMIN: &str = "lead@alliance.example";

async fn started(backend: Backend) -> (TestApp, Bootstrapped) {
    let app = TestApp::spawn(backend).await;
    let alliance = app.bootstrap(ALLIANCE, ADMIN).await;
    (app, alliance)
}

fn organisations_path(alliance: &Bootstrapped) -> String {
    format!("/api/v1/alliances/{}/organisations", alliance.alliance_id)
}

fn ids_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("a page has items")
        .iter()
        .map(|item| str_field(item, "id"))
        .collect()
}

async fn creating_answers_201_with_etag_and_location(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;

    let response = app
        .post(
            &organisations_path(&alliance),
            &admin.token,
            json!({ "name": "Example Healthcare NHS Trust", "kind": "provider" }),
        )
        .await;
    let etag = etag_of(&response);
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
        .to_owned();
    let created = expect_status(response, StatusCode::CREATED).await;

    let id = str_field(&created, "id");
    assert_eq!(etag, "\"1\"");
    assert_eq!(location, format!("/api/v1/organisations/{id}"));
    assert_eq!(created["name"], "Example Healthcare NHS Trust");
    assert_eq!(created["kind"], "provider");
    assert_eq!(created["alliance_id"], json!(alliance.alliance_id));
    assert_eq!(created["version"], 1);

    // The Location names the organisation just created.
    let found = expect_status(app.get(&location, &admin.token).await, StatusCode::OK).await;
    assert_eq!(found, created);
}

async fn a_name_differing_only_in_case_or_spaces_conflicts(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;
    app.create_organisation(
        admin,
        &alliance.alliance_id,
        "Example Healthcare NHS Trust",
        "provider",
    )
    .await;

    for (name, kind) in [
        ("example healthcare nhs trust", "provider"),
        ("  Example   Healthcare NHS   Trust ", "provider"),
        ("EXAMPLE HEALTHCARE NHS TRUST", "vcse"),
    ] {
        let problem = expect_problem(
            app.post(
                &organisations_path(&alliance),
                &admin.token,
                json!({ "name": name, "kind": kind }),
            )
            .await,
            StatusCode::CONFLICT,
        )
        .await;
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("Example Healthcare NHS Trust")),
            "the conflict names the existing organisation: {problem}"
        );
    }

    let page = expect_status(
        app.get(&organisations_path(&alliance), &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids_of(&page).len(), 1, "nothing was created: {page}");
}

async fn an_empty_name_is_invalid(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;

    for name in ["", "   "] {
        let problem = expect_problem(
            app.post(
                &organisations_path(&alliance),
                &admin.token,
                json!({ "name": name, "kind": "vcse" }),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "name", "problem: {problem}");
        assert!(
            problem["errors"][0]["message"].is_string(),
            "problem: {problem}"
        );
    }

    let page = expect_status(
        app.get(&organisations_path(&alliance), &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids_of(&page).len(), 0, "nothing was created: {page}");
}

async fn an_unknown_kind_is_a_malformed_request(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;

    expect_problem(
        app.post(
            &organisations_path(&alliance),
            &admin.token,
            json!({ "name": "St Elsewhere", "kind": "hospital" }),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;

    let page = expect_status(
        app.get(&organisations_path(&alliance), &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids_of(&page).len(), 0, "nothing was created: {page}");
}

async fn updating_needs_the_current_etag(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;
    let id = app
        .create_organisation(
            admin,
            &alliance.alliance_id,
            "Example Healthcare NHS Trust",
            "provider",
        )
        .await;
    let path = format!("/api/v1/organisations/{id}");

    let response = app.get(&path, &admin.token).await;
    let first_tag = etag_of(&response);
    let original = expect_status(response, StatusCode::OK).await;
    assert_eq!(first_tag, "\"1\"");

    // No If-Match: refused, so that nobody overwrites a change they have not seen.
    expect_problem(
        app.patch(
            &path,
            &admin.token,
            None,
            json!({ "name": "Renamed Trust" }),
        )
        .await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;

    // A version that is not the current one: refused, and nothing changes.
    expect_problem(
        app.patch(
            &path,
            &admin.token,
            Some("\"7\""),
            json!({ "name": "Renamed Trust" }),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let response = app.get(&path, &admin.token).await;
    assert_eq!(etag_of(&response), "\"1\"");
    assert_eq!(expect_status(response, StatusCode::OK).await, original);

    // The current version: applied.
    let response = app
        .patch(
            &path,
            &admin.token,
            Some(&first_tag),
            json!({ "name": "Renamed Trust" }),
        )
        .await;
    let second_tag = etag_of(&response);
    let updated = expect_status(response, StatusCode::OK).await;
    assert_eq!(second_tag, "\"2\"");
    assert_eq!(updated["name"], "Renamed Trust");
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["kind"], "provider");

    // The tag read before that change is stale now.
    expect_problem(
        app.patch(
            &path,
            &admin.token,
            Some(&first_tag),
            json!({ "name": "Lost Update" }),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let response = app.get(&path, &admin.token).await;
    assert_eq!(etag_of(&response), "\"2\"");
    let current = expect_status(response, StatusCode::OK).await;
    assert_eq!(current["name"], "Renamed Trust");
    assert_eq!(current["version"], 2);
}

async fn the_kind_cannot_change(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;
    let id = app
        .create_organisation(
            admin,
            &alliance.alliance_id,
            "Example Healthcare NHS Trust",
            "provider",
        )
        .await;
    let path = format!("/api/v1/organisations/{id}");

    expect_problem(
        app.patch(
            &path,
            &admin.token,
            Some("\"1\""),
            json!({ "kind": "vcse" }),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;

    let response = app.get(&path, &admin.token).await;
    assert_eq!(etag_of(&response), "\"1\"");
    let current = expect_status(response, StatusCode::OK).await;
    assert_eq!(current["kind"], "provider");
    assert_eq!(current["version"], 1);
}

async fn an_empty_update_changes_nothing(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;
    let id = app
        .create_organisation(admin, &alliance.alliance_id, "Community Voices", "vcse")
        .await;
    let path = format!("/api/v1/organisations/{id}");
    let before = expect_status(app.get(&path, &admin.token).await, StatusCode::OK).await;

    let response = app
        .patch(&path, &admin.token, Some("\"1\""), json!({}))
        .await;
    assert_eq!(etag_of(&response), "\"1\"");
    let answered = expect_status(response, StatusCode::OK).await;
    assert_eq!(answered, before);

    // Sending the same name again is no change either.
    let response = app
        .patch(
            &path,
            &admin.token,
            Some("\"1\""),
            json!({ "name": "Community Voices" }),
        )
        .await;
    assert_eq!(etag_of(&response), "\"1\"");
    assert_eq!(expect_status(response, StatusCode::OK).await, before);
}

async fn listing_pages_by_cursor(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;
    let mut created = Vec::new();
    for n in 1..=5 {
        created.push(
            app.create_organisation(
                admin,
                &alliance.alliance_id,
                &format!("Trust number {n}"),
                "provider",
            )
            .await,
        );
    }

    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("{}?limit=2&cursor={c}", organisations_path(&alliance)),
            None => format!("{}?limit=2", organisations_path(&alliance)),
        };
        let page = expect_status(app.get(&path, &admin.token).await, StatusCode::OK).await;
        let ids = ids_of(&page);
        sizes.push(ids.len());
        seen.extend(ids);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => {
                assert!(
                    page["next_cursor"].is_null(),
                    "the last page has no next_cursor: {page}"
                );
                break;
            }
        }
        assert!(sizes.len() < 10, "paging does not end: {sizes:?}");
    }

    assert_eq!(sizes, vec![2, 2, 1]);
    let distinct: HashSet<&String> = seen.iter().collect();
    assert_eq!(
        distinct.len(),
        seen.len(),
        "no organisation twice: {seen:?}"
    );
    let expected: HashSet<&String> = created.iter().collect();
    assert_eq!(distinct, expected);
}

async fn paging_parameters_are_checked(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;
    app.create_organisation(
        admin,
        &alliance.alliance_id,
        "Example Healthcare NHS Trust",
        "provider",
    )
    .await;

    for limit in ["0", "201"] {
        expect_problem(
            app.get(
                &format!("{}?limit={limit}", organisations_path(&alliance)),
                &admin.token,
            )
            .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let problem = expect_problem(
        app.get(
            &format!("{}?cursor=not-a-cursor", organisations_path(&alliance)),
            &admin.token,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        problem["errors"][0]["field"], "cursor",
        "problem: {problem}"
    );

    // The bounds themselves are accepted.
    for limit in ["1", "200"] {
        expect_status(
            app.get(
                &format!("{}?limit={limit}", organisations_path(&alliance)),
                &admin.token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
}

async fn listing_filters_by_kind(backend: Backend) {
    let (app, alliance) = started(backend).await;
    let admin = &alliance.admin;
    let provider = app
        .create_organisation(
            admin,
            &alliance.alliance_id,
            "Example Healthcare NHS Trust",
            "provider",
        )
        .await;
    let vcse_one = app
        .create_organisation(admin, &alliance.alliance_id, "Community Voices", "vcse")
        .await;
    let vcse_two = app
        .create_organisation(admin, &alliance.alliance_id, "Peer Support Network", "vcse")
        .await;

    let page = expect_status(
        app.get(
            &format!("{}?kind=vcse", organisations_path(&alliance)),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let items = page["items"].as_array().expect("items");
    assert!(
        items.iter().all(|o| o["kind"] == "vcse"),
        "only VCSE: {page}"
    );
    assert_eq!(ids_of(&page), vec![vcse_one, vcse_two]);

    let page = expect_status(
        app.get(
            &format!("{}?kind=provider", organisations_path(&alliance)),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids_of(&page), vec![provider]);

    expect_problem(
        app.get(
            &format!("{}?kind=hospital", organisations_path(&alliance)),
            &admin.token,
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

backend_tests!(
    creating_answers_201_with_etag_and_location,
    a_name_differing_only_in_case_or_spaces_conflicts,
    an_empty_name_is_invalid,
    an_unknown_kind_is_a_malformed_request,
    updating_needs_the_current_etag,
    the_kind_cannot_change,
    an_empty_update_changes_nothing,
    listing_pages_by_cursor,
    paging_parameters_are_checked,
    listing_filters_by_kind,
);
