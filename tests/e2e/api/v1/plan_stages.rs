//! The four stages of an action plan: priority areas (`/plans/{id}/priorities`,
//! `/priorities/{id}`), goals, actions and their progress updates — the whole flow, every
//! rule, optimistic concurrency, deletion, and the overdue and stale flags.

use std::collections::HashSet;
use std::io::Cursor;

use calamine::{Reader, Xlsx};
use pcref_e2e::{
    action_body, actions_path, assert_updates_need_the_current_etag, backend_tests,
    days_from_today, error_fields, error_message, expect_invalid, expect_problem, expect_status,
    goal_body, goals_path, ids, items, plan_path, plans_path, priorities_path, priority_body,
    random_id, str_field, update_body, updates_path, with, Backend, TestApp, Workspace,
    BUILT_IN_TEMPLATE, BUILT_IN_TEMPLATE_NAME,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn priority_path(id: &str) -> String {
    format!("/api/v1/priorities/{id}")
}

fn goal_path(id: &str) -> String {
    format!("/api/v1/goals/{id}")
}

fn action_path(id: &str) -> String {
    format!("/api/v1/actions/{id}")
}

fn id_of(record: &Value) -> String {
    str_field(record, "id")
}

/// The number of records a list holds.
async fn count(app: &TestApp, token: &str, path: &str) -> usize {
    app.all_pages(path, token, 200).await.len()
}

fn as_set(list: &Value) -> HashSet<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|v| v.as_str().expect("text").to_owned())
        .collect()
}

/// A plan of the workspace's provider with one priority area.
async fn plan_with_priority(ws: &Workspace, title: &str) -> (String, String) {
    let token = &ws.editor.token;
    let plan = ws.app.create_plan(token, &ws.provider, title).await;
    let priority = ws
        .app
        .add_priority(
            token,
            &id_of(&plan),
            "Reduce detentions of Black African men",
            &["N"],
        )
        .await;
    (id_of(&plan), id_of(&priority))
}

// ---- the whole flow -----------------------------------------------------------------------

async fn the_four_stages_from_template_to_export(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());

    let plan = app
        .create_plan(token, &ws.provider, "PCREF action plan 2026/27")
        .await;
    let plan_id = id_of(&plan);
    assert_eq!(
        plan["template"],
        json!({ "id": BUILT_IN_TEMPLATE, "name": BUILT_IN_TEMPLATE_NAME })
    );
    assert_eq!(plan["stages"].as_array().map(Vec::len), Some(4), "{plan}");

    // Stage 1: priority areas naming specific groups; codes in any case, repeats folded,
    // served upper-case in code order.
    let detentions = app
        .create(
            &priorities_path(&plan_id),
            token,
            with(
                priority_body(
                    "Reduce detentions of Black Caribbean and Black African men",
                    &["N", "m", "M"],
                ),
                json!({
                    "service_area": "Adult acute inpatient services",
                    "evidence": "Detention rate 3.4 times the White British rate",
                    "consultation_notes": "Two listening events with Black-led groups",
                }),
            ),
        )
        .await;
    assert_eq!(detentions["ethnic_categories"], json!(["M", "N"]));
    assert_eq!(detentions["plan_id"], json!(plan_id));
    assert_eq!(
        detentions["statement"],
        "Reduce detentions of Black Caribbean and Black African men"
    );
    assert_eq!(detentions["service_area"], "Adult acute inpatient services");
    assert_eq!(
        detentions["evidence"],
        "Detention rate 3.4 times the White British rate"
    );
    assert_eq!(detentions["communities_consulted"], true);
    assert_eq!(
        detentions["consultation_notes"],
        "Two listening events with Black-led groups"
    );
    assert_eq!(detentions["version"], 1);
    let therapies = app
        .add_priority(
            token,
            &plan_id,
            "Improve access to talking therapies for South Asian men",
            &["h", "K", "J", "h"],
        )
        .await;
    assert_eq!(therapies["ethnic_categories"], json!(["H", "J", "K"]));

    // Stage 2: SMART goals tied to competencies and a pillar.
    let ratio = app
        .add_goal(
            token,
            &plan_id,
            "Detention rate ratio below 2 by March 2028",
            &["co_production", "partnership_working", "co_production"],
            "leadership_and_governance",
        )
        .await;
    assert_eq!(
        as_set(&ratio["competencies"]),
        HashSet::from(["co_production".to_owned(), "partnership_working".to_owned()])
    );
    assert_eq!(ratio["competencies"].as_array().map(Vec::len), Some(2));
    assert_eq!(ratio["pillar"], "leadership_and_governance");
    assert_eq!(ratio["deadline"], json!(days_from_today(365)));
    assert_eq!(ratio["measure"], "Referrals per 100,000 people");
    assert_eq!(ratio["baseline"], "210 (2025/26)");
    assert_eq!(ratio["target"], "320");
    let feedback = app
        .add_goal(
            token,
            &plan_id,
            "Patients and carers say care recognised racism's trauma",
            &["trauma_informed_care"],
            "patient_and_carer_feedback",
        )
        .await;
    assert_eq!(feedback["competencies"], json!(["trauma_informed_care"]));

    // Stage 3: the implementation table.
    let cafe = app
        .add_action(
            token,
            &plan_id,
            &id_of(&detentions),
            "Co-design a crisis café with Black-led community groups",
            json!({
                "starts_on": days_from_today(-30),
                "ends_on": days_from_today(150),
                "status": "on_track",
            }),
        )
        .await;
    assert_eq!(cafe["priority_id"], detentions["id"]);
    assert_eq!(cafe["plan_id"], json!(plan_id));
    assert_eq!(cafe["status"], "on_track");
    assert_eq!(cafe["lead_name"], "Amina Khan");
    assert_eq!(cafe["lead_role"], "Head of Psychological Therapies");
    assert_eq!(cafe["cost_implications"], "£4,000 for venues");
    assert_eq!(cafe["starts_on"], json!(days_from_today(-30)));
    assert_eq!(cafe["overdue"], false);
    assert_eq!(cafe["stale"], false);
    assert!(cafe["last_update_on"].is_null());
    let restraint = app
        .add_action(
            token,
            &plan_id,
            &id_of(&detentions),
            "Review the use of restraint by ethnicity every quarter",
            json!({ "starts_on": days_from_today(0), "ends_on": days_from_today(90) }),
        )
        .await;
    assert_eq!(
        restraint["status"], "not_started",
        "not started unless given"
    );
    let outreach = app
        .add_action(
            token,
            &plan_id,
            &id_of(&therapies),
            "Outreach sessions at the gurdwara and two mosques",
            json!({}),
        )
        .await;

    // Stage 4: dated progress updates; the action follows the latest by date.
    let cafe_id = id_of(&cafe);
    let venue = app
        .post_update(
            token,
            &cafe_id,
            "on_track",
            Some(&days_from_today(-20)),
            "Venue agreed",
        )
        .await;
    assert_eq!(venue["action"]["status"], "on_track");
    assert_eq!(
        venue["action"]["last_update_on"],
        json!(days_from_today(-20))
    );
    let delayed = app
        .post_update(token, &cafe_id, "at_risk", None, "Funding delayed a month")
        .await;
    assert_eq!(
        delayed["reported_on"],
        json!(days_from_today(0)),
        "today unless given"
    );
    assert_eq!(delayed["action"]["status"], "at_risk");
    assert_eq!(
        delayed["action"]["last_update_on"],
        json!(days_from_today(0))
    );
    let backdated = app
        .post_update(
            token,
            &cafe_id,
            "complete",
            Some(&days_from_today(-60)),
            "Scoping finished (recorded late)",
        )
        .await;
    assert_eq!(
        backdated["action"]["status"], "at_risk",
        "a backdated update does not change the status"
    );
    assert_eq!(
        backdated["action"]["last_update_on"],
        json!(days_from_today(0))
    );

    let response = app
        .post(
            &updates_path(&id_of(&outreach)),
            token,
            json!({
                "status": "on_track",
                "rag": "amber",
                "narrative": "Two sessions held, 31 attendees\nThird booked",
                "evidence_url": "https://intranet.riverside.example/pcref/outreach-q2.pdf",
            }),
        )
        .await;
    let evidenced = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(evidenced["action_id"], outreach["id"]);
    assert_eq!(evidenced["rag"], "amber");
    assert_eq!(
        evidenced["narrative"],
        "Two sessions held, 31 attendees\nThird booked"
    );
    assert_eq!(
        evidenced["evidence_url"],
        "https://intranet.riverside.example/pcref/outreach-q2.pdf"
    );
    assert_eq!(
        evidenced["author"],
        json!({ "user_id": ws.editor.user_id, "display_name": "amina khan" })
    );

    let listed = app.get_ok(&updates_path(&cafe_id), token).await;
    assert_eq!(
        ids(&items(&listed)),
        [id_of(&delayed), id_of(&venue), id_of(&backdated)],
        "newest first, by the date reported on"
    );

    // Everything reads back as created.
    let (cafe_now, _) = app.read_tagged(&action_path(&cafe_id), token).await;
    assert_eq!(cafe_now["status"], "at_risk");
    assert_eq!(cafe_now["version"], 4, "created, then three updates");
    let priorities = app.all_pages(&priorities_path(&plan_id), token, 50).await;
    assert_eq!(priorities, [detentions.clone(), therapies.clone()]);
    let goals = app.all_pages(&goals_path(&plan_id), token, 50).await;
    assert_eq!(goals, [ratio.clone(), feedback.clone()]);
    for record in [&detentions, &therapies] {
        let (read, _) = app
            .read_tagged(&priority_path(&id_of(record)), &ws.viewer.token)
            .await;
        assert_eq!(&read, record);
    }
    for record in [&ratio, &feedback] {
        let (read, _) = app
            .read_tagged(&goal_path(&id_of(record)), &ws.viewer.token)
            .await;
        assert_eq!(&read, record);
    }
    let actions = app.all_pages(&actions_path(&plan_id), token, 50).await;
    assert_eq!(
        ids(&actions),
        [cafe_id.clone(), id_of(&restraint), id_of(&outreach)]
    );
    let query = |q: String| {
        let path = format!("{}?{q}", actions_path(&plan_id));
        async move { ids(&items(&app.get_ok(&path, token).await)) }
    };
    assert_eq!(
        query(format!("priority_id={}", id_of(&detentions))).await,
        [cafe_id.clone(), id_of(&restraint)]
    );
    assert_eq!(
        query("status=at_risk".into()).await,
        std::slice::from_ref(&cafe_id)
    );
    assert_eq!(
        query("status=not_started".into()).await,
        [id_of(&restraint)]
    );
    expect_invalid(
        app.get(
            &format!("{}?status=finished", actions_path(&plan_id)),
            token,
        )
        .await,
        &["status"],
    )
    .await;

    // And exports, every stage in its sheet.
    let response = app
        .get(&format!("{}/export", plan_path(&plan_id)), token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.expect("the workbook").to_vec();
    let mut workbook = Xlsx::new(Cursor::new(bytes)).expect("an Excel workbook");
    let rows = |workbook: &mut Xlsx<Cursor<Vec<u8>>>, name: &str| {
        workbook
            .worksheet_range(name)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .height()
    };
    assert_eq!(rows(&mut workbook, "1 Priority areas"), 3);
    assert_eq!(rows(&mut workbook, "2 Goals"), 3);
    assert_eq!(rows(&mut workbook, "3 Implementation"), 4);
    assert_eq!(rows(&mut workbook, "4 Monitoring"), 5);
}

// ---- rules --------------------------------------------------------------------------------

async fn priority_areas_name_specific_ethnic_groups(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let (plan, priority) = plan_with_priority(&ws, "Groups plan").await;
    let path = priorities_path(&plan);

    let refused: [(&[&str], &str); 9] = [
        (&["BAME"], "name the specific groups"),
        (&["BME"], "name the specific groups"),
        (&["ethnic minorities"], "name the specific groups"),
        (&["B.A.M.E."], "name the specific groups"),
        (&["H", "Non-white"], "name the specific groups"),
        (&["H", "asian"], "H, J, K, L"),
        (&["Black"], "M, N, P"),
        (&["Q"], "not an NHS ethnic category code"),
        (&[], "at least one"),
    ];
    for (codes, says) in refused {
        let problem = expect_invalid(
            app.post(&path, token, priority_body("Refused", codes))
                .await,
            &["ethnic_categories"],
        )
        .await;
        let message = error_message(&problem, "ethnic_categories");
        assert!(message.contains(says), "{codes:?}: {message}");
    }

    // An update is held to the same rule.
    let (before, tag) = app.read_tagged(&priority_path(&priority), token).await;
    for codes in [json!(["BAME"]), json!([]), json!(["asian"])] {
        expect_invalid(
            app.patch(
                &priority_path(&priority),
                token,
                Some(&tag),
                json!({ "ethnic_categories": codes }),
            )
            .await,
            &["ethnic_categories"],
        )
        .await;
    }

    // Nothing was created or changed.
    assert_eq!(count(app, token, &path).await, 1);
    let (after, after_tag) = app.read_tagged(&priority_path(&priority), token).await;
    assert_eq!(after, before);
    assert_eq!(after_tag, tag);

    let response = app
        .patch(
            &priority_path(&priority),
            token,
            Some(&tag),
            json!({ "ethnic_categories": ["p", "n", "M", "n"] }),
        )
        .await;
    let changed = expect_status(response, StatusCode::OK).await;
    assert_eq!(changed["ethnic_categories"], json!(["M", "N", "P"]));
    let z = app
        .add_priority(token, &plan, "Ethnicity not recorded", &["z", "99"])
        .await;
    assert_eq!(z["ethnic_categories"], json!(["Z", "99"]));
}

async fn goals_are_time_bound_and_tied_to_competencies_and_a_pillar(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let (plan, _) = plan_with_priority(&ws, "Goals plan").await;
    let path = goals_path(&plan);
    let goal = app
        .add_goal(token, &plan, "Kept as it is", &["workforce"], "data")
        .await;
    let base = goal_body("Refused", &["co_production"], "data");

    let refused = [
        (json!({ "competencies": ["kindness"] }), "competencies"),
        (json!({ "competencies": [] }), "competencies"),
        (
            json!({ "competencies": ["workforce", "Workforce"] }),
            "competencies",
        ),
        (json!({ "pillar": "finance" }), "pillar"),
        (json!({ "deadline": null }), "deadline"),
        (json!({ "statement": " " }), "statement"),
        (json!({ "target": "" }), "target"),
    ];
    for (change, field) in refused {
        let problem = expect_invalid(
            app.post(&path, token, with(base.clone(), change.clone()))
                .await,
            &[field],
        )
        .await;
        if field == "deadline" {
            assert!(
                error_message(&problem, "deadline").contains("time-bound"),
                "{problem}"
            );
        }
        if field == "pillar" {
            assert!(
                error_message(&problem, "pillar").contains("patient_and_carer_feedback"),
                "the values allowed are named: {problem}"
            );
        }
    }

    let (before, tag) = app.read_tagged(&goal_path(&id_of(&goal)), token).await;
    for (change, field) in [
        (json!({ "competencies": [] }), "competencies"),
        (json!({ "competencies": ["kindness"] }), "competencies"),
        (json!({ "pillar": "finance" }), "pillar"),
    ] {
        expect_invalid(
            app.patch(&goal_path(&id_of(&goal)), token, Some(&tag), change)
                .await,
            &[field],
        )
        .await;
    }

    assert_eq!(count(app, token, &path).await, 1);
    let (after, _) = app.read_tagged(&goal_path(&id_of(&goal)), token).await;
    assert_eq!(after, before);
}

async fn actions_serve_a_priority_of_their_plan_and_end_after_they_start(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let (plan, priority) = plan_with_priority(&ws, "Actions plan").await;
    let (_, elsewhere) = plan_with_priority(&ws, "Another plan of ours").await;
    let theirs = app
        .create_plan(&ws.other_editor.token, &ws.other_provider, "Hillside plan")
        .await;
    let their_priority = app
        .add_priority(&ws.other_editor.token, &id_of(&theirs), "Theirs", &["R"])
        .await;
    let path = actions_path(&plan);
    let action = app
        .add_action(
            token,
            &plan,
            &priority,
            "Kept as it is",
            json!({ "starts_on": days_from_today(-10), "ends_on": days_from_today(10) }),
        )
        .await;
    let action_id = id_of(&action);
    let base = action_body(&priority, "Refused");

    let random_priority = random_id();
    let refused = [
        (
            json!({ "starts_on": days_from_today(10), "ends_on": days_from_today(5) }),
            "ends_on",
        ),
        (json!({ "priority_id": elsewhere }), "priority_id"),
        (
            json!({ "priority_id": their_priority["id"] }),
            "priority_id",
        ),
        (json!({ "priority_id": random_priority }), "priority_id"),
        (json!({ "status": "finished" }), "status"),
        (json!({ "description": "" }), "description"),
    ];
    for (change, field) in refused {
        let problem = expect_invalid(
            app.post(&path, token, with(base.clone(), change.clone()))
                .await,
            &[field],
        )
        .await;
        assert!(!problem.to_string().contains("Theirs"), "{problem}");
    }

    // Moving one end past the other is refused whichever end moves.
    let (before, tag) = app.read_tagged(&action_path(&action_id), token).await;
    for (change, field) in [
        (json!({ "ends_on": days_from_today(-20) }), "ends_on"),
        (json!({ "starts_on": days_from_today(20) }), "ends_on"),
        (json!({ "priority_id": elsewhere }), "priority_id"),
        (
            json!({ "priority_id": their_priority["id"] }),
            "priority_id",
        ),
    ] {
        expect_invalid(
            app.patch(&action_path(&action_id), token, Some(&tag), change)
                .await,
            &[field],
        )
        .await;
    }
    // The status is not a field of the action: progress updates set it.
    expect_problem(
        app.patch(
            &action_path(&action_id),
            token,
            Some(&tag),
            json!({ "status": "complete" }),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;

    assert_eq!(count(app, token, &path).await, 1);
    let (after, after_tag) = app.read_tagged(&action_path(&action_id), token).await;
    assert_eq!(after, before);
    assert_eq!(after_tag, tag);

    // Opening the start while moving the end is fine.
    let response = app
        .patch(
            &action_path(&action_id),
            token,
            Some(&tag),
            json!({ "starts_on": null, "ends_on": days_from_today(-20) }),
        )
        .await;
    let changed = expect_status(response, StatusCode::OK).await;
    assert!(changed["starts_on"].is_null());
    assert_eq!(changed["ends_on"], json!(days_from_today(-20)));
}

async fn progress_updates_are_dated_and_link_to_the_web(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let (plan, priority) = plan_with_priority(&ws, "Updates plan").await;
    let action = app
        .add_action(token, &plan, &priority, "Checked", json!({}))
        .await;
    let path = updates_path(&id_of(&action));
    let base = update_body("on_track", None, "Refused");

    let refused = [
        (json!({ "reported_on": days_from_today(1) }), "reported_on"),
        (
            json!({ "evidence_url": "javascript:alert(document.cookie)" }),
            "evidence_url",
        ),
        (
            json!({ "evidence_url": "ftp://files.example/report.pdf" }),
            "evidence_url",
        ),
        (json!({ "evidence_url": "report.pdf" }), "evidence_url"),
        (json!({ "rag": "purple" }), "rag"),
        (json!({ "status": "done" }), "status"),
        (json!({ "narrative": "   " }), "narrative"),
    ];
    for (change, field) in refused {
        expect_invalid(
            app.post(&path, token, with(base.clone(), change.clone()))
                .await,
            &[field],
        )
        .await;
    }

    assert_eq!(count(app, token, &path).await, 0);
    let (after, _) = app.read_tagged(&action_path(&id_of(&action)), token).await;
    assert_eq!(after, action, "the action is as it was");

    // Today is not the future.
    let today = app
        .post_update(
            token,
            &id_of(&action),
            "on_track",
            Some(&days_from_today(0)),
            "Fine",
        )
        .await;
    assert_eq!(today["reported_on"], json!(days_from_today(0)));
}

async fn several_bad_fields_are_reported_together(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let (plan, priority) = plan_with_priority(&ws, "Many errors").await;
    let action = app
        .add_action(token, &plan, &priority, "Checked", json!({}))
        .await;

    expect_invalid(
        app.post(
            &priorities_path(&plan),
            token,
            json!({
                "statement": " ",
                "ethnic_categories": ["BAME"],
                "communities_consulted": false,
            }),
        )
        .await,
        &["statement", "ethnic_categories"],
    )
    .await;
    expect_invalid(
        app.post(
            &goals_path(&plan),
            token,
            json!({
                "statement": "",
                "measure": "",
                "target": "",
                "competencies": [],
                "pillar": "finance",
            }),
        )
        .await,
        &[
            "statement",
            "measure",
            "target",
            "competencies",
            "pillar",
            "deadline",
        ],
    )
    .await;
    let problem = expect_invalid(
        app.post(
            &updates_path(&id_of(&action)),
            token,
            json!({
                "status": "done",
                "rag": "purple",
                "narrative": "",
                "evidence_url": "javascript:void(0)",
            }),
        )
        .await,
        &["status", "rag", "narrative", "evidence_url"],
    )
    .await;
    assert!(
        problem["detail"].as_str().is_some_and(|d| d.contains('4')),
        "{problem}"
    );

    assert_eq!(count(app, token, &priorities_path(&plan)).await, 1);
    assert_eq!(count(app, token, &goals_path(&plan)).await, 0);
    assert_eq!(count(app, token, &updates_path(&id_of(&action))).await, 0);
}

/// A rule across fields (dates in order) or checked against the clock (not in the future) is
/// reported with the other fields' errors, not only once they are fixed.
async fn date_rules_are_reported_with_the_other_bad_fields(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let (plan, priority) = plan_with_priority(&ws, "Dates and more").await;
    let action = app
        .add_action(token, &plan, &priority, "Checked", json!({}))
        .await;

    let action_problem = app
        .post(
            &actions_path(&plan),
            token,
            with(
                action_body(&priority, ""),
                json!({
                    "status": "finished",
                    "starts_on": days_from_today(10),
                    "ends_on": days_from_today(5),
                }),
            ),
        )
        .await;
    let plan_problem = app
        .post(
            &plans_path(&ws.provider),
            token,
            json!({
                "title": "",
                "service": "Crisis",
                "status": "archived",
                "period_starts_on": "2027-04-01",
                "period_ends_on": "2027-03-31",
            }),
        )
        .await;
    let update_problem = app
        .post(
            &updates_path(&id_of(&action)),
            token,
            with(
                update_body("on_track", Some(&days_from_today(1)), "Tomorrow"),
                json!({ "rag": "purple" }),
            ),
        )
        .await;

    let mut wrong = Vec::new();
    for (what, response, expected) in [
        (
            "action",
            action_problem,
            &["description", "ends_on", "status"][..],
        ),
        ("plan", plan_problem, &["period_ends_on", "status", "title"]),
        ("progress update", update_problem, &["rag", "reported_on"]),
    ] {
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        let mut named = error_fields(&problem);
        named.sort();
        if named != expected {
            wrong.push(format!("{what}: named {named:?}, expected {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

// ---- optimistic concurrency ---------------------------------------------------------------

async fn stage_records_need_the_current_etag(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let (plan, priority) = plan_with_priority(&ws, "Concurrency plan").await;
    let goal = app
        .add_goal(token, &plan, "Equal waits", &["workforce"], "data")
        .await;
    let action = app
        .add_action(token, &plan, &priority, "Outreach", json!({}))
        .await;
    let (first, second) = (&ws.editor, &ws.second_editor);

    assert_updates_need_the_current_etag(
        app,
        &priority_path(&priority),
        first,
        second,
        "statement",
        (json!("Amina's statement"), json!("Tom's statement")),
    )
    .await;
    assert_updates_need_the_current_etag(
        app,
        &goal_path(&id_of(&goal)),
        first,
        second,
        "target",
        (json!("350"), json!("400")),
    )
    .await;
    assert_updates_need_the_current_etag(
        app,
        &action_path(&id_of(&action)),
        first,
        second,
        "description",
        (json!("Amina's outreach"), json!("Tom's outreach")),
    )
    .await;

    // A progress update changes the action, so a tag read before it is stale.
    let path = action_path(&id_of(&action));
    let (_, before_update) = app.read_tagged(&path, token).await;
    let posted = app
        .post_update(token, &id_of(&action), "on_track", None, "Going well")
        .await;
    expect_problem(
        app.patch(
            &path,
            token,
            Some(&before_update),
            json!({ "measure": "Visits" }),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let current = format!("\"{}\"", posted["action"]["version"]);
    let response = app
        .patch(&path, token, Some(&current), json!({ "measure": "Visits" }))
        .await;
    assert_eq!(
        expect_status(response, StatusCode::OK).await["measure"],
        "Visits"
    );

    // A delete with a stale tag deletes nothing.
    for record in [
        priority_path(&priority),
        goal_path(&id_of(&goal)),
        action_path(&id_of(&action)),
    ] {
        expect_problem(
            app.delete_if(&record, token, Some("\"1\"")).await,
            StatusCode::PRECONDITION_FAILED,
        )
        .await;
        app.get_ok(&record, token).await;
    }
}

// ---- deleting -----------------------------------------------------------------------------

async fn a_priority_served_by_actions_cannot_be_deleted(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let (plan, served) = plan_with_priority(&ws, "Deleting plan").await;
    let other = app
        .add_priority(
            token,
            &plan,
            "Improve access for Chinese older adults",
            &["R"],
        )
        .await;
    let first = app
        .add_action(token, &plan, &served, "First action", json!({}))
        .await;
    let second = app
        .add_action(token, &plan, &served, "Second action", json!({}))
        .await;
    app.post_update(token, &id_of(&first), "on_track", None, "Begun")
        .await;

    let problem = expect_problem(
        app.delete(&priority_path(&served), token).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        problem["detail"].as_str().is_some_and(|d| d.contains('2')),
        "says how many actions serve it: {problem}"
    );
    app.get_ok(&priority_path(&served), token).await;

    // Deleting an action takes its progress updates with it.
    expect_status(
        app.delete(&action_path(&id_of(&first)), token).await,
        StatusCode::NO_CONTENT,
    )
    .await;
    expect_problem(
        app.get(&action_path(&id_of(&first)), token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        app.get(&updates_path(&id_of(&first)), token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        app.delete(&priority_path(&served), token).await,
        StatusCode::CONFLICT,
    )
    .await;

    // Once the last action serves another priority, it can go.
    let (_, tag) = app.read_tagged(&action_path(&id_of(&second)), token).await;
    let response = app
        .patch(
            &action_path(&id_of(&second)),
            token,
            Some(&tag),
            json!({ "priority_id": other["id"] }),
        )
        .await;
    assert_eq!(
        expect_status(response, StatusCode::OK).await["priority_id"],
        other["id"]
    );
    let (_, tag) = app.read_tagged(&priority_path(&served), token).await;
    expect_status(
        app.delete_if(&priority_path(&served), token, Some(&tag))
            .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    expect_problem(
        app.get(&priority_path(&served), token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let left = app.all_pages(&priorities_path(&plan), token, 50).await;
    assert_eq!(ids(&left), [id_of(&other)]);
    expect_problem(
        app.delete(&priority_path(&served), token).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // A goal goes without conditions.
    let goal = app
        .add_goal(token, &plan, "Equal waits", &["workforce"], "data")
        .await;
    expect_status(
        app.delete(&goal_path(&id_of(&goal)), token).await,
        StatusCode::NO_CONTENT,
    )
    .await;
    expect_problem(
        app.get(&goal_path(&id_of(&goal)), token).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // The provider's audit log keeps what was deleted.
    let entries = app
        .all_pages(
            &format!("/api/v1/organisations/{}/audit", ws.provider),
            &ws.admin.token,
            200,
        )
        .await;
    let entry = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("{action} in {entries:?}"))
            .clone()
    };
    let action_deleted = entry("action.deleted");
    assert_eq!(action_deleted["target_id"], first["id"]);
    assert_eq!(action_deleted["before"]["description"], "First action");
    assert_eq!(
        action_deleted["before"]["progress_updates"][0]["narrative"],
        "Begun"
    );
    assert_eq!(
        entry("priority.deleted")["before"]["statement"],
        "Reduce detentions of Black African men"
    );
    assert_eq!(entry("goal.deleted")["before"]["statement"], "Equal waits");
}

// ---- overdue and stale --------------------------------------------------------------------

async fn overdue_and_stale_follow_dates_and_updates(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let (plan, priority) = plan_with_priority(&ws, "Flags plan").await;
    let add = |description: &'static str, extra: Value| {
        let (plan, priority) = (plan.clone(), priority.clone());
        async move {
            id_of(
                &app.add_action(token, &plan, &priority, description, extra)
                    .await,
            )
        }
    };
    let late = add(
        "Ended yesterday, on track",
        json!({ "starts_on": days_from_today(-60), "ends_on": days_from_today(-1), "status": "on_track" }),
    )
    .await;
    let ending_today = add(
        "Ends today",
        json!({ "starts_on": days_from_today(-60), "ends_on": days_from_today(0) }),
    )
    .await;
    let future = add("Ends in a month", json!({ "ends_on": days_from_today(30) })).await;
    let undated = add("No dates", json!({})).await;
    let dropped = add(
        "Ended last week, dropped",
        json!({ "ends_on": days_from_today(-7) }),
    )
    .await;
    let flags = |id: String| async move {
        let (action, _) = app.read_tagged(&action_path(&id), token).await;
        (action["overdue"].clone(), action["stale"].clone())
    };
    let overdue_list = |query: &'static str| {
        let path = format!("{}?{query}", actions_path(&plan));
        async move { ids(&items(&app.get_ok(&path, token).await)) }
    };

    // Overdue: past its end and neither complete nor dropped.
    assert_eq!(flags(late.clone()).await.0, true);
    assert_eq!(
        flags(ending_today.clone()).await.0,
        false,
        "ends today: not yet"
    );
    assert_eq!(flags(future.clone()).await.0, false);
    assert_eq!(flags(undated.clone()).await.0, false);
    assert_eq!(flags(dropped.clone()).await.0, true);
    let posted = app
        .post_update(
            token,
            &dropped,
            "dropped",
            None,
            "Merged into another action",
        )
        .await;
    assert_eq!(
        posted["action"]["overdue"], false,
        "nothing is expected of it"
    );
    assert_eq!(
        overdue_list("overdue=true").await,
        std::slice::from_ref(&late),
        "only the late action"
    );
    assert_eq!(
        overdue_list("overdue=false").await,
        [
            ending_today.clone(),
            future.clone(),
            undated.clone(),
            dropped.clone()
        ]
    );

    let posted = app
        .post_update(token, &late, "complete", None, "Done, a day late")
        .await;
    assert_eq!(posted["action"]["status"], "complete");
    assert_eq!(posted["action"]["overdue"], false);
    assert_eq!(flags(late.clone()).await.0, false);
    assert_eq!(overdue_list("overdue=true").await, Vec::<String>::new());
    assert_eq!(
        overdue_list("status=complete").await,
        std::slice::from_ref(&late)
    );

    // Stale: under way with no update within the alliance's cycle (90 days).
    assert_eq!(
        flags(future.clone()).await.1,
        false,
        "new actions are not stale"
    );
    let posted = app
        .post_update(
            token,
            &future,
            "on_track",
            Some(&days_from_today(-200)),
            "Recorded late: the first meeting",
        )
        .await;
    assert_eq!(posted["action"]["stale"], true, "{posted}");
    assert_eq!(
        posted["action"]["last_update_on"],
        json!(days_from_today(-200))
    );
    assert_eq!(flags(future.clone()).await.1, true);
    let posted = app
        .post_update(token, &future, "on_track", None, "Second meeting held")
        .await;
    assert_eq!(posted["action"]["stale"], false);
    assert_eq!(flags(future.clone()).await.1, false);

    // The cycle's edge: 90 days is within it, 91 is not.
    let on_the_edge = add("Updated 90 days ago", json!({})).await;
    let posted = app
        .post_update(
            token,
            &on_the_edge,
            "at_risk",
            Some(&days_from_today(-90)),
            "Edge",
        )
        .await;
    assert_eq!(posted["action"]["stale"], false);
    let past_the_edge = add("Updated 91 days ago", json!({})).await;
    let posted = app
        .post_update(
            token,
            &past_the_edge,
            "off_track",
            Some(&days_from_today(-91)),
            "Past",
        )
        .await;
    assert_eq!(posted["action"]["stale"], true);

    // Finished actions are never stale.
    let finished = add("Finished long ago", json!({})).await;
    let posted = app
        .post_update(
            token,
            &finished,
            "complete",
            Some(&days_from_today(-300)),
            "Done",
        )
        .await;
    assert_eq!(posted["action"]["stale"], false);
    assert_eq!(posted["action"]["overdue"], false);
}

async fn progress_updates_list_newest_first_and_page(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let (plan, priority) = plan_with_priority(&ws, "Paging updates").await;
    let action = id_of(
        &app.add_action(token, &plan, &priority, "Listening events", json!({}))
            .await,
    );
    let mut post = Vec::new();
    for (days, status) in [
        (-10, "on_track"),
        (-30, "on_track"),
        (0, "at_risk"),
        (-10, "on_track"),
        (-5, "off_track"),
    ] {
        let day = days_from_today(days);
        let posted = app
            .post_update(
                token,
                &action,
                status,
                Some(&day),
                &format!("{status} on {day}"),
            )
            .await;
        post.push(id_of(&posted));
    }
    // By date, newest first; on the same date, the later posted first.
    let expected = [
        post[2].clone(),
        post[4].clone(),
        post[3].clone(),
        post[0].clone(),
        post[1].clone(),
    ];
    let listed = app.get_ok(&updates_path(&action), token).await;
    assert_eq!(ids(&items(&listed)), expected);
    for limit in [1, 2, 3, 5] {
        let paged = app.all_pages(&updates_path(&action), token, limit).await;
        assert_eq!(ids(&paged), expected, "limit={limit}");
    }
    let (now, _) = app.read_tagged(&action_path(&action), token).await;
    assert_eq!(now["status"], "at_risk", "the latest update's status");
    assert_eq!(now["last_update_on"], json!(days_from_today(0)));

    // Another update dated today, posted later, is the latest.
    let posted = app
        .post_update(token, &action, "complete", None, "Closed")
        .await;
    assert_eq!(posted["action"]["status"], "complete");
    let listed = app.get_ok(&updates_path(&action), token).await;
    assert_eq!(ids(&items(&listed))[0], id_of(&posted));
}

/// With `overdue=false`, a page holds up to `limit` actions that are not overdue, as with
/// every other filter: the filter is applied before the page is cut, not after.
async fn filtered_action_pages_are_full(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let (plan, priority) = plan_with_priority(&ws, "Paging actions").await;
    let mut overdue = Vec::new();
    let mut on_time = Vec::new();
    for n in 0..3 {
        let late = app
            .add_action(
                token,
                &plan,
                &priority,
                &format!("Late {n}"),
                json!({ "ends_on": days_from_today(-5) }),
            )
            .await;
        overdue.push(id_of(&late));
    }
    for n in 0..3 {
        let fine = app
            .add_action(
                token,
                &plan,
                &priority,
                &format!("On time {n}"),
                json!({ "ends_on": days_from_today(5) }),
            )
            .await;
        on_time.push(id_of(&fine));
    }
    let path = actions_path(&plan);

    for (query, expected) in [("overdue=true", &overdue), ("overdue=false", &on_time)] {
        let all = app.all_pages(&format!("{path}?{query}"), token, 2).await;
        assert_eq!(&ids(&all), expected, "?{query}, page by page");
        let first = app.get_ok(&format!("{path}?{query}&limit=2"), token).await;
        assert_eq!(
            ids(&items(&first)),
            expected[..2],
            "?{query}&limit=2: the first page holds two matching actions: {first}"
        );
    }
}

// ---- at the same moment -------------------------------------------------------------------

/// Two people post updates on one action at the same moment: whichever commits last, the
/// action takes the status of its latest update by date.
async fn simultaneous_updates_leave_the_latest_status(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let (plan, priority) = plan_with_priority(&ws, "Racing updates").await;
    let mut wrong = Vec::new();
    for round in 0..12 {
        let action = id_of(
            &app.add_action(&ws.editor.token, &plan, &priority, "Raced", json!({}))
                .await,
        );
        let path = updates_path(&action);
        let newer = app.post(
            &path,
            &ws.editor.token,
            update_body("complete", None, "Finished today"),
        );
        let older = app.post(
            &path,
            &ws.second_editor.token,
            update_body("on_track", Some(&days_from_today(-1)), "Yesterday's news"),
        );
        let (newer, older) = if round % 2 == 0 {
            tokio::join!(newer, older)
        } else {
            let (older, newer) = tokio::join!(older, newer);
            (newer, older)
        };
        expect_status(newer, StatusCode::CREATED).await;
        expect_status(older, StatusCode::CREATED).await;
        let (now, _) = app
            .read_tagged(&action_path(&action), &ws.editor.token)
            .await;
        let latest = app.get_ok(&path, &ws.editor.token).await;
        assert_eq!(items(&latest)[0]["status"], "complete", "{latest}");
        if now["status"] != "complete" || now["last_update_on"] != json!(days_from_today(0)) {
            wrong.push(format!(
                "round {round}: status {}, last update on {}",
                now["status"], now["last_update_on"]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "the action does not follow its latest update: {wrong:#?}"
    );
}

/// A priority area deleted while an action is added to it: one of the two wins, the other
/// is refused (409 or 422), and the server never fails (500).
async fn deleting_a_priority_while_an_action_is_added_to_it(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let token = ws.editor.token.as_str();
    let (plan, _) = plan_with_priority(&ws, "Racing deletes").await;
    let mut wrong = Vec::new();
    for round in 0..12 {
        let priority = id_of(
            &app.add_priority(token, &plan, &format!("Priority {round}"), &["S"])
                .await,
        );
        let (doomed, actions) = (priority_path(&priority), actions_path(&plan));
        let (deleted, added) = tokio::join!(
            app.delete(&doomed, token),
            app.post(
                &actions,
                &ws.second_editor.token,
                action_body(&priority, "Added while the priority goes"),
            ),
        );
        let outcome = (deleted.status(), added.status());
        let added_body = added.text().await.unwrap_or_default();
        let exists = app.get(&priority_path(&priority), token).await.status();
        let consistent = match outcome {
            (StatusCode::NO_CONTENT, StatusCode::UNPROCESSABLE_ENTITY) => {
                exists == StatusCode::NOT_FOUND
            }
            (StatusCode::CONFLICT, StatusCode::CREATED) => exists == StatusCode::OK,
            _ => false,
        };
        if !consistent {
            wrong.push(format!(
                "round {round}: delete {}, add {} ({added_body}), priority then {exists}",
                outcome.0, outcome.1
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A cursor is only good for the list that issued it. Listing one's own action's updates with
/// the id of another provider's update as the cursor must answer as for any unknown cursor —
/// otherwise the answer tells that the update exists, and when it was reported.
async fn an_update_cursor_reveals_nothing_of_another_workspace(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let app = &ws.app;
    let (plan, priority) = plan_with_priority(&ws, "Riverside plan").await;
    let action = app
        .add_action(&ws.editor.token, &plan, &priority, "Private", json!({}))
        .await;
    let private = app
        .post_update(
            &ws.editor.token,
            &id_of(&action),
            "on_track",
            Some(&days_from_today(-5)),
            "Private narrative",
        )
        .await;

    let token = ws.other_editor.token.as_str();
    let theirs = app
        .create_plan(token, &ws.other_provider, "Hillside plan")
        .await;
    let their_priority = app
        .add_priority(token, &id_of(&theirs), "Hillside priority", &["R"])
        .await;
    let their_action = app
        .add_action(
            token,
            &id_of(&theirs),
            &id_of(&their_priority),
            "Theirs",
            json!({}),
        )
        .await;
    for days in [0, -10] {
        app.post_update(
            token,
            &id_of(&their_action),
            "on_track",
            Some(&days_from_today(days)),
            "Ours",
        )
        .await;
    }
    let path = updates_path(&id_of(&their_action));
    let with_cursor = |cursor: String| {
        let url = format!("{path}?cursor={cursor}");
        async move {
            let response = app.get(&url, token).await;
            (response.status(), response.text().await.unwrap_or_default())
        }
    };
    let foreign = with_cursor(id_of(&private)).await;
    let unknown = with_cursor(random_id()).await;
    assert_eq!(
        foreign, unknown,
        "another workspace's update as a cursor answers as an unknown cursor"
    );
}

/// The alliance's reporting cycle decides when an action is stale, in the list, on the
/// action and in the export.
async fn the_alliance_reporting_cycle_decides_stale(backend: Backend) {
    let ws = Workspace::new(backend).await;
    let (app, token) = (&ws.app, ws.editor.token.as_str());
    let (plan, priority) = plan_with_priority(&ws, "Cycle plan").await;
    let action = id_of(
        &app.add_action(token, &plan, &priority, "Quarterly review", json!({}))
            .await,
    );
    let posted = app
        .post_update(
            token,
            &action,
            "on_track",
            Some(&days_from_today(-40)),
            "Reviewed",
        )
        .await;
    assert_eq!(posted["action"]["stale"], false, "40 days: within 90");

    let alliance = format!("/api/v1/alliances/{}", ws.alliance_id);
    let admin = ws.alliance_admin.token.as_str();
    let set_cycle = |days: u32| {
        let alliance = alliance.clone();
        async move {
            let (_, tag) = app.read_tagged(&alliance, admin).await;
            let response = app
                .patch(
                    &alliance,
                    admin,
                    Some(&tag),
                    json!({ "reporting_cycle_days": days }),
                )
                .await;
            let changed = expect_status(response, StatusCode::OK).await;
            assert_eq!(changed["reporting_cycle_days"], days);
        }
    };
    let stale_now = || async {
        let (read, _) = app.read_tagged(&action_path(&action), token).await;
        let listed = app.get_ok(&actions_path(&plan), token).await;
        assert_eq!(items(&listed)[0]["stale"], read["stale"]);
        read["stale"].clone()
    };

    set_cycle(30).await;
    assert_eq!(stale_now().await, true, "40 days: past a 30-day cycle");
    let response = app
        .get(&format!("{}/export?format=csv", plan_path(&plan)), token)
        .await;
    let csv = response.text().await.expect("CSV");
    let row = csv.lines().nth(1).expect("a row");
    assert!(row.ends_with(",Yes"), "stale in the export: {row}");

    set_cycle(45).await;
    assert_eq!(stale_now().await, false, "40 days: within a 45-day cycle");
}

backend_tests!(
    the_four_stages_from_template_to_export,
    priority_areas_name_specific_ethnic_groups,
    goals_are_time_bound_and_tied_to_competencies_and_a_pillar,
    actions_serve_a_priority_of_their_plan_and_end_after_they_start,
    progress_updates_are_dated_and_link_to_the_web,
    several_bad_fields_are_reported_together,
    date_rules_are_reported_with_the_other_bad_fields,
    stage_records_need_the_current_etag,
    a_priority_served_by_actions_cannot_be_deleted,
    overdue_and_stale_follow_dates_and_updates,
    progress_updates_list_newest_first_and_page,
    filtered_action_pages_are_full,
    simultaneous_updates_leave_the_latest_status,
    deleting_a_priority_while_an_action_is_added_to_it,
    an_update_cursor_reveals_nothing_of_another_workspace,
    the_alliance_reporting_cycle_decides_stale,
);
