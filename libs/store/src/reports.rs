//! Issued board reports (frozen roll-ups, never changed) and their share links.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{
    AllianceId, BoardReport, BoardReportId, ReportingPeriodId, ShareLinkId, UserId,
};

use crate::rows::{parse, parse_opt};
use crate::schema::{board_reports, report_share_links, users};
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = board_reports)]
struct ReportRow {
    id: String,
    alliance_id: String,
    period_id: String,
    version: i32,
    content: String,
    issued_by: Option<String>,
    issued_by_name: String,
    issued_at: NaiveDateTime,
}

impl TryFrom<ReportRow> for BoardReport {
    type Error = StoreError;

    fn try_from(r: ReportRow) -> Result<Self, StoreError> {
        Ok(BoardReport {
            rollup: serde_json::from_str(&r.content).map_err(|e| {
                StoreError::Corrupt(format!("board_reports.content of {}: {e}", r.id))
            })?,
            id: parse("board_reports.id", &r.id)?,
            alliance_id: parse("board_reports.alliance_id", &r.alliance_id)?,
            period_id: parse("board_reports.period_id", &r.period_id)?,
            version: u32::try_from(r.version).unwrap_or(0),
            issued_at: from_db_time(r.issued_at),
            issued_by: parse_opt("board_reports.issued_by", r.issued_by.as_deref())?,
            issued_by_name: r.issued_by_name,
        })
    }
}

/// The period's highest issued version, 0 before the first.
pub fn latest_version(
    conn: &mut DbConnection,
    period: ReportingPeriodId,
) -> Result<u32, StoreError> {
    let v = board_reports::table
        .filter(board_reports::period_id.eq(period.to_string()))
        .select(diesel::dsl::max(board_reports::version))
        .first::<Option<i32>>(conn)?;
    Ok(v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0))
}

pub fn insert_report(conn: &mut DbConnection, report: &BoardReport) -> Result<(), StoreError> {
    let content = serde_json::to_string(&report.rollup)
        .map_err(|e| StoreError::Corrupt(format!("board report content: {e}")))?;
    diesel::insert_into(board_reports::table)
        .values(ReportRow {
            id: report.id.to_string(),
            alliance_id: report.alliance_id.to_string(),
            period_id: report.period_id.to_string(),
            version: i32::try_from(report.version).unwrap_or(i32::MAX),
            content,
            issued_by: report.issued_by.map(|u| u.to_string()),
            issued_by_name: report.issued_by_name.clone(),
            issued_at: to_db_time(report.issued_at),
        })
        .execute(conn)?;
    Ok(())
}

pub fn find_report(
    conn: &mut DbConnection,
    id: BoardReportId,
) -> Result<Option<BoardReport>, StoreError> {
    board_reports::table
        .find(id.to_string())
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?
        .map(BoardReport::try_from)
        .transpose()
}

/// A report's alliance and period, without reading its content.
pub fn report_owner(
    conn: &mut DbConnection,
    id: BoardReportId,
) -> Result<Option<(AllianceId, ReportingPeriodId)>, StoreError> {
    board_reports::table
        .find(id.to_string())
        .select((board_reports::alliance_id, board_reports::period_id))
        .first::<(String, String)>(conn)
        .optional()?
        .map(|(a, p)| {
            Ok((
                parse("board_reports.alliance_id", &a)?,
                parse("board_reports.period_id", &p)?,
            ))
        })
        .transpose()
}

/// A period's issued reports without their content, newest version first.
pub fn list_reports(
    conn: &mut DbConnection,
    period: ReportingPeriodId,
) -> Result<Vec<ReportHead>, StoreError> {
    board_reports::table
        .filter(board_reports::period_id.eq(period.to_string()))
        .order(board_reports::version.desc())
        .select((
            board_reports::id,
            board_reports::period_id,
            board_reports::version,
            board_reports::issued_by_name,
            board_reports::issued_at,
        ))
        .load::<(String, String, i32, String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(id, period_id, version, issued_by_name, issued_at)| {
            Ok(ReportHead {
                id: parse("board_reports.id", &id)?,
                period_id: parse("board_reports.period_id", &period_id)?,
                version: u32::try_from(version).unwrap_or(0),
                issued_by_name,
                issued_at: from_db_time(issued_at),
            })
        })
        .collect()
}

/// An issued report without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportHead {
    pub id: BoardReportId,
    pub period_id: ReportingPeriodId,
    pub version: u32,
    pub issued_by_name: String,
    pub issued_at: DateTime<Utc>,
}

impl From<&BoardReport> for ReportHead {
    fn from(r: &BoardReport) -> Self {
        ReportHead {
            id: r.id,
            period_id: r.period_id,
            version: r.version,
            issued_by_name: r.issued_by_name.clone(),
            issued_at: r.issued_at,
        }
    }
}

// ---- share links ---------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_share_links)]
struct LinkRow {
    id: String,
    report_id: String,
    alliance_id: String,
    token_hash: String,
    created_by: Option<String>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

/// A share link as its creator sees it (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareLink {
    pub id: ShareLinkId,
    pub report_id: BoardReportId,
    pub alliance_id: AllianceId,
    pub created_by: Option<UserId>,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn link_of(r: LinkRow, created_by_name: Option<String>) -> Result<ShareLink, StoreError> {
    Ok(ShareLink {
        id: parse("report_share_links.id", &r.id)?,
        report_id: parse("report_share_links.report_id", &r.report_id)?,
        alliance_id: parse("report_share_links.alliance_id", &r.alliance_id)?,
        created_by: parse_opt("report_share_links.created_by", r.created_by.as_deref())?,
        created_by_name,
        created_at: from_db_time(r.created_at),
        expires_at: from_db_time(r.expires_at),
        revoked_at: r.revoked_at.map(from_db_time),
    })
}

pub struct NewShareLink<'a> {
    pub id: ShareLinkId,
    pub report_id: BoardReportId,
    pub alliance_id: AllianceId,
    pub token_hash: &'a str,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub fn insert_link(conn: &mut DbConnection, link: &NewShareLink<'_>) -> Result<(), StoreError> {
    diesel::insert_into(report_share_links::table)
        .values(LinkRow {
            id: link.id.to_string(),
            report_id: link.report_id.to_string(),
            alliance_id: link.alliance_id.to_string(),
            token_hash: link.token_hash.to_owned(),
            created_by: link.created_by.map(|u| u.to_string()),
            created_at: to_db_time(link.created_at),
            expires_at: to_db_time(link.expires_at),
            revoked_at: None,
        })
        .execute(conn)?;
    Ok(())
}

pub fn find_link(
    conn: &mut DbConnection,
    id: ShareLinkId,
) -> Result<Option<ShareLink>, StoreError> {
    report_share_links::table
        .find(id.to_string())
        .left_join(users::table.on(users::id.nullable().eq(report_share_links::created_by)))
        .select((LinkRow::as_select(), users::display_name.nullable()))
        .first::<(LinkRow, Option<String>)>(conn)
        .optional()?
        .map(|(r, name)| link_of(r, name))
        .transpose()
}

pub fn find_link_by_token_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<ShareLink>, StoreError> {
    report_share_links::table
        .filter(report_share_links::token_hash.eq(token_hash))
        .select(LinkRow::as_select())
        .first::<LinkRow>(conn)
        .optional()?
        .map(|r| link_of(r, None))
        .transpose()
}

/// A report's share links, newest first.
pub fn list_links(
    conn: &mut DbConnection,
    report: BoardReportId,
) -> Result<Vec<ShareLink>, StoreError> {
    report_share_links::table
        .filter(report_share_links::report_id.eq(report.to_string()))
        .left_join(users::table.on(users::id.nullable().eq(report_share_links::created_by)))
        .order(report_share_links::id.desc())
        .select((LinkRow::as_select(), users::display_name.nullable()))
        .load::<(LinkRow, Option<String>)>(conn)?
        .into_iter()
        .map(|(r, name)| link_of(r, name))
        .collect()
}

/// Revokes a link not yet revoked; `false` when it already was.
pub fn revoke_link(
    conn: &mut DbConnection,
    id: ShareLinkId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        report_share_links::table
            .find(id.to_string())
            .filter(report_share_links::revoked_at.is_null()),
    )
    .set(report_share_links::revoked_at.eq(Some(to_db_time(now))))
    .execute(conn)?;
    Ok(n == 1)
}
