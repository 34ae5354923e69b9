//! Bearer authentication for the OpenAPI operations.

use poem::Request;
use poem_openapi::auth::Bearer;
use poem_openapi::SecurityScheme;

use pcref_app::{App, Principal};

use crate::problem::ApiError;

/// A personal access token, sent as `Authorization: Bearer <token>`.
#[derive(SecurityScheme)]
#[oai(
    rename = "bearer",
    ty = "bearer",
    bearer_format = "opaque personal access token (pcref_pat_…)",
    checker = "authenticate"
)]
pub struct BearerAuth(pub Principal);

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let Some(app) = req.data::<App>() else {
        tracing::error!("App is missing from the request data");
        return Err(ApiError::internal().into_poem_error());
    };
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
