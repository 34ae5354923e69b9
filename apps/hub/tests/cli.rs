//! The `pcref-hub` binary itself: help text, configuration errors, bootstrap from the command
//! line, migrations, a fast and honest failure when PostgreSQL cannot be reached, and the
//! README's tour against `pcref-hub serve` as a separate process.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;

const GET: Method = Method::GET;
const POST: Method = Method::POST;

const BIN: &str = env!("CARGO_BIN_EXE_pcref-hub");

/// Every setting, by its environment variable.
const SETTINGS: [&str; 9] = [
    "PCREF_CONFIG",
    "PCREF_LISTEN",
    "PCREF_DATABASE_URL",
    "PCREF_DATABASE_MAX_CONNECTIONS",
    "PCREF_DATABASE_CONNECT_TIMEOUT_SECS",
    "PCREF_TOKEN_LIFETIME_DAYS",
    "PCREF_INVITATION_LIFETIME_DAYS",
    "PCREF_LOG",
    "PCREF_LOG_FORMAT",
];

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "pcref-cli-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `pcref-hub` run in `dir`, with no PCREF_* variable inherited from the caller.
fn hub(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("PCREF_") {
            command.env_remove(key);
        }
    }
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("run pcref-hub")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_documents_every_setting_at_the_top_and_for_serve() {
    let dir = TempDir::new();
    for args in [vec!["--help"], vec!["serve", "--help"]] {
        let output = run(hub(dir.path()).args(&args));
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        let text = stdout(&output);
        for setting in SETTINGS {
            assert!(
                text.contains(setting),
                "`pcref-hub {}` does not mention {setting}",
                args.join(" ")
            );
        }
        assert!(
            text.contains("127.0.0.1:8080"),
            "the default address is documented"
        );
        assert!(
            text.contains("sqlite://data/pcref-hub.db"),
            "the default database is documented"
        );
    }
}

#[test]
fn bootstrap_prints_the_token_last_and_refuses_a_second_time() {
    let dir = TempDir::new();
    let bootstrap = |email: &str| {
        run(hub(dir.path()).args([
            "admin",
            "bootstrap",
            "--alliance",
            "East Midlands PCREF Alliance",
            "--email",
            email,
            "--name",
            "Amina Khan",
        ]))
    };
    let first = bootstrap("amina.khan@example.nhs.uk");
    assert!(first.status.success(), "{}", stderr(&first));
    let out = stdout(&first);
    let last = out.lines().last().expect("output");
    assert!(
        last.starts_with("pcref_pat_"),
        "the token is alone on the last line: {out}"
    );
    assert_eq!(last.trim(), last);
    assert!(
        dir.path().join("data/pcref-hub.db").is_file(),
        "the default SQLite file and its folder are created"
    );
    // Logs go to stderr only: stdout carries the result and nothing else.
    assert!(!out.contains("INFO"), "{out}");

    let second = bootstrap("someone.else@example.nhs.uk");
    assert!(!second.status.success(), "a second bootstrap must fail");
    let why = stderr(&second);
    assert!(why.contains("already exists"), "{why}");
    assert!(why.contains("nothing was changed"), "{why}");
    assert!(
        !stdout(&second).contains("pcref_pat_"),
        "no token is printed when refused"
    );
}

#[test]
fn bootstrap_rejects_bad_input_before_touching_the_database() {
    let dir = TempDir::new();
    let output = run(hub(dir.path()).args([
        "admin",
        "bootstrap",
        "--alliance",
        "A",
        "--email",
        "not-an-email",
        "--name",
        "N",
    ]));
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--email"), "{}", stderr(&output));
    assert!(
        !dir.path().join("data").exists(),
        "nothing is created for bad input"
    );
}

#[test]
fn migrate_applies_then_reports_up_to_date() {
    let dir = TempDir::new();
    let first = run(hub(dir.path())
        .args(["migrate"])
        .env("PCREF_DATABASE_URL", "sqlite://state/hub.db"));
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("Applied"), "{}", stdout(&first));
    assert!(dir.path().join("state/hub.db").is_file());
    let second = run(hub(dir.path())
        .args(["migrate"])
        .env("PCREF_DATABASE_URL", "sqlite://state/hub.db"));
    assert!(second.status.success());
    assert!(
        stdout(&second).contains("up to date"),
        "{}",
        stdout(&second)
    );
}

#[test]
fn an_unreachable_postgresql_fails_fast_with_the_real_reason() {
    let dir = TempDir::new();
    let started = Instant::now();
    // Port 1 on loopback: nothing listens there, so the connection is refused.
    let output = run(hub(dir.path()).args(["migrate"]).env(
        "PCREF_DATABASE_URL",
        "postgres://postgres:secret@127.0.0.1:1/hub",
    ));
    let took = started.elapsed();
    assert!(!output.status.success());
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let why = stderr(&output);
    assert!(
        why.to_lowercase().contains("connection refused"),
        "the real reason is shown: {why}"
    );
    assert!(why.contains("127.0.0.1"), "{why}");
    assert!(
        !why.contains("secret"),
        "the password is not printed: {why}"
    );
}

#[test]
fn a_password_in_the_query_string_is_not_printed_either() {
    let dir = TempDir::new();
    let output = run(hub(dir.path()).args(["migrate"]).env(
        "PCREF_DATABASE_URL",
        "postgres://127.0.0.1:1/hub?user=postgres&password=TopSecret1",
    ));
    assert!(!output.status.success());
    let why = stderr(&output);
    assert!(why.contains("password=***"), "{why}");
    assert!(!why.contains("TopSecret1"), "{why}");
}

#[test]
fn reset_tokens_revokes_every_token_and_prints_a_new_one_last() {
    let dir = TempDir::new();
    let first = run(hub(dir.path()).args([
        "admin",
        "bootstrap",
        "--alliance",
        "Reset Alliance",
        "--email",
        "lead@reset.example",
        "--name",
        "Lead",
    ]));
    assert!(first.status.success(), "{}", stderr(&first));
    let reset =
        run(hub(dir.path()).args(["admin", "reset-tokens", "--email", "Lead@Reset.example"]));
    assert!(reset.status.success(), "{}", stderr(&reset));
    let out = stdout(&reset);
    assert!(out.contains("Revoked 1 token(s)"), "{out}");
    let last = out.lines().last().expect("output");
    assert!(last.starts_with("pcref_pat_"), "{out}");
    let old = stdout(&first).lines().last().expect("token").to_owned();
    assert_ne!(old, last);

    let unknown =
        run(hub(dir.path()).args(["admin", "reset-tokens", "--email", "nobody@reset.example"]));
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no account"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn a_bad_setting_is_refused_with_its_name() {
    let dir = TempDir::new();
    let output = run(hub(dir.path())
        .args(["migrate"])
        .env("PCREF_DATABASE_URL", "mysql://db/hub"));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("sqlite://"), "{}", stderr(&output));

    let output = run(hub(dir.path())
        .args(["migrate"])
        .env("PCREF_DATABASE_CONNECT_TIMEOUT_SECS", "99999999999"));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("database_connect_timeout_secs"),
        "{}",
        stderr(&output)
    );

    std::fs::write(dir.path().join("hub.toml"), "lisen = \"0.0.0.0:1\"\n").expect("write");
    let output = run(hub(dir.path()).args(["--config", "hub.toml", "migrate"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("lisen"), "{}", stderr(&output));
}

#[test]
fn the_openapi_command_prints_the_checked_in_document() {
    let dir = TempDir::new();
    let output = run(hub(dir.path()).arg("openapi"));
    assert!(output.status.success());
    let checked_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/openapi.json"
    ))
    .expect("openapi/openapi.json");
    assert_eq!(
        stdout(&output).trim_end(),
        checked_in.trim_end(),
        "openapi/openapi.json is stale: run `cargo run -p pcref-hub -- openapi > openapi/openapi.json`"
    );
}

/// A server process, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `pcref-hub` (no command: it serves) on a free port and waits until it listens.
    fn start(dir: &Path) -> Server {
        let mut child = hub(dir)
            .env("PCREF_LISTEN", "127.0.0.1:0")
            .env("PCREF_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pcref-hub");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + Duration::from_secs(30);
        let base = loop {
            assert!(Instant::now() < deadline, "the server did not start");
            let line = lines
                .next()
                .expect("the server exited early")
                .expect("log line");
            let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if let Some(address) = entry["fields"]["address"].as_str() {
                break format!("http://{address}");
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }
}

async fn call(
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let json = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// The README's tour, against the real binary: bootstrap, two organisations, an invitation,
/// the member's own view, and an action plan from the built-in template, exported.
#[tokio::test]
async fn the_readme_tour_works_against_the_binary() {
    let dir = TempDir::new();
    let server = Server::start(dir.path());
    let output = run(hub(dir.path()).args([
        "admin",
        "bootstrap",
        "--alliance",
        "East Midlands PCREF Alliance",
        "--email",
        "lead@alliance.example",
        "--name",
        "Alliance Lead",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let token = stdout(&output).lines().last().expect("token").to_owned();
    let base = &server.base;

    let (status, alliances) =
        call(GET, &format!("{base}/api/v1/alliances"), Some(&token), None).await;
    assert_eq!(status, 200);
    let alliance = alliances["items"][0]["id"]
        .as_str()
        .expect("alliance id")
        .to_owned();

    let (status, provider) = call(
        POST,
        &format!("{base}/api/v1/alliances/{alliance}/organisations"),
        Some(&token),
        Some(serde_json::json!({"name": "Example Healthcare NHS Trust", "kind": "provider"})),
    )
    .await;
    assert_eq!(status, 201, "{provider}");
    let (status, _) = call(
        POST,
        &format!("{base}/api/v1/alliances/{alliance}/organisations"),
        Some(&token),
        Some(serde_json::json!({"name": "Community Voices", "kind": "vcse"})),
    )
    .await;
    assert_eq!(status, 201);
    let provider = provider["id"].as_str().expect("id").to_owned();

    let (status, invitation) = call(POST,
        &format!("{base}/api/v1/organisations/{provider}/members"),
        Some(&token),
        Some(serde_json::json!({"email": "amina.khan@trust.example", "display_name": "Amina Khan", "role": "provider_editor"})),
    ).await;
    assert_eq!(status, 201, "{invitation}");
    let code = invitation["invitation_code"]
        .as_str()
        .expect("code")
        .to_owned();

    let (status, accepted) = call(
        POST,
        &format!("{base}/api/v1/invitations/accept"),
        None,
        Some(serde_json::json!({"code": code, "token_name": "laptop"})),
    )
    .await;
    assert_eq!(status, 201, "{accepted}");
    let member_token = accepted["token"].as_str().expect("token").to_owned();

    let (status, me) = call(GET, &format!("{base}/api/v1/me"), Some(&member_token), None).await;
    assert_eq!(status, 200);
    assert_eq!(me["user"]["email"], "amina.khan@trust.example");
    assert_eq!(me["memberships"][0]["role"], "provider_editor");
    assert_eq!(
        me["memberships"][0]["organisation_name"],
        "Example Healthcare NHS Trust"
    );

    // The lead's action plan, from the built-in template, exported as a workbook.
    let (status, templates) = call(
        GET,
        &format!("{base}/api/v1/templates"),
        Some(&member_token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let template = templates["items"][0]["id"]
        .as_str()
        .expect("built-in template")
        .to_owned();
    let (status, plan) = call(
        POST,
        &format!("{base}/api/v1/organisations/{provider}/plans"),
        Some(&member_token),
        Some(serde_json::json!({"title": "PCREF action plan 2026/27", "service": "Adult acute inpatient services", "template_id": template})),
    )
    .await;
    assert_eq!(status, 201, "{plan}");
    assert_eq!(plan["stages"].as_array().map(Vec::len), Some(4), "{plan}");
    let plan_id = plan["id"].as_str().expect("plan id").to_owned();
    let (status, refused) = call(
        POST,
        &format!("{base}/api/v1/plans/{plan_id}/priorities"),
        Some(&member_token),
        Some(serde_json::json!({"statement": "Fewer detentions", "ethnic_categories": ["BAME"], "communities_consulted": false})),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "ethnic_categories");
    let export = reqwest::Client::new()
        .get(format!("{base}/api/v1/plans/{plan_id}/export?format=xlsx"))
        .bearer_auth(&member_token)
        .send()
        .await
        .expect("export");
    assert_eq!(export.status().as_u16(), 200);
    let bytes = export.bytes().await.expect("workbook");
    assert!(bytes.starts_with(b"PK"), "an XLSX file is a zip archive");
    let (status, _) = call(
        GET,
        &format!("{base}/api/v1/plans/{plan_id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        status, 404,
        "the alliance admin does not see a provider's plan"
    );

    // Published anonymously, as previewed, the plan is found by another trust's editor.
    let (status, _) = call(
        POST,
        &format!("{base}/api/v1/plans/{plan_id}/priorities"),
        Some(&member_token),
        Some(serde_json::json!({"statement": "Reduce detentions of Black Caribbean men", "ethnic_categories": ["M"], "communities_consulted": true})),
    )
    .await;
    assert_eq!(status, 201);
    let preview = reqwest::Client::new()
        .post(format!("{base}/api/v1/plans/{plan_id}/publish-preview"))
        .bearer_auth(&member_token)
        .json(&serde_json::json!({"attribution": "anonymous"}))
        .send()
        .await
        .expect("preview");
    assert_eq!(preview.status().as_u16(), 200);
    let tag = preview
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("the preview's ETag")
        .to_owned();
    let published = reqwest::Client::new()
        .post(format!("{base}/api/v1/plans/{plan_id}/publications"))
        .bearer_auth(&member_token)
        .header("If-Match", tag)
        .json(&serde_json::json!({"attribution": "anonymous"}))
        .send()
        .await
        .expect("publish");
    assert_eq!(published.status().as_u16(), 201);
    let (status, other) = call(
        POST,
        &format!("{base}/api/v1/alliances/{alliance}/organisations"),
        Some(&token),
        Some(serde_json::json!({"name": "Northfield Care NHS Trust", "kind": "provider"})),
    )
    .await;
    assert_eq!(status, 201);
    let other = other["id"].as_str().expect("id").to_owned();
    let (_, invitation) = call(POST,
        &format!("{base}/api/v1/organisations/{other}/members"),
        Some(&token),
        Some(serde_json::json!({"email": "lee.jones@northfield.example", "display_name": "Lee Jones", "role": "provider_editor"})),
    ).await;
    let (_, accepted) = call(
        POST,
        &format!("{base}/api/v1/invitations/accept"),
        None,
        Some(serde_json::json!({"code": invitation["invitation_code"], "token_name": "laptop"})),
    )
    .await;
    let other_token = accepted["token"].as_str().expect("token").to_owned();
    let (status, library) = call(
        GET,
        &format!(
            "{base}/api/v1/alliances/{alliance}/published-plans?broad_group=black&q=detentions"
        ),
        Some(&other_token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{library}");
    assert_eq!(library["items"][0]["title"], "PCREF action plan 2026/27");
    assert_eq!(
        library["items"][0]["provider_label"],
        "A provider in East Midlands PCREF Alliance"
    );
    assert!(
        !library.to_string().contains("Example Healthcare"),
        "{library}"
    );
}
