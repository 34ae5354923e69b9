//! An alliance's reporting periods: opened, changed and closed by the alliance admin; read by
//! every member (API clients with `reports:read`).

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::App;
use pcref_domain::{AllianceId, ReportingPeriodId};

use super::{page, record_responses, valid, ApiTags};
use crate::auth::{ApiScopes, BearerAuth, CallerAuth};
use crate::headers::{IdempotencyKey, RequiredIfMatch};
use crate::period_types::{period_status, NewPeriod, Period, PeriodChanges, PeriodPage};
use crate::plan_types::OneOf;
use crate::problem::ApiError;
use crate::types::{CursorParam, Ruled};

pub struct PeriodsApi;

record_responses!(PeriodFound, PeriodCreated, Period);

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Periods")]
impl PeriodsApi {
    /// List reporting periods
    ///
    /// The alliance's reporting periods, latest first. Any member of the alliance; API clients
    /// need `reports:read`.
    #[oai(
        path = "/alliances/:alliance_id/periods",
        method = "get",
        operation_id = "list_reporting_periods"
    )]
    async fn list(
        &self,
        #[oai(scope = "ApiScopes::ReportsRead")] auth: CallerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        /// Only periods in this status: `open` or `closed`.
        status: Query<Option<Ruled<String, OneOf<pcref_domain::PeriodStatus>>>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Periods per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<PeriodPage>, ApiError> {
        let caller = auth.caller();
        let alliance = AllianceId(alliance_id.0);
        let status = valid(
            period_status(status.0.map(Ruled::into_inner)),
            app.authorize_period_reading(&caller, alliance),
        )
        .await?;
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let found = app
            .periods(&caller, alliance, status, cursor, limit)
            .await?;
        Ok(Json(found.into()))
    }

    /// Open a reporting period
    ///
    /// Such as `2026-Q3`, 1 July to 30 September 2026. Its label is unique in the alliance and
    /// its dates share no day with another of its periods (409 otherwise). The alliance admin.
    #[oai(
        path = "/alliances/:alliance_id/periods",
        method = "post",
        operation_id = "create_reporting_period"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        body: Json<NewPeriod>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<PeriodCreated, ApiError> {
        let alliance = AllianceId(alliance_id.0);
        let fields = valid(
            body.0.parse(),
            app.authorize_period_management(&auth.0, alliance),
        )
        .await?;
        let created = app.create_period(&auth.0, alliance, fields).await?;
        let location = format!("/api/v1/periods/{}", created.id);
        Ok(PeriodCreated::of(created.into(), location))
    }

    /// Get a reporting period
    ///
    /// Any member of its alliance; API clients need `reports:read`.
    #[oai(
        path = "/periods/:period_id",
        method = "get",
        operation_id = "get_reporting_period"
    )]
    async fn get(
        &self,
        #[oai(scope = "ApiScopes::ReportsRead")] auth: CallerAuth,
        app: Data<&App>,
        period_id: Path<Uuid>,
    ) -> Result<PeriodFound, ApiError> {
        let found = app
            .get_period(&auth.caller(), ReportingPeriodId(period_id.0))
            .await?;
        Ok(PeriodFound::of(found.into()))
    }

    /// Change, close or reopen a reporting period
    ///
    /// Requires `If-Match` with the `ETag` last read. `status` closes or reopens it; a closed
    /// period's label and dates change only together with reopening it (409 otherwise). The
    /// alliance admin.
    #[oai(
        path = "/periods/:period_id",
        method = "patch",
        operation_id = "update_reporting_period"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        period_id: Path<Uuid>,
        /// The `ETag` from your last read, such as `"3"`.
        #[oai(name = "If-Match")]
        if_match: RequiredIfMatch,
        body: Json<PeriodChanges>,
    ) -> Result<PeriodFound, ApiError> {
        let id = ReportingPeriodId(period_id.0);
        let patch = valid(body.0.parse(), app.authorize_period_change(&auth.0, id)).await?;
        let updated = app.update_period(&auth.0, id, if_match.0, patch).await?;
        Ok(PeriodFound::of(updated.into()))
    }
}
