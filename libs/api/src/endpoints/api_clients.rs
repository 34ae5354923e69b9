//! API clients: an organisation's OAuth2 client credentials for its own systems.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::App;
use pcref_domain::{ApiClientId, OrganisationId};

use super::{valid, ApiTags, Deleted};
use crate::api_client_types::{ApiClientCredentials, ApiClientList, NewApiClient};
use crate::auth::BearerAuth;
use crate::headers::{IdempotencyKey, OptionalIfMatch};
use crate::problem::ApiError;

pub struct ApiClientsApi;

#[derive(ApiResponse)]
pub enum ApiClientCreated {
    /// The client and its secret, shown this once.
    #[oai(status = 201)]
    Created(
        Json<ApiClientCredentials>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] String,
    ),
}

#[derive(ApiResponse)]
pub enum ApiClientRotated {
    /// The client and its new secret, shown this once.
    #[oai(status = 200)]
    Ok(Json<ApiClientCredentials>, #[oai(header = "ETag")] String),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::ApiClients")]
impl ApiClientsApi {
    /// List an organisation's API clients
    ///
    /// Revoked ones included, never their secrets. The organisation's admins.
    #[oai(
        path = "/organisations/:organisation_id/api-clients",
        method = "get",
        operation_id = "list_api_clients"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        organisation_id: Path<Uuid>,
    ) -> Result<Json<ApiClientList>, ApiError> {
        let clients = app
            .list_api_clients(&auth.0, OrganisationId(organisation_id.0))
            .await?;
        Ok(Json(ApiClientList {
            items: clients.into_iter().map(Into::into).collect(),
        }))
    }

    /// Create an API client
    ///
    /// Client credentials (OAuth2 `client_id` and `client_secret`) for the organisation's own
    /// systems, limited to the scopes given. The secret is in this answer only: store it now.
    /// The organisation's admins.
    #[oai(
        path = "/organisations/:organisation_id/api-clients",
        method = "post",
        operation_id = "create_api_client"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        organisation_id: Path<Uuid>,
        body: Json<NewApiClient>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<ApiClientCreated, ApiError> {
        let org = OrganisationId(organisation_id.0);
        let request = valid(body.0.parse(), app.authorize_api_clients(&auth.0, org)).await?;
        let created = app.create_api_client(&auth.0, org, request).await?;
        let location = format!("/api/v1/api-clients/{}", created.client.id);
        let tag = super::etag(created.client.version.0);
        Ok(ApiClientCreated::Created(
            Json(created.into()),
            tag,
            location,
        ))
    }

    /// Rotate an API client's secret
    ///
    /// A new secret, shown in this answer only; the old one and every token issued under it
    /// stop working at once. `If-Match`, when sent, must match. The organisation's admins.
    #[oai(
        path = "/api-clients/:api_client_id/rotate",
        method = "post",
        operation_id = "rotate_api_client"
    )]
    async fn rotate(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        api_client_id: Path<Uuid>,
        /// The client's `ETag`, such as `"1"` (optional).
        #[oai(name = "If-Match")]
        if_match: OptionalIfMatch,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<ApiClientRotated, ApiError> {
        let rotated = app
            .rotate_api_client(&auth.0, ApiClientId(api_client_id.0), if_match.0)
            .await?;
        let tag = super::etag(rotated.client.version.0);
        Ok(ApiClientRotated::Ok(Json(rotated.into()), tag))
    }

    /// Revoke an API client
    ///
    /// The client and every token issued to it stop working; the record stays, marked
    /// revoked. Revoking twice is fine. `If-Match`, when sent, must match. The organisation's
    /// admins.
    #[oai(
        path = "/api-clients/:api_client_id",
        method = "delete",
        operation_id = "revoke_api_client"
    )]
    async fn revoke(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        api_client_id: Path<Uuid>,
        /// The client's `ETag`, such as `"1"` (optional).
        #[oai(name = "If-Match")]
        if_match: OptionalIfMatch,
    ) -> Result<Deleted, ApiError> {
        app.revoke_api_client(&auth.0, ApiClientId(api_client_id.0), if_match.0)
            .await?;
        Ok(Deleted::NoContent)
    }
}
