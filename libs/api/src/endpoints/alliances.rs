use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::{App, Invitee};
use pcref_domain::{AllianceId, DisplayName, Email, Name};

use super::{all_valid, etag, page, ApiTags};
use crate::auth::BearerAuth;
use crate::headers::{IdempotencyKey, RequiredIfMatch};
use crate::problem::ApiError;
use crate::types::CursorParam;
use crate::types::{
    Alliance, AllianceChanges, AlliancePage, Invitation, MembershipPage, NewMember,
};

pub struct AlliancesApi;

#[derive(ApiResponse)]
pub enum AllianceFound {
    /// The alliance; its `ETag` is what an update sends as `If-Match`.
    #[oai(status = 200)]
    Ok(Json<Alliance>, #[oai(header = "ETag")] String),
}

impl AllianceFound {
    fn from(alliance: pcref_domain::Alliance) -> Self {
        let tag = alliance.version.etag();
        AllianceFound::Ok(Json(alliance.into()), tag)
    }
}

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

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Alliances")]
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
        cursor: Query<Option<CursorParam>>,
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
    ) -> Result<AllianceFound, ApiError> {
        let alliance = app.get_alliance(&auth.0, AllianceId(alliance_id.0)).await?;
        Ok(AllianceFound::from(alliance))
    }

    /// Update an alliance
    ///
    /// Alliance admins rename it or set its reporting cycle: how many days an action may go
    /// without a progress update before it is flagged stale (90 unless set). Requires
    /// `If-Match` with the `ETag` last read.
    #[oai(
        path = "/alliances/:alliance_id",
        method = "patch",
        operation_id = "update_alliance"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        /// The `ETag` from your last read, such as `"3"`.
        #[oai(name = "If-Match")]
        if_match: RequiredIfMatch,
        body: Json<AllianceChanges>,
    ) -> Result<AllianceFound, ApiError> {
        let if_match = if_match.0;
        let (name, cycle) = all_valid(
            body.0
                .name
                .as_ref()
                .map(|n| Name::parse(n.as_str()))
                .transpose(),
            body.0
                .reporting_cycle_days
                .map(|days| pcref_domain::reporting_cycle_days(days.0))
                .transpose(),
        )?;
        let alliance = app
            .update_alliance(&auth.0, AllianceId(alliance_id.0), if_match, name, cycle)
            .await?;
        Ok(AllianceFound::from(alliance))
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
        cursor: Query<Option<CursorParam>>,
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
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<MemberInvited, ApiError> {
        let invitee = invitee(body.0)?;
        let invited = app
            .invite_alliance_member(&auth.0, AllianceId(alliance_id.0), invitee)
            .await?;
        Ok(MemberInvited::from(invited))
    }
}
