//! The OAuth2 authorization server for API clients: the client-credentials grant (RFC 6749
//! §4.4), token revocation (RFC 7009), and authenticating the access tokens it issues.
//!
//! Access tokens are opaque 256-bit secrets stored only as a SHA-256 hash, like personal
//! access tokens; they carry the scopes granted (a subset of the client's) and expire.

use pcref_auth::{issue, lookup_hash, ClientPrincipal, SecretKind};
use pcref_domain::{ApiClient, Scope};
use pcref_store::api_clients::{self as store, NewClientToken};

use crate::{now, App, AppError, AuthFailure};

/// The client's credentials as sent, by HTTP Basic or in the form body.
#[derive(Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// The error codes of RFC 6749 §5.2 this server answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthError {
    /// Missing or repeated parameter, or two ways of authenticating at once.
    InvalidRequest(String),
    /// Unknown client, wrong secret, or a revoked client (deliberately not told apart).
    InvalidClient,
    UnsupportedGrantType(String),
    /// A scope that does not exist or that the client was not granted.
    InvalidScope(String),
}

impl OAuthError {
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::InvalidRequest(_) => "invalid_request",
            OAuthError::InvalidClient => "invalid_client",
            OAuthError::UnsupportedGrantType(_) => "unsupported_grant_type",
            OAuthError::InvalidScope(_) => "invalid_scope",
        }
    }

    pub fn description(&self) -> String {
        match self {
            OAuthError::InvalidRequest(why) => why.clone(),
            OAuthError::InvalidClient => {
                "client authentication failed: unknown client, wrong secret, or a revoked client"
                    .to_owned()
            }
            OAuthError::UnsupportedGrantType(grant) => format!(
                "grant_type `{grant}` is not supported; API clients use `client_credentials`"
            ),
            OAuthError::InvalidScope(why) => why.clone(),
        }
    }
}

/// Why a token request failed: an OAuth2 error for the client, or our own failure.
#[derive(Debug)]
pub enum TokenRequestError {
    OAuth(OAuthError),
    App(AppError),
}

impl From<OAuthError> for TokenRequestError {
    fn from(e: OAuthError) -> Self {
        TokenRequestError::OAuth(e)
    }
}

impl From<AppError> for TokenRequestError {
    fn from(e: AppError) -> Self {
        TokenRequestError::App(e)
    }
}

/// An access token just issued: the secret is shown this once.
#[derive(Clone)]
pub struct IssuedClientToken {
    pub access_token: String,
    pub expires_in_seconds: i64,
    pub scopes: Vec<Scope>,
}

impl std::fmt::Debug for IssuedClientToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedClientToken")
            .field("access_token", &"<redacted>")
            .field("expires_in_seconds", &self.expires_in_seconds)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// The scopes a token request asks for (RFC 6749 §3.3: space-delimited), checked against the
/// client's. Without `scope` (or with an empty one) the token gets all of the client's scopes.
pub fn granted_scopes(
    client: &ApiClient,
    requested: Option<&str>,
) -> Result<Vec<Scope>, OAuthError> {
    let requested: Vec<&str> = requested
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
        .collect();
    if requested.is_empty() {
        return Ok(client.scopes.clone());
    }
    let mut granted = Vec::with_capacity(requested.len());
    for raw in requested {
        let scope: Scope = raw.parse().map_err(|_| {
            OAuthError::InvalidScope(format!(
                "unknown scope `{raw}`; scopes are {}",
                Scope::choices()
            ))
        })?;
        if !client.scopes.contains(&scope) {
            return Err(OAuthError::InvalidScope(format!(
                "this client was not granted `{raw}`; it has: {}",
                Scope::join(&client.scopes)
            )));
        }
        granted.push(scope);
    }
    granted.sort();
    granted.dedup();
    Ok(granted)
}

impl App {
    /// The client these credentials belong to, if they are right and the client is live.
    async fn authenticate_client_credentials(
        &self,
        credentials: &ClientCredentials,
    ) -> Result<ApiClient, TokenRequestError> {
        let well_formed_id = lookup_hash(SecretKind::ClientId, &credentials.client_id).is_some();
        let secret_hash = lookup_hash(SecretKind::ClientSecret, &credentials.client_secret);
        let (true, Some(secret_hash)) = (well_formed_id, secret_hash) else {
            return Err(OAuthError::InvalidClient.into());
        };
        let client_id = credentials.client_id.clone();
        let client = self
            .db
            .read(move |conn| {
                Ok::<_, AppError>(store::find_by_credentials(conn, &client_id, &secret_hash)?)
            })
            .await?;
        client.ok_or(TokenRequestError::OAuth(OAuthError::InvalidClient))
    }

    /// The client-credentials grant: a new access token for the client, with the scopes asked
    /// for (all of the client's by default).
    pub async fn issue_client_token(
        &self,
        credentials: &ClientCredentials,
        scope: Option<&str>,
    ) -> Result<IssuedClientToken, TokenRequestError> {
        let client = self.authenticate_client_credentials(credentials).await?;
        let scopes = granted_scopes(&client, scope)?;
        let issued = issue(SecretKind::ClientAccessToken).map_err(AppError::from)?;
        let lifetime = self.settings.client_token_lifetime;
        let at = now();
        let expires_at = at + lifetime;
        let stored_scopes = scopes.clone();
        let hash = issued.hash.clone();
        let client_id = client.id;
        self.db
            .write(move |conn| {
                // Rotation or revocation may have happened since the credentials were checked:
                // the token must not outlive them.
                let live = store::find(conn, client_id)?.is_some_and(|c| !c.is_revoked());
                if !live {
                    return Ok(false);
                }
                store::insert_token(
                    conn,
                    NewClientToken {
                        client: client_id,
                        token_hash: &hash,
                        scopes: &stored_scopes,
                        expires_at,
                    },
                    at,
                )?;
                Ok(true)
            })
            .await
            .map_err(TokenRequestError::App)
            .and_then(|live| {
                if live {
                    Ok(())
                } else {
                    Err(OAuthError::InvalidClient.into())
                }
            })?;
        tracing::info!(client = %client.client_id, scopes = %Scope::join(&scopes), "issued an API client access token");
        Ok(IssuedClientToken {
            access_token: issued.secret,
            expires_in_seconds: lifetime.num_seconds(),
            scopes,
        })
    }

    /// RFC 7009: revokes one of the client's own access tokens. A token that is unknown,
    /// expired, already revoked or another client's is answered the same way (nothing to do).
    pub async fn revoke_client_token(
        &self,
        credentials: &ClientCredentials,
        token: &str,
    ) -> Result<(), TokenRequestError> {
        let client = self.authenticate_client_credentials(credentials).await?;
        let Some(hash) = lookup_hash(SecretKind::ClientAccessToken, token.trim()) else {
            return Ok(());
        };
        let client_id = client.id;
        self.db
            .write(move |conn| {
                Ok::<_, AppError>(store::revoke_token_by_hash(conn, client_id, &hash, now())?)
            })
            .await?;
        Ok(())
    }

    /// Resolves an API client's access token to the client acting through it.
    pub async fn authenticate_client(&self, presented: &str) -> Result<ClientPrincipal, AppError> {
        let hash = lookup_hash(SecretKind::ClientAccessToken, presented.trim())
            .ok_or(AppError::Unauthenticated(AuthFailure::Invalid))?;
        let grant = self
            .db
            .read(move |conn| Ok::<_, AppError>(store::find_token_by_hash(conn, &hash)?))
            .await?
            .ok_or(AppError::Unauthenticated(AuthFailure::Invalid))?;
        if grant.revoked_at.is_some() || grant.client.is_revoked() {
            return Err(AppError::Unauthenticated(AuthFailure::Revoked));
        }
        if grant.expires_at <= now() {
            return Err(AppError::Unauthenticated(AuthFailure::Expired));
        }
        Ok(ClientPrincipal {
            client: grant.client,
            organisation_name: grant.organisation_name,
            organisation_kind: grant.organisation_kind,
            token_id: grant.token_id,
            scopes: grant.scopes,
        })
    }
}

/// Whether a bearer credential is an API client's access token (rather than a person's).
pub fn is_client_access_token(presented: &str) -> bool {
    presented
        .trim()
        .starts_with(SecretKind::ClientAccessToken.prefix())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcref_domain::{AllianceId, ApiClientId, OrganisationId, Version};

    fn client(scopes: Vec<Scope>) -> ApiClient {
        ApiClient {
            id: ApiClientId::new(),
            alliance_id: AllianceId::new(),
            organisation_id: OrganisationId::new(),
            name: "Reporting script".into(),
            client_id: "pcref_client_x".into(),
            scopes,
            created_by: None,
            version: Version::FIRST,
            created_at: now(),
            rotated_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn no_scope_requested_grants_all_of_the_clients() {
        let c = client(vec![Scope::FeedbackWrite, Scope::LibraryRead]);
        assert_eq!(granted_scopes(&c, None), Ok(c.scopes.clone()));
        assert_eq!(granted_scopes(&c, Some("")), Ok(c.scopes.clone()));
    }

    #[test]
    fn a_subset_is_granted_and_anything_else_refused() {
        let c = client(vec![Scope::FeedbackWrite, Scope::LibraryRead]);
        assert_eq!(
            granted_scopes(&c, Some("library:read  library:read")),
            Ok(vec![Scope::LibraryRead])
        );
        assert!(matches!(
            granted_scopes(&c, Some("library:read reports:read")),
            Err(OAuthError::InvalidScope(_))
        ));
        assert!(matches!(
            granted_scopes(&c, Some("admin")),
            Err(OAuthError::InvalidScope(_))
        ));
    }
}
