//! `/api/v1/templates` and `/api/v1/organisations/{id}/templates`: the built-in four-stage
//! template, plans saved as templates (private to their provider) and plans made from them;
//! templates shared with the alliance (redacted), adopted by other providers, and the
//! alliance's list of them.

use pcref_e2e::{
    actions_path, backend_tests, days_from_today, etag_of, expect_invalid, expect_problem,
    expect_status, goals_path, ids, items, plans_path, priorities_path, random_id, str_field,
    Actor, Backend, TestApp, Workspace, BUILT_IN_TEMPLATE, BUILT_IN_TEMPLATE_NAME,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

const STAGE_TITLES: [&str; 4] = [
    "Identify priority areas",
    "Set goals",
    "Implementation",
    "Monitor and evaluate",
];

fn templates_path(organisation_id: &str) -> String {
    format!("/api/v1/organisations/{organisation_id}/templates")
}

fn template_path(id: &str) -> String {
    format!("/api/v1/templates/{id}")
}

/// Asserts the four stages of the PCREF tool, each with prompts.
fn assert_four_stages(stages: &Value) {
    let stages = stages.as_array().expect("stages");
    let titles: Vec<&str> = stages
        .iter()
        .map(|s| s["title"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(titles, STAGE_TITLES);
    for (n, stage) in stages.iter().enumerate() {
        assert_eq!(stage["stage"], json!(n + 1), "{stage}");
        assert!(
            stage["prompts"].as_array().is_some_and(|p| !p.is_empty()),
            "stage {} has prompts: {stage}",
            n + 1
        );
    }
}

/// A plan of the workspace's provider with two priorities, a goal, three actions (with leads'
/// names and dates) and a progress update, saved as a template.
struct Saved {
    plan: Value,
    priorities: Vec<Value>,
    goal: Value,
    actions: Vec<Value>,
    template: Value,
}

const LEAD_ONE: &str = "Precious Adeyemi";
const LEAD_TWO: &str = "Harjit Sandhu";
const NARRATIVE: &str = "First crisis café session: 40 visitors, 6 referrals";

async fn saved_template(ws: &Workspace) -> Saved {
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let plan = app
        .create_plan(token, &ws.provider, "Detentions plan 2026/27")
        .await;
    let plan_id = str_field(&plan, "id");
    let p1 = app
        .add_priority(
            token,
            &plan_id,
            "Reduce detentions of Black Caribbean men under the Mental Health Act",
            &["M"],
        )
        .await;
    let p2 = app
        .add_priority(
            token,
            &plan_id,
            "Improve access to talking therapies for South Asian women",
            &["K", "H", "J"],
        )
        .await;
    let goal = app
        .add_goal(
            token,
            &plan_id,
            "Halve the gap in detention rates by 2028",
            &["workforce", "co_production"],
            "data",
        )
        .await;
    let mut actions = Vec::new();
    for (priority, description, extra) in [
        (
            &p1,
            "Co-design a crisis café with Black-led community groups",
            json!({ "starts_on": days_from_today(-30), "ends_on": days_from_today(60), "lead_name": LEAD_ONE, "lead_role": "Community Engagement Lead" }),
        ),
        (
            &p2,
            "Outreach sessions at the gurdwara and two mosques",
            json!({ "starts_on": days_from_today(-10), "ends_on": days_from_today(100), "lead_name": LEAD_TWO, "lead_role": "Talking Therapies Manager" }),
        ),
        (
            &p1,
            "Review advocacy offered on admission",
            json!({ "lead_name": LEAD_ONE, "lead_role": null, "cost_implications": null }),
        ),
    ] {
        actions.push(
            app.add_action(
                token,
                &plan_id,
                &str_field(priority, "id"),
                description,
                extra,
            )
            .await,
        );
    }
    app.post_update(
        token,
        &str_field(&actions[0], "id"),
        "on_track",
        None,
        NARRATIVE,
    )
    .await;

    let response = app
        .post(
            &templates_path(&ws.provider),
            token,
            json!({
                "from_plan_id": plan_id,
                "name": "Detentions plan (reusable)",
                "description": "Our 2026/27 plan, ready to reuse",
            }),
        )
        .await;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let template = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(
        location,
        Some(template_path(&str_field(&template, "id"))),
        "the Location names the template"
    );
    Saved {
        plan,
        priorities: vec![p1, p2],
        goal,
        actions,
        template,
    }
}

async fn the_built_in_template_comes_first_for_every_member(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let board = ws
        .alliance_member("bo.ard@alliance.example", "board_member")
        .await;
    // The provider has a template of its own, listed after the built-in one.
    let saved = saved_template(&ws).await;
    let own = str_field(&saved.template, "id");

    let everybody = [
        ("provider editor", &ws.editor, true),
        ("provider viewer", &ws.viewer, true),
        ("provider admin", &ws.admin, true),
        ("other provider's editor", &ws.other_editor, false),
        ("VCSE partner", &partner, false),
        ("board member", &board, false),
        ("alliance admin", &ws.alliance_admin, false),
    ];
    for (who, actor, in_provider) in everybody {
        let page = app.get_ok("/api/v1/templates", &actor.token).await;
        let list = items(&page);
        let first = &list[0];
        assert_eq!(first["id"], BUILT_IN_TEMPLATE, "{who}: {page}");
        assert_eq!(first["name"], BUILT_IN_TEMPLATE_NAME, "{who}");
        assert_eq!(first["built_in"], true, "{who}");
        assert!(first["organisation_id"].is_null(), "{who}");
        assert_eq!(first["priorities"], json!([]), "{who}");
        assert_four_stages(&first["stages"]);
        let expected = if in_provider {
            vec![BUILT_IN_TEMPLATE.to_owned(), own.clone()]
        } else {
            vec![BUILT_IN_TEMPLATE.to_owned()]
        };
        assert_eq!(ids(&list), expected, "{who}");
        let paged = app.all_pages("/api/v1/templates", &actor.token, 1).await;
        assert_eq!(ids(&paged), expected, "{who}, one per page");

        let built_in = app
            .get_ok(&template_path(BUILT_IN_TEMPLATE), &actor.token)
            .await;
        assert_eq!(&built_in, first, "{who}");
    }

    // The stage-1 prompt carries the tool's guidance on naming groups.
    let built_in = app
        .get_ok(&template_path(BUILT_IN_TEMPLATE), &partner.token)
        .await;
    assert!(
        built_in["stages"][0]["prompts"]
            .to_string()
            .contains("BAME"),
        "{built_in}"
    );

    // Without a token: 401.
    let anonymous = app
        .request(Method::GET, "/api/v1/templates", None)
        .send()
        .await
        .expect("GET");
    expect_problem(anonymous, StatusCode::UNAUTHORIZED).await;
}

async fn a_saved_template_keeps_the_structure_but_no_people_dates_or_progress(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let saved = saved_template(&ws).await;
    let t = &saved.template;
    let id = str_field(t, "id");

    assert_eq!(t["name"], "Detentions plan (reusable)");
    assert_eq!(t["description"], "Our 2026/27 plan, ready to reuse");
    assert_eq!(t["built_in"], false);
    assert_eq!(t["organisation_id"], json!(ws.provider));
    assert_eq!(t["source_plan_id"], saved.plan["id"]);
    assert_eq!(t["stages"], saved.plan["stages"]);

    let priorities = t["priorities"].as_array().expect("priorities");
    assert_eq!(priorities.len(), 2, "{t}");
    for (copied, original) in priorities.iter().zip(&saved.priorities) {
        assert_eq!(copied["statement"], original["statement"]);
        assert_eq!(copied["ethnic_categories"], original["ethnic_categories"]);
        assert_eq!(copied["service_area"], original["service_area"]);
        assert_eq!(copied["evidence"], original["evidence"]);
    }
    assert_eq!(priorities[1]["ethnic_categories"], json!(["H", "J", "K"]));

    let goals = t["goals"].as_array().expect("goals");
    assert_eq!(goals.len(), 1, "{t}");
    for field in ["statement", "measure", "baseline", "target", "pillar"] {
        assert_eq!(goals[0][field], saved.goal[field], "{field}");
    }
    assert_eq!(goals[0]["competencies"], saved.goal["competencies"]);
    assert!(goals[0].get("deadline").is_none(), "{t}");

    let actions = t["actions"].as_array().expect("actions");
    let shape: Vec<(u64, &str)> = actions
        .iter()
        .map(|a| {
            (
                a["priority"].as_u64().expect("priority index"),
                a["description"].as_str().expect("description"),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (0, "Co-design a crisis café with Black-led community groups"),
            (1, "Outreach sessions at the gurdwara and two mosques"),
            (0, "Review advocacy offered on admission"),
        ]
    );
    assert_eq!(actions[0]["lead_role"], "Community Engagement Lead");
    assert_eq!(actions[0]["measure"], "Sessions held");
    for action in actions {
        for private in ["lead_name", "starts_on", "ends_on", "status"] {
            assert!(action.get(private).is_none(), "{private} in {action}");
        }
    }
    let text = t.to_string();
    for kept_out in [
        LEAD_ONE,
        LEAD_TWO,
        NARRATIVE,
        &days_from_today(-30),
        &days_from_today(60),
        &days_from_today(365),
    ] {
        assert!(!text.contains(kept_out), "{kept_out} leaked into {text}");
    }

    // Saving it is in the provider's own audit log.
    let logged = app
        .get_ok(
            &format!(
                "/api/v1/organisations/{}/audit?action=template.created",
                ws.provider
            ),
            &ws.admin.token,
        )
        .await;
    let logged = items(&logged);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["target_id"], json!(id));
    assert_eq!(logged[0]["after"]["actions"], 3, "{logged:?}");

    // Its provider's people read it.
    let read = app.get_ok(&template_path(&id), &ws.viewer.token).await;
    assert_eq!(&read, t);

    // The provider next door neither lists nor reads it.
    let theirs = app
        .get_ok("/api/v1/templates", &ws.other_editor.token)
        .await;
    assert_eq!(ids(&items(&theirs)), [BUILT_IN_TEMPLATE], "{theirs}");
    let hidden = expect_problem(
        app.get(&template_path(&id), &ws.other_editor.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let missing = expect_problem(
        app.get(&template_path(&random_id()), &ws.other_editor.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(hidden, missing, "a hidden template reads as a missing one");
    assert!(!hidden.to_string().contains("Detentions"), "{hidden}");
}

async fn a_plan_made_from_a_saved_template_copies_its_stages(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let token = ws.second_editor.token.as_str();
    let saved = saved_template(&ws).await;
    let template_id = str_field(&saved.template, "id");

    let plan = app
        .create(
            &plans_path(&ws.provider),
            token,
            json!({
                "title": "Detentions plan 2027/28",
                "service": "Adult acute inpatient services",
                "template_id": template_id,
            }),
        )
        .await;
    let plan_id = str_field(&plan, "id");
    assert_eq!(
        plan["template"],
        json!({ "id": template_id, "name": "Detentions plan (reusable)" })
    );
    assert_four_stages(&plan["stages"]);
    assert_eq!(plan["owner"]["user_id"], json!(ws.second_editor.user_id));

    // Stage 1: the same priority areas, as new records of the new plan.
    let priorities = app.all_pages(&priorities_path(&plan_id), token, 50).await;
    assert_eq!(priorities.len(), 2, "{priorities:?}");
    for (copied, original) in priorities.iter().zip(&saved.priorities) {
        assert_ne!(copied["id"], original["id"]);
        assert_eq!(copied["plan_id"], json!(plan_id));
        assert_eq!(copied["statement"], original["statement"]);
        assert_eq!(copied["ethnic_categories"], original["ethnic_categories"]);
        // Whether the communities were consulted is for the new plan to say.
        assert_eq!(copied["communities_consulted"], false, "{copied}");
    }

    // Stage 2: the goal, without a deadline until someone sets one.
    let goals = app.all_pages(&goals_path(&plan_id), token, 50).await;
    assert_eq!(goals.len(), 1, "{goals:?}");
    let goal = &goals[0];
    assert_eq!(goal["statement"], saved.goal["statement"]);
    assert_eq!(goal["competencies"], saved.goal["competencies"]);
    assert_eq!(goal["pillar"], "data");
    assert!(goal["deadline"].is_null(), "{goal}");

    // Stage 3: the actions, each serving the copy of its priority, not started, no lead
    // named, no dates.
    let actions = app.all_pages(&actions_path(&plan_id), token, 50).await;
    assert_eq!(actions.len(), 3, "{actions:?}");
    let new_priority_ids = ids(&priorities);
    for (copied, original) in actions.iter().zip(&saved.actions) {
        assert_eq!(copied["description"], original["description"]);
        assert_eq!(copied["status"], "not_started", "{copied}");
        for empty in ["lead_name", "starts_on", "ends_on", "last_update_on"] {
            assert!(copied[empty].is_null(), "{empty} in {copied}");
        }
        assert_eq!(copied["lead_role"], original["lead_role"]);
        assert_eq!(copied["overdue"], false);
        let served = new_priority_ids
            .iter()
            .position(|id| copied["priority_id"] == json!(id))
            .unwrap_or_else(|| panic!("{copied} serves a priority of the new plan"));
        let original_served = saved
            .priorities
            .iter()
            .position(|p| p["id"] == original["priority_id"])
            .expect("the original priority");
        assert_eq!(served, original_served, "{copied}");
    }

    // Stage 4 starts empty.
    let updates = app
        .get_ok(
            &format!("/api/v1/actions/{}/updates", str_field(&actions[0], "id")),
            token,
        )
        .await;
    assert_eq!(items(&updates), Vec::<Value>::new());

    // The goal's deadline can now be set.
    let (_, tag) = app
        .read_tagged(&format!("/api/v1/goals/{}", str_field(goal, "id")), token)
        .await;
    let set = app
        .patch(
            &format!("/api/v1/goals/{}", str_field(goal, "id")),
            token,
            Some(&tag),
            json!({ "deadline": "2028-03-31" }),
        )
        .await;
    assert_eq!(
        expect_status(set, StatusCode::OK).await["deadline"],
        "2028-03-31"
    );

    // The plan it was saved from is as it was.
    let original_id = str_field(&saved.plan, "id");
    let original_actions = app.all_pages(&actions_path(&original_id), token, 50).await;
    assert_eq!(ids(&original_actions), ids(&saved.actions));
    assert_eq!(original_actions[0]["status"], "on_track");
    assert_eq!(original_actions[0]["lead_name"], LEAD_ONE);

    // The provider next door cannot make a plan from it.
    let refused = expect_invalid(
        app.post(
            &plans_path(&ws.other_provider),
            &ws.other_editor.token,
            json!({ "title": "Borrowed", "service": "Crisis", "template_id": template_id }),
        )
        .await,
        &["template_id"],
    )
    .await;
    assert!(!refused.to_string().contains("Detentions"), "{refused}");
    let theirs = app
        .get_ok(&plans_path(&ws.other_provider), &ws.other_editor.token)
        .await;
    assert_eq!(items(&theirs), Vec::<Value>::new());
}

async fn saving_a_template_checks_the_plan_and_who_saves_it(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let plan = app
        .create_plan(&ws.editor.token, &ws.provider, "Talking therapies plan")
        .await;
    let plan_id = str_field(&plan, "id");
    let theirs = app
        .create_plan(&ws.other_editor.token, &ws.other_provider, "Hillside plan")
        .await;
    let body = |from: &str, name: &str| json!({ "from_plan_id": from, "name": name });

    // A viewer reads the workspace but does not write to it.
    expect_problem(
        app.post(
            &templates_path(&ws.provider),
            &ws.viewer.token,
            body(&plan_id, "Viewer's template"),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Somebody outside the provider is told it does not exist, as for a random id.
    let outside = expect_problem(
        app.post(
            &templates_path(&ws.provider),
            &ws.other_editor.token,
            body(&plan_id, "Taken"),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let nowhere = expect_problem(
        app.post(
            &templates_path(&random_id()),
            &ws.other_editor.token,
            body(&plan_id, "Taken"),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(outside, nowhere);

    // Only the organisation's own plans, live ones, can be saved; a name is needed.
    let other_plan = str_field(&theirs, "id");
    let random_plan = random_id();
    for from in [other_plan.as_str(), random_plan.as_str()] {
        expect_invalid(
            app.post(
                &templates_path(&ws.provider),
                &ws.editor.token,
                body(from, "Not ours"),
            )
            .await,
            &["from_plan_id"],
        )
        .await;
    }
    expect_invalid(
        app.post(
            &templates_path(&ws.provider),
            &ws.editor.token,
            body(&plan_id, "   "),
        )
        .await,
        &["name"],
    )
    .await;
    let doomed = app
        .create_plan(&ws.editor.token, &ws.provider, "Soon deleted")
        .await;
    expect_status(
        app.delete(
            &format!("/api/v1/plans/{}", str_field(&doomed, "id")),
            &ws.editor.token,
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    expect_invalid(
        app.post(
            &templates_path(&ws.provider),
            &ws.editor.token,
            body(&str_field(&doomed, "id"), "From a deleted plan"),
        )
        .await,
        &["from_plan_id"],
    )
    .await;

    // Nothing was saved.
    for actor in [&ws.editor, &ws.other_editor] {
        let list = app.get_ok("/api/v1/templates", &actor.token).await;
        assert_eq!(ids(&items(&list)), [BUILT_IN_TEMPLATE], "{list}");
    }
    let saved = app
        .get_ok(
            &format!(
                "/api/v1/organisations/{}/audit?action=template.created",
                ws.provider
            ),
            &ws.admin.token,
        )
        .await;
    assert_eq!(items(&saved), Vec::<Value>::new(), "{saved}");
}

// ---- sharing with the alliance and adopting -----------------------------------------------

fn share_path(id: &str) -> String {
    format!("/api/v1/templates/{id}/share")
}

fn adopt_path(id: &str) -> String {
    format!("/api/v1/templates/{id}/adopt")
}

fn shared_list_path(alliance_id: &str) -> String {
    format!("/api/v1/alliances/{alliance_id}/shared-templates")
}

fn withheld_terms_path(organisation_id: &str) -> String {
    format!("/api/v1/organisations/{organisation_id}/withheld-terms")
}

/// Identifiers planted in the plan a shared template is saved from.
const PLANTED_EMAIL: &str = "dara.obi@riverside.example";
/// Valid modulus-11 check digit.
const PLANTED_NHS_NUMBER: &str = "943 476 5919";
const PLANTED_TERM: &str = "Larkspur Ward";

/// Shares a template as `who`; the raw answer.
async fn share(app: &TestApp, who: &Actor, template_id: &str) -> Response {
    app.post(&share_path(template_id), &who.token, json!({}))
        .await
}

async fn adopt(app: &TestApp, who: &Actor, template_id: &str, organisation_id: &str) -> Response {
    app.post(
        &adopt_path(template_id),
        &who.token,
        json!({ "organisation_id": organisation_id }),
    )
    .await
}

/// Sets an organisation's withheld terms from scratch (the list was never set).
async fn withhold(app: &TestApp, who: &Actor, organisation_id: &str, terms: &[&str]) {
    let response = app
        .request(
            Method::PUT,
            &withheld_terms_path(organisation_id),
            Some(&who.token),
        )
        .header("If-Match", "\"0\"")
        .json(&json!({ "terms": terms }))
        .send()
        .await
        .expect("PUT");
    expect_status(response, StatusCode::OK).await;
}

/// A template of `organisation_id` saved by `who` from a fresh plan with one priority area,
/// one goal and one action, whose texts are the given ones.
async fn template_from(
    app: &TestApp,
    who: &Actor,
    organisation_id: &str,
    name: &str,
    description: &str,
    (statement, baseline, action): (&str, &str, &str),
) -> Value {
    let token = who.token.as_str();
    let plan = app
        .create_plan(token, organisation_id, &format!("Source of {name}"))
        .await;
    let plan_id = str_field(&plan, "id");
    let priority = app
        .create(
            &priorities_path(&plan_id),
            token,
            json!({
                "statement": statement,
                "ethnic_categories": ["M", "N"],
                "evidence": "Detention data 2025/26 by ethnic category",
                "communities_consulted": true,
            }),
        )
        .await;
    app.create(
        &goals_path(&plan_id),
        token,
        json!({
            "statement": "Halve the gap in detention rates by 2028",
            "measure": "Detentions per 100,000 adults",
            "baseline": baseline,
            "target": "Half the gap",
            "deadline": "2028-03-31",
            "competencies": ["co_production"],
            "pillar": "data",
        }),
    )
    .await;
    app.add_action(
        token,
        &plan_id,
        &str_field(&priority, "id"),
        action,
        json!({ "lead_name": "Precious Adeyemi", "lead_role": "Community Engagement Lead" }),
    )
    .await;
    app.create(
        &templates_path(organisation_id),
        token,
        json!({ "from_plan_id": plan_id, "name": name, "description": description }),
    )
    .await
}

/// A template of the workspace's provider whose texts hold a member's name, an email, an NHS
/// number and a withheld term.
async fn planted_template(ws: &Workspace) -> Value {
    template_from(
        &ws.app,
        &ws.editor,
        &ws.provider,
        "Detentions on Larkspur Ward",
        &format!("Ask {PLANTED_EMAIL} about it"),
        (
            "Reduce detentions of Black Caribbean men; evidence collated by Amina Khan",
            &format!("Baseline from the audit sent by {PLANTED_EMAIL}"),
            &format!("Review the case of NHS number {PLANTED_NHS_NUMBER} with the family"),
        ),
    )
    .await
}

/// A template with texts that need no redaction.
async fn plain_template(app: &TestApp, who: &Actor, organisation_id: &str, name: &str) -> Value {
    template_from(
        app,
        who,
        organisation_id,
        name,
        "Ready to reuse",
        (
            "Reduce detentions of Black Caribbean men under the Mental Health Act",
            "Detention rate ratio 3.1 in 2025/26",
            "Co-design a crisis café with Black-led community groups",
        ),
    )
    .await
}

/// The template part of a share answer (without its report).
fn without_report(shared: &Value) -> Value {
    let mut template = shared.clone();
    let object = template.as_object_mut().expect("an object");
    object.remove("redactions");
    object.remove("warnings");
    template
}

async fn sharing_redacts_what_leaves_the_workspace_and_the_owner_keeps_its_own(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let board = ws
        .alliance_member("bo.ard@alliance.example", "board_member")
        .await;
    withhold(app, &ws.admin, &ws.provider, &[PLANTED_TERM]).await;
    let original = planted_template(&ws).await;
    let id = str_field(&original, "id");
    assert!(original["shared_at"].is_null(), "{original}");
    assert_eq!(original["adoptions"], 0);
    assert!(original["adopted_from"].is_null());

    let shared = expect_status(share(app, &ws.editor, &id).await, StatusCode::OK).await;
    let text = shared.to_string();
    for planted in [
        PLANTED_EMAIL,
        PLANTED_NHS_NUMBER,
        "Amina Khan",
        "Larkspur",
        "Precious Adeyemi",
    ] {
        assert!(!text.contains(planted), "{planted} was shared: {text}");
    }
    assert_eq!(shared["id"], json!(id));
    assert_eq!(shared["name"], "Detentions on [redacted: withheld term]");
    assert_eq!(shared["description"], "Ask [redacted: email] about it");
    assert_eq!(
        shared["priorities"][0]["statement"],
        "Reduce detentions of Black Caribbean men; evidence collated by [redacted: person name]"
    );
    assert_eq!(
        shared["goals"][0]["baseline"],
        "Baseline from the audit sent by [redacted: email]"
    );
    assert_eq!(
        shared["actions"][0]["description"],
        "Review the case of NHS number [redacted: nhs number] with the family"
    );
    // The structure is as saved, and the platform's own stage prompts are shared as they are
    // (the provider's admin is called "pcref admin": redacted, "PCREF pillar" would lose a
    // word).
    assert_eq!(shared["stages"], original["stages"]);
    assert!(shared["stages"].to_string().contains("PCREF pillar"));
    assert_eq!(
        shared["priorities"][0]["ethnic_categories"],
        json!(["M", "N"])
    );
    assert_eq!(shared["goals"][0]["pillar"], "data");
    assert_eq!(
        shared["actions"][0]["lead_role"],
        "Community Engagement Lead"
    );
    assert_eq!(shared["actions"][0]["priority"], 0);
    assert!(shared["source_plan_id"].is_null(), "{shared}");
    assert_eq!(shared["organisation_id"], json!(ws.provider));
    assert_eq!(shared["adoptions"], 0);
    assert!(shared["shared_at"].is_string(), "{shared}");

    // The report says where and what kind, never what.
    let redactions = shared["redactions"].as_array().expect("redactions");
    for redaction in redactions {
        let mut keys: Vec<&str> = redaction
            .as_object()
            .expect("a redaction")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["field", "kind", "position"], "{redaction}");
    }
    let found: Vec<(&str, &str)> = redactions
        .iter()
        .map(|r| {
            (
                r["field"].as_str().unwrap_or_default(),
                r["kind"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    for expected in [
        ("name", "withheld term"),
        ("description", "email"),
        ("priorities[0].statement", "person name"),
        ("goals[0].baseline", "email"),
        ("actions[0].description", "nhs number"),
    ] {
        assert!(found.contains(&expected), "{expected:?} in {found:?}");
    }
    let name_marker = redactions
        .iter()
        .find(|r| r["field"] == "name")
        .expect("the name's redaction");
    assert_eq!(name_marker["position"], "Detentions on ".chars().count());

    // The owner's people keep reading their own template in full.
    let own = app.get_ok(&template_path(&id), &ws.viewer.token).await;
    assert_eq!(own["name"], "Detentions on Larkspur Ward");
    assert_eq!(own["description"], original["description"]);
    assert_eq!(own["priorities"], original["priorities"]);
    assert_eq!(own["goals"], original["goals"]);
    assert_eq!(own["actions"], original["actions"]);
    assert_eq!(own["source_plan_id"], original["source_plan_id"]);
    assert_eq!(own["shared_at"], shared["shared_at"]);

    // The rest of the alliance reads the shared copy, and only that.
    let view = without_report(&shared);
    for (who, actor) in [
        ("other provider", &ws.other_editor),
        ("VCSE partner", &partner),
        ("board member", &board),
        ("alliance admin", &ws.alliance_admin),
    ] {
        let read = app.get_ok(&template_path(&id), &actor.token).await;
        assert_eq!(read, view, "{who}");
        let listed = app
            .get_ok(&shared_list_path(&ws.alliance_id), &actor.token)
            .await;
        assert_eq!(items(&listed), std::slice::from_ref(&view), "{who}");
        // Still not among their own templates.
        let theirs = app.get_ok("/api/v1/templates", &actor.token).await;
        assert_eq!(ids(&items(&theirs)), [BUILT_IN_TEMPLATE], "{who}");
    }

    // Sharing is in the provider's own audit log, in counts.
    let logged = app
        .get_ok(
            &format!(
                "/api/v1/organisations/{}/audit?action=template.shared",
                ws.provider
            ),
            &ws.admin.token,
        )
        .await;
    let logged = items(&logged);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["target_id"], json!(id));
    assert_eq!(logged[0]["after"]["redactions"], redactions.len());
    assert_eq!(logged[0]["after"]["shared_again"], false);
    let log_text = logged[0].to_string();
    for planted in [PLANTED_EMAIL, PLANTED_NHS_NUMBER, "Amina Khan"] {
        assert!(!log_text.contains(planted), "{planted} in {log_text}");
    }

    // A term withheld later leaves the alliance's view at once; sharing again changes nothing
    // more and keeps the sharing date.
    let (_, tag) = {
        let response = app
            .get(&withheld_terms_path(&ws.provider), &ws.admin.token)
            .await;
        let tag = etag_of(&response);
        (expect_status(response, StatusCode::OK).await, tag)
    };
    let response = app
        .request(
            Method::PUT,
            &withheld_terms_path(&ws.provider),
            Some(&ws.admin.token),
        )
        .header("If-Match", tag)
        .json(&json!({ "terms": [PLANTED_TERM, "Black Caribbean men"] }))
        .send()
        .await
        .expect("PUT");
    expect_status(response, StatusCode::OK).await;
    let refreshed = app.get_ok(&template_path(&id), &partner.token).await;
    assert_eq!(
        refreshed["priorities"][0]["statement"],
        "Reduce detentions of [redacted: withheld term]; evidence collated by [redacted: person name]"
    );
    assert_eq!(refreshed["shared_at"], shared["shared_at"]);
    let own = app.get_ok(&template_path(&id), &ws.editor.token).await;
    assert_eq!(
        own["priorities"], original["priorities"],
        "the owner's template is as saved"
    );
    let again = expect_status(share(app, &ws.admin, &id).await, StatusCode::OK).await;
    assert_eq!(without_report(&again), refreshed);
    let logged = app
        .get_ok(
            &format!(
                "/api/v1/organisations/{}/audit?action=withheld_terms.replaced",
                ws.provider
            ),
            &ws.admin.token,
        )
        .await;
    assert_eq!(
        items(&logged)[0]["after"]["shared_templates_refreshed"],
        1,
        "{logged}"
    );
    let listed = app
        .get_ok(&shared_list_path(&ws.alliance_id), &board.token)
        .await;
    assert_eq!(items(&listed), [without_report(&again)]);

    // Another alliance sees nothing of it: a shared template reads as a missing one there.
    let south = app
        .bootstrap("South Coast PCREF Alliance", "lead@south.example")
        .await;
    let hidden = expect_problem(
        app.get(&template_path(&id), &south.admin.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let missing = expect_problem(
        app.get(&template_path(&random_id()), &south.admin.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(hidden, missing);
    expect_problem(
        app.get(&shared_list_path(&ws.alliance_id), &south.admin.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn another_provider_adopts_a_shared_template_and_plans_from_it(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let original =
        plain_template(app, &ws.editor, &ws.provider, "Detentions plan (reusable)").await;
    let id = str_field(&original, "id");
    let shared = expect_status(share(app, &ws.editor, &id).await, StatusCode::OK).await;

    let response = adopt(app, &ws.other_editor, &id, &ws.other_provider).await;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let adopted = expect_status(response, StatusCode::CREATED).await;
    let copy_id = str_field(&adopted, "id");
    assert_ne!(copy_id, id);
    assert_eq!(location, Some(template_path(&copy_id)));
    assert_eq!(adopted["organisation_id"], json!(ws.other_provider));
    assert_eq!(adopted["name"], shared["name"]);
    assert_eq!(adopted["description"], shared["description"]);
    for part in ["stages", "priorities", "goals", "actions"] {
        assert_eq!(adopted[part], shared[part], "{part}");
    }
    assert_eq!(adopted["built_in"], false);
    assert!(adopted["source_plan_id"].is_null(), "{adopted}");
    assert!(adopted["shared_at"].is_null(), "{adopted}");
    assert_eq!(adopted["adoptions"], 0);
    assert_eq!(
        adopted["adopted_from"],
        json!({
            "id": id,
            "name": "Detentions plan (reusable)",
            "organisation_id": ws.provider,
            "organisation_name": "Riverside Mental Health NHS Trust",
        })
    );

    // The copy is the adopter's own: listed and read by its people, not by the original's.
    let theirs = app
        .get_ok("/api/v1/templates", &ws.other_editor.token)
        .await;
    assert_eq!(
        ids(&items(&theirs)),
        [BUILT_IN_TEMPLATE.to_owned(), copy_id.clone()]
    );
    assert_eq!(
        app.get_ok(&template_path(&copy_id), &ws.other_editor.token)
            .await,
        adopted
    );
    expect_problem(
        app.get(&template_path(&copy_id), &ws.editor.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Everybody in the alliance sees the adoption counted.
    for (who, actor) in [
        ("owner's viewer", &ws.viewer),
        ("adopter", &ws.other_editor),
        ("VCSE partner", &partner),
        ("alliance admin", &ws.alliance_admin),
    ] {
        let read = app.get_ok(&template_path(&id), &actor.token).await;
        assert_eq!(read["adoptions"], 1, "{who}: {read}");
        let listed = app
            .get_ok(&shared_list_path(&ws.alliance_id), &actor.token)
            .await;
        assert_eq!(ids(&items(&listed)), std::slice::from_ref(&id), "{who}");
        assert_eq!(items(&listed)[0]["adoptions"], 1, "{who}");
    }

    // The adopter makes a plan from its copy.
    let plan = app
        .create(
            &plans_path(&ws.other_provider),
            &ws.other_editor.token,
            json!({
                "title": "Hillside detentions plan",
                "service": "Adult acute inpatient services",
                "template_id": copy_id,
            }),
        )
        .await;
    let plan_id = str_field(&plan, "id");
    assert_eq!(
        plan["template"],
        json!({ "id": copy_id, "name": "Detentions plan (reusable)" })
    );
    let priorities = app
        .all_pages(&priorities_path(&plan_id), &ws.other_editor.token, 50)
        .await;
    assert_eq!(priorities.len(), 1);
    assert_eq!(
        priorities[0]["statement"],
        shared["priorities"][0]["statement"]
    );
    let actions = app
        .all_pages(&actions_path(&plan_id), &ws.other_editor.token, 50)
        .await;
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0]["priority_id"], priorities[0]["id"]);
    assert!(actions[0]["lead_name"].is_null(), "{}", actions[0]);

    // Once per organisation.
    let again = expect_problem(
        adopt(app, &ws.other_editor, &id, &ws.other_provider).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        str_field(&again, "detail").contains("already adopted"),
        "{again}"
    );
    let read = app.get_ok(&template_path(&id), &ws.editor.token).await;
    assert_eq!(read["adoptions"], 1);

    // A copy is not shared on: the alliance adopts the original.
    let refused = expect_problem(
        share(app, &ws.other_editor, &copy_id).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        str_field(&refused, "detail").contains("share the original"),
        "{refused}"
    );

    // Adopting is in the adopter's own audit log, which its admin reads.
    let other_admin = app
        .add_member(
            &ws.alliance_admin,
            &ws.alliance_id,
            Some(&ws.other_provider),
            "hill.admin@hillside.example",
            "provider_admin",
        )
        .await;
    let logged = app
        .get_ok(
            &format!(
                "/api/v1/organisations/{}/audit?action=template.adopted",
                ws.other_provider
            ),
            &other_admin.token,
        )
        .await;
    let logged = items(&logged);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["target_id"], json!(copy_id));
    assert_eq!(logged[0]["after"]["adopted_from_id"], json!(id));
    let owners = app
        .get_ok(
            &format!(
                "/api/v1/organisations/{}/audit?action=template.adopted",
                ws.provider
            ),
            &ws.admin.token,
        )
        .await;
    assert_eq!(items(&owners), Vec::<Value>::new(), "{owners}");
}

async fn sharing_and_adopting_refuse_what_the_rules_forbid(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    let board = ws
        .alliance_member("bo.ard@alliance.example", "board_member")
        .await;
    let unshared = plain_template(app, &ws.editor, &ws.provider, "Kept at home").await;
    let unshared_id = str_field(&unshared, "id");
    let theirs = plain_template(app, &ws.other_editor, &ws.other_provider, "Hillside plan").await;
    let theirs_id = str_field(&theirs, "id");
    expect_status(
        share(app, &ws.other_editor, &theirs_id).await,
        StatusCode::OK,
    )
    .await;

    // The built-in template is everybody's already: a conflict with what it is.
    expect_problem(
        share(app, &ws.admin, BUILT_IN_TEMPLATE).await,
        StatusCode::CONFLICT,
    )
    .await;
    expect_problem(
        adopt(app, &ws.editor, BUILT_IN_TEMPLATE, &ws.provider).await,
        StatusCode::CONFLICT,
    )
    .await;

    // Viewers read, they do not share or adopt.
    expect_problem(
        share(app, &ws.viewer, &unshared_id).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_problem(
        adopt(app, &ws.viewer, &theirs_id, &ws.provider).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Somebody who sees a shared template but does not own it cannot share it; an unshared
    // one does not exist for them, exactly like a random id.
    expect_problem(
        share(app, &ws.editor, &theirs_id).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    for actor in [&ws.other_editor, &partner, &board, &ws.alliance_admin] {
        let hidden =
            expect_problem(share(app, actor, &unshared_id).await, StatusCode::NOT_FOUND).await;
        let missing =
            expect_problem(share(app, actor, &random_id()).await, StatusCode::NOT_FOUND).await;
        assert_eq!(hidden, missing);
        assert!(!hidden.to_string().contains("Kept at home"), "{hidden}");
        let read_hidden = expect_problem(
            app.get(&template_path(&unshared_id), &actor.token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let read_missing = expect_problem(
            app.get(&template_path(&random_id()), &actor.token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(read_hidden, read_missing);
    }
    let hidden = expect_problem(
        adopt(app, &ws.other_editor, &unshared_id, &ws.other_provider).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let missing = expect_problem(
        adopt(app, &ws.other_editor, &random_id(), &ws.other_provider).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(hidden, missing);

    // Only into a provider workspace the caller writes: not a VCSE organisation, not
    // somebody else's workspace, and the refusal says nothing of the template.
    let me = app.get_ok("/api/v1/me", &partner.token).await;
    let vcse = str_field(&me["memberships"][0], "organisation_id");
    for (actor, into) in [
        (&board, ws.provider.as_str()),
        (&ws.alliance_admin, ws.provider.as_str()),
        (&ws.editor, ws.other_provider.as_str()),
        (&partner, ws.provider.as_str()),
        (&partner, vcse.as_str()),
    ] {
        let refused = expect_problem(
            adopt(app, actor, &theirs_id, into).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let random = expect_problem(
            adopt(app, actor, &random_id(), into).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(refused, random);
    }

    // A provider's own template, shared or not, is already its own.
    expect_status(share(app, &ws.editor, &unshared_id).await, StatusCode::OK).await;
    expect_problem(
        adopt(app, &ws.editor, &unshared_id, &ws.provider).await,
        StatusCode::CONFLICT,
    )
    .await;

    // Malformed bodies are bad requests; unknown fields too.
    for body in [
        json!({}),
        json!({ "organisation_id": "nope" }),
        json!({ "organisation_id": ws.provider, "name": "Renamed" }),
    ] {
        expect_problem(
            app.post(&adopt_path(&theirs_id), &ws.editor.token, body)
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }

    // Another alliance's provider neither reads nor adopts it, even into its own workspace.
    let south = app
        .bootstrap("South Coast PCREF Alliance", "lead@south.example")
        .await;
    let south_provider = app
        .create_organisation(
            &south.admin,
            &south.alliance_id,
            "Seaside NHS Trust",
            "provider",
        )
        .await;
    let south_editor = app
        .add_member(
            &south.admin,
            &south.alliance_id,
            Some(&south_provider),
            "ed.itor@seaside.example",
            "provider_editor",
        )
        .await;
    let far = expect_problem(
        adopt(app, &south_editor, &theirs_id, &south_provider).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let nowhere = expect_problem(
        adopt(app, &south_editor, &random_id(), &south_provider).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(far, nowhere);
    let listed = app
        .get_ok(&shared_list_path(&south.alliance_id), &south_editor.token)
        .await;
    assert_eq!(items(&listed), Vec::<Value>::new());

    // Nothing was adopted by anybody.
    let original = app
        .get_ok(&template_path(&theirs_id), &ws.other_editor.token)
        .await;
    assert_eq!(original["adoptions"], 0, "{original}");
    let own = app.get_ok("/api/v1/templates", &ws.editor.token).await;
    assert_eq!(
        ids(&items(&own)),
        [BUILT_IN_TEMPLATE.to_owned(), unshared_id.clone()]
    );
}

async fn the_shared_templates_list_is_newest_first_paged_and_searched_as_shared(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let partner = ws.vcse_partner().await;
    withhold(app, &ws.admin, &ws.provider, &[PLANTED_TERM]).await;
    let mut shared = Vec::new();
    for (who, org, name) in [
        (&ws.editor, &ws.provider, "Crisis café pathway"),
        (
            &ws.other_editor,
            &ws.other_provider,
            "Advocacy on admission",
        ),
        (&ws.editor, &ws.provider, "Larkspur Ward detentions"),
    ] {
        let template = plain_template(app, who, org, name).await;
        let id = str_field(&template, "id");
        expect_status(share(app, who, &id).await, StatusCode::OK).await;
        shared.push(id);
    }
    // Neither an unshared template nor an adopted copy is listed.
    plain_template(app, &ws.editor, &ws.provider, "Never shared").await;
    expect_status(
        adopt(app, &ws.other_editor, &shared[0], &ws.other_provider).await,
        StatusCode::CREATED,
    )
    .await;
    // Sharing the first one again keeps its place.
    expect_status(share(app, &ws.editor, &shared[0]).await, StatusCode::OK).await;

    let newest_first: Vec<String> = shared.iter().rev().cloned().collect();
    let path = shared_list_path(&ws.alliance_id);
    let listed = app.get_ok(&path, &partner.token).await;
    assert_eq!(ids(&items(&listed)), newest_first);
    assert!(listed["next_cursor"].is_null(), "{listed}");
    let paged = app.all_pages(&path, &partner.token, 1).await;
    assert_eq!(ids(&paged), newest_first, "one per page");
    let paged = app.all_pages(&path, &partner.token, 2).await;
    assert_eq!(ids(&paged), newest_first, "two per page");

    // Words in the shared name or description, all of them, in any case.
    let search = |q: &str| format!("{path}?q={q}");
    let found = app.get_ok(&search("CAFÉ%20pathway"), &partner.token).await;
    assert_eq!(ids(&items(&found)), [shared[0].clone()]);
    let found = app.get_ok(&search("reuse"), &partner.token).await;
    assert_eq!(ids(&items(&found)), newest_first, "the description");
    let found = app
        .all_pages(&search("ready%20reuse"), &partner.token, 1)
        .await;
    assert_eq!(ids(&found), newest_first, "searched page by page");
    // Not the content, nor what was redacted, nor what is not shared.
    for q in [
        "crisis%20caf%C3%A9%20with",
        "Larkspur",
        "Caribbean",
        "Never",
    ] {
        let found = app.get_ok(&search(q), &partner.token).await;
        assert_eq!(items(&found), Vec::<Value>::new(), "q={q}");
    }
    let found = app.get_ok(&search("detentions"), &partner.token).await;
    assert_eq!(ids(&items(&found)), [shared[2].clone()]);
    assert_eq!(
        items(&found)[0]["name"],
        "[redacted: withheld term] detentions"
    );

    // Characters that mean something to LIKE or inside JSON are searched as written.
    let odd = plain_template(
        app,
        &ws.editor,
        &ws.provider,
        r#"The "quoted" 100% plan_a\b"#,
    )
    .await;
    let odd_id = str_field(&odd, "id");
    expect_status(share(app, &ws.editor, &odd_id).await, StatusCode::OK).await;
    for q in ["%22quoted%22", "100%25", "plan_a%5Cb", "%25", "_a%5C"] {
        let found = app.get_ok(&search(q), &partner.token).await;
        assert_eq!(ids(&items(&found)), std::slice::from_ref(&odd_id), "q={q}");
    }
    for q in ["%5C%22", "100%25%25", "plan%25b", "a_b"] {
        let found = app.get_ok(&search(q), &partner.token).await;
        assert_eq!(items(&found), Vec::<Value>::new(), "q={q}");
    }

    // Bad paging and search are invalid.
    expect_invalid(
        app.get(&format!("{path}?cursor=nope"), &partner.token)
            .await,
        &["cursor"],
    )
    .await;
    expect_invalid(
        app.get(&format!("{path}?cursor={}", random_id()), &partner.token)
            .await,
        &["cursor"],
    )
    .await;
    // A cursor is a position (a shared time and an id), whatever became of that template:
    // one from before anything was shared ends the list.
    let before_all = app
        .get_ok(&format!("{path}?cursor=1_{}", random_id()), &partner.token)
        .await;
    assert_eq!(items(&before_all), Vec::<Value>::new(), "{before_all}");
    expect_invalid(
        app.get(&search(&"x".repeat(201)), &partner.token).await,
        &["q"],
    )
    .await;
    for bad in ["limit=0", "limit=201"] {
        let status = app
            .get(&format!("{path}?{bad}"), &partner.token)
            .await
            .status();
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
            "?{bad} answered {status}"
        );
    }
}

backend_tests!(
    the_built_in_template_comes_first_for_every_member,
    a_saved_template_keeps_the_structure_but_no_people_dates_or_progress,
    a_plan_made_from_a_saved_template_copies_its_stages,
    saving_a_template_checks_the_plan_and_who_saves_it,
    sharing_redacts_what_leaves_the_workspace_and_the_owner_keeps_its_own,
    another_provider_adopts_a_shared_template_and_plans_from_it,
    sharing_and_adopting_refuse_what_the_rules_forbid,
    the_shared_templates_list_is_newest_first_paged_and_searched_as_shared,
);
