//! Publishing action plans: the preview, publication as immutable versions, withdrawal, the
//! alliance's library and the anonymity of anonymous publications.

use pcref_e2e::{
    backend_tests, error_fields, expect_invalid, expect_problem, expect_status, items, preview,
    publish, publish_with, str_field, Backend, Workspace,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A plan with one consulted priority area (Pakistani and Bangladeshi men), a goal and an
/// action whose lead is named; `extra_evidence` is appended to the priority's evidence.
async fn publishable_plan(ws: &Workspace, title: &str, extra_evidence: &str) -> String {
    let app = &ws.app;
    let token = &ws.editor.token;
    let plan = app.create_plan(token, &ws.provider, title).await;
    let plan_id = str_field(&plan, "id");
    let priority = app
        .create(
            &format!("/api/v1/plans/{plan_id}/priorities"),
            token,
            json!({
                "statement": "Fewer referrals to talking therapies for Pakistani and Bangladeshi men",
                "ethnic_categories": ["J", "K"],
                "evidence": format!("Referral data 2025/26 by ethnic category. {extra_evidence}"),
                "communities_consulted": true,
                "consultation_notes": "Two listening events with local mosques",
            }),
        )
        .await;
    app.add_goal(
        token,
        &plan_id,
        "Referral rates match the population by March 2027",
        &["co_production"],
        "data",
    )
    .await;
    app.add_action(
        token,
        &plan_id,
        &str_field(&priority, "id"),
        "Co-design outreach sessions with community partners",
        json!({ "lead_name": "Nadia Rahman", "lead_role": "Head of talking therapies" }),
    )
    .await;
    plan_id
}

fn publication_path(id: &str) -> String {
    format!("/api/v1/publications/{id}")
}

fn library_path(ws: &Workspace, query: &str) -> String {
    format!(
        "/api/v1/alliances/{}/published-plans{query}",
        ws.alliance_id
    )
}

/// The preview shows exactly what would be shared, changes nothing, and publishing needs it:
/// `If-Match` with its `ETag` (428 without, 412 once the plan has changed), then version 1,
/// 2…; withdrawing a version brings the previous one back as the latest.
async fn preview_publish_and_withdraw(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let editor = &ws.editor.token;
    let plan_id = publishable_plan(
        &ws,
        "Talking therapies equity plan",
        "Queries to data.team@riverside.example or 0115 496 0123; case 943 476 5919 at NG7 2UH.",
    )
    .await;

    let (shown, tag) = preview(app, editor, &plan_id, json!({})).await;
    assert!(tag.starts_with("\"p-"), "a preview's ETag: {tag}");
    let text = shown["document"].to_string();
    for secret in [
        "data.team@riverside.example",
        "0115 496 0123",
        "943 476 5919",
        "NG7 2UH",
        "Nadia Rahman",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} leaks into the preview: {text}"
        );
    }
    let evidence = shown["document"]["priorities"][0]["evidence"]
        .as_str()
        .expect("evidence");
    for marker in [
        "[redacted: email]",
        "[redacted: phone number]",
        "[redacted: nhs number]",
        "[redacted: postcode]",
    ] {
        assert!(evidence.contains(marker), "{marker} in {evidence}");
    }
    let kinds: Vec<&str> = shown["redactions"]
        .as_array()
        .expect("redactions")
        .iter()
        .map(|r| r["kind"].as_str().expect("kind"))
        .collect();
    for kind in ["email", "phone number", "nhs number", "postcode"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert!(shown["redactions"]
        .as_array()
        .expect("redactions")
        .iter()
        .all(|r| r["field"] == "priorities[0].evidence"));
    let action = &shown["document"]["priorities"][0]["actions"][0];
    assert_eq!(action["lead_role"], "Head of talking therapies");
    assert!(action.get("lead_name").is_none(), "no lead name: {action}");
    assert_eq!(shown["warnings"], json!([]));

    // The preview changed nothing: the library is empty and the plan has no publication.
    let library = app.get_ok(&library_path(&ws, ""), editor).await;
    assert_eq!(items(&library), Vec::<Value>::new());

    // Without If-Match, 428; with a tag that is not the preview's, 412.
    let body = json!({ "attribution": "named" });
    expect_problem(
        publish_with(app, editor, &plan_id, None, body.clone()).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    expect_problem(
        publish_with(app, editor, &plan_id, Some("\"p-0\""), body.clone()).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    // `*` would publish whatever the plan holds, unseen: only the preview's tag will do.
    expect_problem(
        publish_with(app, editor, &plan_id, Some("*"), body.clone()).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    assert_eq!(shown["version"], 1, "the version it would be published as");

    let response = publish_with(app, editor, &plan_id, Some(&tag), body.clone()).await;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let first = expect_status(response, StatusCode::CREATED).await;
    let first_id = str_field(&first, "id");
    assert_eq!(location, Some(publication_path(&first_id)));
    assert_eq!(first["version"], 1);
    assert_eq!(first["is_latest"], true);
    assert_eq!(
        first["document"], shown["document"],
        "published as previewed"
    );
    assert_eq!(
        first["provider"]["name"],
        "Riverside Mental Health NHS Trust"
    );
    assert_eq!(first["provider_label"], "Riverside Mental Health NHS Trust");
    assert_eq!(first["ethnic_categories"], json!(["J", "K"]));
    assert_eq!(first["competencies"], json!(["co_production"]));
    assert_eq!(first["pillars"], json!(["data"]));

    // The plan changes: the old preview no longer publishes.
    let (plan, plan_tag) = app
        .read_tagged(&format!("/api/v1/plans/{plan_id}"), editor)
        .await;
    expect_status(
        app.patch(
            &format!("/api/v1/plans/{plan_id}"),
            editor,
            Some(&plan_tag),
            json!({ "title": "Talking therapies equity plan 2026/27" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_ne!(plan["title"], "Talking therapies equity plan 2026/27");
    expect_problem(
        publish_with(app, editor, &plan_id, Some(&tag), body.clone()).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let second = publish(app, editor, &plan_id, "named").await;
    let second_id = str_field(&second, "id");
    assert_eq!(second["version"], 2);
    assert_eq!(second["series_id"], first["series_id"]);
    assert_eq!(
        second["document"]["title"],
        "Talking therapies equity plan 2026/27"
    );

    // Everybody in the alliance reads it: another provider, a VCSE partner, the board.
    let partner = ws.vcse_partner().await;
    let board = ws
        .alliance_member("chair@board.example", "board_member")
        .await;
    for reader in [
        &ws.other_editor.token,
        &partner.token,
        &board.token,
        &ws.alliance_admin.token,
    ] {
        let library = app.get_ok(&library_path(&ws, ""), reader).await;
        let listed = items(&library);
        assert_eq!(
            listed.len(),
            1,
            "only the latest version is listed: {library}"
        );
        assert_eq!(listed[0]["id"], json!(second_id));
        assert!(
            listed[0].get("document").is_none(),
            "a list has no documents"
        );
        let versions = app
            .get_ok(&format!("{}/versions", publication_path(&first_id)), reader)
            .await;
        let numbers: Vec<Value> = items(&versions)
            .iter()
            .map(|v| v["version"].clone())
            .collect();
        assert_eq!(
            numbers,
            vec![json!(2), json!(1)],
            "newest first: {versions}"
        );
        let first_read = app.get_ok(&publication_path(&first_id), reader).await;
        assert_eq!(first_read["is_latest"], false);
        assert_eq!(
            first_read["document"], first["document"],
            "a version never changes"
        );
    }

    // Withdrawal: a VCSE partner, another provider and the viewer may not; the editor may.
    for outsider in [
        &partner.token,
        &ws.other_editor.token,
        &ws.viewer.token,
        &board.token,
    ] {
        expect_problem(
            app.post(
                &format!("{}/withdraw", publication_path(&second_id)),
                outsider,
                json!({}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    expect_invalid(
        app.post(
            &format!("{}/withdraw", publication_path(&second_id)),
            editor,
            json!({ "reason": "x".repeat(10_001) }),
        )
        .await,
        &["reason"],
    )
    .await;
    let withdrawn = expect_status(
        app.post(
            &format!("{}/withdraw", publication_path(&second_id)),
            editor,
            json!({ "reason": "Published too early" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(withdrawn["withdrawn_at"].is_string(), "{withdrawn}");
    expect_problem(
        app.post(
            &format!("{}/withdraw", publication_path(&second_id)),
            editor,
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    // The library shows version 1 again; the withdrawn version is gone for everybody else.
    let library = app.get_ok(&library_path(&ws, ""), &partner.token).await;
    assert_eq!(
        items(&library)
            .iter()
            .map(|p| p["id"].clone())
            .collect::<Vec<_>>(),
        vec![json!(first_id)]
    );
    expect_problem(
        app.get(&publication_path(&second_id), &partner.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let versions = app
        .get_ok(
            &format!("{}/versions", publication_path(&first_id)),
            &partner.token,
        )
        .await;
    assert_eq!(items(&versions).len(), 1, "{versions}");
    // The publisher still sees it, in the plan's list of publications too.
    let own = app.get_ok(&publication_path(&second_id), editor).await;
    assert!(own["withdrawn_at"].is_string());
    let of_plan = app
        .get_ok(
            &format!("/api/v1/plans/{plan_id}/publications"),
            &ws.viewer.token,
        )
        .await;
    let listed = items(&of_plan);
    assert_eq!(listed.len(), 2, "{of_plan}");
    assert_eq!(listed[0]["id"], json!(second_id));
    assert_eq!(listed[0]["plan_id"], json!(plan_id));

    // The audit log keeps both publications and the withdrawal, with its reason.
    let audit = app
        .get_ok(
            &format!("/api/v1/organisations/{}/audit?limit=200", ws.provider),
            &ws.admin.token,
        )
        .await;
    let entries = items(&audit);
    let published = entries
        .iter()
        .filter(|e| e["action"] == "publication.published")
        .count();
    assert_eq!(published, 2, "{audit}");
    let withdrawal = entries
        .into_iter()
        .find(|e| e["action"] == "publication.withdrawn")
        .expect("a withdrawal entry");
    assert_eq!(withdrawal["after"]["reason"], "Published too early");
    assert_eq!(withdrawal["target_id"], json!(second_id));
}

/// Warnings must be acknowledged; a priority whose communities were not consulted needs a
/// stated reason; a plan without priority areas cannot be published; bad bodies are 422 and
/// change nothing.
async fn publishing_rules(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let editor = &ws.editor.token;

    // Small numbers of people: a warning to acknowledge.
    let plan_id = publishable_plan(
        &ws,
        "Restrictive practice plan",
        "In Q3 2026 there were 3 restraints of Black Caribbean patients on Ward 7.",
    )
    .await;
    let (shown, tag) = preview(app, editor, &plan_id, json!({})).await;
    let warnings = shown["warnings"].as_array().expect("warnings");
    assert!(
        !warnings.is_empty(),
        "a small number of people warns: {shown}"
    );
    assert!(warnings
        .iter()
        .all(|w| w["kind"] == "small_number" && w["field"] == "priorities[0].evidence"));
    let refused = expect_invalid(
        publish_with(
            app,
            editor,
            &plan_id,
            Some(&tag),
            json!({ "attribution": "named" }),
        )
        .await,
        &["acknowledge_warnings"],
    )
    .await;
    assert!(refused["detail"].is_string());
    let published = expect_status(
        publish_with(
            app,
            editor,
            &plan_id,
            Some(&tag),
            json!({ "attribution": "named", "acknowledge_warnings": true }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(
        published["document"]["priorities"][0]["evidence"]
            .as_str()
            .expect("evidence")
            .contains("3 restraints"),
        "a warning does not change the text"
    );

    // Communities not consulted: a reason is required, and published with the plan.
    let plan_id = publishable_plan(&ws, "Crisis care plan", "").await;
    let priorities = app
        .get_ok(&format!("/api/v1/plans/{plan_id}/priorities"), editor)
        .await;
    let priority_id = str_field(&items(&priorities)[0], "id");
    let (_, priority_tag) = app
        .read_tagged(&format!("/api/v1/priorities/{priority_id}"), editor)
        .await;
    expect_status(
        app.patch(
            &format!("/api/v1/priorities/{priority_id}"),
            editor,
            Some(&priority_tag),
            json!({ "communities_consulted": false }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let (_, tag) = preview(app, editor, &plan_id, json!({})).await;
    let refused = expect_invalid(
        publish_with(
            app,
            editor,
            &plan_id,
            Some(&tag),
            json!({ "attribution": "named" }),
        )
        .await,
        &["consultation_exception"],
    )
    .await;
    assert!(
        refused["errors"].to_string().contains("priorities[0]"),
        "names the priority area: {refused}"
    );
    let reason = "Consultation with the Caribbean elders' forum is booked for January; publishing now so partners can comment.";
    let (_, tag) = preview(
        app,
        editor,
        &plan_id,
        json!({ "consultation_exception": reason }),
    )
    .await;
    let published = expect_status(
        publish_with(
            app,
            editor,
            &plan_id,
            Some(&tag),
            json!({ "attribution": "named", "consultation_exception": reason }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(published["document"]["consultation_exception"], reason);

    // A former member's name stays out of publications: Tom Baker writes an update, leaves,
    // and is then named in the evidence.
    let actions = app
        .get_ok(&format!("/api/v1/plans/{plan_id}/actions"), editor)
        .await;
    let action_id = str_field(&items(&actions)[0], "id");
    app.post_update(
        &ws.second_editor.token,
        &action_id,
        "on_track",
        None,
        "Outreach sessions booked",
    )
    .await;
    expect_status(
        app.delete(
            &format!("/api/v1/memberships/{}", ws.second_editor.membership_id),
            &ws.admin.token,
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    let (_, priority_tag) = app
        .read_tagged(&format!("/api/v1/priorities/{priority_id}"), editor)
        .await;
    expect_status(
        app.patch(
            &format!("/api/v1/priorities/{priority_id}"),
            editor,
            Some(&priority_tag),
            json!({ "evidence": "Audit by Tom Baker, March 2026" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let (shown, _) = preview(app, editor, &plan_id, json!({})).await;
    assert_eq!(
        shown["document"]["priorities"][0]["evidence"],
        "Audit by [redacted: person name], March 2026"
    );

    // No priority area: nothing to publish, a conflict with what the plan is. A malformed
    // request is still told every problem with it at once.
    let empty = app.create_plan(editor, &ws.provider, "Empty plan").await;
    let empty_id = str_field(&empty, "id");
    let (_, tag) = preview(app, editor, &empty_id, json!({})).await;
    let refused = expect_problem(
        publish_with(
            app,
            editor,
            &empty_id,
            Some(&tag),
            json!({ "attribution": "named" }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("at least one priority area")),
        "{refused}"
    );
    expect_invalid(
        publish_with(
            app,
            editor,
            &empty_id,
            Some(&tag),
            json!({ "attribution": "public", "consultation_exception": "x".repeat(2001) }),
        )
        .await,
        &["attribution", "consultation_exception"],
    )
    .await;
    expect_invalid(
        app.post(
            &format!("/api/v1/plans/{empty_id}/publish-preview"),
            editor,
            json!({ "attribution": "everyone" }),
        )
        .await,
        &["attribution"],
    )
    .await;
    let library = app.get_ok(&library_path(&ws, ""), editor).await;
    assert_eq!(
        items(&library).len(),
        2,
        "only the two good publications: {library}"
    );

    // Who may preview and publish: the provider's admins and editors.
    expect_problem(
        app.post(
            &format!("/api/v1/plans/{plan_id}/publish-preview"),
            &ws.viewer.token,
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    for outsider in [&ws.other_editor.token, &ws.alliance_admin.token] {
        expect_problem(
            app.post(
                &format!("/api/v1/plans/{plan_id}/publish-preview"),
                outsider,
                json!({ "attribution": "nonsense" }),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
}

/// An anonymous publication names its provider nowhere: no field, no link, no filter finds
/// it by the provider, and the provider's own name is redacted from its text. A plan cannot
/// be in the library under both attributions at once.
async fn anonymous_publications_reveal_nothing(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let editor = &ws.editor.token;
    let plan_id = publishable_plan(
        &ws,
        "Riverside Mental Health NHS Trust: inpatient equity plan",
        "Riverside Mental Health NHS Trust data; lead contact amina khan.",
    )
    .await;
    let (shown, _) = preview(app, editor, &plan_id, json!({ "attribution": "anonymous" })).await;
    assert!(shown["document"]["title"]
        .as_str()
        .expect("title")
        .contains("[redacted: organisation name]"));
    let anonymous = publish(app, editor, &plan_id, "anonymous").await;
    let id = str_field(&anonymous, "id");
    assert_eq!(anonymous["provider"], Value::Null);
    assert_eq!(
        anonymous["provider_label"],
        "A provider in North West PCREF Alliance"
    );

    // A named publication from the provider next door, for contrast.
    let other_plan = app
        .create_plan(&ws.other_editor.token, &ws.other_provider, "Hillside plan")
        .await;
    let other_plan_id = str_field(&other_plan, "id");
    app.add_priority(
        &ws.other_editor.token,
        &other_plan_id,
        "Access to early intervention for African young men",
        &["N"],
    )
    .await;
    let named = publish(app, &ws.other_editor.token, &other_plan_id, "named").await;

    let partner = ws.vcse_partner().await;
    let identifying = [
        ws.provider.clone(),
        "Riverside".to_owned(),
        plan_id.clone(),
        ws.editor.email.clone(),
        "amina khan".to_owned(),
        ws.editor.user_id.clone(),
    ];
    let check = |what: &str, body: &Value| {
        let text = body.to_string().to_lowercase();
        for secret in &identifying {
            assert!(
                !text.contains(&secret.to_lowercase()),
                "{what} reveals {secret}: {body}"
            );
        }
    };
    for reader in [
        &partner.token,
        &ws.other_editor.token,
        &ws.alliance_admin.token,
    ] {
        check(
            "the publication",
            &app.get_ok(&publication_path(&id), reader).await,
        );
        check(
            "its versions",
            &app.get_ok(&format!("{}/versions", publication_path(&id)), reader)
                .await,
        );
        check(
            "the library",
            &app.get_ok(&library_path(&ws, ""), reader).await,
        );
        // Filtering by the provider finds only its named publications: none.
        let by_provider = app
            .get_ok(
                &library_path(&ws, &format!("?organisation_id={}", ws.provider)),
                reader,
            )
            .await;
        assert_eq!(items(&by_provider), Vec::<Value>::new());
        let by_other = app
            .get_ok(
                &library_path(&ws, &format!("?organisation_id={}", ws.other_provider)),
                reader,
            )
            .await;
        assert_eq!(
            items(&by_other)
                .iter()
                .map(|p| p["id"].clone())
                .collect::<Vec<_>>(),
            vec![named["id"].clone()]
        );
        // Withdrawing it is refused exactly as for the named one.
        let refusal = |pid: &str| {
            let pid = pid.to_owned();
            async move {
                let got = app
                    .post(
                        &format!("{}/withdraw", publication_path(&pid)),
                        reader,
                        json!({}),
                    )
                    .await;
                let status = got.status();
                let body: Value = got.json().await.unwrap_or(Value::Null);
                (status, body["detail"].clone())
            }
        };
        if *reader != ws.other_editor.token {
            assert_eq!(refusal(&id).await, refusal(&str_field(&named, "id")).await);
        }
    }

    // One attribution at a time: the anonymous version must be withdrawn first; then the named
    // one starts a series of its own, sharing no id with the anonymous one.
    let (_, tag) = preview(app, editor, &plan_id, json!({ "attribution": "named" })).await;
    expect_problem(
        publish_with(
            app,
            editor,
            &plan_id,
            Some(&tag),
            json!({ "attribution": "named", "acknowledge_warnings": true }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    expect_status(
        app.post(
            &format!("{}/withdraw", publication_path(&id)),
            editor,
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let named_again = publish(app, editor, &plan_id, "named").await;
    assert_eq!(named_again["version"], 1, "a new series: {named_again}");
    assert_ne!(named_again["series_id"], anonymous["series_id"]);
    let ids_of = |publication: &Value| -> Vec<String> {
        let document = &publication["document"];
        let mut ids = Vec::new();
        for priority in document["priorities"].as_array().expect("priorities") {
            ids.push(str_field(priority, "id"));
            for action in priority["actions"].as_array().expect("actions") {
                ids.push(str_field(action, "id"));
            }
        }
        for goal in document["goals"].as_array().expect("goals") {
            ids.push(str_field(goal, "id"));
        }
        ids
    };
    let (before, after) = (ids_of(&anonymous), ids_of(&named_again));
    assert_eq!(before.len(), after.len());
    assert!(
        before.iter().all(|i| !after.contains(i)),
        "no record id links the anonymous series to the named one: {before:?} {after:?}"
    );
    // Nor is any published id a workspace id.
    let actions = app
        .get_ok(&format!("/api/v1/plans/{plan_id}/actions"), editor)
        .await;
    let private = str_field(&items(&actions)[0], "id");
    assert!(!before.contains(&private) && !after.contains(&private));
}

/// The library's search: words, specific and broad ethnic groups, competency, pillar,
/// provider and dates, paging; every bad parameter at once as 422; other alliances 404.
async fn library_search_and_filters(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let editor = &ws.editor.token;
    let make = |title: &'static str,
                statement: &'static str,
                codes: &'static [&'static str],
                competency: &'static str,
                pillar: &'static str| {
        let ws = &ws;
        async move {
            let plan = app.create_plan(editor, &ws.provider, title).await;
            let id = str_field(&plan, "id");
            app.add_priority(editor, &id, statement, codes).await;
            app.add_goal(
                editor,
                &id,
                "A SMART goal for the year",
                &[competency],
                pillar,
            )
            .await;
            str_field(&publish(app, editor, &id, "named").await, "id")
        }
    };
    let south_asian = make(
        "Talking therapies access",
        "Referrals of Pakistani men",
        &["J"],
        "co_production",
        "data",
    )
    .await;
    let black_african = make(
        "Crisis pathway",
        "Detentions of African adults",
        &["N"],
        "trauma_informed_care",
        "patient_and_carer_feedback",
    )
    .await;
    let caribbean = make(
        "Inpatient experience",
        "Restraint of Caribbean men in crisis",
        &["M"],
        "workforce",
        "leadership_and_governance",
    )
    .await;
    let partner = ws.vcse_partner().await;
    let found = |query: String| {
        let token = partner.token.clone();
        let path = library_path(&ws, &query);
        async move {
            let page = app.get_ok(&path, &token).await;
            items(&page)
                .iter()
                .map(|p| str_field(p, "id"))
                .collect::<Vec<String>>()
        }
    };
    assert_eq!(
        found(String::new()).await,
        vec![
            caribbean.clone(),
            black_african.clone(),
            south_asian.clone()
        ]
    );
    assert_eq!(
        found("?q=crisis".into()).await,
        vec![caribbean.clone(), black_african.clone()]
    );
    assert_eq!(
        found("?q=CRISIS%20african".into()).await,
        vec![black_african.clone()]
    );
    assert_eq!(
        found("?q=nothing%20like%20this".into()).await,
        Vec::<String>::new()
    );
    assert_eq!(
        found("?ethnic_category=J".into()).await,
        vec![south_asian.clone()]
    );
    assert_eq!(
        found("?broad_group=black".into()).await,
        vec![caribbean.clone(), black_african.clone()]
    );
    assert_eq!(
        found("?broad_group=asian".into()).await,
        vec![south_asian.clone()]
    );
    assert_eq!(
        found("?competency=workforce".into()).await,
        vec![caribbean.clone()]
    );
    assert_eq!(
        found("?pillar=data".into()).await,
        vec![south_asian.clone()]
    );
    assert_eq!(
        found("?broad_group=black&pillar=patient_and_carer_feedback".into()).await,
        vec![black_african.clone()]
    );
    let today = chrono::Utc::now().date_naive();
    let yesterday = today.pred_opt().expect("a day");
    assert_eq!(found(format!("?published_from={today}")).await.len(), 3);
    assert_eq!(
        found(format!("?published_to={yesterday}")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        found(format!("?organisation_id={}", ws.provider))
            .await
            .len(),
        3
    );
    // Paging, newest first.
    let paged = app
        .all_pages(&library_path(&ws, ""), &partner.token, 1)
        .await;
    assert_eq!(
        paged.iter().map(|p| str_field(p, "id")).collect::<Vec<_>>(),
        vec![caribbean, black_african, south_asian]
    );

    let problem = expect_invalid(
        app.get(
            &library_path(
                &ws,
                "?ethnic_category=BAME&broad_group=brown&competency=kindness&pillar=money&published_from=2026-02-01&published_to=2026-01-01",
            ),
            &partner.token,
        )
        .await,
        &["ethnic_category", "broad_group", "competency", "pillar", "published_to"],
    )
    .await;
    assert_eq!(error_fields(&problem).len(), 5);
    // Dates outside what the hub stores are refused, not compared (PostgreSQL cannot).
    expect_invalid(
        app.get(
            &library_path(
                &ws,
                "?published_from=-5000-01-01&published_to=%2B10000-01-01",
            ),
            &partner.token,
        )
        .await,
        &["published_from", "published_to"],
    )
    .await;
    expect_invalid(
        app.get(
            &library_path(&ws, &format!("?q={}", "a".repeat(201))),
            &partner.token,
        )
        .await,
        &["q"],
    )
    .await;

    // Another alliance's member sees no library here, and learns nothing from a bad filter.
    let stranger_app = app;
    let other = stranger_app
        .bootstrap("Other Alliance", "lead@other.example")
        .await;
    for query in ["", "?pillar=money"] {
        expect_problem(
            stranger_app
                .get(&library_path(&ws, query), &other.admin.token)
                .await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
}

/// Publications of one plan take turns, also after the plan is deleted: simultaneous
/// publishes get consecutive versions with one latest, and simultaneous withdrawals never
/// leave a withdrawn version in the library.
async fn simultaneous_publishing_and_withdrawal(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let editor = &ws.editor.token;
    let plan_id = publishable_plan(&ws, "Simultaneous plan", "").await;
    let (_, tag) = preview(app, editor, &plan_id, json!({})).await;
    let body = json!({ "attribution": "named" });
    let mut published = Vec::new();
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            publish_with(app, editor, &plan_id, Some(&tag), body.clone()),
            publish_with(
                app,
                &ws.second_editor.token,
                &plan_id,
                Some(&tag),
                body.clone()
            ),
        );
        for response in [a, b] {
            published.push(expect_status(response, StatusCode::CREATED).await);
        }
    }
    let mut versions: Vec<i64> = published
        .iter()
        .map(|p| p["version"].as_i64().expect("a version"))
        .collect();
    versions.sort_unstable();
    assert_eq!(versions, vec![1, 2, 3, 4, 5, 6]);
    let library = app.get_ok(&library_path(&ws, ""), editor).await;
    assert_eq!(items(&library).len(), 1, "one latest version: {library}");
    assert_eq!(items(&library)[0]["version"], 6);

    // The plan is deleted; its versions stay until withdrawn, two at a time.
    expect_status(
        app.delete(&format!("/api/v1/plans/{plan_id}"), editor)
            .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    let mut ids: Vec<String> = published.iter().map(|p| str_field(p, "id")).collect();
    ids.sort_by_key(|id| {
        published
            .iter()
            .find(|p| str_field(p, "id") == *id)
            .map(|p| -p["version"].as_i64().unwrap_or_default())
    });
    for pair in ids.chunks(2) {
        let (first, second) = (
            format!("{}/withdraw", publication_path(&pair[0])),
            format!("{}/withdraw", publication_path(&pair[1])),
        );
        let (a, b) = tokio::join!(
            app.post(&first, editor, json!({})),
            app.post(&second, &ws.admin.token, json!({})),
        );
        expect_status(a, StatusCode::OK).await;
        expect_status(b, StatusCode::OK).await;
        let library = app
            .get_ok(&library_path(&ws, ""), &ws.other_editor.token)
            .await;
        for listed in items(&library) {
            let id = str_field(&listed, "id");
            assert!(
                !pair.contains(&id),
                "a withdrawn version is listed: {library}"
            );
            let got = app
                .get_ok(&publication_path(&id), &ws.other_editor.token)
                .await;
            assert_eq!(got["withdrawn_at"], Value::Null);
        }
    }
    let library = app
        .get_ok(&library_path(&ws, ""), &ws.other_editor.token)
        .await;
    assert_eq!(items(&library), Vec::<Value>::new());
}

backend_tests!(
    simultaneous_publishing_and_withdrawal,
    preview_publish_and_withdraw,
    publishing_rules,
    anonymous_publications_reveal_nothing,
    library_search_and_filters,
);
