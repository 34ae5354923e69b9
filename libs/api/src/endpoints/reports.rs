//! Roll-ups and board reports: the live preview of a period's roll-up, issuing it as a frozen
//! board report, the report in every format (JSON, the HTML board paper and CEO-forum brief,
//! CSV, Excel), and the share links that open one report in a browser without a token.

use poem::http::StatusCode;
use poem::web::Data;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::App;
use pcref_domain::{BoardReport, BoardReportId, ReportingPeriodId, ShareLinkId};

use super::plans::ExportedFile;
use super::{ApiTags, Deleted};
use crate::auth::{ApiScopes, BearerAuth, CallerAuth};
use crate::headers::IdempotencyKey;
use crate::problem::{ApiError, Problem};
use crate::report_types::{
    BoardReportList, BoardReportSummary, BoardReportView, NewShareLink, Rollup, ShareLinkCreated,
    ShareLinkList, ShareLinkView,
};
use crate::written_json::{WrittenHtml, WrittenJson};

/// Pages served as documents: no script, nothing from elsewhere, not cached, not indexed.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

#[derive(ApiResponse)]
pub enum ReportIssued {
    /// The report issued; `Location` is where it is served.
    #[oai(status = 201)]
    Created(Json<BoardReportSummary>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum ReportPage {
    /// The page, ready to print on A4.
    #[oai(status = 200)]
    Ok(
        WrittenHtml,
        #[oai(header = "Content-Security-Policy")] String,
        #[oai(header = "Cache-Control")] String,
        #[oai(header = "Referrer-Policy")] String,
        #[oai(header = "X-Robots-Tag")] String,
    ),
}

impl ReportPage {
    fn of(html: bytes::Bytes) -> Self {
        ReportPage::Ok(
            WrittenHtml(html),
            PAGE_POLICY.to_owned(),
            "no-store".to_owned(),
            "no-referrer".to_owned(),
            "noindex".to_owned(),
        )
    }
}

#[derive(ApiResponse)]
pub enum ReportFile {
    /// The file, as an attachment.
    #[oai(status = 200)]
    Ok(
        ExportedFile,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "Cache-Control")] String,
    ),
}

#[derive(ApiResponse)]
pub enum SharedPage {
    /// The page of the report the link opens.
    #[oai(status = 200)]
    Ok(
        WrittenHtml,
        #[oai(header = "Content-Security-Policy")] String,
        #[oai(header = "Cache-Control")] String,
        #[oai(header = "Referrer-Policy")] String,
        #[oai(header = "X-Robots-Tag")] String,
    ),
    /// The link was revoked or has expired: ask the alliance admin for a new one.
    #[oai(status = 410, content_type = "application/problem+json")]
    Gone(Json<Problem>),
}

#[derive(ApiResponse)]
pub enum SharedFile {
    /// The file, as an attachment.
    #[oai(status = 200)]
    Ok(
        ExportedFile,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "Cache-Control")] String,
        #[oai(header = "Referrer-Policy")] String,
    ),
    /// The link was revoked or has expired: ask the alliance admin for a new one.
    #[oai(status = 410, content_type = "application/problem+json")]
    Gone(Json<Problem>),
}

#[derive(ApiResponse)]
pub enum ShareLinkMade {
    /// The link; its `url` is shown only now.
    #[oai(status = 201)]
    Created(Json<ShareLinkCreated>),
}

/// The formats of an issued report.
#[derive(Clone, Copy)]
enum Format {
    Board,
    CeoBrief,
    Csv,
    Xlsx,
}

fn links(base: &str) -> pcref_reports::ReportLinks {
    pcref_reports::ReportLinks {
        board: Some(format!("{base}/board.html")),
        ceo_brief: Some(format!("{base}/ceo-brief.html")),
        csv: Some(format!("{base}/rollup.csv")),
        xlsx: Some(format!("{base}/rollup.xlsx")),
    }
}

fn rendering_failed(e: pcref_reports::ReportError) -> ApiError {
    tracing::error!(error = %e, "rendering a board report failed");
    ApiError::internal()
}

/// The report's page, rendered once per server (an issued report never changes).
fn page(
    app: &App,
    report: &BoardReport,
    format: Format,
    base: &str,
) -> Result<bytes::Bytes, ApiError> {
    type Render =
        fn(&BoardReport, &pcref_reports::ReportLinks) -> Result<String, pcref_reports::ReportError>;
    let (name, render): (&str, Render) = match format {
        Format::CeoBrief => ("ceo-brief", pcref_reports::ceo_brief_html),
        _ => ("board", pcref_reports::board_html),
    };
    let key = format!("{name} {base}");
    app.rendered_report(report, &key, |r| render(r, &links(base)))
        .map_err(rendering_failed)
}

fn file(report: &BoardReport, format: Format) -> Result<(ExportedFile, String), ApiError> {
    let (file, ext) = match format {
        Format::Xlsx => (
            ExportedFile::Xlsx(Binary(
                pcref_reports::rollup_xlsx(report).map_err(rendering_failed)?,
            )),
            "xlsx",
        ),
        _ => (
            ExportedFile::Csv(Binary(
                pcref_reports::rollup_csv(report).map_err(rendering_failed)?,
            )),
            "csv",
        ),
    };
    let disposition = format!(
        "attachment; filename=\"{}\"",
        pcref_reports::report_file_name(report, ext)
    );
    Ok((file, disposition))
}

fn api_base(id: BoardReportId) -> String {
    format!("/api/v1/reports/{id}")
}

/// Where the people who open a share link reach this server: the address this request was
/// sent to (a reverse proxy passes the original host and scheme on).
fn public_base(req: &Request) -> String {
    let headers = req.headers();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or("").trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let scheme = header("x-forwarded-proto")
        .filter(|s| s == "https" || s == "http")
        .unwrap_or_else(|| "http".to_owned());
    let host = header("x-forwarded-host")
        .or_else(|| header("host"))
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{scheme}://{host}")
}

pub struct ReportsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Reports")]
impl ReportsApi {
    /// Preview a period's roll-up
    ///
    /// The live roll-up of the period, computed now from what the alliance has published: the
    /// latest published version of each plan as of the period's end (or today while it runs),
    /// joint projects, the feedback loop (counts about people under disclosure control: 1–7
    /// shown as `*`, others rounded to 5) and the learning library, with each headline figure's
    /// change since the previous period. Any member of the alliance; API clients need
    /// `reports:read`.
    #[oai(
        path = "/periods/:period_id/rollup",
        method = "get",
        operation_id = "get_period_rollup"
    )]
    async fn rollup(
        &self,
        #[oai(scope = "ApiScopes::ReportsRead")] auth: CallerAuth,
        app: Data<&App>,
        period_id: Path<Uuid>,
    ) -> Result<WrittenJson<Rollup>, ApiError> {
        let json = app
            .rollup_preview(&auth.caller(), ReportingPeriodId(period_id.0))
            .await?;
        Ok(WrittenJson::written(json))
    }

    /// Issue a board report
    ///
    /// Freezes the period's roll-up as it is now: version 1, then 2, 3… when issued again;
    /// earlier versions stay as they were and are still served. Recorded in the audit log. 409
    /// before the period has begun. The alliance admin.
    #[oai(
        path = "/periods/:period_id/reports",
        method = "post",
        operation_id = "issue_board_report"
    )]
    async fn issue(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        period_id: Path<Uuid>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<ReportIssued, ApiError> {
        let report = app
            .issue_report(&auth.0, ReportingPeriodId(period_id.0))
            .await?;
        let summary: BoardReportSummary = (&pcref_store::reports::ReportHead::from(&report)).into();
        Ok(ReportIssued::Created(Json(summary), api_base(report.id)))
    }

    /// List a period's board reports
    ///
    /// Every issued version, newest first. Any member of the alliance; API clients need
    /// `reports:read`.
    #[oai(
        path = "/periods/:period_id/reports",
        method = "get",
        operation_id = "list_board_reports"
    )]
    async fn list(
        &self,
        #[oai(scope = "ApiScopes::ReportsRead")] auth: CallerAuth,
        app: Data<&App>,
        period_id: Path<Uuid>,
    ) -> Result<Json<BoardReportList>, ApiError> {
        let found = app
            .period_reports(&auth.caller(), ReportingPeriodId(period_id.0))
            .await?;
        Ok(Json(BoardReportList {
            items: found.iter().map(Into::into).collect(),
        }))
    }

    /// Get a board report
    ///
    /// An issued report with its frozen roll-up: it never changes. Any member of the alliance;
    /// API clients need `reports:read`.
    #[oai(
        path = "/reports/:report_id",
        method = "get",
        operation_id = "get_board_report"
    )]
    async fn get(
        &self,
        #[oai(scope = "ApiScopes::ReportsRead")] auth: CallerAuth,
        app: Data<&App>,
        report_id: Path<Uuid>,
    ) -> Result<Json<BoardReportView>, ApiError> {
        let report = app
            .board_report(&auth.caller(), BoardReportId(report_id.0))
            .await?;
        Ok(Json(report.as_ref().into()))
    }

    /// The board paper
    ///
    /// The report as an A4 board paper for a browser or printing: headline figures, provider
    /// progress, coverage, joint projects, the feedback loop and learning, with charts that
    /// each have a text alternative and a table. Any member of the alliance; API clients need
    /// `reports:read`.
    #[oai(
        path = "/reports/:report_id/board.html",
        method = "get",
        operation_id = "get_board_report_html"
    )]
    async fn board_html(
        &self,
        #[oai(scope = "ApiScopes::ReportsRead")] auth: CallerAuth,
        app: Data<&App>,
        report_id: Path<Uuid>,
    ) -> Result<ReportPage, ApiError> {
        let id = BoardReportId(report_id.0);
        let report = app.board_report(&auth.caller(), id).await?;
        Ok(ReportPage::of(page(
            &app,
            &report,
            Format::Board,
            &api_base(id),
        )?))
    }

    /// The CEO-forum brief
    ///
    /// One A4 page: the headline figures and the key messages of the same report. Any member of
    /// the alliance; API clients need `reports:read`.
    #[oai(
        path = "/reports/:report_id/ceo-brief.html",
        method = "get",
        operation_id = "get_ceo_brief_html"
    )]
    async fn ceo_brief_html(
        &self,
        #[oai(scope = "ApiScopes::ReportsRead")] auth: CallerAuth,
        app: Data<&App>,
        report_id: Path<Uuid>,
    ) -> Result<ReportPage, ApiError> {
        let id = BoardReportId(report_id.0);
        let report = app.board_report(&auth.caller(), id).await?;
        Ok(ReportPage::of(page(
            &app,
            &report,
            Format::CeoBrief,
            &api_base(id),
        )?))
    }

    /// The roll-up as CSV
    ///
    /// One tidy table, `section,row,measure,value` (UTF-8 with a byte-order mark, so that
    /// Excel opens it correctly); suppressed counts are `*`. Any member of the alliance; API
    /// clients need `reports:read`.
    #[oai(
        path = "/reports/:report_id/rollup.csv",
        method = "get",
        operation_id = "get_rollup_csv"
    )]
    async fn csv(
        &self,
        #[oai(scope = "ApiScopes::ReportsRead")] auth: CallerAuth,
        app: Data<&App>,
        report_id: Path<Uuid>,
    ) -> Result<ReportFile, ApiError> {
        let report = app
            .board_report(&auth.caller(), BoardReportId(report_id.0))
            .await?;
        let (f, disposition) = file(&report, Format::Csv)?;
        Ok(ReportFile::Ok(
            f,
            disposition,
            "private, no-store".to_owned(),
        ))
    }

    /// The roll-up as an Excel workbook
    ///
    /// One sheet per section: Summary, Providers, Coverage, Ethnic groups, Joint projects,
    /// Milestones, Feedback, Learning. Any member of the alliance; API clients need
    /// `reports:read`.
    #[oai(
        path = "/reports/:report_id/rollup.xlsx",
        method = "get",
        operation_id = "get_rollup_xlsx"
    )]
    async fn xlsx(
        &self,
        #[oai(scope = "ApiScopes::ReportsRead")] auth: CallerAuth,
        app: Data<&App>,
        report_id: Path<Uuid>,
    ) -> Result<ReportFile, ApiError> {
        let report = app
            .board_report(&auth.caller(), BoardReportId(report_id.0))
            .await?;
        let (f, disposition) = file(&report, Format::Xlsx)?;
        Ok(ReportFile::Ok(
            f,
            disposition,
            "private, no-store".to_owned(),
        ))
    }

    /// Share a board report
    ///
    /// A link that opens this report (and only it, read-only) in a browser without signing in,
    /// for board members: unguessable, expiring after `expires_in_days` (1–90, default 14),
    /// revocable, and recorded in the audit log each time it is created, opened or revoked.
    /// The alliance admin.
    #[oai(
        path = "/reports/:report_id/share-links",
        method = "post",
        operation_id = "create_share_link"
    )]
    async fn share(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        req: &Request,
        report_id: Path<Uuid>,
        body: Json<NewShareLink>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<ShareLinkMade, ApiError> {
        let id = BoardReportId(report_id.0);
        app.authorize_report_sharing(&auth.0, id).await?;
        // Any integer is read; one outside 1–90 is refused (422) by the use case.
        let days = body
            .0
            .expires_in_days
            .map(|d| u32::try_from(d).unwrap_or(0));
        let made = app.create_share_link(&auth.0, id, days).await?;
        Ok(ShareLinkMade::Created(Json(ShareLinkCreated {
            id: made.link.id.as_uuid(),
            report_id: made.link.report_id.as_uuid(),
            url: format!("{}/shared/reports/{}", public_base(req), made.token),
            expires_at: made.link.expires_at,
            created_at: made.link.created_at,
        })))
    }

    /// List a report's share links
    ///
    /// Active, expired and revoked, newest first; never their tokens. The alliance admin.
    #[oai(
        path = "/reports/:report_id/share-links",
        method = "get",
        operation_id = "list_share_links"
    )]
    async fn share_links(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        report_id: Path<Uuid>,
    ) -> Result<Json<ShareLinkList>, ApiError> {
        let links = app.share_links(&auth.0, BoardReportId(report_id.0)).await?;
        let now = chrono::Utc::now();
        Ok(Json(ShareLinkList {
            items: links.iter().map(|l| ShareLinkView::of(l, now)).collect(),
        }))
    }

    /// Revoke a share link
    ///
    /// The link stops working at once; revoking it again changes nothing. The alliance admin.
    #[oai(
        path = "/share-links/:link_id",
        method = "delete",
        operation_id = "revoke_share_link"
    )]
    async fn revoke(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        link_id: Path<Uuid>,
    ) -> Result<Deleted, ApiError> {
        app.revoke_share_link(&auth.0, ShareLinkId(link_id.0))
            .await?;
        Ok(Deleted::NoContent)
    }
}

/// The report a share link opens, or why it cannot be opened.
async fn shared(
    app: &App,
    token: &str,
) -> Result<Result<std::sync::Arc<BoardReport>, Json<Problem>>, ApiError> {
    match app.open_shared_report(token).await {
        Ok(report) => Ok(Ok(report)),
        Err(pcref_app::AppError::Gone(why)) => Ok(Err(Json(Problem::new(StatusCode::GONE, why)))),
        Err(e) => Err(e.into()),
    }
}

fn shared_base(token: &str) -> String {
    format!("/shared/reports/{token}")
}

pub struct SharedReportsApi;

#[OpenApi(prefix_path = "/shared/reports", tag = "ApiTags::Reports")]
impl SharedReportsApi {
    /// Open a shared board report
    ///
    /// The board paper of the one report the link was made for; no token needed. 404 for a
    /// link that never existed, 410 once it is revoked or expired.
    #[oai(path = "/:token", method = "get", operation_id = "open_shared_report")]
    async fn open(&self, app: Data<&App>, token: Path<String>) -> Result<SharedPage, ApiError> {
        Ok(match shared(&app, &token.0).await? {
            Ok(report) => {
                let html = page(&app, &report, Format::Board, &shared_base(&token.0))?;
                shared_page(html)
            }
            Err(gone) => SharedPage::Gone(gone),
        })
    }

    /// Open a shared CEO-forum brief
    ///
    /// The one-page brief of the report the link was made for; no token needed.
    #[oai(
        path = "/:token/ceo-brief.html",
        method = "get",
        operation_id = "open_shared_ceo_brief"
    )]
    async fn ceo_brief(
        &self,
        app: Data<&App>,
        token: Path<String>,
    ) -> Result<SharedPage, ApiError> {
        Ok(match shared(&app, &token.0).await? {
            Ok(report) => {
                let html = page(&app, &report, Format::CeoBrief, &shared_base(&token.0))?;
                shared_page(html)
            }
            Err(gone) => SharedPage::Gone(gone),
        })
    }

    /// Download a shared report as CSV
    #[oai(
        path = "/:token/rollup.csv",
        method = "get",
        operation_id = "open_shared_rollup_csv"
    )]
    async fn csv(&self, app: Data<&App>, token: Path<String>) -> Result<SharedFile, ApiError> {
        shared_file(&app, &token.0, Format::Csv).await
    }

    /// Download a shared report as an Excel workbook
    #[oai(
        path = "/:token/rollup.xlsx",
        method = "get",
        operation_id = "open_shared_rollup_xlsx"
    )]
    async fn xlsx(&self, app: Data<&App>, token: Path<String>) -> Result<SharedFile, ApiError> {
        shared_file(&app, &token.0, Format::Xlsx).await
    }
}

fn shared_page(html: bytes::Bytes) -> SharedPage {
    SharedPage::Ok(
        WrittenHtml(html),
        PAGE_POLICY.to_owned(),
        "no-store".to_owned(),
        "no-referrer".to_owned(),
        "noindex".to_owned(),
    )
}

async fn shared_file(app: &App, token: &str, format: Format) -> Result<SharedFile, ApiError> {
    Ok(match shared(app, token).await? {
        Ok(report) => {
            let (f, disposition) = file(&report, format)?;
            SharedFile::Ok(
                f,
                disposition,
                "no-store".to_owned(),
                "no-referrer".to_owned(),
            )
        }
        Err(gone) => SharedFile::Gone(gone),
    })
}
