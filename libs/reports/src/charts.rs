//! The geometry of the board paper's charts. Everything is computed here, in SVG user units
//! (one unit is one CSS pixel at full width: 680 units fit the 180 mm text column of an A4
//! page); the templates in `templates/charts.html` only draw it, so every label goes through
//! the templates' HTML escaping.
//!
//! Colours are the Okabe–Ito palette, which stays distinguishable with the common forms of
//! colour blindness; colour is never the only cue: every series is named in a legend and, where
//! it fits, in the chart itself, markers differ in shape, and every number is written out.

use chrono::{Datelike, NaiveDate};
use pcref_domain::{
    Competency, CoverageRow, FeedbackRow, MilestoneState, PeriodRef, ProjectRollup,
    ProviderProgress,
};
use serde::Serialize;

use crate::figures::{people, short_date, status_counts, suppressed, STATUSES};

/// The width of every chart, in SVG units.
const WIDTH: f64 = 680.0;
/// The approximate width of a character, as a share of the font size.
const CHAR_WIDTH: f64 = 0.6;

/// The Okabe–Ito palette.
pub(crate) mod palette {
    pub const ORANGE: &str = "#E69F00";
    pub const SKY_BLUE: &str = "#56B4E9";
    pub const BLUISH_GREEN: &str = "#009E73";
    pub const BLUE: &str = "#0072B2";
    pub const VERMILLION: &str = "#D55E00";
    pub const REDDISH_PURPLE: &str = "#CC79A7";
    pub const BLACK: &str = "#000000";
    pub const WHITE: &str = "#FFFFFF";
}

/// Fill and text colour of each action status, in [`STATUSES`] order. Text on each fill has a
/// contrast ratio of at least 4.5:1.
const STATUS_COLOURS: [(&str, &str); 6] = [
    (palette::BLUISH_GREEN, palette::BLACK),
    (palette::BLUE, palette::WHITE),
    (palette::ORANGE, palette::BLACK),
    (palette::VERMILLION, palette::WHITE),
    (palette::SKY_BLUE, palette::BLACK),
    (palette::REDDISH_PURPLE, palette::BLACK),
];

/// Rounds a coordinate to one decimal place, to keep the SVG short.
fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A label cut to fit `max_chars` characters, with an ellipsis when cut.
pub(crate) fn fit(label: &str, max_chars: usize) -> String {
    if label.chars().count() <= max_chars {
        return label.to_owned();
    }
    let kept: String = label.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}\u{2026}", kept.trim_end())
}

/// A label broken into at most `max_lines` lines of at most `max_chars` characters, at spaces;
/// what does not fit is cut with an ellipsis.
pub(crate) fn wrap(label: &str, max_chars: usize, max_lines: usize) -> Vec<String> {
    if max_lines <= 1 {
        return vec![fit(label, max_chars)];
    }
    let words: Vec<&str> = label.split_whitespace().collect();
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let len = current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if current.is_empty() || len <= max_chars {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
            i += 1;
        } else {
            lines.push(std::mem::take(&mut current));
            if lines.len() + 1 >= max_lines {
                break;
            }
        }
    }
    let rest = words[i..].join(" ");
    if !rest.is_empty() {
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&rest);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines.into_iter().map(|l| fit(&l, max_chars)).collect()
}

/// One line of a label, with its baseline.
#[derive(Debug, Serialize)]
pub(crate) struct LabelLine {
    pub y: f64,
    pub text: String,
}

/// The lines of a label centred vertically on `centre`.
fn label_lines(lines: Vec<String>, centre: f64, font_size: f64) -> Vec<LabelLine> {
    let line_height = font_size * 1.2;
    let n = lines.len().max(1) as f64;
    let first = centre - (n - 1.0) * line_height / 2.0 + font_size * 0.35;
    lines
        .into_iter()
        .enumerate()
        .map(|(i, text)| LabelLine {
            y: r1(first + i as f64 * line_height),
            text,
        })
        .collect()
}

/// The height of a row whose label has `lines` lines: at least `min`.
fn row_height_for(lines: usize, min: f64, font_size: f64) -> f64 {
    min.max(lines as f64 * font_size * 1.2 + 6.0)
}

fn chars_fitting(width: f64, font_size: f64) -> usize {
    // Widths are small positive numbers: the cast cannot overflow.
    (width / (font_size * CHAR_WIDTH)).floor().max(1.0) as usize
}

fn f(n: u32) -> f64 {
    f64::from(n)
}

/// An entry of a legend: a swatch (or marker) and its text.
#[derive(Debug, Serialize)]
pub(crate) struct LegendItem {
    pub x: f64,
    pub text_x: f64,
    pub fill: &'static str,
    pub label: String,
}

/// Lays legend entries out in one line from the left, with swatches of `swatch` units and
/// text of `font_size`.
fn legend_line(labels: &[(&'static str, String)], font_size: f64, swatch: f64) -> Vec<LegendItem> {
    let mut x = 0.0;
    labels
        .iter()
        .map(|(fill, label)| {
            let item = LegendItem {
                x: r1(x),
                text_x: r1(x + swatch + 4.0),
                fill,
                label: label.clone(),
            };
            x += swatch + 4.0 + label.chars().count() as f64 * font_size * CHAR_WIDTH + 14.0;
            item
        })
        .collect()
}

// ---- (1) actions by status, stacked bars per provider row --------------------------------

#[derive(Debug, Serialize)]
pub(crate) struct Segment {
    pub x: f64,
    pub width: f64,
    pub fill: &'static str,
    pub text_fill: &'static str,
    pub text_x: f64,
    /// The count, written in the bar when it fits.
    pub label: Option<String>,
    /// "On track: 5", for the tooltip.
    pub title: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct BarRow {
    /// The top of the bar.
    pub y: f64,
    /// The baseline of the numbers written in and after the bar.
    pub text_y: f64,
    pub label: Vec<LabelLine>,
    pub full_label: String,
    pub total: u32,
    pub total_x: f64,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Serialize)]
pub(crate) struct StatusBars {
    pub width: f64,
    pub height: f64,
    pub font_size: f64,
    pub bar_height: f64,
    pub label_x: f64,
    pub legend_y: f64,
    pub legend: Vec<LegendItem>,
    pub rows: Vec<BarRow>,
    /// The text alternative.
    pub desc: String,
}

pub(crate) fn status_bars(providers: &[ProviderProgress], compact: bool) -> StatusBars {
    let (font_size, row_height, bar_height) = if compact {
        (10.0, 18.0, 13.0)
    } else {
        (11.0, 24.0, 16.0)
    };
    let label_width = 210.0;
    let label_chars = chars_fitting(label_width, font_size);
    let bar_left = label_width + 8.0;
    // Room for the total at the end of the longest bar.
    let bar_width = WIDTH - bar_left - 44.0;
    let legend_top = 2.0;
    let rows_top = legend_top + 14.0 + if compact { 8.0 } else { 12.0 };
    let max_total = providers.iter().map(|p| p.actions.total).max().unwrap_or(0);

    let legend = legend_line(
        &STATUSES
            .iter()
            .zip(STATUS_COLOURS)
            .map(|((_, label), (fill, _))| (fill, (*label).to_owned()))
            .collect::<Vec<_>>(),
        font_size,
        11.0,
    );

    let mut rows = Vec::new();
    let mut desc_rows = Vec::new();
    let mut top = rows_top;
    for p in providers {
        let lines = wrap(&p.provider.label, label_chars, 2);
        let height = row_height_for(lines.len(), row_height, font_size);
        let centre = top + height / 2.0;
        let y = centre - bar_height / 2.0;
        top += height;
        let counts = status_counts(&p.actions);
        let mut x = bar_left;
        let mut segments = Vec::new();
        let mut parts = Vec::new();
        for ((count, (_, label)), (fill, text_fill)) in
            counts.iter().zip(STATUSES).zip(STATUS_COLOURS)
        {
            if *count == 0 {
                continue;
            }
            parts.push(format!("{count} {}", label.to_lowercase()));
            let width = if max_total == 0 {
                0.0
            } else {
                f(*count) / f(max_total) * bar_width
            };
            let digits = count.to_string().len() as f64;
            let fits = width >= digits * font_size * CHAR_WIDTH + 6.0;
            segments.push(Segment {
                x: r1(x),
                width: r1(width),
                fill,
                text_fill,
                text_x: r1(x + width / 2.0),
                label: fits.then(|| count.to_string()),
                title: format!("{label}: {count}"),
            });
            x += width;
        }
        let total = p.actions.total;
        rows.push(BarRow {
            y: r1(y),
            text_y: r1(centre + font_size * 0.35),
            label: label_lines(lines, centre, font_size),
            full_label: p.provider.label.clone(),
            total,
            total_x: r1(x + 5.0),
            segments,
        });
        desc_rows.push(if total == 0 {
            format!("{}: no actions", p.provider.label)
        } else {
            format!(
                "{}: {total} action{} ({})",
                p.provider.label,
                if total == 1 { "" } else { "s" },
                parts.join(", ")
            )
        });
    }
    let height = if providers.is_empty() {
        rows_top + row_height
    } else {
        top + 2.0
    };
    let desc = if providers.is_empty() {
        "No provider had published a plan, so there are no actions to show.".to_owned()
    } else {
        format!(
            "Stacked bars of each provider row's actions by status; bar length is the number \
             of actions. {}.",
            desc_rows.join("; ")
        )
    };
    StatusBars {
        width: WIDTH,
        height: r1(height),
        font_size,
        bar_height,
        label_x: label_width,
        legend_y: legend_top,
        legend,
        rows,
        desc,
    }
}

// ---- (2) competency coverage heatmap ------------------------------------------------------

#[derive(Debug, Serialize)]
pub(crate) struct HeatCell {
    pub x: f64,
    pub text_x: f64,
    pub goals: u32,
    /// 0 for an empty cell (drawn white with an outline).
    pub opacity: f64,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct HeatRow {
    pub y: f64,
    pub height: f64,
    pub text_y: f64,
    pub label: Vec<LabelLine>,
    pub full_label: String,
    pub total: bool,
    pub cells: Vec<HeatCell>,
}

#[derive(Debug, Serialize)]
pub(crate) struct HeatColumn {
    pub x: f64,
    pub label: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Heatmap {
    pub width: f64,
    pub height: f64,
    pub cell_width: f64,
    pub label_x: f64,
    pub header_y: f64,
    pub fill: &'static str,
    pub columns: Vec<HeatColumn>,
    pub rows: Vec<HeatRow>,
    pub desc: String,
}

/// Goals naming competency `key` in a coverage row (0 when the row has no such cell).
pub(crate) fn competency_goals(row: &CoverageRow, key: &str) -> u32 {
    row.competencies
        .iter()
        .find(|c| c.key == key)
        .map_or(0, |c| c.goals)
}

/// Goals with pillar `key` in a coverage row.
pub(crate) fn pillar_goals(row: &CoverageRow, key: &str) -> u32 {
    row.pillars
        .iter()
        .find(|c| c.key == key)
        .map_or(0, |c| c.goals)
}

pub(crate) fn heatmap(rows: &[CoverageRow]) -> Heatmap {
    let font_size = 11.0;
    let label_width = 190.0;
    let cell_width = 52.0;
    let cell_height = 24.0;
    // Column headings are written at 45°: the longest ("Staff knowledge and awareness") needs
    // about 140 units of height in a wide font.
    let header_height = 150.0;
    let grid_left = label_width + 8.0;

    let columns: Vec<HeatColumn> = Competency::ALL
        .iter()
        .enumerate()
        .map(|(c, comp)| HeatColumn {
            x: r1(grid_left + (c as f64 + 0.5) * cell_width),
            label: comp.label().to_owned(),
        })
        .collect();

    let totals: Vec<u32> = Competency::ALL
        .iter()
        .map(|comp| {
            rows.iter()
                .map(|r| competency_goals(r, comp.as_str()))
                .sum()
        })
        .collect();
    let max = rows
        .iter()
        .flat_map(|r| {
            Competency::ALL
                .iter()
                .map(|comp| competency_goals(r, comp.as_str()))
        })
        .max()
        .unwrap_or(0);

    let mut out_rows = Vec::new();
    let mut y = header_height;
    let label_chars = chars_fitting(label_width, font_size);
    for row in rows {
        let values: Vec<u32> = Competency::ALL
            .iter()
            .map(|comp| competency_goals(row, comp.as_str()))
            .collect();
        out_rows.push(heat_row(
            &row.provider.label,
            &values,
            max,
            y,
            false,
            (grid_left, cell_width, cell_height, font_size, label_chars),
        ));
        y += out_rows.last().map_or(cell_height, |r: &HeatRow| r.height);
    }
    if !rows.is_empty() {
        let total_max = totals.iter().copied().max().unwrap_or(0);
        out_rows.push(heat_row(
            "All rows",
            &totals,
            total_max,
            y + 4.0,
            true,
            (grid_left, cell_width, cell_height, font_size, label_chars),
        ));
        y += cell_height + 4.0;
    }

    let gaps: Vec<&str> = Competency::ALL
        .iter()
        .zip(&totals)
        .filter(|(_, t)| **t == 0)
        .map(|(c, _)| c.label())
        .collect();
    let desc = if rows.is_empty() {
        "No provider had published goals, so no competency is covered yet.".to_owned()
    } else {
        let listed = Competency::ALL
            .iter()
            .zip(&totals)
            .map(|(c, t)| format!("{} {t}", c.label()))
            .collect::<Vec<_>>()
            .join(", ");
        let gap_text = if gaps.is_empty() {
            "Every competency is named by at least one goal.".to_owned()
        } else {
            format!("No provider row has a goal for: {}.", gaps.join(", "))
        };
        format!(
            "Grid of {} provider rows by the 8 cultural competencies; each cell gives the number \
             of published goals naming the competency, darker for more. Goals across all rows: \
             {listed}. {gap_text}",
            rows.len()
        )
    };

    Heatmap {
        width: WIDTH,
        height: r1(y + 4.0),
        cell_width,
        label_x: label_width,
        header_y: header_height - 6.0,
        fill: palette::SKY_BLUE,
        columns,
        rows: out_rows,
        desc,
    }
}

fn heat_row(
    label: &str,
    values: &[u32],
    max: u32,
    y: f64,
    total: bool,
    (grid_left, cell_width, cell_height, font_size, label_chars): (f64, f64, f64, f64, usize),
) -> HeatRow {
    let lines = wrap(label, label_chars, 2);
    let height = row_height_for(lines.len(), cell_height, font_size);
    let cells = values
        .iter()
        .zip(Competency::ALL)
        .enumerate()
        .map(|(c, (goals, comp))| {
            let x = grid_left + c as f64 * cell_width;
            let opacity = if *goals == 0 || max == 0 {
                0.0
            } else {
                0.2 + 0.8 * f(*goals) / f(max)
            };
            HeatCell {
                x: r1(x),
                text_x: r1(x + cell_width / 2.0),
                goals: *goals,
                opacity: (opacity * 100.0).round() / 100.0,
                title: format!(
                    "{label}, {}: {goals} goal{}",
                    comp.label(),
                    if *goals == 1 { "" } else { "s" }
                ),
            }
        })
        .collect();
    HeatRow {
        y: r1(y),
        height: r1(height),
        text_y: r1(y + height / 2.0 + font_size * 0.35),
        label: label_lines(lines, y + height / 2.0, font_size),
        full_label: label.to_owned(),
        total,
        cells,
    }
}

// ---- (3) milestone timeline ---------------------------------------------------------------

#[derive(Debug, Serialize)]
pub(crate) struct Marker {
    /// "done" (circle), "overdue" (triangle) or "due" (hollow diamond).
    pub state: &'static str,
    pub x: f64,
    pub y: f64,
    /// The polygon's points, for the triangle and the diamond.
    pub points: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct TimelineRow {
    pub y: f64,
    pub text_y: f64,
    pub label: Vec<LabelLine>,
    pub full_label: String,
    pub marker: Marker,
    /// "Done 2 Sep", "Overdue: due 30 Jun", "Due 14 Sep".
    pub note: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct TimelineGroup {
    pub text_y: f64,
    pub title: String,
    pub rows: Vec<TimelineRow>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Tick {
    pub x: f64,
    pub label: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct TimelineLegend {
    pub marker: Marker,
    pub text_x: f64,
    pub label: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct Timeline {
    pub width: f64,
    pub height: f64,
    pub plot_left: f64,
    pub plot_right: f64,
    pub note_x: f64,
    pub axis_y: f64,
    pub grid_bottom: f64,
    pub ticks: Vec<Tick>,
    /// The "as of" line, while the period was still running.
    pub as_of: Option<Tick>,
    pub legend: Vec<TimelineLegend>,
    pub groups: Vec<TimelineGroup>,
    pub colours: TimelineColours,
    pub desc: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct TimelineColours {
    pub done: &'static str,
    pub overdue: &'static str,
    pub due: &'static str,
}

fn marker(state: MilestoneState, x: f64, y: f64) -> Marker {
    let (x, y) = (r1(x), r1(y));
    let points = match state {
        MilestoneState::Done => String::new(),
        MilestoneState::Overdue => format!(
            "{},{} {},{} {},{}",
            r1(x),
            r1(y - 6.0),
            r1(x + 6.5),
            r1(y + 5.0),
            r1(x - 6.5),
            r1(y + 5.0)
        ),
        MilestoneState::Due => format!(
            "{},{} {},{} {},{} {},{}",
            x,
            r1(y - 6.0),
            r1(x + 6.0),
            y,
            x,
            r1(y + 6.0),
            r1(x - 6.0),
            y
        ),
    };
    Marker {
        state: crate::figures::milestone_state_key(state),
        x,
        y,
        points,
    }
}

pub(crate) fn timeline(
    period: &PeriodRef,
    as_of: NaiveDate,
    projects: &[ProjectRollup],
) -> Timeline {
    let font_size = 11.0;
    let label_width = 220.0;
    let plot_left = label_width + 14.0;
    let plot_right = 490.0;
    // The notes ("Overdue: due 15 Jun 2026") are written at 10 units, right of the plot.
    let note_x = plot_right + 12.0;
    let legend_y = 10.0;
    let axis_y = 40.0;
    let row_height = 20.0;

    let start = period.starts_on;
    let end = if period.ends_on > start {
        period.ends_on
    } else {
        start + chrono::Days::new(1)
    };
    let span = (end - start).num_days() as f64;
    let x_of = |d: NaiveDate| {
        let days = (d - start).num_days() as f64;
        plot_left + (days / span).clamp(0.0, 1.0) * (plot_right - plot_left)
    };

    // A tick at the first of each month in the period (and at its start).
    let mut ticks = Vec::new();
    let mut d = start;
    let mut first = true;
    while d <= end {
        if first || d.day() == 1 {
            let label = if first || d.month() == 1 {
                d.format("%b %Y").to_string()
            } else {
                d.format("%b").to_string()
            };
            ticks.push(Tick {
                x: r1(x_of(d)),
                label,
            });
            first = false;
        }
        d = match d.succ_opt() {
            Some(next) => next,
            None => break,
        };
    }
    // Keep the first tick's label clear of the second when the period starts late in a month.
    if ticks.len() > 1 && ticks[1].x - ticks[0].x < 40.0 {
        ticks.remove(1);
    }

    let as_of_tick = (as_of < period.ends_on).then(|| Tick {
        x: r1(x_of(as_of)),
        label: format!("as of {}", short_date(as_of)),
    });

    let colours = TimelineColours {
        done: palette::BLUISH_GREEN,
        overdue: palette::VERMILLION,
        due: palette::BLUE,
    };
    let legend = [
        (MilestoneState::Done, "Done"),
        (MilestoneState::Overdue, "Overdue"),
        (MilestoneState::Due, "Due, not yet done"),
    ]
    .iter()
    .scan(plot_left, |x, (state, label)| {
        let item = TimelineLegend {
            marker: marker(*state, *x + 6.0, legend_y),
            text_x: r1(*x + 16.0),
            label,
        };
        *x += 16.0 + label.len() as f64 * font_size * CHAR_WIDTH + 18.0;
        Some(item)
    })
    .collect();

    let label_chars = chars_fitting(label_width, font_size);
    let mut y = axis_y + 10.0;
    let mut groups = Vec::new();
    let (mut done, mut overdue, mut due) = (Vec::new(), Vec::new(), Vec::new());
    for project in projects.iter().filter(|p| !p.milestones.is_empty()) {
        let title_y = y + 14.0;
        y += row_height;
        let mut rows = Vec::new();
        for m in &project.milestones {
            let (date, note) = match m.state {
                MilestoneState::Done => {
                    let on = m.done_on.unwrap_or(m.due_on);
                    (on, format!("Done {}", short_date(on)))
                }
                MilestoneState::Overdue => {
                    let before = if m.due_on < period.starts_on {
                        format!(" {}", m.due_on.format("%Y"))
                    } else {
                        String::new()
                    };
                    (
                        m.due_on,
                        format!("Overdue: due {}{before}", short_date(m.due_on)),
                    )
                }
                MilestoneState::Due => (m.due_on, format!("Due {}", short_date(m.due_on))),
            };
            let lines = wrap(&m.title, label_chars.saturating_sub(2), 2);
            let height = row_height_for(lines.len(), row_height, font_size);
            let cy = y + height / 2.0;
            let summary = format!("{} ({}, {})", m.title, project.title, note.to_lowercase());
            match m.state {
                MilestoneState::Done => done.push(summary),
                MilestoneState::Overdue => overdue.push(summary),
                MilestoneState::Due => due.push(summary),
            }
            rows.push(TimelineRow {
                y: r1(y),
                text_y: r1(cy + font_size * 0.35),
                label: label_lines(lines, cy, font_size),
                full_label: format!("{}: {}", project.title, m.title),
                marker: marker(m.state, x_of(date), cy),
                note,
            });
            y += height;
        }
        groups.push(TimelineGroup {
            text_y: r1(title_y),
            title: fit(&project.title, chars_fitting(WIDTH, font_size)),
            rows,
        });
        y += 4.0;
    }

    let total = done.len() + overdue.len() + due.len();
    let desc = if total == 0 {
        "No joint-project milestone was due, done or overdue in this period.".to_owned()
    } else {
        let mut parts = vec![format!(
            "Timeline of {total} joint-project milestone{} across the period {} to {}: {} done, \
             {} overdue, {} due and not yet done.",
            if total == 1 { "" } else { "s" },
            short_date(period.starts_on),
            short_date(period.ends_on),
            done.len(),
            overdue.len(),
            due.len()
        )];
        for (label, list) in [("Overdue", &overdue), ("Done", &done), ("Due", &due)] {
            if !list.is_empty() {
                parts.push(format!("{label}: {}.", list.join("; ")));
            }
        }
        parts.join(" ")
    };

    // Room under the grid for the "as of" label.
    let bottom = y.max(axis_y + 30.0) + if as_of_tick.is_some() { 18.0 } else { 4.0 };
    Timeline {
        width: WIDTH,
        height: r1(bottom),
        plot_left,
        plot_right,
        note_x,
        axis_y,
        grid_bottom: r1(y.max(axis_y + 30.0)),
        ticks,
        as_of: as_of_tick,
        legend,
        groups,
        colours,
        desc,
    }
}

// ---- (4) the feedback funnel --------------------------------------------------------------

#[derive(Debug, Serialize)]
pub(crate) struct FunnelStage {
    pub y: f64,
    pub text_y: f64,
    pub label: &'static str,
    /// As shown: the rounded count, or "*".
    pub shown: String,
    pub suppressed: bool,
    pub x: f64,
    pub width: f64,
}

#[derive(Debug, Serialize)]
pub(crate) struct Funnel {
    pub width: f64,
    pub height: f64,
    pub label_x: f64,
    pub value_x: f64,
    pub centre: f64,
    pub bar_height: f64,
    pub fill: &'static str,
    pub stages: Vec<FunnelStage>,
    pub desc: String,
}

/// The stages of the feedback loop, with the totals' counts.
pub(crate) fn feedback_stages(
    row: &FeedbackRow,
) -> [(&'static str, &pcref_domain::PeopleCount); 4] {
    [
        ("Received", &row.received),
        ("Acknowledged", &row.acknowledged),
        ("Responded to", &row.responded),
        ("Closed", &row.closed),
    ]
}

/// Bars whose lengths are the shown (rounded) counts; a suppressed count has no bar, only "*".
/// No share or difference of the counts is computed or written.
pub(crate) fn funnel(total: &FeedbackRow, as_of: NaiveDate) -> Funnel {
    let font_size = 11.0;
    let label_x = 130.0;
    let value_x = 190.0;
    let bar_left = 210.0;
    let max_width = WIDTH - bar_left - 10.0;
    let centre = bar_left + max_width / 2.0;
    let row_height = 30.0;
    let bar_height = 22.0;
    let stages = feedback_stages(total);
    let max = stages
        .iter()
        .filter_map(|(_, c)| c.value)
        .max()
        .unwrap_or(0);
    let out: Vec<FunnelStage> = stages
        .iter()
        .enumerate()
        .map(|(i, (label, count))| {
            let y = 4.0 + i as f64 * row_height;
            let width = match count.value {
                Some(v) if max > 0 => (v as f64 / max as f64) * max_width,
                _ => 0.0,
            };
            FunnelStage {
                y: r1(y),
                text_y: r1(y + bar_height / 2.0 + font_size * 0.35),
                label,
                shown: people(count).to_owned(),
                suppressed: suppressed(count),
                x: r1(centre - width / 2.0),
                width: r1(width),
            }
        })
        .collect();
    let parts = stages
        .iter()
        .map(|(label, count)| {
            if suppressed(count) {
                format!("{} * (suppressed)", label.to_lowercase())
            } else {
                format!("{} {}", label.to_lowercase(), people(count))
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let desc = format!(
        "Funnel of the feedback items received in the period and how far they had got by {}: \
         {parts}. Counts are rounded to the nearest five; * marks a count suppressed for \
         disclosure control, drawn without a bar.",
        crate::figures::long_date(as_of)
    );
    Funnel {
        width: WIDTH,
        height: r1(4.0 + 4.0 * row_height),
        label_x,
        value_x,
        centre: r1(centre),
        bar_height,
        fill: palette::BLUE,
        stages: out,
        desc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(fit("Short", 10), "Short");
        assert_eq!(fit("A rather long label", 10), "A rather\u{2026}");
        assert_eq!(fit("Ünïcödé ünïcödé", 8), "Ünïcödé\u{2026}");
    }

    #[test]
    fn long_labels_wrap_at_spaces_onto_two_lines() {
        assert_eq!(wrap("Short", 10, 2), ["Short"]);
        assert_eq!(
            wrap("Coastal and Fells NHS Foundation Trust", 30, 2),
            ["Coastal and Fells NHS", "Foundation Trust"]
        );
        assert_eq!(
            wrap("one two three four five six", 9, 2),
            ["one two", "three fo\u{2026}"]
        );
        assert_eq!(wrap("Intersectionality", 8, 2), ["Interse\u{2026}"]);
        assert_eq!(wrap("a b", 10, 1), ["a b"]);
        assert_eq!(wrap("", 10, 2), Vec::<String>::new());
    }

    #[test]
    fn markers_differ_in_shape() {
        let done = marker(MilestoneState::Done, 10.0, 10.0);
        let overdue = marker(MilestoneState::Overdue, 10.0, 10.0);
        let due = marker(MilestoneState::Due, 10.0, 10.0);
        assert!(done.points.is_empty());
        assert_eq!(overdue.points.split(' ').count(), 3);
        assert_eq!(due.points.split(' ').count(), 4);
    }
}
