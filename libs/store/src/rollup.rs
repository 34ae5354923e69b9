//! What a reporting period's roll-up is computed from, read with a fixed number of queries
//! whatever the size of the alliance (each reads one table's rows for the alliance and the
//! period, through an index on both).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use pcref_domain::{
    contributor_label, AllianceId, Attribution, FeedbackFacts, LearningFacts, OrganisationId,
    PeriodRef, ProjectFacts, ProjectId, PublicationId, PublishedDocument, PublishedVersion,
    ReportingPeriod, Tags, TemplateAdopted,
};

use crate::rows::{parse, parse_opt};
use crate::schema::{
    alliances, feedback_items, learning_items, organisations, project_milestones, project_phases,
    project_updates, projects, publications, reporting_periods, template_adoptions, templates,
};
use crate::{from_db_time, DbConnection, StoreError};

/// The first moment after the day: what happened "by" the day happened before it.
pub fn end_of(day: NaiveDate) -> NaiveDateTime {
    (day + Duration::days(1)).and_time(chrono::NaiveTime::MIN)
}

/// The alliance's name and reporting cycle.
pub fn alliance_facts(
    conn: &mut DbConnection,
    alliance: AllianceId,
) -> Result<(String, u32), StoreError> {
    let (name, cycle) = alliances::table
        .find(alliance.to_string())
        .select((alliances::name, alliances::reporting_cycle_days))
        .first::<(String, i32)>(conn)?;
    Ok((name, u32::try_from(cycle).unwrap_or(0)))
}

/// The alliance's latest period that ends before `starts_on`.
pub fn previous_period(
    conn: &mut DbConnection,
    alliance: AllianceId,
    starts_on: NaiveDate,
) -> Result<Option<PeriodRef>, StoreError> {
    reporting_periods::table
        .filter(reporting_periods::alliance_id.eq(alliance.to_string()))
        .filter(reporting_periods::ends_on.lt(starts_on))
        .order(reporting_periods::ends_on.desc())
        .select((
            reporting_periods::id,
            reporting_periods::label,
            reporting_periods::starts_on,
            reporting_periods::ends_on,
        ))
        .first::<(String, String, NaiveDate, NaiveDate)>(conn)
        .optional()?
        .map(|(id, label, starts_on, ends_on)| {
            Ok(PeriodRef {
                id: parse("reporting_periods.id", &id)?,
                label,
                starts_on,
                ends_on,
            })
        })
        .transpose()
}

pub fn period_ref(p: &ReportingPeriod) -> PeriodRef {
    PeriodRef {
        id: p.id,
        label: p.fields.label.clone(),
        starts_on: p.fields.starts_on,
        ends_on: p.fields.ends_on,
    }
}

/// The latest version of each of the alliance's published plans as of the day: published by
/// then and not withdrawn by then.
pub fn published_versions(
    conn: &mut DbConnection,
    alliance: AllianceId,
    as_of: NaiveDate,
) -> Result<Vec<PublishedVersion>, StoreError> {
    let end = end_of(as_of);
    let rows = publications::table
        .inner_join(organisations::table)
        .filter(publications::alliance_id.eq(alliance.to_string()))
        .filter(publications::published_at.lt(end))
        .filter(
            publications::withdrawn_at
                .is_null()
                .or(publications::withdrawn_at.ge(end)),
        )
        .select((
            publications::id,
            publications::series_id,
            publications::version,
            publications::organisation_id,
            organisations::name,
            publications::attribution,
            publications::published_at,
        ))
        .load::<(String, String, i32, String, String, String, NaiveDateTime)>(conn)?;
    let mut latest: HashMap<String, PublishedVersion> = HashMap::new();
    for (id, series, version, org, org_name, attribution, published_at) in rows {
        let version = u32::try_from(version).unwrap_or(0);
        if latest.get(&series).is_some_and(|v| v.version >= version) {
            continue;
        }
        let attribution: Attribution = parse("publications.attribution", &attribution)?;
        let head = PublishedVersion {
            publication_id: parse("publications.id", &id)?,
            series_id: parse("publications.series_id", &series)?,
            version,
            organisation_id: parse("publications.organisation_id", &org)?,
            organisation_name: org_name,
            anonymous: attribution == Attribution::Anonymous,
            published_on: published_at.date(),
        };
        latest.insert(series, head);
    }
    let mut heads: Vec<PublishedVersion> = latest.into_values().collect();
    heads.sort_by_key(|h| h.publication_id);
    Ok(heads)
}

/// The documents of these publications (ids of another alliance are simply not found).
pub fn published_documents(
    conn: &mut DbConnection,
    ids: &[PublicationId],
) -> Result<Vec<(PublicationId, PublishedDocument)>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    // Bounded IN lists: SQLite allows 32,766 parameters, PostgreSQL 65,535.
    for chunk in ids.chunks(500) {
        let keys: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        let rows = publications::table
            .filter(publications::id.eq_any(&keys))
            .select((publications::id, publications::document))
            .load::<(String, String)>(conn)?;
        for (id, json) in rows {
            let document: PublishedDocument = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("publications.document of {id}: {e}")))?;
            found.push((parse("publications.id", &id)?, document));
        }
    }
    Ok(found)
}

/// The alliance's providers, by name.
pub fn providers(
    conn: &mut DbConnection,
    alliance: AllianceId,
) -> Result<Vec<(OrganisationId, String)>, StoreError> {
    organisations::table
        .filter(organisations::alliance_id.eq(alliance.to_string()))
        .filter(organisations::kind.eq("provider"))
        .order((organisations::name_key, organisations::id))
        .select((organisations::id, organisations::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(id, name)| Ok((parse("organisations.id", &id)?, name)))
        .collect()
}

/// Feedback about the alliance's providers (or the alliance) received on a day in the range.
pub fn feedback(
    conn: &mut DbConnection,
    alliance: AllianceId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<FeedbackFacts>, StoreError> {
    feedback_items::table
        .filter(feedback_items::alliance_id.eq(alliance.to_string()))
        .filter(feedback_items::received_on.ge(from))
        .filter(feedback_items::received_on.le(to))
        .select((
            feedback_items::about_organisation_id,
            feedback_items::received_on,
            feedback_items::acknowledged_at,
            feedback_items::first_responded_at,
            feedback_items::closed_at,
        ))
        .load::<(
            Option<String>,
            NaiveDate,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
        )>(conn)?
        .into_iter()
        .map(|(about, received_on, ack, responded, closed)| {
            Ok(FeedbackFacts {
                about: parse_opt("feedback_items.about_organisation_id", about.as_deref())?,
                received_on,
                acknowledged_at: ack.map(from_db_time),
                first_responded_at: responded.map(from_db_time),
                closed_at: closed.map(from_db_time),
            })
        })
        .collect()
}

/// The alliance's projects under way on some day of the range, with their phases, their
/// updates up to `as_of` and their milestones: four queries.
pub fn projects(
    conn: &mut DbConnection,
    alliance: AllianceId,
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) -> Result<Vec<ProjectFacts>, StoreError> {
    let key = alliance.to_string();
    let in_range = projects::alliance_id
        .eq(key.clone())
        .and(projects::starts_on.le(to))
        .and(projects::ends_on.ge(from));
    let heads = projects::table
        .inner_join(organisations::table)
        .filter(in_range.clone())
        .order((projects::title, projects::id))
        .select((
            projects::id,
            projects::title,
            organisations::name,
            projects::starts_on,
            projects::ends_on,
        ))
        .load::<(String, String, String, NaiveDate, NaiveDate)>(conn)?;
    let mut out: Vec<ProjectFacts> = Vec::with_capacity(heads.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for (id, title, lead, starts_on, ends_on) in heads {
        index.insert(id.clone(), out.len());
        out.push(ProjectFacts {
            id: parse::<ProjectId>("projects.id", &id)?,
            title,
            lead_organisation: lead,
            starts_on,
            ends_on,
            phases: Vec::new(),
            updates: Vec::new(),
            milestones: Vec::new(),
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let phases = project_phases::table
        .inner_join(projects::table)
        .filter(in_range.clone())
        .order((project_phases::entered_on, project_phases::id))
        .select((
            project_phases::project_id,
            project_phases::phase,
            project_phases::entered_on,
        ))
        .load::<(String, String, NaiveDate)>(conn)?;
    for (project, phase, entered_on) in phases {
        if let Some(&i) = index.get(&project) {
            out[i]
                .phases
                .push((parse("project_phases.phase", &phase)?, entered_on));
        }
    }
    let updates = project_updates::table
        .inner_join(projects::table)
        .filter(in_range.clone())
        .filter(project_updates::reported_on.le(as_of))
        .order((
            project_updates::reported_on,
            project_updates::created_at,
            project_updates::id,
        ))
        .select((
            project_updates::project_id,
            project_updates::reported_on,
            project_updates::rag,
        ))
        .load::<(String, NaiveDate, String)>(conn)?;
    for (project, reported_on, rag) in updates {
        if let Some(&i) = index.get(&project) {
            out[i]
                .updates
                .push((reported_on, parse("project_updates.rag", &rag)?));
        }
    }
    let milestones = project_milestones::table
        .inner_join(projects::table)
        .filter(in_range.clone())
        .order((project_milestones::due_on, project_milestones::id))
        .select((
            project_milestones::project_id,
            project_milestones::title,
            project_milestones::due_on,
            project_milestones::done_on,
        ))
        .load::<(String, String, NaiveDate, Option<NaiveDate>)>(conn)?;
    for (project, title, due_on, done_on) in milestones {
        if let Some(&i) = index.get(&project) {
            out[i].milestones.push((title, due_on, done_on));
        }
    }
    Ok(out)
}

/// Learning items shared with the alliance on a day in the range, newest first.
pub fn learning(
    conn: &mut DbConnection,
    alliance: AllianceId,
    alliance_name: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<LearningFacts>, StoreError> {
    learning_items::table
        .inner_join(organisations::table)
        .filter(learning_items::alliance_id.eq(alliance.to_string()))
        .filter(learning_items::created_at.ge(from.and_time(chrono::NaiveTime::MIN)))
        .filter(learning_items::created_at.lt(end_of(to)))
        .order(learning_items::created_at.desc())
        .select((
            learning_items::title,
            learning_items::attribution,
            organisations::kind,
            organisations::name,
            learning_items::tags,
            learning_items::created_at,
        ))
        .load::<(String, String, String, String, String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(title, attribution, kind, org_name, tags, created_at)| {
            Ok(LearningFacts {
                title,
                shared_by: contributor_label(
                    parse("learning_items.attribution", &attribution)?,
                    parse("organisations.kind", &kind)?,
                    &org_name,
                    alliance_name,
                ),
                shared_on: created_at.date(),
                categories: Tags::parse(&tags).categories,
            })
        })
        .collect()
}

/// Templates adopted by the alliance's organisations on a day in the range, newest first.
pub fn adoptions(
    conn: &mut DbConnection,
    alliance: AllianceId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TemplateAdopted>, StoreError> {
    Ok(template_adoptions::table
        .inner_join(
            organisations::table.on(organisations::id.eq(template_adoptions::organisation_id)),
        )
        .inner_join(templates::table.on(templates::id.eq(template_adoptions::template_id)))
        .filter(organisations::alliance_id.eq(alliance.to_string()))
        .filter(template_adoptions::adopted_at.ge(from.and_time(chrono::NaiveTime::MIN)))
        .filter(template_adoptions::adopted_at.lt(end_of(to)))
        .order(template_adoptions::adopted_at.desc())
        .select((
            templates::name,
            organisations::name,
            template_adoptions::adopted_at,
        ))
        .load::<(String, String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(template_name, adopted_by, at)| TemplateAdopted {
            template_name,
            adopted_by,
            adopted_on: at.date(),
        })
        .collect())
}
