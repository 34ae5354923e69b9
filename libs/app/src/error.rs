use pcref_domain::ValidationError;
use pcref_store::StoreError;

/// Why a request carried no usable credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No credentials were sent.
    Missing,
    /// Something was sent, but it is not a token we issued.
    Invalid,
    Expired,
    Revoked,
    /// An invitation for an account already in use was presented without that account's token.
    AccountInUse,
}

impl AuthFailure {
    pub fn describe(self) -> &'static str {
        match self {
            AuthFailure::Missing => {
                "send a personal access token as `Authorization: Bearer <token>`"
            }
            AuthFailure::Invalid => "the access token is not valid",
            AuthFailure::Expired => "the access token has expired; create a new one",
            AuthFailure::Revoked => "the access token has been revoked",
            AuthFailure::AccountInUse => {
                "this invitation is for an account that is already in use: accept it with that account's token (Authorization: Bearer <token>)"
            }
        }
    }
}

/// Every way a use case can refuse or fail. The API maps each variant to one HTTP status,
/// in one place.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not authenticated: {}", .0.describe())]
    Unauthenticated(AuthFailure),
    /// The caller may see the resource but not do this to it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// An API client's token lacks the scope this needs; `None`: the operation is for people's
    /// tokens only.
    #[error("insufficient scope")]
    InsufficientScope(Option<pcref_domain::Scope>),
    /// Does not exist, or belongs to a tenant the caller cannot see: the two are deliberately
    /// indistinguishable.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A well-formed code (an invitation's) that names nothing: what to do, in words.
    #[error("unknown code: {0}")]
    UnknownCode(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// Existed, but can no longer be used (a revoked or expired share link): why, in words.
    #[error("gone: {0}")]
    Gone(String),
    /// An update arrived without `If-Match`.
    #[error("this update needs an If-Match header")]
    PreconditionRequired,
    /// `If-Match` named a version that is no longer current.
    #[error("the record has changed since it was read")]
    PreconditionFailed,
    /// Well-formed input that breaks a rule.
    #[error("invalid input")]
    Invalid(Vec<ValidationError>),
    /// The database could not be reached in time.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or a broken dependency; details go to the log, not the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid(vec![ValidationError::new(field, message)])
    }
}

impl From<ValidationError> for AppError {
    fn from(e: ValidationError) -> Self {
        AppError::Invalid(vec![e])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            // Explicit checks come first with clearer messages; this is the race that slipped
            // between a check and the write.
            StoreError::Duplicate { .. } => AppError::Conflict(
                "a record with the same identity was created at the same time; reload and try again".into(),
            ),
            // A record referred to vanished between a check and the write.
            StoreError::MissingReference { .. } => AppError::Conflict(
                "a record this change refers to was removed at the same time; reload and try again".into(),
            ),
            StoreError::Unavailable(why) | StoreError::Connect(why) => AppError::Unavailable(why),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<pcref_auth::RandomnessError> for AppError {
    fn from(e: pcref_auth::RandomnessError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<pcref_auth::MissingScope> for AppError {
    fn from(e: pcref_auth::MissingScope) -> Self {
        AppError::InsufficientScope(Some(e.0))
    }
}
