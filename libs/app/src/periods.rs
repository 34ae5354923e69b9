//! Reporting periods of an alliance: opened, changed and closed by the alliance admin, read by
//! every member. Writes to one alliance's periods take the alliance's row lock, so that two
//! admins cannot open overlapping periods at the same moment.

use pcref_domain::{
    AllianceId, Cursor, IfMatch, Page, PageLimit, PeriodDraft, PeriodPatch, PeriodStatus,
    ReportingPeriod, ReportingPeriodId, Scope,
};
use pcref_store::periods as store;
use pcref_store::DbConnection;
use serde_json::{json, Value};

use crate::audit::{self, Actor, AuditScope, Change};
use crate::{check_if_match, now, policy, App, AppError, Caller, Principal};

fn find(conn: &mut DbConnection, id: ReportingPeriodId) -> Result<ReportingPeriod, AppError> {
    store::find_period(conn, id)?.ok_or(AppError::NotFound("reporting period"))
}

/// The period must not share its label or a day with another of the alliance's (`except`: the
/// period being changed).
fn check_against_others(
    conn: &mut DbConnection,
    alliance: AllianceId,
    fields: &PeriodDraft,
    except: Option<ReportingPeriodId>,
) -> Result<(), AppError> {
    for other in store::all_periods(conn, alliance)? {
        if Some(other.id) == except {
            continue;
        }
        if other.fields.same_label(fields) {
            return Err(AppError::Conflict(format!(
                "the alliance already has a reporting period labelled \"{}\"",
                other.fields.label
            )));
        }
        if other.fields.overlaps(fields) {
            return Err(AppError::Conflict(format!(
                "the dates overlap the reporting period \"{}\" ({} to {}): an alliance's periods never share a day",
                other.fields.label, other.fields.starts_on, other.fields.ends_on
            )));
        }
    }
    Ok(())
}

fn period_json(p: &ReportingPeriod) -> Value {
    json!({
        "id": p.id.to_string(),
        "label": p.fields.label,
        "starts_on": p.fields.starts_on.to_string(),
        "ends_on": p.fields.ends_on.to_string(),
        "status": p.status.as_str(),
        "version": p.version.0,
    })
}

fn record(
    conn: &mut DbConnection,
    p: &Principal,
    period: &ReportingPeriod,
    action: &str,
    before: Option<Value>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &Actor::of(p),
        period.updated_at,
        AuditScope::Alliance(period.alliance_id, None),
        Change {
            action,
            target_type: "reporting_period",
            target_id: period.id.to_string(),
            before,
            after: Some(period_json(period)),
        },
    )?;
    Ok(())
}

impl App {
    /// Whether the caller may read the alliance's periods (checked before the filters).
    pub async fn authorize_period_reading(
        &self,
        c: &Caller,
        alliance: AllianceId,
    ) -> Result<(), AppError> {
        c.require_scope(Scope::ReportsRead)?;
        policy::read_periods(c, alliance)
    }

    /// Whether the person may manage the alliance's periods (checked before the body).
    pub async fn authorize_period_management(
        &self,
        p: &Principal,
        alliance: AllianceId,
    ) -> Result<(), AppError> {
        policy::manage_periods(p, alliance)
    }

    /// Whether the person may change this period (checked before the body).
    pub async fn authorize_period_change(
        &self,
        p: &Principal,
        id: ReportingPeriodId,
    ) -> Result<(), AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                let period = find(conn, id)?;
                policy::read_periods(&p, period.alliance_id)
                    .map_err(|_| AppError::NotFound("reporting period"))?;
                policy::manage_periods(&p, period.alliance_id)
            })
            .await
    }

    /// Opens a reporting period.
    pub async fn create_period(
        &self,
        p: &Principal,
        alliance: AllianceId,
        fields: PeriodDraft,
    ) -> Result<ReportingPeriod, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                policy::manage_periods(&p, alliance)?;
                pcref_store::alliances::lock(conn, alliance)?;
                check_against_others(conn, alliance, &fields, None)?;
                let id = store::insert_period(conn, alliance, &fields, now())?;
                let period = find(conn, id)?;
                record(conn, &p, &period, "period.created", None)?;
                Ok(period)
            })
            .await
    }

    /// The alliance's periods, latest first.
    pub async fn periods(
        &self,
        c: &Caller,
        alliance: AllianceId,
        status: Option<PeriodStatus>,
        cursor: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<ReportingPeriod>, AppError> {
        self.authorize_period_reading(c, alliance).await?;
        self.db
            .read(move |conn| {
                Ok(store::list_periods(
                    conn,
                    alliance,
                    status,
                    cursor.as_ref(),
                    limit,
                )?)
            })
            .await
    }

    pub async fn get_period(
        &self,
        c: &Caller,
        id: ReportingPeriodId,
    ) -> Result<ReportingPeriod, AppError> {
        c.require_scope(Scope::ReportsRead)?;
        let c = c.clone();
        self.db
            .read(move |conn| {
                let period = find(conn, id)?;
                policy::read_periods(&c, period.alliance_id)
                    .map_err(|_| AppError::NotFound("reporting period"))?;
                Ok(period)
            })
            .await
    }

    /// Changes, closes or reopens a period (`If-Match` required). A closed period's label and
    /// dates stay as they are until it is reopened (which the same request may do).
    pub async fn update_period(
        &self,
        p: &Principal,
        id: ReportingPeriodId,
        if_match: Option<IfMatch>,
        patch: PeriodPatch,
    ) -> Result<ReportingPeriod, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let alliance = find(conn, id)?.alliance_id;
                policy::read_periods(&p, alliance)
                    .map_err(|_| AppError::NotFound("reporting period"))?;
                policy::manage_periods(&p, alliance)?;
                pcref_store::alliances::lock(conn, alliance)?;
                let before = find(conn, id)?;
                check_if_match(if_match.as_ref(), before.version)?;
                let fields = before.fields.apply(&patch)?;
                let status = patch.status.unwrap_or(before.status);
                if fields == before.fields && status == before.status {
                    return Ok(before);
                }
                if fields != before.fields && status == PeriodStatus::Closed {
                    return Err(AppError::Conflict(
                        "this reporting period is closed: its label and dates stay as they are; reopen it (\"status\": \"open\") to change them".into(),
                    ));
                }
                check_against_others(conn, alliance, &fields, Some(id))?;
                if !store::update_period(conn, id, before.version, &fields, status, now())? {
                    return Err(AppError::PreconditionFailed);
                }
                let after = find(conn, id)?;
                record(
                    conn,
                    &p,
                    &after,
                    "period.updated",
                    Some(period_json(&before)),
                )?;
                Ok(after)
            })
            .await
    }
}
