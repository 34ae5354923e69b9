//! API clients: machine credentials of an organisation (OAuth2 client credentials), for VCSE
//! partners' and providers' own systems.

use chrono::{DateTime, Utc};

use crate::{AllianceId, ApiClientId, OrganisationId, Scope, UserId, Version};

/// An API client as its organisation's admins see it. Its secret is never kept, only a hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub id: ApiClientId,
    pub alliance_id: AllianceId,
    pub organisation_id: OrganisationId,
    pub name: String,
    /// The public identifier a script sends with its secret.
    pub client_id: String,
    pub scopes: Vec<Scope>,
    pub created_by: Option<UserId>,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiClient {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}
