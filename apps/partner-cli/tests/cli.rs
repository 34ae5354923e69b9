//! `pcref-partner` end to end: the built binary against the real server (the `pcref-e2e`
//! harness: a random port, a database of its own), on SQLite and, with
//! `PCREF_TEST_POSTGRES_URL` set at build time, on PostgreSQL.

use std::path::{Path, PathBuf};
use std::process::Output;

use pcref_e2e::serde_json::{self, json, Value};
use pcref_e2e::{
    backend_tests, days_from_today, expect_status, str_field, ApiClientCredentials, Backend,
    Workspace,
};
use reqwest::StatusCode;

/// A VCSE partner organisation of the workspace's alliance, its admin, and an API client the
/// admin created for the partner's scripts.
struct Partner {
    ws: Workspace,
    vcse: String,
    client: ApiClientCredentials,
    admin_token: String,
    dir: PathBuf,
}

impl Partner {
    async fn new(backend: Backend, scopes: &[&str]) -> Partner {
        let ws = Workspace::new(backend).await;
        let vcse = ws
            .app
            .create_organisation(
                &ws.alliance_admin,
                &ws.alliance_id,
                "Community Voices",
                "vcse",
            )
            .await;
        let admin = ws
            .app
            .add_member(
                &ws.alliance_admin,
                &ws.alliance_id,
                Some(&vcse),
                "grace.admin@voices.example",
                "vcse_admin",
            )
            .await;
        let client = ws
            .app
            .create_api_client(&admin, &vcse, "Community Voices uploads", scopes)
            .await;
        let dir = std::env::temp_dir().join(format!("pcref-partner-{}", uuid_like()));
        std::fs::create_dir_all(&dir).expect("a folder for the CSV files");
        Partner {
            ws,
            vcse,
            client,
            admin_token: admin.token,
            dir,
        }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("write the CSV file");
        path
    }

    /// Runs `pcref-partner ARGS` with the client's credentials in the environment.
    async fn run(&self, args: &[&str]) -> Run {
        self.run_as(&self.client.client_id, &self.client.client_secret, args)
            .await
    }

    async fn run_as(&self, client_id: &str, secret: &str, args: &[&str]) -> Run {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pcref-partner"));
        command
            .args(args)
            .env("PCREF_URL", &self.ws.app.base_url)
            .env("PCREF_CLIENT_ID", client_id)
            .env("PCREF_CLIENT_SECRET", secret)
            .env("PCREF_ALLIANCE_ID", &self.ws.alliance_id)
            .env_remove("PCREF_SCOPE");
        // The server runs on this test's runtime: wait for the process off it.
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("the process task")
            .expect("run pcref-partner");
        Run::from(output)
    }

    /// The alliance's feedback items as the VCSE admin sees them, through the API.
    async fn feedback_items(&self) -> Vec<Value> {
        let page = expect_status(
            self.ws
                .app
                .get(
                    &format!(
                        "/api/v1/alliances/{}/feedback?limit=200",
                        self.ws.alliance_id
                    ),
                    &self.admin_token,
                )
                .await,
            StatusCode::OK,
        )
        .await;
        page["items"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Partner {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    )
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// Five rows: three good (one about the provider, with a name and an email in a summary that
/// spans lines), one the hub refuses (an umbrella term), one refused here (the date).
fn feedback_csv(provider: &str) -> String {
    format!(
        "theme,ethnic_categories,channel,summary,received_on,about_organisation_id\n\
Waiting times,M;N,community_event,\"Long waits for a first appointment.\n\
Contact Grace Obi (grace.obi@example.org) to hear more.\",2026-01-12,{provider}\n\
Interpreters,H;J,survey,No interpreter was offered at the crisis assessment,2026-01-15,{provider}\n\
Crisis line,BAME,phone,Nobody answered at night,2026-01-20,\n\
Food,R,focus_group,Meals ignore dietary needs,20/01/2026,\n\
Chaplaincy,S,outreach_conversation,A multi-faith room was asked for,2026-01-22,\n"
    )
}

/// Good and bad rows: the good ones are filed once, each bad one is named by its line and
/// nothing is created for it; running the same file again files nothing twice.
async fn submits_a_csv_once_and_names_bad_rows_by_line(backend: Backend) {
    let p = Partner::new(backend, &["feedback:write", "feedback:read"]).await;
    let file = p.write("feedback.csv", &feedback_csv(&p.ws.provider));

    let first = p.run(&["feedback", "submit", path_arg(&file)]).await;
    assert_eq!(first.code, Some(1), "a row failed: {first}");
    assert!(
        first
            .stdout
            .contains("submitted 3, already submitted 0, failed 2"),
        "{first}"
    );
    // The rows' lines as in the file: the header is 1, the first row spans 2–3.
    for line in [
        "line 2: submitted ",
        "line 4: submitted ",
        "line 7: submitted ",
    ] {
        assert!(first.stdout.contains(line), "{line}: {first}");
    }
    assert!(
        first.stderr.contains("line 5: ethnic_categories: "),
        "the hub's refusal, by line: {first}"
    );
    assert!(
        first.stderr.contains("line 6: received_on: "),
        "the local check, by line: {first}"
    );
    assert!(first.stdout.contains("(redacted: "), "{first}");

    let items = p.feedback_items().await;
    assert_eq!(items.len(), 3, "{items:?}");
    let themes: Vec<&str> = items.iter().filter_map(|i| i["theme"].as_str()).collect();
    assert!(
        !themes.contains(&"Crisis line") && !themes.contains(&"Food"),
        "{themes:?}"
    );
    let waiting = items
        .iter()
        .find(|i| i["theme"] == json!("Waiting times"))
        .expect("the first row");
    let summary = str_field(waiting, "summary");
    assert!(!summary.contains("grace.obi@example.org"), "{summary}");
    assert!(summary.contains("[redacted: email]"), "{summary}");
    assert_eq!(waiting["about_organisation_id"], json!(p.ws.provider));
    assert_eq!(
        waiting["submitted_by_organisation"]["organisation_id"],
        json!(p.vcse)
    );

    // Again, as after a crash: a new token, the same keys, the first answers replayed.
    let again = p
        .run(&["feedback", "submit", "--json", path_arg(&file)])
        .await;
    assert_eq!(again.code, Some(1), "{again}");
    let out: Value = serde_json::from_str(&again.stdout).expect("JSON on stdout");
    assert_eq!(out["submitted"], json!(0), "{again}");
    assert_eq!(out["already_submitted"], json!(3), "{again}");
    assert_eq!(out["failed"], json!(2), "{again}");
    let ids = |rows: &Value| -> Vec<String> {
        rows.as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .collect()
    };
    let mut listed: Vec<String> = items.iter().map(|i| str_field(i, "id")).collect();
    let mut replayed = ids(&out["rows"]);
    listed.sort();
    replayed.sort();
    assert_eq!(replayed, listed, "the same items, named again");
    let failed = out["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["line"] == json!(5))
        .cloned()
        .unwrap_or_default();
    assert_eq!(failed["outcome"], json!("failed"), "{failed}");
    assert_eq!(failed["http_status"], json!(422), "{failed}");
    assert_eq!(p.feedback_items().await.len(), 3, "nothing filed twice");

    // The refused row fixed: only it is sent.
    let fixed = feedback_csv(&p.ws.provider).replace("Crisis line,BAME", "Crisis line,M");
    let fixed = p.write("fixed.csv", &fixed);
    let third = p.run(&["feedback", "submit", path_arg(&fixed)]).await;
    assert!(
        third
            .stdout
            .contains("submitted 1, already submitted 3, failed 1"),
        "{third}"
    );
    assert_eq!(p.feedback_items().await.len(), 4);
}

/// `--dry-run` checks the file and sends nothing (no credentials needed); a file whose header
/// lacks a column is refused as a whole.
async fn a_dry_run_checks_without_sending(backend: Backend) {
    let p = Partner::new(backend, &["feedback:write", "feedback:read"]).await;
    let file = p.write("feedback.csv", &feedback_csv(&p.ws.provider));
    let dry = p
        .run_as(
            "",
            "",
            &["feedback", "submit", "--dry-run", path_arg(&file)],
        )
        .await;
    assert_eq!(dry.code, Some(1), "{dry}");
    assert!(
        dry.stdout
            .contains("4 row(s) ready to submit, 1 with errors"),
        "{dry}"
    );
    assert!(dry.stderr.contains("line 6: received_on: "), "{dry}");
    assert!(p.feedback_items().await.is_empty());

    let headless = p.write("bad.csv", "theme,channel,summary\nA,survey,B\n");
    let refused = p.run(&["feedback", "submit", path_arg(&headless)]).await;
    assert_eq!(refused.code, Some(2), "{refused}");
    assert!(
        refused
            .stderr
            .contains("missing column(s): ethnic_categories, received_on"),
        "{refused}"
    );
}

/// `feedback list` as a table and as JSON; `library search` finds a published plan.
async fn lists_feedback_and_searches_the_library(backend: Backend) {
    let p = Partner::new(
        backend,
        &["feedback:write", "feedback:read", "library:read"],
    )
    .await;
    let app = &p.ws.app;
    let editor = &p.ws.editor.token;
    let plan = app
        .create_plan(editor, &p.ws.provider, "Crisis care for Black African men")
        .await;
    let plan_id = str_field(&plan, "id");
    app.add_priority(editor, &plan_id, "Fewer detentions", &["N"])
        .await;
    let published = pcref_e2e::publish(app, editor, &plan_id, "anonymous").await;
    let other = app
        .create_plan(editor, &p.ws.provider, "Interpreting in community teams")
        .await;
    let other_id = str_field(&other, "id");
    app.add_priority(editor, &other_id, "Interpreters at first contact", &["H"])
        .await;
    pcref_e2e::publish(app, editor, &other_id, "named").await;

    let found = p.run(&["library", "search", "crisis"]).await;
    assert_eq!(found.code, Some(0), "{found}");
    assert!(found.stdout.starts_with("TITLE"), "{found}");
    assert!(
        found.stdout.contains("Crisis care for Black African men"),
        "{found}"
    );
    assert!(
        found.stdout.contains(&str_field(&published, "id")),
        "{found}"
    );
    assert!(
        found
            .stdout
            .contains("A provider in North West PCREF Alliance"),
        "{found}"
    );
    assert!(!found.stdout.contains("Interpreting"), "{found}");
    let as_json = p
        .run(&["library", "search", "--json", "--ethnic-category", "N"])
        .await;
    let items: Value = serde_json::from_str(&as_json.stdout).expect("JSON");
    assert_eq!(items.as_array().map(|a| a.len()), Some(1), "{as_json}");

    let file = p.write("feedback.csv", &feedback_csv(&p.ws.provider));
    p.run(&["feedback", "submit", path_arg(&file)]).await;
    let table = p.run(&["feedback", "list"]).await;
    assert_eq!(table.code, Some(0), "{table}");
    assert!(table.stdout.starts_with("ID"), "{table}");
    assert!(table.stdout.contains("Waiting times"), "{table}");
    assert!(table.stdout.contains("[redacted: email]"), "{table}");
    let listed = p
        .run(&[
            "feedback", "list", "--json", "--status", "received", "--limit", "2",
        ])
        .await;
    let items: Value = serde_json::from_str(&listed.stdout).expect("JSON");
    assert_eq!(items.as_array().map(|a| a.len()), Some(2), "{listed}");
}

/// A wrong secret, a scope the client lacks, and a token without the scope: clear messages,
/// a non-zero exit, and never the secret.
async fn credentials_and_scopes_fail_clearly(backend: Backend) {
    let p = Partner::new(backend, &["library:read"]).await;
    let wrong_secret = "pcref_cs_definitely-not-the-secret";
    let wrong = p
        .run_as(&p.client.client_id, wrong_secret, &["library", "search"])
        .await;
    assert_eq!(wrong.code, Some(2), "{wrong}");
    assert!(
        wrong
            .stderr
            .contains("the client id or secret is wrong, or the client was revoked"),
        "{wrong}"
    );
    let all = format!("{}{}", wrong.stdout, wrong.stderr);
    assert!(!all.contains(wrong_secret) && !all.contains(&p.client.client_secret));
    assert!(!all.contains("pcref_at_"), "no token printed: {wrong}");

    // The client was not granted feedback:read: the token request is refused.
    let ungranted = p.run(&["feedback", "list"]).await;
    assert_eq!(ungranted.code, Some(2), "{ungranted}");
    assert!(ungranted.stderr.contains("feedback:read"), "{ungranted}");

    // A token without the scope the operation needs: 403 insufficient_scope, named.
    let narrow = p
        .run(&["--scope", "library:read", "feedback", "list"])
        .await;
    assert_eq!(narrow.code, Some(2), "{narrow}");
    assert!(
        narrow.stderr.contains("lacks the scope `feedback:read`"),
        "{narrow}"
    );

    // Nobody there.
    let mut closed = std::process::Command::new(env!("CARGO_BIN_EXE_pcref-partner"));
    closed
        .args(["library", "search", "--retries", "1"])
        .env("PCREF_URL", "http://127.0.0.1:9")
        .env("PCREF_CLIENT_ID", &p.client.client_id)
        .env("PCREF_CLIENT_SECRET", &p.client.client_secret)
        .env("PCREF_ALLIANCE_ID", &p.ws.alliance_id);
    let closed = Run::from(
        tokio::task::spawn_blocking(move || closed.output())
            .await
            .expect("task")
            .expect("run"),
    );
    assert_eq!(closed.code, Some(2), "{closed}");
    assert!(closed.stderr.contains("cannot connect"), "{closed}");
    assert!(!closed.stderr.contains(&p.client.client_secret));
}

/// The alliance admin starts a joint project led by the provider and invites the partner.
async fn a_project_with_the_partner_invited(p: &Partner) -> String {
    let app = &p.ws.app;
    let admin = &p.ws.alliance_admin.token;
    let project = expect_status(
        app.post(
            &format!("/api/v1/alliances/{}/projects", p.ws.alliance_id),
            admin,
            json!({
                "title": "Why are people from Black backgrounds more likely to be detained?",
                "aim": {"statement": "Halve the detention gap", "measure": "Detention rate ratio",
                        "baseline": "3.4", "target": "1.7", "deadline": days_from_today(300)},
                "lead_organisation_id": p.ws.provider,
                "ethnic_categories": ["N", "M"],
                "competencies": ["co_production"],
                "pillar": "data",
                "starts_on": days_from_today(-30),
                "ends_on": days_from_today(300),
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let project = str_field(&project, "id");
    expect_status(
        app.post(
            &format!("/api/v1/projects/{project}/participants"),
            admin,
            json!({"organisation_id": p.vcse}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    project
}

/// `projects update` from the partner's client: refused while the partner is only invited;
/// once it has accepted, posted (redacted, moving the phase), and not posted twice when run
/// again; `projects list` shows the project with its RAG and participants.
async fn posts_a_project_update_once_as_a_participant(backend: Backend) {
    let p = Partner::new(backend, &["projects:write"]).await;
    let project = a_project_with_the_partner_invited(&p).await;
    let narrative = "Three listening circles held with Black-led churches.\n\
Families said police are often the first contact in a crisis. Ask grace.admin@voices.example.";
    let args = [
        "projects",
        "update",
        "--project",
        &project,
        "--rag",
        "amber",
        "--phase",
        "analysis_and_interpretation",
        "--narrative",
        narrative,
    ];

    // Invited, not yet a participant: the hub refuses (403), and says so.
    let early = p.run(&args).await;
    assert_eq!(early.code, Some(1), "{early}");
    assert!(early.stderr.contains("refused the update"), "{early}");

    let listed = p.run(&["projects", "list"]).await;
    assert_eq!(listed.code, Some(0), "{listed}");
    assert!(listed.stdout.starts_with("ID"), "{listed}");
    assert!(listed.stdout.contains(&project), "{listed}");
    assert!(
        listed
            .stdout
            .contains("Riverside Mental Health NHS Trust (lead), Community Voices (invited)"),
        "{listed}"
    );

    expect_status(
        p.ws.app
            .post(
                &format!("/api/v1/projects/{project}/participants/{}/accept", p.vcse),
                &p.admin_token,
                json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;

    let posted = p.run(&args).await;
    assert_eq!(posted.code, Some(0), "{posted}");
    assert!(posted.stdout.starts_with("posted update "), "{posted}");
    assert!(
        posted.stdout.contains("amber for ")
            && posted
                .stdout
                .contains("phase intelligence_gathering -> analysis_and_interpretation"),
        "{posted}"
    );
    assert!(posted.stdout.contains("[redacted: email]"), "{posted}");
    assert!(
        !posted.stdout.contains("grace.admin@voices.example"),
        "{posted}"
    );
    assert!(posted.stdout.contains("(redacted: "), "{posted}");

    // Again, as after a lost answer: the same key, the first answer, nothing twice.
    let again = p.run(&args).await;
    assert_eq!(again.code, Some(0), "{again}");
    assert!(
        again.stdout.starts_with("already posted update "),
        "{again}"
    );
    let updates = expect_status(
        p.ws.app
            .get(
                &format!("/api/v1/projects/{project}/updates"),
                &p.ws.alliance_admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let updates = updates["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0]["author"], json!("Community Voices uploads"));
    assert_eq!(updates[0]["organisation"]["id"], json!(p.vcse));

    let read = expect_status(
        p.ws.app
            .get(
                &format!("/api/v1/projects/{project}"),
                &p.ws.alliance_admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["rag"], json!("amber"), "{read}");
    assert_eq!(
        read["phase"],
        json!("analysis_and_interpretation"),
        "{read}"
    );
    assert_eq!(read["stale"], json!(false), "{read}");
    assert_eq!(read["last_update_on"], json!(days_from_today(0)), "{read}");

    let amber = p
        .run(&[
            "projects", "list", "--json", "--rag", "amber", "--stale", "false",
        ])
        .await;
    let items: Value = serde_json::from_str(&amber.stdout).expect("JSON");
    assert_eq!(items.as_array().map(|a| a.len()), Some(1), "{amber}");
    assert_eq!(items[0]["id"], json!(project), "{amber}");
    let red = p.run(&["projects", "list", "--json", "--rag", "red"]).await;
    let items: Value = serde_json::from_str(&red.stdout).expect("JSON");
    assert_eq!(items.as_array().map(|a| a.len()), Some(0), "{red}");
    let table = p.run(&["projects", "list"]).await;
    assert!(
        table.stdout.contains("Community Voices (accepted)"),
        "{table}"
    );
}

/// What the hub refuses is named field by field; what is wrong here is refused before anything
/// is sent (and without credentials).
async fn a_refused_project_update_names_the_field(backend: Backend) {
    let p = Partner::new(backend, &["projects:write"]).await;
    let project = a_project_with_the_partner_invited(&p).await;
    expect_status(
        p.ws.app
            .post(
                &format!("/api/v1/projects/{project}/participants/{}/accept", p.vcse),
                &p.admin_token,
                json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let tomorrow = days_from_today(1);
    let future = p
        .run(&[
            "projects",
            "update",
            "--project",
            &project,
            "--rag",
            "green",
            "--narrative",
            "Ahead of plan",
            "--reported-on",
            &tomorrow,
        ])
        .await;
    assert_eq!(future.code, Some(1), "{future}");
    assert!(future.stderr.contains("reported_on: "), "{future}");

    let nowhere = pcref_e2e::random_id();
    let missing = p
        .run(&[
            "projects",
            "update",
            "--project",
            &nowhere,
            "--rag",
            "green",
            "--narrative",
            "x",
        ])
        .await;
    assert_eq!(missing.code, Some(1), "{missing}");
    assert!(missing.stderr.contains("was not found"), "{missing}");

    let blank = p
        .run_as(
            "",
            "",
            &[
                "projects",
                "update",
                "--project",
                &project,
                "--rag",
                "red",
                "--narrative",
                " ",
            ],
        )
        .await;
    assert_eq!(blank.code, Some(1), "{blank}");
    assert!(
        blank.stderr.contains("narrative: must not be empty"),
        "{blank}"
    );
    let purple = p
        .run(&[
            "projects",
            "update",
            "--project",
            &project,
            "--rag",
            "purple",
            "--narrative",
            "x",
        ])
        .await;
    assert_eq!(purple.code, Some(2), "clap refuses it: {purple}");

    let updates = expect_status(
        p.ws.app
            .get(
                &format!("/api/v1/projects/{project}/updates"),
                &p.ws.alliance_admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updates["items"], json!([]), "nothing posted");
}

backend_tests!(
    posts_a_project_update_once_as_a_participant,
    a_refused_project_update_names_the_field,
    submits_a_csv_once_and_names_bad_rows_by_line,
    a_dry_run_checks_without_sending,
    lists_feedback_and_searches_the_library,
    credentials_and_scopes_fail_clearly,
);
