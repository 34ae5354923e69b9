//! Request and response bodies of an alliance's reporting periods.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::types::Example;
use poem_openapi::Object;
use uuid::Uuid;

use pcref_domain as domain;
use pcref_domain::ValidationError;

use crate::plan_types::{Choice, Date, Fields};
use crate::types::{LineOf, Ruled};

/// A reporting period to open.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewPeriod {
    /// One line of 1–40 characters, such as `2026-Q3`; unique in the alliance (whatever the
    /// case).
    pub label: LineOf<40>,
    pub starts_on: Date,
    /// On or after `starts_on`; a period spans at most 366 days and shares no day with another
    /// of the alliance's.
    pub ends_on: Date,
}

fn dates(
    f: &mut Fields,
    starts_on: Option<&Date>,
    ends_on: Option<&Date>,
) -> (Option<Option<NaiveDate>>, Option<Option<NaiveDate>>) {
    let day = |field: &str, d: Option<&Date>| d.map(|d| domain::plan_date(field, d.0)).transpose();
    (
        f.take(day("starts_on", starts_on)),
        f.take(day("ends_on", ends_on)),
    )
}

impl NewPeriod {
    pub fn parse(&self) -> Result<domain::PeriodDraft, Vec<ValidationError>> {
        let mut f = Fields::default();
        let label = f.take(domain::period_label("label", self.label.as_str()));
        let (starts_on, ends_on) = dates(&mut f, Some(&self.starts_on), Some(&self.ends_on));
        let draft = match (label, starts_on.flatten(), ends_on.flatten()) {
            (Some(label), Some(starts_on), Some(ends_on)) => f.take(
                domain::PeriodDraft {
                    label,
                    starts_on,
                    ends_on,
                }
                .check(),
            ),
            _ => None,
        };
        f.finish()?;
        draft.ok_or_else(|| vec![ValidationError::new("body", "is not a valid period")])
    }
}

/// Changes to a period: only the fields sent change. `status` closes (`closed`) or reopens
/// (`open`) it; a closed period's label and dates change only together with reopening it.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct PeriodChanges {
    pub label: Option<LineOf<40>>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub status: Option<Choice<domain::PeriodStatus>>,
}

impl PeriodChanges {
    pub fn parse(&self) -> Result<domain::PeriodPatch, Vec<ValidationError>> {
        let mut f = Fields::default();
        let label = f.take(
            self.label
                .as_ref()
                .map(|l| domain::period_label("label", l.as_str()))
                .transpose(),
        );
        let (starts_on, ends_on) = dates(&mut f, self.starts_on.as_ref(), self.ends_on.as_ref());
        let status = f.take(self.status.as_ref().map(|s| s.parse("status")).transpose());
        f.finish()?;
        Ok(domain::PeriodPatch {
            label: label.flatten(),
            starts_on: starts_on.flatten(),
            ends_on: ends_on.flatten(),
            status: status.flatten(),
        })
    }
}

/// A reporting period of an alliance.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Period {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub label: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// `open` while it is being reported on; `closed` once the alliance admin closes it.
    pub status: Choice<domain::PeriodStatus>,
    /// Send back as `If-Match: "<version>"` (also served as `ETag`).
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<domain::ReportingPeriod> for Period {
    fn from(p: domain::ReportingPeriod) -> Self {
        Period {
            id: p.id.as_uuid(),
            alliance_id: p.alliance_id.as_uuid(),
            label: p.fields.label,
            starts_on: p.fields.starts_on,
            ends_on: p.fields.ends_on,
            status: Choice::of(p.status),
            version: p.version.0,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

crate::types::page_type!(
    /// A page of an alliance's reporting periods, latest first.
    PeriodPage of Period
);

/// The list's `status` filter, parsed.
pub(crate) fn period_status(
    raw: Option<String>,
) -> Result<Option<domain::PeriodStatus>, Vec<ValidationError>> {
    raw.as_deref()
        .map(|s| domain::PeriodStatus::parse_for("status", s))
        .transpose()
        .map_err(|e| vec![e])
}

// ---- examples -----------------------------------------------------------------------------

fn example_date(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}

impl Example for NewPeriod {
    fn example() -> Self {
        NewPeriod {
            label: "2026-Q3".into(),
            starts_on: Ruled::new(example_date("2026-07-01")),
            ends_on: Ruled::new(example_date("2026-09-30")),
        }
    }
}

impl Example for PeriodChanges {
    fn example() -> Self {
        PeriodChanges {
            label: None,
            starts_on: None,
            ends_on: None,
            status: Some(Choice::of(domain::PeriodStatus::Closed)),
        }
    }
}

impl Example for Period {
    fn example() -> Self {
        Period {
            id: Uuid::from_u128(0x0193_9e53_5a04_7b15_8c26_9d37_ae48_bf59),
            alliance_id: Uuid::from_u128(0x0192_f0c1_8b7a_7cde_9f00_3c5e_2f1a_7b10),
            label: "2026-Q3".into(),
            starts_on: example_date("2026-07-01"),
            ends_on: example_date("2026-09-30"),
            status: Choice::of(domain::PeriodStatus::Open),
            version: 1,
            created_at: DateTime::from_timestamp(1_782_864_000, 0).unwrap_or_default(),
            updated_at: DateTime::from_timestamp(1_782_864_000, 0).unwrap_or_default(),
        }
    }
}
