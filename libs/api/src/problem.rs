//! Errors as `application/problem+json` (RFC 9457): one type, mapped from the use cases'
//! errors in one place, and a converter for the errors the framework raises before a handler
//! runs (malformed JSON, a bad path parameter, no route).

use poem::http::StatusCode;
use poem::IntoResponse;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use pcref_app::{AppError, AuthFailure};
use pcref_domain::{Scope, ValidationError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem detail. `type` is a stable URN naming the kind of problem; `detail` says what
/// happened to this request in words a person can act on.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Problem {
    #[oai(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For invalid input: each offending field and what is wrong with it.
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<Vec<FieldProblem>>,
}

impl poem_openapi::types::Example for Problem {
    fn example() -> Self {
        let mut problem = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "email: must look like name@example.nhs.uk",
        );
        problem.errors = Some(vec![FieldProblem {
            field: "email".into(),
            message: "must look like name@example.nhs.uk".into(),
        }]);
        problem
    }
}

#[derive(Debug, Clone, Object)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        let (slug, title) = describe(status);
        Problem {
            problem_type: format!("urn:pcref-hub:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: None,
        }
    }
}

/// The kind and title of each status the API answers with.
fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("bad-request", "Malformed request"),
        401 => ("unauthenticated", "Authentication required"),
        403 => ("forbidden", "Not allowed"),
        404 => ("not-found", "Not found"),
        405 => ("method-not-allowed", "Method not allowed"),
        406 => ("not-acceptable", "Not acceptable"),
        409 => ("conflict", "Conflict"),
        411 => ("length-required", "Length required"),
        412 => ("precondition-failed", "Precondition failed"),
        413 => ("payload-too-large", "Request body too large"),
        415 => ("unsupported-media-type", "Unsupported media type"),
        422 => ("validation", "Invalid content"),
        428 => ("precondition-required", "Precondition required"),
        429 => ("too-many-requests", "Too many requests"),
        503 => ("unavailable", "Service unavailable"),
        500..=599 => ("internal", "Internal error"),
        _ => ("error", "Error"),
    }
}

/// Every error an operation can answer with.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed: unreadable JSON, a wrong type, an unknown field, a bad id.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No valid credentials. `WWW-Authenticate` says how to authenticate (RFC 6750).
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>, #[oai(header = "WWW-Authenticate")] String),
    /// Authenticated, but the role held does not allow this; for an API client whose token
    /// lacks a scope, `WWW-Authenticate` carries `error="insufficient_scope"` (RFC 6750).
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(
        Json<Problem>,
        #[oai(header = "WWW-Authenticate")] Option<String>,
    ),
    /// Does not exist, or is not visible to the caller.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// Conflicts with the current state, such as a name already in use.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// `If-Match` names a version that is no longer current: read again, then retry.
    #[oai(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Json<Problem>),
    /// The body is larger than 1 MiB.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body is not of the media type the operation takes (`Content-Type`).
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Well-formed, but breaks a rule; `errors` lists each field.
    #[oai(status = 422, content_type = "application/problem+json")]
    UnprocessableEntity(Json<Problem>),
    /// The update needs an `If-Match` header with the `ETag` last read.
    #[oai(status = 428, content_type = "application/problem+json")]
    PreconditionRequired(Json<Problem>),
    /// Over the rate limit (per token, or per address without one): retry after
    /// `Retry-After` seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] u64),
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The database could not be reached in time, or was busy; retry after `Retry-After`
    /// seconds.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>, #[oai(header = "Retry-After")] u32),
}

/// Every error an operation open to anybody (no token, no parameters, no body) can answer with.
#[derive(Debug, ApiResponse)]
pub enum PublicError {
    /// Over the rate limit for the caller's address: retry after `Retry-After` seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] u64),
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
}

/// `WWW-Authenticate` for a request that sent no credentials, or sent a bad bearer token.
pub fn www_authenticate(failure: AuthFailure) -> String {
    match failure {
        AuthFailure::Missing | AuthFailure::AccountInUse => "Bearer realm=\"pcref-hub\"".to_owned(),
        other => format!(
            "Bearer realm=\"pcref-hub\", error=\"invalid_token\", error_description=\"{}\"",
            other.describe().replace('"', "'")
        ),
    }
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::BadRequest(Json(Problem::new(StatusCode::BAD_REQUEST, detail)))
    }

    pub fn unauthorized(failure: AuthFailure) -> ApiError {
        ApiError::Unauthorized(
            Json(Problem::new(StatusCode::UNAUTHORIZED, failure.describe())),
            www_authenticate(failure),
        )
    }

    /// 403 for an API client's token that lacks the scope an operation needs, or that was sent
    /// to an operation for people's tokens only (`needed` is `None`).
    pub fn insufficient_scope(needed: Option<Scope>) -> ApiError {
        let (detail, header) = match needed {
            Some(scope) => (
                format!(
                    "this API client's token does not carry the scope `{}`; ask your organisation's admin to grant it to the client, then request a token with it",
                    scope.as_str()
                ),
                format!(
                    "Bearer realm=\"pcref-hub\", error=\"insufficient_scope\", scope=\"{}\"",
                    scope.as_str()
                ),
            ),
            None => (
                "this operation takes a person's personal access token; API clients cannot use it"
                    .to_owned(),
                "Bearer realm=\"pcref-hub\", error=\"insufficient_scope\", error_description=\"for personal access tokens only\"".to_owned(),
            ),
        };
        ApiError::Forbidden(
            Json(Problem::new(StatusCode::FORBIDDEN, detail)),
            Some(header),
        )
    }

    pub fn invalid(errors: Vec<ValidationError>) -> ApiError {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid; see errors", many.len()),
        };
        let mut problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail);
        problem.errors = Some(
            errors
                .into_iter()
                .map(|e| FieldProblem {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
        );
        ApiError::UnprocessableEntity(Json(problem))
    }

    pub fn internal() -> ApiError {
        ApiError::Internal(Json(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "something went wrong on our side; it has been logged",
        )))
    }

    /// For the framework's error path (security scheme checkers, middleware).
    pub fn into_poem_error(self) -> poem::Error {
        let response = self.into_response();
        let status = response.status();
        let mut error = poem::Error::from_response(response);
        error.set_error_message(status.canonical_reason().unwrap_or("error"));
        error
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        ApiError::invalid(vec![e])
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let problem = |status: StatusCode, detail: String| Json(Problem::new(status, detail));
        match e {
            AppError::Unauthenticated(failure) => ApiError::unauthorized(failure),
            AppError::Forbidden(why) => {
                ApiError::Forbidden(problem(StatusCode::FORBIDDEN, why), None)
            }
            AppError::InsufficientScope(needed) => ApiError::insufficient_scope(needed),
            // The same words whether the record is missing or hidden: nothing to tell apart.
            AppError::NotFound(what) => ApiError::NotFound(problem(
                StatusCode::NOT_FOUND,
                format!("no {what} with this id exists, or you cannot see it"),
            )),
            AppError::UnknownCode(why) => ApiError::NotFound(problem(StatusCode::NOT_FOUND, why)),
            AppError::Conflict(why) => ApiError::Conflict(problem(StatusCode::CONFLICT, why)),
            // Only a share link is ever gone, and its endpoint answers 410 itself (see
            // endpoints::reports); elsewhere it cannot happen, and "not found" is the closest.
            AppError::Gone(why) => ApiError::NotFound(problem(StatusCode::NOT_FOUND, why)),
            AppError::PreconditionRequired => ApiError::PreconditionRequired(problem(
                StatusCode::PRECONDITION_REQUIRED,
                "send If-Match with the ETag from your last read, so that you never overwrite someone else's change unseen".into(),
            )),
            AppError::PreconditionFailed => ApiError::PreconditionFailed(problem(
                StatusCode::PRECONDITION_FAILED,
                "the record has changed since you read it; read it again and reapply your change".into(),
            )),
            AppError::Invalid(errors) => ApiError::invalid(errors),
            AppError::Unavailable(why) => {
                tracing::warn!(%why, "database unavailable");
                ApiError::Unavailable(
                    problem(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the database is busy or did not answer in time; try again shortly".into(),
                    ),
                    1,
                )
            }
            AppError::Internal(why) => {
                tracing::error!(%why, "internal error");
                ApiError::internal()
            }
        }
    }
}

/// Turns any error into a problem+json response, keeping responses that already are one.
/// Framework errors carry a status and a message; a 5xx message is logged, not shown.
pub fn problem_response(error: poem::Error, sent_credentials: bool) -> poem::Response {
    let status = error.status();
    let message = error.to_string();
    let response = error.into_response();
    let is_problem = response
        .headers()
        .get(poem::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return response;
    }
    let detail = match status.as_u16() {
        401 => {
            let failure = if sent_credentials {
                AuthFailure::Invalid
            } else {
                AuthFailure::Missing
            };
            return ApiError::unauthorized(failure).into_response();
        }
        404 => "no such path; the API is described at /docs".to_owned(),
        405 => "this path does not accept that method; the API is described at /docs".to_owned(),
        413 => "the request body is larger than 1 MiB".to_owned(),
        // poem-openapi names path parameters by position; say what was wrong instead.
        400 if message.contains("failed to parse path") => {
            "an id in the path is not a valid UUID, such as 0192f0c1-8b7a-7cde-9f00-3c5e2f1a7b10"
                .to_owned()
        }
        500..=599 => {
            tracing::error!(%status, %message, "unhandled error");
            return ApiError::internal().into_response();
        }
        _ => message,
    };
    Problem::new(status, detail).into_problem_response()
}

impl Problem {
    pub fn into_problem_response(self) -> poem::Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        poem::Response::builder()
            .status(status)
            .content_type(PROBLEM_JSON)
            .body(poem_openapi::types::ToJSON::to_json_string(&self))
    }
}
