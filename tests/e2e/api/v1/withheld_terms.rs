//! `/api/v1/organisations/{id}/withheld-terms`: an organisation's deny-list — read by its own
//! members only, replaced whole with `If-Match`, every bad term reported by position — and its
//! effect on what the organisation shares.

use pcref_e2e::{
    backend_tests, error_message, etag_of, expect_invalid, expect_problem, expect_status, items,
    preview, random_id, str_field, Actor, Backend, TestApp, Workspace,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

fn terms_path(organisation_id: &str) -> String {
    format!("/api/v1/organisations/{organisation_id}/withheld-terms")
}

/// `PUT` the list with `If-Match` when given; the raw answer.
async fn put(
    app: &TestApp,
    who: &Actor,
    organisation_id: &str,
    if_match: Option<&str>,
    body: Value,
) -> Response {
    let mut request = app
        .request(Method::PUT, &terms_path(organisation_id), Some(&who.token))
        .json(&body);
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    request.send().await.expect("PUT")
}

/// `GET` that must answer 200: the list and its `ETag`, which must name its version.
async fn read(app: &TestApp, who: &Actor, organisation_id: &str) -> (Value, String) {
    let response = app.get(&terms_path(organisation_id), &who.token).await;
    let tag = etag_of(&response);
    let body = expect_status(response, StatusCode::OK).await;
    assert_eq!(tag, format!("\"{}\"", body["version"]), "{body}");
    (body, tag)
}

async fn members_read_the_list_and_nobody_else_knows_it(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let board = ws
        .alliance_member("bo.ard@alliance.example", "board_member")
        .await;

    // Never set: empty, at version 0.
    for member in [&ws.admin, &ws.editor, &ws.viewer] {
        let (list, tag) = read(app, member, &ws.provider).await;
        assert_eq!(list, json!({ "terms": [], "version": 0 }));
        assert_eq!(tag, "\"0\"");
    }
    expect_status(
        put(
            app,
            &ws.editor,
            &ws.provider,
            Some("\"0\""),
            json!({ "terms": ["Larkspur Ward", "Oakwood Lodge"] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let (list, _) = read(app, &ws.viewer, &ws.provider).await;
    assert_eq!(list["terms"], json!(["Larkspur Ward", "Oakwood Lodge"]));

    // Everybody outside the provider — the alliance admin included — is told it does not
    // exist, exactly as for an organisation that does not.
    for outsider in [&ws.other_editor, &partner, &board, &ws.alliance_admin] {
        let hidden = expect_problem(
            app.get(&terms_path(&ws.provider), &outsider.token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let missing = expect_problem(
            app.get(&terms_path(&random_id()), &outsider.token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(hidden, missing);
        assert!(!hidden.to_string().contains("Larkspur"), "{hidden}");
        let refused = expect_problem(
            put(
                app,
                outsider,
                &ws.provider,
                Some("\"1\""),
                json!({ "terms": ["Taken over"] }),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(refused, missing);
        // Nor does a bad list tell them anything more.
        let bad = expect_problem(
            put(app, outsider, &ws.provider, None, json!({ "terms": ["x"] })).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(bad, missing);
    }

    // A VCSE organisation keeps a list of its own, which its partners read and its admin sets.
    let me = app.get_ok("/api/v1/me", &partner.token).await;
    let vcse = str_field(&me["memberships"][0], "organisation_id");
    let (list, _) = read(app, &partner, &vcse).await;
    assert_eq!(list["version"], 0);
    expect_problem(
        put(
            app,
            &partner,
            &vcse,
            Some("\"0\""),
            json!({ "terms": ["Church hall"] }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let vcse_admin = app
        .add_member(
            &ws.alliance_admin,
            &ws.alliance_id,
            Some(&vcse),
            "val.admin@voices.example",
            "vcse_admin",
        )
        .await;
    let set = expect_status(
        put(
            app,
            &vcse_admin,
            &vcse,
            Some("\"0\""),
            json!({ "terms": ["Church hall"] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(set, json!({ "terms": ["Church hall"], "version": 1 }));
    expect_problem(
        app.get(&terms_path(&vcse), &ws.editor.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Without a token: 401.
    let anonymous = app
        .request(Method::GET, &terms_path(&ws.provider), None)
        .send()
        .await
        .expect("GET");
    expect_problem(anonymous, StatusCode::UNAUTHORIZED).await;
}

async fn replacing_the_list_needs_the_version_last_read(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let first = json!({ "terms": ["  Oakwood   Lodge ", "larkspur ward", "Larkspur Ward", "Ash"] });

    // 428 without If-Match, 400 for a malformed one, 412 for a version that is not current.
    expect_problem(
        put(app, &ws.editor, &ws.provider, None, first.clone()).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    expect_problem(
        put(app, &ws.editor, &ws.provider, Some("0"), first.clone()).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    expect_problem(
        put(app, &ws.editor, &ws.provider, Some("\"1\""), first.clone()).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;

    // "0" for a list never set. Trimmed, folded, sorted.
    let response = put(app, &ws.editor, &ws.provider, Some("\"0\""), first.clone()).await;
    let tag = etag_of(&response);
    let set = expect_status(response, StatusCode::OK).await;
    assert_eq!(
        set,
        json!({ "terms": ["Ash", "larkspur ward", "Oakwood Lodge"], "version": 1 })
    );
    assert_eq!(tag, "\"1\"");
    assert_eq!(
        read(app, &ws.viewer, &ws.provider).await,
        (set.clone(), tag)
    );

    // Two people read version 1; the first change wins, the second is refused and changes
    // nothing, then goes through once read again.
    let (_, seen) = read(app, &ws.admin, &ws.provider).await;
    let (_, also_seen) = read(app, &ws.second_editor, &ws.provider).await;
    let changed = expect_status(
        put(
            app,
            &ws.admin,
            &ws.provider,
            Some(&seen),
            json!({ "terms": ["Ash", "Oakwood Lodge", "Project Willow"] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["version"], 2);
    expect_problem(
        put(
            app,
            &ws.second_editor,
            &ws.provider,
            Some(&also_seen),
            json!({ "terms": [] }),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let (now, now_tag) = read(app, &ws.second_editor, &ws.provider).await;
    assert_eq!(now, changed);
    let emptied = expect_status(
        put(
            app,
            &ws.second_editor,
            &ws.provider,
            Some(&now_tag),
            json!({ "terms": [] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(emptied, json!({ "terms": [], "version": 3 }));

    // The same list again changes nothing; "*" matches whatever is current.
    let same = expect_status(
        put(
            app,
            &ws.editor,
            &ws.provider,
            Some("\"3\""),
            json!({ "terms": [] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(same["version"], 3);
    let starred = expect_status(
        put(
            app,
            &ws.editor,
            &ws.provider,
            Some("*"),
            json!({ "terms": ["Ward 7"] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(starred["version"], 4);

    // Viewers read it; they do not change it.
    expect_problem(
        put(
            app,
            &ws.viewer,
            &ws.provider,
            Some("\"4\""),
            json!({ "terms": ["Viewer's term"] }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let (list, _) = read(app, &ws.viewer, &ws.provider).await;
    assert_eq!(list["terms"], json!(["Ward 7"]));

    // The provider's audit log counts the changes and never names a term.
    let logged = app
        .get_ok(
            &format!(
                "/api/v1/organisations/{}/audit?action=withheld_terms.replaced",
                ws.provider
            ),
            &ws.admin.token,
        )
        .await;
    let logged = items(&logged);
    assert_eq!(logged.len(), 4, "{logged:?}");
    assert_eq!(logged[3]["after"]["terms"], 3, "{logged:?}");
    assert_eq!(logged[3]["after"]["added"], 3);
    assert_eq!(logged[2]["after"]["added"], 1, "Project Willow");
    assert_eq!(logged[2]["after"]["removed"], 1, "larkspur ward");
    assert_eq!(logged[0]["target_id"], json!(ws.provider));
    let text = serde_json::to_string(&logged).expect("JSON");
    for term in ["Oakwood", "larkspur", "Willow", "Ward 7", "Ash\""] {
        assert!(!text.contains(term), "{term} in {text}");
    }
    // And nothing of it reaches the alliance's log.
    let alliance_log = app
        .get_ok(
            &format!("/api/v1/alliances/{}/audit", ws.alliance_id),
            &ws.alliance_admin.token,
        )
        .await;
    assert!(
        !alliance_log.to_string().contains("withheld_terms"),
        "{alliance_log}"
    );
}

async fn every_bad_term_is_reported_by_its_position(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let long = "y".repeat(101);
    let problem = expect_invalid(
        put(
            app,
            &ws.editor,
            &ws.provider,
            Some("\"0\""),
            json!({ "terms": ["Good term", "x", "   ", "line\nbreak", long, "Fine", "tab\there"] }),
        )
        .await,
        &["terms[1]", "terms[2]", "terms[3]", "terms[4]", "terms[6]"],
    )
    .await;
    assert!(
        error_message(&problem, "terms[1]").contains("at least 2"),
        "{problem}"
    );
    assert!(
        error_message(&problem, "terms[4]").contains("at most 100"),
        "{problem}"
    );
    let exactly: Vec<String> = ["ab".to_owned(), "z".repeat(100)].into();
    expect_status(
        put(
            app,
            &ws.editor,
            &ws.provider,
            Some("\"0\""),
            json!({ "terms": exactly }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // At most 500 different terms; duplicates do not count.
    let many: Vec<String> = (0..501).map(|i| format!("Term {i}")).collect();
    expect_invalid(
        put(
            app,
            &ws.editor,
            &ws.provider,
            Some("\"1\""),
            json!({ "terms": many }),
        )
        .await,
        &["terms"],
    )
    .await;
    let mut folded: Vec<String> = (0..500).map(|i| format!("Term {i}")).collect();
    folded.push("TERM 0".into());
    let set = expect_status(
        put(
            app,
            &ws.editor,
            &ws.provider,
            Some("\"1\""),
            json!({ "terms": folded }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(set["terms"].as_array().map(Vec::len), Some(500));

    // Malformed bodies are bad requests.
    for body in [
        json!({}),
        json!({ "terms": "Larkspur Ward" }),
        json!({ "terms": [42] }),
        json!({ "terms": [], "note": "extra" }),
    ] {
        expect_problem(
            put(app, &ws.editor, &ws.provider, Some("\"2\""), body).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    // A viewer with a bad list is told it may not change it, not what is wrong with it.
    expect_problem(
        put(
            app,
            &ws.viewer,
            &ws.provider,
            Some("\"2\""),
            json!({ "terms": ["x"] }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let (list, _) = read(app, &ws.viewer, &ws.provider).await;
    assert_eq!(list["version"], 2);
}

async fn a_withheld_term_is_redacted_from_the_publish_preview(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let token = &ws.editor.token;
    let plan = app
        .create_plan(token, &ws.provider, "Crisis pathway for Larkspur Ward")
        .await;
    let plan_id = str_field(&plan, "id");
    app.create(
        &format!("/api/v1/plans/{plan_id}/priorities"),
        token,
        json!({
            "statement": "Fewer detentions of Black African men from LARKSPUR   WARD",
            "ethnic_categories": ["N"],
            "evidence": "Ward audit 2025/26",
            "communities_consulted": true,
        }),
    )
    .await;

    let (before, _) = preview(app, token, &plan_id, json!({})).await;
    assert_eq!(
        before["document"]["title"],
        "Crisis pathway for Larkspur Ward"
    );

    expect_status(
        put(
            app,
            &ws.admin,
            &ws.provider,
            Some("\"0\""),
            json!({ "terms": ["Larkspur Ward"] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let (after, _) = preview(app, token, &plan_id, json!({})).await;
    let document = after["document"].to_string().to_lowercase();
    assert!(!document.contains("larkspur"), "{document}");
    assert_eq!(
        after["document"]["title"],
        "Crisis pathway for [redacted: withheld term]"
    );
    assert_eq!(
        after["document"]["priorities"][0]["statement"],
        "Fewer detentions of Black African men from [redacted: withheld term]"
    );
    let withheld: Vec<&Value> = after["redactions"]
        .as_array()
        .expect("redactions")
        .iter()
        .filter(|r| r["kind"] == "withheld term")
        .collect();
    let fields: Vec<&str> = withheld
        .iter()
        .map(|r| r["field"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(fields, ["title", "priorities[0].statement"], "{after}");
    assert!(!after.to_string().to_lowercase().contains("larkspur"));
}

backend_tests!(
    members_read_the_list_and_nobody_else_knows_it,
    replacing_the_list_needs_the_version_last_read,
    every_bad_term_is_reported_by_its_position,
    a_withheld_term_is_redacted_from_the_publish_preview,
);
