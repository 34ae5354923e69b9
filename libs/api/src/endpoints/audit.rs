use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;
use uuid::Uuid;

use pcref_app::App;
use pcref_domain::{AllianceId, OrganisationId};

use super::{page, ApiTags};
use crate::auth::BearerAuth;
use crate::problem::ApiError;
use crate::types::AuditEntryPage;

pub struct AuditApi;

#[OpenApi(tag = "ApiTags::Audit")]
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
        action: Query<Option<String>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<AuditEntryPage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let entries = app
            .organisation_audit(
                &auth.0,
                OrganisationId(organisation_id.0),
                action.0,
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
        action: Query<Option<String>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<AuditEntryPage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let entries = app
            .alliance_audit(&auth.0, AllianceId(alliance_id.0), action.0, cursor, limit)
            .await?;
        Ok(Json(entries.into()))
    }
}
