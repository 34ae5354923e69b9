//! How the figures of a board report are written, the same way in every format.
//!
//! Counts about people ([`PeopleCount`]) are only ever written as their `shown` text: nothing
//! here computes a difference, a share or any other figure from them that could reveal a
//! suppressed count.

use chrono::{DateTime, NaiveDate, Utc};
use pcref_domain::{
    ActionStatusCounts, BroadEthnicGroup, HeadlineFigure, MilestoneState, PeopleCount, Rag,
};

/// Shown where there is no figure.
pub(crate) const NONE_SHOWN: &str = "\u{2013}";

/// The units of a headline figure.
pub(crate) const UNIT_PERCENT: &str = "percent";
pub(crate) const UNIT_PEOPLE: &str = "people";

/// "30 September 2026".
pub(crate) fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// "2 Sep".
pub(crate) fn short_date(d: NaiveDate) -> String {
    d.format("%-d %b").to_string()
}

/// "2 Sep 2026".
pub(crate) fn medium_date(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// "12 October 2026, 09:30 UTC".
pub(crate) fn long_time(t: DateTime<Utc>) -> String {
    t.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// A number to one decimal place: "62.5", "0.0".
pub(crate) fn one_decimal(x: f64) -> String {
    let s = format!("{x:.1}");
    if s == "-0.0" {
        "0.0".to_owned()
    } else {
        s
    }
}

/// A count as a whole number when it is one ("12"), else to one decimal ("2.5").
pub(crate) fn count(x: f64) -> String {
    if x.fract() == 0.0 {
        let s = format!("{x:.0}");
        if s == "-0" {
            "0".to_owned()
        } else {
            s
        }
    } else {
        one_decimal(x)
    }
}

/// A headline figure's number in its unit, without a percent sign.
pub(crate) fn headline_number(figure: &HeadlineFigure, x: f64) -> String {
    if figure.unit == UNIT_PERCENT {
        one_decimal(x)
    } else {
        count(x)
    }
}

/// The previous period's figure, as a plain number ("" when there is none).
pub(crate) fn headline_previous(figure: &HeadlineFigure) -> String {
    figure
        .previous
        .map(|p| headline_number(figure, p))
        .unwrap_or_default()
}

/// The change since the previous period as a plain signed number ("" when there is none).
/// Never for counts about people: the difference of two rounded counts could itself read as a
/// small count, so only its direction is ever shown (see [`direction`]).
pub(crate) fn headline_change(figure: &HeadlineFigure) -> String {
    if figure.unit == UNIT_PEOPLE {
        return String::new();
    }
    figure
        .change
        .map(|c| headline_number(figure, c))
        .unwrap_or_default()
}

/// Which way a figure moved since the previous period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Up,
    Down,
    Same,
}

/// The direction of a headline figure's change, when both figures are known. For counts about
/// people it comes from the two shown (controlled) figures, never from a computed difference.
pub(crate) fn direction(figure: &HeadlineFigure) -> Option<Direction> {
    let (value, previous) = (figure.value?, figure.previous?);
    Some(if value > previous {
        Direction::Up
    } else if value < previous {
        Direction::Down
    } else {
        Direction::Same
    })
}

/// A count about people, as the report shows it ("*" when suppressed).
pub(crate) fn people(count: &PeopleCount) -> &str {
    &count.shown
}

/// Whether a count about people was suppressed.
pub(crate) fn suppressed(count: &PeopleCount) -> bool {
    count.value.is_none()
}

/// "62.5%" or "–".
pub(crate) fn percent_shown(x: Option<f64>) -> String {
    x.map_or_else(|| NONE_SHOWN.to_owned(), |p| format!("{}%", one_decimal(p)))
}

/// The six action statuses in the order a board reads them, with their keys and labels.
pub(crate) const STATUSES: [(&str, &str); 6] = [
    ("complete", "Complete"),
    ("on_track", "On track"),
    ("at_risk", "At risk"),
    ("off_track", "Off track"),
    ("not_started", "Not started"),
    ("dropped", "Dropped"),
];

/// The counts of [`ActionStatusCounts`] in [`STATUSES`] order.
pub(crate) fn status_counts(a: &ActionStatusCounts) -> [u32; 6] {
    [
        a.complete,
        a.on_track,
        a.at_risk,
        a.off_track,
        a.not_started,
        a.dropped,
    ]
}

/// "Red", "Amber", "Green" for a RAG key; anything else as it came; "" for none.
pub(crate) fn rag_label(rag: Option<&str>) -> String {
    match rag {
        None => String::new(),
        Some(key) => Rag::parse_for("rag", key)
            .map(|r| r.label().to_owned())
            .unwrap_or_else(|_| key.to_owned()),
    }
}

/// The label of a broad ethnic group key ("" for none).
pub(crate) fn broad_group_label(key: Option<&str>) -> String {
    match key {
        None => String::new(),
        Some(key) => BroadEthnicGroup::parse_for("broad_group", key)
            .map(|g| g.label().to_owned())
            .unwrap_or_else(|_| key.to_owned()),
    }
}

pub(crate) fn milestone_state_label(state: MilestoneState) -> &'static str {
    match state {
        MilestoneState::Done => "Done",
        MilestoneState::Overdue => "Overdue",
        MilestoneState::Due => "Due",
    }
}

pub(crate) fn milestone_state_key(state: MilestoneState) -> &'static str {
    match state {
        MilestoneState::Done => "done",
        MilestoneState::Overdue => "overdue",
        MilestoneState::Due => "due",
    }
}

/// The median days to a first response, to one decimal, or "" when there is none.
pub(crate) fn median_days(x: Option<f64>) -> String {
    x.map(one_decimal).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(unit: &str, value: Option<f64>, previous: Option<f64>) -> HeadlineFigure {
        HeadlineFigure {
            key: "k".into(),
            label: "K".into(),
            unit: unit.into(),
            value,
            shown: String::new(),
            previous,
            change: value.zip(previous).map(|(v, p)| v - p),
        }
    }

    #[test]
    fn numbers_are_written_plainly() {
        assert_eq!(count(12.0), "12");
        assert_eq!(count(-0.0), "0");
        assert_eq!(count(2.5), "2.5");
        assert_eq!(one_decimal(62.54), "62.5");
        assert_eq!(one_decimal(-0.01), "0.0");
        assert_eq!(percent_shown(Some(50.0)), "50.0%");
        assert_eq!(percent_shown(None), NONE_SHOWN);
    }

    #[test]
    fn changes_in_counts_about_people_are_never_written_as_numbers() {
        let f = figure(UNIT_PEOPLE, Some(20.0), Some(15.0));
        assert_eq!(headline_change(&f), "");
        assert_eq!(headline_previous(&f), "15");
        assert_eq!(direction(&f), Some(Direction::Up));
        let f = figure("count", Some(3.0), Some(5.0));
        assert_eq!(headline_change(&f), "-2");
        assert_eq!(direction(&f), Some(Direction::Down));
        let f = figure(UNIT_PERCENT, Some(52.5), Some(50.0));
        assert_eq!(headline_change(&f), "2.5");
        assert_eq!(direction(&figure("count", None, Some(1.0))), None);
    }

    #[test]
    fn reference_keys_read_as_labels() {
        assert_eq!(rag_label(Some("amber")), "Amber");
        assert_eq!(rag_label(Some("purple")), "purple");
        assert_eq!(rag_label(None), "");
        assert_eq!(broad_group_label(Some("asian")), "Asian or Asian British");
    }
}
