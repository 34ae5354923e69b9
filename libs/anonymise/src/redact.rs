/// What kind of identifier was replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RedactionKind {
    /// A person known to the workspace: a member or an action lead.
    PersonName,
    /// The organisation's own name, redacted when it publishes anonymously.
    OrganisationName,
    /// A term on the organisation's deny-list.
    WithheldTerm,
    Email,
    PhoneNumber,
    NhsNumber,
    Postcode,
}

impl RedactionKind {
    /// The kind in words, as reported and as written in the marker.
    pub fn as_str(self) -> &'static str {
        match self {
            RedactionKind::PersonName => "person name",
            RedactionKind::OrganisationName => "organisation name",
            RedactionKind::WithheldTerm => "withheld term",
            RedactionKind::Email => "email",
            RedactionKind::PhoneNumber => "phone number",
            RedactionKind::NhsNumber => "nhs number",
            RedactionKind::Postcode => "postcode",
        }
    }

    /// The marker that replaces the identifier, e.g. `[redacted: nhs number]`.
    pub fn marker(self) -> String {
        format!("[redacted: {}]", self.as_str())
    }
}

/// One replaced identifier. Never carries the identifier itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    pub field: String,
    pub kind: RedactionKind,
    /// Character offset of the marker in the redacted text.
    pub position: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// A number from 1 to 7 next to a word about people ("3 patients").
    SmallNumber,
}

impl WarningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::SmallNumber => "small_number",
        }
    }
}

/// Something the publisher must look at and acknowledge; the text is left as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub field: String,
    pub kind: WarningKind,
    /// Character offset in the redacted text.
    pub position: usize,
    /// What was found and why it matters, for the publisher's eyes only.
    pub message: String,
}

/// A redacted text and what was done to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub redactions: Vec<Redaction>,
    pub warnings: Vec<Warning>,
}

/// Redactions and warnings gathered over the fields of a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub redactions: Vec<Redaction>,
    pub warnings: Vec<Warning>,
}

/// Redacts free text, knowing the names of one workspace.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    person_names: Vec<String>,
    organisation_names: Vec<String>,
    withheld_terms: Vec<String>,
}

impl Redactor {
    /// `person_names`: the workspace's members and action leads (full names as written).
    /// `withheld_terms`: the organisation's deny-list.
    pub fn new<P, W>(person_names: P, withheld_terms: W) -> Redactor
    where
        P: IntoIterator,
        P::Item: AsRef<str>,
        W: IntoIterator,
        W::Item: AsRef<str>,
    {
        Redactor {
            person_names: person_names.into_iter().map(|s| s.as_ref().to_owned()).collect(),
            organisation_names: Vec::new(),
            withheld_terms: withheld_terms.into_iter().map(|s| s.as_ref().to_owned()).collect(),
        }
    }

    /// Also redacts these organisation names (for an anonymous publication).
    pub fn with_organisation_names<O>(mut self, names: O) -> Redactor
    where
        O: IntoIterator,
        O::Item: AsRef<str>,
    {
        self.organisation_names = names.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self
    }

    /// Redacts one field's text.
    pub fn redact(&self, field: &str, text: &str) -> Redacted {
        let _ = (field, &self.person_names, &self.organisation_names, &self.withheld_terms);
        Redacted {
            text: text.to_owned(),
            redactions: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Redacts one field's text and adds what was found to `report`.
    pub fn clean(&self, report: &mut Report, field: &str, text: &str) -> String {
        let r = self.redact(field, text);
        report.redactions.extend(r.redactions);
        report.warnings.extend(r.warnings);
        r.text
    }
}
