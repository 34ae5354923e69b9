//! The `/api/v1` operations, one `OpenApi` struct per tag. Handlers are thin: parse, call one
//! use case, map the result.

mod alliances;
mod api_clients;
mod audit;
mod feedback;
mod identity;
mod learning;
mod memberships;
mod oauth;
mod organisations;
mod periods;
mod plan_stages;
mod plans;
mod projects;
mod publishing;
mod reference;
mod reports;
mod withheld_terms;

pub use alliances::AlliancesApi;
pub use api_clients::ApiClientsApi;
pub use audit::AuditApi;
pub use feedback::FeedbackApi;
pub use identity::{InvitationsApi, MeApi};
pub use learning::LearningApi;
pub use memberships::MembershipsApi;
pub use oauth::OAuthApi;
pub use organisations::OrganisationsApi;
pub use periods::PeriodsApi;
pub use plan_stages::{ActionsApi, GoalsApi, PrioritiesApi, ProgressUpdatesApi};
pub use plans::{PlansApi, TemplatesApi};
pub use projects::ProjectsApi;
pub use publishing::PublishingApi;
pub use reference::ReferenceApi;
pub use reports::{ReportsApi, SharedReportsApi};
pub use withheld_terms::WithheldTermsApi;

use poem_openapi::Tags;

use pcref_domain::{Cursor, PageLimit, ValidationError};

use crate::problem::ApiError;
use crate::types::CursorParam;

#[derive(Tags)]
pub enum ApiTags {
    /// The caller: who they are, their memberships and their personal access tokens.
    Me,
    /// Regional alliances of providers and VCSE partners.
    Alliances,
    /// Member organisations of an alliance: providers and VCSE partners.
    Organisations,
    /// Who holds which role where; inviting people.
    Memberships,
    /// Taking up an invitation (no authentication needed).
    Invitations,
    /// An organisation's OAuth2 client credentials for its own systems.
    #[oai(rename = "API clients")]
    ApiClients,
    /// OAuth2 for API clients: access tokens by the client-credentials grant, and revocation.
    #[oai(rename = "OAuth2")]
    OAuth,
    /// The append-only record of every change.
    Audit,
    /// Fixed lists: NHS ethnic categories, cultural competencies, PCREF pillars.
    Reference,
    /// Plan skeletons: the built-in four-stage PCREF template and organisations' own.
    Templates,
    /// Action plans in a provider's private workspace.
    Plans,
    /// Stage 1 of a plan: priority areas naming specific ethnic groups.
    #[oai(rename = "Priority areas")]
    PriorityAreas,
    /// Stage 2 of a plan: SMART goals.
    Goals,
    /// Stage 3 of a plan: the implementation table.
    Actions,
    /// Stage 4 of a plan: dated progress updates on actions.
    #[oai(rename = "Progress updates")]
    ProgressUpdates,
    /// Publishing anonymised plans and the alliance's library of published plans.
    Publishing,
    /// The alliance's learning library: good-practice case studies from providers and VCSE
    /// partners.
    Learning,
    /// Patient, carer and community feedback about a provider or the alliance, and its "you
    /// said, we did" loop: received → acknowledged → responded → closed.
    Feedback,
    /// Joint projects across providers and VCSE partners, following the five-step model
    /// (intelligence gathering, analysis and interpretation, defining problems, co-designing
    /// solutions, critical actions): participants, milestones and RAG updates.
    #[oai(rename = "Joint projects")]
    Projects,
    /// An alliance's reporting periods (such as 2026-Q3), which board reports are issued from.
    #[oai(rename = "Reporting periods")]
    Periods,
    /// Roll-ups of a reporting period and the board reports issued from them: JSON, the HTML
    /// board paper and CEO-forum brief, CSV and Excel; share links for board members.
    #[oai(rename = "Board reports")]
    Reports,
}

/// Reads the paging query parameters.
pub(crate) fn page(
    cursor: Option<CursorParam>,
    limit: Option<u32>,
) -> Result<(Option<Cursor>, PageLimit), ApiError> {
    let cursor = cursor.as_deref().map(|c| Cursor::parse(c)).transpose();
    let limit = PageLimit::parse(limit);
    match (cursor, limit) {
        (Ok(c), Ok(l)) => Ok((c, l)),
        (c, l) => Err(ApiError::invalid(
            [c.err(), l.err()].into_iter().flatten().collect(),
        )),
    }
}

/// Collects every field's error at once, so that a form can show them together.
pub(crate) fn all_valid<A, B>(
    a: Result<A, ValidationError>,
    b: Result<B, ValidationError>,
) -> Result<(A, B), ApiError> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => Err(ApiError::invalid(
            [a.err(), b.err()].into_iter().flatten().collect(),
        )),
    }
}

/// A request body's parsed value; when it does not parse, the caller's right to act is
/// checked first, so that somebody who may not see the target learns nothing from what is
/// wrong with the body.
pub(crate) async fn valid<T>(
    parsed: Result<T, Vec<ValidationError>>,
    authorize: impl std::future::Future<Output = Result<(), pcref_app::AppError>>,
) -> Result<T, ApiError> {
    match parsed {
        Ok(value) => Ok(value),
        Err(errors) => {
            authorize.await?;
            Err(ApiError::invalid(errors))
        }
    }
}

/// `Found` (200) and `Created` (201) answers for a record served with its `ETag`.
macro_rules! record_responses {
    ($found:ident, $created:ident, $body:ident) => {
        #[derive(ApiResponse)]
        pub enum $found {
            /// The record; its `ETag` is what an update sends as `If-Match`.
            #[oai(status = 200)]
            Ok(Json<$body>, #[oai(header = "ETag")] String),
        }

        #[derive(ApiResponse)]
        pub enum $created {
            /// The record created; its `ETag` is what an update sends as `If-Match`.
            #[oai(status = 201)]
            Created(
                Json<$body>,
                #[oai(header = "ETag")] String,
                #[oai(header = "Location")] String,
            ),
        }

        impl $found {
            fn of(body: $body) -> Self {
                let tag = super::etag(body.version);
                $found::Ok(Json(body), tag)
            }
        }

        impl $created {
            fn of(body: $body, location: String) -> Self {
                let tag = super::etag(body.version);
                $created::Created(Json(body), tag, location)
            }
        }
    };
}
pub(crate) use record_responses;

/// A record deleted.
#[derive(poem_openapi::ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    NoContent,
}

pub(crate) fn etag(version: i64) -> String {
    pcref_domain::Version(version).etag()
}
