//! The end-to-end harness: each test starts the real server — the same routes, use cases and
//! storage as `pcref-hub serve` — on a random port with a database of its own, and talks to
//! it over HTTP with real tokens.
//!
//! Every test runs on SQLite. When `PCREF_TEST_POSTGRES_URL` is set at build time, every test
//! is also compiled and run against PostgreSQL, in a fresh database per test.

use std::path::PathBuf;
use std::time::Duration;

use diesel::{Connection, RunQueryDsl};
use pcref_api::{ApiSettings, BoundServer};
use pcref_app::{App, AppSettings};
use pcref_domain::{DisplayName, Email, Name};
use pcref_store::{DatabaseUrl, Db, DbSettings};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub use serde_json;

mod workspace;
pub use workspace::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for each named `async fn(Backend)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )*
        }

        #[cfg(pg_tests)]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )*
        }
    };
}

/// A database that exists for one test and is removed after it.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteDir(PathBuf),
    PostgresDb { admin_url: String, name: String },
}

impl TestDatabase {
    pub fn create(backend: Backend) -> TestDatabase {
        let unique = uuid::Uuid::now_v7().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("pcref-e2e-{unique}"));
                std::fs::create_dir_all(&dir).expect("create a temporary folder");
                // Deliberately a folder that does not exist yet: the server must create it.
                let path = dir.join("data").join("hub.db");
                TestDatabase {
                    url: format!("sqlite://{}", path.display()),
                    cleanup: Cleanup::SqliteDir(dir),
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("PCREF_TEST_POSTGRES_URL")
                    .expect("PostgreSQL tests were built with PCREF_TEST_POSTGRES_URL set; set it again to run them");
                let name = format!("pcref_test_{unique}");
                let mut admin = diesel::PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("cannot connect to PCREF_TEST_POSTGRES_URL: {e}"));
                diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut admin)
                    .expect("create a test database");
                let mut url =
                    url::Url::parse(&admin_url).expect("PCREF_TEST_POSTGRES_URL is a URL");
                url.set_path(&format!("/{name}"));
                TestDatabase {
                    url: url.to_string(),
                    cleanup: Cleanup::PostgresDb { admin_url, name },
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteDir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PostgresDb { admin_url, name } => {
                if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                    let _ = diesel::sql_query(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    ))
                    .execute(&mut admin);
                }
            }
        }
    }
}

/// A running server and a client for it.
pub struct TestApp {
    pub base_url: String,
    pub http: reqwest::Client,
    pub backend: Backend,
    /// The application behind the server, for the steps a person does at the server's command
    /// line (bootstrap), which run the same use case as `pcref-hub admin bootstrap`.
    pub app: App,
    shutdown: Option<oneshot::Sender<()>>,
    // Dropped last: the database outlives the server.
    pub database: TestDatabase,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

/// The rate limit of servers the harness spawns unless a test asks for another.
pub const HARNESS_API_SETTINGS: ApiSettings = ApiSettings {
    rate_limit_per_minute: 1_000_000,
};

/// Who a test acts as.
#[derive(Debug, Clone)]
pub struct Actor {
    pub token: String,
    pub user_id: String,
    pub email: String,
    pub membership_id: String,
}

/// An alliance and its first admin.
#[derive(Debug, Clone)]
pub struct Bootstrapped {
    pub alliance_id: String,
    pub admin: Actor,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, AppSettings::default()).await
    }

    /// A server with these application settings and the harness's rate limit, which is far
    /// above what any test sends (the authorization matrix sends thousands of requests with a
    /// few tokens) but still passes every request through the limiter.
    pub async fn spawn_with(backend: Backend, settings: AppSettings) -> TestApp {
        TestApp::spawn_with_api(backend, settings, HARNESS_API_SETTINGS).await
    }

    /// A server with these settings of the HTTP layer too, such as a low rate limit.
    pub async fn spawn_with_api(
        backend: Backend,
        settings: AppSettings,
        api_settings: ApiSettings,
    ) -> TestApp {
        let database = TestDatabase::create(backend);
        let db_settings = DbSettings {
            url: DatabaseUrl::parse(&database.url).expect("test database URL"),
            max_connections: 8,
            connect_timeout: Duration::from_secs(5),
        };
        let db = tokio::task::spawn_blocking(move || {
            let db = Db::open(&db_settings).expect("open the test database");
            db.migrate().expect("migrate the test database");
            db
        })
        .await
        .expect("database set-up task");
        let app = App::new(db, settings);
        let server = BoundServer::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let base_url = format!("http://{}", server.local_addr());
        let (stop, stopped) = oneshot::channel::<()>();
        let served = app.clone();
        tokio::spawn(async move {
            let _ = server
                .serve(served, api_settings, async {
                    let _ = stopped.await;
                })
                .await;
        });
        TestApp {
            base_url,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            backend,
            app,
            shutdown: Some(stop),
            database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// A request, authenticated when `token` is given.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.http.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token))
            .send()
            .await
            .expect("GET")
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(token))
            .json(&body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Value,
    ) -> Response {
        let mut request = self.request(Method::PATCH, path, Some(token)).json(&body);
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        request.send().await.expect("PATCH")
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token))
            .send()
            .await
            .expect("DELETE")
    }

    /// Creates an alliance and its first admin, as `pcref-hub admin bootstrap` does.
    /// Another alliance, "Far Away", with one provider and its editor: the alliance's id, the
    /// provider's id and the editor (for checking that nothing crosses alliances).
    pub async fn another_alliance(&self) -> (String, String, Actor) {
        let boot = self
            .bootstrap("Far Away PCREF Alliance", "lead@faraway.example")
            .await;
        let provider = self
            .create_organisation(
                &boot.admin,
                &boot.alliance_id,
                "Faraway Healthcare NHS Trust",
                "provider",
            )
            .await;
        let editor = self
            .add_member(
                &boot.admin,
                &boot.alliance_id,
                Some(&provider),
                "fay.editor@faraway.example",
                "provider_editor",
            )
            .await;
        (boot.alliance_id, provider, editor)
    }

    pub async fn bootstrap(&self, alliance: &str, email: &str) -> Bootstrapped {
        let done = self
            .app
            .bootstrap_alliance(
                Name::parse(alliance).expect("alliance name"),
                Email::parse(email).expect("email"),
                DisplayName::parse("Alliance Admin").expect("display name"),
            )
            .await
            .expect("bootstrap");
        Bootstrapped {
            alliance_id: done.alliance.id.to_string(),
            admin: Actor {
                token: done.token.secret,
                user_id: done.membership.user.id.to_string(),
                email: done.membership.user.email,
                membership_id: done.membership.id.to_string(),
            },
        }
    }

    /// Creates an organisation through the API and returns its id.
    pub async fn create_organisation(
        &self,
        admin: &Actor,
        alliance_id: &str,
        name: &str,
        kind: &str,
    ) -> String {
        let response = self
            .post(
                &format!("/api/v1/alliances/{alliance_id}/organisations"),
                &admin.token,
                json!({ "name": name, "kind": kind }),
            )
            .await;
        let body = expect_status(response, StatusCode::CREATED).await;
        str_field(&body, "id")
    }

    /// Invites someone (into an organisation, or across the alliance when `organisation_id` is
    /// `None`) and returns the invitation response.
    pub async fn invite(
        &self,
        inviter: &Actor,
        alliance_id: &str,
        organisation_id: Option<&str>,
        email: &str,
        role: &str,
    ) -> Value {
        let path = match organisation_id {
            Some(org) => format!("/api/v1/organisations/{org}/members"),
            None => format!("/api/v1/alliances/{alliance_id}/members"),
        };
        let response = self
            .post(
                &path,
                &inviter.token,
                json!({ "email": email, "display_name": display_name_of(email), "role": role }),
            )
            .await;
        expect_status(response, StatusCode::CREATED).await
    }

    /// Exchanges an invitation code for a token, as a person new to the hub does.
    pub async fn accept(&self, code: &str) -> Value {
        expect_status(self.accept_as(code, None).await, StatusCode::CREATED).await
    }

    /// Presents an invitation code, signed in as `token` when given (an invitation for an
    /// account already in use must be accepted by that account).
    pub async fn accept_as(&self, code: &str, token: Option<&str>) -> Response {
        self.request(Method::POST, "/api/v1/invitations/accept", token)
            .json(&json!({ "code": code, "token_name": "e2e" }))
            .send()
            .await
            .expect("accept")
    }

    /// Invites and accepts: a member ready to call the API.
    pub async fn add_member(
        &self,
        inviter: &Actor,
        alliance_id: &str,
        organisation_id: Option<&str>,
        email: &str,
        role: &str,
    ) -> Actor {
        let invitation = self
            .invite(inviter, alliance_id, organisation_id, email, role)
            .await;
        let accepted = self
            .accept(&str_field(&invitation, "invitation_code"))
            .await;
        Actor {
            token: str_field(&accepted, "token"),
            user_id: str_field(&accepted["membership"]["user"], "id"),
            email: email.to_owned(),
            membership_id: str_field(&accepted["membership"], "id"),
        }
    }
}

/// An organisation's API client: its public id and its secret (shown once by the API).
#[derive(Debug, Clone)]
pub struct ApiClientCredentials {
    pub id: String,
    pub client_id: String,
    pub client_secret: String,
}

impl TestApp {
    /// An organisation's admin registers an API client with these scopes.
    pub async fn create_api_client(
        &self,
        admin: &Actor,
        organisation_id: &str,
        name: &str,
        scopes: &[&str],
    ) -> ApiClientCredentials {
        let created = expect_status(
            self.post(
                &format!("/api/v1/organisations/{organisation_id}/api-clients"),
                &admin.token,
                json!({ "name": name, "scopes": scopes }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        ApiClientCredentials {
            id: str_field(&created, "id"),
            client_id: str_field(&created, "client_id"),
            client_secret: str_field(&created, "client_secret"),
        }
    }

    /// `POST /oauth/token` with HTTP Basic (`client_secret_basic`) and this form.
    pub async fn oauth_token(
        &self,
        client: &ApiClientCredentials,
        form: &[(&str, &str)],
    ) -> Response {
        self.http
            .post(self.url("/oauth/token"))
            .basic_auth(&client.client_id, Some(&client.client_secret))
            .form(form)
            .send()
            .await
            .expect("POST /oauth/token")
    }

    /// An access token for the client (client-credentials grant), with `scope` when given.
    pub async fn client_token(&self, client: &ApiClientCredentials, scope: Option<&str>) -> String {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        let body = expect_status(self.oauth_token(client, &form).await, StatusCode::OK).await;
        str_field(&body, "access_token")
    }

    /// An API client of the organisation with these scopes, acting as an [`Actor`] (its
    /// access token as the token; it has no user or membership).
    pub async fn client_actor(
        &self,
        admin: &Actor,
        organisation_id: &str,
        name: &str,
        scopes: &[&str],
    ) -> Actor {
        let client = self
            .create_api_client(admin, organisation_id, name, scopes)
            .await;
        Actor {
            token: self.client_token(&client, None).await,
            user_id: String::new(),
            email: format!("{}@clients.invalid", client.client_id),
            membership_id: String::new(),
        }
    }
}

fn display_name_of(email: &str) -> String {
    email
        .split('@')
        .next()
        .unwrap_or(email)
        .replace(['.', '_'], " ")
}

/// Asserts the status, then returns the JSON body (or `null` for an empty body).
pub async fn expect_status(response: Response, expected: StatusCode) -> Value {
    let status = response.status();
    let url = response.url().clone();
    let text = response.text().await.expect("response body");
    assert_eq!(status, expected, "{url} answered {status}: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }
}

/// Asserts a problem+json answer with this status, and returns the problem.
pub async fn expect_problem(response: Response, expected: StatusCode) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let problem = expect_status(response, expected).await;
    assert_eq!(
        content_type, "application/problem+json",
        "problem: {problem}"
    );
    assert_eq!(
        problem["status"],
        json!(expected.as_u16()),
        "problem: {problem}"
    );
    for field in ["type", "title", "detail"] {
        assert!(
            problem[field].is_string(),
            "problem lacks {field}: {problem}"
        );
    }
    problem
}

pub fn str_field(value: &Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {value}"))
        .to_owned()
}

pub fn etag_of(response: &Response) -> String {
    response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag header")
        .to_owned()
}
