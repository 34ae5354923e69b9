//! Use cases. Each takes the acting [`Principal`], checks what it may do through a named
//! check in [`policy`], and runs its queries and its audit entry in one transaction.
//! Every transport (HTTP today, the command line) goes through here, so none can skip a check.

mod audit;
mod error;
pub mod policy;

mod alliances;
mod api_clients;
mod feedback;
mod idempotency;
mod identity;
mod kept;
mod learning;
mod members;
mod oauth;
mod organisations;
mod periods;
mod plan_stages;
mod plans;
mod projects;
mod publishing;
mod reports;
pub mod rollup;
mod template_sharing;
mod withheld_terms;

use std::time::Duration;

use chrono::{DateTime, Utc};
pub use error::{AppError, AuthFailure};
pub use pcref_auth::{Acting, Caller, ClientPrincipal, Principal};
use pcref_domain::{IfMatch, Version};
use pcref_store::Db;

pub use alliances::Bootstrapped;
pub use api_clients::{ApiClientWithSecret, NewApiClientRequest};
pub use feedback::{
    FeedbackSummary, FeedbackSummaryRow, MedianDays, NewFeedbackRequest,
    NewFeedbackResponseRequest, WrittenFeedback,
};
pub use idempotency::IdempotentRequest;
pub use identity::{AcceptedInvitation, CreatedToken};
pub use learning::{ContributedLearning, LearningChangeRequest, NewLearningRequest};
pub use members::{Invited, Invitee};
pub use oauth::{
    is_client_access_token, ClientCredentials, IssuedClientToken, OAuthError, TokenRequestError,
};
pub use plan_stages::{ActionQuery, ActionWithFlags, NewProgressUpdate, WorkspaceRecord};
pub use plans::{NewPlanRequest, NewTemplateRequest};
pub use projects::{today, NewProjectRequest, Redacted};
pub use publishing::{LibraryPage, PublishPreview, PublishRequest};
pub use reports::{CreatedShareLink, DEFAULT_SHARE_LINK_DAYS, MAX_SHARE_LINK_DAYS};
pub use template_sharing::SharedTemplate;
pub use withheld_terms::{
    clean_withheld_terms, WithheldTerms, MAX_TERM_CHARS, MAX_WITHHELD_TERMS, MIN_TERM_CHARS,
};

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// How long a personal access token lives unless its creator asks for less.
    pub token_lifetime: chrono::Duration,
    /// The longest lifetime a personal access token may be given.
    pub max_token_lifetime: chrono::Duration,
    /// How long an invitation code can be used.
    pub invitation_lifetime: chrono::Duration,
    /// How stale a token's `last_used_at` may get before a request refreshes it (a write per
    /// request would cost a disk sync each time).
    pub last_used_precision: Duration,
    /// How long an API client's access token from `/oauth/token` lives.
    pub client_token_lifetime: chrono::Duration,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            token_lifetime: chrono::Duration::days(90),
            max_token_lifetime: chrono::Duration::days(365),
            invitation_lifetime: chrono::Duration::days(7),
            last_used_precision: Duration::from_secs(60),
            client_token_lifetime: chrono::Duration::hours(1),
        }
    }
}

/// The application: the database and the settings, shared by every request.
#[derive(Debug, Clone)]
pub struct App {
    db: Db,
    settings: AppSettings,
    /// Immutable things the reporting use cases keep between requests.
    reports: std::sync::Arc<reports::ReportCaches>,
    /// Principals of tokens used moments ago (see `kept`).
    principals: std::sync::Arc<identity::KeptPrincipals>,
    /// Pages of alliances' libraries found moments ago (see `kept`).
    library: std::sync::Arc<publishing::KeptLibrary>,
    /// Action plans read moments ago (see `kept`).
    plans: std::sync::Arc<plans::KeptPlans>,
    /// Live roll-ups computed moments ago (see `kept`).
    rollups: std::sync::Arc<reports::KeptRollups>,
}

impl App {
    pub fn new(db: Db, settings: AppSettings) -> App {
        App {
            db,
            settings,
            reports: Default::default(),
            principals: std::sync::Arc::new(identity::kept_principals()),
            library: std::sync::Arc::new(publishing::kept_library()),
            plans: std::sync::Arc::new(plans::kept_plans()),
            rollups: std::sync::Arc::new(reports::kept_rollups()),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn settings(&self) -> &AppSettings {
        &self.settings
    }

    /// Whether the database answers now (`/readyz`).
    pub async fn ready(&self) -> Result<(), AppError> {
        self.db.ping().await.map_err(AppError::from)
    }
}

fn now() -> DateTime<Utc> {
    pcref_store::now()
}

/// `If-Match` is optional on a delete, and checked when sent.
fn check_optional_if_match(if_match: Option<&IfMatch>, current: Version) -> Result<(), AppError> {
    match if_match {
        Some(_) => check_if_match(if_match, current),
        None => Ok(()),
    }
}

/// Checks an update's `If-Match` against the record's current version.
fn check_if_match(if_match: Option<&IfMatch>, current: Version) -> Result<(), AppError> {
    match if_match {
        None => Err(AppError::PreconditionRequired),
        Some(m) if m.matches(current) => Ok(()),
        Some(_) => Err(AppError::PreconditionFailed),
    }
}
