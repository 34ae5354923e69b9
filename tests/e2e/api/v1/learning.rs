//! `/api/v1/alliances/{id}/learning` and `/api/v1/learning/{id}`: the alliance's library of
//! good-practice case studies — contributions by providers and VCSE partners, redaction on
//! the way in, warnings to acknowledge, links to published plans, every rule's 422, If-Match,
//! who may contribute and change, anonymity, and finding items by words, filters and pages.

use pcref_e2e::{
    backend_tests, error_message, expect_invalid, expect_problem, expect_status, ids, items,
    random_id, str_field, with, Actor, Backend, TestApp, Workspace,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ALLIANCE_NAME: &str = "North West PCREF Alliance";
const PROVIDER_NAME: &str = "Riverside Mental Health NHS Trust";
const VCSE_NAME: &str = "Community Voices Together";

fn learning_path(alliance_id: &str) -> String {
    format!("/api/v1/alliances/{alliance_id}/learning")
}

fn item_path(item_id: &str) -> String {
    format!("/api/v1/learning/{item_id}")
}

/// A case study whose texts trip no redaction and no warning.
fn item_body(title: &str) -> Value {
    json!({
        "title": title,
        "categories": ["community_trust_and_engagement", "safety"],
        "competencies": ["co_production", "partnership_working"],
        "ethnic_categories": ["M", "N"],
        "summary": "Peer support workers from local churches joined the crisis team's evening shifts.",
        "reflections": "Families said they felt listened to; repeat crisis contacts fell over two quarters.",
        "attribution": "named",
    })
}

/// `POST` a case study that must answer 201 with `ETag: "1"` and a `Location`; the item.
async fn contribute(app: &TestApp, who: &Actor, alliance_id: &str, body: Value) -> Value {
    let response = app
        .post(&learning_path(alliance_id), &who.token, body)
        .await;
    let tag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let item = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(tag.as_deref(), Some("\"1\""), "{item}");
    assert_eq!(location, Some(item_path(&str_field(&item, "id"))));
    item
}

/// The ids of the items the library lists for this query.
async fn library(app: &TestApp, token: &str, alliance_id: &str, query: &str) -> Vec<String> {
    let page = app
        .get_ok(&format!("{}?{query}", learning_path(alliance_id)), token)
        .await;
    ids(&items(&page))
}

/// A plan with one consulted priority area and one action, published by `editor` with this
/// attribution: the publication's id and its action's id.
async fn published_plan(
    app: &TestApp,
    editor: &Actor,
    provider: &str,
    attribution: &str,
) -> (String, String) {
    let plan = app
        .create_plan(
            &editor.token,
            provider,
            "Crisis care for Black African adults",
        )
        .await;
    let plan_id = str_field(&plan, "id");
    let priority = app
        .add_priority(
            &editor.token,
            &plan_id,
            "Fewer crisis admissions for Black African adults",
            &["N"],
        )
        .await;
    app.add_action(
        &editor.token,
        &plan_id,
        &str_field(&priority, "id"),
        "Co-produce a crisis pathway",
        json!({}),
    )
    .await;
    let preview = app
        .post(
            &format!("/api/v1/plans/{plan_id}/publish-preview"),
            &editor.token,
            json!({ "attribution": attribution }),
        )
        .await;
    let tag = pcref_e2e::etag_of(&preview);
    expect_status(preview, StatusCode::OK).await;
    let response = app
        .request(
            Method::POST,
            &format!("/api/v1/plans/{plan_id}/publications"),
            Some(&editor.token),
        )
        .header("If-Match", tag)
        .json(&json!({ "attribution": attribution, "acknowledge_warnings": true }))
        .send()
        .await
        .expect("publish");
    let publication = expect_status(response, StatusCode::CREATED).await;
    let action = str_field(
        &publication["document"]["priorities"][0]["actions"][0],
        "id",
    );
    (str_field(&publication, "id"), action)
}

async fn patch_item(
    app: &TestApp,
    who: &Actor,
    id: &str,
    tag: Option<&str>,
    body: Value,
) -> reqwest::Response {
    app.patch(&item_path(id), &who.token, tag, body).await
}

// ---- contributing -------------------------------------------------------------------------

async fn a_provider_editor_and_a_vcse_partner_contribute(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;

    let item = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        item_body("Peer support on the crisis team"),
    )
    .await;
    let id = str_field(&item, "id");
    assert_eq!(item["alliance_id"], json!(ws.alliance_id));
    assert_eq!(item["title"], "Peer support on the crisis team");
    assert_eq!(item["attribution"], "named");
    assert_eq!(
        item["contributor"],
        json!({ "organisation_id": ws.provider, "name": PROVIDER_NAME, "kind": "provider" })
    );
    assert_eq!(item["contributor_label"], PROVIDER_NAME);
    assert_eq!(
        item["author"],
        json!({ "user_id": ws.editor.user_id, "display_name": "amina khan" }),
        "the contributor sees who wrote it"
    );
    // Sorted in the order of the reference lists, whatever order they were sent in.
    assert_eq!(
        item["categories"],
        json!(["safety", "community_trust_and_engagement"])
    );
    assert_eq!(
        item["competencies"],
        json!(["partnership_working", "co_production"])
    );
    assert_eq!(item["ethnic_categories"], json!(["M", "N"]));
    assert_eq!(item["publication_id"], Value::Null);
    assert_eq!(item["version"], 1);
    assert_eq!(item["redactions"], json!([]));
    assert_eq!(item["warnings"], json!([]));

    // Read back: the same record, with no report and the ETag of its version.
    let (read, tag) = app.read_tagged(&item_path(&id), &ws.viewer.token).await;
    assert_eq!(tag, "\"1\"");
    assert!(
        read.get("redactions").is_none() && read.get("warnings").is_none(),
        "{read}"
    );
    for field in [
        "title",
        "summary",
        "reflections",
        "categories",
        "contributor",
    ] {
        assert_eq!(read[field], item[field], "{field}");
    }
    // Outside the contributing organisation, the author is not served.
    let (theirs, _) = app
        .read_tagged(&item_path(&id), &ws.other_editor.token)
        .await;
    assert_eq!(theirs["author"], Value::Null, "{theirs}");
    assert_eq!(theirs["contributor"], item["contributor"]);

    // A VCSE partner contributes too, anonymously: "a partner in" the alliance.
    let vcse_item = contribute(
        app,
        &partner,
        &ws.alliance_id,
        with(
            item_body("Listening circles in community centres"),
            json!({ "attribution": "anonymous", "categories": ["quality_improvement"] }),
        ),
    )
    .await;
    assert_eq!(vcse_item["contributor"], Value::Null);
    assert_eq!(
        vcse_item["contributor_label"],
        format!("A partner in {ALLIANCE_NAME}")
    );
    let named_vcse = contribute(
        app,
        &partner,
        &ws.alliance_id,
        item_body("Translated leaflets written with families"),
    )
    .await;
    assert_eq!(named_vcse["contributor"]["name"], VCSE_NAME);
    assert_eq!(named_vcse["contributor"]["kind"], "vcse");

    // Everybody in the alliance reads the library, newest first.
    let listed = library(app, &ws.alliance_admin.token, &ws.alliance_id, "").await;
    assert_eq!(
        listed,
        [
            str_field(&named_vcse, "id"),
            str_field(&vcse_item, "id"),
            id.clone()
        ]
    );

    // The contribution is in the provider's own audit log, for its admins; not in the
    // alliance's.
    let audit = app
        .get_ok(
            &format!(
                "/api/v1/organisations/{}/audit?action=learning.created",
                ws.provider
            ),
            &ws.admin.token,
        )
        .await;
    let entries = items(&audit);
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["target_id"], json!(id));
    assert_eq!(entries[0]["target_type"], "learning_item");
    assert_eq!(
        entries[0]["after"]["title"],
        "Peer support on the crisis team"
    );
    let alliance_audit = app
        .get_ok(
            &format!("/api/v1/alliances/{}/audit", ws.alliance_id),
            &ws.alliance_admin.token,
        )
        .await;
    assert!(
        !alliance_audit.to_string().contains("learning."),
        "{alliance_audit}"
    );
}

async fn texts_are_redacted_on_the_way_in(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let secrets = [
        "Amina Khan",
        "amina.k@riverside.example",
        "07700 900123",
        "943 476 5919",
        "M1 1AE",
    ];
    let summary = "Ask Amina Khan (amina.k@riverside.example, 07700 900123) how the pathway \
                   helped the patient with NHS number 943 476 5919 from M1 1AE.";
    let item = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            item_body("Crisis pathway"),
            json!({ "summary": summary, "reflections": "Write to amina.k@riverside.example." }),
        ),
    )
    .await;
    let stored = str_field(&item, "summary");
    for secret in secrets {
        assert!(!stored.contains(secret), "{secret} in {stored}");
    }
    for marker in [
        "[redacted: person name]",
        "[redacted: email]",
        "[redacted: phone number]",
        "[redacted: nhs number]",
        "[redacted: postcode]",
    ] {
        assert!(stored.contains(marker), "{marker} missing from {stored}");
    }
    assert_eq!(item["reflections"], "Write to [redacted: email].");
    let mut kinds: Vec<(String, String)> = item["redactions"]
        .as_array()
        .expect("redactions")
        .iter()
        .map(|r| (str_field(r, "field"), str_field(r, "kind")))
        .collect();
    kinds.sort();
    let mut expected: Vec<(String, String)> = [
        ("reflections", "email"),
        ("summary", "email"),
        ("summary", "nhs number"),
        ("summary", "person name"),
        ("summary", "phone number"),
        ("summary", "postcode"),
    ]
    .iter()
    .map(|(f, k)| ((*f).to_owned(), (*k).to_owned()))
    .collect();
    expected.sort();
    assert_eq!(kinds, expected, "{item}");
    // Each position points at its marker in the stored text.
    for r in item["redactions"].as_array().expect("redactions") {
        let text: Vec<char> = str_field(&item, &str_field(r, "field")).chars().collect();
        let at = usize::try_from(r["position"].as_u64().expect("position")).expect("usize");
        let from: String = text[at..].iter().collect();
        assert!(from.starts_with("[redacted: "), "{r} in {text:?}");
    }
    // Only the redacted text exists: neither the answer nor a search holds a secret.
    let id = str_field(&item, "id");
    let read = app.get_ok(&item_path(&id), &ws.other_editor.token).await;
    for secret in secrets {
        assert!(!read.to_string().contains(secret), "{secret} in {read}");
    }
    for word in ["riverside.example", "5919", "07700"] {
        assert!(
            library(app, &ws.editor.token, &ws.alliance_id, &format!("q={word}"))
                .await
                .is_empty(),
            "{word} is searchable"
        );
    }

    // Anonymous: the organisation's own name goes too.
    let anonymous = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            item_body("How Riverside Mental Health NHS Trust recruits peer workers"),
            json!({ "attribution": "anonymous", "categories": ["recruitment_and_retention"] }),
        ),
    )
    .await;
    assert_eq!(
        anonymous["title"],
        "How [redacted: organisation name] recruits peer workers"
    );
    assert_eq!(anonymous["redactions"][0]["kind"], "organisation name");
}

async fn small_numbers_need_acknowledging(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let body = with(
        item_body("Follow-up calls after discharge"),
        json!({ "reflections": "Only 3 patients declined a follow-up call." }),
    );
    let problem = expect_invalid(
        app.post(
            &learning_path(&ws.alliance_id),
            &ws.editor.token,
            body.clone(),
        )
        .await,
        &["reflections", "acknowledge_warnings"],
    )
    .await;
    assert!(
        error_message(&problem, "acknowledge_warnings").contains("1 warning"),
        "{problem}"
    );
    // The refusal shows the warning itself, so it can be read before anything is stored.
    assert!(
        error_message(&problem, "reflections").contains("3 patients"),
        "{problem}"
    );
    for refused in [json!({}), json!({ "acknowledge_warnings": false })] {
        expect_invalid(
            app.post(
                &learning_path(&ws.alliance_id),
                &ws.editor.token,
                with(body.clone(), refused),
            )
            .await,
            &["reflections", "acknowledge_warnings"],
        )
        .await;
    }
    assert!(
        library(app, &ws.editor.token, &ws.alliance_id, "")
            .await
            .is_empty(),
        "nothing is stored"
    );

    let item = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(body, json!({ "acknowledge_warnings": true })),
    )
    .await;
    assert_eq!(
        item["reflections"], "Only 3 patients declined a follow-up call.",
        "a warning leaves the text as it is"
    );
    let warnings = item["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{item}");
    assert_eq!(warnings[0]["field"], "reflections");
    assert_eq!(warnings[0]["kind"], "small_number");
    assert_eq!(warnings[0]["position"], 5);
    assert!(warnings[0]["message"].is_string());
}

// ---- rules --------------------------------------------------------------------------------

async fn every_rule_answers_422_with_its_field(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let path = learning_path(&ws.alliance_id);
    let token = ws.editor.token.as_str();
    let (publication, action) = published_plan(app, &ws.editor, &ws.provider, "named").await;
    let (withdrawn, _) = published_plan(app, &ws.editor, &ws.provider, "named").await;
    expect_status(
        app.post(
            &format!("/api/v1/publications/{withdrawn}/withdraw"),
            token,
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let (_, far_provider, far_editor) = app.another_alliance().await;
    let (far_publication, far_action) =
        published_plan(app, &far_editor, &far_provider, "named").await;

    let long = "x".repeat(10_001);
    let refused = [
        (json!({ "title": "" }), vec!["title"]),
        (json!({ "title": "   " }), vec!["title"]),
        (json!({ "title": "a".repeat(201) }), vec!["title"]),
        (json!({ "title": "two\nlines" }), vec!["title"]),
        (json!({ "categories": [] }), vec!["categories"]),
        (json!({ "categories": ["training"] }), vec!["categories"]),
        (
            json!({ "competencies": ["kindness"] }),
            vec!["competencies"],
        ),
        (
            json!({ "ethnic_categories": ["BAME"] }),
            vec!["ethnic_categories"],
        ),
        (
            json!({ "ethnic_categories": ["asian"] }),
            vec!["ethnic_categories"],
        ),
        (
            json!({ "ethnic_categories": ["H", "Q"] }),
            vec!["ethnic_categories"],
        ),
        (json!({ "attribution": "secret" }), vec!["attribution"]),
        (json!({ "summary": "" }), vec!["summary"]),
        (json!({ "summary": long }), vec!["summary"]),
        (json!({ "reflections": "  \n " }), vec!["reflections"]),
        (json!({ "reflections": long }), vec!["reflections"]),
        (json!({ "action_id": action }), vec!["action_id"]),
        (
            json!({ "publication_id": random_id() }),
            vec!["publication_id"],
        ),
        (
            json!({ "publication_id": withdrawn }),
            vec!["publication_id"],
        ),
        (
            json!({ "publication_id": far_publication }),
            vec!["publication_id"],
        ),
        (
            json!({ "publication_id": far_publication, "action_id": far_action }),
            vec!["publication_id"],
        ),
        (
            json!({ "publication_id": publication, "action_id": far_action }),
            vec!["action_id"],
        ),
        (
            json!({ "publication_id": publication, "action_id": random_id() }),
            vec!["action_id"],
        ),
        // Linking the organisation's own named publication would name an anonymous item.
        (
            json!({ "publication_id": publication, "attribution": "anonymous" }),
            vec!["publication_id"],
        ),
        (
            json!({ "organisation_id": ws.other_provider }),
            vec!["organisation_id"],
        ),
        (
            json!({ "organisation_id": random_id() }),
            vec!["organisation_id"],
        ),
        // Every field's problem at once.
        (
            json!({ "title": "", "categories": [], "ethnic_categories": ["BAME"], "attribution": "x" }),
            vec!["title", "categories", "ethnic_categories", "attribution"],
        ),
        (
            json!({ "publication_id": random_id(), "reflections": "We met 2 carers." }),
            vec!["publication_id", "reflections", "acknowledge_warnings"],
        ),
    ];
    for (change, fields) in &refused {
        let body = with(item_body("Refused"), change.clone());
        expect_invalid(app.post(&path, token, body).await, fields).await;
    }
    let problem = expect_invalid(
        app.post(
            &path,
            token,
            with(
                item_body("Refused"),
                json!({ "ethnic_categories": ["BAME"] }),
            ),
        )
        .await,
        &["ethnic_categories"],
    )
    .await;
    assert!(
        error_message(&problem, "ethnic_categories").contains("specific groups"),
        "{problem}"
    );
    // Withdrawn, of another alliance or unknown: the same words.
    let mut seen = Vec::new();
    for p in [withdrawn.as_str(), far_publication.as_str(), &random_id()] {
        let problem = expect_invalid(
            app.post(
                &path,
                token,
                with(item_body("Refused"), json!({ "publication_id": p })),
            )
            .await,
            &["publication_id"],
        )
        .await;
        seen.push(error_message(&problem, "publication_id"));
    }
    assert!(seen.iter().all(|m| *m == seen[0]), "{seen:?}");

    // A missing required field does not fit the schema: a malformed request, like everywhere.
    let mut missing = item_body("Missing title");
    missing.as_object_mut().expect("object").remove("title");
    expect_problem(
        app.post(&path, token, missing).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    expect_problem(
        app.post(
            &path,
            token,
            with(item_body("Unknown field"), json!({ "tags": ["x"] })),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        library(app, token, &ws.alliance_id, "").await.is_empty(),
        "nothing was stored"
    );

    // The links that hold: a publication of the alliance and one of its actions, by anybody
    // of the alliance; another organisation may link a named publication anonymously.
    let linked = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            item_body("From our published plan"),
            json!({ "publication_id": publication, "action_id": action }),
        ),
    )
    .await;
    assert_eq!(linked["publication_id"], json!(publication));
    assert_eq!(linked["action_id"], json!(action));
    let partner = ws.vcse_partner().await;
    let theirs = contribute(
        app,
        &partner,
        &ws.alliance_id,
        with(
            item_body("What we learnt joining their pathway"),
            json!({ "publication_id": publication, "attribution": "anonymous" }),
        ),
    )
    .await;
    assert_eq!(theirs["publication_id"], json!(publication));
    assert_eq!(theirs["action_id"], Value::Null);
    let empty_lists = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            item_body("Costing interpreters across the trust"),
            json!({ "categories": ["finance"], "competencies": [], "ethnic_categories": [] }),
        ),
    )
    .await;
    assert_eq!(empty_lists["competencies"], json!([]));
    assert_eq!(empty_lists["ethnic_categories"], json!([]));

    // The same rules on a change.
    let id = str_field(&linked, "id");
    let refused_changes = [
        (json!({ "title": "" }), "title"),
        (json!({ "categories": [] }), "categories"),
        (json!({ "ethnic_categories": ["BME"] }), "ethnic_categories"),
        (json!({ "competencies": ["x"] }), "competencies"),
        (json!({ "attribution": "hidden" }), "attribution"),
        (json!({ "summary": long }), "summary"),
        // The action cannot stay linked without its publication.
        (json!({ "publication_id": null }), "action_id"),
        (json!({ "action_id": random_id() }), "action_id"),
        (
            json!({ "publication_id": withdrawn, "action_id": null }),
            "publication_id",
        ),
        (json!({ "attribution": "anonymous" }), "publication_id"),
    ];
    for (change, field) in refused_changes {
        expect_invalid(
            patch_item(app, &ws.editor, &id, Some("\"1\""), change).await,
            &[field],
        )
        .await;
    }
    expect_invalid(
        patch_item(
            app,
            &ws.editor,
            &id,
            Some("\"1\""),
            json!({ "reflections": "We met 4 service users." }),
        )
        .await,
        &["reflections", "acknowledge_warnings"],
    )
    .await;
    let (unchanged, tag) = app.read_tagged(&item_path(&id), token).await;
    assert_eq!(tag, "\"1\"", "{unchanged}");
}

// ---- changes ------------------------------------------------------------------------------

async fn changes_need_the_current_etag_and_are_redacted(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let item = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            item_body("Evening crisis shifts"),
            json!({ "reflections": "Riverside Mental Health NHS Trust learnt to ask first." }),
        ),
    )
    .await;
    let id = str_field(&item, "id");
    let path = item_path(&id);
    // Two editors read the same version.
    let (first_read, tag) = app.read_tagged(&path, &ws.editor.token).await;
    let (_, second_tag) = app.read_tagged(&path, &ws.second_editor.token).await;
    assert_eq!((tag.as_str(), second_tag.as_str()), ("\"1\"", "\"1\""));
    let title = |t: &str| json!({ "title": t });
    // No If-Match: 428; one that is not an entity tag: 400.
    expect_problem(
        patch_item(app, &ws.second_editor, &id, None, title("Second")).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    expect_problem(
        patch_item(app, &ws.second_editor, &id, Some("1"), title("Second")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // The first change wins and moves the version on.
    let response = patch_item(app, &ws.editor, &id, Some(&tag), title("First change")).await;
    let first_tag = pcref_e2e::etag_of(&response);
    let first = expect_status(response, StatusCode::OK).await;
    assert_eq!(first_tag, "\"2\"");
    assert_eq!(first["version"], 2);
    assert_eq!(first["title"], "First change");
    assert_eq!(first["summary"], first_read["summary"]);
    // The second, sent with the version both read, is refused and changes nothing.
    expect_problem(
        patch_item(
            app,
            &ws.second_editor,
            &id,
            Some(&second_tag),
            title("Second"),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let (now, now_tag) = app.read_tagged(&path, &ws.second_editor.token).await;
    assert_eq!(now_tag, "\"2\"");
    assert_eq!(now["title"], "First change");
    // The answer to a change is the record as stored, plus the report of the texts sent.
    let mut without_report = first.clone();
    let report = without_report.as_object_mut().expect("an object");
    assert_eq!(report.remove("redactions"), Some(json!([])));
    assert_eq!(report.remove("warnings"), Some(json!([])));
    assert_eq!(now, without_report);
    // After reading again, the second change goes through.
    let response = patch_item(
        app,
        &ws.second_editor,
        &id,
        Some(&now_tag),
        title("Second change"),
    )
    .await;
    let second = expect_status(response, StatusCode::OK).await;
    assert_eq!(second["version"], 3);
    assert_eq!(second["title"], "Second change");

    // Texts sent are redacted like new ones, and their small numbers need acknowledging.
    let (_, tag) = app.read_tagged(&item_path(&id), &ws.admin.token).await;
    let change =
        json!({ "summary": "Questions to crisis.team@riverside.example; 2 carers joined." });
    expect_invalid(
        patch_item(app, &ws.admin, &id, Some(&tag), change.clone()).await,
        &["summary", "acknowledge_warnings"],
    )
    .await;
    let response = patch_item(
        app,
        &ws.admin,
        &id,
        Some(&tag),
        with(change, json!({ "acknowledge_warnings": true })),
    )
    .await;
    let new_tag = pcref_e2e::etag_of(&response);
    let changed = expect_status(response, StatusCode::OK).await;
    assert_eq!(
        changed["summary"],
        "Questions to [redacted: email]; 2 carers joined."
    );
    assert_eq!(changed["redactions"][0]["kind"], "email");
    assert_eq!(changed["redactions"][0]["field"], "summary");
    assert_eq!(changed["warnings"][0]["kind"], "small_number");
    assert_eq!(new_tag, format!("\"{}\"", changed["version"]));
    // Untouched texts are not redacted again while the item stays named.
    assert_eq!(
        changed["reflections"],
        "Riverside Mental Health NHS Trust learnt to ask first."
    );

    // Made anonymous: every text is redacted again, the organisation's name included.
    let response = patch_item(
        app,
        &ws.editor,
        &id,
        Some(&new_tag),
        json!({ "attribution": "anonymous", "acknowledge_warnings": true }),
    )
    .await;
    let anonymous = expect_status(response, StatusCode::OK).await;
    assert_eq!(
        anonymous["reflections"],
        "[redacted: organisation name] learnt to ask first."
    );
    assert_eq!(anonymous["contributor"], Value::Null);
    assert_eq!(
        anonymous["contributor_label"],
        format!("A provider in {ALLIANCE_NAME}")
    );

    // Lists and links change too; a change that changes nothing keeps the version.
    let (publication, action) = published_plan(app, &ws.editor, &ws.provider, "anonymous").await;
    let (_, tag) = app.read_tagged(&item_path(&id), &ws.editor.token).await;
    let response = patch_item(
        app,
        &ws.editor,
        &id,
        Some(&tag),
        json!({
            "categories": ["finance"],
            "competencies": ["workforce"],
            "ethnic_categories": ["H"],
            "publication_id": publication,
            "action_id": action,
        }),
    )
    .await;
    let linked = expect_status(response, StatusCode::OK).await;
    assert_eq!(linked["categories"], json!(["finance"]));
    assert_eq!(linked["competencies"], json!(["workforce"]));
    assert_eq!(linked["ethnic_categories"], json!(["H"]));
    assert_eq!(linked["action_id"], json!(action));
    let tag = format!("\"{}\"", linked["version"]);
    let response = patch_item(
        app,
        &ws.editor,
        &id,
        Some(&tag),
        json!({ "publication_id": null, "action_id": null }),
    )
    .await;
    let unlinked = expect_status(response, StatusCode::OK).await;
    assert_eq!(unlinked["publication_id"], Value::Null);
    assert_eq!(unlinked["action_id"], Value::Null);
    let tag = format!("\"{}\"", unlinked["version"]);
    let response = patch_item(app, &ws.editor, &id, Some(&tag), json!({})).await;
    let same = expect_status(response, StatusCode::OK).await;
    assert_eq!(same["version"], unlinked["version"]);

    let audit = app
        .get_ok(
            &format!(
                "/api/v1/organisations/{}/audit?action=learning.updated",
                ws.provider
            ),
            &ws.admin.token,
        )
        .await;
    let entries = items(&audit);
    // Two title changes, the summary, the attribution, the lists and links, the unlinking.
    assert_eq!(entries.len(), 6, "{audit}");
    assert_eq!(entries[2]["before"]["attribution"], "named");
    assert_eq!(entries[2]["after"]["attribution"], "anonymous");
}

// ---- who may do what ----------------------------------------------------------------------

async fn who_may_contribute_and_change(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let path = learning_path(&ws.alliance_id);
    let board = ws
        .alliance_member("bo.board@alliance.example", "board_member")
        .await;
    let partner = ws.vcse_partner().await;

    // Readers of the library contribute nothing; a body error does not tell them more.
    for reader in [&ws.viewer, &board, &ws.alliance_admin] {
        for body in [
            item_body("Not mine to add"),
            with(item_body("x"), json!({ "title": "" })),
        ] {
            let problem = expect_problem(
                app.post(&path, &reader.token, body).await,
                StatusCode::FORBIDDEN,
            )
            .await;
            assert!(
                str_field(&problem, "detail").contains("contributed by"),
                "{problem}"
            );
        }
        app.get_ok(&path, &reader.token).await;
    }

    let named = contribute(app, &ws.editor, &ws.alliance_id, item_body("Named item")).await;
    let anonymous = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            item_body("Anonymous item"),
            json!({ "attribution": "anonymous" }),
        ),
    )
    .await;
    let vcse_item = contribute(app, &partner, &ws.alliance_id, item_body("Partner item")).await;

    // Only the contributing organisation's writers change an item; everybody else who can see
    // it gets the same refusal, whether it is named or anonymous.
    let mut details = Vec::new();
    for item in [&named, &anonymous] {
        let id = str_field(item, "id");
        for who in [
            &ws.other_editor,
            &partner,
            &ws.viewer,
            &board,
            &ws.alliance_admin,
        ] {
            for body in [json!({ "title": "Taken over" }), json!({ "title": "" })] {
                let problem = expect_problem(
                    patch_item(app, who, &id, Some("\"1\""), body).await,
                    StatusCode::FORBIDDEN,
                )
                .await;
                details.push(str_field(&problem, "detail"));
            }
        }
    }
    assert!(details.iter().all(|d| *d == details[0]), "{details:?}");
    let vcse_id = str_field(&vcse_item, "id");
    for who in [&ws.editor, &ws.admin] {
        expect_problem(
            patch_item(
                app,
                who,
                &vcse_id,
                Some("\"1\""),
                json!({ "title": "Ours now" }),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // The provider's admin and its other editor may; so may the VCSE partner on its own.
    let id = str_field(&anonymous, "id");
    let changed = expect_status(
        patch_item(
            app,
            &ws.second_editor,
            &id,
            Some("\"1\""),
            json!({ "title": "Edited by the second editor" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["version"], 2);
    expect_status(
        patch_item(
            app,
            &ws.admin,
            &id,
            Some("\"2\""),
            json!({ "title": "Edited again" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        patch_item(
            app,
            &partner,
            &vcse_id,
            Some("\"1\""),
            json!({ "title": "Our item" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Somebody of another alliance learns nothing: 404 everywhere, like a random id.
    let (far_alliance, _, far_editor) = app.another_alliance().await;
    let far_item = contribute(app, &far_editor, &far_alliance, item_body("Far item")).await;
    let hidden = [
        (Method::GET, path.clone(), None),
        (Method::POST, path.clone(), Some(item_body("Intruder"))),
        (
            Method::POST,
            path.clone(),
            Some(with(item_body("x"), json!({ "title": "" }))),
        ),
        (Method::GET, item_path(&id), None),
        (
            Method::PATCH,
            item_path(&id),
            Some(json!({ "title": "Intruder" })),
        ),
        (Method::PATCH, item_path(&id), Some(json!({ "title": 42 }))),
    ];
    for (method, target, body) in hidden {
        let mut request = app
            .request(method.clone(), &target, Some(&far_editor.token))
            .header("If-Match", "\"3\"");
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.expect("send");
        let status = response.status();
        let text = response.text().await.expect("body");
        // A body of the wrong type is malformed whoever sends it; anything else is hidden.
        let expected = if body.as_ref().is_some_and(|b| b["title"] == 42) {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status, expected, "{method} {target}: {text}");
        assert!(
            !text.contains("Anonymous item") && !text.contains(PROVIDER_NAME),
            "{text}"
        );
    }
    let hidden_answer = app.get(&item_path(&id), &far_editor.token).await;
    let hidden_problem = expect_problem(hidden_answer, StatusCode::NOT_FOUND).await;
    let missing_problem = expect_problem(
        app.get(&item_path(&random_id()), &far_editor.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(hidden_problem, missing_problem);
    // And alliance A's people do not see alliance B's item.
    expect_problem(
        app.get(&item_path(&str_field(&far_item, "id")), &ws.editor.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        app.get(&learning_path(&far_alliance), &ws.alliance_admin.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn a_member_of_several_organisations_says_which(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let vcse = app.get_ok("/api/v1/me", &partner.token).await["memberships"][0]["organisation_id"]
        .as_str()
        .expect("the partner's organisation")
        .to_owned();
    // The provider's editor also becomes a partner of the VCSE organisation.
    let invitation = app
        .invite(
            &ws.alliance_admin,
            &ws.alliance_id,
            Some(&vcse),
            &ws.editor.email,
            "vcse_partner",
        )
        .await;
    expect_status(
        app.accept_as(
            &str_field(&invitation, "invitation_code"),
            Some(&ws.editor.token),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    let path = learning_path(&ws.alliance_id);
    let problem = expect_invalid(
        app.post(&path, &ws.editor.token, item_body("Whose is it?"))
            .await,
        &["organisation_id"],
    )
    .await;
    let message = error_message(&problem, "organisation_id");
    assert!(
        message.contains(PROVIDER_NAME) && message.contains(VCSE_NAME),
        "{message}"
    );
    let for_vcse = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            item_body("For the partner"),
            json!({ "organisation_id": vcse }),
        ),
    )
    .await;
    assert_eq!(for_vcse["contributor"]["organisation_id"], json!(vcse));
    let for_provider = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            item_body("For the trust"),
            json!({ "organisation_id": ws.provider }),
        ),
    )
    .await;
    assert_eq!(
        for_provider["contributor"]["organisation_id"],
        json!(ws.provider)
    );
    expect_invalid(
        app.post(
            &path,
            &ws.editor.token,
            with(
                item_body("Not mine"),
                json!({ "organisation_id": ws.other_provider }),
            ),
        )
        .await,
        &["organisation_id"],
    )
    .await;
    // A viewer of the provider who names it is refused as a viewer.
    expect_problem(
        app.post(
            &path,
            &ws.viewer.token,
            with(
                item_body("Viewer"),
                json!({ "organisation_id": ws.provider }),
            ),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

// ---- anonymity ----------------------------------------------------------------------------

async fn anonymous_items_reveal_no_organisation(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let board = ws
        .alliance_member("bo.board@alliance.example", "board_member")
        .await;
    let (publication, action) = published_plan(app, &ws.editor, &ws.provider, "anonymous").await;
    let anonymous = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            item_body("Anonymous crisis learning"),
            json!({
                "attribution": "anonymous",
                "publication_id": publication,
                "action_id": action,
            }),
        ),
    )
    .await;
    let named = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        item_body("Named crisis learning"),
    )
    .await;
    let id = str_field(&anonymous, "id");
    assert_eq!(anonymous["contributor"], Value::Null);
    assert_eq!(
        anonymous["contributor_label"],
        format!("A provider in {ALLIANCE_NAME}")
    );

    let giveaways = [
        ws.provider.as_str(),
        PROVIDER_NAME,
        "Riverside",
        ws.editor.email.as_str(),
        ws.editor.user_id.as_str(),
        "amina khan",
    ];
    for reader in [&ws.other_editor, &partner, &board, &ws.alliance_admin] {
        let read = app.get(&item_path(&id), &reader.token).await;
        let text = expect_status(read, StatusCode::OK).await.to_string();
        let page = app
            .get_ok(
                &format!("{}?q=anonymous", learning_path(&ws.alliance_id)),
                &reader.token,
            )
            .await
            .to_string();
        for giveaway in giveaways {
            assert!(!text.contains(giveaway), "{giveaway} in {text}");
            assert!(!page.contains(giveaway), "{giveaway} in {page}");
        }
    }
    // The organisation filter finds only its named items.
    let by_org = library(
        app,
        &ws.other_editor.token,
        &ws.alliance_id,
        &format!("organisation_id={}", ws.provider),
    )
    .await;
    assert_eq!(by_org, [str_field(&named, "id")]);
    // Not even its own members find it by the organisation, and the item itself still names
    // no organisation to them.
    let own = library(
        app,
        &ws.editor.token,
        &ws.alliance_id,
        &format!("organisation_id={}", ws.provider),
    )
    .await;
    assert_eq!(own, [str_field(&named, "id")]);
    let mine = app.get_ok(&item_path(&id), &ws.viewer.token).await;
    assert_eq!(mine["contributor"], Value::Null);
    assert!(!mine.to_string().contains(&ws.provider), "{mine}");
}

// ---- finding ------------------------------------------------------------------------------

async fn the_library_is_searched_filtered_and_paged(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let token = ws.viewer.token.as_str();
    let partner = ws.vcse_partner().await;
    let crisis = contribute(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(
            item_body("Crisis line in community languages"),
            json!({
                "categories": ["safety"],
                "competencies": ["cultural_awareness"],
                "ethnic_categories": ["H", "J"],
                "summary": "A 50% rise in calls after the line opened in Urdu.",
            }),
        ),
    )
    .await;
    let budget = contribute(
        app,
        &ws.other_editor,
        &ws.alliance_id,
        with(
            item_body("Budgeting for interpreters"),
            json!({
                "categories": ["finance"],
                "competencies": [],
                "ethnic_categories": [],
                "reflections": "Plan the interpreters' costs with the finance team early.",
            }),
        ),
    )
    .await;
    let hiring = contribute(
        app,
        &partner,
        &ws.alliance_id,
        with(
            item_body("Recruiting Caribbean peer workers"),
            json!({
                "categories": ["recruitment_and_retention", "community_trust_and_engagement"],
                "competencies": ["workforce"],
                "ethnic_categories": ["M"],
                "attribution": "anonymous",
            }),
        ),
    )
    .await;
    let [crisis, budget, hiring] = [&crisis, &budget, &hiring].map(|i| str_field(i, "id"));

    let by_provider = format!("organisation_id={}", ws.provider);
    let by_other = format!("organisation_id={}", ws.other_provider);
    let cases: Vec<(&str, Vec<&String>)> = vec![
        ("", vec![&hiring, &budget, &crisis]),
        ("category=safety", vec![&crisis]),
        ("category=finance", vec![&budget]),
        ("category=community_trust_and_engagement", vec![&hiring]),
        ("category=quality_improvement", vec![]),
        ("ethnic_category=H", vec![&crisis]),
        ("ethnic_category=h", vec![&crisis]),
        ("ethnic_category=M", vec![&hiring]),
        ("ethnic_category=N", vec![]),
        ("broad_group=asian", vec![&crisis]),
        ("broad_group=black", vec![&hiring]),
        ("broad_group=white", vec![]),
        ("competency=workforce", vec![&hiring]),
        ("competency=cultural_awareness", vec![&crisis]),
        ("competency=co_production", vec![]),
        (by_provider.as_str(), vec![&crisis]),
        (by_other.as_str(), vec![&budget]),
        ("q=interpreters", vec![&budget]),
        ("q=URDU", vec![&crisis]),
        ("q=peer%20caribbean", vec![&hiring]),
        ("q=urdu%20budgeting", vec![]),
        ("q=50%25", vec![&crisis]),
        ("q=%25", vec![&crisis]),
        ("q=_", vec![]),
        ("q=%20%20", vec![&hiring, &budget, &crisis]),
        ("category=safety&broad_group=asian&q=urdu", vec![&crisis]),
        ("category=safety&ethnic_category=M", vec![]),
    ];
    for (query, expected) in cases {
        let found = library(app, token, &ws.alliance_id, query).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(found, expected, "?{query}");
    }

    let problem = expect_invalid(
        app.get(
            &format!(
                "{}?category=training&ethnic_category=BAME&broad_group=brown&competency=x&cursor=nope",
                learning_path(&ws.alliance_id)
            ),
            token,
        )
        .await,
        &["category", "ethnic_category", "broad_group", "competency"],
    )
    .await;
    assert!(
        error_message(&problem, "category").contains("\"finance\""),
        "{problem}"
    );
    expect_invalid(
        app.get(
            &format!("{}?cursor=nope", learning_path(&ws.alliance_id)),
            token,
        )
        .await,
        &["cursor"],
    )
    .await;
    for bad in ["limit=0", "limit=201"] {
        let status = app
            .get(&format!("{}?{bad}", learning_path(&ws.alliance_id)), token)
            .await
            .status();
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
            "?{bad} answered {status}"
        );
    }

    // Pages: newest first, no repeats, whatever the page size; filters hold across pages.
    let mut created = vec![crisis.clone(), budget.clone(), hiring.clone()];
    for n in 0..4 {
        let item = contribute(
            app,
            &ws.editor,
            &ws.alliance_id,
            item_body(&format!("Paged case study {n}")),
        )
        .await;
        created.push(str_field(&item, "id"));
    }
    created.reverse();
    for limit in [1, 2, 3, 7, 50] {
        let all = app
            .all_pages(&learning_path(&ws.alliance_id), token, limit)
            .await;
        assert_eq!(ids(&all), created, "limit={limit}");
    }
    let paged = app
        .all_pages(
            &format!("{}?q=paged", learning_path(&ws.alliance_id)),
            token,
            3,
        )
        .await;
    assert_eq!(ids(&paged), created[..4]);
    let last = app
        .get_ok(
            &format!("{}?limit=7", learning_path(&ws.alliance_id)),
            token,
        )
        .await;
    assert!(last["next_cursor"].is_null(), "{last}");
}

backend_tests!(
    a_provider_editor_and_a_vcse_partner_contribute,
    texts_are_redacted_on_the_way_in,
    small_numbers_need_acknowledging,
    every_rule_answers_422_with_its_field,
    changes_need_the_current_etag_and_are_redacted,
    who_may_contribute_and_change,
    a_member_of_several_organisations_says_which,
    anonymous_items_reveal_no_organisation,
    the_library_is_searched_filtered_and_paged,
);
