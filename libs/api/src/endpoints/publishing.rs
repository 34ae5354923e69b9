//! Publishing action plans and the alliance's library of published plans.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::{App, WorkspaceRecord};
use pcref_domain::{AllianceId, PlanId, PublicationId};

use super::{page, valid, ApiTags};
use crate::auth::{ApiScopes, BearerAuth, CallerAuth};
use crate::headers::{IdempotencyKey, PreviewIfMatch};
use crate::plan_types::{AnyCaseOneOf, Date, OneOf};
use crate::problem::ApiError;
use crate::publishing_types::{
    publication_filter, NewPublication, PlanPublications, PreviewRequest, Publication,
    PublicationPage, PublicationVersions, PublishPreview, WithdrawRequest,
};
use crate::types::{CursorParam, EthnicCode, Ruled, SearchWords};
use crate::written_json::WrittenJson;

pub struct PublishingApi;

#[derive(ApiResponse)]
pub enum PreviewFound {
    /// The preview; send its `ETag` as `If-Match` to publish exactly this.
    #[oai(status = 200)]
    Ok(Json<PublishPreview>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum PublicationCreated {
    /// The new version, now in the alliance's library.
    #[oai(status = 201)]
    Created(Json<Publication>, #[oai(header = "Location")] String),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Publishing")]
impl PublishingApi {
    /// Preview a publication
    ///
    /// Exactly what the alliance would see if the plan were published now: every text
    /// anonymised (names known to the workspace, the organisation's withheld terms, email
    /// addresses, phone numbers, NHS numbers and postcodes replaced by markers such as
    /// `[redacted: email]`), leads' names dropped (their roles kept), with the list of
    /// redactions and the warnings to acknowledge (small numbers of people). Changes nothing.
    /// Provider admins and editors.
    #[oai(
        path = "/plans/:plan_id/publish-preview",
        method = "post",
        operation_id = "preview_publication"
    )]
    async fn preview(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
        body: Json<PreviewRequest>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<PreviewFound, ApiError> {
        let plan = PlanId(plan_id.0);
        let (attribution, exception) = valid(
            body.0.parse(),
            app.authorize(&auth.0, WorkspaceRecord::Plan(plan), true),
        )
        .await?;
        let preview = app
            .preview_publication(&auth.0, plan, attribution, exception)
            .await?;
        let etag = format!("\"{}\"", preview.etag);
        Ok(PreviewFound::Ok(Json(preview.into()), etag))
    }

    /// Publish a plan
    ///
    /// Publishes the plan as previewed, as a new immutable version in the alliance's library:
    /// send the preview's `ETag` as `If-Match` (412 if the plan changed since). Named, or
    /// anonymous as "a provider in <alliance>". 422 when the preview has warnings and
    /// `acknowledge_warnings` is not `true`, when a priority area says its communities were
    /// not consulted and no `consultation_exception` is given, or when the plan has no
    /// priority area. Provider admins and editors.
    #[oai(
        path = "/plans/:plan_id/publications",
        method = "post",
        operation_id = "publish_plan"
    )]
    // The parameters are the operation's documented inputs, one each.
    #[allow(clippy::too_many_arguments)]
    async fn publish(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
        /// The preview's `ETag`.
        #[oai(name = "If-Match")]
        if_match: PreviewIfMatch,
        body: Json<NewPublication>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<PublicationCreated, ApiError> {
        let plan = PlanId(plan_id.0);
        let request = valid(
            body.0.parse(),
            app.authorize(&auth.0, WorkspaceRecord::Plan(plan), true),
        )
        .await?;
        let publication = app.publish_plan(&auth.0, plan, if_match.0, request).await?;
        let location = format!("/api/v1/publications/{}", publication.summary.id);
        Ok(PublicationCreated::Created(
            Json(publication.into()),
            location,
        ))
    }

    /// List a plan's publications
    ///
    /// Every version published from the plan, withdrawn ones included, for the provider's
    /// own members.
    #[oai(
        path = "/plans/:plan_id/publications",
        method = "get",
        operation_id = "list_plan_publications"
    )]
    async fn list_for_plan(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
    ) -> Result<Json<PlanPublications>, ApiError> {
        let items = app.plan_publications(&auth.0, PlanId(plan_id.0)).await?;
        Ok(Json(PlanPublications {
            items: items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Search the alliance's published plans
    ///
    /// The latest version of every plan published in the alliance, newest first. Every
    /// member of the alliance reads it: providers, VCSE partners, the board and the alliance
    /// admin. An anonymous publication names no provider and is never found by
    /// `organisation_id`.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/alliances/:alliance_id/published-plans",
        method = "get",
        operation_id = "list_published_plans"
    )]
    async fn library(
        &self,
        #[oai(scope = "ApiScopes::LibraryRead")] auth: CallerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        /// Words that must all appear in the plan's texts (case-insensitive).
        q: Query<Option<SearchWords>>,
        /// Plans with a priority area naming this NHS ethnic category code, such as `H`.
        ethnic_category: Query<Option<Ruled<String, EthnicCode>>>,
        /// Plans naming any group of this broad group: `white`, `mixed`, `asian`, `black`
        /// or `other`.
        broad_group: Query<
            Option<Ruled<String, AnyCaseOneOf<pcref_domain::BroadEthnicGroup>>>,
        >,
        /// Plans with a goal tied to this competency, such as `co_production`.
        competency: Query<Option<Ruled<String, OneOf<pcref_domain::Competency>>>>,
        /// Plans with a goal under this pillar.
        pillar: Query<Option<Ruled<String, OneOf<pcref_domain::Pillar>>>>,
        /// One provider's named publications.
        organisation_id: Query<Option<Uuid>>,
        /// Published on or after this day (UTC).
        published_from: Query<Option<Date>>,
        /// Published on or before this day (UTC).
        published_to: Query<Option<Date>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<WrittenJson<PublicationPage>, ApiError> {
        let caller = auth.caller();
        let alliance = AllianceId(alliance_id.0);
        let filter = valid(
            publication_filter(
                q.0,
                ethnic_category.0.map(Ruled::into_inner),
                broad_group.0.map(Ruled::into_inner),
                competency.0.map(Ruled::into_inner),
                pillar.0.map(Ruled::into_inner),
                organisation_id.0,
                published_from.0.map(Ruled::into_inner),
                published_to.0.map(Ruled::into_inner),
            ),
            app.authorize_library(&caller, alliance),
        )
        .await?;
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let found = app
            .published_plans(&caller, alliance, filter, cursor, limit)
            .await?;
        let json = found
            .json
            .get_or_init(|| WrittenJson::write(&PublicationPage::from(found.page.clone())));
        Ok(WrittenJson::written(json.clone()))
    }

    /// Get a published version
    #[oai(
        path = "/publications/:publication_id",
        method = "get",
        operation_id = "get_publication"
    )]
    async fn get(
        &self,
        #[oai(scope = "ApiScopes::LibraryRead")] auth: CallerAuth,
        app: Data<&App>,
        publication_id: Path<Uuid>,
    ) -> Result<Json<Publication>, ApiError> {
        let caller = auth.caller();
        let publication = app
            .get_publication(&caller, PublicationId(publication_id.0))
            .await?;
        Ok(Json(publication.into()))
    }

    /// List a published plan's versions
    ///
    /// The versions of the same plan under the same attribution still in the library,
    /// newest first.
    #[oai(
        path = "/publications/:publication_id/versions",
        method = "get",
        operation_id = "list_publication_versions"
    )]
    async fn versions(
        &self,
        #[oai(scope = "ApiScopes::LibraryRead")] auth: CallerAuth,
        app: Data<&App>,
        publication_id: Path<Uuid>,
    ) -> Result<Json<PublicationVersions>, ApiError> {
        let caller = auth.caller();
        let items = app
            .publication_versions(&caller, PublicationId(publication_id.0))
            .await?;
        Ok(Json(PublicationVersions {
            items: items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Withdraw a published version
    ///
    /// Hides the version from the library (the previous version, if any, becomes the latest);
    /// the audit log keeps it. The publishing provider's admins and editors.
    #[oai(
        path = "/publications/:publication_id/withdraw",
        method = "post",
        operation_id = "withdraw_publication"
    )]
    async fn withdraw(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        publication_id: Path<Uuid>,
        body: Json<WithdrawRequest>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<Json<Publication>, ApiError> {
        let id = PublicationId(publication_id.0);
        let reason = valid(body.0.parse(), app.authorize_withdrawal(&auth.0, id)).await?;
        let publication = app.withdraw_publication(&auth.0, id, reason).await?;
        Ok(Json(publication.into()))
    }
}
