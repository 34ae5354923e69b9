//! `/api/v1/templates` and `/api/v1/organisations/{id}/templates`: the built-in four-stage
//! template, plans saved as templates (private to their provider) and plans made from them.

use pcref_e2e::{
    actions_path, backend_tests, days_from_today, expect_invalid, expect_problem, expect_status,
    goals_path, ids, items, plans_path, priorities_path, random_id, str_field, Backend, Workspace,
    BUILT_IN_TEMPLATE, BUILT_IN_TEMPLATE_NAME,
};
use reqwest::{Method, StatusCode};
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

backend_tests!(
    the_built_in_template_comes_first_for_every_member,
    a_saved_template_keeps_the_structure_but_no_people_dates_or_progress,
    a_plan_made_from_a_saved_template_copies_its_stages,
    saving_a_template_checks_the_plan_and_who_saves_it,
);
