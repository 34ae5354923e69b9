//! `Idempotency-Key` on creates: a partner that retries a POST after a timeout or a dropped
//! connection gets the first answer again instead of a second record.
//!
//! The first request with a key claims it in the database (not in memory: several instances
//! share one PostgreSQL), runs, and its answer is remembered for 24 hours. The same caller
//! sending the same key and the same request again gets that answer byte for byte, marked
//! `Idempotent-Replayed: true`; the same key with another request is refused with 422; a
//! request still running under the key answers 409. Keys are scoped to the caller, so two
//! callers never share a key: for a person, a hash of the `Authorization` header (the personal
//! access token); for an API client, the client and the scopes its token carries, not the
//! token, because a client gets a new token every hour (or every run of a script) and its
//! retry after a crash must still find the first answer. A request without working credentials
//! gets no idempotency at all (it is refused with 401 anyway).

use std::collections::BTreeMap;

use poem::http::header::{self, HeaderName, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use poem_openapi::OperationId;

use pcref_app::{is_client_access_token, App, IdempotentRequest};
use pcref_store::idempotency::{Claim, StoredAnswer};

use crate::problem::{problem_response, ApiError, FieldProblem, Problem, PROBLEM_JSON};
use crate::API_PREFIX;

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// The longest key accepted (as Stripe and the IETF draft allow).
pub(crate) const MAX_KEY_LEN: usize = 255;

/// A well-formed key, for the document: what `key_of` accepts.
pub(crate) const KEY_PATTERN: &str = r"^[\x21-\x7E]{1,255}$";

/// The response headers a replay repeats: what a client reads from a create's answer.
const REPLAYED_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

pub struct Idempotency;

impl<E: Endpoint> Middleware<E> for Idempotency {
    type Output = IdempotencyEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        IdempotencyEndpoint { inner }
    }
}

pub struct IdempotencyEndpoint<E> {
    inner: E,
}

/// A problem naming the `Idempotency-Key` header as the offending field.
fn key_problem(status: StatusCode, detail: &str) -> Response {
    let mut problem = Problem::new(status, format!("Idempotency-Key: {detail}"));
    problem.errors = Some(vec![FieldProblem {
        field: "Idempotency-Key".to_owned(),
        message: detail.to_owned(),
    }]);
    problem.into_problem_response()
}

/// The key sent, if any: `Ok(None)` without the header, `Err` with the 400 to answer when
/// it is malformed (repeated, empty, too long, or not visible ASCII).
pub(crate) fn key_of(req: &Request) -> Result<Option<String>, Response> {
    let mut values = req.headers().get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let invalid = |detail: &str| key_problem(StatusCode::BAD_REQUEST, detail);
    if values.next().is_some() {
        return Err(invalid("send the header once"));
    }
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_KEY_LEN {
        return Err(invalid("must be 1 to 255 characters long"));
    }
    if !bytes.iter().all(|b| b.is_ascii_graphic()) {
        return Err(invalid(
            "must be visible ASCII characters only, such as a UUID",
        ));
    }
    // Checked above: every byte is visible ASCII, so this cannot fail.
    Ok(std::str::from_utf8(bytes).ok().map(str::to_owned))
}

/// Releases the claim if the request is abandoned before its answer is settled: the handler
/// panicked or the client went away and the future was dropped. A claim left behind would
/// answer 409 to every retry for a day; releasing lets the retry run again.
struct ClaimGuard {
    app: App,
    request: Option<IdempotentRequest>,
}

impl ClaimGuard {
    fn settled(&mut self) {
        self.request = None;
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        let Some(request) = self.request.take() else {
            return;
        };
        let app = self.app.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = app.release_idempotency_key(&request).await {
                    tracing::warn!(%error, "could not release an abandoned idempotency key");
                }
            });
        }
    }
}

/// Operations whose successful answer carries a secret shown once (a token, an invitation
/// code, a client secret). The database holds secrets only as hashes, so such an answer is
/// never stored: a retry answers 409 instead, which still never creates a second record.
const ANSWERS_WITH_SECRETS: [&str; 6] = [
    "create_my_token",
    "accept_invitation",
    "invite_alliance_member",
    "invite_organisation_member",
    "create_api_client",
    "rotate_api_client",
];

enum Scoped {
    /// An API client's working token: its client and its scopes.
    Client(Vec<u8>),
    /// Anything else: a person's token, scoped by its own hash.
    Person,
    /// An API client's token that does not work (unknown, expired, revoked).
    Invalid,
}

/// What an API client's keys are scoped to: the client (not the token, which changes every
/// hour) and the scopes its token carries (an answer given under fewer scopes, such as a 403,
/// is not replayed to a token with more).
async fn client_scope(app: &App, authorization: &[u8]) -> Scoped {
    let Some(token) = std::str::from_utf8(authorization)
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| is_client_access_token(t))
    else {
        return Scoped::Person;
    };
    match app.authenticate_client(token).await {
        Ok(principal) => {
            let mut scopes: Vec<&str> = principal.scopes.iter().map(|s| s.as_str()).collect();
            scopes.sort_unstable();
            Scoped::Client(
                format!("api-client {} {}", principal.client.id, scopes.join(" ")).into_bytes(),
            )
        }
        Err(_) => Scoped::Invalid,
    }
}

fn secret_withheld() -> StoredAnswer {
    let problem = Problem::new(
        StatusCode::CONFLICT,
        "the first request with this Idempotency-Key succeeded; its answer held a secret, which \
         is never stored, so it cannot be sent again",
    );
    StoredAnswer {
        status: problem.status,
        headers: format!("{{\"content-type\":\"{PROBLEM_JSON}\"}}"),
        body: poem_openapi::types::ToJSON::to_json_string(&problem),
    }
}

/// Whether an answer is final enough to replay. 5xx may succeed on a retry; 401 and 429 say
/// nothing about the request itself (the credentials, the rate), so a retry must run again.
fn remembered(status: StatusCode) -> bool {
    (status.is_success() || status.is_client_error())
        && status != StatusCode::UNAUTHORIZED
        && status != StatusCode::TOO_MANY_REQUESTS
}

fn replay(answer: StoredAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let headers: BTreeMap<String, String> =
        serde_json::from_str(&answer.headers).unwrap_or_default();
    let mut response = Response::builder().status(status).body(answer.body);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    response
}

impl<E: Endpoint> Endpoint for IdempotencyEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        // Only creates are POSTs in this API; other methods are idempotent by nature or
        // guarded by If-Match, and ignore the header.
        if req.method() != Method::POST || !req.uri().path().starts_with(API_PREFIX) {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        }
        // A malformed key is refused by the operation (`headers::IdempotencyKey`) once the
        // caller is authenticated: without credentials the answer must be 401 whatever else
        // is wrong.
        let Ok(Some(key)) = key_of(&req) else {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        };
        let credentials = match req.headers().get(header::AUTHORIZATION) {
            Some(value) if !value.is_empty() => value.as_bytes().to_vec(),
            // No caller to scope the key to: the request is refused with 401 anyway.
            _ => return self.inner.call(req).await.map(IntoResponse::into_response),
        };
        let Some(app) = req.data::<App>().cloned() else {
            tracing::error!("the idempotency middleware runs without the App");
            return Ok(ApiError::internal().into_response());
        };
        let credentials = match client_scope(&app, &credentials).await {
            Scoped::Client(scope) => scope,
            Scoped::Person => credentials,
            // Refused with 401 by the operation; nothing to remember.
            Scoped::Invalid => return self.inner.call(req).await.map(IntoResponse::into_response),
        };

        // The body is read whole to hash it (BodyLimit, outside, caps it at 1 MiB), then put
        // back for the endpoint.
        let body = match req.take_body().into_bytes().await {
            Ok(body) => body,
            Err(error) => {
                return Ok(Problem::new(
                    StatusCode::BAD_REQUEST,
                    format!("could not read the request body: {error}"),
                )
                .into_problem_response())
            }
        };
        let path = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
        let request =
            IdempotentRequest::new(&credentials, &key, req.method().as_str(), &path, &body);
        req.set_body(body);

        match app.claim_idempotency_key(&request).await {
            Ok(Claim::Claimed) => {}
            Ok(Claim::Answered(answer)) => return Ok(replay(answer)),
            Ok(Claim::InFlight) => {
                return Ok(Problem::new(
                    StatusCode::CONFLICT,
                    "a request with this Idempotency-Key is still being processed; retry shortly",
                )
                .into_problem_response())
            }
            Ok(Claim::Mismatch) => {
                return Ok(key_problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "this key was already used for a different request; use a new key for each new request",
                ))
            }
            Err(error) => return Ok(ApiError::from(error).into_response()),
        }

        let mut guard = ClaimGuard {
            app: app.clone(),
            request: Some(request.clone()),
        };
        let mut response = match self.inner.call(req).await {
            Ok(output) => output.into_response(),
            // The same conversion the outer middleware would make, done here so that the
            // answer remembered is exactly the one sent. Keep the operation for the metrics.
            Err(error) => {
                let operation = error.data::<OperationId>().copied();
                let mut response = problem_response(error, true);
                if let Some(operation) = operation {
                    response.set_data(operation);
                }
                response
            }
        };
        // From here the endpoint has run: if this future is dropped now, the key must stay
        // claimed rather than let a retry create a second record.
        guard.settled();

        let status = response.status();
        if !remembered(status) {
            if let Err(error) = app.release_idempotency_key(&request).await {
                tracing::warn!(%error, "could not release an idempotency key");
            }
            return Ok(response);
        }
        let holds_secret = status.is_success()
            && response
                .data::<OperationId>()
                .is_some_and(|op| ANSWERS_WITH_SECRETS.contains(&op.0));
        if holds_secret {
            if let Err(error) = app
                .complete_idempotency_key(&request, secret_withheld())
                .await
            {
                tracing::error!(%error, "could not remember the answer to an idempotency key");
            }
            return Ok(response);
        }
        let bytes = match response.take_body().into_bytes().await {
            Ok(bytes) => bytes,
            Err(error) => {
                tracing::error!(%error, "could not read a response body to remember");
                if let Err(error) = app.release_idempotency_key(&request).await {
                    tracing::warn!(%error, "could not release an idempotency key");
                }
                return Ok(ApiError::internal().into_response());
            }
        };
        let headers: BTreeMap<&str, &str> = REPLAYED_HEADERS
            .iter()
            .filter_map(|name| {
                let value = response.headers().get(name)?.to_str().ok()?;
                Some((name.as_str(), value))
            })
            .collect();
        let stored = match (
            String::from_utf8(bytes.to_vec()),
            serde_json::to_string(&headers),
        ) {
            (Ok(body), Ok(headers)) => Some(StoredAnswer {
                status: status.as_u16(),
                headers,
                body,
            }),
            _ => None,
        };
        let outcome = match stored {
            Some(answer) => app.complete_idempotency_key(&request, answer).await,
            // Answers of this API are JSON text; anything else is not remembered.
            None => app.release_idempotency_key(&request).await,
        };
        if let Err(error) = outcome {
            // The request itself succeeded: answer it. Its key stays claimed (retries get
            // 409) rather than being released, since a retry would create a second record.
            tracing::error!(%error, "could not remember the answer to an idempotency key");
        }
        response.set_body(bytes);
        Ok(response)
    }
}
