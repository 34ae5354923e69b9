//! The OAuth2 endpoints for API clients: `POST /oauth/token` (the client-credentials grant,
//! RFC 6749 §4.4) and `POST /oauth/revoke` (RFC 7009). Both take form-encoded bodies and
//! answer errors as RFC 6749 §5.2 says (`{"error", "error_description"}`), not problem+json,
//! so that standard OAuth2 libraries understand them.

use poem::web::{Data, RemoteAddr};
use poem::{Endpoint, EndpointExt, IntoResponse, Request};
use poem_openapi::auth::Basic;
use poem_openapi::payload::{Form, Json};
use poem_openapi::{ApiResponse, Object, OpenApi, SecurityScheme};
use serde::Deserialize;

use pcref_app::{App, AppError, ClientCredentials, OAuthError, TokenRequestError};

use super::ApiTags;
use crate::problem::{ApiError, Problem};
use crate::rate_limit::TokenFailureLimiter;

pub struct OAuthApi;

/// `client_secret_basic`: the client id and secret as HTTP Basic credentials, each
/// form-URL-encoded first (RFC 6749 §2.3.1).
#[derive(SecurityScheme)]
#[oai(rename = "client_secret_basic", ty = "basic", checker = "decode_basic")]
pub struct ClientSecretBasic(ClientCredentials);

async fn decode_basic(_req: &Request, basic: Basic) -> Option<ClientCredentials> {
    Some(ClientCredentials {
        client_id: form_decode(&basic.username),
        client_secret: form_decode(&basic.password),
    })
}

fn form_decode(raw: &str) -> String {
    form_urlencoded::parse(format!("v={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Client credentials in the body (`client_secret_post`) are the alternative.
#[derive(SecurityScheme)]
pub enum TokenClientAuth {
    Basic(ClientSecretBasic),
    #[oai(fallback)]
    InBody,
}

/// A token request (`application/x-www-form-urlencoded`).
#[derive(Debug, Object, Deserialize)]
#[oai(example)]
pub struct TokenRequest {
    /// Required: `client_credentials`.
    pub grant_type: Option<String>,
    /// Space-separated scopes wanted, each granted to the client; all of the client's when
    /// absent.
    pub scope: Option<String>,
    /// With `client_secret_post`: the client's id (with Basic, optional and then the same).
    pub client_id: Option<String>,
    /// With `client_secret_post`: the client's secret. Prefer HTTP Basic.
    pub client_secret: Option<String>,
}

impl poem_openapi::types::Example for TokenRequest {
    fn example() -> Self {
        TokenRequest {
            grant_type: Some("client_credentials".into()),
            scope: Some("feedback:write library:read".into()),
            client_id: None,
            client_secret: None,
        }
    }
}

/// A revocation request (`application/x-www-form-urlencoded`).
#[derive(Debug, Object, Deserialize)]
pub struct RevocationRequest {
    /// Required: the access token to revoke.
    pub token: Option<String>,
    /// `access_token` if given; other hints are ignored (only access tokens are issued).
    pub token_type_hint: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// An access token (RFC 6749 §5.1).
#[derive(Debug, Object)]
#[oai(example)]
pub struct AccessTokenBody {
    /// Opaque; send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token stops working.
    pub expires_in: i64,
    /// The scopes granted, space-separated.
    pub scope: String,
}

impl poem_openapi::types::Example for AccessTokenBody {
    fn example() -> Self {
        AccessTokenBody {
            access_token: "pcref_at_q3Vb0m9xQk2cT7yJw1sNf4eH8aLp6rZ5uD0gXiKoE2M".into(),
            token_type: "Bearer".into(),
            expires_in: 3600,
            scope: "feedback:write library:read".into(),
        }
    }
}

/// An OAuth2 error (RFC 6749 §5.2).
#[derive(Debug, Object)]
#[oai(example)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `unsupported_grant_type` or `invalid_scope`.
    pub error: String,
    pub error_description: String,
}

impl poem_openapi::types::Example for OAuthErrorBody {
    fn example() -> Self {
        OAuthErrorBody::from(&OAuthError::InvalidScope(
            "this client was not granted `reports:read`; it has: feedback:write library:read"
                .into(),
        ))
    }
}

impl From<&OAuthError> for OAuthErrorBody {
    fn from(e: &OAuthError) -> Self {
        OAuthErrorBody {
            error: e.code().to_owned(),
            error_description: e.description(),
        }
    }
}

const NO_STORE: &str = "no-store";
const BASIC_CHALLENGE: &str = "Basic realm=\"pcref-hub\", charset=\"UTF-8\"";

#[derive(ApiResponse)]
pub enum TokenResponse {
    /// The access token.
    #[oai(status = 200)]
    Issued(
        Json<AccessTokenBody>,
        #[oai(header = "Cache-Control")] String,
        #[oai(header = "Pragma")] String,
    ),
    /// `invalid_request`, `unsupported_grant_type` or `invalid_scope`.
    #[oai(status = 400)]
    BadRequest(
        Json<OAuthErrorBody>,
        #[oai(header = "Cache-Control")] String,
    ),
    /// `invalid_client`: unknown client, wrong secret, no credentials, or a revoked client.
    #[oai(status = 401)]
    InvalidClient(
        Json<OAuthErrorBody>,
        #[oai(header = "WWW-Authenticate")] String,
        #[oai(header = "Cache-Control")] String,
    ),
    /// Too many failed attempts for this client id or from this address, or too many
    /// requests: wait `Retry-After` seconds.
    /// The body is larger than 1 MiB.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body is not `application/x-www-form-urlencoded` (`Content-Type`).
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] u64),
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The database did not answer in time; retry after `Retry-After` seconds.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>, #[oai(header = "Retry-After")] u32),
}

#[derive(ApiResponse)]
pub enum RevocationResponse {
    /// Revoked, or nothing to revoke (an unknown, expired or already revoked token is
    /// answered the same way, RFC 7009 §2.2).
    #[oai(status = 200)]
    Revoked(#[oai(header = "Cache-Control")] String),
    /// `invalid_request`.
    #[oai(status = 400)]
    BadRequest(
        Json<OAuthErrorBody>,
        #[oai(header = "Cache-Control")] String,
    ),
    /// `invalid_client`.
    #[oai(status = 401)]
    InvalidClient(
        Json<OAuthErrorBody>,
        #[oai(header = "WWW-Authenticate")] String,
        #[oai(header = "Cache-Control")] String,
    ),
    /// The body is larger than 1 MiB.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body is not `application/x-www-form-urlencoded` (`Content-Type`).
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] u64),
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>, #[oai(header = "Retry-After")] u32),
}

/// What went wrong, before it is shaped for either endpoint.
enum Failure {
    OAuth(OAuthError),
    TooMany(Problem, u64),
    App(AppError),
}

impl From<TokenRequestError> for Failure {
    fn from(e: TokenRequestError) -> Self {
        match e {
            TokenRequestError::OAuth(e) => Failure::OAuth(e),
            TokenRequestError::App(e) => Failure::App(e),
        }
    }
}

impl From<OAuthError> for Failure {
    fn from(e: OAuthError) -> Self {
        Failure::OAuth(e)
    }
}

/// Problem bodies of our own failures, shared by both endpoints.
enum ServerFailure {
    Unavailable(Problem, u32),
    Internal(Problem),
}

fn server_failure(e: AppError) -> ServerFailure {
    match ApiError::from(e) {
        ApiError::Unavailable(problem, retry) => ServerFailure::Unavailable(problem.0, retry),
        _ => {
            let ApiError::Internal(problem) = ApiError::internal() else {
                unreachable!("ApiError::internal is Internal")
            };
            ServerFailure::Internal(problem.0)
        }
    }
}

impl From<Failure> for TokenResponse {
    fn from(f: Failure) -> Self {
        match f {
            Failure::OAuth(e @ OAuthError::InvalidClient) => TokenResponse::InvalidClient(
                Json((&e).into()),
                BASIC_CHALLENGE.into(),
                NO_STORE.into(),
            ),
            Failure::OAuth(e) => TokenResponse::BadRequest(Json((&e).into()), NO_STORE.into()),
            Failure::TooMany(p, secs) => TokenResponse::TooManyRequests(Json(p), secs),
            Failure::App(e) => match server_failure(e) {
                ServerFailure::Unavailable(p, s) => TokenResponse::Unavailable(Json(p), s),
                ServerFailure::Internal(p) => TokenResponse::Internal(Json(p)),
            },
        }
    }
}

impl From<Failure> for RevocationResponse {
    fn from(f: Failure) -> Self {
        match f {
            Failure::OAuth(e @ OAuthError::InvalidClient) => RevocationResponse::InvalidClient(
                Json((&e).into()),
                BASIC_CHALLENGE.into(),
                NO_STORE.into(),
            ),
            Failure::OAuth(e) => RevocationResponse::BadRequest(Json((&e).into()), NO_STORE.into()),
            Failure::TooMany(p, secs) => RevocationResponse::TooManyRequests(Json(p), secs),
            Failure::App(e) => match server_failure(e) {
                ServerFailure::Unavailable(p, s) => RevocationResponse::Unavailable(Json(p), s),
                ServerFailure::Internal(p) => RevocationResponse::Internal(Json(p)),
            },
        }
    }
}

/// The client's credentials, from exactly one of HTTP Basic and the body.
fn client_credentials(
    req: &Request,
    basic: TokenClientAuth,
    body_id: Option<String>,
    body_secret: Option<String>,
) -> Result<ClientCredentials, OAuthError> {
    match (basic, body_secret) {
        (TokenClientAuth::Basic(ClientSecretBasic(basic)), None) => match body_id {
            Some(id) if id != basic.client_id => Err(OAuthError::InvalidRequest(
                "client_id in the body differs from the one in the Authorization header".into(),
            )),
            _ => Ok(basic),
        },
        (TokenClientAuth::Basic(_), Some(_)) => Err(OAuthError::InvalidRequest(
            "authenticate the client one way only: HTTP Basic or client_secret in the body, not both"
                .into(),
        )),
        // An Authorization header that is not well-formed Basic credentials.
        (TokenClientAuth::InBody, _) if req.headers().contains_key("authorization") => {
            Err(OAuthError::InvalidClient)
        }
        (TokenClientAuth::InBody, Some(secret)) => match body_id {
            Some(id) => Ok(ClientCredentials {
                client_id: id,
                client_secret: secret,
            }),
            None => Err(OAuthError::InvalidRequest(
                "client_secret was sent without client_id".into(),
            )),
        },
        (TokenClientAuth::InBody, None) => Err(OAuthError::InvalidClient),
    }
}

/// Checks the failure limit for this client id and address before the secret is checked, and
/// counts a failed authentication afterwards.
async fn limited<T>(
    req: &Request,
    credentials: &ClientCredentials,
    attempt: impl std::future::Future<Output = Result<T, TokenRequestError>>,
) -> Result<T, Failure> {
    let limiter = req.data::<TokenFailureLimiter>();
    let addr: &RemoteAddr = req.remote_addr();
    if let Some(limiter) = limiter {
        if let Err(wait) = limiter.check(&credentials.client_id, addr) {
            let secs = wait.secs();
            return Err(Failure::TooMany(
                Problem::new(
                    poem::http::StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "too many failed client authentications for this client id or from your address; retry in {secs} s"
                    ),
                ),
                secs,
            ));
        }
    }
    let result = attempt.await;
    if let (Err(TokenRequestError::OAuth(OAuthError::InvalidClient)), Some(limiter)) =
        (&result, limiter)
    {
        limiter.record_failure(&credentials.client_id, addr);
    }
    result.map_err(Failure::from)
}

/// Framework errors on these paths (an unreadable form, say) answered as OAuth2 errors.
fn oauth_errors(ep: impl Endpoint) -> impl Endpoint {
    ep.map_to_response()
        .catch_all_error(|error: poem::Error| async move {
            if error.status() == poem::http::StatusCode::BAD_REQUEST {
                let body = OAuthErrorBody::from(&OAuthError::InvalidRequest(format!(
                    "the form could not be read: {error}"
                )));
                TokenResponse::BadRequest(Json(body), NO_STORE.into()).into_response()
            } else {
                crate::problem::problem_response(error, false)
            }
        })
}

#[OpenApi(prefix_path = "/oauth", tag = "ApiTags::OAuth")]
impl OAuthApi {
    /// Get an access token (OAuth2 client credentials)
    ///
    /// RFC 6749 §4.4. Authenticate the client with HTTP Basic (`client_secret_basic`, id and
    /// secret form-URL-encoded before base64) or with `client_id` and `client_secret` in the
    /// body (`client_secret_post`). The token lasts an hour and carries the scopes asked for
    /// (all of the client's by default). Failed authentications are limited per client id and
    /// per address.
    #[oai(
        path = "/token",
        method = "post",
        operation_id = "oauth_token",
        transform = "oauth_errors"
    )]
    async fn token(
        &self,
        req: &Request,
        app: Data<&App>,
        client: TokenClientAuth,
        body: Form<TokenRequest>,
    ) -> TokenResponse {
        let Form(body) = body;
        let result = async {
            let credentials = client_credentials(req, client, body.client_id, body.client_secret)?;
            match body.grant_type.as_deref() {
                Some("client_credentials") => {}
                Some(other) => {
                    return Err(OAuthError::UnsupportedGrantType(other.to_owned()).into())
                }
                None => {
                    return Err(OAuthError::InvalidRequest(
                        "grant_type is required; API clients use `client_credentials`".into(),
                    )
                    .into())
                }
            }
            limited(
                req,
                &credentials,
                app.issue_client_token(&credentials, body.scope.as_deref()),
            )
            .await
        }
        .await;
        match result {
            Ok(issued) => TokenResponse::Issued(
                Json(AccessTokenBody {
                    access_token: issued.access_token,
                    token_type: "Bearer".into(),
                    expires_in: issued.expires_in_seconds,
                    scope: pcref_domain::Scope::join(&issued.scopes),
                }),
                NO_STORE.into(),
                "no-cache".into(),
            ),
            Err(failure) => failure.into(),
        }
    }

    /// Revoke an access token (RFC 7009)
    ///
    /// The client authenticates as for a token. Revoking an unknown, expired, already revoked
    /// or another client's token changes nothing and is answered 200 all the same.
    #[oai(
        path = "/revoke",
        method = "post",
        operation_id = "oauth_revoke",
        transform = "oauth_errors"
    )]
    async fn revoke(
        &self,
        req: &Request,
        app: Data<&App>,
        client: TokenClientAuth,
        body: Form<RevocationRequest>,
    ) -> RevocationResponse {
        let Form(body) = body;
        let result = async {
            let credentials = client_credentials(req, client, body.client_id, body.client_secret)?;
            let token = body.token.ok_or_else(|| {
                OAuthError::InvalidRequest("token is required: the access token to revoke".into())
            })?;
            limited(
                req,
                &credentials,
                app.revoke_client_token(&credentials, &token),
            )
            .await
        }
        .await;
        match result {
            Ok(()) => RevocationResponse::Revoked(NO_STORE.into()),
            Err(failure) => failure.into(),
        }
    }
}
