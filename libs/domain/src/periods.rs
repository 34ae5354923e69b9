//! Reporting periods: the quarters (or other spans) an alliance reports on to its board and the
//! CEO forum. The alliance admin opens one each quarter and closes it once providers have
//! published; board reports are issued from a period.
//!
//! Decisions a PCREF lead would expect: an alliance's periods never overlap (every figure
//! belongs to one period) and their labels are unique; a period spans at most a year; a closed
//! period's label and dates are fixed until it is reopened.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{AllianceId, PeriodStatus, ReportingPeriodId, ValidationError, Version};

/// The longest label, such as `2026-Q3` or `2026/27 half 1`.
pub const MAX_PERIOD_LABEL: usize = 40;
/// The longest span of a period, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// A period's label: one line of 1–40 characters, trimmed.
pub fn period_label(field: &str, raw: &str) -> Result<String, ValidationError> {
    crate::line(field, raw, MAX_PERIOD_LABEL)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodDraft {
    pub label: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl PeriodDraft {
    /// The end is not before the start, and the span is at most [`MAX_PERIOD_DAYS`].
    pub fn check(self) -> Result<PeriodDraft, ValidationError> {
        crate::ordered_dates(
            "starts_on",
            Some(self.starts_on),
            "ends_on",
            Some(self.ends_on),
        )?;
        if (self.ends_on - self.starts_on).num_days() >= MAX_PERIOD_DAYS {
            return Err(ValidationError::new(
                "ends_on",
                format!("a reporting period spans at most {MAX_PERIOD_DAYS} days"),
            ));
        }
        Ok(self)
    }

    /// Whether the two periods share a day.
    pub fn overlaps(&self, other: &PeriodDraft) -> bool {
        self.starts_on <= other.ends_on && other.starts_on <= self.ends_on
    }

    /// Whether the labels are the same but for case and surrounding space.
    pub fn same_label(&self, other: &PeriodDraft) -> bool {
        self.label.trim().to_lowercase() == other.label.trim().to_lowercase()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodPatch {
    pub label: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub status: Option<PeriodStatus>,
}

impl PeriodDraft {
    pub fn apply(&self, patch: &PeriodPatch) -> Result<PeriodDraft, ValidationError> {
        PeriodDraft {
            label: patch.label.clone().unwrap_or_else(|| self.label.clone()),
            starts_on: patch.starts_on.unwrap_or(self.starts_on),
            ends_on: patch.ends_on.unwrap_or(self.ends_on),
        }
        .check()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportingPeriod {
    pub id: ReportingPeriodId,
    pub alliance_id: AllianceId,
    pub fields: PeriodDraft,
    pub status: PeriodStatus,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(label: &str, from: (i32, u32, u32), to: (i32, u32, u32)) -> PeriodDraft {
        let day = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        PeriodDraft {
            label: label.into(),
            starts_on: day(from),
            ends_on: day(to),
        }
    }

    #[test]
    fn periods_overlap_when_they_share_a_day() {
        let q3 = period("2026-Q3", (2026, 7, 1), (2026, 9, 30));
        let q4 = period("2026-Q4", (2026, 10, 1), (2026, 12, 31));
        let late_q3 = period("x", (2026, 9, 30), (2026, 10, 15));
        assert!(!q3.overlaps(&q4));
        assert!(q3.overlaps(&late_q3) && q4.overlaps(&late_q3));
        assert!(q3.same_label(&period(" 2026-q3 ", (2027, 1, 1), (2027, 1, 2))));
    }

    #[test]
    fn a_period_spans_at_most_a_year_and_ends_after_it_starts() {
        assert!(period("y", (2026, 1, 1), (2026, 12, 31)).check().is_ok());
        assert!(period("leap", (2028, 1, 1), (2028, 12, 31)).check().is_ok());
        let too_long = period("long", (2026, 1, 1), (2027, 1, 2)).check();
        assert_eq!(too_long.map_err(|e| e.field), Err("ends_on".to_owned()));
        let backwards = period("b", (2026, 2, 1), (2026, 1, 1)).check();
        assert_eq!(backwards.map_err(|e| e.field), Err("ends_on".to_owned()));
    }
}
