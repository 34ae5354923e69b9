//! API clients: an organisation's admins create, list, rotate and revoke the OAuth2 client
//! credentials their own systems use. The secret is shown once, at creation or rotation, and
//! stored only as a hash.

use pcref_auth::{issue, SecretKind};
use pcref_domain::{ApiClient, ApiClientId, IfMatch, OrganisationId, Scope};
use pcref_store::api_clients::{self as store, NewApiClient};
use pcref_store::{organisations, DbConnection};
use serde_json::{json, Value};

use crate::audit::{self, Actor, AuditScope, Change};
use crate::{check_optional_if_match, now, policy, App, AppError, Principal};

/// A client with its secret, which is shown this once.
#[derive(Clone)]
pub struct ApiClientWithSecret {
    pub client: ApiClient,
    pub secret: String,
}

impl std::fmt::Debug for ApiClientWithSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClientWithSecret")
            .field("client", &self.client)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A new client: a name people recognise and the scopes it may use.
#[derive(Debug, Clone)]
pub struct NewApiClientRequest {
    pub name: String,
    pub scopes: Vec<Scope>,
}

fn client_json(c: &ApiClient) -> Value {
    json!({
        "id": c.id.to_string(),
        "name": c.name,
        "client_id": c.client_id,
        "scopes": c.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "version": c.version.0,
        "revoked_at": c.revoked_at.map(|t| t.to_rfc3339()),
    })
}

fn record(
    conn: &mut DbConnection,
    p: &Principal,
    client: &ApiClient,
    action: &str,
    before: Option<Value>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &Actor::of(p),
        now(),
        AuditScope::Workspace(client.alliance_id, client.organisation_id),
        Change {
            action,
            target_type: "api_client",
            target_id: client.id.to_string(),
            before,
            after: Some(client_json(client)),
        },
    )?;
    Ok(())
}

/// A client the caller may manage.
fn managed_client(
    conn: &mut DbConnection,
    p: &Principal,
    id: ApiClientId,
) -> Result<ApiClient, AppError> {
    let client = store::find(conn, id)?.ok_or(AppError::NotFound("API client"))?;
    policy::manage_api_client(p, client.organisation_id)?;
    Ok(client)
}

impl App {
    /// Whether the caller may manage the organisation's API clients (checked before reporting
    /// what is wrong with a request's body).
    pub async fn authorize_api_clients(
        &self,
        p: &Principal,
        org: OrganisationId,
    ) -> Result<(), AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                let organisation =
                    organisations::find(conn, org)?.ok_or(AppError::NotFound("organisation"))?;
                policy::manage_api_clients(&p, &organisation)
            })
            .await
    }

    pub async fn list_api_clients(
        &self,
        p: &Principal,
        org: OrganisationId,
    ) -> Result<Vec<ApiClient>, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                let organisation =
                    organisations::find(conn, org)?.ok_or(AppError::NotFound("organisation"))?;
                policy::manage_api_clients(&p, &organisation)?;
                Ok(store::list_for_organisation(conn, org)?)
            })
            .await
    }

    pub async fn create_api_client(
        &self,
        p: &Principal,
        org: OrganisationId,
        request: NewApiClientRequest,
    ) -> Result<ApiClientWithSecret, AppError> {
        let p = p.clone();
        let client_id = issue(SecretKind::ClientId)?;
        let secret = issue(SecretKind::ClientSecret)?;
        self.db
            .write(move |conn| {
                let organisation =
                    organisations::find(conn, org)?.ok_or(AppError::NotFound("organisation"))?;
                policy::manage_api_clients(&p, &organisation)?;
                let client = store::insert(
                    conn,
                    NewApiClient {
                        alliance_id: organisation.alliance_id,
                        organisation_id: org,
                        name: &request.name,
                        client_id: &client_id.secret,
                        secret_hash: &secret.hash,
                        scopes: &request.scopes,
                        created_by: p.user.id,
                    },
                    now(),
                )?;
                record(conn, &p, &client, "api_client.created", None)?;
                Ok(ApiClientWithSecret {
                    client,
                    secret: secret.secret,
                })
            })
            .await
    }

    /// A new secret for a live client; the old one and every token issued under it stop
    /// working at once. `If-Match`, when sent, must match.
    pub async fn rotate_api_client(
        &self,
        p: &Principal,
        id: ApiClientId,
        if_match: Option<IfMatch>,
    ) -> Result<ApiClientWithSecret, AppError> {
        let p = p.clone();
        let secret = issue(SecretKind::ClientSecret)?;
        self.db
            .write(move |conn| {
                let before = managed_client(conn, &p, id)?;
                if before.is_revoked() {
                    return Err(AppError::Conflict(
                        "this API client is revoked; create a new one".into(),
                    ));
                }
                check_optional_if_match(if_match.as_ref(), before.version)?;
                let client = store::rotate(conn, id, before.version, &secret.hash, now())?
                    .ok_or(AppError::PreconditionFailed)?;
                record(
                    conn,
                    &p,
                    &client,
                    "api_client.rotated",
                    Some(client_json(&before)),
                )?;
                Ok(ApiClientWithSecret {
                    client,
                    secret: secret.secret,
                })
            })
            .await
    }

    /// Revokes a client and every token issued to it; the record stays, marked revoked.
    /// Revoking twice is fine.
    pub async fn revoke_api_client(
        &self,
        p: &Principal,
        id: ApiClientId,
        if_match: Option<IfMatch>,
    ) -> Result<(), AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let before = managed_client(conn, &p, id)?;
                check_optional_if_match(if_match.as_ref(), before.version)?;
                if store::revoke(conn, id, now())? {
                    let after = store::find(conn, id)?.ok_or(AppError::NotFound("API client"))?;
                    record(
                        conn,
                        &p,
                        &after,
                        "api_client.revoked",
                        Some(client_json(&before)),
                    )?;
                }
                Ok(())
            })
            .await
    }
}
