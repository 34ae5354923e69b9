//! An alliance's reporting periods.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{
    AllianceId, Cursor, Page, PageLimit, PeriodDraft, PeriodStatus, ReportingPeriod,
    ReportingPeriodId, Version,
};

use crate::rows::parse;
use crate::schema::reporting_periods;
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reporting_periods)]
struct PeriodRow {
    id: String,
    alliance_id: String,
    label: String,
    label_key: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    status: String,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<PeriodRow> for ReportingPeriod {
    type Error = StoreError;

    fn try_from(r: PeriodRow) -> Result<Self, StoreError> {
        Ok(ReportingPeriod {
            id: parse("reporting_periods.id", &r.id)?,
            alliance_id: parse("reporting_periods.alliance_id", &r.alliance_id)?,
            fields: PeriodDraft {
                label: r.label,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
            },
            status: parse("reporting_periods.status", &r.status)?,
            version: Version(r.version),
            created_at: from_db_time(r.created_at),
            updated_at: from_db_time(r.updated_at),
        })
    }
}

/// The key labels are unique by: the label lower-cased.
fn label_key(label: &str) -> String {
    label.trim().to_lowercase()
}

pub fn insert_period(
    conn: &mut DbConnection,
    alliance: AllianceId,
    fields: &PeriodDraft,
    now: DateTime<Utc>,
) -> Result<ReportingPeriodId, StoreError> {
    let id = ReportingPeriodId::new();
    let at = to_db_time(now);
    diesel::insert_into(reporting_periods::table)
        .values(PeriodRow {
            id: id.to_string(),
            alliance_id: alliance.to_string(),
            label: fields.label.clone(),
            label_key: label_key(&fields.label),
            starts_on: fields.starts_on,
            ends_on: fields.ends_on,
            status: PeriodStatus::Open.as_str().to_owned(),
            version: Version::FIRST.0,
            created_at: at,
            updated_at: at,
        })
        .execute(conn)?;
    Ok(id)
}

/// Changes the period if it is still at `expected`; `false` when it is not.
pub fn update_period(
    conn: &mut DbConnection,
    id: ReportingPeriodId,
    expected: Version,
    fields: &PeriodDraft,
    status: PeriodStatus,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        reporting_periods::table
            .find(id.to_string())
            .filter(reporting_periods::version.eq(expected.0)),
    )
    .set((
        reporting_periods::label.eq(&fields.label),
        reporting_periods::label_key.eq(label_key(&fields.label)),
        reporting_periods::starts_on.eq(fields.starts_on),
        reporting_periods::ends_on.eq(fields.ends_on),
        reporting_periods::status.eq(status.as_str()),
        reporting_periods::version.eq(expected.next().0),
        reporting_periods::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn find_period(
    conn: &mut DbConnection,
    id: ReportingPeriodId,
) -> Result<Option<ReportingPeriod>, StoreError> {
    reporting_periods::table
        .find(id.to_string())
        .select(PeriodRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
}

/// Every period of the alliance (a few a year): for checking a new one against them.
pub fn all_periods(
    conn: &mut DbConnection,
    alliance: AllianceId,
) -> Result<Vec<ReportingPeriod>, StoreError> {
    reporting_periods::table
        .filter(reporting_periods::alliance_id.eq(alliance.to_string()))
        .select(PeriodRow::as_select())
        .load::<PeriodRow>(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// The alliance's periods, latest first (by start; the id breaks no ties, as periods never
/// overlap), narrowed by status. The cursor is the last period's id.
pub fn list_periods(
    conn: &mut DbConnection,
    alliance: AllianceId,
    status: Option<PeriodStatus>,
    after: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<ReportingPeriod>, StoreError> {
    let mut query = reporting_periods::table
        .filter(reporting_periods::alliance_id.eq(alliance.to_string()))
        .select(PeriodRow::as_select())
        .order(reporting_periods::starts_on.desc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(reporting_periods::status.eq(status.as_str()));
    }
    if let Some(after) = after {
        // Periods of an alliance never overlap, so their starts are distinct: the page goes
        // on from the start of the cursor's period.
        let start: Option<NaiveDate> = reporting_periods::table
            .find(after.as_str().to_owned())
            .filter(reporting_periods::alliance_id.eq(alliance.to_string()))
            .select(reporting_periods::starts_on)
            .first(conn)
            .optional()?;
        match start {
            Some(start) => query = query.filter(reporting_periods::starts_on.lt(start)),
            None => {
                return Ok(Page::from_overfetch(
                    Vec::new(),
                    limit,
                    |p: &ReportingPeriod| Cursor::after(p.id),
                ))
            }
        }
    }
    let items = query
        .load::<PeriodRow>(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<ReportingPeriod>, _>>()?;
    Ok(Page::from_overfetch(items, limit, |p| Cursor::after(p.id)))
}
