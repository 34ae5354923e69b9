//! What leaves a provider's workspace: published versions of action plans (anonymised
//! snapshots, immutable once published) and the tags the alliance's library filters them by.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    AllianceId, Attribution, BroadEthnicGroup, Competency, EthnicCategory, LearningCategory,
    OrganisationId, Pillar, PlanId, PublicationId, PublicationSeriesId, UserId,
};

/// The longest stated reason for publishing while communities were not consulted.
pub const MAX_CONSULTATION_EXCEPTION: usize = 2000;

// ---- tags ---------------------------------------------------------------------------------

/// The filterable lists of a library record, kept as one text such as
/// `,eth:H,grp:asian,comp:workforce,pil:data,` so that one `LIKE '%,eth:H,%'` finds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    pub ethnic_categories: Vec<EthnicCategory>,
    pub competencies: Vec<Competency>,
    pub pillars: Vec<Pillar>,
    pub categories: Vec<LearningCategory>,
}

/// One tag to filter by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    EthnicCategory(EthnicCategory),
    BroadGroup(BroadEthnicGroup),
    Competency(Competency),
    Pillar(Pillar),
    Category(LearningCategory),
}

impl Tag {
    fn text(self) -> String {
        match self {
            Tag::EthnicCategory(c) => format!("eth:{}", c.as_str()),
            Tag::BroadGroup(g) => format!("grp:{}", g.as_str()),
            Tag::Competency(c) => format!("comp:{}", c.as_str()),
            Tag::Pillar(p) => format!("pil:{}", p.as_str()),
            Tag::Category(c) => format!("cat:{}", c.as_str()),
        }
    }

    /// The `LIKE` pattern that finds a record carrying this tag. Tag texts hold only letters,
    /// digits, `_` and `:`; `_` is a LIKE wildcard that can only match itself here because
    /// every tag is fenced by commas.
    pub fn like_pattern(self) -> String {
        format!("%,{},%", self.text())
    }
}

impl Tags {
    /// Sorted, without repeats, so that equal lists give equal texts.
    pub fn normalised(mut self) -> Tags {
        self.ethnic_categories.sort();
        self.ethnic_categories.dedup();
        self.competencies.sort();
        self.competencies.dedup();
        self.pillars.sort();
        self.pillars.dedup();
        self.categories.sort();
        self.categories.dedup();
        self
    }

    /// The stored text; broad groups are derived from the ethnic categories.
    pub fn to_text(&self) -> String {
        let mut groups: Vec<BroadEthnicGroup> = self
            .ethnic_categories
            .iter()
            .filter_map(|c| c.broad_group())
            .collect();
        groups.sort();
        groups.dedup();
        let tags = self
            .ethnic_categories
            .iter()
            .map(|c| Tag::EthnicCategory(*c))
            .chain(groups.into_iter().map(Tag::BroadGroup))
            .chain(self.competencies.iter().map(|c| Tag::Competency(*c)))
            .chain(self.pillars.iter().map(|p| Tag::Pillar(*p)))
            .chain(self.categories.iter().map(|c| Tag::Category(*c)));
        let mut text = String::from(",");
        for tag in tags {
            text.push_str(&tag.text());
            text.push(',');
        }
        text
    }

    /// Reads the stored text back; unknown tags are skipped (they can only come from a newer
    /// release).
    pub fn parse(text: &str) -> Tags {
        let mut tags = Tags::default();
        for tag in text.split(',').filter(|t| !t.is_empty()) {
            let Some((kind, value)) = tag.split_once(':') else {
                continue;
            };
            match kind {
                "eth" => tags
                    .ethnic_categories
                    .extend(value.parse::<EthnicCategory>().ok()),
                "comp" => tags.competencies.extend(value.parse::<Competency>().ok()),
                "pil" => tags.pillars.extend(value.parse::<Pillar>().ok()),
                "cat" => tags
                    .categories
                    .extend(value.parse::<LearningCategory>().ok()),
                _ => {}
            }
        }
        tags.normalised()
    }
}

/// The lower-cased words a library search looks in, from a record's texts.
pub fn search_text<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- the published document ---------------------------------------------------------------

/// A plan as the alliance sees it: anonymised text, no person's name, no private link.
/// Stored as JSON; never changed once published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedDocument {
    pub title: String,
    pub service: String,
    /// The plan's status when it was published.
    pub status: String,
    pub period_starts_on: Option<NaiveDate>,
    pub period_ends_on: Option<NaiveDate>,
    /// Why the plan was published although a priority's communities were not consulted.
    pub consultation_exception: Option<String>,
    pub priorities: Vec<PublishedPriority>,
    pub goals: Vec<PublishedGoal>,
    /// The day the snapshot was taken: overdue is worked out for it.
    pub as_of: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedPriority {
    pub id: String,
    pub statement: String,
    pub ethnic_categories: Vec<String>,
    pub service_area: Option<String>,
    pub evidence: Option<String>,
    pub communities_consulted: bool,
    pub consultation_notes: Option<String>,
    pub actions: Vec<PublishedAction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedGoal {
    pub id: String,
    pub statement: String,
    pub measure: String,
    pub baseline: Option<String>,
    pub target: String,
    pub deadline: Option<NaiveDate>,
    pub competencies: Vec<String>,
    pub pillar: String,
}

/// An action without its lead's name: only the lead's role is shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedAction {
    pub id: String,
    pub description: String,
    pub measure: Option<String>,
    pub expected_outcome: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub lead_role: Option<String>,
    pub cost_implications: Option<String>,
    pub status: String,
    pub overdue: bool,
    pub latest_update: Option<PublishedUpdate>,
}

/// The latest progress update on an action, without its author or evidence link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedUpdate {
    pub reported_on: NaiveDate,
    pub status: String,
    pub rag: String,
    pub narrative: String,
}

impl PublishedDocument {
    /// The tags the library filters the publication by.
    pub fn tags(&self) -> Tags {
        let parse_all = |codes: &[String]| -> Vec<EthnicCategory> {
            codes.iter().filter_map(|c| c.parse().ok()).collect()
        };
        Tags {
            ethnic_categories: self
                .priorities
                .iter()
                .flat_map(|p| parse_all(&p.ethnic_categories))
                .collect(),
            competencies: self
                .goals
                .iter()
                .flat_map(|g| g.competencies.iter().filter_map(|c| c.parse().ok()))
                .collect(),
            pillars: self
                .goals
                .iter()
                .filter_map(|g| g.pillar.parse().ok())
                .collect(),
            categories: Vec::new(),
        }
        .normalised()
    }

    /// Every text of the document, lower-cased, for search.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<&str> = vec![&self.title, &self.service];
        for p in &self.priorities {
            parts.push(&p.statement);
            parts.extend(p.service_area.as_deref());
            parts.extend(p.evidence.as_deref());
            for a in &p.actions {
                parts.push(&a.description);
                parts.extend(a.expected_outcome.as_deref());
                parts.extend(a.lead_role.as_deref());
            }
        }
        for g in &self.goals {
            parts.push(&g.statement);
            parts.push(&g.target);
        }
        search_text(parts)
    }

    /// Whether the document holds an action with this id.
    pub fn has_action(&self, id: &str) -> bool {
        self.priorities
            .iter()
            .any(|p| p.actions.iter().any(|a| a.id == id))
    }
}

// ---- publications -------------------------------------------------------------------------

/// One published version of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    pub summary: PublicationSummary,
    pub document: PublishedDocument,
}

/// A published version without its document: what the library lists.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicationSummary {
    pub id: PublicationId,
    pub series_id: PublicationSeriesId,
    pub version: u32,
    pub alliance_id: AllianceId,
    /// Never served for an anonymous publication.
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub alliance_name: String,
    /// Never served outside the publishing workspace.
    pub plan_id: PlanId,
    pub attribution: Attribution,
    pub title: String,
    pub tags: Tags,
    /// The newest version of its series that has not been withdrawn.
    pub is_current: bool,
    /// Never served outside the publishing workspace.
    pub published_by: Option<UserId>,
    pub published_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl PublicationSummary {
    /// The provider's name, or "A provider in <alliance>" for an anonymous publication.
    pub fn provider_label(&self) -> String {
        provider_label(
            self.attribution,
            &self.organisation_name,
            &self.alliance_name,
        )
    }
}

/// Filters for the alliance's library of published plans.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PublicationFilter {
    /// Words that must all appear (case-insensitive) in the plan's texts.
    pub text: Option<String>,
    pub ethnic_category: Option<EthnicCategory>,
    pub broad_group: Option<BroadEthnicGroup>,
    pub competency: Option<Competency>,
    pub pillar: Option<Pillar>,
    /// Only this provider's named publications: an anonymous one never matches.
    pub organisation_id: Option<OrganisationId>,
    pub published_from: Option<NaiveDate>,
    pub published_to: Option<NaiveDate>,
}

impl PublicationFilter {
    /// The tags a record must carry.
    pub fn tags(&self) -> Vec<Tag> {
        [
            self.ethnic_category.map(Tag::EthnicCategory),
            self.broad_group.map(Tag::BroadGroup),
            self.competency.map(Tag::Competency),
            self.pillar.map(Tag::Pillar),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// How the library names the publisher of a record.
pub fn provider_label(
    attribution: Attribution,
    organisation_name: &str,
    alliance_name: &str,
) -> String {
    match attribution {
        Attribution::Named => organisation_name.to_owned(),
        Attribution::Anonymous => format!("A provider in {alliance_name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_derive_broad_groups() {
        let tags = Tags {
            ethnic_categories: vec![EthnicCategory::Pakistani, EthnicCategory::Indian],
            competencies: vec![Competency::Workforce],
            pillars: vec![Pillar::Data, Pillar::Data],
            categories: vec![LearningCategory::Safety],
        }
        .normalised();
        let text = tags.to_text();
        assert_eq!(
            text,
            ",eth:H,eth:J,grp:asian,comp:workforce,pil:data,cat:safety,"
        );
        assert_eq!(Tags::parse(&text), tags);
        assert!(text.contains(
            &Tag::BroadGroup(BroadEthnicGroup::Asian)
                .like_pattern()
                .replace('%', "")
        ));
    }

    #[test]
    fn search_text_is_lower_case() {
        assert_eq!(search_text(["Ward A", "", "ÉQUITY"]), "ward a\néquity");
    }
}
