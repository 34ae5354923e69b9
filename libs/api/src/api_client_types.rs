//! Request and response bodies of API clients.

use chrono::{DateTime, Utc};
use poem_openapi::types::Example;
use poem_openapi::Object;
use uuid::Uuid;

use pcref_domain as domain;
use pcref_domain::ValidationError;

use crate::plan_types::{Choice, Fields};
use crate::types::{AtLeastOne, LineOf, Ruled};

/// A new API client for the organisation's own systems.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewApiClient {
    /// What people call it, such as "Community Voices CRM"; 1–100 characters.
    pub name: LineOf<100>,
    /// At least one of `feedback:write`, `feedback:read`, `learning:write`, `projects:write`,
    /// `library:read`, `reports:read`.
    pub scopes: Ruled<Vec<Choice<domain::Scope>>, AtLeastOne>,
}

impl Example for NewApiClient {
    fn example() -> Self {
        NewApiClient {
            name: "Community Voices CRM".into(),
            scopes: vec![
                Choice::of(domain::Scope::FeedbackWrite),
                Choice::of(domain::Scope::LibraryRead),
            ]
            .into(),
        }
    }
}

impl NewApiClient {
    pub fn parse(&self) -> Result<pcref_app::NewApiClientRequest, Vec<ValidationError>> {
        let mut f = Fields::default();
        let name = f.take(domain::line("name", self.name.as_str(), 100));
        let scopes = f.take(
            self.scopes
                .iter()
                .map(|s| s.parse("scopes"))
                .collect::<Result<Vec<_>, _>>()
                .and_then(|list| {
                    let texts: Vec<&str> = list.iter().map(|s| s.as_str()).collect();
                    domain::Scope::parse_list("scopes", &texts)
                }),
        );
        f.finish()?;
        Ok(pcref_app::NewApiClientRequest {
            name: name.unwrap_or_default(),
            scopes: scopes.unwrap_or_default(),
        })
    }
}

/// An API client. Its secret is shown only when it is created or rotated.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ApiClient {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    /// The public identifier to send with the secret (OAuth2 `client_id`).
    pub client_id: String,
    pub scopes: Vec<Choice<domain::Scope>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    /// A revoked client and its tokens no longer work.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<domain::ApiClient> for ApiClient {
    fn from(c: domain::ApiClient) -> Self {
        ApiClient {
            id: c.id.as_uuid(),
            organisation_id: c.organisation_id.as_uuid(),
            name: c.name,
            client_id: c.client_id,
            scopes: c.scopes.into_iter().map(Choice::of).collect(),
            version: c.version.0,
            created_at: c.created_at,
            rotated_at: c.rotated_at,
            revoked_at: c.revoked_at,
        }
    }
}

impl Example for ApiClient {
    fn example() -> Self {
        ApiClient {
            id: Uuid::from_u128(0x0193_8a10_5c2e_7b3f_8a4c_5d6e_7f80_9201),
            organisation_id: Uuid::from_u128(0x0193_8a10_5c2e_7b3f_8a4c_5d6e_7f80_9202),
            name: "Community Voices CRM".into(),
            client_id: "pcref_client_9kT3xQ2mVb7LwYc1ZpR4sN8uE6hJ0aFgDqWoKiMtXyB".into(),
            scopes: vec![
                Choice::of(domain::Scope::FeedbackWrite),
                Choice::of(domain::Scope::LibraryRead),
            ],
            version: 1,
            created_at: DateTime::from_timestamp(1_795_428_000, 0).unwrap_or_default(),
            rotated_at: None,
            revoked_at: None,
        }
    }
}

/// An API client with its secret: store the secret now, it is never shown again.
#[derive(Debug, Clone, Object)]
pub struct ApiClientCredentials {
    #[oai(flatten)]
    pub client: ApiClient,
    /// The OAuth2 `client_secret`, shown once.
    pub client_secret: String,
}

impl From<pcref_app::ApiClientWithSecret> for ApiClientCredentials {
    fn from(c: pcref_app::ApiClientWithSecret) -> Self {
        ApiClientCredentials {
            client: c.client.into(),
            client_secret: c.secret,
        }
    }
}

/// An organisation's API clients, revoked ones included, oldest first.
#[derive(Debug, Clone, Object)]
pub struct ApiClientList {
    pub items: Vec<ApiClient>,
}
