use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::{App, Invitee};
use pcref_domain::{AllianceId, DisplayName, Email};

use super::{all_valid, etag, page, ApiTags};
use crate::auth::BearerAuth;
use crate::problem::ApiError;
use crate::types::{Alliance, AlliancePage, Invitation, MembershipPage, NewMember};

pub struct AlliancesApi;

#[derive(ApiResponse)]
pub enum MemberInvited {
    /// Invited. `invitation_code` is shown only now; the membership is `invited` until the
    /// code is accepted.
    #[oai(status = 201)]
    Created(
        Json<Invitation>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] String,
    ),
}

impl MemberInvited {
    pub fn from(invited: pcref_app::Invited) -> MemberInvited {
        let invitation = Invitation::from(invited);
        let version = invitation.membership.version;
        let location = format!("/api/v1/memberships/{}", invitation.membership.id);
        MemberInvited::Created(Json(invitation), etag(version), location)
    }
}

/// Parses an invitation's fields, reporting every bad field at once.
pub(crate) fn invitee(body: NewMember) -> Result<Invitee, ApiError> {
    let (email, display_name) = all_valid(
        Email::parse(body.email.as_str()),
        DisplayName::parse(body.display_name.as_str()),
    )?;
    Ok(Invitee {
        email,
        display_name,
        role: body.role.into(),
    })
}

#[OpenApi(tag = "ApiTags::Alliances")]
impl AlliancesApi {
    /// List my alliances
    ///
    /// The alliances in which the caller holds an active membership.
    #[oai(path = "/alliances", method = "get", operation_id = "list_alliances")]
    async fn list(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<AlliancePage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        Ok(Json(
            app.list_alliances(&auth.0, cursor, limit).await?.into(),
        ))
    }

    /// Get an alliance
    #[oai(
        path = "/alliances/:alliance_id",
        method = "get",
        operation_id = "get_alliance"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
    ) -> Result<Json<Alliance>, ApiError> {
        let alliance = app.get_alliance(&auth.0, AllianceId(alliance_id.0)).await?;
        Ok(Json(alliance.into()))
    }

    /// List alliance-level members
    ///
    /// Alliance admins and board members. Readable by those who hold an alliance-level role.
    #[oai(
        path = "/alliances/:alliance_id/members",
        method = "get",
        operation_id = "list_alliance_members"
    )]
    async fn list_members(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<MembershipPage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let members = app
            .list_alliance_members(&auth.0, AllianceId(alliance_id.0), cursor, limit)
            .await?;
        Ok(Json(members.into()))
    }

    /// Invite an alliance admin or board member
    ///
    /// Alliance admins only. The role must be `alliance_admin` or `board_member`. Inviting
    /// someone whose invitation is still pending issues a new code (the old one stops working).
    #[oai(
        path = "/alliances/:alliance_id/members",
        method = "post",
        operation_id = "invite_alliance_member"
    )]
    async fn invite(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        body: Json<NewMember>,
    ) -> Result<MemberInvited, ApiError> {
        let invitee = invitee(body.0)?;
        let invited = app
            .invite_alliance_member(&auth.0, AllianceId(alliance_id.0), invitee)
            .await?;
        Ok(MemberInvited::from(invited))
    }
}
