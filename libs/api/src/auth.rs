//! Authentication for the OpenAPI operations: people's personal access tokens, and API
//! clients' access tokens from `/oauth/token`.
//!
//! Operations for people take [`BearerAuth`]; an API client's token sent there is answered
//! 403 `insufficient_scope`. Operations API clients may use take [`CallerAuth`] (either kind)
//! and name the scope a client needs with `#[oai(scope = "...")]`; the use case enforces it.

use poem::Request;
use poem_openapi::auth::Bearer;
use poem_openapi::{OAuthScopes, SecurityScheme};

use pcref_app::{is_client_access_token, App, AppError, Caller, ClientPrincipal, Principal};

use crate::problem::ApiError;
use crate::rate_limit::ClientRateLimit;

fn app_of(req: &Request) -> poem::Result<&App> {
    req.data::<App>().ok_or_else(|| {
        tracing::error!("App is missing from the request data");
        ApiError::internal().into_poem_error()
    })
}

/// A personal access token, sent as `Authorization: Bearer <token>`.
#[derive(SecurityScheme)]
#[oai(
    rename = "bearer",
    ty = "bearer",
    bearer_format = "opaque personal access token (pcref_pat_…)",
    checker = "authenticate_person"
)]
pub struct BearerAuth(pub Principal);

async fn authenticate_person(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let app = app_of(req)?;
    if is_client_access_token(&bearer.token) {
        // A working client token gets the precise answer; a broken one is just invalid.
        app.authenticate_client(&bearer.token)
            .await
            .map_err(|e| ApiError::from(e).into_poem_error())?;
        return Err(ApiError::from(AppError::InsufficientScope(None)).into_poem_error());
    }
    app.authenticate(&bearer.token)
        .await
        .map_err(|e| ApiError::from(e).into_poem_error())
}

/// A bearer token where one is optional: an invalid or absent token reads as `Anonymous`.
#[derive(SecurityScheme)]
pub enum OptionalBearerAuth {
    Bearer(BearerAuth),
    #[oai(fallback)]
    Anonymous,
}

impl OptionalBearerAuth {
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            OptionalBearerAuth::Bearer(auth) => Some(&auth.0),
            OptionalBearerAuth::Anonymous => None,
        }
    }
}

/// What an API client may be granted, as the OpenAPI document lists them. Kept identical to
/// `pcref_domain::Scope` (a unit test compares them).
#[derive(OAuthScopes)]
// Operations name scopes in attributes only; a scope no operation names yet is still listed.
#[allow(dead_code)]
pub enum ApiScopes {
    /// Submit feedback and respond to it
    #[oai(rename = "feedback:write")]
    FeedbackWrite,
    /// Read the organisation's feedback
    #[oai(rename = "feedback:read")]
    FeedbackRead,
    /// Contribute learning items
    #[oai(rename = "learning:write")]
    LearningWrite,
    /// Read the alliance's joint projects; post their updates and milestones
    #[oai(rename = "projects:write")]
    ProjectsWrite,
    /// Read published plans, learning and shared templates
    #[oai(rename = "library:read")]
    LibraryRead,
    /// Read board reports
    #[oai(rename = "reports:read")]
    ReportsRead,
}

/// An API client's access token from `/oauth/token` (client-credentials grant, with
/// `client_secret_basic` or `client_secret_post`), sent as `Authorization: Bearer <token>`.
/// The client acts for its organisation, within the token's scopes.
#[derive(SecurityScheme)]
#[oai(
    rename = "partner_oauth",
    ty = "oauth2",
    flows(client_credentials(token_url = "/oauth/token", scopes = "ApiScopes")),
    checker = "authenticate_client"
)]
pub struct ClientAuth(pub ClientPrincipal);

async fn authenticate_client(req: &Request, bearer: Bearer) -> poem::Result<ClientPrincipal> {
    let app = app_of(req)?;
    let client = app
        .authenticate_client(&bearer.token)
        .await
        .map_err(|e| ApiError::from(e).into_poem_error())?;
    // Every token of one client draws from one bucket, so minting tokens buys no extra rate.
    if let Some(limit) = req.data::<ClientRateLimit>() {
        limit.check(&client.client.client_id)?;
    }
    Ok(client)
}

/// A person's or an API client's token, for the operations API clients may use too.
#[derive(SecurityScheme)]
pub enum CallerAuth {
    Person(BearerAuth),
    Client(ClientAuth),
}

impl CallerAuth {
    pub fn caller(self) -> Caller {
        match self {
            CallerAuth::Person(p) => Caller::Person(p.0),
            CallerAuth::Client(c) => Caller::Client(c.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcref_domain::Scope;

    #[test]
    fn the_documented_scopes_are_the_domains() {
        let documented: Vec<&str> = ApiScopes::meta().iter().map(|s| s.name).collect();
        let domain: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(documented, domain);
    }
}
