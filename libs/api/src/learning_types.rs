//! Request and response bodies of the learning library: case studies contributed by
//! providers and VCSE partners.

use chrono::{DateTime, Utc};
use poem_openapi::types::{Example, MaybeUndefined};
use poem_openapi::Object;
use uuid::Uuid;

use pcref_domain as domain;
use pcref_domain::ValidationError;

use crate::plan_types::{Choice, Fields};
use crate::publishing_types::{
    ethnic_filters, redactions, search_words, warnings, Redaction, Warning,
};
use crate::types::{
    AtLeastOne, EthnicCode, LineOf, OrganisationKind, ParagraphOf, Ruled, SearchWords, Text,
};

// ---- requests -----------------------------------------------------------------------------

/// A case study to contribute. Its title, summary and reflections are redacted before they
/// are stored (names known to the organisation, its withheld terms, email addresses, phone
/// numbers, NHS numbers, postcodes, and for an anonymous item the organisation's own name);
/// the answer lists what was replaced.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewLearningItem {
    /// 1–200 characters.
    pub title: LineOf<200>,
    /// At least one: `finance`, `quality_improvement`, `safety`,
    /// `community_trust_and_engagement`, `recruitment_and_retention`.
    pub categories: Ruled<Vec<Choice<domain::LearningCategory>>, AtLeastOne>,
    /// The cultural competencies the case study shows (see
    /// `/api/v1/reference/competencies`); may be empty.
    pub competencies: Vec<Choice<domain::Competency>>,
    /// The specific ethnic groups it is about, as NHS ethnic category codes; may be empty
    /// when it is not about particular groups. Umbrella terms such as "BAME" and broad groups
    /// are refused: name the groups.
    pub ethnic_categories: Vec<Ruled<Text, EthnicCode>>,
    /// What was done; up to 10,000 characters.
    pub summary: ParagraphOf<10_000>,
    /// Reflections, learning and outcomes; up to 10,000 characters.
    pub reflections: ParagraphOf<10_000>,
    /// `named`, or `anonymous` to appear as "A provider in <alliance>" ("A partner in
    /// <alliance>" for a VCSE organisation).
    pub attribution: Choice<domain::Attribution>,
    /// The organisation contributing it: needed only when you write for more than one
    /// organisation of the alliance.
    pub organisation_id: Option<Uuid>,
    /// A published plan of this alliance the case study comes from.
    pub publication_id: Option<Uuid>,
    /// One of that published plan's actions (only with `publication_id`).
    pub action_id: Option<Uuid>,
    /// Required as `true` when the texts mention small numbers of people (such as
    /// "3 patients"); without it such a request is refused with the warnings to read.
    pub acknowledge_warnings: Option<bool>,
}

fn texts<T: AsRef<str>>(list: &[T]) -> Vec<&str> {
    list.iter().map(AsRef::as_ref).collect()
}

fn choices<T: crate::plan_types::ChoiceSet>(
    field: &str,
    list: &[Choice<T>],
) -> Result<Vec<T>, ValidationError> {
    list.iter().map(|c| c.parse(field)).collect()
}

fn categories(
    list: &[Choice<domain::LearningCategory>],
) -> Result<Vec<domain::LearningCategory>, ValidationError> {
    let parsed = choices("categories", list)?;
    let codes: Vec<&str> = parsed.iter().map(|c| c.as_str()).collect();
    domain::parse_categories("categories", &codes)
}

fn competencies(
    list: &[Choice<domain::Competency>],
) -> Result<Vec<domain::Competency>, ValidationError> {
    let parsed = choices("competencies", list)?;
    let codes: Vec<&str> = parsed.iter().map(|c| c.as_str()).collect();
    domain::parse_competencies("competencies", &codes)
}

impl NewLearningItem {
    pub fn parse(&self) -> Result<pcref_app::NewLearningRequest, Vec<ValidationError>> {
        let mut f = Fields::default();
        let title = f.take(domain::learning_title("title", self.title.as_str()));
        let categories = f.take(categories(&self.categories));
        let competencies = f.take(competencies(&self.competencies));
        let groups = f.take(domain::parse_ethnic_groups(
            "ethnic_categories",
            &texts(&self.ethnic_categories),
        ));
        let summary = f.take(domain::learning_text("summary", self.summary.as_str()));
        let reflections = f.take(domain::learning_text(
            "reflections",
            self.reflections.as_str(),
        ));
        let attribution = f.take(self.attribution.parse("attribution"));
        let fields = f.take(
            domain::LearningDraft {
                title: title.clone().unwrap_or_default(),
                categories: categories.clone().unwrap_or_default(),
                competencies: competencies.clone().unwrap_or_default(),
                ethnic_categories: groups.clone().unwrap_or_default(),
                summary: summary.clone().unwrap_or_default(),
                reflections: reflections.clone().unwrap_or_default(),
                attribution: attribution.unwrap_or(domain::Attribution::Named),
                publication_id: self.publication_id.map(domain::PublicationId),
                action_id: self.action_id.map(domain::ActionId),
            }
            .check(),
        );
        f.finish()?;
        Ok(pcref_app::NewLearningRequest {
            organisation_id: self.organisation_id.map(domain::OrganisationId),
            // Present: `finish` refused the request otherwise.
            fields: fields.ok_or_else(Vec::new)?,
            acknowledge_warnings: self.acknowledge_warnings.unwrap_or(false),
        })
    }
}

/// Changes to a case study; absent fields stay as they are, `null` removes a link. Texts
/// sent are redacted like new ones. Making the item anonymous redacts all its texts again,
/// the organisation's own name included (readers who saw it named before will still know).
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct LearningItemChanges {
    pub title: Option<LineOf<200>>,
    /// At least one.
    pub categories: Option<Ruled<Vec<Choice<domain::LearningCategory>>, AtLeastOne>>,
    pub competencies: Option<Vec<Choice<domain::Competency>>>,
    pub ethnic_categories: Option<Vec<Ruled<Text, EthnicCode>>>,
    pub summary: Option<ParagraphOf<10_000>>,
    pub reflections: Option<ParagraphOf<10_000>>,
    pub attribution: Option<Choice<domain::Attribution>>,
    pub publication_id: MaybeUndefined<Uuid>,
    /// Only with a `publication_id` (sent now or set before).
    pub action_id: MaybeUndefined<Uuid>,
    /// Required as `true` when the texts sent mention small numbers of people.
    pub acknowledge_warnings: Option<bool>,
}

fn patch_id<T>(v: &MaybeUndefined<Uuid>, id: fn(Uuid) -> T) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(u) => Some(Some(id(*u))),
    }
}

impl LearningItemChanges {
    pub fn parse(&self) -> Result<pcref_app::LearningChangeRequest, Vec<ValidationError>> {
        let mut f = Fields::default();
        let title = f.take(
            self.title
                .as_ref()
                .map(|t| domain::learning_title("title", t.as_str()))
                .transpose(),
        );
        let categories = f.take(
            self.categories
                .as_deref()
                .map(|l| categories(l))
                .transpose(),
        );
        let competencies = f.take(self.competencies.as_deref().map(competencies).transpose());
        let groups = f.take(
            self.ethnic_categories
                .as_deref()
                .map(|list| domain::parse_ethnic_groups("ethnic_categories", &texts(list)))
                .transpose(),
        );
        let summary = f.take(
            self.summary
                .as_ref()
                .map(|t| domain::learning_text("summary", t.as_str()))
                .transpose(),
        );
        let reflections = f.take(
            self.reflections
                .as_ref()
                .map(|t| domain::learning_text("reflections", t.as_str()))
                .transpose(),
        );
        let attribution = f.take(
            self.attribution
                .as_ref()
                .map(|a| a.parse("attribution"))
                .transpose(),
        );
        f.finish()?;
        Ok(pcref_app::LearningChangeRequest {
            patch: domain::LearningPatch {
                title: title.flatten(),
                categories: categories.flatten(),
                competencies: competencies.flatten(),
                ethnic_categories: groups.flatten(),
                summary: summary.flatten(),
                reflections: reflections.flatten(),
                attribution: attribution.flatten(),
                publication_id: patch_id(&self.publication_id, domain::PublicationId),
                action_id: patch_id(&self.action_id, domain::ActionId),
            },
            acknowledge_warnings: self.acknowledge_warnings.unwrap_or(false),
        })
    }
}

// ---- responses ----------------------------------------------------------------------------

/// The organisation that contributed a named case study.
#[derive(Debug, Clone, Object)]
pub struct Contributor {
    pub organisation_id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
}

/// Who wrote a case study: shown only to the members of the organisation that contributed it.
#[derive(Debug, Clone, Object)]
pub struct Author {
    pub user_id: Uuid,
    pub display_name: Option<String>,
}

/// A good-practice case study in the alliance's learning library. Its texts are stored
/// redacted.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct LearningItem {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub attribution: Choice<domain::Attribution>,
    /// Absent when the item is anonymous.
    pub contributor: Option<Contributor>,
    /// The organisation's name, or "A provider in <alliance>" / "A partner in <alliance>".
    pub contributor_label: String,
    /// Only for the contributing organisation's own members.
    pub author: Option<Author>,
    pub title: String,
    pub categories: Vec<Choice<domain::LearningCategory>>,
    pub competencies: Vec<Choice<domain::Competency>>,
    /// NHS ethnic category codes.
    pub ethnic_categories: Vec<String>,
    pub summary: String,
    /// Reflections, learning and outcomes.
    pub reflections: String,
    /// The published plan it comes from (`GET /api/v1/publications/{id}`). A version withdrawn
    /// since reads as not found to everybody outside its provider.
    pub publication_id: Option<Uuid>,
    /// The action of that published plan it comes from.
    pub action_id: Option<Uuid>,
    /// Send back as `If-Match: "<version>"` (also served as `ETag`).
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// In the answer to a contribution or a change only: what redaction replaced in the texts
    /// sent (never what it hid).
    #[oai(skip_serializing_if_is_none)]
    pub redactions: Option<Vec<Redaction>>,
    /// In the answer to a contribution or a change only: small numbers of people in the
    /// texts sent, acknowledged with `acknowledge_warnings: true`.
    #[oai(skip_serializing_if_is_none)]
    pub warnings: Option<Vec<Warning>>,
}

impl From<domain::LearningItem> for LearningItem {
    fn from(item: domain::LearningItem) -> Self {
        let contributor_label = item.contributor_label();
        let f = item.fields;
        let contributor = match f.attribution {
            domain::Attribution::Named => Some(Contributor {
                organisation_id: item.organisation_id.as_uuid(),
                name: item.organisation_name,
                kind: item.organisation_kind.into(),
            }),
            domain::Attribution::Anonymous => None,
        };
        LearningItem {
            id: item.id.as_uuid(),
            alliance_id: item.alliance_id.as_uuid(),
            attribution: Choice::of(f.attribution),
            contributor,
            contributor_label,
            author: item.created_by.map(|u| Author {
                user_id: u.as_uuid(),
                display_name: item.author_name,
            }),
            title: f.title,
            categories: f.categories.into_iter().map(Choice::of).collect(),
            competencies: f.competencies.into_iter().map(Choice::of).collect(),
            ethnic_categories: f
                .ethnic_categories
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            summary: f.summary,
            reflections: f.reflections,
            publication_id: f.publication_id.map(|p| p.as_uuid()),
            action_id: f.action_id.map(|a| a.as_uuid()),
            version: item.version.0,
            created_at: item.created_at,
            updated_at: item.updated_at,
            redactions: None,
            warnings: None,
        }
    }
}

impl From<pcref_app::ContributedLearning> for LearningItem {
    fn from(c: pcref_app::ContributedLearning) -> Self {
        LearningItem {
            redactions: Some(redactions(&c.report)),
            warnings: Some(warnings(&c.report)),
            ..c.item.into()
        }
    }
}

crate::types::page_type!(
    /// A page of the learning library, newest first.
    LearningPage of LearningItem
);

// ---- library filters ----------------------------------------------------------------------

/// The library's query parameters, parsed; every bad one is reported at once. Codes and
/// broad groups are read in any case; an umbrella term is refused with the same guidance as
/// in a priority area.
pub(crate) fn learning_filter(
    q: Option<SearchWords>,
    category: Option<String>,
    ethnic_category: Option<String>,
    broad_group: Option<String>,
    competency: Option<String>,
    organisation_id: Option<Uuid>,
) -> Result<domain::LearningFilter, Vec<ValidationError>> {
    let mut f = Fields::default();
    let text = f.take(search_words(q));
    let category = f.take(
        category
            .as_deref()
            .map(|c| domain::LearningCategory::parse_for("category", c))
            .transpose(),
    );
    let (ethnic_category, broad_group) = ethnic_filters(&mut f, ethnic_category, broad_group);
    let competency = f.take(
        competency
            .as_deref()
            .map(|c| domain::Competency::parse_for("competency", c))
            .transpose(),
    );
    f.finish()?;
    Ok(domain::LearningFilter {
        text: text.flatten(),
        category: category.flatten(),
        ethnic_category,
        broad_group,
        competency: competency.flatten(),
        organisation_id: organisation_id.map(domain::OrganisationId),
    })
}

// ---- examples -----------------------------------------------------------------------------

const EXAMPLE_SUMMARY: &str = "Peer support workers from local African and Caribbean churches joined the crisis team's evening shifts. Contact [redacted: email] for the role description.";
const EXAMPLE_REFLECTIONS: &str = "Families said they felt listened to; repeat crisis contacts fell over two quarters. Start with the community partners before writing the job description.";

impl Example for NewLearningItem {
    fn example() -> Self {
        NewLearningItem {
            title: "Peer support workers on the crisis team".into(),
            categories: vec![
                Choice::of(domain::LearningCategory::CommunityTrustAndEngagement),
                Choice::of(domain::LearningCategory::Safety),
            ]
            .into(),
            competencies: vec![
                Choice::of(domain::Competency::CoProduction),
                Choice::of(domain::Competency::PartnershipWorking),
            ],
            ethnic_categories: vec!["M".into(), "N".into()],
            summary: "Peer support workers from local African and Caribbean churches joined the crisis team's evening shifts. Contact jo.bloggs@example-trust.nhs.uk for the role description.".into(),
            reflections: EXAMPLE_REFLECTIONS.into(),
            attribution: Choice::of(domain::Attribution::Anonymous),
            organisation_id: None,
            publication_id: Some(Uuid::from_u128(0x0193_8a10_5c2e_7b3f_8a4c_5d6e_7f80_9102)),
            action_id: Some(Uuid::from_u128(0x0192_f0c3_0a1e_7f5a_9b6c_7d8e_9f0a_1b04)),
            acknowledge_warnings: None,
        }
    }
}

impl Example for LearningItemChanges {
    fn example() -> Self {
        LearningItemChanges {
            title: None,
            categories: None,
            competencies: None,
            ethnic_categories: None,
            summary: None,
            reflections: Some("Repeat crisis contacts fell by a third over two quarters; fewer than 8 people declined a referral.".into()),
            attribution: None,
            publication_id: MaybeUndefined::Undefined,
            action_id: MaybeUndefined::Null,
            acknowledge_warnings: None,
        }
    }
}

impl Example for LearningItem {
    fn example() -> Self {
        let at = DateTime::from_timestamp(1_795_428_000, 0).unwrap_or_default();
        LearningItem {
            id: Uuid::from_u128(0x0193_8b20_1d4e_7a5f_9b6c_7d8e_9f0a_1c05),
            alliance_id: Uuid::from_u128(0x0192_f0c1_8b7a_7cde_9f00_3c5e_2f1a_7b10),
            attribution: Choice::of(domain::Attribution::Anonymous),
            contributor: None,
            contributor_label: "A provider in East Midlands PCREF Alliance".into(),
            author: None,
            title: "Peer support workers on the crisis team".into(),
            categories: vec![
                Choice::of(domain::LearningCategory::Safety),
                Choice::of(domain::LearningCategory::CommunityTrustAndEngagement),
            ],
            competencies: vec![
                Choice::of(domain::Competency::PartnershipWorking),
                Choice::of(domain::Competency::CoProduction),
            ],
            ethnic_categories: vec!["M".into(), "N".into()],
            summary: EXAMPLE_SUMMARY.into(),
            reflections: EXAMPLE_REFLECTIONS.into(),
            publication_id: Some(Uuid::from_u128(0x0193_8a10_5c2e_7b3f_8a4c_5d6e_7f80_9102)),
            action_id: Some(Uuid::from_u128(0x0192_f0c3_0a1e_7f5a_9b6c_7d8e_9f0a_1b04)),
            version: 1,
            created_at: at,
            updated_at: at,
            redactions: Some(vec![Redaction {
                field: "summary".into(),
                kind: "email".into(),
                position: 112,
            }]),
            warnings: Some(Vec::new()),
        }
    }
}
