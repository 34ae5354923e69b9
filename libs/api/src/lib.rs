//! The HTTP API: `/api/v1` (poem-openapi operations), the OpenAPI document and viewer, and
//! the operational endpoints. Built once here so that the server and the tests run the same
//! thing.

// `ApiError` carries a whole problem document; it is built at most once per failed request,
// so its size costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

mod api_client_types;
mod auth;
mod document;
mod endpoints;
mod feedback_types;
mod headers;
mod idempotency;
mod learning_types;
mod metrics;
mod middleware;
mod period_types;
mod plan_types;
mod problem;
mod project_types;
mod publishing_types;
mod rate_limit;
mod report_types;
mod types;
mod written_json;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use poem::endpoint::make_sync;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::middleware::CatchPanic;
use poem::web::{Data, Html, Json};
use poem::{get, handler, Endpoint, EndpointExt, IntoResponse, Response, Route};
use poem_openapi::OpenApiService;

use pcref_app::App;

pub use metrics::Metrics;
pub use middleware::MAX_BODY_BYTES;
pub use problem::{ApiError, Problem};
pub use rate_limit::{
    address_key, request_key, RateLimiter, RetryAfter, TokenFailureLimiter, MAX_KEYS,
    TOKEN_FAILURES_PER_MINUTE,
};

use endpoints::{
    ActionsApi, AlliancesApi, ApiClientsApi, AuditApi, FeedbackApi, GoalsApi, InvitationsApi,
    LearningApi, MeApi, MembershipsApi, OAuthApi, OrganisationsApi, PeriodsApi, PlansApi,
    PrioritiesApi, ProgressUpdatesApi, ProjectsApi, PublishingApi, ReferenceApi, ReportsApi,
    SharedReportsApi, TemplatesApi, WithheldTermsApi,
};

/// Declares the API's endpoint groups once, as the type the service is built on and as its
/// value. Groups are nested tuples: poem-openapi implements `OpenApi` for tuples of up to 16.
macro_rules! endpoint_groups {
    ($( ( $($api:ident),* $(,)? ) ),* $(,)?) => {
        type Apis = ( $( ( $($api,)* ), )* );

        fn apis() -> Apis {
            ( $( ( $($api,)* ), )* )
        }
    };
}

endpoint_groups!(
    // The alliance: people, organisations, roles, the audit log, reference data, API clients.
    (
        MeApi,
        AlliancesApi,
        OrganisationsApi,
        MembershipsApi,
        InvitationsApi,
        AuditApi,
        ReferenceApi,
        ApiClientsApi,
        OAuthApi,
    ),
    // A provider's private workspace.
    (
        TemplatesApi,
        PlansApi,
        PrioritiesApi,
        GoalsApi,
        ActionsApi,
        ProgressUpdatesApi,
        WithheldTermsApi,
    ),
    // What leaves a workspace: the alliance's libraries; feedback and its loop; joint projects;
    // and reporting to the alliance's board and the CEO forum.
    (
        PublishingApi,
        LearningApi,
        FeedbackApi,
        ProjectsApi,
        PeriodsApi,
        ReportsApi,
        SharedReportsApi,
    ),
);

/// Where the API is mounted.
pub const API_PREFIX: &str = "/api/v1";

fn api_service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(apis(), "PCREF Alliance Hub API", env!("CARGO_PKG_VERSION")).description(
        "Private workspaces for the NHS mental-health providers of a regional alliance working on \
         the Patient and Carer Race Equality Framework (PCREF), with their VCSE partners and \
         board.\n\n\
         People authenticate with a personal access token: `Authorization: Bearer <token>`. \
         API clients of organisations get an access token from `POST /oauth/token` (OAuth2 \
         client credentials) and send it the same way; operations they may use name the scope \
         needed. Errors are `application/problem+json` (RFC 9457), except the OAuth2 \
         endpoints' own (RFC 6749 §5.2). Lists are paged with `cursor` and `limit`. \
         Updates need `If-Match` with the `ETag` last read.",
    )
}

/// The OpenAPI document, exactly as served at `/openapi.json` and kept in `openapi/`:
/// poem-openapi's, corrected where it cannot say what the API does (see `document`).
pub fn openapi_json() -> String {
    document::corrected(&api_service().spec())
}

/// The interactive viewer at `/docs`, showing the same document as `/openapi.json`.
fn docs_page(document: &str) -> String {
    let api = api_service();
    api.swagger_ui_html().replace(&api.spec(), document)
}

/// Settings of the HTTP layer, from the server's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiSettings {
    /// Requests a minute per credential, or per address without one (see `request_key`);
    /// 0 turns the limit off.
    pub rate_limit_per_minute: u32,
}

/// The default of `PCREF_RATE_LIMIT_PER_MINUTE`: ten a second, far above what a person or a
/// well-behaved integration sends, low enough to blunt a runaway script.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 600;

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
        }
    }
}

/// Every route of the server.
pub fn routes(app: App, settings: ApiSettings) -> impl Endpoint<Output = Response> {
    let metrics = Arc::new(Metrics::new());
    // Operations carry their full paths (`/api/v1/…`, `/oauth/…`).
    let allowed = Arc::new(middleware::AllowedMethods::new(
        <Apis as poem_openapi::OpenApi>::meta(),
        "",
        &middleware::FIXED_ROUTES,
    ));
    let spec = openapi_json();
    let docs = docs_page(&spec);
    Route::new()
        .nest("/", api_service())
        .at(
            "/openapi.json",
            get(make_sync(move |_| {
                Response::builder()
                    .content_type("application/json; charset=utf-8")
                    .body(spec.clone())
            })),
        )
        .nest(
            "/docs",
            Route::new().at("/", get(make_sync(move |_| Html(docs.clone())))),
        )
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/metrics", get(render_metrics))
        // Inside the body limit (it reads the body whole) and before authentication, which
        // the endpoints do: the key is scoped to the credentials sent, valid or not.
        .with(idempotency::Idempotency)
        .with(middleware::BodyLimit::new(MAX_BODY_BYTES))
        // Outside the body limit: a request over the rate costs no body reading.
        .with(rate_limit::RateLimit::new(settings.rate_limit_per_minute))
        .with(CatchPanic::new())
        .with(middleware::Observe::new(metrics.clone(), allowed))
        .data(app)
        .data(metrics)
        // For the OAuth2 token endpoint to come: failed attempts per client id and address.
        .data(TokenFailureLimiter::default())
}

/// The process is up.
#[handler]
fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// The process can serve: the database answers.
#[handler]
async fn readyz(app: Data<&App>) -> Response {
    let backend = app.db().backend().as_str();
    match app.ready().await {
        Ok(()) => {
            Json(serde_json::json!({ "status": "ready", "database": backend })).into_response()
        }
        Err(error) => {
            tracing::warn!(%error, "not ready");
            Problem::new(
                poem::http::StatusCode::SERVICE_UNAVAILABLE,
                format!("the {backend} database does not answer"),
            )
            .into_problem_response()
        }
    }
}

#[handler]
fn render_metrics(metrics: Data<&Arc<Metrics>>) -> Response {
    Response::builder()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(metrics.render())
}

/// A bound listening socket, ready to serve.
pub struct BoundServer {
    acceptor: TcpAcceptor,
    addr: SocketAddr,
}

impl BoundServer {
    /// Binds the address now, so that a port in use is reported before anything else starts.
    /// Port 0 picks a free port (the tests use this).
    pub async fn bind(addr: &str) -> std::io::Result<BoundServer> {
        let acceptor = TcpListener::bind(addr.to_owned()).into_acceptor().await?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .ok_or_else(|| std::io::Error::other("the listener has no socket address"))?;
        Ok(BoundServer { acceptor, addr })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish (up to 30 s).
    pub async fn serve(
        self,
        app: App,
        settings: ApiSettings,
        shutdown: impl Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        poem::Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(
                routes(app, settings),
                shutdown,
                Some(Duration::from_secs(30)),
            )
            .await
    }
}
