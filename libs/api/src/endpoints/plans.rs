//! Plan templates and action plans in a provider's private workspace.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Enum, OpenApi, ResponseContent};
use uuid::Uuid;

use pcref_app::{App, WorkspaceRecord};
use pcref_domain::{
    AllianceId, Competency, Cursor, EthnicCategory, OrganisationId, PageLimit, Pillar, PlanFilter,
    PlanId, PlanStatus, TemplateId,
};

use super::{page, record_responses, valid, ApiTags, Deleted};
use crate::auth::{ApiScopes, BearerAuth, CallerAuth};
use crate::headers::{IdempotencyKey, OptionalIfMatch, RequiredIfMatch};
use crate::plan_types::TrimmedOneOf;
use crate::plan_types::{
    AdoptTemplate, Fields, NewPlan, NewTemplate, Plan, PlanChanges, PlanPage, SharedTemplate,
    SharedTemplatePage, Template, TemplatePage,
};
use crate::problem::ApiError;
use crate::publishing_types::search_words;
use crate::types::{CursorParam, EthnicFilter, Ruled, SearchWords, TimedCursor};

pub struct TemplatesApi;
pub struct PlansApi;

#[derive(ApiResponse)]
pub enum TemplateCreated {
    #[oai(status = 201)]
    Created(Json<Template>, #[oai(header = "Location")] String),
}

record_responses!(PlanFound, PlanCreated, Plan);

/// The file formats a plan exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ExportFormat {
    /// An Excel workbook: one sheet per stage, the implementation table as in the tool.
    Xlsx,
    /// The implementation table as CSV (UTF-8 with a byte-order mark).
    Csv,
}

#[derive(ResponseContent)]
pub enum ExportedFile {
    #[oai(content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    Xlsx(Binary<Vec<u8>>),
    #[oai(content_type = "text/csv; charset=utf-8")]
    Csv(Binary<Vec<u8>>),
}

#[derive(ApiResponse)]
pub enum PlanExported {
    /// The file, as an attachment.
    #[oai(status = 200)]
    Ok(ExportedFile, #[oai(header = "Content-Disposition")] String),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Templates")]
impl TemplatesApi {
    /// List templates
    ///
    /// The built-in "PCREF action-planning tool (four stages)" template, and the templates
    /// of every provider the caller works in.
    #[oai(path = "/templates", method = "get", operation_id = "list_templates")]
    async fn list(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<TemplatePage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        Ok(Json(
            app.list_templates(&auth.0, cursor, limit).await?.into(),
        ))
    }

    /// Get a template
    #[oai(
        path = "/templates/:template_id",
        method = "get",
        operation_id = "get_template"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        template_id: Path<Uuid>,
    ) -> Result<Json<Template>, ApiError> {
        let template = app.get_template(&auth.0, TemplateId(template_id.0)).await?;
        Ok(Json(template.into()))
    }

    /// Save a plan as a template
    ///
    /// Copies the plan's priority areas, goals and actions — without dates, leads' names or
    /// progress — into a template private to the organisation. Provider admins and editors.
    #[oai(
        path = "/organisations/:organisation_id/templates",
        method = "post",
        operation_id = "create_template"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        organisation_id: Path<Uuid>,
        body: Json<NewTemplate>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<TemplateCreated, ApiError> {
        let org = OrganisationId(organisation_id.0);
        let request = valid(
            body.0.parse(),
            app.authorize(&auth.0, WorkspaceRecord::Organisation(org), true),
        )
        .await?;
        let template = app.save_template(&auth.0, org, request).await?;
        let location = format!("/api/v1/templates/{}", template.id);
        Ok(TemplateCreated::Created(Json(template.into()), location))
    }

    /// Share a template with the alliance
    ///
    /// Makes a redacted copy of the template — its name, description and every text of its
    /// stages, priority areas, goals and actions, with the names known to the workspace, the
    /// organisation's withheld terms, email addresses, phone numbers, NHS numbers and postcodes
    /// replaced by markers such as `[redacted: email]` — which every member of the alliance
    /// can then read (`GET /templates/{id}` and the alliance's shared templates) and providers
    /// can adopt. The organisation's own members keep reading the template in full. Answers
    /// with the copy as shared and the list of redactions (where, and of which kind, never the
    /// text replaced).
    ///
    /// Sharing again makes the copy anew (for example after a new member joined, whose name
    /// the template mentions) and keeps the first sharing date and the adoptions; changing the
    /// organisation's withheld terms does this by itself. Copies already adopted do not
    /// change. No
    /// `If-Match`: templates are not edited, and sharing changes no field the caller read.
    ///
    /// The provider's admins and editors (viewers 403). 422 for the built-in template and for
    /// a copy adopted from another organisation (share the original instead).
    #[oai(
        path = "/templates/:template_id/share",
        method = "post",
        operation_id = "share_template"
    )]
    async fn share(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        template_id: Path<Uuid>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<Json<SharedTemplate>, ApiError> {
        let shared = app
            .share_template(&auth.0, TemplateId(template_id.0))
            .await?;
        Ok(Json(shared.into()))
    }

    /// Adopt a shared template
    ///
    /// Copies a template another provider of the same alliance shared — as shared, redacted —
    /// into the templates of `organisation_id`, a provider the caller is an admin or editor of
    /// (viewers 403). The copy remembers where it came from (`adopted_from`), adds one to the
    /// original's `adoptions`, and makes plans like any of the organisation's templates
    /// (`template_id` when creating a plan). It cannot be shared on. No `If-Match`: nothing the
    /// caller edits is changed.
    ///
    /// 404 when the template is not shared with the organisation's alliance (an unshared
    /// template of another provider reads as a missing one), 422 for the organisation's own
    /// template or the built-in one, 409 when the organisation has already adopted it.
    #[oai(
        path = "/templates/:template_id/adopt",
        method = "post",
        operation_id = "adopt_template"
    )]
    async fn adopt(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        template_id: Path<Uuid>,
        body: Json<AdoptTemplate>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<TemplateCreated, ApiError> {
        let org = OrganisationId(body.0.organisation_id);
        let adopted = app
            .adopt_template(&auth.0, TemplateId(template_id.0), org)
            .await?;
        let location = format!("/api/v1/templates/{}", adopted.id);
        Ok(TemplateCreated::Created(Json(adopted.into()), location))
    }

    /// List the alliance's shared templates
    ///
    /// Every template shared in the alliance, as shared (redacted), newest shared first, with
    /// how many organisations adopted each. Every member of the alliance reads it.
    #[oai(
        path = "/alliances/:alliance_id/shared-templates",
        method = "get",
        operation_id = "list_shared_templates"
    )]
    async fn shared(
        &self,
        #[oai(scope = "ApiScopes::LibraryRead")] auth: CallerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        /// Words that must all appear in the shared name or description (case-insensitive).
        q: Query<Option<SearchWords>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<Ruled<String, TimedCursor>>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<SharedTemplatePage>, ApiError> {
        let caller = auth.caller();
        let alliance = AllianceId(alliance_id.0);
        let words = valid(
            search_words(q.0).map_err(|e| vec![e]),
            app.authorize_library(&caller, alliance),
        )
        .await?;
        let (cursor, limit) = match (
            cursor.0.as_deref().map(|c| Cursor::parse_at(c)).transpose(),
            PageLimit::parse(limit.0),
        ) {
            (Ok(c), Ok(l)) => (c, l),
            (c, l) => {
                return Err(ApiError::invalid(
                    [c.err(), l.err()].into_iter().flatten().collect(),
                ))
            }
        };
        let words: Vec<String> = words
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let found = app
            .shared_templates(&caller, alliance, words, cursor, limit)
            .await?;
        Ok(Json(found.into()))
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Plans")]
impl PlansApi {
    /// List a provider's action plans
    ///
    /// The provider's own members only; to anybody else the workspace does not exist (404).
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/organisations/:organisation_id/plans",
        method = "get",
        operation_id = "list_plans"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        organisation_id: Path<Uuid>,
        /// `draft`, `active` or `closed`.
        status: Query<Option<Ruled<String, TrimmedOneOf<PlanStatus>>>>,
        /// Plans with a priority area naming this NHS ethnic category code (such as `H`) or
        /// any code of this broad group (`white`, `mixed`, `asian`, `black`, `other`).
        ethnic_category: Query<Option<Ruled<String, EthnicFilter>>>,
        /// Plans with a goal tied to this competency (such as `co_production`).
        competency: Query<Option<Ruled<String, TrimmedOneOf<Competency>>>>,
        /// Plans with a goal under this pillar.
        pillar: Query<Option<Ruled<String, TrimmedOneOf<Pillar>>>>,
        /// Words in the title, the service, or a priority area's or goal's statement.
        q: Query<Option<SearchWords>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<PlanPage>, ApiError> {
        let org = OrganisationId(organisation_id.0);
        app.authorize(&auth.0, WorkspaceRecord::Organisation(org), false)
            .await?;
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let mut f = Fields::default();
        fn parse<R>(raw: &Option<Ruled<String, R>>) -> Option<String> {
            raw.as_deref()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        }
        let filter = PlanFilter {
            status: parse(&status.0).and_then(|s| f.take(PlanStatus::parse_for("status", &s))),
            ethnic_categories: parse(&ethnic_category.0)
                .and_then(|s| f.take(EthnicCategory::parse_filter("ethnic_category", &s))),
            competency: parse(&competency.0)
                .and_then(|s| f.take(Competency::parse_for("competency", &s))),
            pillar: parse(&pillar.0).and_then(|s| f.take(Pillar::parse_for("pillar", &s))),
            text: f.take(search_words(q.0)).flatten(),
        };
        f.finish().map_err(ApiError::invalid)?;
        let plans = app.list_plans(&auth.0, org, filter, cursor, limit).await?;
        Ok(Json(plans.into()))
    }

    /// Create an action plan
    ///
    /// From scratch, or from a template (`template_id`): the template's stages, and for a
    /// saved template its priority areas, goals and actions, are copied into the new plan,
    /// which records where it came from. Provider admins and editors.
    #[oai(
        path = "/organisations/:organisation_id/plans",
        method = "post",
        operation_id = "create_plan"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        organisation_id: Path<Uuid>,
        body: Json<NewPlan>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<PlanCreated, ApiError> {
        let org = OrganisationId(organisation_id.0);
        let request = valid(
            body.0.parse(),
            app.authorize(&auth.0, WorkspaceRecord::Organisation(org), true),
        )
        .await?;
        let plan = app.create_plan(&auth.0, org, request).await?;
        let location = format!("/api/v1/plans/{}", plan.id);
        Ok(PlanCreated::of(plan.into(), location))
    }

    /// Get an action plan
    #[oai(path = "/plans/:plan_id", method = "get", operation_id = "get_plan")]
    async fn get(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
    ) -> Result<PlanFound, ApiError> {
        Ok(PlanFound::of(
            app.get_plan(&auth.0, PlanId(plan_id.0)).await?.into(),
        ))
    }

    /// Update an action plan
    ///
    /// Provider admins and editors. Requires `If-Match` with the `ETag` last read.
    #[oai(
        path = "/plans/:plan_id",
        method = "patch",
        operation_id = "update_plan"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
        /// The `ETag` from your last read, such as `"3"`.
        #[oai(name = "If-Match")]
        if_match: RequiredIfMatch,
        body: Json<PlanChanges>,
    ) -> Result<PlanFound, ApiError> {
        let if_match = if_match.0;
        let plan_id = PlanId(plan_id.0);
        let patch = valid(
            body.0.parse(),
            app.authorize(&auth.0, WorkspaceRecord::Plan(plan_id), true),
        )
        .await?;
        let plan = app.update_plan(&auth.0, plan_id, if_match, patch).await?;
        Ok(PlanFound::of(plan.into()))
    }

    /// Delete an action plan
    ///
    /// A soft delete: the plan and its stages disappear from every read, and the audit log
    /// keeps them. Provider admins and editors. `If-Match`, when sent, must match.
    #[oai(
        path = "/plans/:plan_id",
        method = "delete",
        operation_id = "delete_plan"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
        /// The `ETag` from your last read (optional).
        #[oai(name = "If-Match")]
        if_match: OptionalIfMatch,
    ) -> Result<Deleted, ApiError> {
        let if_match = if_match.0;
        app.delete_plan(&auth.0, PlanId(plan_id.0), if_match)
            .await?;
        Ok(Deleted::NoContent)
    }

    /// Export an action plan
    ///
    /// `xlsx` (default): an Excel workbook with a summary sheet and one sheet per stage, the
    /// implementation table with the tool's columns. `csv`: the implementation table.
    /// Everything in the workspace, leads' names included: the file stays with the provider.
    #[oai(
        path = "/plans/:plan_id/export",
        method = "get",
        operation_id = "export_plan"
    )]
    async fn export(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
        /// `xlsx` (default) or `csv`.
        format: Query<Option<ExportFormat>>,
    ) -> Result<PlanExported, ApiError> {
        let doc = app.plan_document(&auth.0, PlanId(plan_id.0)).await?;
        let format = format.0.unwrap_or(ExportFormat::Xlsx);
        let rendered = match format {
            ExportFormat::Xlsx => pcref_reports::plan_xlsx(&doc).map(|b| (b, "xlsx")),
            ExportFormat::Csv => pcref_reports::plan_csv(&doc).map(|b| (b, "csv")),
        };
        let (bytes, ext) = rendered.map_err(|e| {
            tracing::error!(error = %e, "plan export failed");
            ApiError::internal()
        })?;
        let disposition = format!(
            "attachment; filename=\"{}\"",
            pcref_reports::plan_file_name(&doc, ext)
        );
        let file = match format {
            ExportFormat::Xlsx => ExportedFile::Xlsx(Binary(bytes)),
            ExportFormat::Csv => ExportedFile::Csv(Binary(bytes)),
        };
        Ok(PlanExported::Ok(file, disposition))
    }
}
