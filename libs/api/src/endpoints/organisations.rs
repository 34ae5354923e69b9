use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::App;
use pcref_domain::{AllianceId, Name, OrganisationId};

use super::alliances::{invitee, MemberInvited};
use super::{page, ApiTags};
use crate::auth::BearerAuth;
use crate::headers::{IdempotencyKey, RequiredIfMatch};
use crate::problem::ApiError;
use crate::types::CursorParam;
use crate::types::{
    MembershipPage, NewMember, NewOrganisation, Organisation, OrganisationChanges,
    OrganisationKind, OrganisationPage,
};

pub struct OrganisationsApi;

#[derive(ApiResponse)]
pub enum OrganisationCreated {
    #[oai(status = 201)]
    Created(
        Json<Organisation>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] String,
    ),
}

#[derive(ApiResponse)]
pub enum OrganisationFound {
    /// The organisation; its `ETag` is what an update sends as `If-Match`.
    #[oai(status = 200)]
    Ok(Json<Organisation>, #[oai(header = "ETag")] String),
}

impl OrganisationFound {
    fn from(org: pcref_domain::Organisation) -> Self {
        let tag = org.version.etag();
        OrganisationFound::Ok(Json(org.into()), tag)
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Organisations")]
impl OrganisationsApi {
    /// List an alliance's organisations
    ///
    /// Readable by every member of the alliance.
    #[oai(
        path = "/alliances/:alliance_id/organisations",
        method = "get",
        operation_id = "list_organisations"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        /// Only organisations of this kind.
        kind: Query<Option<OrganisationKind>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<OrganisationPage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let orgs = app
            .list_organisations(
                &auth.0,
                AllianceId(alliance_id.0),
                kind.0.map(Into::into),
                cursor,
                limit,
            )
            .await?;
        Ok(Json(orgs.into()))
    }

    /// Add an organisation
    ///
    /// Alliance admins add providers and VCSE partners to their alliance.
    #[oai(
        path = "/alliances/:alliance_id/organisations",
        method = "post",
        operation_id = "create_organisation"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        body: Json<NewOrganisation>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<OrganisationCreated, ApiError> {
        let name = Name::parse(body.0.name.as_str())?;
        let org = app
            .create_organisation(&auth.0, AllianceId(alliance_id.0), name, body.0.kind.into())
            .await?;
        let location = format!("/api/v1/organisations/{}", org.id);
        let tag = org.version.etag();
        Ok(OrganisationCreated::Created(
            Json(org.into()),
            tag,
            location,
        ))
    }

    /// Get an organisation
    #[oai(
        path = "/organisations/:organisation_id",
        method = "get",
        operation_id = "get_organisation"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        organisation_id: Path<Uuid>,
    ) -> Result<OrganisationFound, ApiError> {
        let org = app
            .get_organisation(&auth.0, OrganisationId(organisation_id.0))
            .await?;
        Ok(OrganisationFound::from(org))
    }

    /// Update an organisation
    ///
    /// The alliance admin or the organisation's admin. Requires `If-Match` with the `ETag`
    /// last read.
    #[oai(
        path = "/organisations/:organisation_id",
        method = "patch",
        operation_id = "update_organisation"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        organisation_id: Path<Uuid>,
        /// The `ETag` from your last read, such as `"3"`.
        #[oai(name = "If-Match")]
        if_match: RequiredIfMatch,
        body: Json<OrganisationChanges>,
    ) -> Result<OrganisationFound, ApiError> {
        let if_match = if_match.0;
        let name = body
            .0
            .name
            .as_ref()
            .map(|n| Name::parse(n.as_str()))
            .transpose()?;
        let org = app
            .update_organisation(&auth.0, OrganisationId(organisation_id.0), if_match, name)
            .await?;
        Ok(OrganisationFound::from(org))
    }

    /// List an organisation's members
    ///
    /// Readable by the organisation's own members and the alliance admin.
    #[oai(
        path = "/organisations/:organisation_id/members",
        method = "get",
        operation_id = "list_organisation_members"
    )]
    async fn list_members(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        organisation_id: Path<Uuid>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<MembershipPage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let members = app
            .list_organisation_members(&auth.0, OrganisationId(organisation_id.0), cursor, limit)
            .await?;
        Ok(Json(members.into()))
    }

    /// Invite a member
    ///
    /// The alliance admin or the organisation's admin. The role must fit the organisation:
    /// provider roles in a provider, VCSE roles in a VCSE organisation.
    #[oai(
        path = "/organisations/:organisation_id/members",
        method = "post",
        operation_id = "invite_organisation_member"
    )]
    async fn invite(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        organisation_id: Path<Uuid>,
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
            .invite_organisation_member(&auth.0, OrganisationId(organisation_id.0), invitee)
            .await?;
        Ok(MemberInvited::from(invited))
    }
}
