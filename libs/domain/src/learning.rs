//! The alliance's learning library: good-practice case studies contributed by providers and
//! VCSE partners, tagged so that the library can be searched and filtered like published
//! plans, and optionally linked to a published plan or one of its actions.
//!
//! Decisions a PCREF lead would expect:
//! - at least one learning category: the library is browsed by them;
//! - competencies and ethnic groups may be left empty: a case study about, say, the cost of
//!   interpreters or staff retention across a trust is not about particular groups, and a
//!   forced tag would make the filters lie. When groups are named they must be specific NHS
//!   ethnic categories, never an umbrella term such as "BAME" nor a broad group — the same
//!   rule as a plan's priority areas.

use chrono::{DateTime, Utc};

use crate::publishing::{provider_label, search_text};
use crate::{
    paragraph, ActionId, AllianceId, Attribution, BroadEthnicGroup, Competency, EthnicCategory,
    LearningCategory, LearningItemId, OrganisationId, OrganisationKind, PublicationId, Tag, Tags,
    UserId, ValidationError, Version, MAX_PARAGRAPH, MAX_TITLE,
};

/// A case study's title: one line of 1–200 characters.
pub fn learning_title(field: &str, raw: &str) -> Result<String, ValidationError> {
    crate::line(field, raw, MAX_TITLE)
}

/// A case study's summary or reflections: a paragraph of 1–10,000 characters.
pub fn learning_text(field: &str, raw: &str) -> Result<String, ValidationError> {
    paragraph(field, raw, MAX_PARAGRAPH)
}

/// The library's categories a case study is filed under: at least one, no repeats, in the
/// order of the list.
pub fn parse_categories(
    field: &str,
    raw: &[&str],
) -> Result<Vec<LearningCategory>, ValidationError> {
    if raw.is_empty() {
        return Err(ValidationError::new(
            field,
            format!(
                "file the case study under at least one category: {}",
                LearningCategory::choices()
            ),
        ));
    }
    let mut list = raw
        .iter()
        .map(|r| LearningCategory::parse_for(field, r))
        .collect::<Result<Vec<_>, _>>()?;
    list.sort();
    list.dedup();
    Ok(list)
}

/// The cultural competencies a case study shows; may be empty.
pub fn parse_competencies(field: &str, raw: &[&str]) -> Result<Vec<Competency>, ValidationError> {
    let mut list = raw
        .iter()
        .map(|r| Competency::parse_for(field, r))
        .collect::<Result<Vec<_>, _>>()?;
    list.sort();
    list.dedup();
    Ok(list)
}

/// The ethnic groups a case study is about: may be empty, but each one named is a specific
/// NHS ethnic category (umbrella terms and broad groups are refused, as in priority areas).
pub fn parse_ethnic_groups(
    field: &str,
    raw: &[&str],
) -> Result<Vec<EthnicCategory>, ValidationError> {
    let mut list = raw
        .iter()
        .map(|r| EthnicCategory::parse_specific(field, r))
        .collect::<Result<Vec<_>, _>>()?;
    list.sort();
    list.dedup();
    Ok(list)
}

/// What a contributor writes. Texts here are as the library stores them: redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearningDraft {
    pub title: String,
    /// At least one, sorted, no repeats.
    pub categories: Vec<LearningCategory>,
    /// Sorted, no repeats; may be empty.
    pub competencies: Vec<Competency>,
    /// Specific groups, sorted, no repeats; may be empty.
    pub ethnic_categories: Vec<EthnicCategory>,
    pub summary: String,
    /// Reflections, learning and outcomes.
    pub reflections: String,
    pub attribution: Attribution,
    /// A published plan of the same alliance the case study comes from.
    pub publication_id: Option<PublicationId>,
    /// An action of that published plan; only together with `publication_id`.
    pub action_id: Option<ActionId>,
}

impl LearningDraft {
    /// The rules between fields: an action is linked only through its published plan.
    pub fn check(self) -> Result<LearningDraft, ValidationError> {
        if self.action_id.is_some() && self.publication_id.is_none() {
            return Err(ValidationError::new(
                "action_id",
                "link the published plan the action belongs to (publication_id) to link one of its actions",
            ));
        }
        Ok(self)
    }

    pub fn apply(&self, patch: &LearningPatch) -> Result<LearningDraft, ValidationError> {
        fn patched<T: Clone>(current: &T, patch: &Option<T>) -> T {
            patch.as_ref().unwrap_or(current).clone()
        }
        LearningDraft {
            title: patched(&self.title, &patch.title),
            categories: patched(&self.categories, &patch.categories),
            competencies: patched(&self.competencies, &patch.competencies),
            ethnic_categories: patched(&self.ethnic_categories, &patch.ethnic_categories),
            summary: patched(&self.summary, &patch.summary),
            reflections: patched(&self.reflections, &patch.reflections),
            attribution: patched(&self.attribution, &patch.attribution),
            publication_id: patched(&self.publication_id, &patch.publication_id),
            action_id: patched(&self.action_id, &patch.action_id),
        }
        .check()
    }

    /// The tags the library filters by (broad groups are derived from the ethnic categories).
    pub fn tags(&self) -> Tags {
        Tags {
            ethnic_categories: self.ethnic_categories.clone(),
            competencies: self.competencies.clone(),
            pillars: Vec::new(),
            categories: self.categories.clone(),
        }
        .normalised()
    }

    /// The lower-cased texts a library search looks in.
    pub fn search_text(&self) -> String {
        search_text([
            self.title.as_str(),
            self.summary.as_str(),
            self.reflections.as_str(),
        ])
    }
}

/// Changes to a case study; `None` leaves a field as it is, `Some(None)` clears a link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LearningPatch {
    pub title: Option<String>,
    pub categories: Option<Vec<LearningCategory>>,
    pub competencies: Option<Vec<Competency>>,
    pub ethnic_categories: Option<Vec<EthnicCategory>>,
    pub summary: Option<String>,
    pub reflections: Option<String>,
    pub attribution: Option<Attribution>,
    pub publication_id: Option<Option<PublicationId>>,
    pub action_id: Option<Option<ActionId>>,
}

impl LearningPatch {
    /// Whether the patch sets a link, so that the links are checked again.
    pub fn touches_links(&self) -> bool {
        self.publication_id.is_some() || self.action_id.is_some()
    }
}

/// A case study in the library.
#[derive(Debug, Clone, PartialEq)]
pub struct LearningItem {
    pub id: LearningItemId,
    pub alliance_id: AllianceId,
    pub alliance_name: String,
    /// The contributing organisation. Never served for an anonymous item.
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub organisation_kind: OrganisationKind,
    pub fields: LearningDraft,
    /// Who wrote it; served only to the contributing organisation's members.
    pub created_by: Option<UserId>,
    pub author_name: Option<String>,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LearningItem {
    /// The organisation's name, or "A provider in <alliance>" / "A partner in <alliance>"
    /// for an anonymous item.
    pub fn contributor_label(&self) -> String {
        contributor_label(
            self.fields.attribution,
            self.organisation_kind,
            &self.organisation_name,
            &self.alliance_name,
        )
    }
}

/// How the library names the contributor of a case study.
pub fn contributor_label(
    attribution: Attribution,
    kind: OrganisationKind,
    organisation_name: &str,
    alliance_name: &str,
) -> String {
    match (attribution, kind) {
        (Attribution::Anonymous, OrganisationKind::Vcse) => format!("A partner in {alliance_name}"),
        _ => provider_label(attribution, organisation_name, alliance_name),
    }
}

/// Filters for the learning library.
#[derive(Debug, Clone, Default)]
pub struct LearningFilter {
    /// Words that must all appear (case-insensitive) in the title, summary or reflections.
    pub text: Option<String>,
    pub category: Option<LearningCategory>,
    pub ethnic_category: Option<EthnicCategory>,
    pub broad_group: Option<BroadEthnicGroup>,
    pub competency: Option<Competency>,
    /// Only this organisation's named items: an anonymous one never matches.
    pub organisation_id: Option<OrganisationId>,
}

impl LearningFilter {
    /// The tags an item must carry.
    pub fn tags(&self) -> Vec<Tag> {
        [
            self.category.map(Tag::Category),
            self.ethnic_category.map(Tag::EthnicCategory),
            self.broad_group.map(Tag::BroadGroup),
            self.competency.map(Tag::Competency),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> LearningDraft {
        LearningDraft {
            title: "Peer support workers in crisis care".into(),
            categories: vec![LearningCategory::Safety],
            competencies: vec![],
            ethnic_categories: vec![EthnicCategory::Caribbean],
            summary: "Summary".into(),
            reflections: "Reflections".into(),
            attribution: Attribution::Named,
            publication_id: None,
            action_id: None,
        }
    }

    #[test]
    fn categories_are_required_and_folded() {
        assert!(parse_categories("categories", &[]).is_err());
        assert_eq!(
            parse_categories("categories", &["safety", "finance", "safety"]).expect("valid"),
            [LearningCategory::Finance, LearningCategory::Safety]
        );
        let err = parse_categories("categories", &["training"]).expect_err("unknown");
        assert!(
            err.message.contains("\"quality_improvement\""),
            "{}",
            err.message
        );
    }

    #[test]
    fn competencies_and_groups_may_be_empty_but_never_umbrella_terms() {
        assert_eq!(parse_competencies("competencies", &[]), Ok(vec![]));
        assert_eq!(parse_ethnic_groups("ethnic_categories", &[]), Ok(vec![]));
        assert!(parse_competencies("competencies", &["kindness"]).is_err());
        for refused in ["BAME", "asian", "Q"] {
            let err = parse_ethnic_groups("ethnic_categories", &["H", refused]).expect_err(refused);
            assert_eq!(err.field, "ethnic_categories");
        }
        assert_eq!(
            parse_ethnic_groups("ethnic_categories", &["k", "H", "K"]).expect("valid"),
            [EthnicCategory::Indian, EthnicCategory::Bangladeshi]
        );
    }

    #[test]
    fn an_action_is_linked_only_with_its_publication() {
        let mut d = draft();
        d.action_id = Some(ActionId::new());
        assert_eq!(
            d.clone().check().expect_err("no publication").field,
            "action_id"
        );
        d.publication_id = Some(PublicationId::new());
        assert!(d.clone().check().is_ok());
        let cleared = d
            .apply(&LearningPatch {
                publication_id: Some(None),
                ..LearningPatch::default()
            })
            .expect_err("the action would dangle");
        assert_eq!(cleared.field, "action_id");
    }

    #[test]
    fn tags_and_labels() {
        let d = draft();
        assert_eq!(d.tags().to_text(), ",eth:M,grp:black,cat:safety,");
        assert_eq!(
            contributor_label(Attribution::Anonymous, OrganisationKind::Vcse, "V", "North"),
            "A partner in North"
        );
        assert_eq!(
            contributor_label(
                Attribution::Anonymous,
                OrganisationKind::Provider,
                "P",
                "North"
            ),
            "A provider in North"
        );
        assert_eq!(
            contributor_label(Attribution::Named, OrganisationKind::Vcse, "V", "North"),
            "V"
        );
        assert_eq!(
            d.search_text(),
            "peer support workers in crisis care\nsummary\nreflections"
        );
    }
}
