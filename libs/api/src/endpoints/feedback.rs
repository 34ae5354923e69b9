//! Feedback items and their "you said, we did" loop, and the board's figures about them.
//! People and API clients (with the `feedback:write` or `feedback:read` scope) alike.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::App;
use pcref_domain::{AllianceId, FeedbackItemId};

use super::{page, valid, ApiTags};
use crate::auth::{ApiScopes, CallerAuth};
use crate::feedback_types::{
    feedback_filter, FeedbackItem, FeedbackPage, FeedbackSummary, NewFeedbackItem,
    NewFeedbackResponse,
};
use crate::headers::IdempotencyKey;
use crate::plan_types::OneOf;
use crate::problem::ApiError;
use crate::types::{CursorParam, FeedbackViewFilter, Ruled};

pub struct FeedbackApi;

#[derive(ApiResponse)]
pub enum FeedbackCreated {
    /// The item as stored (its theme and summary redacted), with the `redaction_report` of the
    /// texts sent.
    #[oai(status = 201)]
    Created(Json<FeedbackItem>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum FeedbackResponded {
    /// The item with the new response (its text redacted) last in `responses`, and the
    /// `redaction_report` of the text sent. `Location` is the item.
    #[oai(status = 201)]
    Created(Json<FeedbackItem>, #[oai(header = "Location")] String),
}

fn location(id: impl std::fmt::Display) -> String {
    format!("/api/v1/feedback/{id}")
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Feedback")]
impl FeedbackApi {
    /// List feedback items
    ///
    /// The alliance's feedback items the caller may see, newest first, each with its `view`:
    /// in `full` those its organisations submitted or are about (for the alliance admin, also
    /// those about the alliance as a whole); and, `anonymised`, every other closed loop of the
    /// alliance. Open items of other organisations are not listed. Any member of the alliance;
    /// API clients need `feedback:read`.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/alliances/:alliance_id/feedback",
        method = "get",
        operation_id = "list_feedback_items"
    )]
    async fn list(
        &self,
        #[oai(scope = "ApiScopes::FeedbackRead")] auth: CallerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        /// Only items in this status: `received`, `acknowledged`, `responded` or `closed`.
        status: Query<Option<Ruled<String, OneOf<pcref_domain::FeedbackStatus>>>>,
        /// Only items about this provider.
        about_organisation_id: Query<Option<Uuid>>,
        /// `full`, `anonymised`, or `all` (the default).
        view: Query<Option<Ruled<String, FeedbackViewFilter>>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<FeedbackPage>, ApiError> {
        let caller = auth.caller();
        let alliance = AllianceId(alliance_id.0);
        let filter = valid(
            feedback_filter(
                status.0.map(Ruled::into_inner),
                about_organisation_id.0,
                view.0.map(Ruled::into_inner),
            ),
            app.authorize_feedback_reading(&caller, alliance),
        )
        .await?;
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let found = app
            .feedback_items(&caller, alliance, filter, cursor, limit)
            .await?;
        Ok(Json(found.into()))
    }

    /// Submit a feedback item
    ///
    /// Patient, carer or community feedback about a provider of the alliance
    /// (`about_organisation_id`) or the alliance as a whole (without it). The theme and summary
    /// are redacted before they are stored (names of the people of your organisation and of the
    /// provider, both organisations' withheld terms, your organisation's own name, email
    /// addresses, phone numbers, NHS numbers, postcodes); the answer's `redaction_report` lists
    /// what was replaced and the small numbers of people noticed. Provider admins and editors,
    /// VCSE admins and partners of an organisation of the alliance, or its API clients with
    /// `feedback:write`; give `submitted_by_organisation_id` when you act for more than one.
    /// 422 when `about_organisation_id` is not a provider of this alliance.
    #[oai(
        path = "/alliances/:alliance_id/feedback",
        method = "post",
        operation_id = "create_feedback_item"
    )]
    async fn create(
        &self,
        #[oai(scope = "ApiScopes::FeedbackWrite")] auth: CallerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        body: Json<NewFeedbackItem>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<FeedbackCreated, ApiError> {
        let caller = auth.caller();
        let alliance = AllianceId(alliance_id.0);
        let request = valid(
            body.0.parse(),
            app.authorize_feedback_submission(&caller, alliance),
        )
        .await?;
        let written = app.submit_feedback(&caller, alliance, request).await?;
        let at = location(written.item.id);
        Ok(FeedbackCreated::Created(Json(written.into()), at))
    }

    /// The board's feedback figures
    ///
    /// Per provider of the alliance and for the feedback about the alliance as a whole: how
    /// many items are in each status, in total, and the median days from receipt to a first
    /// response. Every count is about people and passes through disclosure control (1–7
    /// suppressed, others rounded to the nearest 5, secondary suppression so that no
    /// suppressed count can be worked out from the totals); a median is withheld where its
    /// count is suppressed. Any member of the alliance; API clients need `feedback:read`.
    #[oai(
        path = "/alliances/:alliance_id/feedback/summary",
        method = "get",
        operation_id = "get_feedback_summary"
    )]
    async fn summary(
        &self,
        #[oai(scope = "ApiScopes::FeedbackRead")] auth: CallerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
    ) -> Result<Json<FeedbackSummary>, ApiError> {
        let caller = auth.caller();
        let summary = app
            .feedback_summary(&caller, AllianceId(alliance_id.0))
            .await?;
        Ok(Json(summary.into()))
    }

    /// Get a feedback item
    ///
    /// In full for the organisation that submitted it and the provider it is about (for an
    /// item about the alliance as a whole, also the alliance admin); anonymised for the rest
    /// of the alliance once it is closed; 404 for them before. API clients need
    /// `feedback:read`.
    #[oai(
        path = "/feedback/:feedback_id",
        method = "get",
        operation_id = "get_feedback_item"
    )]
    async fn get(
        &self,
        #[oai(scope = "ApiScopes::FeedbackRead")] auth: CallerAuth,
        app: Data<&App>,
        feedback_id: Path<Uuid>,
    ) -> Result<Json<FeedbackItem>, ApiError> {
        let caller = auth.caller();
        let item = app
            .get_feedback(&caller, FeedbackItemId(feedback_id.0))
            .await?;
        Ok(Json(item.into()))
    }

    /// Acknowledge a feedback item
    ///
    /// Says it was received and will be answered; dates the step. Only from `received`
    /// (409 otherwise). The admins and editors of the provider it is about, or its API clients
    /// with `feedback:write`; for feedback about the alliance as a whole, the alliance admin.
    #[oai(
        path = "/feedback/:feedback_id/acknowledge",
        method = "post",
        operation_id = "acknowledge_feedback_item"
    )]
    async fn acknowledge(
        &self,
        #[oai(scope = "ApiScopes::FeedbackWrite")] auth: CallerAuth,
        app: Data<&App>,
        feedback_id: Path<Uuid>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<Json<FeedbackItem>, ApiError> {
        let caller = auth.caller();
        let item = app
            .acknowledge_feedback(&caller, FeedbackItemId(feedback_id.0))
            .await?;
        Ok(Json(item.into()))
    }

    /// Respond to a feedback item
    ///
    /// "You said, we did": what was done, optionally pointing to an action of your published
    /// plan (`action_id`, from the current version of one of your named publications; 422
    /// otherwise, and for feedback about the alliance as a whole). The text is redacted like
    /// the summary. From `acknowledged` (the first response moves the item to `responded` and
    /// dates it) or `responded` (a further response); 409 from `received` or `closed`. Who may
    /// acknowledge may respond.
    #[oai(
        path = "/feedback/:feedback_id/responses",
        method = "post",
        operation_id = "respond_to_feedback_item"
    )]
    async fn respond(
        &self,
        #[oai(scope = "ApiScopes::FeedbackWrite")] auth: CallerAuth,
        app: Data<&App>,
        feedback_id: Path<Uuid>,
        body: Json<NewFeedbackResponse>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<FeedbackResponded, ApiError> {
        let caller = auth.caller();
        let id = FeedbackItemId(feedback_id.0);
        let request = valid(body.0.parse(), app.authorize_feedback_response(&caller, id)).await?;
        let written = app.respond_to_feedback(&caller, id, request).await?;
        Ok(FeedbackResponded::Created(
            Json(written.into()),
            location(id),
        ))
    }

    /// Close a feedback item
    ///
    /// Completes the loop of an item that has been responded to (409 otherwise); dates the
    /// step. Once closed, the rest of the alliance reads it, anonymised. The side that answers
    /// it (as for acknowledging), or the organisation that submitted it (its provider admins
    /// and editors, VCSE admins and partners, or its API clients with `feedback:write`).
    #[oai(
        path = "/feedback/:feedback_id/close",
        method = "post",
        operation_id = "close_feedback_item"
    )]
    async fn close(
        &self,
        #[oai(scope = "ApiScopes::FeedbackWrite")] auth: CallerAuth,
        app: Data<&App>,
        feedback_id: Path<Uuid>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<Json<FeedbackItem>, ApiError> {
        let caller = auth.caller();
        let item = app
            .close_feedback(&caller, FeedbackItemId(feedback_id.0))
            .await?;
        Ok(Json(item.into()))
    }
}
