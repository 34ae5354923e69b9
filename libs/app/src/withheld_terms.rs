//! An organisation's withheld terms: words it wants out of everything it shares (the name of
//! a ward, a small village, a person the workspace does not know by name), replaced by
//! `[redacted: withheld term]` wherever the redactor runs for it — publication previews,
//! published plans, shared templates. A change applies at once to the templates the
//! organisation shares (their shared copies are made anew); a published version never changes.
//!
//! The list names exactly what must not leave the organisation, so it stays inside it: only
//! its own members read it, and the audit log records how it changed in counts, never the
//! terms themselves.

use std::collections::BTreeMap;

use pcref_domain::{IfMatch, OrganisationId, ValidationError, Version};
use pcref_store::organisations;
use pcref_store::publications as store;
use serde_json::json;

use crate::audit::{self, Actor, AuditScope, Change};
use crate::{check_if_match, now, policy, App, AppError, Principal};

/// The most terms a list holds: enough for every ward, place and project name of a trust,
/// few enough that the redactor's lookup stays small.
pub const MAX_WITHHELD_TERMS: usize = 500;
pub const MIN_TERM_CHARS: usize = 2;
pub const MAX_TERM_CHARS: usize = 100;

/// The list and its version (0 for a list never set, which is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithheldTerms {
    pub terms: Vec<String>,
    pub version: Version,
}

/// Checks and tidies a new list: each term trimmed with its inner spaces collapsed,
/// 2–100 characters, no control characters; duplicates that differ only in case kept once (as
/// first written); sorted case-insensitively; at most [`MAX_WITHHELD_TERMS`]. Every bad term is
/// reported at once, by its position (`terms[3]`).
pub fn clean_withheld_terms<S: AsRef<str>>(raw: &[S]) -> Result<Vec<String>, Vec<ValidationError>> {
    let mut errors = Vec::new();
    // Keyed by the lower-cased term: folds duplicates and sorts in one go.
    let mut kept: BTreeMap<String, String> = BTreeMap::new();
    for (i, term) in raw.iter().enumerate() {
        let field = format!("terms[{i}]");
        let term = match pcref_domain::line(&field, term.as_ref(), MAX_TERM_CHARS) {
            Ok(term) => term,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let chars = term.chars().count();
        if chars < MIN_TERM_CHARS {
            errors.push(ValidationError::new(
                field,
                format!(
                    "must be at least {MIN_TERM_CHARS} characters (got {chars}): a single letter would be redacted everywhere"
                ),
            ));
            continue;
        }
        kept.entry(term.to_lowercase()).or_insert(term);
    }
    if kept.len() > MAX_WITHHELD_TERMS {
        errors.push(ValidationError::new(
            "terms",
            format!(
                "must hold at most {MAX_WITHHELD_TERMS} different terms (got {})",
                kept.len()
            ),
        ));
    }
    if errors.is_empty() {
        Ok(kept.into_values().collect())
    } else {
        Err(errors)
    }
}

impl App {
    /// Whether the caller may change the organisation's list (asked before reporting what is
    /// wrong with a new list, so that outsiders learn nothing from the answer).
    pub async fn authorize_withheld_terms(
        &self,
        p: &Principal,
        org: OrganisationId,
    ) -> Result<(), AppError> {
        policy::replace_withheld_terms(p, org)
    }

    pub async fn withheld_terms(
        &self,
        p: &Principal,
        org: OrganisationId,
    ) -> Result<WithheldTerms, AppError> {
        policy::read_withheld_terms(p, org)?;
        self.db
            .read(move |conn| {
                let (terms, version) = store::find_withheld_terms(conn, org)?;
                Ok(WithheldTerms { terms, version })
            })
            .await
    }

    /// Replaces the whole list (`terms` as cleaned by [`clean_withheld_terms`]). `If-Match`
    /// must name the version last read — `"0"` for a list never set — so that two people
    /// editing it never drop each other's terms. The same list again changes nothing.
    pub async fn replace_withheld_terms(
        &self,
        p: &Principal,
        org: OrganisationId,
        if_match: Option<IfMatch>,
        terms: Vec<String>,
    ) -> Result<WithheldTerms, AppError> {
        policy::replace_withheld_terms(p, org)?;
        let p = p.clone();
        self.db
            .write(move |conn| {
                let organisation =
                    organisations::find(conn, org)?.ok_or(AppError::NotFound("organisation"))?;
                let (before, version) = store::find_withheld_terms(conn, org)?;
                check_if_match(if_match.as_ref(), version)?;
                if terms == before {
                    return Ok(WithheldTerms { terms, version });
                }
                let next = store::replace_withheld_terms(conn, org, version, &terms, now())?
                    .ok_or(AppError::PreconditionFailed)?;
                // What the organisation shares from now on is redacted with the new list;
                // its shared templates are shared copies it can still change, so they follow.
                let refreshed = crate::template_sharing::refresh_shared_templates(
                    conn,
                    org,
                    &organisation.name,
                )?;
                let lower = |list: &[String]| -> Vec<String> {
                    list.iter().map(|t| t.to_lowercase()).collect()
                };
                let (old, new) = (lower(&before), lower(&terms));
                let added = new.iter().filter(|t| !old.contains(t)).count();
                let removed = old.iter().filter(|t| !new.contains(t)).count();
                // Counts only: the terms are what the organisation hides, and an audit entry
                // is read by more people, for longer, than the list.
                audit::record(
                    conn,
                    &Actor::of(&p),
                    now(),
                    AuditScope::Workspace(organisation.alliance_id, org),
                    Change {
                        action: "withheld_terms.replaced",
                        target_type: "organisation",
                        target_id: org.to_string(),
                        before: Some(json!({ "terms": before.len(), "version": version.0 })),
                        after: Some(json!({
                            "terms": terms.len(),
                            "added": added,
                            "removed": removed,
                            "version": next.0,
                            "shared_templates_refreshed": refreshed,
                        })),
                    },
                )?;
                Ok(WithheldTerms {
                    terms,
                    version: next,
                })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &[ValidationError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn terms_are_trimmed_folded_and_sorted() {
        let cleaned = clean_withheld_terms(&[
            "  Larkspur   Ward ",
            "oakwood",
            "larkspur ward",
            "Ash Lodge",
            "OAKWOOD",
        ])
        .expect("a good list");
        assert_eq!(cleaned, ["Ash Lodge", "Larkspur Ward", "oakwood"]);
        assert_eq!(
            clean_withheld_terms::<&str>(&[]).expect("empty"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn every_bad_term_is_named_by_its_position() {
        let errors = clean_withheld_terms(&["ok term", "x", "   ", "tab\there", &"y".repeat(101)])
            .expect_err("bad terms");
        assert_eq!(
            fields(&errors),
            ["terms[1]", "terms[2]", "terms[3]", "terms[4]"]
        );
    }

    #[test]
    fn at_most_500_different_terms() {
        let many: Vec<String> = (0..=MAX_WITHHELD_TERMS)
            .map(|i| format!("term {i}"))
            .collect();
        let errors = clean_withheld_terms(&many).expect_err("too many");
        assert_eq!(fields(&errors), ["terms"]);
        // Duplicates do not count.
        let mut folded: Vec<String> = (0..MAX_WITHHELD_TERMS)
            .map(|i| format!("term {i}"))
            .collect();
        folded.push("TERM 0".into());
        assert_eq!(
            clean_withheld_terms(&folded)
                .expect("500 after folding")
                .len(),
            MAX_WITHHELD_TERMS
        );
    }
}
