//! An organisation's withheld terms: the deny-list its redaction uses.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::App;
use pcref_domain::OrganisationId;

use super::{etag, valid, ApiTags};
use crate::auth::BearerAuth;
use crate::headers::RequiredIfMatch;
use crate::problem::ApiError;
use crate::publishing_types::{WithheldTerms, WithheldTermsChange};

pub struct WithheldTermsApi;

#[derive(ApiResponse)]
pub enum WithheldTermsFound {
    /// The list; its `ETag` is what a change sends as `If-Match` (`"0"` for a list never set).
    #[oai(status = 200)]
    Ok(Json<WithheldTerms>, #[oai(header = "ETag")] String),
}

impl WithheldTermsFound {
    fn of(list: pcref_app::WithheldTerms) -> Self {
        let body = WithheldTerms::from(list);
        let tag = etag(body.version);
        WithheldTermsFound::Ok(Json(body), tag)
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Organisations")]
impl WithheldTermsApi {
    /// Get an organisation's withheld terms
    ///
    /// The words the organisation keeps out of everything it shares: wherever its texts are
    /// redacted (publication previews and published plans, shared templates), each is replaced
    /// by `[redacted: withheld term]`, in any case. The list names what must stay hidden, so
    /// only the organisation's own members read it; to anybody else, the alliance admin
    /// included, it does not exist (404). A list never set is empty, at version 0.
    #[oai(
        path = "/organisations/:organisation_id/withheld-terms",
        method = "get",
        operation_id = "get_withheld_terms"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        organisation_id: Path<Uuid>,
    ) -> Result<WithheldTermsFound, ApiError> {
        let list = app
            .withheld_terms(&auth.0, OrganisationId(organisation_id.0))
            .await?;
        Ok(WithheldTermsFound::of(list))
    }

    /// Replace an organisation's withheld terms
    ///
    /// Replaces the whole list; it applies to everything redacted from then on, and at once to
    /// the templates the organisation shares (their shared copies are made anew; copies other
    /// organisations adopted are theirs and do not change, nor does a published version). Send the `ETag` last read as `If-Match` (`"0"` for a list never set): 428
    /// without it, 412 when someone changed the list since. Every bad term is reported at once
    /// by its position, such as `terms[3]`. A provider's admins and editors (editors publish,
    /// so they can withhold what they spot in a preview), a VCSE organisation's admins. The
    /// audit log records how many terms were added and removed, never the terms.
    #[oai(
        path = "/organisations/:organisation_id/withheld-terms",
        method = "put",
        operation_id = "replace_withheld_terms"
    )]
    async fn replace(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        organisation_id: Path<Uuid>,
        /// The list's `ETag`, `"0"` for a list never set.
        #[oai(name = "If-Match")]
        if_match: RequiredIfMatch,
        body: Json<WithheldTermsChange>,
    ) -> Result<WithheldTermsFound, ApiError> {
        let org = OrganisationId(organisation_id.0);
        let terms = valid(body.0.parse(), app.authorize_withheld_terms(&auth.0, org)).await?;
        let list = app
            .replace_withheld_terms(&auth.0, org, if_match.0, terms)
            .await?;
        Ok(WithheldTermsFound::of(list))
    }
}
