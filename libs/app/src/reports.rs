//! Roll-ups and board reports: the live preview of a period's roll-up, issuing it as an
//! immutable board report (version 1, 2… per period), serving an issued report in every format,
//! and the share links that open one report without a token.
//!
//! Speed at national scale: the sources are read with a fixed number of indexed queries, and a
//! published document is reduced to its [`PlanFacts`] once per process (a published version never
//! changes, so the cache needs no invalidation and can serve any instance's publications).
//! Issued reports are immutable too, and are cached whole.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use pcref_auth::SecretKind;
use pcref_domain::{
    rollup_as_of, AllianceId, BoardReport, BoardReportId, PublicationId, ReportingPeriod,
    ReportingPeriodId, Rollup, RollupSources, Scope, ShareLinkId,
};
use pcref_store::reports::{self as store, NewShareLink, ReportHead, ShareLink};
use pcref_store::rollup as sources;
use pcref_store::DbConnection;
use serde_json::json;

use crate::audit::{self, Actor, AuditScope, Change};
use crate::kept::KeptMap;
use crate::rollup::{compute, with_previous, PlanFacts};
use crate::{now, policy, App, AppError, Caller, Principal};

/// Share links live 14 days unless their creator asks for 1 to 90.
pub const DEFAULT_SHARE_LINK_DAYS: u32 = 14;
pub const MAX_SHARE_LINK_DAYS: u32 = 90;

/// The most published versions whose facts are kept (a national installation has a few
/// thousand); past it the cache starts again empty rather than grow without bound.
const MAX_CACHED_PLANS: usize = 100_000;
/// The most issued reports (and rendered pages of them) kept whole in memory.
const MAX_CACHED_REPORTS: usize = 256;
/// The most periods whose live roll-up is kept.
const MAX_KEPT_ROLLUPS: usize = 1024;
/// How long a kept roll-up may be served without being computed again. Within one server it is
/// dropped as soon as a change in its alliance is audited (every change a roll-up reads is
/// audited in the transaction that makes it: see `pcref_store::Db::audited_epoch`); the limit
/// bounds what a change made through another server sharing the PostgreSQL database leaves
/// stale.
const ROLLUP_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(5);

/// A period's live roll-up as computed (see `kept`), under its alliance's audited epoch.
#[derive(Debug, Clone)]
pub(crate) struct KeptRollup {
    /// The period's alliance (a period never moves), for the caller's check.
    alliance_id: AllianceId,
    /// The day it was computed for: a running period's roll-up is taken as of today.
    today: NaiveDate,
    /// The roll-up's JSON (the domain's serialisation, as issued reports freeze it), written
    /// once per computation rather than once per request: it is tens of kilobytes.
    json: bytes::Bytes,
}

pub(crate) type KeptRollups = KeptMap<ReportingPeriodId, KeptRollup>;

pub(crate) fn kept_rollups() -> KeptRollups {
    KeptMap::new(ROLLUP_FRESH_FOR, MAX_KEPT_ROLLUPS)
}

/// What the reporting use cases keep in memory between requests: only immutable things.
#[derive(Debug, Default)]
pub struct ReportCaches {
    plans: Mutex<HashMap<PublicationId, Arc<PlanFacts>>>,
    reports: Mutex<HashMap<BoardReportId, Arc<BoardReport>>>,
    pages: Mutex<HashMap<(BoardReportId, String), bytes::Bytes>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a map of immutable values half-written.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ReportCaches {
    /// The facts of these published versions, reading the documents not yet cached.
    fn plan_facts(
        &self,
        conn: &mut DbConnection,
        ids: impl Iterator<Item = PublicationId>,
    ) -> Result<HashMap<PublicationId, Arc<PlanFacts>>, AppError> {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        {
            let cache = lock(&self.plans);
            for id in ids {
                match cache.get(&id) {
                    Some(f) => {
                        found.insert(id, Arc::clone(f));
                    }
                    None => missing.push(id),
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let read = sources::published_documents(conn, &missing)?;
        let mut cache = lock(&self.plans);
        if cache.len() + read.len() > MAX_CACHED_PLANS {
            cache.clear();
        }
        for (id, doc) in read {
            let facts = Arc::new(PlanFacts::of(&doc));
            cache.insert(id, Arc::clone(&facts));
            found.insert(id, facts);
        }
        Ok(found)
    }

    fn report(&self, id: BoardReportId) -> Option<Arc<BoardReport>> {
        lock(&self.reports).get(&id).cloned()
    }

    fn keep_report(&self, report: Arc<BoardReport>) {
        let mut cache = lock(&self.reports);
        if cache.len() >= MAX_CACHED_REPORTS {
            cache.clear();
        }
        cache.insert(report.id, report);
    }
}

fn find_period(
    conn: &mut DbConnection,
    id: ReportingPeriodId,
) -> Result<ReportingPeriod, AppError> {
    pcref_store::periods::find_period(conn, id)?.ok_or(AppError::NotFound("reporting period"))
}

/// The roll-up of one period as of a day, without the comparison with the previous period.
fn rollup_of(
    caches: &ReportCaches,
    conn: &mut DbConnection,
    alliance: AllianceId,
    alliance_name: &str,
    cycle: u32,
    period: pcref_domain::PeriodRef,
    today: NaiveDate,
) -> Result<Rollup, AppError> {
    let as_of = rollup_as_of(period.ends_on, today);
    let (from, to) = (period.starts_on, as_of);
    let plans = sources::published_versions(conn, alliance, as_of)?;
    let facts = caches.plan_facts(conn, plans.iter().map(|v| v.publication_id))?;
    let src = RollupSources {
        alliance_id: alliance,
        alliance_name: alliance_name.to_owned(),
        reporting_cycle_days: cycle,
        providers: sources::providers(conn, alliance)?,
        projects: sources::projects(conn, alliance, period.starts_on, period.ends_on, as_of)?,
        feedback: sources::feedback(conn, alliance, from, to)?,
        learning: sources::learning(conn, alliance, alliance_name, from, to)?,
        adoptions: sources::adoptions(conn, alliance, from, to)?,
        plans,
        period,
        as_of,
    };
    Ok(compute(&src, &facts))
}

/// The full roll-up of a period: its figures and the previous period's for comparison.
fn full_rollup(
    caches: &ReportCaches,
    conn: &mut DbConnection,
    period: &ReportingPeriod,
    today: NaiveDate,
) -> Result<Rollup, AppError> {
    let alliance = period.alliance_id;
    let (name, cycle) = sources::alliance_facts(conn, alliance)?;
    let current = rollup_of(
        caches,
        conn,
        alliance,
        &name,
        cycle,
        sources::period_ref(period),
        today,
    )?;
    let previous = match sources::previous_period(conn, alliance, period.fields.starts_on)? {
        Some(p) => Some(rollup_of(caches, conn, alliance, &name, cycle, p, today)?),
        None => None,
    };
    Ok(with_previous(current, previous.as_ref()))
}

/// A new share link's token: shown once, only its hash kept.
pub struct CreatedShareLink {
    pub link: ShareLink,
    pub token: String,
}

/// How a share link that cannot be used any more is described.
fn link_unusable(link: &ShareLink, at: DateTime<Utc>) -> Option<String> {
    if let Some(revoked) = link.revoked_at {
        Some(format!("this link was revoked on {}", revoked.date_naive()))
    } else if link.expires_at <= at {
        Some(format!(
            "this link expired on {}",
            link.expires_at.date_naive()
        ))
    } else {
        None
    }
}

impl App {
    /// The live roll-up of a period, as JSON, for any member of its alliance. Computed again
    /// only when a change in the alliance has been audited since (or the day has turned): the
    /// preview is live, and costs no query while nothing changes.
    pub async fn rollup_preview(
        &self,
        c: &Caller,
        id: ReportingPeriodId,
    ) -> Result<bytes::Bytes, AppError> {
        c.require_scope(Scope::ReportsRead)?;
        let hidden = |_| AppError::NotFound("reporting period");
        let today = crate::today();
        let kept = self
            .rollups
            .get_with(&id, |k| self.db.audited_epoch(k.alliance_id))
            .filter(|k| k.today == today);
        if let Some(k) = kept {
            policy::read_periods(c, k.alliance_id).map_err(hidden)?;
            return Ok(k.json);
        }
        let (c, caches, db) = (c.clone(), Arc::clone(&self.reports), self.db.clone());
        let (kept, epoch) = self
            .db
            .read(move |conn| {
                let seen = find_period(conn, id)?;
                policy::read_periods(&c, seen.alliance_id).map_err(hidden)?;
                // Taken before the period and its figures are read (a period never changes
                // alliance): a change audited meanwhile is then either in what is kept or
                // moves the epoch on.
                let epoch = db.audited_epoch(seen.alliance_id);
                // One read transaction: the period and every figure from the same moment.
                let rollup = pcref_store::read_transaction(conn, |conn| {
                    let period = find_period(conn, id)?;
                    full_rollup(&caches, conn, &period, today)
                })?;
                let json = serde_json::to_vec(&rollup).map_err(|e| {
                    AppError::Internal(format!("writing a roll-up as JSON failed: {e}"))
                })?;
                let kept = KeptRollup {
                    alliance_id: seen.alliance_id,
                    today,
                    json: json.into(),
                };
                Ok::<_, AppError>((kept, epoch))
            })
            .await?;
        self.rollups.keep(id, epoch, kept.clone());
        Ok(kept.json)
    }

    /// A page or file rendered from an issued report, rendered once per process: the report
    /// never changes. `key` names the rendering (format and links).
    pub fn rendered_report<E>(
        &self,
        report: &BoardReport,
        key: &str,
        render: impl FnOnce(&BoardReport) -> Result<String, E>,
    ) -> Result<bytes::Bytes, E> {
        let k = (report.id, key.to_owned());
        if let Some(page) = lock(&self.reports.pages).get(&k) {
            return Ok(page.clone());
        }
        let page = bytes::Bytes::from(render(report)?);
        let mut pages = lock(&self.reports.pages);
        if pages.len() >= MAX_CACHED_REPORTS {
            pages.clear();
        }
        pages.insert(k, page.clone());
        Ok(page)
    }

    /// Freezes the period's roll-up as its next board report version.
    pub async fn issue_report(
        &self,
        p: &Principal,
        id: ReportingPeriodId,
    ) -> Result<BoardReport, AppError> {
        let (p, caches) = (p.clone(), Arc::clone(&self.reports));
        let report = self
            .db
            .write(move |conn| {
                let period = find_period(conn, id)?;
                policy::read_periods(&p, period.alliance_id)
                    .map_err(|_| AppError::NotFound("reporting period"))?;
                policy::issue_reports(&p, period.alliance_id)?;
                let today = crate::today();
                if today < period.fields.starts_on {
                    return Err(AppError::Conflict(format!(
                        "the period \"{}\" starts on {}: a board report can be issued once it has begun",
                        period.fields.label, period.fields.starts_on
                    )));
                }
                let rollup = full_rollup(&caches, conn, &period, today)?;
                let version = store::latest_version(conn, id)? + 1;
                let at = now();
                let report = BoardReport {
                    id: BoardReportId::new(),
                    alliance_id: period.alliance_id,
                    period_id: id,
                    version,
                    issued_at: at,
                    issued_by: Some(p.user.id),
                    issued_by_name: p.user.display_name.to_string(),
                    rollup,
                };
                store::insert_report(conn, &report)?;
                audit::record(
                    conn,
                    &Actor::of(&p),
                    at,
                    AuditScope::Alliance(period.alliance_id, None),
                    Change {
                        action: "board_report.issued",
                        target_type: "board_report",
                        target_id: report.id.to_string(),
                        before: None,
                        after: Some(json!({
                            "period_id": id.to_string(),
                            "period_label": period.fields.label,
                            "version": version,
                            "as_of": report.rollup.as_of.to_string(),
                        })),
                    },
                )?;
                Ok(report)
            })
            .await?;
        Ok(report)
    }

    /// A period's issued reports, newest version first.
    pub async fn period_reports(
        &self,
        c: &Caller,
        id: ReportingPeriodId,
    ) -> Result<Vec<ReportHead>, AppError> {
        c.require_scope(Scope::ReportsRead)?;
        let c = c.clone();
        self.db
            .read(move |conn| {
                let period = find_period(conn, id)?;
                policy::read_periods(&c, period.alliance_id)
                    .map_err(|_| AppError::NotFound("reporting period"))?;
                Ok(store::list_reports(conn, id)?)
            })
            .await
    }

    /// An issued report, from memory when it was read before (it never changes).
    async fn load_report(&self, id: BoardReportId) -> Result<Arc<BoardReport>, AppError> {
        if let Some(r) = self.reports.report(id) {
            return Ok(r);
        }
        let report = self
            .db
            .read(move |conn| {
                store::find_report(conn, id)?.ok_or(AppError::NotFound("board report"))
            })
            .await?;
        let report = Arc::new(report);
        self.reports.keep_report(Arc::clone(&report));
        Ok(report)
    }

    /// An issued report, for any member of its alliance.
    pub async fn board_report(
        &self,
        c: &Caller,
        id: BoardReportId,
    ) -> Result<Arc<BoardReport>, AppError> {
        c.require_scope(Scope::ReportsRead)?;
        let report = self.load_report(id).await?;
        policy::read_periods(c, report.alliance_id)
            .map_err(|_| AppError::NotFound("board report"))?;
        Ok(report)
    }

    /// The report's alliance, for the checks of the share-link use cases.
    async fn report_alliance(
        &self,
        p: &Principal,
        id: BoardReportId,
    ) -> Result<AllianceId, AppError> {
        let report = self.load_report(id).await?;
        policy::read_periods(p, report.alliance_id)
            .map_err(|_| AppError::NotFound("board report"))?;
        policy::share_reports(p, report.alliance_id)?;
        Ok(report.alliance_id)
    }

    /// Whether the person may share this report (checked before the body).
    pub async fn authorize_report_sharing(
        &self,
        p: &Principal,
        id: BoardReportId,
    ) -> Result<(), AppError> {
        self.report_alliance(p, id).await.map(|_| ())
    }

    /// A new link that opens the report without a token until it expires or is revoked.
    pub async fn create_share_link(
        &self,
        p: &Principal,
        report: BoardReportId,
        days: Option<u32>,
    ) -> Result<CreatedShareLink, AppError> {
        let days = days.unwrap_or(DEFAULT_SHARE_LINK_DAYS);
        if !(1..=MAX_SHARE_LINK_DAYS).contains(&days) {
            return Err(AppError::invalid(
                "expires_in_days",
                format!("must be from 1 to {MAX_SHARE_LINK_DAYS} days"),
            ));
        }
        let alliance = self.report_alliance(p, report).await?;
        let secret = pcref_auth::issue(SecretKind::ShareLink)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let p = p.clone();
        let token = secret.secret.clone();
        let link = self
            .db
            .write(move |conn| {
                let at = now();
                let id = ShareLinkId::new();
                let expires_at = at + Duration::days(i64::from(days));
                store::insert_link(
                    conn,
                    &NewShareLink {
                        id,
                        report_id: report,
                        alliance_id: alliance,
                        token_hash: &secret.hash,
                        created_by: Some(p.user.id),
                        created_at: at,
                        expires_at,
                    },
                )?;
                audit::record(
                    conn,
                    &Actor::of(&p),
                    at,
                    AuditScope::Alliance(alliance, None),
                    Change {
                        action: "share_link.created",
                        target_type: "share_link",
                        target_id: id.to_string(),
                        before: None,
                        after: Some(json!({
                            "report_id": report.to_string(),
                            "expires_at": expires_at.to_rfc3339(),
                        })),
                    },
                )?;
                store::find_link(conn, id)?.ok_or(AppError::NotFound("share link"))
            })
            .await?;
        Ok(CreatedShareLink { link, token })
    }

    /// A report's share links (never their tokens), for the alliance admin.
    pub async fn share_links(
        &self,
        p: &Principal,
        report: BoardReportId,
    ) -> Result<Vec<ShareLink>, AppError> {
        self.report_alliance(p, report).await?;
        self.db
            .read(move |conn| Ok(store::list_links(conn, report)?))
            .await
    }

    /// Revokes a share link at once; revoking it again changes nothing.
    pub async fn revoke_share_link(&self, p: &Principal, id: ShareLinkId) -> Result<(), AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let link = store::find_link(conn, id)?.ok_or(AppError::NotFound("share link"))?;
                policy::read_periods(&p, link.alliance_id)
                    .map_err(|_| AppError::NotFound("share link"))?;
                policy::share_reports(&p, link.alliance_id)?;
                let at = now();
                if store::revoke_link(conn, id, at)? {
                    audit::record(
                        conn,
                        &Actor::of(&p),
                        at,
                        AuditScope::Alliance(link.alliance_id, None),
                        Change {
                            action: "share_link.revoked",
                            target_type: "share_link",
                            target_id: id.to_string(),
                            before: Some(json!({ "report_id": link.report_id.to_string() })),
                            after: None,
                        },
                    )?;
                }
                Ok(())
            })
            .await
    }

    /// The report a share link opens, for anyone holding the link; each opening is audited.
    /// An unknown token is "not found"; a revoked or expired one is "gone", saying which.
    pub async fn open_shared_report(&self, token: &str) -> Result<Arc<BoardReport>, AppError> {
        let hash = pcref_auth::lookup_hash(SecretKind::ShareLink, token)
            .ok_or(AppError::NotFound("share link"))?;
        let report_id = self
            .db
            .write(move |conn| {
                let link = store::find_link_by_token_hash(conn, &hash)?
                    .ok_or(AppError::NotFound("share link"))?;
                let at = now();
                if let Some(why) = link_unusable(&link, at) {
                    return Err(AppError::Gone(why));
                }
                audit::record(
                    conn,
                    &Actor::share_link(),
                    at,
                    AuditScope::Alliance(link.alliance_id, None),
                    Change {
                        action: "share_link.opened",
                        target_type: "share_link",
                        target_id: link.id.to_string(),
                        before: None,
                        after: Some(json!({ "report_id": link.report_id.to_string() })),
                    },
                )?;
                Ok(link.report_id)
            })
            .await?;
        self.load_report(report_id).await
    }
}
