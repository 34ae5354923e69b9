use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::App;
use pcref_domain::MembershipId;

use super::ApiTags;
use crate::auth::BearerAuth;
use crate::headers::{OptionalIfMatch, RequiredIfMatch};
use crate::problem::ApiError;
use crate::types::{Membership, MembershipChanges};

pub struct MembershipsApi;

#[derive(ApiResponse)]
pub enum MembershipFound {
    /// The membership; its `ETag` is what an update sends as `If-Match`.
    #[oai(status = 200)]
    Ok(Json<Membership>, #[oai(header = "ETag")] String),
}

impl MembershipFound {
    fn from(m: pcref_domain::Membership) -> Self {
        let tag = m.version.etag();
        MembershipFound::Ok(Json(m.into()), tag)
    }
}

#[derive(ApiResponse)]
pub enum MembershipRemoved {
    /// Removed; a pending invitation is withdrawn with it.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Memberships")]
impl MembershipsApi {
    /// Get a membership
    ///
    /// Visible to whoever can list the organisation's (or alliance's) members.
    #[oai(
        path = "/memberships/:membership_id",
        method = "get",
        operation_id = "get_membership"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        membership_id: Path<Uuid>,
    ) -> Result<MembershipFound, ApiError> {
        let m = app
            .get_membership(&auth.0, MembershipId(membership_id.0))
            .await?;
        Ok(MembershipFound::from(m))
    }

    /// Change a member's role
    ///
    /// The alliance admin, or the organisation's admin for its members. Requires `If-Match`.
    /// The last active alliance admin cannot be demoted.
    #[oai(
        path = "/memberships/:membership_id",
        method = "patch",
        operation_id = "update_membership"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        membership_id: Path<Uuid>,
        /// The `ETag` from your last read, such as `"3"`.
        #[oai(name = "If-Match")]
        if_match: RequiredIfMatch,
        body: Json<MembershipChanges>,
    ) -> Result<MembershipFound, ApiError> {
        let if_match = if_match.0;
        let m = app
            .change_membership_role(
                &auth.0,
                MembershipId(membership_id.0),
                if_match,
                body.0.role.into(),
            )
            .await?;
        Ok(MembershipFound::from(m))
    }

    /// Remove a membership
    ///
    /// Removes a member, or withdraws a pending invitation. `If-Match` is optional; when sent,
    /// a stale version refuses the removal. The last active alliance admin cannot be removed.
    #[oai(
        path = "/memberships/:membership_id",
        method = "delete",
        operation_id = "remove_membership"
    )]
    async fn remove(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        membership_id: Path<Uuid>,
        /// The `ETag` from your last read, such as `"3"`.
        #[oai(name = "If-Match")]
        if_match: OptionalIfMatch,
    ) -> Result<MembershipRemoved, ApiError> {
        let if_match = if_match.0;
        app.remove_membership(&auth.0, MembershipId(membership_id.0), if_match)
            .await?;
        Ok(MembershipRemoved::NoContent)
    }
}
