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

mod disclosure;
mod redact;
#[doc(hidden)]
pub mod testing;

pub use disclosure::{control_count, control_table, ControlledTable, Shown, SUPPRESSED};
pub use redact::{
    is_valid_nhs_number, Redacted, Redaction, RedactionKind, Redactor, Report, Warning, WarningKind,
};
