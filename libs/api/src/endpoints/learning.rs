//! The alliance's learning library: good-practice case studies contributed by providers and
//! VCSE partners.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::App;
use pcref_domain::{AllianceId, LearningItemId};

use super::{page, record_responses, valid, ApiTags};
use crate::auth::{ApiScopes, BearerAuth, CallerAuth};
use crate::headers::{IdempotencyKey, RequiredIfMatch};
use crate::learning_types::{
    learning_filter, LearningItem, LearningItemChanges, LearningPage, NewLearningItem,
};
use crate::plan_types::{AnyCaseOneOf, OneOf};
use crate::problem::ApiError;
use crate::types::{CursorParam, EthnicCode, Ruled, SearchWords};

pub struct LearningApi;

record_responses!(LearningFound, LearningCreated, LearningItem);

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Learning")]
impl LearningApi {
    /// Search the alliance's learning library
    ///
    /// Good-practice case studies of the alliance, newest first. Every member of the alliance
    /// reads it: providers, VCSE partners, the board and the alliance admin. An anonymous case
    /// study names no organisation and is never found by `organisation_id`.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/alliances/:alliance_id/learning",
        method = "get",
        operation_id = "list_learning_items"
    )]
    async fn list(
        &self,
        #[oai(scope = "ApiScopes::LibraryRead")] auth: CallerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        /// Words that must all appear in the title, summary or reflections (case-insensitive).
        q: Query<Option<SearchWords>>,
        /// Filed under this category, such as `safety`.
        category: Query<Option<Ruled<String, OneOf<pcref_domain::LearningCategory>>>>,
        /// About this NHS ethnic category code, such as `M`.
        ethnic_category: Query<Option<Ruled<String, EthnicCode>>>,
        /// About any group of this broad group: `white`, `mixed`, `asian`, `black` or `other`.
        broad_group: Query<
            Option<Ruled<String, AnyCaseOneOf<pcref_domain::BroadEthnicGroup>>>,
        >,
        /// Showing this competency, such as `co_production`.
        competency: Query<Option<Ruled<String, OneOf<pcref_domain::Competency>>>>,
        /// One organisation's named case studies.
        organisation_id: Query<Option<Uuid>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<LearningPage>, ApiError> {
        let caller = auth.caller();
        let alliance = AllianceId(alliance_id.0);
        let filter = valid(
            learning_filter(
                q.0,
                category.0.map(Ruled::into_inner),
                ethnic_category.0.map(Ruled::into_inner),
                broad_group.0.map(Ruled::into_inner),
                competency.0.map(Ruled::into_inner),
                organisation_id.0,
            ),
            app.authorize_library(&caller, alliance),
        )
        .await?;
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let found = app
            .learning_library(&caller, alliance, filter, cursor, limit)
            .await?;
        Ok(Json(found.into()))
    }

    /// Contribute a case study
    ///
    /// Adds a good-practice case study to the alliance's library. The title, summary and
    /// reflections are redacted before they are stored (names known to the organisation, its
    /// withheld terms, email addresses, phone numbers, NHS numbers, postcodes, and for an
    /// anonymous item the organisation's own name); the answer lists the `redactions` and
    /// `warnings`. 422 when the texts mention small numbers of people and
    /// `acknowledge_warnings` is not `true` (nothing is stored), when `publication_id` is not
    /// a published plan in this alliance's library or `action_id` not one of its actions.
    /// Provider admins and editors, VCSE admins and partners of an organisation of the
    /// alliance; give `organisation_id` when you write for more than one.
    #[oai(
        path = "/alliances/:alliance_id/learning",
        method = "post",
        operation_id = "create_learning_item"
    )]
    async fn create(
        &self,
        #[oai(scope = "ApiScopes::LearningWrite")] auth: CallerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        body: Json<NewLearningItem>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<LearningCreated, ApiError> {
        let caller = auth.caller();
        let alliance = AllianceId(alliance_id.0);
        let request = valid(
            body.0.parse(),
            app.authorize_contribution(&caller, alliance),
        )
        .await?;
        let created = app.contribute_learning(&caller, alliance, request).await?;
        let location = format!("/api/v1/learning/{}", created.item.id);
        Ok(LearningCreated::of(created.into(), location))
    }

    /// Get a case study
    ///
    /// Any member of the alliance.
    #[oai(
        path = "/learning/:item_id",
        method = "get",
        operation_id = "get_learning_item"
    )]
    async fn get(
        &self,
        #[oai(scope = "ApiScopes::LibraryRead")] auth: CallerAuth,
        app: Data<&App>,
        item_id: Path<Uuid>,
    ) -> Result<LearningFound, ApiError> {
        let caller = auth.caller();
        let item = app.get_learning(&caller, LearningItemId(item_id.0)).await?;
        Ok(LearningFound::of(item.into()))
    }

    /// Change a case study
    ///
    /// Requires `If-Match` with the `ETag` last read. Texts sent are redacted like new ones,
    /// with the same warnings to acknowledge. The admins and editors (for a VCSE
    /// organisation, the admins and partners) of the organisation that contributed it.
    #[oai(
        path = "/learning/:item_id",
        method = "patch",
        operation_id = "update_learning_item"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        item_id: Path<Uuid>,
        /// The `ETag` from your last read, such as `"3"`.
        #[oai(name = "If-Match")]
        if_match: RequiredIfMatch,
        body: Json<LearningItemChanges>,
    ) -> Result<LearningFound, ApiError> {
        let if_match = if_match.0;
        let id = LearningItemId(item_id.0);
        let request = valid(body.0.parse(), app.authorize_learning_change(&auth.0, id)).await?;
        let changed = app.change_learning(&auth.0, id, if_match, request).await?;
        Ok(LearningFound::of(changed.into()))
    }
}
