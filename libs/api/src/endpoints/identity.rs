use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::App;
use pcref_domain::{AccessTokenId, TokenName};

use super::{page, ApiTags};
use crate::auth::{BearerAuth, OptionalBearerAuth};
use crate::headers::IdempotencyKey;
use crate::problem::ApiError;
use crate::types::CursorParam;
use crate::types::{
    AcceptInvitation, AcceptedInvitation, AccessTokenPage, CreatedAccessToken, Me, NewAccessToken,
};

pub struct MeApi;

#[derive(ApiResponse)]
pub enum TokenCreated {
    /// Created. The secret is in `token`, shown only now.
    #[oai(status = 201)]
    Created(Json<CreatedAccessToken>),
}

#[derive(ApiResponse)]
pub enum TokenRevoked {
    /// Revoked (or already revoked).
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Me")]
impl MeApi {
    /// Who am I
    ///
    /// The caller's account and active memberships.
    #[oai(path = "/me", method = "get", operation_id = "get_me")]
    async fn me(&self, auth: BearerAuth) -> Result<Json<Me>, ApiError> {
        let p = auth.0;
        Ok(Json(Me {
            user: p.user.into(),
            memberships: p.memberships.into_iter().map(Into::into).collect(),
        }))
    }

    /// List my access tokens
    ///
    /// Metadata only: secrets are never shown again after creation.
    #[oai(path = "/me/tokens", method = "get", operation_id = "list_my_tokens")]
    async fn list_tokens(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        /// The `next_cursor` of the previous page.
        cursor: poem_openapi::param::Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: poem_openapi::param::Query<Option<u32>>,
    ) -> Result<Json<AccessTokenPage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        Ok(Json(app.list_tokens(&auth.0, cursor, limit).await?.into()))
    }

    /// Create an access token
    ///
    /// For scripts and tools acting as you. The secret is in `token` and shown only in this
    /// response.
    #[oai(path = "/me/tokens", method = "post", operation_id = "create_my_token")]
    async fn create_token(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        body: Json<NewAccessToken>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<TokenCreated, ApiError> {
        let name = TokenName::parse(body.0.name.as_str())?;
        let created = app
            .create_token(&auth.0, name, body.0.expires_in_days.map(|d| d.0))
            .await?;
        Ok(TokenCreated::Created(Json(created.into())))
    }

    /// Revoke an access token
    ///
    /// Takes effect at once, for the token in use too.
    #[oai(
        path = "/me/tokens/:token_id",
        method = "delete",
        operation_id = "revoke_my_token"
    )]
    async fn revoke_token(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        token_id: Path<Uuid>,
    ) -> Result<TokenRevoked, ApiError> {
        app.revoke_token(&auth.0, AccessTokenId(token_id.0)).await?;
        Ok(TokenRevoked::NoContent)
    }
}

pub struct InvitationsApi;

#[derive(ApiResponse)]
pub enum InvitationAccepted {
    /// Accepted: the membership is active and `token` holds a personal access token.
    #[oai(status = 201)]
    Created(Json<AcceptedInvitation>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Invitations")]
impl InvitationsApi {
    /// Accept an invitation
    ///
    /// Exchanges an invitation code (valid for 7 days, usable once: 409 after) for an active
    /// membership and a personal access token. For a new account the code is the only
    /// credential. An invitation for an account already in use must be accepted with that
    /// account's token (401 without it, 403 with another account's).
    #[oai(
        path = "/invitations/accept",
        method = "post",
        operation_id = "accept_invitation"
    )]
    async fn accept(
        &self,
        auth: OptionalBearerAuth,
        app: Data<&App>,
        body: Json<AcceptInvitation>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<InvitationAccepted, ApiError> {
        let body = body.0;
        let token_name = TokenName::parse(
            body.token_name
                .as_ref()
                .map_or("invitation", |t| t.as_str()),
        )
        .map_err(|e| e.for_field("token_name"))?;
        let accepted = app
            .accept_invitation(body.code.0 .0, token_name, auth.principal())
            .await?;
        Ok(InvitationAccepted::Created(Json(AcceptedInvitation {
            token: accepted.token.secret,
            access_token: accepted.token.token.into(),
            membership: accepted.membership.into(),
        })))
    }
}
