//! The audit log: every write leaves an entry (who, what, before and after), it is read
//! newest first by those allowed, it never holds a secret, and the database refuses to change
//! or delete it.

use std::collections::HashSet;

use diesel::connection::SimpleConnection;
use diesel::{Connection, ExpressionMethods, QueryDsl, RunQueryDsl};
use pcref_e2e::{
    backend_tests, etag_of, expect_problem, expect_status, str_field, Backend, TestApp,
};
use pcref_store::schema::audit_log;
use pcref_store::DbConnection;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn actions_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("a page has items")
        .iter()
        .map(|item| str_field(item, "action"))
        .collect()
}

fn entry<'a>(entries: &'a [Value], action: &str) -> &'a Value {
    let found: Vec<&Value> = entries.iter().filter(|e| e["action"] == action).collect();
    assert_eq!(found.len(), 1, "one {action} entry in {entries:?}");
    found[0]
}

/// Every entry of an audit feed, page by page, and the raw text of each page.
async fn read_all(app: &TestApp, path: &str, token: &str, limit: u32) -> (Vec<Value>, Vec<String>) {
    let mut entries = Vec::new();
    let mut texts = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let url = match &cursor {
            Some(c) => format!("{path}?limit={limit}&cursor={c}"),
            None => format!("{path}?limit={limit}"),
        };
        let response = app.get(&url, token).await;
        let status = response.status();
        let text = response.text().await.expect("audit page");
        assert_eq!(status, StatusCode::OK, "{url}: {text}");
        let page: Value = serde_json::from_str(&text).expect("an audit page is JSON");
        entries.extend(page["items"].as_array().expect("items").iter().cloned());
        texts.push(text);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return (entries, texts),
        }
    }
    panic!("{path} does not stop paging");
}

/// An RFC 3339 UTC time as a key that sorts in time order, whatever its fraction's length.
fn instant(text: &str) -> (String, u64) {
    let bare = text
        .strip_suffix('Z')
        .or_else(|| text.strip_suffix("+00:00"))
        .unwrap_or_else(|| panic!("{text} is not a UTC time"));
    let (seconds, fraction) = bare.split_once('.').unwrap_or((bare, ""));
    let nanos = format!("{fraction:0<9}")
        .parse()
        .expect("a fraction of a second");
    (seconds.to_owned(), nanos)
}

type AuditRowText = (String, String, String, Option<String>, Option<String>);

fn audit_rows(conn: &mut DbConnection) -> Vec<AuditRowText> {
    audit_log::table
        .select((
            audit_log::id,
            audit_log::action,
            audit_log::actor_label,
            audit_log::before_value,
            audit_log::after_value,
        ))
        .order(audit_log::id.asc())
        .load(conn)
        .expect("read audit_log")
}

async fn every_write_is_recorded_with_actor_and_changes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("East Midlands PCREF Alliance", "lead@alliance.example")
        .await;
    let admin = &alliance.admin;

    let org = app
        .create_organisation(admin, &alliance.alliance_id, "Old Name Trust", "provider")
        .await;
    expect_status(
        app.patch(
            &format!("/api/v1/organisations/{org}"),
            &admin.token,
            Some("\"1\""),
            json!({ "name": "New Name Trust" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let invitation = app
        .invite(
            admin,
            &alliance.alliance_id,
            Some(&org),
            "amina.khan@trust.example",
            "provider_editor",
        )
        .await;
    let membership = str_field(&invitation, "id");
    let accepted = app.accept(&str_field(&invitation, "invitation_code")).await;
    let member_user = str_field(&accepted["membership"]["user"], "id");
    let membership_path = format!("/api/v1/memberships/{membership}");
    let response = app.get(&membership_path, &admin.token).await;
    let tag = etag_of(&response);
    expect_status(response, StatusCode::OK).await;
    expect_status(
        app.patch(
            &membership_path,
            &admin.token,
            Some(&tag),
            json!({ "role": "provider_viewer" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        app.delete(&membership_path, &admin.token).await,
        StatusCode::NO_CONTENT,
    )
    .await;

    let audit_path = format!("/api/v1/alliances/{}/audit", alliance.alliance_id);
    let page = expect_status(app.get(&audit_path, &admin.token).await, StatusCode::OK).await;
    assert_eq!(
        actions_of(&page),
        vec![
            "membership.removed",
            "membership.role_changed",
            "membership.accepted",
            "membership.invited",
            "organisation.updated",
            "organisation.created",
            "membership.created",
            "alliance.created",
        ],
        "newest first: {page}"
    );
    assert!(page["next_cursor"].is_null(), "{page}");
    let entries = page["items"].as_array().expect("items").clone();

    // Newest first, by time too.
    let times: Vec<&str> = entries
        .iter()
        .map(|e| e["occurred_at"].as_str().expect("occurred_at"))
        .collect();
    let parsed: Vec<(String, u64)> = times.iter().map(|t| instant(t)).collect();
    assert!(
        parsed.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );

    let admin_actor = json!({ "user_id": admin.user_id, "label": "lead@alliance.example" });
    for e in &entries {
        assert_eq!(e["alliance_id"], json!(alliance.alliance_id), "{e}");
    }

    let created = entry(&entries, "organisation.created");
    assert_eq!(created["actor"], admin_actor);
    assert_eq!(created["target_type"], "organisation");
    assert_eq!(created["target_id"], json!(org));
    assert_eq!(created["organisation_id"], json!(org));
    assert!(created["before"].is_null(), "{created}");
    assert_eq!(created["after"]["name"], "Old Name Trust");
    assert_eq!(created["after"]["kind"], "provider");
    assert_eq!(created["after"]["version"], 1);

    let updated = entry(&entries, "organisation.updated");
    assert_eq!(updated["actor"], admin_actor);
    assert_eq!(updated["target_id"], json!(org));
    assert_eq!(updated["before"]["name"], "Old Name Trust");
    assert_eq!(updated["after"]["name"], "New Name Trust");
    assert_eq!(updated["before"]["version"], 1);
    assert_eq!(updated["after"]["version"], 2);

    let invited = entry(&entries, "membership.invited");
    assert_eq!(invited["actor"], admin_actor);
    assert_eq!(invited["target_type"], "membership");
    assert_eq!(invited["target_id"], json!(membership));
    assert_eq!(invited["organisation_id"], json!(org));
    assert!(invited["before"].is_null(), "{invited}");
    assert_eq!(invited["after"]["email"], "amina.khan@trust.example");
    assert_eq!(invited["after"]["role"], "provider_editor");
    assert_eq!(invited["after"]["status"], "invited");

    let accepted_entry = entry(&entries, "membership.accepted");
    assert_eq!(
        accepted_entry["actor"],
        json!({ "user_id": member_user, "label": "amina.khan@trust.example" }),
        "the person invited accepts: {accepted_entry}"
    );
    assert_eq!(accepted_entry["target_id"], json!(membership));
    assert_eq!(accepted_entry["before"]["status"], "invited");
    assert_eq!(accepted_entry["after"]["status"], "active");

    let role_changed = entry(&entries, "membership.role_changed");
    assert_eq!(role_changed["actor"], admin_actor);
    assert_eq!(role_changed["target_id"], json!(membership));
    assert_eq!(role_changed["before"]["role"], "provider_editor");
    assert_eq!(role_changed["after"]["role"], "provider_viewer");

    let removed = entry(&entries, "membership.removed");
    assert_eq!(removed["actor"], admin_actor);
    assert_eq!(removed["target_id"], json!(membership));
    assert_eq!(removed["before"]["role"], "provider_viewer");
    assert!(removed["after"].is_null(), "{removed}");

    let bootstrapped = entry(&entries, "alliance.created");
    assert_eq!(bootstrapped["actor"]["label"], "command line");
    assert!(bootstrapped["actor"]["user_id"].is_null(), "{bootstrapped}");
    assert_eq!(bootstrapped["target_type"], "alliance");
    assert_eq!(bootstrapped["target_id"], json!(alliance.alliance_id));
    assert_eq!(
        bootstrapped["after"]["name"],
        "East Midlands PCREF Alliance"
    );
    let first_admin = entry(&entries, "membership.created");
    assert_eq!(first_admin["actor"]["label"], "command line");
    assert_eq!(first_admin["after"]["role"], "alliance_admin");

    // Filtered by action.
    let filtered = expect_status(
        app.get(
            &format!("{audit_path}?action=organisation.updated"),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(actions_of(&filtered), vec!["organisation.updated"]);
    assert_eq!(filtered["items"][0], *updated);
    let none = expect_status(
        app.get(&format!("{audit_path}?action=no.such.action"), &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(actions_of(&none), Vec::<String>::new());

    // Paged: the same entries in the same order, three at a time.
    let mut sizes = Vec::new();
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{audit_path}?limit=3&cursor={c}"),
            None => format!("{audit_path}?limit=3"),
        };
        let page = expect_status(app.get(&url, &admin.token).await, StatusCode::OK).await;
        let items = page["items"].as_array().expect("items");
        sizes.push(items.len());
        paged.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(sizes.len() < 10, "paging does not end: {sizes:?}");
    }
    assert_eq!(sizes, vec![3, 3, 2]);
    assert_eq!(paged, entries);
}

async fn an_organisations_audit_is_private_to_its_admins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("East Midlands PCREF Alliance", "lead@alliance.example")
        .await;
    let admin = &alliance.admin;
    let ours = app
        .create_organisation(
            admin,
            &alliance.alliance_id,
            "Example Healthcare NHS Trust",
            "provider",
        )
        .await;
    let theirs = app
        .create_organisation(
            admin,
            &alliance.alliance_id,
            "Riverside Partnership Trust",
            "provider",
        )
        .await;

    let org_admin = app
        .add_member(
            admin,
            &alliance.alliance_id,
            Some(&ours),
            "head@example-trust.example",
            "provider_admin",
        )
        .await;
    let editor = app
        .add_member(
            &org_admin,
            &alliance.alliance_id,
            Some(&ours),
            "editor@example-trust.example",
            "provider_editor",
        )
        .await;
    // Activity in the other organisation.
    app.invite(
        admin,
        &alliance.alliance_id,
        Some(&theirs),
        "someone@riverside.example",
        "provider_viewer",
    )
    .await;
    expect_status(
        app.patch(
            &format!("/api/v1/organisations/{theirs}"),
            &admin.token,
            Some("\"1\""),
            json!({ "name": "Riverside Partnership NHS Trust" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let path = format!("/api/v1/organisations/{ours}/audit");
    let (entries, texts) = read_all(&app, &path, &org_admin.token, 200).await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        vec![
            "membership.accepted",
            "membership.invited",
            "membership.accepted",
            "membership.invited",
            "organisation.created",
        ],
        "newest first: {entries:?}"
    );
    for e in &entries {
        assert_eq!(
            e["organisation_id"],
            json!(ours),
            "every entry names our organisation: {e}"
        );
    }
    let invited: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "membership.invited")
        .collect();
    let invited_targets: HashSet<String> =
        invited.iter().map(|e| str_field(e, "target_id")).collect();
    assert_eq!(
        invited_targets,
        HashSet::from([
            org_admin.membership_id.clone(),
            editor.membership_id.clone()
        ])
    );
    let editor_invited = invited
        .iter()
        .find(|e| e["target_id"] == json!(editor.membership_id))
        .expect("the editor's invitation");
    assert_eq!(editor_invited["actor"]["user_id"], json!(org_admin.user_id));
    assert_eq!(
        editor_invited["after"]["email"],
        "editor@example-trust.example"
    );
    assert_eq!(editor_invited["after"]["role"], "provider_editor");
    for text in &texts {
        assert!(
            !text.contains(&theirs),
            "nothing about the other organisation: {text}"
        );
        assert!(
            !text.contains("Riverside"),
            "nothing about the other organisation: {text}"
        );
    }

    let filtered = expect_status(
        app.get(
            &format!("{path}?action=membership.invited"),
            &org_admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        actions_of(&filtered),
        vec!["membership.invited", "membership.invited"]
    );

    // Only the organisation's admins: an editor is refused, and to the alliance admin and to
    // another organisation's readers the log does not exist.
    expect_problem(app.get(&path, &editor.token).await, StatusCode::FORBIDDEN).await;
    let hidden = expect_problem(app.get(&path, &admin.token).await, StatusCode::NOT_FOUND).await;
    expect_problem(
        app.get(
            &format!("/api/v1/organisations/{theirs}/audit"),
            &org_admin.token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let missing = expect_problem(
        app.get(
            &format!("/api/v1/organisations/{}/audit", uuid::Uuid::now_v7()),
            &org_admin.token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(hidden, missing);
}

async fn no_audit_entry_holds_a_secret(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("East Midlands PCREF Alliance", "lead@alliance.example")
        .await;
    let admin = &alliance.admin;
    let org = app
        .create_organisation(
            admin,
            &alliance.alliance_id,
            "Example Healthcare NHS Trust",
            "provider",
        )
        .await;

    let mut secrets = vec![admin.token.clone()];
    let org_admin_invitation = app
        .invite(
            admin,
            &alliance.alliance_id,
            Some(&org),
            "head@example-trust.example",
            "provider_admin",
        )
        .await;
    let code = str_field(&org_admin_invitation, "invitation_code");
    let accepted = app.accept(&code).await;
    let org_admin_token = str_field(&accepted, "token");
    secrets.push(code);
    secrets.push(org_admin_token.clone());

    // A pending invitation, then invited again: two codes, neither used.
    let first = app
        .invite(
            admin,
            &alliance.alliance_id,
            None,
            "chair@board.example",
            "board_member",
        )
        .await;
    let second = app
        .invite(
            admin,
            &alliance.alliance_id,
            None,
            "chair@board.example",
            "board_member",
        )
        .await;
    secrets.push(str_field(&first, "invitation_code"));
    secrets.push(str_field(&second, "invitation_code"));

    // A personal access token made through the API.
    let created = expect_status(
        app.post(
            "/api/v1/me/tokens",
            &org_admin_token,
            json!({ "name": "reporting script" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    secrets.push(str_field(&created, "token"));
    for secret in &secrets {
        assert!(secret.len() >= 20, "a secret worth looking for: {secret}");
    }

    let (alliance_entries, mut texts) = read_all(
        &app,
        &format!("/api/v1/alliances/{}/audit", alliance.alliance_id),
        &admin.token,
        2,
    )
    .await;
    assert!(alliance_entries.len() >= 7, "{alliance_entries:?}");
    let (org_entries, org_texts) = read_all(
        &app,
        &format!("/api/v1/organisations/{org}/audit"),
        &org_admin_token,
        200,
    )
    .await;
    assert!(org_entries.len() >= 3, "{org_entries:?}");
    texts.extend(org_texts);

    for text in &texts {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "an audit answer holds a secret: {text}"
            );
        }
        assert!(
            !text.contains("pcref_inv_"),
            "an audit answer holds an invitation code: {text}"
        );
        assert!(
            !text.contains("pcref_pat_"),
            "an audit answer holds a token: {text}"
        );
    }

    // Nor does any stored entry, including those about people's own tokens that no feed shows.
    let probe = DatabaseProbe::of(&app);
    let rows = tokio::task::spawn_blocking(move || audit_rows(&mut probe.open()))
        .await
        .expect("database task");
    assert!(
        rows.iter().any(|r| r.1 == "access_token.created"),
        "token creations are recorded: {rows:?}"
    );
    for row in &rows {
        let stored = format!("{row:?}");
        for secret in &secrets {
            assert!(
                !stored.contains(secret.as_str()),
                "a stored audit entry holds a secret: {stored}"
            );
        }
    }
}

/// Enough to open the database from a blocking task.
struct DatabaseProbe {
    backend: Backend,
    url: String,
}

impl DatabaseProbe {
    fn of(app: &TestApp) -> DatabaseProbe {
        DatabaseProbe {
            backend: app.backend,
            url: app.database.url.clone(),
        }
    }

    fn open(&self) -> DbConnection {
        match self.backend {
            Backend::Sqlite => {
                let path = self
                    .url
                    .strip_prefix("sqlite://")
                    .expect("a SQLite test URL starts with sqlite://");
                DbConnection::Sqlite(
                    diesel::SqliteConnection::establish(path).expect("open the SQLite file"),
                )
            }
            Backend::Postgres => DbConnection::Postgresql(
                diesel::PgConnection::establish(&self.url)
                    .expect("connect to the PostgreSQL test database"),
            ),
        }
    }
}

async fn the_audit_log_is_append_only_in_the_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("East Midlands PCREF Alliance", "lead@alliance.example")
        .await;
    let admin = &alliance.admin;
    app.create_organisation(
        admin,
        &alliance.alliance_id,
        "Example Healthcare NHS Trust",
        "provider",
    )
    .await;
    let audit_path = format!("/api/v1/alliances/{}/audit", alliance.alliance_id);
    let before_api = expect_status(app.get(&audit_path, &admin.token).await, StatusCode::OK).await;

    let probe = DatabaseProbe::of(&app);
    let (before, update, delete, delete_one, after) = tokio::task::spawn_blocking(move || {
        let mut conn = probe.open();
        let before = audit_rows(&mut conn);
        let update = diesel::update(audit_log::table)
            .set(audit_log::action.eq("x"))
            .execute(&mut conn);
        let delete = diesel::delete(audit_log::table).execute(&mut conn);
        let delete_one =
            diesel::delete(audit_log::table.filter(audit_log::action.eq("alliance.created")))
                .execute(&mut conn);
        let after = audit_rows(&mut conn);
        (before, update, delete, delete_one, after)
    })
    .await
    .expect("database task");

    assert!(before.len() >= 4, "entries to protect: {before:?}");
    let update = update.expect_err("UPDATE audit_log must fail");
    assert!(
        update.to_string().contains("append-only"),
        "refused by the trigger: {update}"
    );
    let delete = delete.expect_err("DELETE FROM audit_log must fail");
    assert!(
        delete.to_string().contains("append-only"),
        "refused by the trigger: {delete}"
    );
    delete_one.expect_err("deleting one entry must fail");
    assert_eq!(after, before, "every row intact");

    // The raw SQL of an operator's console is refused the same way.
    let probe = DatabaseProbe::of(&app);
    let (raw_update, raw_delete, again) = tokio::task::spawn_blocking(move || {
        let mut conn = probe.open();
        let raw_update = conn.batch_execute("UPDATE audit_log SET action = 'x'");
        let raw_delete = conn.batch_execute("DELETE FROM audit_log");
        (raw_update, raw_delete, audit_rows(&mut conn))
    })
    .await
    .expect("database task");
    raw_update.expect_err("UPDATE audit_log SET action = 'x' must fail");
    raw_delete.expect_err("DELETE FROM audit_log must fail");
    assert_eq!(again, before, "every row intact");

    let after_api = expect_status(app.get(&audit_path, &admin.token).await, StatusCode::OK).await;
    assert_eq!(after_api, before_api);
}

/// The action filter names an action; anything else (a NUL byte, which PostgreSQL refuses
/// outright, upper case, spaces) is invalid input, on both backends alike.
async fn a_malformed_action_filter_is_invalid(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("Filter Alliance", "lead@filter.example")
        .await;
    let path = format!("/api/v1/alliances/{}/audit", alliance.alliance_id);
    for bad in [
        "%00",
        "Organisation.Created",
        "membership..invited",
        "a%20b",
        "",
    ] {
        let problem = expect_problem(
            app.get(&format!("{path}?action={bad}"), &alliance.admin.token)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "action", "{bad}: {problem}");
    }
    let page = expect_status(
        app.get(
            &format!("{path}?action=alliance.created"),
            &alliance.admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1), "{page}");
}

backend_tests!(
    a_malformed_action_filter_is_invalid,
    every_write_is_recorded_with_actor_and_changes,
    an_organisations_audit_is_private_to_its_admins,
    no_audit_entry_holds_a_secret,
    the_audit_log_is_append_only_in_the_database,
);
