//! Everything that leaves a provider's workspace passes through here: redaction of free text
//! and disclosure control of counts about people. Pure functions, no IO.
//!
//! - [`Redactor`] replaces names known to the workspace, the organisation's names and
//!   deny-listed terms, email addresses, UK phone numbers, valid NHS numbers and full UK
//!   postcodes with typed markers (`[redacted: nhs number]`), reports where each marker is
//!   (never what it hid), and warns about small counts of people ("3 patients").
//! - [`control_count`] and [`control_table`] suppress counts from 1 to 7, round the rest to
//!   the nearest 5, and suppress more cells in a table so that no suppressed count can be
//!   worked out from the totals.
//!
//! The rules are spelled out in the crate's README and next to each detector.
//!
//! ```
//! use pcref_anonymise::{control_count, RedactionKind, Redactor, Report, Shown};
//!
//! let redactor = Redactor::new(["Dr. Amara Okafor", "Sarah Black"], ["Oakwood Unit"]);
//! let mut report = Report::default();
//! let text = redactor.clean(
//!     &mut report,
//!     "narrative",
//!     "Dr Okafor's audit at Oakwood Unit: 3 Black Caribbean patients, NHS 943 476 5919.",
//! );
//! assert_eq!(
//!     text,
//!     "[redacted: person name]'s audit at [redacted: withheld term]: 3 Black Caribbean \
//!      patients, NHS [redacted: nhs number]."
//! );
//! assert_eq!(report.redactions[0].kind, RedactionKind::PersonName);
//! assert_eq!(report.redactions[0].position, 0);
//! assert_eq!(report.warnings.len(), 1); // "3 Black Caribbean patients"
//!
//! assert_eq!(control_count(5), Shown::Suppressed);
//! assert_eq!(control_count(13).display(), "15");
//! ```

mod disclosure;
mod redact;
#[doc(hidden)]
pub mod testing;

pub use disclosure::{control_count, control_table, ControlledTable, Shown, SUPPRESSED};
pub use redact::{
    is_valid_nhs_number, Redacted, Redaction, RedactionKind, Redactor, Report, Warning, WarningKind,
};
