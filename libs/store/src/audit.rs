use diesel::prelude::*;
use pcref_domain::{
    AllianceId, AuditEntry, AuditVisibility, Cursor, OrganisationId, Page, PageLimit,
};

use crate::rows::AuditRow;
use crate::schema::audit_log;
use crate::{to_db_time, DbConnection, StoreError};

/// Appends an entry, in the same transaction as the change it records.
pub fn append(conn: &mut DbConnection, entry: &AuditEntry) -> Result<(), StoreError> {
    if let Some(alliance) = entry.alliance_id {
        crate::changes::mark_audited(alliance);
    }
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string);
    let row = AuditRow {
        id: entry.id.to_string(),
        occurred_at: to_db_time(entry.occurred_at),
        actor_user_id: entry.actor_user_id.map(|u| u.to_string()),
        actor_label: entry.actor_label.clone(),
        alliance_id: entry.alliance_id.map(|a| a.to_string()),
        organisation_id: entry.organisation_id.map(|o| o.to_string()),
        visibility: entry.visibility.as_str().to_owned(),
        action: entry.action.clone(),
        target_type: entry.target_type.clone(),
        target_id: entry.target_id.clone(),
        before_value: json(&entry.before),
        after_value: json(&entry.after),
    };
    diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Which entries a reader may see.
#[derive(Debug, Clone, Copy)]
pub enum AuditFeed {
    /// The alliance-level entries of an alliance.
    Alliance(AllianceId),
    /// Everything that names an organisation: its own entries and alliance-level ones about it.
    Organisation(OrganisationId),
}

/// Newest first.
pub fn list(
    conn: &mut DbConnection,
    feed: AuditFeed,
    action: Option<&str>,
    before: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<AuditEntry>, StoreError> {
    let mut query = audit_log::table
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    query = match feed {
        AuditFeed::Alliance(alliance) => query
            .filter(audit_log::alliance_id.eq(alliance.to_string()))
            .filter(audit_log::visibility.eq(AuditVisibility::Alliance.as_str())),
        AuditFeed::Organisation(org) => {
            query.filter(audit_log::organisation_id.eq(org.to_string()))
        }
    };
    if let Some(action) = action {
        query = query.filter(audit_log::action.eq(action.to_owned()));
    }
    if let Some(before) = before {
        query = query.filter(audit_log::id.lt(before.as_str().to_owned()));
    }
    let rows = query
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<AuditEntry>, _>>()?;
    Ok(Page::from_overfetch(rows, limit, |e| Cursor::after(e.id)))
}
