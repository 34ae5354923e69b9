//! The issued board report as HTML: the board paper and the CEO forum's one-page brief.
//!
//! The templates (`templates/*.html`) are compiled into the binary and loaded once; HTML
//! escaping is on for all of them. Everything the templates show is prepared here as plain
//! strings and numbers (see [`PaperView`]), and the charts' geometry in [`crate::charts`], so
//! the templates hold layout only.
//!
//! The pages are self-contained: no script, no external resource (styles and SVG charts
//! inline), so they work under `default-src 'none'; style-src 'unsafe-inline'; img-src data:`.

use std::sync::OnceLock;

use minijinja::{Environment, UndefinedBehavior, Value};
use pcref_domain::{
    BoardReport, Competency, FeedbackRow, HeadlineFigure, Pillar, ProviderProgress, Rollup,
};
use serde::Serialize;

use crate::charts::{
    competency_goals, heatmap, pillar_goals, status_bars, timeline, Heatmap, StatusBars, Timeline,
};
use crate::charts::{funnel, Funnel};
use crate::figures::{
    broad_group_label, direction, long_date, long_time, medium_date, milestone_state_key,
    milestone_state_label, one_decimal, percent_shown, rag_label, status_counts, Direction,
    NONE_SHOWN, STATUSES, UNIT_PEOPLE, UNIT_PERCENT,
};
use crate::{slug, ReportError, MAX_SLUG};

/// Where the other renderings of the same report can be downloaded, as the server links them
/// (absolute paths such as `/api/v1/reports/<id>/rollup.csv`, or absolute `https` URLs). Only
/// the links present are shown, and never in print.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportLinks {
    pub csv: Option<String>,
    pub xlsx: Option<String>,
    pub ceo_brief: Option<String>,
    pub board: Option<String>,
}

// ---- the template environment -------------------------------------------------------------

const TEMPLATES: [(&str, &str); 5] = [
    ("base.html", include_str!("../templates/base.html")),
    ("charts.html", include_str!("../templates/charts.html")),
    ("parts.html", include_str!("../templates/parts.html")),
    ("board.html", include_str!("../templates/board.html")),
    (
        "ceo_brief.html",
        include_str!("../templates/ceo_brief.html"),
    ),
];

/// The templates, compiled once. A template that does not compile is an error of every render
/// (a test renders them all), never a panic.
fn environment() -> Result<&'static Environment<'static>, ReportError> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // `.html` templates escape HTML (minijinja's default for the extension).
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| format!("{e:#}"))?;
        }
        Ok(env)
    })
    .as_ref()
    .map_err(|e| ReportError::Template(e.clone()))
}

fn render(name: &str, view: &PaperView) -> Result<String, ReportError> {
    let env = environment()?;
    let template = env.get_template(name)?;
    Ok(template.render(view)?)
}

/// The board paper of an issued report, as one self-contained HTML page, ready to print on
/// A4: title block, headline figures with their change since the previous period, then
/// provider progress, coverage, joint projects, the feedback loop, and learning shared and
/// templates adopted, with four inline SVG charts (each with a text alternative and a table of
/// its figures).
pub fn board_html(report: &BoardReport, links: &ReportLinks) -> Result<String, ReportError> {
    render("board.html", &PaperView::new(report, links, false))
}

/// The CEO forum's brief on the same report: headline figures with their change, up to five
/// key messages drawn from the figures, and one small chart. Fits one A4 page in print.
pub fn ceo_brief_html(report: &BoardReport, links: &ReportLinks) -> Result<String, ReportError> {
    render("ceo_brief.html", &PaperView::new(report, links, true))
}

/// A safe download file name for a rendering of the report, such as
/// `board-report-2026-q3-v1.csv`: ASCII, lower case, from the period's label and the
/// report's version. `ext` is `"html"`, `"csv"`, `"xlsx"`… (cleaned the same way).
pub fn report_file_name(report: &BoardReport, ext: &str) -> String {
    let mut name = String::from("board-report");
    let period = slug(&report.rollup.period.label, MAX_SLUG);
    if !period.is_empty() {
        name.push('-');
        name.push_str(&period);
    }
    name.push_str(&format!("-v{}", report.version));
    let ext = slug(ext, 10).replace('-', "");
    if !ext.is_empty() {
        name.push('.');
        name.push_str(&ext);
    }
    name
}

// ---- what the templates show --------------------------------------------------------------

#[derive(Debug, Serialize)]
struct PaperView {
    meta: Meta,
    headline: Vec<HeadlineView>,
    statuses: Vec<&'static str>,
    providers: Vec<ProviderView>,
    status_bars: StatusBars,
    coverage: CoverageView,
    heatmap: Heatmap,
    projects: ProjectsView,
    timeline: Timeline,
    feedback: FeedbackView,
    funnel: Funnel,
    learning: LearningView,
    /// The CEO brief's key messages (empty for the board paper).
    messages: Vec<Message>,
    links: LinksView,
}

#[derive(Debug, Serialize)]
struct Meta {
    alliance: String,
    period_label: String,
    period_dates: String,
    as_of: String,
    /// Whether the figures were taken before the period's end.
    running: bool,
    previous_period: Option<String>,
    version: u32,
    issued_at: String,
    issued_by: String,
}

#[derive(Debug, Serialize)]
struct HeadlineView {
    key: String,
    label: String,
    shown: String,
    people: bool,
    /// "up", "down", "same" or "none".
    direction: &'static str,
    arrow: &'static str,
    /// The change in words: "up 3", "down 2.5 points", "higher than the previous period".
    change: String,
    /// "Previous period: 12" or "No previous period".
    previous: String,
}

#[derive(Debug, Serialize)]
struct ProviderView {
    label: String,
    anonymous: bool,
    plans: u32,
    /// In [`STATUSES`] order.
    statuses: [u32; 6],
    total: u32,
    percent: String,
    overdue: u32,
    stale: u32,
}

#[derive(Debug, Serialize)]
struct CoverageRowView {
    label: String,
    competencies: Vec<u32>,
    pillars: Vec<u32>,
}

#[derive(Debug, Serialize)]
struct EthnicGroupView {
    code: String,
    label: String,
    broad_group: String,
    priorities: u32,
    providers: u32,
}

#[derive(Debug, Serialize)]
struct CoverageView {
    competency_labels: Vec<&'static str>,
    pillar_labels: Vec<&'static str>,
    rows: Vec<CoverageRowView>,
    pillar_totals: Vec<u32>,
    /// Competencies no provider row's goals name.
    competency_gaps: Vec<&'static str>,
    pillar_gaps: Vec<&'static str>,
    ethnic_groups: Vec<EthnicGroupView>,
}

#[derive(Debug, Serialize)]
struct MilestoneView {
    title: String,
    due_on: String,
    done_on: String,
    state: &'static str,
    state_label: &'static str,
}

#[derive(Debug, Serialize)]
struct ProjectView {
    title: String,
    lead: String,
    phase: String,
    rag: String,
    /// "red", "amber", "green" or "none", for the badge's tint.
    rag_key: String,
    updates: u32,
    due: u32,
    done: u32,
    overdue: u32,
    milestones: Vec<MilestoneView>,
}

#[derive(Debug, Serialize)]
struct PhaseView {
    label: String,
    projects: u32,
}

#[derive(Debug, Serialize)]
struct ProjectsView {
    projects: Vec<ProjectView>,
    by_phase: Vec<PhaseView>,
    due: u32,
    done: u32,
    overdue: u32,
    milestones: usize,
}

#[derive(Debug, Serialize)]
struct FeedbackRowView {
    label: String,
    received: String,
    acknowledged: String,
    responded: String,
    closed: String,
    median_days: String,
}

#[derive(Debug, Serialize)]
struct FeedbackView {
    rows: Vec<FeedbackRowView>,
    total: FeedbackRowView,
    any_suppressed: bool,
}

#[derive(Debug, Serialize)]
struct DatedItem {
    title: String,
    by: String,
    on: String,
}

#[derive(Debug, Serialize)]
struct CategoryView {
    label: String,
    items: u32,
}

#[derive(Debug, Serialize)]
struct LearningView {
    items_shared: u32,
    by_category: Vec<CategoryView>,
    items: Vec<DatedItem>,
    templates_adopted: u32,
    adoptions: Vec<DatedItem>,
}

#[derive(Debug, Serialize)]
struct Message {
    lead: &'static str,
    text: String,
}

#[derive(Debug, Serialize)]
struct LinksView {
    any: bool,
    csv: Option<Value>,
    xlsx: Option<Value>,
    ceo_brief: Option<Value>,
    board: Option<Value>,
}

/// A link as an `href` value: checked by [`safe_link`], then escaped here for a quoted
/// attribute and marked safe, so that the templates' escaping does not turn every `/` of the
/// path into `&#x2f;`.
fn href(link: &Option<String>) -> Option<Value> {
    let link = safe_link(link)?;
    let mut out = String::with_capacity(link.len());
    for c in link.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Some(Value::from_safe_string(out))
}

/// Keeps only links the server could have made: absolute `http(s)` URLs and paths (no
/// `javascript:` or other scheme, no protocol-relative `//host`).
fn safe_link(link: &Option<String>) -> Option<String> {
    let link = link.as_deref()?.trim();
    let lower = link.to_ascii_lowercase();
    let ok = if lower.starts_with("https://") || lower.starts_with("http://") {
        true
    } else {
        let head = link.split(['/', '?', '#']).next().unwrap_or_default();
        !link.is_empty() && !link.starts_with("//") && !head.contains(':')
    };
    ok.then(|| link.to_owned())
}

impl PaperView {
    fn new(report: &BoardReport, links: &ReportLinks, ceo: bool) -> PaperView {
        let r = &report.rollup;
        let links = LinksView {
            csv: href(&links.csv),
            xlsx: href(&links.xlsx),
            ceo_brief: href(&links.ceo_brief),
            board: href(&links.board),
            any: false,
        };
        let links = LinksView {
            any: links.csv.is_some()
                || links.xlsx.is_some()
                || links.ceo_brief.is_some()
                || links.board.is_some(),
            ..links
        };
        PaperView {
            meta: meta(report),
            headline: r.headline.iter().map(|h| headline_view(r, h)).collect(),
            statuses: STATUSES.iter().map(|(_, label)| *label).collect(),
            providers: r.providers.iter().map(provider_view).collect(),
            status_bars: status_bars(&r.providers, ceo),
            coverage: coverage_view(r),
            heatmap: heatmap(&r.coverage.rows),
            projects: projects_view(r),
            timeline: timeline(&r.period, r.as_of, &r.projects.projects),
            feedback: feedback_view(r),
            funnel: funnel(&r.feedback.total, r.as_of),
            learning: learning_view(r),
            messages: if ceo { key_messages(r) } else { Vec::new() },
            links,
        }
    }
}

fn meta(report: &BoardReport) -> Meta {
    let r = &report.rollup;
    Meta {
        alliance: r.alliance_name.clone(),
        period_label: r.period.label.clone(),
        period_dates: format!(
            "{} to {}",
            long_date(r.period.starts_on),
            long_date(r.period.ends_on)
        ),
        as_of: long_date(r.as_of),
        running: r.as_of < r.period.ends_on,
        previous_period: r.previous_period.as_ref().map(|p| {
            format!(
                "{} ({} to {})",
                p.label,
                long_date(p.starts_on),
                long_date(p.ends_on)
            )
        }),
        version: report.version,
        issued_at: long_time(report.issued_at),
        issued_by: report.issued_by_name.clone(),
    }
}

fn headline_view(r: &Rollup, h: &HeadlineFigure) -> HeadlineView {
    let people = h.unit == UNIT_PEOPLE;
    let percent = h.unit == UNIT_PERCENT;
    let number = |x: f64| {
        if percent {
            format!("{}%", one_decimal(x))
        } else {
            crate::figures::count(x)
        }
    };
    let shown = if percent && h.value.is_some() && !h.shown.ends_with('%') {
        format!("{}%", h.shown)
    } else {
        h.shown.clone()
    };
    let previous = match (&r.previous_period, h.previous) {
        (None, _) => "No previous period".to_owned(),
        (Some(p), Some(x)) => format!("{}: {}", p.label, number(x)),
        (Some(p), None) => format!("{}: {NONE_SHOWN}", p.label),
    };
    let magnitude = |c: f64| {
        if percent {
            format!("{} points", one_decimal(c.abs()))
        } else {
            crate::figures::count(c.abs())
        }
    };
    let (dir, arrow, change) = match direction(h) {
        None => ("none", "", "no comparison".to_owned()),
        Some(Direction::Same) => ("same", "=", "no change".to_owned()),
        // Counts about people: the direction only, never the difference.
        Some(Direction::Up) if people => ("up", "\u{25B2}", "higher".to_owned()),
        Some(Direction::Down) if people => ("down", "\u{25BC}", "lower".to_owned()),
        Some(Direction::Up) => (
            "up",
            "\u{25B2}",
            format!("up {}", h.change.map(magnitude).unwrap_or_default()),
        ),
        Some(Direction::Down) => (
            "down",
            "\u{25BC}",
            format!("down {}", h.change.map(magnitude).unwrap_or_default()),
        ),
    };
    HeadlineView {
        key: h.key.clone(),
        label: h.label.clone(),
        shown,
        people,
        direction: dir,
        arrow,
        change: change.trim_end().to_owned(),
        previous,
    }
}

fn provider_view(p: &ProviderProgress) -> ProviderView {
    ProviderView {
        label: p.provider.label.clone(),
        anonymous: p.provider.anonymous,
        plans: p.published_plans,
        statuses: status_counts(&p.actions),
        total: p.actions.total,
        percent: percent_shown(p.percent_complete),
        overdue: p.overdue,
        stale: p.stale,
    }
}

fn coverage_view(r: &Rollup) -> CoverageView {
    let rows = &r.coverage.rows;
    let competency_totals: Vec<u32> = Competency::ALL
        .iter()
        .map(|c| {
            rows.iter()
                .map(|row| competency_goals(row, c.as_str()))
                .sum()
        })
        .collect();
    let pillar_totals: Vec<u32> = Pillar::ALL
        .iter()
        .map(|p| rows.iter().map(|row| pillar_goals(row, p.as_str())).sum())
        .collect();
    CoverageView {
        competency_labels: Competency::ALL.iter().map(|c| c.label()).collect(),
        pillar_labels: Pillar::ALL.iter().map(|p| p.label()).collect(),
        rows: rows
            .iter()
            .map(|row| CoverageRowView {
                label: row.provider.label.clone(),
                competencies: Competency::ALL
                    .iter()
                    .map(|c| competency_goals(row, c.as_str()))
                    .collect(),
                pillars: Pillar::ALL
                    .iter()
                    .map(|p| pillar_goals(row, p.as_str()))
                    .collect(),
            })
            .collect(),
        competency_gaps: Competency::ALL
            .iter()
            .zip(&competency_totals)
            .filter(|(_, t)| **t == 0)
            .map(|(c, _)| c.label())
            .collect(),
        pillar_gaps: Pillar::ALL
            .iter()
            .zip(&pillar_totals)
            .filter(|(_, t)| **t == 0)
            .map(|(p, _)| p.label())
            .collect(),
        pillar_totals,
        ethnic_groups: r
            .coverage
            .ethnic_groups
            .iter()
            .map(|g| EthnicGroupView {
                code: g.code.clone(),
                label: g.label.clone(),
                broad_group: broad_group_label(g.broad_group.as_deref()),
                priorities: g.priorities,
                providers: g.providers,
            })
            .collect(),
    }
}

fn projects_view(r: &Rollup) -> ProjectsView {
    let p = &r.projects;
    ProjectsView {
        projects: p
            .projects
            .iter()
            .map(|project| ProjectView {
                title: project.title.clone(),
                lead: project.lead_organisation.clone(),
                phase: project.phase_label.clone(),
                rag: if project.rag.is_some() {
                    rag_label(project.rag.as_deref())
                } else {
                    "No update".to_owned()
                },
                rag_key: project
                    .rag
                    .as_deref()
                    .filter(|k| matches!(*k, "red" | "amber" | "green"))
                    .unwrap_or("none")
                    .to_owned(),
                updates: project.updates_in_period,
                due: project.milestones_due,
                done: project.milestones_done,
                overdue: project.milestones_overdue,
                milestones: project
                    .milestones
                    .iter()
                    .map(|m| MilestoneView {
                        title: m.title.clone(),
                        due_on: medium_date(m.due_on),
                        done_on: m.done_on.map(medium_date).unwrap_or_default(),
                        state: milestone_state_key(m.state),
                        state_label: milestone_state_label(m.state),
                    })
                    .collect(),
            })
            .collect(),
        by_phase: p
            .by_phase
            .iter()
            .map(|ph| PhaseView {
                label: ph.label.clone(),
                projects: ph.projects,
            })
            .collect(),
        due: p.milestones_due,
        done: p.milestones_done,
        overdue: p.milestones_overdue,
        milestones: p.projects.iter().map(|x| x.milestones.len()).sum(),
    }
}

fn feedback_row_view(row: &FeedbackRow) -> FeedbackRowView {
    FeedbackRowView {
        label: row.label.clone(),
        received: row.received.shown.clone(),
        acknowledged: row.acknowledged.shown.clone(),
        responded: row.responded.shown.clone(),
        closed: row.closed.shown.clone(),
        median_days: row
            .median_days_to_first_response
            .map_or_else(|| NONE_SHOWN.to_owned(), one_decimal),
    }
}

fn feedback_view(r: &Rollup) -> FeedbackView {
    let f = &r.feedback;
    let any_suppressed = f.rows.iter().chain([&f.total]).any(|row| {
        [
            &row.received,
            &row.acknowledged,
            &row.responded,
            &row.closed,
        ]
        .iter()
        .any(|c| c.value.is_none())
    });
    FeedbackView {
        rows: f.rows.iter().map(feedback_row_view).collect(),
        total: feedback_row_view(&f.total),
        any_suppressed,
    }
}

fn learning_view(r: &Rollup) -> LearningView {
    let l = &r.learning;
    LearningView {
        items_shared: l.items_shared,
        by_category: l
            .by_category
            .iter()
            .map(|c| CategoryView {
                label: c.label.clone(),
                items: c.items,
            })
            .collect(),
        items: l
            .items
            .iter()
            .map(|i| DatedItem {
                title: i.title.clone(),
                by: i.shared_by.clone(),
                on: medium_date(i.shared_on),
            })
            .collect(),
        templates_adopted: l.templates_adopted,
        adoptions: l
            .adoptions
            .iter()
            .map(|a| DatedItem {
                title: a.template_name.clone(),
                by: a.adopted_by.clone(),
                on: medium_date(a.adopted_on),
            })
            .collect(),
    }
}

// ---- the CEO brief's key messages ---------------------------------------------------------

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "A", "A and B", "A, B and C".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Up to five messages, each drawn from the figures alone: progress, the provider row with
/// the most overdue actions, coverage gaps, joint-project milestones and the feedback loop.
fn key_messages(r: &Rollup) -> Vec<Message> {
    let mut out = Vec::new();
    let as_of = long_date(r.as_of);

    // Progress.
    if r.providers.is_empty() {
        out.push(Message {
            lead: "Progress",
            text: format!("No provider had published an action plan by {as_of}."),
        });
    } else {
        let total: u32 = r.providers.iter().map(|p| p.actions.total).sum();
        let complete: u32 = r.providers.iter().map(|p| p.actions.complete).sum();
        let dropped: u32 = r.providers.iter().map(|p| p.actions.dropped).sum();
        let plans: u32 = r.providers.iter().map(|p| p.published_plans).sum();
        let share = r
            .headline("percent_complete")
            .and_then(|h| h.value)
            .map(|p| format!(" ({}%)", one_decimal(p)))
            .unwrap_or_default();
        let text = if total == dropped {
            format!(
                "{} published, with no action under way or complete yet.",
                plural(plans, "plan", "plans")
            )
        } else {
            format!(
                "{} across {} published: {complete} of the {} not dropped are complete{share}.",
                plural(total, "action", "actions"),
                plural(plans, "plan", "plans"),
                total - dropped
            )
        };
        out.push(Message {
            lead: "Progress",
            text,
        });
    }

    // The most overdue provider row(s).
    let overdue_total: u32 = r.providers.iter().map(|p| p.overdue).sum();
    let max_overdue = r.providers.iter().map(|p| p.overdue).max().unwrap_or(0);
    if !r.providers.is_empty() {
        let text = if max_overdue == 0 {
            "No action was overdue.".to_owned()
        } else {
            let top: Vec<String> = r
                .providers
                .iter()
                .filter(|p| p.overdue == max_overdue)
                .map(|p| p.provider.label.clone())
                .collect();
            let who = if top.len() == 1 {
                format!(
                    "{} has the most ({max_overdue} of {})",
                    top[0],
                    plural(
                        r.providers
                            .iter()
                            .find(|p| p.overdue == max_overdue)
                            .map_or(0, |p| p.actions.total),
                        "action",
                        "actions"
                    )
                )
            } else {
                format!("{} have the most ({max_overdue} each)", and_list(&top))
            };
            format!(
                "{} overdue across the alliance; {who}.",
                plural(overdue_total, "action is", "actions are")
            )
        };
        out.push(Message {
            lead: "Overdue",
            text,
        });
    }

    // Coverage gaps.
    let coverage = coverage_view(r);
    let text = if r.coverage.rows.is_empty() {
        "No published goal names a cultural competency yet.".to_owned()
    } else if coverage.competency_gaps.is_empty() {
        "Every cultural competency is named by at least one provider's goals.".to_owned()
    } else {
        let gaps: Vec<String> = coverage
            .competency_gaps
            .iter()
            .map(|g| (*g).to_owned())
            .collect();
        format!(
            "No provider has a goal for {}.",
            and_list(&gaps).to_lowercase()
        )
    };
    let text = if coverage.pillar_gaps.is_empty() || r.coverage.rows.is_empty() {
        text
    } else {
        let gaps: Vec<String> = coverage
            .pillar_gaps
            .iter()
            .map(|g| (*g).to_owned())
            .collect();
        format!(
            "{text} No goal sits under the {} pillar.",
            and_list(&gaps).to_lowercase()
        )
    };
    out.push(Message {
        lead: "Coverage",
        text,
    });

    // Joint-project milestones.
    let p = &r.projects;
    let text = if p.projects.is_empty() {
        "No joint projects were under way in this period.".to_owned()
    } else if p.milestones_overdue == 0 {
        format!(
            "{} under way; no milestone is overdue and {} done in the period.",
            plural(
                u32::try_from(p.projects.len()).unwrap_or(u32::MAX),
                "joint project",
                "joint projects"
            ),
            plural(p.milestones_done, "was", "were")
        )
    } else {
        let overdue: Vec<String> = p
            .projects
            .iter()
            .flat_map(|project| {
                project
                    .milestones
                    .iter()
                    .filter(|m| m.state == pcref_domain::MilestoneState::Overdue)
                    .map(move |m| format!("{} ({})", m.title, project.title))
            })
            .collect();
        let shown: Vec<String> = overdue.iter().take(3).cloned().collect();
        let more = overdue.len().saturating_sub(shown.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(
            "{} overdue: {}{more}; {} done in the period.",
            plural(p.milestones_overdue, "milestone is", "milestones are"),
            shown.join("; "),
            p.milestones_done
        )
    };
    out.push(Message {
        lead: "Joint projects",
        text,
    });

    // The feedback loop: shown counts only.
    let t = &r.feedback.total;
    let median = t
        .median_days_to_first_response
        .map(|d| format!("; a first response took {} days (median)", one_decimal(d)))
        .unwrap_or_default();
    out.push(Message {
        lead: "Feedback loop",
        text: format!(
            "{} feedback items received, {} acknowledged, {} responded to and {} closed by \
             {as_of}{median}. Counts are rounded to the nearest five; * is suppressed.",
            t.received.shown, t.acknowledged.shown, t.responded.shown, t.closed.shown
        ),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_links_the_server_could_make_are_kept() {
        let keep = |s: &str| safe_link(&Some(s.to_owned()));
        assert_eq!(
            keep("/api/v1/reports/x/rollup.csv").as_deref(),
            Some("/api/v1/reports/x/rollup.csv")
        );
        assert!(keep("https://hub.example.nhs.uk/shared/reports/abc").is_some());
        assert!(keep("rollup.csv").is_some());
        assert!(keep("javascript:alert(1)").is_none());
        assert!(keep(" JavaScript:alert(1)").is_none());
        assert!(keep("//evil.example/x").is_none());
        assert!(keep("data:text/html,x").is_none());
        assert!(keep("").is_none());
        assert!(safe_link(&None).is_none());
    }

    #[test]
    fn lists_read_as_english() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(and_list(&s(&[])), "");
        assert_eq!(and_list(&s(&["A"])), "A");
        assert_eq!(and_list(&s(&["A", "B"])), "A and B");
        assert_eq!(and_list(&s(&["A", "B", "C"])), "A, B and C");
    }

    #[test]
    fn every_template_compiles() {
        let env = environment().expect("templates compile");
        for (name, _) in TEMPLATES {
            env.get_template(name).expect(name);
        }
    }
}
