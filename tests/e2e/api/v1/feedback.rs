//! `/api/v1/alliances/{id}/feedback`, `/api/v1/feedback/{id}` and its steps, and
//! `/api/v1/alliances/{id}/feedback/summary`: feedback items and their "you said, we did"
//! loop — the whole loop from a VCSE partner's submission to a closed item the rest of the
//! alliance reads anonymised, redaction on the way in, every refused step (409), every rule
//! (422), who sees and does what, the board's figures under disclosure control, and the audit.

use pcref_e2e::{
    backend_tests, days_from_today, error_message, expect_invalid, expect_problem, expect_status,
    items, publish, random_id, str_field, with, Actor, Backend, TestApp, Workspace,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PROVIDER_NAME: &str = "Riverside Mental Health NHS Trust";
const OTHER_PROVIDER_NAME: &str = "Hillside Partnership NHS Trust";
const VCSE_NAME: &str = "Community Voices Together";

fn feedback_path(alliance_id: &str) -> String {
    format!("/api/v1/alliances/{alliance_id}/feedback")
}

fn item_path(id: &str) -> String {
    format!("/api/v1/feedback/{id}")
}

fn summary_path(alliance_id: &str) -> String {
    format!("/api/v1/alliances/{alliance_id}/feedback/summary")
}

/// A feedback item about `about` (or the alliance, for `None`) whose texts trip no redaction.
fn item_body(about: Option<&str>, theme: &str) -> Value {
    json!({
        "about_organisation_id": about,
        "theme": theme,
        "ethnic_categories": ["K", "J"],
        "channel": "community_event",
        "summary": "Mothers at the women's group said no interpreter was offered at night assessments.",
        "received_on": days_from_today(-3),
    })
}

/// `POST` a feedback item that must answer 201 with a `Location`; the item.
async fn submit(app: &TestApp, who: &Actor, alliance_id: &str, body: Value) -> Value {
    let response = app
        .post(&feedback_path(alliance_id), &who.token, body)
        .await;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let item = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(location, Some(item_path(&str_field(&item, "id"))));
    item
}

/// A step without a body (`acknowledge`, `close`): the raw response.
async fn step(app: &TestApp, who: &Actor, id: &str, step: &str) -> reqwest::Response {
    app.request(
        Method::POST,
        &format!("/api/v1/feedback/{id}/{step}"),
        Some(&who.token),
    )
    .send()
    .await
    .expect("a step")
}

async fn step_ok(app: &TestApp, who: &Actor, id: &str, name: &str) -> Value {
    expect_status(step(app, who, id, name).await, StatusCode::OK).await
}

async fn respond(app: &TestApp, who: &Actor, id: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/feedback/{id}/responses"),
        &who.token,
        body,
    )
    .await
}

async fn respond_ok(app: &TestApp, who: &Actor, id: &str, body: Value) -> Value {
    expect_status(respond(app, who, id, body).await, StatusCode::CREATED).await
}

/// Acknowledges and answers an item as `who`: the item as it then stands.
async fn answer(app: &TestApp, who: &Actor, id: &str) -> Value {
    step_ok(app, who, id, "acknowledge").await;
    respond_ok(
        app,
        who,
        id,
        json!({ "text": "We now book an interpreter before every night assessment." }),
    )
    .await
}

/// The ids listed for this query.
async fn listed(app: &TestApp, who: &Actor, alliance_id: &str, query: &str) -> Vec<Value> {
    let page = app
        .get_ok(
            &format!("{}?{query}", feedback_path(alliance_id)),
            &who.token,
        )
        .await;
    items(&page)
}

fn ids_of(list: &[Value]) -> Vec<String> {
    list.iter().map(|i| str_field(i, "id")).collect()
}

/// The VCSE organisation of a partner made by `Workspace::vcse_partner`.
async fn organisation_of(app: &TestApp, who: &Actor) -> String {
    app.get_ok("/api/v1/me", &who.token).await["memberships"][0]["organisation_id"]
        .as_str()
        .expect("an organisation")
        .to_owned()
}

/// A named (or anonymous) published plan of the provider with one action: the publication's
/// id and the action's id and description.
async fn published_action(
    app: &TestApp,
    editor: &Actor,
    provider: &str,
    attribution: &str,
    description: &str,
) -> (String, String) {
    let plan = app
        .create_plan(
            &editor.token,
            provider,
            "Crisis care for South Asian families",
        )
        .await;
    let plan_id = str_field(&plan, "id");
    let priority = app
        .add_priority(
            &editor.token,
            &plan_id,
            "Interpreters at every crisis assessment",
            &["J", "K"],
        )
        .await;
    app.add_action(
        &editor.token,
        &plan_id,
        &str_field(&priority, "id"),
        description,
        json!({}),
    )
    .await;
    let publication = publish(app, &editor.token, &plan_id, attribution).await;
    let action = str_field(
        &publication["document"]["priorities"][0]["actions"][0],
        "id",
    );
    (str_field(&publication, "id"), action)
}

// ---- the whole loop -----------------------------------------------------------------------

/// A VCSE partner submits; the provider acknowledges, responds pointing to an action of its
/// published plan, responds again; the partner closes; another provider, which got 404 while
/// the loop was open, now reads it anonymised. Every step is dated and audited.
async fn the_whole_loop(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let vcse = organisation_of(app, &partner).await;
    let (publication, action) = published_action(
        app,
        &ws.editor,
        &ws.provider,
        "named",
        "Book an interpreter before every out-of-hours assessment",
    )
    .await;

    let received_on = days_from_today(-3);
    let item = submit(
        app,
        &partner,
        &ws.alliance_id,
        item_body(Some(&ws.provider), "Interpreters at night assessments"),
    )
    .await;
    let id = str_field(&item, "id");
    assert_eq!(item["view"], "full");
    assert_eq!(item["status"], "received");
    assert_eq!(item["alliance_id"], json!(ws.alliance_id));
    assert_eq!(item["about_organisation_id"], json!(ws.provider));
    assert_eq!(item["about_organisation_name"], PROVIDER_NAME);
    assert_eq!(
        item["submitted_by_organisation"],
        json!({ "organisation_id": vcse, "name": VCSE_NAME, "kind": "vcse" })
    );
    assert_eq!(
        item["submitted_by"],
        json!({ "user_id": partner.user_id, "api_client_id": null, "name": "sam partner" })
    );
    assert_eq!(item["theme"], "Interpreters at night assessments");
    assert_eq!(
        item["ethnic_categories"],
        json!(["J", "K"]),
        "sorted by code"
    );
    assert_eq!(item["channel"], "community_event");
    assert_eq!(item["received_on"], json!(received_on));
    assert_eq!(item["received_month"], json!(received_on[..7]));
    assert!(item["submitted_at"].is_string());
    for later in ["acknowledged_at", "first_responded_at", "closed_at"] {
        assert_eq!(item[later], Value::Null, "{later}");
    }
    assert_eq!(item["responses"], json!([]));
    assert_eq!(
        item["redaction_report"],
        json!({ "redactions": [], "warnings": [] })
    );

    // While the loop is open, it does not exist for anybody but the two organisations.
    let board = ws
        .alliance_member("bea.board@alliance.example", "board_member")
        .await;
    for outsider in [&ws.other_editor, &board, &ws.alliance_admin] {
        expect_problem(
            app.get(&item_path(&id), &outsider.token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert!(listed(app, outsider, &ws.alliance_id, "").await.is_empty());
    }
    // The provider's people all read it in full, its viewer included; the partner too.
    for insider in [&ws.viewer, &ws.admin, &partner] {
        let seen = app.get_ok(&item_path(&id), &insider.token).await;
        assert_eq!(seen["view"], "full");
        assert!(seen.get("redaction_report").is_none(), "{seen}");
        assert_eq!(
            ids_of(&listed(app, insider, &ws.alliance_id, "").await),
            vec![id.clone()]
        );
    }

    let acknowledged = step_ok(app, &ws.editor, &id, "acknowledge").await;
    assert_eq!(acknowledged["status"], "acknowledged");
    assert!(acknowledged["acknowledged_at"].is_string());

    let response = app
        .post(
            &format!("/api/v1/feedback/{id}/responses"),
            &ws.editor.token,
            json!({
                "text": "You said interpreters were not offered at night: we now book one before every out-of-hours assessment.",
                "action_id": action,
            }),
        )
        .await;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let responded = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(location, Some(item_path(&id)));
    assert_eq!(responded["status"], "responded");
    let first_responded_at = responded["first_responded_at"].clone();
    assert!(first_responded_at.is_string());
    assert_eq!(
        responded["responses"][0]["action"],
        json!({
            "publication_id": publication,
            "action_id": action,
            "title": "Book an interpreter before every out-of-hours assessment",
        })
    );
    assert_eq!(
        responded["responses"][0]["responded_by"]["user_id"],
        json!(ws.editor.user_id)
    );
    assert_eq!(
        responded["redaction_report"],
        json!({ "redactions": [], "warnings": [] })
    );

    // A further response: the first one still dates the response.
    let again = respond_ok(
        app,
        &ws.second_editor,
        &id,
        json!({ "text": "The crisis team has been trained to offer an interpreter first." }),
    )
    .await;
    assert_eq!(again["status"], "responded");
    assert_eq!(again["first_responded_at"], first_responded_at);
    let responses = again["responses"].as_array().expect("responses");
    assert_eq!(responses.len(), 2, "oldest first: {again}");
    assert_eq!(responses[1]["action"], Value::Null);

    let closed = step_ok(app, &partner, &id, "close").await;
    assert_eq!(closed["status"], "closed");
    assert!(closed["closed_at"].is_string());
    assert_eq!(closed["view"], "full");

    // Closed: the rest of the alliance reads it, anonymised.
    for outsider in [&ws.other_editor, &board, &ws.alliance_admin] {
        let seen = app.get_ok(&item_path(&id), &outsider.token).await;
        assert_eq!(seen["view"], "anonymised");
        for hidden in [
            "submitted_by_organisation",
            "submitted_by",
            "received_on",
            "submitted_at",
        ] {
            assert_eq!(seen[hidden], Value::Null, "{hidden}: {seen}");
        }
        assert_eq!(seen["received_month"], json!(received_on[..7]));
        assert_eq!(seen["about_organisation_name"], PROVIDER_NAME);
        assert_eq!(seen["theme"], closed["theme"]);
        assert_eq!(seen["summary"], closed["summary"]);
        assert_eq!(seen["ethnic_categories"], closed["ethnic_categories"]);
        assert_eq!(seen["channel"], closed["channel"]);
        for dated in ["acknowledged_at", "first_responded_at", "closed_at"] {
            assert_eq!(seen[dated], closed[dated], "{dated}");
        }
        assert_eq!(seen["responses"][0]["text"], closed["responses"][0]["text"]);
        assert_eq!(
            seen["responses"][0]["action"],
            closed["responses"][0]["action"]
        );
        for response in seen["responses"].as_array().expect("responses") {
            assert_eq!(response["responded_by"], Value::Null);
        }
        let text = seen.to_string();
        for secret in [
            VCSE_NAME,
            vcse.as_str(),
            partner.user_id.as_str(),
            "sam partner",
            ws.editor.user_id.as_str(),
            "amina khan",
            received_on.as_str(),
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        let list = listed(app, outsider, &ws.alliance_id, "").await;
        assert_eq!(
            list,
            vec![seen.clone()],
            "the list shows what the item shows"
        );
        assert_eq!(
            ids_of(&listed(app, outsider, &ws.alliance_id, "view=anonymised").await),
            vec![id.clone()]
        );
        assert!(listed(app, outsider, &ws.alliance_id, "view=full")
            .await
            .is_empty());
    }
    // The two organisations still see it in full.
    assert_eq!(
        ids_of(&listed(app, &partner, &ws.alliance_id, "view=full").await),
        vec![id.clone()]
    );
    assert!(listed(app, &partner, &ws.alliance_id, "view=anonymised")
        .await
        .is_empty());

    // Every step is in the provider's log, with who took it and without secrets.
    let audit = app
        .get_ok(
            &format!("/api/v1/organisations/{}/audit?limit=200", ws.provider),
            &ws.admin.token,
        )
        .await;
    let entries: Vec<Value> = items(&audit)
        .into_iter()
        .filter(|e| e["target_type"] == "feedback_item" && e["target_id"] == json!(id))
        .collect();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().expect("an action"))
        .collect();
    assert_eq!(
        actions,
        [
            "feedback.closed",
            "feedback.responded",
            "feedback.responded",
            "feedback.acknowledged",
            "feedback.submitted"
        ]
    );
    let actors: Vec<&str> = entries
        .iter()
        .map(|e| e["actor"]["label"].as_str().expect("an actor"))
        .collect();
    assert_eq!(
        actors,
        [
            partner.email.as_str(),
            ws.second_editor.email.as_str(),
            ws.editor.email.as_str(),
            ws.editor.email.as_str(),
            partner.email.as_str()
        ]
    );
    assert_eq!(entries[4]["after"]["status"], "received");
    assert_eq!(entries[4]["after"]["received_on"], json!(received_on));
    assert_eq!(entries[3]["before"]["status"], "received");
    assert_eq!(entries[3]["after"]["status"], "acknowledged");
    assert_eq!(entries[2]["after"]["response"]["action_id"], json!(action));
    assert_eq!(entries[0]["after"]["status"], "closed");
    assert!(entries[0]["after"]["closed_at"].is_string());
}

/// Feedback about the alliance as a whole: the alliance admin sees it in full and answers it;
/// its steps go to the alliance's log; no plan action can be pointed to.
async fn the_alliance_answers_feedback_about_itself(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let item = submit(
        app,
        &partner,
        &ws.alliance_id,
        with(
            item_body(None, "Nobody explains what PCREF is"),
            json!({ "about_organisation_id": null }),
        ),
    )
    .await;
    let id = str_field(&item, "id");
    assert_eq!(item["about_organisation_id"], Value::Null);
    assert_eq!(item["about_organisation_name"], Value::Null);

    let seen = app.get_ok(&item_path(&id), &ws.alliance_admin.token).await;
    assert_eq!(seen["view"], "full");
    for provider in [&ws.editor, &ws.other_editor] {
        expect_problem(
            app.get(&item_path(&id), &provider.token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        expect_problem(
            step(app, provider, &id, "acknowledge").await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    step_ok(app, &ws.alliance_admin, &id, "acknowledge").await;
    let (_, action) = published_action(
        app,
        &ws.editor,
        &ws.provider,
        "named",
        "Explain PCREF in plain words",
    )
    .await;
    expect_invalid(
        respond(
            app,
            &ws.alliance_admin,
            &id,
            json!({ "text": "We will publish a plain-words guide.", "action_id": action }),
        )
        .await,
        &["action_id"],
    )
    .await;
    respond_ok(
        app,
        &ws.alliance_admin,
        &id,
        json!({ "text": "We published a plain-words guide in five languages." }),
    )
    .await;
    step_ok(app, &ws.alliance_admin, &id, "close").await;
    let seen = app.get_ok(&item_path(&id), &ws.editor.token).await;
    assert_eq!(seen["view"], "anonymised");
    assert_eq!(seen["about_organisation_id"], Value::Null);

    let audit = app
        .get_ok(
            &format!("/api/v1/alliances/{}/audit?limit=200", ws.alliance_id),
            &ws.alliance_admin.token,
        )
        .await;
    let actions: Vec<Value> = items(&audit)
        .into_iter()
        .filter(|e| e["target_id"] == json!(id))
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(
        actions,
        [
            json!("feedback.closed"),
            json!("feedback.responded"),
            json!("feedback.acknowledged"),
            json!("feedback.submitted")
        ]
    );
}

// ---- redaction ----------------------------------------------------------------------------

/// The summary and every response are redacted on the way in: email, NHS number, phone,
/// postcode, names of the people of both organisations, the provider's withheld terms and the
/// submitting organisation's name. Only the redacted text is stored; the report goes back.
async fn texts_are_redacted_on_the_way_in(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    // The provider withholds the name of a ward.
    let path = format!("/api/v1/organisations/{}/withheld-terms", ws.provider);
    let read = app.get(&path, &ws.admin.token).await;
    let tag = pcref_e2e::etag_of(&read);
    expect_status(read, StatusCode::OK).await;
    let put = app
        .request(Method::PUT, &path, Some(&ws.admin.token))
        .header("If-Match", tag)
        .json(&json!({ "terms": ["Oak Ward"] }))
        .send()
        .await
        .expect("PUT withheld terms");
    expect_status(put, StatusCode::OK).await;

    let summary = "Sam Partner heard at Community Voices Together from a carer (NHS number 943 476 5919, jo.carer@example.org, 07700 900123, LS1 4AP) that Amina Khan on Oak Ward did not call an interpreter.";
    let item = submit(
        app,
        &partner,
        &ws.alliance_id,
        with(
            item_body(
                Some(&ws.provider),
                "Interpreters on Oak Ward, says Tom Baker",
            ),
            json!({ "summary": summary }),
        ),
    )
    .await;
    let id = str_field(&item, "id");
    assert_eq!(
        item["theme"],
        "Interpreters on [redacted: withheld term], says [redacted: person name]"
    );
    let stored = str_field(&item, "summary");
    for secret in [
        "Sam Partner",
        "Community Voices Together",
        "943 476 5919",
        "jo.carer@example.org",
        "07700 900123",
        "LS1 4AP",
        "Amina Khan",
        "Oak Ward",
    ] {
        assert!(!stored.contains(secret), "{secret} in {stored}");
    }
    for marker in [
        "[redacted: person name]",
        "[redacted: organisation name]",
        "[redacted: nhs number]",
        "[redacted: email]",
        "[redacted: phone number]",
        "[redacted: postcode]",
        "[redacted: withheld term]",
    ] {
        assert!(stored.contains(marker), "{marker} not in {stored}");
    }
    let mut kinds: Vec<String> = item["redaction_report"]["redactions"]
        .as_array()
        .expect("redactions")
        .iter()
        .filter(|r| r["field"] == "summary")
        .map(|r| str_field(r, "kind"))
        .collect();
    let theme_redactions = item["redaction_report"]["redactions"]
        .as_array()
        .expect("redactions")
        .iter()
        .filter(|r| r["field"] == "theme")
        .count();
    assert_eq!(theme_redactions, 2, "{item}");
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "email",
            "nhs number",
            "organisation name",
            "person name",
            "phone number",
            "postcode",
            "withheld term"
        ]
    );
    let report = item["redaction_report"].to_string();
    assert!(!report.contains("943 476 5919") && !report.contains("jo.carer"));
    // What is read back is what was stored.
    let read_back = app.get_ok(&item_path(&id), &ws.editor.token).await;
    assert_eq!(read_back["summary"], json!(stored));

    // A response is redacted the same way; small numbers of people are reported, not refused.
    step_ok(app, &ws.editor, &id, "acknowledge").await;
    let responded = respond_ok(
        app,
        &ws.editor,
        &id,
        json!({ "text": "Tom Baker met Sam Partner; 3 patients on Oak Ward now get an interpreter. Call 07700 900456." }),
    )
    .await;
    let text = str_field(&responded["responses"][0], "text");
    for secret in ["Tom Baker", "Sam Partner", "Oak Ward", "07700 900456"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let warnings = responded["redaction_report"]["warnings"]
        .as_array()
        .expect("warnings");
    assert_eq!(warnings.len(), 1, "{responded}");
    assert_eq!(warnings[0]["field"], "text");
    assert_eq!(warnings[0]["kind"], "small_number");
    assert!(responded["redaction_report"]["redactions"]
        .as_array()
        .expect("redactions")
        .iter()
        .all(|r| r["field"] == "text"));
    // The audit log keeps the redacted texts only.
    let audit = app
        .get_ok(
            &format!("/api/v1/organisations/{}/audit?limit=200", ws.provider),
            &ws.admin.token,
        )
        .await;
    let log = audit.to_string();
    for secret in [
        "943 476 5919",
        "jo.carer@example.org",
        "Tom Baker",
        "Oak Ward",
    ] {
        assert!(!log.contains(secret), "{secret} in the audit log");
    }
}

// ---- steps out of order -------------------------------------------------------------------

/// Every step the status does not allow is a 409 with a reason, and changes nothing.
async fn every_step_out_of_order_is_a_conflict(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let id = str_field(
        &submit(
            app,
            &partner,
            &ws.alliance_id,
            item_body(Some(&ws.provider), "Waiting times"),
        )
        .await,
        "id",
    );
    let reply = json!({ "text": "We did something." });
    let conflict = |detail: &str, says: &str| {
        assert!(detail.contains(says), "{detail} should say {says}");
    };

    // received: no response, no close.
    let p = expect_problem(
        respond(app, &ws.editor, &id, reply.clone()).await,
        StatusCode::CONFLICT,
    )
    .await;
    conflict(p["detail"].as_str().unwrap_or_default(), "acknowledge");
    let p = expect_problem(
        step(app, &partner, &id, "close").await,
        StatusCode::CONFLICT,
    )
    .await;
    conflict(p["detail"].as_str().unwrap_or_default(), "respond");
    let p = expect_problem(
        step(app, &ws.editor, &id, "close").await,
        StatusCode::CONFLICT,
    )
    .await;
    conflict(p["detail"].as_str().unwrap_or_default(), "respond");

    // acknowledged: not twice, no close yet.
    step_ok(app, &ws.editor, &id, "acknowledge").await;
    let p = expect_problem(
        step(app, &ws.editor, &id, "acknowledge").await,
        StatusCode::CONFLICT,
    )
    .await;
    conflict(
        p["detail"].as_str().unwrap_or_default(),
        "already been acknowledged",
    );
    let p = expect_problem(
        step(app, &partner, &id, "close").await,
        StatusCode::CONFLICT,
    )
    .await;
    conflict(p["detail"].as_str().unwrap_or_default(), "respond");

    // responded: not acknowledged again.
    respond_ok(app, &ws.editor, &id, reply.clone()).await;
    let p = expect_problem(
        step(app, &ws.editor, &id, "acknowledge").await,
        StatusCode::CONFLICT,
    )
    .await;
    conflict(
        p["detail"].as_str().unwrap_or_default(),
        "already been acknowledged",
    );

    // closed: nothing more.
    step_ok(app, &ws.editor, &id, "close").await;
    for (who, name) in [
        (&ws.editor, "acknowledge"),
        (&partner, "close"),
        (&ws.editor, "close"),
    ] {
        let p = expect_problem(step(app, who, &id, name).await, StatusCode::CONFLICT).await;
        conflict(p["detail"].as_str().unwrap_or_default(), "closed");
    }
    let p = expect_problem(
        respond(app, &ws.editor, &id, reply).await,
        StatusCode::CONFLICT,
    )
    .await;
    conflict(p["detail"].as_str().unwrap_or_default(), "closed");

    let item = app.get_ok(&item_path(&id), &ws.editor.token).await;
    assert_eq!(item["status"], "closed");
    assert_eq!(item["responses"].as_array().map(Vec::len), Some(1));
}

// ---- rules --------------------------------------------------------------------------------

/// Every rule of a submission and a response answers 422 naming its field; nothing is stored.
async fn every_rule_answers_422_with_its_field(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let vcse = organisation_of(app, &partner).await;
    let path = feedback_path(&ws.alliance_id);
    let good = item_body(Some(&ws.provider), "Waiting times");

    // Everything wrong at once.
    let problem = expect_invalid(
        app.post(
            &path,
            &partner.token,
            json!({
                "theme": "   ",
                "ethnic_categories": [],
                "channel": "carrier_pigeon",
                "summary": "",
                "received_on": days_from_today(1),
            }),
        )
        .await,
        &[
            "theme",
            "ethnic_categories",
            "channel",
            "summary",
            "received_on",
        ],
    )
    .await;
    assert!(error_message(&problem, "channel").contains("community_event"));
    assert!(error_message(&problem, "received_on").contains("future"));

    for (extra, field, says) in [
        (json!({ "theme": "x".repeat(201) }), "theme", "200"),
        (json!({ "summary": "x".repeat(5001) }), "summary", "5000"),
        (
            json!({ "ethnic_categories": ["BAME"] }),
            "ethnic_categories",
            "specific groups",
        ),
        (
            json!({ "ethnic_categories": ["asian"] }),
            "ethnic_categories",
            "broad group",
        ),
        (
            json!({ "received_on": "1999-12-31" }),
            "received_on",
            "2000-01-01",
        ),
        (
            json!({ "about_organisation_id": random_id() }),
            "about_organisation_id",
            "no provider",
        ),
        (
            json!({ "about_organisation_id": vcse }),
            "about_organisation_id",
            "VCSE",
        ),
        (
            json!({ "submitted_by_organisation_id": ws.provider }),
            "submitted_by_organisation_id",
            "do not act for",
        ),
    ] {
        let problem = expect_invalid(
            app.post(&path, &partner.token, with(good.clone(), extra.clone()))
                .await,
            &[field],
        )
        .await;
        assert!(
            error_message(&problem, field).contains(says),
            "{extra}: {problem}"
        );
    }
    // The longest theme and summary, and the earliest day, are fine.
    submit(
        app,
        &partner,
        &ws.alliance_id,
        with(
            good.clone(),
            json!({ "theme": "t".repeat(200), "summary": "s".repeat(5000), "received_on": "2000-01-01" }),
        ),
    )
    .await;
    // Another alliance's provider reads exactly like an id that does not exist.
    let (_, faraway, _) = app.another_alliance().await;
    let foreign = expect_invalid(
        app.post(
            &path,
            &partner.token,
            with(good.clone(), json!({ "about_organisation_id": faraway })),
        )
        .await,
        &["about_organisation_id"],
    )
    .await;
    let missing = expect_invalid(
        app.post(
            &path,
            &partner.token,
            with(
                good.clone(),
                json!({ "about_organisation_id": random_id() }),
            ),
        )
        .await,
        &["about_organisation_id"],
    )
    .await;
    assert_eq!(foreign, missing);
    assert!(!foreign.to_string().contains("Faraway"));
    // Malformed, not invalid: a date that is no date, an unknown field, a wrong type.
    for bad in [
        with(good.clone(), json!({ "received_on": "last Tuesday" })),
        with(good.clone(), json!({ "colour": "blue" })),
        with(good.clone(), json!({ "theme": 42 })),
    ] {
        expect_problem(
            app.post(&path, &partner.token, bad).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    assert_eq!(
        listed(app, &partner, &ws.alliance_id, "").await.len(),
        1,
        "only the valid item was stored"
    );

    // Responses.
    let id = str_field(
        &submit(app, &partner, &ws.alliance_id, good.clone()).await,
        "id",
    );
    step_ok(app, &ws.editor, &id, "acknowledge").await;
    for (body, field) in [
        (json!({ "text": "  " }), "text"),
        (json!({ "text": "x".repeat(5001) }), "text"),
        (
            json!({ "text": "We did.", "action_id": random_id() }),
            "action_id",
        ),
    ] {
        expect_invalid(respond(app, &ws.editor, &id, body).await, &[field]).await;
    }
    // An action of another provider's plan, of an anonymous publication, of a withdrawn one.
    let (_, theirs) = published_action(
        app,
        &ws.other_editor,
        &ws.other_provider,
        "named",
        "Their action",
    )
    .await;
    let problem = expect_invalid(
        respond(
            app,
            &ws.editor,
            &id,
            json!({ "text": "We did.", "action_id": theirs }),
        )
        .await,
        &["action_id"],
    )
    .await;
    assert!(error_message(&problem, "action_id").contains(PROVIDER_NAME));
    let (_, anonymous) = published_action(
        app,
        &ws.editor,
        &ws.provider,
        "anonymous",
        "An anonymous action",
    )
    .await;
    let problem = expect_invalid(
        respond(
            app,
            &ws.editor,
            &id,
            json!({ "text": "We did.", "action_id": anonymous }),
        )
        .await,
        &["action_id"],
    )
    .await;
    assert!(error_message(&problem, "action_id").contains("anonymous"));
    let (withdrawn_publication, withdrawn) =
        published_action(app, &ws.editor, &ws.provider, "named", "A withdrawn action").await;
    expect_status(
        app.post(
            &format!("/api/v1/publications/{withdrawn_publication}/withdraw"),
            &ws.editor.token,
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_invalid(
        respond(
            app,
            &ws.editor,
            &id,
            json!({ "text": "We did.", "action_id": withdrawn }),
        )
        .await,
        &["action_id"],
    )
    .await;
    let item = app.get_ok(&item_path(&id), &ws.editor.token).await;
    assert_eq!(item["status"], "acknowledged", "no response was stored");
    assert_eq!(item["responses"], json!([]));
}

/// A person who submits for several organisations of the alliance says which; 422 otherwise,
/// naming them.
async fn a_member_of_several_organisations_says_which(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let vcse = organisation_of(app, &partner).await;
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
    let body = item_body(Some(&ws.other_provider), "Whose is it?");
    let problem = expect_invalid(
        app.post(
            &feedback_path(&ws.alliance_id),
            &ws.editor.token,
            body.clone(),
        )
        .await,
        &["submitted_by_organisation_id"],
    )
    .await;
    let message = error_message(&problem, "submitted_by_organisation_id");
    assert!(
        message.contains(PROVIDER_NAME) && message.contains(VCSE_NAME),
        "{message}"
    );
    let item = submit(
        app,
        &ws.editor,
        &ws.alliance_id,
        with(body, json!({ "submitted_by_organisation_id": vcse })),
    )
    .await;
    assert_eq!(
        item["submitted_by_organisation"]["organisation_id"],
        json!(vcse)
    );
    // A viewer of the provider may not submit for it, even when named.
    expect_problem(
        app.post(
            &feedback_path(&ws.alliance_id),
            &ws.viewer.token,
            with(
                item_body(Some(&ws.other_provider), "Viewers read"),
                json!({ "submitted_by_organisation_id": ws.provider }),
            ),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

// ---- who sees and does what ---------------------------------------------------------------

/// Submitting: provider admins and editors, VCSE admins and partners; viewers, the board and
/// the alliance admin are refused (403, even with a bad body); another alliance gets 404.
/// Acknowledging and responding: the provider's admins and editors; closing: them or the
/// submitting organisation. Everybody who sees an item but may not act gets 403; everybody
/// who does not see it 404.
async fn who_may_do_what(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let board = ws
        .alliance_member("bea.board@alliance.example", "board_member")
        .await;
    let (far_alliance, _, far_editor) = app.another_alliance().await;
    let path = feedback_path(&ws.alliance_id);
    let body = item_body(Some(&ws.other_provider), "Waiting times");

    let bad = with(
        body.clone(),
        json!({ "theme": "", "ethnic_categories": [] }),
    );
    for refused in [&ws.viewer, &board, &ws.alliance_admin] {
        for sent in [body.clone(), bad.clone()] {
            expect_problem(
                app.post(&path, &refused.token, sent).await,
                StatusCode::FORBIDDEN,
            )
            .await;
        }
    }
    for sent in [body.clone(), bad.clone()] {
        expect_problem(
            app.post(&path, &far_editor.token, sent).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    // A provider's editor and admin submit about another provider.
    for submitter in [&ws.editor, &ws.admin] {
        submit(app, submitter, &ws.alliance_id, body.clone()).await;
    }

    // The partner's item about the provider.
    let id = str_field(
        &submit(
            app,
            &partner,
            &ws.alliance_id,
            item_body(Some(&ws.provider), "Interpreters"),
        )
        .await,
        "id",
    );
    let reply = json!({ "text": "We did." });
    // Those who see it but do not answer it: 403, whatever the body.
    for who in [&ws.viewer, &partner] {
        expect_problem(
            step(app, who, &id, "acknowledge").await,
            StatusCode::FORBIDDEN,
        )
        .await;
        for sent in [reply.clone(), json!({ "text": "" })] {
            expect_problem(respond(app, who, &id, sent).await, StatusCode::FORBIDDEN).await;
        }
    }
    // Those who do not see it: 404, whatever the body; another alliance too.
    for who in [&ws.other_editor, &board, &ws.alliance_admin, &far_editor] {
        expect_problem(
            step(app, who, &id, "acknowledge").await,
            StatusCode::NOT_FOUND,
        )
        .await;
        for sent in [reply.clone(), json!({ "text": "" })] {
            expect_problem(respond(app, who, &id, sent).await, StatusCode::NOT_FOUND).await;
        }
        expect_problem(step(app, who, &id, "close").await, StatusCode::NOT_FOUND).await;
    }
    // The provider's admin acknowledges, its editor responds.
    step_ok(app, &ws.admin, &id, "acknowledge").await;
    respond_ok(app, &ws.editor, &id, reply.clone()).await;
    // The provider's viewer may not close; the submitting partner may.
    expect_problem(
        step(app, &ws.viewer, &id, "close").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Closed: the rest of the alliance sees it and is refused (403); another alliance: 404.
    step_ok(app, &partner, &id, "close").await;
    for who in [&ws.other_editor, &board, &ws.alliance_admin] {
        expect_problem(
            step(app, who, &id, "acknowledge").await,
            StatusCode::FORBIDDEN,
        )
        .await;
        expect_problem(step(app, who, &id, "close").await, StatusCode::FORBIDDEN).await;
        expect_problem(
            respond(app, who, &id, reply.clone()).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    expect_problem(
        app.get(&item_path(&id), &far_editor.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        app.get(&path, &far_editor.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        app.get(&summary_path(&ws.alliance_id), &far_editor.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // A 404 for a hidden item reads exactly like one for an id that does not exist.
    let open = str_field(
        &submit(
            app,
            &partner,
            &ws.alliance_id,
            item_body(Some(&ws.provider), "Still open"),
        )
        .await,
        "id",
    );
    let hidden = expect_problem(
        app.get(&item_path(&open), &ws.other_editor.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let missing = expect_problem(
        app.get(&item_path(&random_id()), &ws.other_editor.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(hidden, missing);
    // And the other alliance's list shows nothing of this one.
    let far = app
        .get_ok(&feedback_path(&far_alliance), &far_editor.token)
        .await;
    assert_eq!(items(&far), Vec::<Value>::new());
}

/// The list: filters by status, provider and view; pages with a cursor; bad filters are 422.
async fn the_list_filters_and_pages(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let about = if n % 2 == 0 {
            &ws.provider
        } else {
            &ws.other_provider
        };
        let item = submit(
            app,
            &partner,
            &ws.alliance_id,
            item_body(Some(about), &format!("Theme {n}")),
        )
        .await;
        ids.push(str_field(&item, "id"));
    }
    step_ok(app, &ws.editor, &ids[0], "acknowledge").await;
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    let all = app
        .all_pages(&feedback_path(&ws.alliance_id), &partner.token, 2)
        .await;
    assert_eq!(ids_of(&all), newest_first);
    assert_eq!(
        ids_of(&listed(app, &partner, &ws.alliance_id, "status=acknowledged").await),
        vec![ids[0].clone()]
    );
    assert_eq!(
        ids_of(
            &listed(
                app,
                &partner,
                &ws.alliance_id,
                &format!("about_organisation_id={}", ws.other_provider)
            )
            .await
        ),
        [ids[3].clone(), ids[1].clone()]
    );
    // The provider sees the items about it only.
    assert_eq!(
        ids_of(&listed(app, &ws.viewer, &ws.alliance_id, "").await),
        [ids[4].clone(), ids[2].clone(), ids[0].clone()]
    );
    expect_invalid(
        app.get(
            &format!(
                "{}?status=done&view=everything&cursor=nope",
                feedback_path(&ws.alliance_id)
            ),
            &partner.token,
        )
        .await,
        &["status", "view"],
    )
    .await;
    expect_invalid(
        app.get(
            &format!("{}?cursor=nope", feedback_path(&ws.alliance_id)),
            &partner.token,
        )
        .await,
        &["cursor"],
    )
    .await;
}

// ---- the board's figures ------------------------------------------------------------------

fn count(display: &str) -> Value {
    match display {
        "*" => json!({ "value": null, "display": "*" }),
        n => json!({ "value": n.parse::<u64>().expect("a count"), "display": n }),
    }
}

fn counts(received: &str, acknowledged: &str, responded: &str, closed: &str, total: &str) -> Value {
    json!({
        "received": count(received),
        "acknowledged": count(acknowledged),
        "responded": count(responded),
        "closed": count(closed),
        "total": count(total),
    })
}

/// Whole days from `received_on` to the day of `first_responded_at`, as the item says.
fn days_to_first_response(item: &Value) -> i64 {
    let received: chrono::NaiveDate = str_field(item, "received_on").parse().expect("a date");
    let first: chrono::DateTime<chrono::Utc> = str_field(item, "first_responded_at")
        .parse()
        .expect("a time");
    (first.date_naive() - received).num_days()
}

fn median(mut days: Vec<i64>) -> f64 {
    days.sort_unstable();
    let mid = days.len() / 2;
    if days.len() % 2 == 1 {
        days[mid] as f64
    } else {
        (days[mid - 1] + days[mid]) as f64 / 2.0
    }
}

/// A known dataset: 9 items about Riverside, all responded to (shown as 10, with their
/// median); 3 about Hillside and 2 about the alliance as a whole, responded to too (both
/// suppressed, so neither can be worked out from the alliance's total of 14, shown as 15; their
/// medians withheld). Every member of the alliance reads the figures.
async fn the_boards_figures_are_under_disclosure_control(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let board = ws
        .alliance_member("bea.board@alliance.example", "board_member")
        .await;

    let empty = app
        .get_ok(&summary_path(&ws.alliance_id), &board.token)
        .await;
    assert_eq!(
        empty["totals"],
        json!({ "counts": counts("0", "0", "0", "0", "0"), "median_days_to_first_response": null, "median_withheld": false })
    );

    let mut days = (Vec::new(), Vec::new(), Vec::new());
    for n in 1..=9 {
        let item = submit(
            app,
            &partner,
            &ws.alliance_id,
            with(
                item_body(Some(&ws.provider), &format!("Riverside {n}")),
                json!({ "received_on": days_from_today(-n) }),
            ),
        )
        .await;
        let answered = answer(app, &ws.editor, &str_field(&item, "id")).await;
        days.0.push(days_to_first_response(&answered));
    }
    for n in 1..=3 {
        let item = submit(
            app,
            &partner,
            &ws.alliance_id,
            item_body(Some(&ws.other_provider), &format!("Hillside {n}")),
        )
        .await;
        let answered = answer(app, &ws.other_editor, &str_field(&item, "id")).await;
        days.1.push(days_to_first_response(&answered));
    }
    for n in 1..=2 {
        let item = submit(
            app,
            &partner,
            &ws.alliance_id,
            item_body(None, &format!("Alliance {n}")),
        )
        .await;
        let answered = answer(app, &ws.alliance_admin, &str_field(&item, "id")).await;
        days.2.push(days_to_first_response(&answered));
    }

    let summary = app
        .get_ok(&summary_path(&ws.alliance_id), &board.token)
        .await;
    assert_eq!(summary["alliance_id"], json!(ws.alliance_id));
    assert!(summary["as_of"].is_string());
    // Providers by name: Hillside, then Riverside.
    assert_eq!(
        summary["providers"],
        json!([
            {
                "organisation_id": ws.other_provider,
                "name": OTHER_PROVIDER_NAME,
                "counts": counts("0", "0", "*", "0", "*"),
                "median_days_to_first_response": null,
                "median_withheld": true,
            },
            {
                "organisation_id": ws.provider,
                "name": PROVIDER_NAME,
                "counts": counts("0", "0", "10", "0", "10"),
                "median_days_to_first_response": median(days.0.clone()),
                "median_withheld": false,
            },
        ])
    );
    assert_eq!(
        summary["alliance_as_a_whole"],
        json!({ "counts": counts("0", "0", "*", "0", "*"), "median_days_to_first_response": null, "median_withheld": true })
    );
    let every: Vec<i64> = [days.0, days.1, days.2].concat();
    assert_eq!(every.len(), 14);
    assert_eq!(
        summary["totals"],
        json!({ "counts": counts("0", "0", "15", "0", "15"), "median_days_to_first_response": median(every), "median_withheld": false })
    );
    // Nothing in the answer gives the true small counts away.
    for who in [&partner, &ws.viewer, &ws.alliance_admin, &ws.other_editor] {
        assert_eq!(
            app.get_ok(&summary_path(&ws.alliance_id), &who.token).await["providers"],
            summary["providers"]
        );
    }
}

// ---- API clients --------------------------------------------------------------------------

fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// API clients take part as their organisation, within their token's scopes: a VCSE partner's
/// system submits with `feedback:write` (and needs `feedback:read` to read back), a provider's
/// system acknowledges, responds and closes; a token without the scope is refused with 403
/// `insufficient_scope` before anything else is looked at.
async fn api_clients_take_part_within_their_scopes(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let vcse = organisation_of(app, &partner).await;
    // The VCSE organisation's first admin registers its feedback form.
    let vcse_admin = app
        .add_member(
            &ws.alliance_admin,
            &ws.alliance_id,
            Some(&vcse),
            "val.admin@voices.example",
            "vcse_admin",
        )
        .await;
    let form = app
        .create_api_client(
            &vcse_admin,
            &vcse,
            "Voices feedback form",
            &["feedback:write"],
        )
        .await;
    let form_token = app.client_token(&form, None).await;
    let form_actor = Actor {
        token: form_token.clone(),
        user_id: String::new(),
        email: String::new(),
        membership_id: String::new(),
    };
    let item = submit(
        app,
        &form_actor,
        &ws.alliance_id,
        item_body(Some(&ws.provider), "Interpreters"),
    )
    .await;
    let id = str_field(&item, "id");
    assert_eq!(
        item["submitted_by"],
        json!({ "user_id": null, "api_client_id": form.id, "name": "Voices feedback form" })
    );
    assert_eq!(
        item["submitted_by_organisation"]["organisation_id"],
        json!(vcse)
    );
    // Reading needs feedback:read, which the form does not have.
    for path in [
        item_path(&id),
        feedback_path(&ws.alliance_id),
        summary_path(&ws.alliance_id),
    ] {
        let response = app.get(&path, &form_token).await;
        let header = challenge(&response);
        assert!(
            header.contains("insufficient_scope") && header.contains("feedback:read"),
            "{path}: {header}"
        );
        expect_problem(response, StatusCode::FORBIDDEN).await;
    }

    // The provider's system: read-only first, then one that may write.
    let reader = app
        .create_api_client(
            &ws.admin,
            &ws.provider,
            "Riverside dashboard",
            &["feedback:read"],
        )
        .await;
    let reader_token = app.client_token(&reader, None).await;
    let seen = app.get_ok(&item_path(&id), &reader_token).await;
    assert_eq!(seen["view"], "full");
    let response = app
        .request(
            Method::POST,
            &format!("/api/v1/feedback/{id}/acknowledge"),
            Some(&reader_token),
        )
        .send()
        .await
        .expect("acknowledge");
    assert!(challenge(&response).contains("feedback:write"));
    expect_problem(response, StatusCode::FORBIDDEN).await;
    let writer = app
        .client_actor(
            &ws.admin,
            &ws.provider,
            "Riverside patient experience",
            &["feedback:write"],
        )
        .await;
    step_ok(app, &writer, &id, "acknowledge").await;
    let responded = respond_ok(
        app,
        &writer,
        &id,
        json!({ "text": "We now book an interpreter before every night assessment." }),
    )
    .await;
    assert_eq!(
        responded["responses"][0]["responded_by"]["user_id"],
        Value::Null
    );
    assert_eq!(
        responded["responses"][0]["responded_by"]["name"],
        "Riverside patient experience"
    );
    // The VCSE's form closes the loop it opened.
    step_ok(app, &form_actor, &id, "close").await;
    // Another provider's client sees the closed loop anonymised (it reads feedback).
    let other = app
        .add_member(
            &ws.alliance_admin,
            &ws.alliance_id,
            Some(&ws.other_provider),
            "hal.admin@hillside.example",
            "provider_admin",
        )
        .await;
    let other_client = app
        .client_actor(
            &other,
            &ws.other_provider,
            "Hillside dashboard",
            &["feedback:read"],
        )
        .await;
    let seen = app.get_ok(&item_path(&id), &other_client.token).await;
    assert_eq!(seen["view"], "anonymised");
    assert_eq!(seen["submitted_by"], Value::Null);
    assert!(!seen.to_string().contains("Voices feedback form"));
    // The log names the clients by name and public id, never a secret.
    let audit = app
        .get_ok(
            &format!("/api/v1/organisations/{}/audit?limit=200", ws.provider),
            &ws.admin.token,
        )
        .await;
    let labels: Vec<String> = items(&audit)
        .iter()
        .filter(|e| e["target_id"] == json!(id))
        .map(|e| str_field(&e["actor"], "label"))
        .collect();
    assert_eq!(labels.len(), 4, "{labels:?}");
    assert!(labels[0].contains("Voices feedback form") && labels[0].contains(&form.client_id));
    assert!(labels[1].contains("Riverside patient experience"));
    let text = audit.to_string();
    assert!(!text.contains(&form.client_secret) && !text.contains(&form_token));
}

backend_tests!(
    api_clients_take_part_within_their_scopes,
    the_whole_loop,
    the_alliance_answers_feedback_about_itself,
    texts_are_redacted_on_the_way_in,
    every_step_out_of_order_is_a_conflict,
    every_rule_answers_422_with_its_field,
    a_member_of_several_organisations_says_which,
    who_may_do_what,
    the_list_filters_and_pages,
    the_boards_figures_are_under_disclosure_control,
);
