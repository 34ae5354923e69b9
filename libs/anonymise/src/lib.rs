//! Everything that leaves a provider's workspace passes through here: redaction of free text
//! and disclosure control of counts about people. Pure functions, no IO.
//!
//! SKELETON: the API below is the contract the rest of the workspace codes against; the
//! implementation is being filled in.

mod disclosure;
mod redact;

pub use disclosure::{control_count, control_table, ControlledTable, Shown};
pub use redact::{Redacted, Redaction, RedactionKind, Redactor, Report, Warning, WarningKind};
