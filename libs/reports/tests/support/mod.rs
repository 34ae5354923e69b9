//! A realistic issued board report for the rendering tests: an alliance of four providers
//! (three publishing under their names, one anonymously), three joint projects (one without
//! milestones), feedback with suppressed cells, learning items and template adoptions. The
//! figures are taken on 14 September 2026, while 2026-Q3 was still running, so that the
//! milestones are done, overdue and still due.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use pcref_domain::{
    ActionStatusCounts, AllianceId, BoardReport, BoardReportId, CategoryCount, Competency,
    Coverage, CoverageCell, CoverageRow, EthnicCategory, EthnicGroupCoverage, FeedbackRollup,
    FeedbackRow, HeadlineFigure, LearningCategory, LearningRollup, LearningShared,
    MilestoneInPeriod, MilestoneState, OrganisationId, PeopleCount, PeriodRef, PhaseCount, Pillar,
    ProjectId, ProjectPhase, ProjectRollup, ProjectsRollup, ProviderProgress, ProviderRef,
    ReportingPeriodId, Rollup, TemplateAdopted, UserId, ABOUT_THE_ALLIANCE, ANONYMOUS_PROVIDERS,
};

pub const COASTAL: &str = "Coastal and Fells NHS Foundation Trust";
pub const NORTHSHIRE: &str = "Northshire Partnership NHS Trust";
pub const RIVERSIDE: &str = "Riverside Mental Health NHS Trust";
/// Publishes anonymously: named only in the feedback table, as every provider is.
pub const HILLSIDE: &str = "Hillside Care NHS Trust";

pub fn date(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

pub fn time(s: &str) -> DateTime<Utc> {
    s.parse().expect("time")
}

fn named(label: &str) -> ProviderRef {
    ProviderRef {
        label: label.into(),
        organisation_id: Some(OrganisationId::new()),
        anonymous: false,
    }
}

fn anonymous() -> ProviderRef {
    ProviderRef {
        label: ANONYMOUS_PROVIDERS.into(),
        organisation_id: None,
        anonymous: true,
    }
}

/// Statuses in the domain's order: not started, on track, at risk, off track, complete,
/// dropped.
fn progress(
    provider: ProviderRef,
    plans: u32,
    [not_started, on_track, at_risk, off_track, complete, dropped]: [u32; 6],
    overdue: u32,
    stale: u32,
) -> ProviderProgress {
    let total = not_started + on_track + at_risk + off_track + complete + dropped;
    let base = total - dropped;
    ProviderProgress {
        provider,
        published_plans: plans,
        actions: ActionStatusCounts {
            not_started,
            on_track,
            at_risk,
            off_track,
            complete,
            dropped,
            total,
        },
        percent_complete: (base > 0)
            .then(|| (1000.0 * f64::from(complete) / f64::from(base)).round() / 10.0),
        overdue,
        stale,
    }
}

fn coverage_row(provider: ProviderRef, competencies: [u32; 8], pillars: [u32; 3]) -> CoverageRow {
    CoverageRow {
        provider,
        competencies: Competency::ALL
            .iter()
            .zip(competencies)
            .map(|(c, goals)| CoverageCell {
                key: c.as_str().into(),
                label: c.label().into(),
                goals,
            })
            .collect(),
        pillars: Pillar::ALL
            .iter()
            .zip(pillars)
            .map(|(p, goals)| CoverageCell {
                key: p.as_str().into(),
                label: p.label().into(),
                goals,
            })
            .collect(),
    }
}

/// A count after disclosure control; `None` is suppressed.
pub fn people(value: Option<u64>) -> PeopleCount {
    match value {
        Some(v) => {
            assert!(v == 0 || (v >= 10 && v % 5 == 0), "a controlled count");
            PeopleCount {
                value: Some(v),
                shown: v.to_string(),
            }
        }
        None => PeopleCount {
            value: None,
            shown: "*".into(),
        },
    }
}

fn feedback_row(
    label: &str,
    [received, acknowledged, responded, closed]: [Option<u64>; 4],
    median: Option<f64>,
) -> FeedbackRow {
    FeedbackRow {
        label: label.into(),
        organisation_id: (label != ABOUT_THE_ALLIANCE && label != "All feedback")
            .then(OrganisationId::new),
        received: people(received),
        acknowledged: people(acknowledged),
        responded: people(responded),
        closed: people(closed),
        median_days_to_first_response: median,
    }
}

fn milestone(
    title: &str,
    due: &str,
    done: Option<&str>,
    state: MilestoneState,
) -> MilestoneInPeriod {
    MilestoneInPeriod {
        title: title.into(),
        due_on: date(due),
        done_on: done.map(date),
        state,
    }
}

fn figure(
    key: &str,
    label: &str,
    unit: &str,
    value: Option<f64>,
    previous: Option<f64>,
) -> HeadlineFigure {
    let shown = match (unit, value) {
        ("people", None) => "*".to_owned(),
        (_, None) => "\u{2013}".to_owned(),
        ("percent", Some(v)) => format!("{v:.1}"),
        (_, Some(v)) => format!("{v:.0}"),
    };
    HeadlineFigure {
        key: key.into(),
        label: label.into(),
        unit: unit.into(),
        value,
        shown,
        previous,
        change: value.zip(previous).map(|(v, p)| v - p),
    }
}

pub fn sample_report() -> BoardReport {
    let alliance_id = AllianceId::new();
    let period_id = ReportingPeriodId::new();
    let period = PeriodRef {
        id: period_id,
        label: "2026-Q3".into(),
        starts_on: date("2026-07-01"),
        ends_on: date("2026-09-30"),
    };
    let previous = PeriodRef {
        id: ReportingPeriodId::new(),
        label: "2026-Q2".into(),
        starts_on: date("2026-04-01"),
        ends_on: date("2026-06-30"),
    };

    let providers = vec![
        progress(named(COASTAL), 2, [3, 9, 2, 1, 8, 1], 2, 1),
        progress(named(NORTHSHIRE), 1, [5, 4, 3, 2, 2, 0], 4, 3),
        progress(named(RIVERSIDE), 1, [1, 6, 0, 0, 5, 0], 0, 0),
        progress(anonymous(), 1, [2, 3, 1, 0, 1, 1], 1, 2),
    ];

    // Intersectionality: no provider row has a goal for it.
    let coverage = Coverage {
        rows: vec![
            coverage_row(named(COASTAL), [3, 2, 1, 2, 1, 4, 1, 0], [3, 4, 2]),
            coverage_row(named(NORTHSHIRE), [1, 0, 2, 1, 0, 2, 0, 0], [2, 1, 1]),
            coverage_row(named(RIVERSIDE), [2, 1, 0, 0, 1, 3, 2, 0], [1, 2, 2]),
            coverage_row(anonymous(), [0, 1, 1, 0, 0, 1, 0, 0], [1, 0, 1]),
        ],
        ethnic_groups: [
            (EthnicCategory::Indian, 2, 2),
            (EthnicCategory::Pakistani, 3, 2),
            (EthnicCategory::Bangladeshi, 2, 1),
            (EthnicCategory::Caribbean, 2, 2),
            (EthnicCategory::African, 3, 3),
        ]
        .iter()
        .map(|(c, priorities, providers)| EthnicGroupCoverage {
            code: c.as_str().into(),
            label: c.label().into(),
            broad_group: c.broad_group().map(|g| g.as_str().to_owned()),
            priorities: *priorities,
            providers: *providers,
        })
        .collect(),
    };

    let phase = |p: ProjectPhase| (p.as_str().to_owned(), p.label().to_owned());
    let (talking_key, talking_label) = phase(ProjectPhase::CoDesigningSolutions);
    let (listening_key, listening_label) = phase(ProjectPhase::IntelligenceGathering);
    let (interp_key, interp_label) = phase(ProjectPhase::DefiningProblems);
    let projects = vec![
        ProjectRollup {
            id: ProjectId::new(),
            title: "Community listening events with African and Caribbean churches".into(),
            lead_organisation: "Northshire African Caribbean Network".into(),
            phase: listening_key,
            phase_label: listening_label,
            rag: Some("green".into()),
            updates_in_period: 2,
            milestones_due: 2,
            milestones_done: 2,
            milestones_overdue: 0,
            milestones: vec![
                milestone(
                    "First listening event",
                    "2026-07-18",
                    Some("2026-07-18"),
                    MilestoneState::Done,
                ),
                milestone(
                    "Summary of what we heard",
                    "2026-08-29",
                    Some("2026-09-02"),
                    MilestoneState::Done,
                ),
            ],
        },
        ProjectRollup {
            id: ProjectId::new(),
            title: "Culturally adapted talking therapies for South Asian men".into(),
            lead_organisation: COASTAL.into(),
            phase: talking_key,
            phase_label: talking_label,
            rag: Some("amber".into()),
            updates_in_period: 1,
            milestones_due: 3,
            milestones_done: 1,
            milestones_overdue: 2,
            milestones: vec![
                milestone(
                    "Co-design workshop report",
                    "2026-06-15",
                    None,
                    MilestoneState::Overdue,
                ),
                milestone(
                    "Therapist training in adapted CBT",
                    "2026-07-31",
                    Some("2026-08-06"),
                    MilestoneState::Done,
                ),
                milestone(
                    "Pilot referral pathway agreed",
                    "2026-08-28",
                    None,
                    MilestoneState::Overdue,
                ),
                milestone(
                    "Pilot starts in two teams",
                    "2026-09-25",
                    None,
                    MilestoneState::Due,
                ),
            ],
        },
        ProjectRollup {
            id: ProjectId::new(),
            title: "Interpreter access in crisis services".into(),
            lead_organisation: NORTHSHIRE.into(),
            phase: interp_key,
            phase_label: interp_label,
            rag: None,
            updates_in_period: 0,
            milestones_due: 0,
            milestones_done: 0,
            milestones_overdue: 0,
            milestones: Vec::new(),
        },
    ];
    let by_phase = ProjectPhase::ALL
        .iter()
        .map(|p| PhaseCount {
            phase: p.as_str().into(),
            label: p.label().into(),
            projects: projects.iter().filter(|x| x.phase == p.as_str()).count() as u32,
        })
        .collect();

    let feedback = FeedbackRollup {
        rows: vec![
            feedback_row(
                COASTAL,
                [Some(25), Some(20), Some(15), Some(10)],
                Some(12.0),
            ),
            feedback_row(HILLSIDE, [Some(10), Some(10), None, None], None),
            feedback_row(NORTHSHIRE, [Some(15), Some(15), Some(10), None], Some(9.5)),
            feedback_row(RIVERSIDE, [None, None, Some(0), Some(0)], None),
            feedback_row(
                ABOUT_THE_ALLIANCE,
                [Some(10), Some(10), Some(10), None],
                Some(14.0),
            ),
        ],
        total: feedback_row(
            "All feedback",
            [Some(65), Some(60), Some(40), None],
            Some(11.5),
        ),
    };

    let learning = LearningRollup {
        items_shared: 3,
        by_category: LearningCategory::ALL
            .iter()
            .zip([0, 1, 0, 3, 1])
            .map(|(c, items)| CategoryCount {
                key: c.as_str().into(),
                label: c.label().into(),
                items,
            })
            .collect(),
        items: vec![
            LearningShared {
                title: "Peer supporters in inpatient wards".into(),
                shared_by: RIVERSIDE.into(),
                shared_on: date("2026-09-08"),
            },
            LearningShared {
                title: "What we learned from a year of community co-production".into(),
                shared_by: "An organisation in Northshire Mental Health Alliance".into(),
                shared_on: date("2026-08-12"),
            },
            LearningShared {
                title: "Recruiting a workforce that reflects the community".into(),
                shared_by: COASTAL.into(),
                shared_on: date("2026-07-09"),
            },
        ],
        templates_adopted: 2,
        adoptions: vec![
            TemplateAdopted {
                template_name: "Community listening event plan".into(),
                adopted_by: NORTHSHIRE.into(),
                adopted_on: date("2026-08-20"),
            },
            TemplateAdopted {
                template_name: "PCREF action-planning tool (four stages)".into(),
                adopted_by: "Northshire African Caribbean Network".into(),
                adopted_on: date("2026-07-15"),
            },
        ],
    };

    let headline = vec![
        figure(
            "published_plans",
            "Published action plans",
            "count",
            Some(5.0),
            Some(4.0),
        ),
        figure("actions", "Actions", "count", Some(60.0), Some(52.0)),
        figure(
            "percent_complete",
            "Actions complete (%)",
            "percent",
            Some(27.6),
            Some(21.2),
        ),
        figure(
            "overdue_actions",
            "Overdue actions",
            "count",
            Some(7.0),
            Some(9.0),
        ),
        figure(
            "stale_actions",
            "Stale actions",
            "count",
            Some(6.0),
            Some(6.0),
        ),
        figure(
            "joint_projects",
            "Joint projects",
            "count",
            Some(3.0),
            Some(2.0),
        ),
        figure(
            "milestones_done",
            "Milestones done",
            "count",
            Some(3.0),
            Some(4.0),
        ),
        figure(
            "milestones_overdue",
            "Milestones overdue",
            "count",
            Some(2.0),
            Some(1.0),
        ),
        // A change of 5 between two rounded counts about people: never to be shown.
        figure(
            "feedback_received",
            "Feedback received",
            "people",
            Some(65.0),
            Some(60.0),
        ),
        figure(
            "feedback_closed",
            "Feedback closed",
            "people",
            None,
            Some(15.0),
        ),
        figure(
            "learning_items_shared",
            "Learning items shared",
            "count",
            Some(3.0),
            Some(1.0),
        ),
        figure(
            "templates_adopted",
            "Templates adopted",
            "count",
            Some(2.0),
            None,
        ),
    ];

    BoardReport {
        id: BoardReportId::new(),
        alliance_id,
        period_id,
        version: 1,
        issued_at: time("2026-09-15T09:30:00Z"),
        issued_by: Some(UserId::new()),
        issued_by_name: "Amara Okafor".into(),
        rollup: Rollup {
            alliance_id,
            alliance_name: "Northshire Mental Health Alliance".into(),
            period,
            previous_period: Some(previous),
            as_of: date("2026-09-14"),
            headline,
            providers,
            coverage,
            projects: ProjectsRollup {
                projects,
                by_phase,
                milestones_due: 5,
                milestones_done: 3,
                milestones_overdue: 2,
            },
            feedback,
            learning,
        },
    }
}

/// A report of a period in which nothing had been published or done.
pub fn empty_report() -> BoardReport {
    let mut r = sample_report();
    let rollup = &mut r.rollup;
    rollup.previous_period = None;
    for h in &mut rollup.headline {
        h.previous = None;
        h.change = None;
    }
    rollup.providers.clear();
    rollup.coverage.rows.clear();
    rollup.coverage.ethnic_groups.clear();
    rollup.projects.projects.clear();
    for p in &mut rollup.projects.by_phase {
        p.projects = 0;
    }
    rollup.projects.milestones_due = 0;
    rollup.projects.milestones_done = 0;
    rollup.projects.milestones_overdue = 0;
    rollup.feedback.rows = vec![feedback_row(ABOUT_THE_ALLIANCE, [Some(0); 4], None)];
    rollup.feedback.total = feedback_row("All feedback", [Some(0); 4], None);
    rollup.learning.items_shared = 0;
    rollup.learning.items.clear();
    rollup.learning.templates_adopted = 0;
    rollup.learning.adoptions.clear();
    for c in &mut rollup.learning.by_category {
        c.items = 0;
    }
    r
}
