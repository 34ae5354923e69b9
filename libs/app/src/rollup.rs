//! Computing a reporting period's roll-up from what the alliance published. Pure: the sources
//! are read by the store, the published documents are reduced to [`PlanFacts`] (cached by the
//! caller: a published version never changes), and the figures are worked out here.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use pcref_anonymise::{control_table, Shown};
use pcref_domain::{
    ActionStatus, ActionStatusCounts, CategoryCount, Competency, Coverage, CoverageCell,
    CoverageRow, EthnicCategory, EthnicGroupCoverage, FeedbackFacts, FeedbackRollup, FeedbackRow,
    HeadlineFigure, LearningCategory, LearningRollup, LearningShared, MilestoneInPeriod,
    MilestoneState, OrganisationId, PeopleCount, PhaseCount, Pillar, ProjectFacts, ProjectPhase,
    ProjectRollup, ProjectsRollup, ProviderProgress, ProviderRef, PublicationId, PublishedDocument,
    Rollup, RollupSources, ABOUT_THE_ALLIANCE, ANONYMOUS_PROVIDERS,
};

/// What a roll-up needs of one published action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFacts {
    pub status: ActionStatus,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub last_reported_on: Option<NaiveDate>,
}

/// What a roll-up needs of one published document: a few bytes per action instead of its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanFacts {
    pub actions: Vec<ActionFacts>,
    /// Each goal's competencies and pillar.
    pub goals: Vec<(Vec<Competency>, Option<Pillar>)>,
    /// Each priority area's ethnic categories.
    pub priorities: Vec<Vec<EthnicCategory>>,
}

impl PlanFacts {
    pub fn of(doc: &PublishedDocument) -> PlanFacts {
        PlanFacts {
            actions: doc
                .priorities
                .iter()
                .flat_map(|p| &p.actions)
                .map(|a| ActionFacts {
                    // A status the document cannot name is counted as not started rather than
                    // dropped from the totals.
                    status: a.status.parse().unwrap_or(ActionStatus::NotStarted),
                    starts_on: a.starts_on,
                    ends_on: a.ends_on,
                    last_reported_on: a.latest_update.as_ref().map(|u| u.reported_on),
                })
                .collect(),
            goals: doc
                .goals
                .iter()
                .map(|g| {
                    (
                        g.competencies
                            .iter()
                            .filter_map(|c| c.parse().ok())
                            .collect(),
                        g.pillar.parse().ok(),
                    )
                })
                .collect(),
            priorities: doc
                .priorities
                .iter()
                .map(|p| {
                    p.ethnic_categories
                        .iter()
                        .filter_map(|c| c.parse().ok())
                        .collect()
                })
                .collect(),
        }
    }
}

/// Whether `at` happened by the end of `day`.
fn by(at: Option<DateTime<Utc>>, day: NaiveDate) -> bool {
    at.is_some_and(|t| t.date_naive() <= day)
}

fn percent(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| (f64::from(part) * 1000.0 / f64::from(whole)).round() / 10.0)
}

/// One row of the provider tables while it is being added up.
#[derive(Default)]
struct RowTally {
    plans: u32,
    actions: ActionStatusCounts,
    overdue: u32,
    stale: u32,
    competencies: [u32; 8],
    pillars: [u32; 3],
    ethnic: BTreeMap<EthnicCategory, u32>,
}

fn tally_plan(
    t: &mut RowTally,
    facts: &PlanFacts,
    published_on: NaiveDate,
    as_of: NaiveDate,
    cycle: u32,
) {
    t.plans += 1;
    for a in &facts.actions {
        let c = &mut t.actions;
        c.total += 1;
        match a.status {
            ActionStatus::NotStarted => c.not_started += 1,
            ActionStatus::OnTrack => c.on_track += 1,
            ActionStatus::AtRisk => c.at_risk += 1,
            ActionStatus::OffTrack => c.off_track += 1,
            ActionStatus::Complete => c.complete += 1,
            ActionStatus::Dropped => c.dropped += 1,
        }
        if a.status.is_finished() {
            continue;
        }
        if a.ends_on.is_some_and(|end| end < as_of) {
            t.overdue += 1;
        }
        if a.starts_on.is_some_and(|s| s > as_of) {
            continue;
        }
        let since = a
            .last_reported_on
            .unwrap_or_else(|| a.starts_on.map_or(published_on, |s| s.max(published_on)));
        if (as_of - since).num_days() > i64::from(cycle) {
            t.stale += 1;
        }
    }
    for (competencies, pillar) in &facts.goals {
        for c in competencies {
            if let Some(i) = Competency::ALL.iter().position(|x| x == c) {
                t.competencies[i] += 1;
            }
        }
        if let Some(i) = pillar.and_then(|p| Pillar::ALL.iter().position(|x| *x == p)) {
            t.pillars[i] += 1;
        }
    }
    for codes in &facts.priorities {
        for c in codes {
            *t.ethnic.entry(*c).or_default() += 1;
        }
    }
}

fn people(shown: Shown) -> PeopleCount {
    PeopleCount {
        value: shown.count(),
        shown: shown.display(),
    }
}

fn median(days: &mut [i64]) -> Option<f64> {
    pcref_domain::median_days(days)
}

/// The feedback loop, under disclosure control.
fn feedback(sources: &RollupSources) -> FeedbackRollup {
    let as_of = sources.as_of;
    // Rows: each provider by name, then the alliance as a whole.
    let mut rows: Vec<(String, Option<OrganisationId>)> = sources
        .providers
        .iter()
        .map(|(id, name)| (name.clone(), Some(*id)))
        .collect();
    rows.push((ABOUT_THE_ALLIANCE.to_owned(), None));
    let row_of: HashMap<Option<OrganisationId>, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, (_, id))| (*id, i))
        .collect();
    let mut cells = vec![vec![0u64; 4]; rows.len()];
    let mut days: Vec<Vec<i64>> = vec![Vec::new(); rows.len()];
    let mut all_days: Vec<i64> = Vec::new();
    for f in &sources.feedback {
        let FeedbackFacts {
            about,
            received_on,
            acknowledged_at,
            first_responded_at,
            closed_at,
        } = f;
        if *received_on > as_of {
            continue;
        }
        // Feedback about an organisation that is not a provider (it cannot be recorded, but
        // would otherwise vanish) counts for the alliance as a whole.
        let r = row_of.get(about).copied().unwrap_or(rows.len() - 1);
        let responded = by(*first_responded_at, as_of);
        let closed = by(*closed_at, as_of);
        let acknowledged = by(*acknowledged_at, as_of) || responded || closed;
        cells[r][0] += 1;
        cells[r][1] += u64::from(acknowledged);
        cells[r][2] += u64::from(responded);
        cells[r][3] += u64::from(closed);
        if let Some(at) = first_responded_at.filter(|_| responded) {
            let d = (at.date_naive() - *received_on).num_days().max(0);
            days[r].push(d);
            all_days.push(d);
        }
    }
    let table = control_table(&cells);
    let row = |label: String, id, shown: &[Shown], days: &mut Vec<i64>| {
        let responded = shown.get(2).copied().unwrap_or(Shown::Suppressed);
        FeedbackRow {
            label,
            organisation_id: id,
            received: people(shown.first().copied().unwrap_or(Shown::Suppressed)),
            acknowledged: people(shown.get(1).copied().unwrap_or(Shown::Suppressed)),
            responded: people(responded),
            closed: people(shown.get(3).copied().unwrap_or(Shown::Suppressed)),
            median_days_to_first_response: match responded {
                Shown::Count(n) if n > 0 => median(days),
                _ => None,
            },
        }
    };
    let out_rows = rows
        .into_iter()
        .zip(&table.cells)
        .zip(days.iter_mut())
        .map(|(((label, id), shown), days)| row(label, id, shown, days))
        .collect();
    FeedbackRollup {
        rows: out_rows,
        total: row(
            "All feedback".to_owned(),
            None,
            &table.column_totals,
            &mut all_days,
        ),
    }
}

fn projects(sources: &RollupSources) -> ProjectsRollup {
    let (start, end, as_of) = (
        sources.period.starts_on,
        sources.period.ends_on,
        sources.as_of,
    );
    let in_period = |d: NaiveDate| start <= d && d <= end;
    let mut out = ProjectsRollup {
        projects: Vec::with_capacity(sources.projects.len()),
        by_phase: Vec::new(),
        milestones_due: 0,
        milestones_done: 0,
        milestones_overdue: 0,
    };
    let mut phase_counts: HashMap<ProjectPhase, u32> = HashMap::new();
    for p in &sources.projects {
        let ProjectFacts {
            id,
            title,
            lead_organisation,
            phases,
            updates,
            milestones,
            ..
        } = p;
        let phase = phases
            .iter()
            .rev()
            .find(|(_, on)| *on <= as_of)
            .or(phases.first())
            .map_or(ProjectPhase::IntelligenceGathering, |(phase, _)| *phase);
        *phase_counts.entry(phase).or_default() += 1;
        let rag = updates
            .iter()
            .rev()
            .find(|(on, _)| *on <= as_of)
            .map(|(_, rag)| rag.as_str().to_owned());
        let updates_in_period = updates
            .iter()
            .filter(|(on, _)| start <= *on && *on <= as_of)
            .count();
        let mut listed = Vec::new();
        let (mut due, mut done, mut overdue) = (0u32, 0u32, 0u32);
        for (title, due_on, done_on) in milestones {
            let done_by = done_on.filter(|d| *d <= as_of);
            let is_due = in_period(*due_on);
            let is_done = done_by.is_some_and(|d| start <= d);
            let is_overdue = done_by.is_none() && *due_on < as_of;
            due += u32::from(is_due);
            done += u32::from(is_done);
            overdue += u32::from(is_overdue);
            if is_due || is_done || is_overdue {
                listed.push(MilestoneInPeriod {
                    title: title.clone(),
                    due_on: *due_on,
                    done_on: done_by,
                    state: if done_by.is_some() {
                        MilestoneState::Done
                    } else if is_overdue {
                        MilestoneState::Overdue
                    } else {
                        MilestoneState::Due
                    },
                });
            }
        }
        out.milestones_due += due;
        out.milestones_done += done;
        out.milestones_overdue += overdue;
        out.projects.push(ProjectRollup {
            id: *id,
            title: title.clone(),
            lead_organisation: lead_organisation.clone(),
            phase: phase.as_str().to_owned(),
            phase_label: phase.label().to_owned(),
            rag,
            updates_in_period: u32::try_from(updates_in_period).unwrap_or(u32::MAX),
            milestones_due: due,
            milestones_done: done,
            milestones_overdue: overdue,
            milestones: listed,
        });
    }
    out.by_phase = ProjectPhase::ALL
        .iter()
        .map(|p| PhaseCount {
            phase: p.as_str().to_owned(),
            label: p.label().to_owned(),
            projects: phase_counts.get(p).copied().unwrap_or(0),
        })
        .collect();
    out
}

fn learning(sources: &RollupSources) -> LearningRollup {
    let mut by_category: HashMap<LearningCategory, u32> = HashMap::new();
    for item in &sources.learning {
        for c in &item.categories {
            *by_category.entry(*c).or_default() += 1;
        }
    }
    LearningRollup {
        items_shared: u32::try_from(sources.learning.len()).unwrap_or(u32::MAX),
        by_category: LearningCategory::ALL
            .iter()
            .map(|c| CategoryCount {
                key: c.as_str().to_owned(),
                label: c.label().to_owned(),
                items: by_category.get(c).copied().unwrap_or(0),
            })
            .collect(),
        items: sources
            .learning
            .iter()
            .map(|l| LearningShared {
                title: l.title.clone(),
                shared_by: l.shared_by.clone(),
                shared_on: l.shared_on,
            })
            .collect(),
        templates_adopted: u32::try_from(sources.adoptions.len()).unwrap_or(u32::MAX),
        adoptions: sources.adoptions.clone(),
    }
}

/// The roll-up without its headline's comparison (see [`with_previous`]). `plans` must hold
/// the facts of every version in `sources.plans`; a missing one is left out.
pub fn compute(sources: &RollupSources, plans: &HashMap<PublicationId, Arc<PlanFacts>>) -> Rollup {
    let as_of = sources.as_of;
    // Named rows by organisation, then the anonymous group.
    let mut named: BTreeMap<(String, OrganisationId), RowTally> = BTreeMap::new();
    let mut anonymous: Option<RowTally> = None;
    for v in &sources.plans {
        let Some(facts) = plans.get(&v.publication_id) else {
            continue;
        };
        let tally = if v.anonymous {
            anonymous.get_or_insert_with(RowTally::default)
        } else {
            named
                .entry((v.organisation_name.to_lowercase(), v.organisation_id))
                .or_default()
        };
        tally_plan(
            tally,
            facts,
            v.published_on,
            as_of,
            sources.reporting_cycle_days,
        );
    }
    let names: HashMap<OrganisationId, &str> = sources
        .plans
        .iter()
        .map(|v| (v.organisation_id, v.organisation_name.as_str()))
        .collect();
    let rows: Vec<(ProviderRef, RowTally)> = named
        .into_iter()
        .map(|((_, id), t)| {
            (
                ProviderRef {
                    label: names.get(&id).copied().unwrap_or_default().to_owned(),
                    organisation_id: Some(id),
                    anonymous: false,
                },
                t,
            )
        })
        .chain(anonymous.map(|t| {
            (
                ProviderRef {
                    label: ANONYMOUS_PROVIDERS.to_owned(),
                    organisation_id: None,
                    anonymous: true,
                },
                t,
            )
        }))
        .collect();

    let providers = rows
        .iter()
        .map(|(provider, t)| ProviderProgress {
            provider: provider.clone(),
            published_plans: t.plans,
            actions: t.actions,
            percent_complete: percent(t.actions.complete, t.actions.total - t.actions.dropped),
            overdue: t.overdue,
            stale: t.stale,
        })
        .collect();
    let coverage_rows = rows
        .iter()
        .map(|(provider, t)| CoverageRow {
            provider: provider.clone(),
            competencies: Competency::ALL
                .iter()
                .zip(t.competencies)
                .map(|(c, goals)| CoverageCell {
                    key: c.as_str().to_owned(),
                    label: c.label().to_owned(),
                    goals,
                })
                .collect(),
            pillars: Pillar::ALL
                .iter()
                .zip(t.pillars)
                .map(|(p, goals)| CoverageCell {
                    key: p.as_str().to_owned(),
                    label: p.label().to_owned(),
                    goals,
                })
                .collect(),
        })
        .collect();
    let ethnic_groups = EthnicCategory::ALL
        .iter()
        .filter_map(|c| {
            let priorities: u32 = rows.iter().filter_map(|(_, t)| t.ethnic.get(c)).sum();
            let providers = rows
                .iter()
                .filter(|(_, t)| t.ethnic.contains_key(c))
                .count();
            (priorities > 0).then(|| EthnicGroupCoverage {
                code: c.as_str().to_owned(),
                label: c.label().to_owned(),
                broad_group: c.broad_group().map(|g| g.as_str().to_owned()),
                priorities,
                providers: u32::try_from(providers).unwrap_or(u32::MAX),
            })
        })
        .collect();

    let mut rollup = Rollup {
        alliance_id: sources.alliance_id,
        alliance_name: sources.alliance_name.clone(),
        period: sources.period.clone(),
        previous_period: None,
        as_of,
        headline: Vec::new(),
        providers,
        coverage: Coverage {
            rows: coverage_rows,
            ethnic_groups,
        },
        projects: projects(sources),
        feedback: feedback(sources),
        learning: learning(sources),
    };
    rollup.headline = headline_values(&rollup)
        .into_iter()
        .map(|(key, label, unit, value)| figure(key, label, unit, value, None))
        .collect();
    rollup
}

type Value = Option<f64>;

/// The headline figures' keys, labels, units and values, in the report's order.
fn headline_values(r: &Rollup) -> Vec<(&'static str, &'static str, &'static str, Value)> {
    let sum = |f: &dyn Fn(&ProviderProgress) -> u32| -> u32 { r.providers.iter().map(f).sum() };
    let count = |n: u32| Some(f64::from(n));
    let people = |c: &PeopleCount| c.value.map(|v| v as f64);
    let (complete, total, dropped) = (
        sum(&|p| p.actions.complete),
        sum(&|p| p.actions.total),
        sum(&|p| p.actions.dropped),
    );
    vec![
        (
            "published_plans",
            "Published plans",
            "count",
            count(sum(&|p| p.published_plans)),
        ),
        (
            "actions",
            "Actions in published plans",
            "count",
            count(total),
        ),
        (
            "percent_complete",
            "Actions complete",
            "percent",
            percent(complete, total - dropped),
        ),
        (
            "overdue_actions",
            "Overdue actions",
            "count",
            count(sum(&|p| p.overdue)),
        ),
        (
            "stale_actions",
            "Actions without a recent update",
            "count",
            count(sum(&|p| p.stale)),
        ),
        (
            "joint_projects",
            "Joint projects under way",
            "count",
            count(u32::try_from(r.projects.projects.len()).unwrap_or(u32::MAX)),
        ),
        (
            "milestones_done",
            "Milestones done",
            "count",
            count(r.projects.milestones_done),
        ),
        (
            "milestones_overdue",
            "Milestones overdue",
            "count",
            count(r.projects.milestones_overdue),
        ),
        (
            "feedback_received",
            "Feedback received",
            "people",
            people(&r.feedback.total.received),
        ),
        (
            "feedback_closed",
            "Feedback closed",
            "people",
            people(&r.feedback.total.closed),
        ),
        (
            "learning_items_shared",
            "Learning items shared",
            "count",
            count(r.learning.items_shared),
        ),
        (
            "templates_adopted",
            "Templates adopted",
            "count",
            count(r.learning.templates_adopted),
        ),
    ]
}

fn figure(key: &str, label: &str, unit: &str, value: Value, previous: Value) -> HeadlineFigure {
    let shown = match value {
        Some(v) if unit == "percent" => format!("{v:.1}%"),
        Some(v) => format!("{v}"),
        None if unit == "people" => pcref_anonymise::SUPPRESSED.to_owned(),
        None => "–".to_owned(),
    };
    HeadlineFigure {
        key: key.to_owned(),
        label: label.to_owned(),
        unit: unit.to_owned(),
        value,
        shown,
        previous,
        change: value
            .zip(previous)
            .map(|(v, p)| ((v - p) * 10.0).round() / 10.0),
    }
}

/// Adds the previous period's figures (and the change since) to the roll-up's headline.
pub fn with_previous(mut rollup: Rollup, previous: Option<&Rollup>) -> Rollup {
    let before: HashMap<&str, Value> = previous
        .map(|p| {
            p.headline
                .iter()
                .map(|f| (f.key.as_str(), f.value))
                .collect()
        })
        .unwrap_or_default();
    rollup.previous_period = previous.map(|p| p.period.clone());
    rollup.headline = rollup
        .headline
        .iter()
        .map(|f| {
            figure(
                &f.key,
                &f.label,
                &f.unit,
                f.value,
                before.get(f.key.as_str()).copied().flatten(),
            )
        })
        .collect();
    rollup
}
