use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;
use uuid::Uuid;

use pcref_app::App;
use pcref_domain::{AllianceId, OrganisationId, ValidationError};

use super::{page, ApiTags};
use crate::auth::BearerAuth;
use crate::problem::ApiError;
use crate::types::{AuditAction, AuditEntryPage, CursorParam, Ruled};

pub struct AuditApi;

/// An action filter names an action such as `membership.invited`: lower-case words joined by
/// dots. Anything else cannot match, and some bytes (NUL) PostgreSQL would refuse outright.
fn action_filter(action: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(action) = action else {
        return Ok(None);
    };
    let well_formed = !action.is_empty()
        && action.len() <= 64
        && action.split('.').all(|word| {
            !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        });
    if well_formed {
        Ok(Some(action))
    } else {
        Err(ValidationError::new(
            "action",
            "must name an action such as organisation.created or membership.role_changed",
        )
        .into())
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Audit")]
impl AuditApi {
    /// An organisation's audit log
    ///
    /// Newest first. Readable by the organisation's admins only.
    #[oai(
        path = "/organisations/:organisation_id/audit",
        method = "get",
        operation_id = "list_organisation_audit"
    )]
    async fn organisation(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        organisation_id: Path<Uuid>,
        /// Only entries of this action, such as `membership.invited`.
        action: Query<Option<Ruled<String, AuditAction>>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<AuditEntryPage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let entries = app
            .organisation_audit(
                &auth.0,
                OrganisationId(organisation_id.0),
                action_filter(action.0.map(Ruled::into_inner))?,
                cursor,
                limit,
            )
            .await?;
        Ok(Json(entries.into()))
    }

    /// An alliance's audit log
    ///
    /// Newest first: organisations, memberships and invitations across the alliance.
    /// Readable by alliance admins only. Organisations' private workspaces are not in it.
    #[oai(
        path = "/alliances/:alliance_id/audit",
        method = "get",
        operation_id = "list_alliance_audit"
    )]
    async fn alliance(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        /// Only entries of this action, such as `organisation.created`.
        action: Query<Option<Ruled<String, AuditAction>>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<AuditEntryPage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let entries = app
            .alliance_audit(
                &auth.0,
                AllianceId(alliance_id.0),
                action_filter(action.0.map(Ruled::into_inner))?,
                cursor,
                limit,
            )
            .await?;
        Ok(Json(entries.into()))
    }
}
