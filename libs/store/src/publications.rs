//! Published versions of action plans, the alliance's library of them, and what redaction
//! needs to know about a workspace (the names in it, its deny-list).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{
    AllianceId, Attribution, Cursor, OrganisationId, Page, PageLimit, PlanId, Publication,
    PublicationFilter, PublicationId, PublicationSeriesId, PublicationSummary, PublishedDocument,
    Tags, UserId, Version,
};

use crate::rows::{parse, parse_opt};
use crate::schema::{
    actions, alliances, memberships, organisations, plans, progress_updates, publications, users,
    withheld_terms,
};
use crate::sql::contains_pattern;
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

// ---- what redaction needs -----------------------------------------------------------------

/// Every person's name the workspace knows: its members' names (as they chose them and as
/// they were invited) and the leads named on its actions.
pub fn workspace_names(
    conn: &mut DbConnection,
    org: OrganisationId,
) -> Result<Vec<String>, StoreError> {
    let org = org.to_string();
    let members: Vec<(String, Option<String>)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::organisation_id.eq(&org))
        .select((users::display_name, memberships::invited_display_name))
        .load(conn)?;
    let its_plans = plans::table
        .filter(plans::organisation_id.eq(&org))
        .select(plans::id);
    let leads: Vec<Option<String>> = actions::table
        .filter(actions::plan_id.eq_any(its_plans))
        .filter(actions::lead_name.is_not_null())
        .select(actions::lead_name)
        .distinct()
        .load(conn)?;
    // People who have left keep their names out too: the authors of the workspace's progress
    // updates and the owners of its plans, whether or not they are still members.
    let authors = progress_updates::table
        .filter(progress_updates::plan_id.eq_any(its_plans))
        .filter(progress_updates::author_user_id.is_not_null())
        .select(progress_updates::author_user_id.assume_not_null());
    let owners = plans::table
        .filter(plans::organisation_id.eq(&org))
        .filter(plans::owner_user_id.is_not_null())
        .select(plans::owner_user_id.assume_not_null());
    let former: Vec<String> = users::table
        .filter(users::id.eq_any(authors).or(users::id.eq_any(owners)))
        .select(users::display_name)
        .load(conn)?;
    let mut names: Vec<String> = members
        .into_iter()
        .flat_map(|(name, invited)| [Some(name), invited])
        .chain(leads)
        .flatten()
        .chain(former)
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// An organisation's deny-list and its version; an organisation that never set one has an
/// empty list at version 0.
pub fn find_withheld_terms(
    conn: &mut DbConnection,
    org: OrganisationId,
) -> Result<(Vec<String>, Version), StoreError> {
    let row: Option<(String, i64)> = withheld_terms::table
        .find(org.to_string())
        .select((withheld_terms::terms, withheld_terms::version))
        .first(conn)
        .optional()?;
    match row {
        None => Ok((Vec::new(), Version(0))),
        Some((terms, version)) => {
            let terms = serde_json::from_str(&terms)
                .map_err(|e| StoreError::Corrupt(format!("withheld_terms.terms of {org}: {e}")))?;
            Ok((terms, Version(version)))
        }
    }
}

/// Replaces the deny-list if it is still at `expected`; `None` when someone changed it first.
pub fn replace_withheld_terms(
    conn: &mut DbConnection,
    org: OrganisationId,
    expected: Version,
    terms: &[String],
    now: DateTime<Utc>,
) -> Result<Option<Version>, StoreError> {
    let json = serde_json::to_string(terms).map_err(|e| StoreError::Internal(e.to_string()))?;
    let next = expected.next();
    let written = if expected == Version(0) {
        diesel::insert_into(withheld_terms::table)
            .values((
                withheld_terms::organisation_id.eq(org.to_string()),
                withheld_terms::terms.eq(json),
                withheld_terms::version.eq(next.0),
                withheld_terms::updated_at.eq(to_db_time(now)),
            ))
            .execute(conn)
            .map_err(StoreError::from)
            // Two first writers: the second lost the race, as with a stale version.
            .or_else(|e| match e {
                StoreError::Duplicate { .. } => Ok(0),
                e => Err(e),
            })?
    } else {
        diesel::update(
            withheld_terms::table
                .find(org.to_string())
                .filter(withheld_terms::version.eq(expected.0)),
        )
        .set((
            withheld_terms::terms.eq(json),
            withheld_terms::version.eq(next.0),
            withheld_terms::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?
    };
    Ok((written == 1).then_some(next))
}

// ---- publications -------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = publications)]
struct PublicationRow {
    id: String,
    series_id: String,
    version: i32,
    alliance_id: String,
    organisation_id: String,
    plan_id: String,
    attribution: String,
    title: String,
    document: String,
    search_text: String,
    tags: String,
    is_current: bool,
    published_by: Option<String>,
    published_at: NaiveDateTime,
    withdrawn_at: Option<NaiveDateTime>,
}

/// The columns a listing needs: everything but the document and the search text.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = publications)]
struct SummaryRow {
    id: String,
    series_id: String,
    version: i32,
    alliance_id: String,
    organisation_id: String,
    plan_id: String,
    attribution: String,
    title: String,
    tags: String,
    is_current: bool,
    published_by: Option<String>,
    published_at: NaiveDateTime,
    withdrawn_at: Option<NaiveDateTime>,
}

impl SummaryRow {
    fn into_domain(
        self,
        organisation_name: String,
        alliance_name: String,
    ) -> Result<PublicationSummary, StoreError> {
        Ok(PublicationSummary {
            id: parse("publications.id", &self.id)?,
            series_id: parse("publications.series_id", &self.series_id)?,
            version: u32::try_from(self.version)
                .map_err(|_| StoreError::Corrupt(format!("publications.version of {}", self.id)))?,
            alliance_id: parse("publications.alliance_id", &self.alliance_id)?,
            organisation_id: parse("publications.organisation_id", &self.organisation_id)?,
            organisation_name,
            alliance_name,
            plan_id: parse("publications.plan_id", &self.plan_id)?,
            attribution: parse("publications.attribution", &self.attribution)?,
            title: self.title,
            tags: Tags::parse(&self.tags),
            is_current: self.is_current,
            published_by: parse_opt("publications.published_by", self.published_by.as_deref())?,
            published_at: from_db_time(self.published_at),
            withdrawn_at: self.withdrawn_at.map(from_db_time),
        })
    }
}

fn document_of(id: &str, json: &str) -> Result<PublishedDocument, StoreError> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("publications.document of {id}: {e}")))
}

/// A new published version.
pub struct NewPublication<'a> {
    pub series_id: PublicationSeriesId,
    pub version: u32,
    pub alliance_id: AllianceId,
    pub organisation_id: OrganisationId,
    pub plan_id: PlanId,
    pub attribution: Attribution,
    pub document: &'a PublishedDocument,
    pub published_by: UserId,
}

/// A plan's series of publications under one attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    pub id: PublicationSeriesId,
    pub attribution: Attribution,
    /// Its highest version, withdrawn ones included: a version number is never reused.
    pub highest_version: u32,
}

/// The plan's latest series, and how many series the plan has had.
pub fn latest_series(
    conn: &mut DbConnection,
    plan: PlanId,
) -> Result<(Option<Series>, u32), StoreError> {
    let latest: Option<(String, String)> = publications::table
        .filter(publications::plan_id.eq(plan.to_string()))
        .select((publications::series_id, publications::attribution))
        .order(publications::id.desc())
        .first(conn)
        .optional()?;
    let series_count: i64 = publications::table
        .filter(publications::plan_id.eq(plan.to_string()))
        .select(diesel::dsl::count(publications::series_id).aggregate_distinct())
        .first(conn)?;
    let series_count = u32::try_from(series_count)
        .map_err(|_| StoreError::Corrupt(format!("{series_count} series of plan {plan}")))?;
    let Some((series, attribution)) = latest else {
        return Ok((None, series_count));
    };
    let highest: Option<i32> = publications::table
        .filter(publications::series_id.eq(&series))
        .select(diesel::dsl::max(publications::version))
        .first(conn)?;
    let highest = u32::try_from(highest.unwrap_or(0))
        .map_err(|_| StoreError::Corrupt(format!("publications.version of series {series}")))?;
    Ok((
        Some(Series {
            id: parse("publications.series_id", &series)?,
            attribution: parse("publications.attribution", &attribution)?,
            highest_version: highest,
        }),
        series_count,
    ))
}

/// Takes the plan's row lock whether or not the plan is deleted: publishing and withdrawing
/// one plan's versions take turns, even after the plan itself was deleted.
pub fn lock_plan_publications(conn: &mut DbConnection, plan: PlanId) -> Result<(), StoreError> {
    diesel::update(plans::table.find(plan.to_string()))
        .set(plans::version.eq(plans::version))
        .execute(conn)?;
    Ok(())
}

/// How many versions of the plan the library shows under the given attribution.
pub fn count_visible(
    conn: &mut DbConnection,
    plan: PlanId,
    attribution: Attribution,
) -> Result<i64, StoreError> {
    Ok(publications::table
        .filter(publications::plan_id.eq(plan.to_string()))
        .filter(publications::attribution.eq(attribution.as_str()))
        .filter(publications::withdrawn_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Adds a version and makes it its series' current one.
pub fn insert_publication(
    conn: &mut DbConnection,
    new: NewPublication<'_>,
    now: DateTime<Utc>,
) -> Result<Publication, StoreError> {
    crate::changes::mark(crate::Kept::Library);
    let id = PublicationId::new();
    let series = new.series_id.to_string();
    diesel::update(publications::table.filter(publications::series_id.eq(&series)))
        .set(publications::is_current.eq(false))
        .execute(conn)?;
    let row = PublicationRow {
        id: id.to_string(),
        series_id: series,
        version: i32::try_from(new.version)
            .map_err(|_| StoreError::Internal("version out of range".into()))?,
        alliance_id: new.alliance_id.to_string(),
        organisation_id: new.organisation_id.to_string(),
        plan_id: new.plan_id.to_string(),
        attribution: new.attribution.as_str().to_owned(),
        title: new.document.title.clone(),
        document: serde_json::to_string(new.document)
            .map_err(|e| StoreError::Internal(e.to_string()))?,
        search_text: new.document.search_text(),
        tags: new.document.tags().to_text(),
        is_current: true,
        published_by: Some(new.published_by.to_string()),
        published_at: to_db_time(now),
        withdrawn_at: None,
    };
    diesel::insert_into(publications::table)
        .values(&row)
        .execute(conn)?;
    find_publication(conn, id)?
        .ok_or_else(|| StoreError::Internal("inserted publication vanished".into()))
}

/// A version, withdrawn or not, with its document.
pub fn find_publication(
    conn: &mut DbConnection,
    id: PublicationId,
) -> Result<Option<Publication>, StoreError> {
    let found: Option<(SummaryRow, String, String, String)> = publications::table
        .inner_join(organisations::table)
        .inner_join(alliances::table.on(alliances::id.eq(publications::alliance_id)))
        .filter(publications::id.eq(id.to_string()))
        .select((
            SummaryRow::as_select(),
            publications::document,
            organisations::name,
            alliances::name,
        ))
        .first(conn)
        .optional()?;
    found
        .map(|(row, document, organisation_name, alliance_name)| {
            let document = document_of(&row.id, &document)?;
            Ok(Publication {
                summary: row.into_domain(organisation_name, alliance_name)?,
                document,
            })
        })
        .transpose()
}

/// The versions of an organisation's published plans that the library shows now (the current,
/// not withdrawn, version of each series), with their documents, newest first.
pub fn current_publications_of(
    conn: &mut DbConnection,
    org: OrganisationId,
) -> Result<Vec<Publication>, StoreError> {
    publications::table
        .inner_join(organisations::table)
        .inner_join(alliances::table.on(alliances::id.eq(publications::alliance_id)))
        .filter(publications::organisation_id.eq(org.to_string()))
        .filter(publications::is_current.eq(true))
        .filter(publications::withdrawn_at.is_null())
        .select((
            SummaryRow::as_select(),
            publications::document,
            organisations::name,
            alliances::name,
        ))
        .order(publications::id.desc())
        .load::<(SummaryRow, String, String, String)>(conn)?
        .into_iter()
        .map(|(row, document, organisation_name, alliance_name)| {
            let document = document_of(&row.id, &document)?;
            Ok(Publication {
                summary: row.into_domain(organisation_name, alliance_name)?,
                document,
            })
        })
        .collect()
}

/// The library: the current version of every series in the alliance, newest first.
pub fn list_library(
    conn: &mut DbConnection,
    alliance: AllianceId,
    filter: &PublicationFilter,
    after: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<PublicationSummary>, StoreError> {
    let mut query = publications::table
        .inner_join(organisations::table)
        .inner_join(alliances::table.on(alliances::id.eq(publications::alliance_id)))
        .filter(publications::alliance_id.eq(alliance.to_string()))
        .filter(publications::is_current.eq(true))
        .filter(publications::withdrawn_at.is_null())
        .select((
            SummaryRow::as_select(),
            organisations::name,
            alliances::name,
        ))
        .order(publications::id.desc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    for tag in filter.tags() {
        query = query.filter(publications::tags.like(tag.like_pattern()));
    }
    if let Some(text) = &filter.text {
        for word in text.split_whitespace() {
            query = query.filter(
                publications::search_text
                    .like(contains_pattern(word))
                    .escape('\\'),
            );
        }
    }
    if let Some(org) = filter.organisation_id {
        // A provider's anonymous publications are never found by its id.
        query = query
            .filter(publications::organisation_id.eq(org.to_string()))
            .filter(publications::attribution.eq(Attribution::Named.as_str()));
    }
    if let Some(from) = filter.published_from {
        query = query.filter(publications::published_at.ge(from.and_time(chrono::NaiveTime::MIN)));
    }
    if let Some(to) = filter.published_to {
        if let Some(next_day) = to.succ_opt() {
            query = query
                .filter(publications::published_at.lt(next_day.and_time(chrono::NaiveTime::MIN)));
        }
    }
    if let Some(after) = after {
        query = query.filter(publications::id.lt(after.as_str().to_owned()));
    }
    let rows = query
        .load::<(SummaryRow, String, String)>(conn)?
        .into_iter()
        .map(|(row, organisation, alliance)| row.into_domain(organisation, alliance))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_overfetch(rows, limit, |p| Cursor::after(p.id)))
}

/// A series' versions, newest first; withdrawn ones only with `include_withdrawn`.
pub fn list_series(
    conn: &mut DbConnection,
    series: PublicationSeriesId,
    include_withdrawn: bool,
) -> Result<Vec<PublicationSummary>, StoreError> {
    let mut query = publications::table
        .inner_join(organisations::table)
        .inner_join(alliances::table.on(alliances::id.eq(publications::alliance_id)))
        .filter(publications::series_id.eq(series.to_string()))
        .select((
            SummaryRow::as_select(),
            organisations::name,
            alliances::name,
        ))
        .order(publications::version.desc())
        .into_boxed();
    if !include_withdrawn {
        query = query.filter(publications::withdrawn_at.is_null());
    }
    query
        .load::<(SummaryRow, String, String)>(conn)?
        .into_iter()
        .map(|(row, organisation, alliance)| row.into_domain(organisation, alliance))
        .collect()
}

/// Every version published from a plan, under either attribution, newest first.
pub fn list_for_plan(
    conn: &mut DbConnection,
    plan: PlanId,
) -> Result<Vec<PublicationSummary>, StoreError> {
    publications::table
        .inner_join(organisations::table)
        .inner_join(alliances::table.on(alliances::id.eq(publications::alliance_id)))
        .filter(publications::plan_id.eq(plan.to_string()))
        .select((
            SummaryRow::as_select(),
            organisations::name,
            alliances::name,
        ))
        .order(publications::id.desc())
        .load::<(SummaryRow, String, String)>(conn)?
        .into_iter()
        .map(|(row, organisation, alliance)| row.into_domain(organisation, alliance))
        .collect()
}

/// Withdraws a version that is not yet withdrawn; if it was its series' current one, the
/// newest remaining version takes its place. `false` when it was already withdrawn.
pub fn withdraw(
    conn: &mut DbConnection,
    publication: &PublicationSummary,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    crate::changes::mark(crate::Kept::Library);
    let changed = diesel::update(
        publications::table
            .find(publication.id.to_string())
            .filter(publications::withdrawn_at.is_null()),
    )
    .set((
        publications::withdrawn_at.eq(Some(to_db_time(now))),
        publications::is_current.eq(false),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    if publication.is_current {
        let newest: Option<String> = publications::table
            .filter(publications::series_id.eq(publication.series_id.to_string()))
            .filter(publications::withdrawn_at.is_null())
            .select(publications::id)
            .order(publications::version.desc())
            .first(conn)
            .optional()?;
        if let Some(newest) = newest {
            diesel::update(
                publications::table
                    .find(newest)
                    .filter(publications::withdrawn_at.is_null()),
            )
            .set(publications::is_current.eq(true))
            .execute(conn)?;
        }
    }
    Ok(true)
}
