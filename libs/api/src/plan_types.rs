//! Request and response bodies of the provider workspace: reference data, templates, plans
//! and their four stages; and their conversion to and from the domain's types.

use std::borrow::Cow;
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{
    Example, MaybeUndefined, ParseError, ParseFromJSON, ParseResult, ToJSON, Type,
};
use poem_openapi::Object;
use serde_json::Value;
use uuid::Uuid;

use pcref_domain as domain;
use pcref_domain::ValidationError;

use crate::types::{
    any_case, AtLeastOne, EthnicCode, EvidenceUrl, LineOf, Mandatory, OptionalLineOf,
    OptionalParagraphOf, ParagraphOf, PlanDate, Rule, Ruled, Text,
};

// ---- closed sets --------------------------------------------------------------------------

/// A closed set from the domain, as the API documents it.
pub trait ChoiceSet: Copy + Send + Sync + 'static {
    fn values() -> Vec<&'static str>;
    fn text(self) -> &'static str;
    fn parse(field: &str, raw: &str) -> Result<Self, ValidationError>;
}

macro_rules! choice_set {
    ($($t:ty),*) => {$(
        impl ChoiceSet for $t {
            fn values() -> Vec<&'static str> {
                <$t>::ALL.iter().map(|v| v.as_str()).collect()
            }
            fn text(self) -> &'static str {
                self.as_str()
            }
            fn parse(field: &str, raw: &str) -> Result<Self, ValidationError> {
                <$t>::parse_for(field, raw)
            }
        }
    )*};
}

choice_set!(
    domain::PlanStatus,
    domain::ActionStatus,
    domain::Rag,
    domain::Competency,
    domain::Pillar,
    domain::BroadEthnicGroup,
    domain::Attribution,
    domain::LearningCategory,
    domain::Scope,
    domain::FeedbackChannel,
    domain::FeedbackStatus,
    domain::FeedbackView,
    domain::ProjectPhase,
    domain::ParticipationStatus,
    domain::PeriodStatus
);

/// `OneOf<T>`: one of the set's values, exactly (a query filter).
pub struct OneOf<T>(PhantomData<T>);

impl<T: ChoiceSet> Rule for OneOf<T> {
    fn apply(schema: &mut MetaSchema) {
        schema.enum_items = T::values().into_iter().map(Value::from).collect();
    }
}

/// `TrimmedOneOf<T>`: one of the set's values, spaces around it allowed, blank for none (the
/// plan list's filters).
pub struct TrimmedOneOf<T>(PhantomData<T>);

impl<T: ChoiceSet> Rule for TrimmedOneOf<T> {
    fn apply(schema: &mut MetaSchema) {
        schema.pattern = Some(format!(r"^[ \t]*({})?[ \t]*$", T::values().join("|")));
    }
}

/// `AnyCaseOneOf<T>`: one of the set's values in either case, spaces around it allowed (the
/// libraries' broad group filter).
pub struct AnyCaseOneOf<T>(PhantomData<T>);

impl<T: ChoiceSet> Rule for AnyCaseOneOf<T> {
    fn apply(schema: &mut MetaSchema) {
        let values: Vec<String> = T::values().into_iter().map(any_case).collect();
        schema.pattern = Some(format!(r"^[ \t]*({})[ \t]*$", values.join("|")));
    }
}

/// A value of a closed set. The document lists the values; a request with another value is
/// answered 422 naming the field and the values allowed (not 400), like every other rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice<T> {
    raw: String,
    set: PhantomData<T>,
}

impl<T: ChoiceSet> Choice<T> {
    pub fn of(value: T) -> Self {
        Choice {
            raw: value.text().to_owned(),
            set: PhantomData,
        }
    }

    /// The value, checked against the set.
    pub fn parse(&self, field: &str) -> Result<T, ValidationError> {
        T::parse(field, &self.raw)
    }
}

impl<T: ChoiceSet> Type for Choice<T> {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new("string");
        schema.enum_items = T::values().into_iter().map(Value::from).collect();
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl<T: ChoiceSet> ParseFromJSON for Choice<T> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(raw) => Ok(Choice {
                raw,
                set: PhantomData,
            }),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl<T: ChoiceSet> ToJSON for Choice<T> {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.raw.clone()))
    }
}

// ---- field parsing ------------------------------------------------------------------------

/// Collects every field's error, so that a form can show them all at once.
#[derive(Default)]
pub(crate) struct Fields {
    errors: Vec<ValidationError>,
}

impl Fields {
    pub fn take<T>(&mut self, result: Result<T, ValidationError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), Vec<ValidationError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

pub(crate) fn title(field: &str, t: &Text) -> Result<String, ValidationError> {
    domain::line(field, t.as_str(), domain::MAX_TITLE)
}

pub(crate) fn para(field: &str, t: &Text) -> Result<String, ValidationError> {
    domain::paragraph(field, t.as_str(), domain::MAX_PARAGRAPH)
}

pub(crate) fn opt_para<T: AsRef<str>>(
    field: &str,
    t: &Option<T>,
) -> Result<Option<String>, ValidationError> {
    domain::optional_paragraph(field, t.as_ref().map(AsRef::as_ref), domain::MAX_PARAGRAPH)
}

fn opt_line<T: AsRef<str>>(
    field: &str,
    t: &Option<T>,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    domain::optional_line(field, t.as_ref().map(AsRef::as_ref), max)
}

/// A nullable field of a patch: absent → unchanged, `null` (or blank) → cleared.
pub(crate) fn patch_para<T: AsRef<str>>(
    field: &str,
    t: &MaybeUndefined<T>,
) -> Result<Option<Option<String>>, ValidationError> {
    match t {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(v) => {
            domain::optional_paragraph(field, Some(v.as_ref()), domain::MAX_PARAGRAPH).map(Some)
        }
    }
}

fn patch_line<T: AsRef<str>>(
    field: &str,
    t: &MaybeUndefined<T>,
    max: usize,
) -> Result<Option<Option<String>>, ValidationError> {
    match t {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(v) => domain::optional_line(field, Some(v.as_ref()), max).map(Some),
    }
}

pub(crate) fn patch_value<T: Clone>(v: &MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.clone())),
    }
}

/// A date a request sends.
pub(crate) type Date = Ruled<NaiveDate, PlanDate>;

pub(crate) fn day(field: &str, d: &Option<Date>) -> Result<Option<NaiveDate>, ValidationError> {
    d.as_ref()
        .map(|d| domain::plan_date(field, d.0))
        .transpose()
}

fn patch_day(
    field: &str,
    d: &MaybeUndefined<Date>,
) -> Result<Option<Option<NaiveDate>>, ValidationError> {
    match patch_value(d) {
        Some(Some(d)) => domain::plan_date(field, d.0).map(|d| Some(Some(d))),
        Some(None) => Ok(Some(None)),
        None => Ok(None),
    }
}

pub(crate) fn texts<T: AsRef<str>>(list: &[T]) -> Vec<&str> {
    list.iter().map(AsRef::as_ref).collect()
}

pub(crate) fn choices<T: ChoiceSet>(list: &[Choice<T>]) -> Vec<&str> {
    list.iter().map(|c| c.raw.as_str()).collect()
}

fn lead_name<T: AsRef<str>>(field: &str, t: &Option<T>) -> Result<Option<String>, ValidationError> {
    opt_line(field, t, domain::MAX_NAME)
}

// ---- reference data -----------------------------------------------------------------------

/// An NHS Data Dictionary ethnic category.
#[derive(Debug, Clone, Object)]
pub struct EthnicCategory {
    /// The code, such as `H`; `99` is "not known".
    pub code: String,
    pub label: String,
    /// The broad group, usable as a filter shortcut; null for "not stated" and "not known".
    pub broad_group: Option<Choice<domain::BroadEthnicGroup>>,
    pub broad_group_label: Option<String>,
}

impl From<domain::EthnicCategory> for EthnicCategory {
    fn from(c: domain::EthnicCategory) -> Self {
        EthnicCategory {
            code: c.as_str().to_owned(),
            label: c.label().to_owned(),
            broad_group: c.broad_group().map(Choice::of),
            broad_group_label: c.broad_group().map(|g| g.label().to_owned()),
        }
    }
}

/// One of the eight cultural competencies.
#[derive(Debug, Clone, Object)]
pub struct Competency {
    pub code: Choice<domain::Competency>,
    pub label: String,
    /// One of the six national organisational competencies trusts self-assess against
    /// (the other two are local additions).
    pub national: bool,
    pub description: String,
}

impl From<domain::Competency> for Competency {
    fn from(c: domain::Competency) -> Self {
        Competency {
            code: Choice::of(c),
            label: c.label().to_owned(),
            national: c.is_national(),
            description: c.description().to_owned(),
        }
    }
}

/// One of the three PCREF pillars.
#[derive(Debug, Clone, Object)]
pub struct Pillar {
    pub code: Choice<domain::Pillar>,
    pub label: String,
    pub description: String,
}

impl From<domain::Pillar> for Pillar {
    fn from(p: domain::Pillar) -> Self {
        Pillar {
            code: Choice::of(p),
            label: p.label().to_owned(),
            description: p.description().to_owned(),
        }
    }
}

// ---- templates ----------------------------------------------------------------------------

/// The prompts of one stage of the PCREF action-planning tool.
#[derive(Debug, Clone, Object)]
pub struct Stage {
    /// 1 identify priority areas, 2 set goals, 3 implementation, 4 monitor and evaluate.
    pub stage: u8,
    pub title: String,
    pub prompts: Vec<String>,
}

impl From<domain::StageGuidance> for Stage {
    fn from(s: domain::StageGuidance) -> Self {
        Stage {
            stage: s.stage,
            title: s.title,
            prompts: s.prompts,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct TemplatePriority {
    pub statement: String,
    pub ethnic_categories: Vec<String>,
    pub service_area: Option<String>,
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, Object)]
pub struct TemplateGoal {
    pub statement: String,
    pub measure: String,
    pub baseline: Option<String>,
    pub target: String,
    pub competencies: Vec<String>,
    pub pillar: String,
}

#[derive(Debug, Clone, Object)]
pub struct TemplateAction {
    /// The position (from 0) of the priority area it serves in `priorities`.
    pub priority: u32,
    pub description: String,
    pub measure: Option<String>,
    pub expected_outcome: Option<String>,
    pub lead_role: Option<String>,
    pub cost_implications: Option<String>,
}

/// A plan skeleton: the stages' prompts and, for a template saved from a plan, its priority
/// areas, goals and actions (without dates, leads' names or progress).
///
/// A template another organisation shared with the alliance reads as the redacted copy it
/// shared (names, emails, phone and NHS numbers, postcodes and its withheld terms replaced by
/// markers such as `[redacted: email]`), without `source_plan_id`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Template {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// Built into the platform, or saved by an organisation.
    pub built_in: bool,
    /// The organisation that saved it; null for a built-in template.
    pub organisation_id: Option<Uuid>,
    /// The plan it was saved from; shown to its own organisation only.
    pub source_plan_id: Option<Uuid>,
    pub stages: Vec<Stage>,
    pub priorities: Vec<TemplatePriority>,
    pub goals: Vec<TemplateGoal>,
    pub actions: Vec<TemplateAction>,
    pub created_at: DateTime<Utc>,
    /// When its organisation first shared it with the alliance; null while not shared.
    pub shared_at: Option<DateTime<Utc>>,
    /// How many organisations have adopted it (0 unless shared).
    pub adoptions: u32,
    /// For a copy adopted from another organisation's shared template: that template, as
    /// shared.
    pub adopted_from: Option<TemplateOrigin>,
}

/// Where an adopted template came from.
#[derive(Debug, Clone, Object)]
pub struct TemplateOrigin {
    /// The shared template it was copied from.
    pub id: Uuid,
    /// Its name as shared.
    pub name: String,
    pub organisation_id: Uuid,
    /// The organisation that shared it.
    pub organisation_name: String,
}

impl From<domain::TemplateOrigin> for TemplateOrigin {
    fn from(o: domain::TemplateOrigin) -> Self {
        TemplateOrigin {
            id: o.id.as_uuid(),
            name: o.name,
            organisation_id: o.organisation_id.as_uuid(),
            organisation_name: o.organisation_name,
        }
    }
}

/// A template as just shared: exactly what the alliance now reads, and what was redacted to
/// get there.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct SharedTemplate {
    #[oai(flatten)]
    pub template: Template,
    /// Each identifier replaced by a marker: where, and of which kind (never what it was).
    pub redactions: Vec<crate::publishing_types::Redaction>,
    /// Small numbers of people next to words such as patients, shared as written: if one could
    /// identify someone, save a corrected template from the plan and share that instead.
    pub warnings: Vec<crate::publishing_types::Warning>,
}

impl From<pcref_app::SharedTemplate> for SharedTemplate {
    fn from(s: pcref_app::SharedTemplate) -> Self {
        SharedTemplate {
            redactions: crate::publishing_types::redactions(&s.report),
            warnings: crate::publishing_types::warnings(&s.report),
            template: s.template.into(),
        }
    }
}

/// Adopt a shared template into one of the caller's provider workspaces.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct AdoptTemplate {
    /// The provider that adopts it (its admins and editors).
    pub organisation_id: Uuid,
}

impl From<domain::Template> for Template {
    fn from(t: domain::Template) -> Self {
        Template {
            id: t.id.as_uuid(),
            built_in: t.is_built_in(),
            shared_at: t.shared_at,
            adoptions: t.adoptions,
            adopted_from: t.adopted_from.map(Into::into),
            name: t.name,
            description: t.description,
            organisation_id: t.organisation_id.map(|o| o.as_uuid()),
            source_plan_id: t.source_plan_id.map(|p| p.as_uuid()),
            stages: t.content.stages.into_iter().map(Into::into).collect(),
            priorities: t
                .content
                .priorities
                .into_iter()
                .map(|p| TemplatePriority {
                    statement: p.statement,
                    ethnic_categories: p.ethnic_categories,
                    service_area: p.service_area,
                    evidence: p.evidence,
                })
                .collect(),
            goals: t
                .content
                .goals
                .into_iter()
                .map(|g| TemplateGoal {
                    statement: g.statement,
                    measure: g.measure,
                    baseline: g.baseline,
                    target: g.target,
                    competencies: g.competencies,
                    pillar: g.pillar,
                })
                .collect(),
            actions: t
                .content
                .actions
                .into_iter()
                .map(|a| TemplateAction {
                    priority: u32::try_from(a.priority).unwrap_or(u32::MAX),
                    description: a.description,
                    measure: a.measure,
                    expected_outcome: a.expected_outcome,
                    lead_role: a.lead_role,
                    cost_implications: a.cost_implications,
                })
                .collect(),
            created_at: t.created_at,
        }
    }
}

/// Save one of the organisation's plans as a template (private to the organisation).
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewTemplate {
    pub from_plan_id: Uuid,
    /// 1–200 characters.
    pub name: LineOf<200>,
    pub description: Option<OptionalParagraphOf<10_000>>,
}

impl NewTemplate {
    pub fn parse(&self) -> Result<pcref_app::NewTemplateRequest, Vec<ValidationError>> {
        let mut f = Fields::default();
        let name = f.take(domain::line("name", self.name.as_str(), domain::MAX_TITLE));
        let description = f.take(opt_para("description", &self.description));
        f.finish()?;
        Ok(pcref_app::NewTemplateRequest {
            from_plan_id: domain::PlanId(self.from_plan_id),
            name: name.unwrap_or_default(),
            description: description.flatten(),
        })
    }
}

// ---- plans --------------------------------------------------------------------------------

#[derive(Debug, Clone, Object)]
pub struct PlanOwner {
    pub user_id: Uuid,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Object)]
pub struct TemplateRef {
    pub id: Uuid,
    /// The template's name when the plan was created from it.
    pub name: Option<String>,
}

/// An action plan in a provider's private workspace.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Plan {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub title: String,
    /// The service or directorate the plan covers.
    pub service: String,
    pub owner: Option<PlanOwner>,
    pub status: Choice<domain::PlanStatus>,
    pub period_starts_on: Option<NaiveDate>,
    pub period_ends_on: Option<NaiveDate>,
    /// The template the plan was created from.
    pub template: Option<TemplateRef>,
    /// The prompts of each stage, from the template.
    pub stages: Vec<Stage>,
    /// Send back as `If-Match: "<version>"` (also served as `ETag`).
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<domain::Plan> for Plan {
    fn from(p: domain::Plan) -> Self {
        Plan {
            id: p.id.as_uuid(),
            organisation_id: p.organisation_id.as_uuid(),
            title: p.fields.title,
            service: p.fields.service,
            owner: p.fields.owner_user_id.map(|u| PlanOwner {
                user_id: u.as_uuid(),
                display_name: p.owner_name,
            }),
            status: Choice::of(p.fields.status),
            period_starts_on: p.fields.period_starts_on,
            period_ends_on: p.fields.period_ends_on,
            template: p.template_id.map(|t| TemplateRef {
                id: t.as_uuid(),
                name: p.template_name,
            }),
            stages: p.guidance.into_iter().map(Into::into).collect(),
            version: p.version.0,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A new plan, from scratch or from a template (`GET /api/v1/templates`).
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewPlan {
    /// 1–200 characters.
    pub title: LineOf<200>,
    /// The service or directorate the plan covers; 1–200 characters.
    pub service: LineOf<200>,
    /// Copy this template's stages (and, for a saved template, its priorities, goals and actions).
    pub template_id: Option<Uuid>,
    /// An active member of the provider; the creator unless given.
    pub owner_user_id: Option<Uuid>,
    /// `draft` unless given.
    pub status: Option<Choice<domain::PlanStatus>>,
    pub period_starts_on: Option<Date>,
    /// On or after `period_starts_on`.
    pub period_ends_on: Option<Date>,
}

impl NewPlan {
    pub fn parse(&self) -> Result<pcref_app::NewPlanRequest, Vec<ValidationError>> {
        let mut f = Fields::default();
        let title_v = f.take(title("title", &self.title));
        let service = f.take(title("service", &self.service));
        let status = f.take(
            self.status
                .as_ref()
                .map_or(Ok(domain::PlanStatus::Draft), |s| s.parse("status")),
        );
        let starts = f.take(day("period_starts_on", &self.period_starts_on));
        let ends = f.take(day("period_ends_on", &self.period_ends_on));
        f.take(domain::ordered_dates(
            "period_starts_on",
            starts.flatten(),
            "period_ends_on",
            ends.flatten(),
        ));
        f.finish()?;
        let fields = domain::PlanDraft {
            title: title_v.unwrap_or_default(),
            service: service.unwrap_or_default(),
            owner_user_id: self.owner_user_id.map(domain::UserId),
            status: status.unwrap_or(domain::PlanStatus::Draft),
            period_starts_on: starts.flatten(),
            period_ends_on: ends.flatten(),
        }
        .check()
        .map_err(|e| vec![e])?;
        Ok(pcref_app::NewPlanRequest {
            fields,
            template_id: self.template_id.map(domain::TemplateId),
        })
    }
}

/// Fields to change; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct PlanChanges {
    pub title: Option<LineOf<200>>,
    pub service: Option<LineOf<200>>,
    pub owner_user_id: MaybeUndefined<Uuid>,
    pub status: Option<Choice<domain::PlanStatus>>,
    pub period_starts_on: MaybeUndefined<Date>,
    pub period_ends_on: MaybeUndefined<Date>,
}

impl PlanChanges {
    pub fn parse(&self) -> Result<domain::PlanPatch, Vec<ValidationError>> {
        let mut f = Fields::default();
        let title_v = f.take(self.title.as_ref().map(|t| title("title", t)).transpose());
        let service = f.take(
            self.service
                .as_ref()
                .map(|t| title("service", t))
                .transpose(),
        );
        let status = f.take(self.status.as_ref().map(|s| s.parse("status")).transpose());
        let starts = f.take(patch_day("period_starts_on", &self.period_starts_on));
        let ends = f.take(patch_day("period_ends_on", &self.period_ends_on));
        f.finish()?;
        Ok(domain::PlanPatch {
            title: title_v.flatten(),
            service: service.flatten(),
            owner_user_id: patch_value(&self.owner_user_id).map(|o| o.map(domain::UserId)),
            status: status.flatten(),
            period_starts_on: starts.flatten(),
            period_ends_on: ends.flatten(),
        })
    }
}

// ---- stage 1: priority areas --------------------------------------------------------------

/// A priority area (stage 1): the specific ethnic groups it is about, and the evidence.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Priority {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub statement: String,
    /// NHS ethnic category codes (see `/api/v1/reference/ethnic-categories`).
    pub ethnic_categories: Vec<String>,
    pub service_area: Option<String>,
    /// What local data shows.
    pub evidence: Option<String>,
    pub communities_consulted: bool,
    /// How the communities were consulted, or why not yet.
    pub consultation_notes: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<domain::Priority> for Priority {
    fn from(p: domain::Priority) -> Self {
        Priority {
            id: p.id.as_uuid(),
            plan_id: p.plan_id.as_uuid(),
            statement: p.fields.statement,
            ethnic_categories: p
                .fields
                .ethnic_categories
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            service_area: p.fields.service_area,
            evidence: p.fields.evidence,
            communities_consulted: p.fields.communities_consulted,
            consultation_notes: p.fields.consultation_notes,
            version: p.version.0,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewPriority {
    /// The priority, such as "Reduce the over-representation of Black Caribbean men in
    /// detentions under the Mental Health Act". Up to 10,000 characters.
    pub statement: ParagraphOf<10_000>,
    /// Specific NHS ethnic category codes, at least one. Umbrella terms such as "BAME" and
    /// broad groups such as "asian" are refused: name the groups.
    pub ethnic_categories: Ruled<Vec<Ruled<Text, EthnicCode>>, AtLeastOne>,
    pub service_area: Option<OptionalLineOf<200>>,
    pub evidence: Option<OptionalParagraphOf<10_000>>,
    pub communities_consulted: bool,
    pub consultation_notes: Option<OptionalParagraphOf<10_000>>,
}

impl NewPriority {
    pub fn parse(&self) -> Result<domain::PriorityDraft, Vec<ValidationError>> {
        let mut f = Fields::default();
        let statement = f.take(para("statement", &self.statement));
        let codes = f.take(domain::EthnicCategory::parse_list(
            "ethnic_categories",
            &texts(&self.ethnic_categories),
        ));
        let service_area = f.take(opt_line(
            "service_area",
            &self.service_area,
            domain::MAX_TITLE,
        ));
        let evidence = f.take(opt_para("evidence", &self.evidence));
        let notes = f.take(opt_para("consultation_notes", &self.consultation_notes));
        f.finish()?;
        Ok(domain::PriorityDraft {
            statement: statement.unwrap_or_default(),
            ethnic_categories: codes.unwrap_or_default(),
            service_area: service_area.flatten(),
            evidence: evidence.flatten(),
            communities_consulted: self.communities_consulted,
            consultation_notes: notes.flatten(),
        })
    }
}

#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct PriorityChanges {
    pub statement: Option<ParagraphOf<10_000>>,
    pub ethnic_categories: Option<Ruled<Vec<Ruled<Text, EthnicCode>>, AtLeastOne>>,
    pub service_area: MaybeUndefined<OptionalLineOf<200>>,
    pub evidence: MaybeUndefined<OptionalParagraphOf<10_000>>,
    pub communities_consulted: Option<bool>,
    pub consultation_notes: MaybeUndefined<OptionalParagraphOf<10_000>>,
}

impl PriorityChanges {
    pub fn parse(&self) -> Result<domain::PriorityPatch, Vec<ValidationError>> {
        let mut f = Fields::default();
        let statement = f.take(
            self.statement
                .as_ref()
                .map(|t| para("statement", t))
                .transpose(),
        );
        let codes = f.take(
            self.ethnic_categories
                .as_ref()
                .map(|list| domain::EthnicCategory::parse_list("ethnic_categories", &texts(list)))
                .transpose(),
        );
        let service_area = f.take(patch_line(
            "service_area",
            &self.service_area,
            domain::MAX_TITLE,
        ));
        let evidence = f.take(patch_para("evidence", &self.evidence));
        let notes = f.take(patch_para("consultation_notes", &self.consultation_notes));
        f.finish()?;
        Ok(domain::PriorityPatch {
            statement: statement.flatten(),
            ethnic_categories: codes.flatten(),
            service_area: service_area.flatten(),
            evidence: evidence.flatten(),
            communities_consulted: self.communities_consulted,
            consultation_notes: notes.flatten(),
        })
    }
}

// ---- stage 2: goals -----------------------------------------------------------------------

/// A SMART goal (stage 2), tied to cultural competencies and a PCREF pillar.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Goal {
    pub id: Uuid,
    pub plan_id: Uuid,
    /// What will change.
    pub statement: String,
    pub measure: String,
    pub baseline: Option<String>,
    pub target: String,
    /// Null only on a goal copied from a template, until it is set.
    pub deadline: Option<NaiveDate>,
    pub competencies: Vec<Choice<domain::Competency>>,
    pub pillar: Choice<domain::Pillar>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<domain::Goal> for Goal {
    fn from(g: domain::Goal) -> Self {
        Goal {
            id: g.id.as_uuid(),
            plan_id: g.plan_id.as_uuid(),
            statement: g.fields.statement,
            measure: g.fields.measure,
            baseline: g.fields.baseline,
            target: g.fields.target,
            deadline: g.fields.deadline,
            competencies: g.fields.competencies.into_iter().map(Choice::of).collect(),
            pillar: Choice::of(g.fields.pillar),
            version: g.version.0,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewGoal {
    /// What will change.
    pub statement: ParagraphOf<10_000>,
    /// How the change is measured.
    pub measure: ParagraphOf<10_000>,
    /// Where the measure stands now; omit when the goal is to establish it.
    pub baseline: Option<OptionalParagraphOf<10_000>>,
    pub target: ParagraphOf<10_000>,
    /// Required: a SMART goal is time-bound.
    pub deadline: Ruled<Option<Date>, Mandatory>,
    /// At least one (see `/api/v1/reference/competencies`).
    pub competencies: Ruled<Vec<Choice<domain::Competency>>, AtLeastOne>,
    pub pillar: Choice<domain::Pillar>,
}

impl NewGoal {
    pub fn parse(&self) -> Result<domain::GoalDraft, Vec<ValidationError>> {
        let mut f = Fields::default();
        let statement = f.take(para("statement", &self.statement));
        let measure = f.take(para("measure", &self.measure));
        let baseline = f.take(opt_para("baseline", &self.baseline));
        let target = f.take(para("target", &self.target));
        let competencies = f.take(domain::Competency::parse_list(
            "competencies",
            &choices(&self.competencies),
        ));
        let pillar = f.take(self.pillar.parse("pillar"));
        let deadline = f.take(day("deadline", &self.deadline));
        if self.deadline.is_none() {
            f.take::<()>(Err(ValidationError::new(
                "deadline",
                "a SMART goal is time-bound: give the date by which the target is met",
            )));
        }
        f.finish()?;
        Ok(domain::GoalDraft {
            statement: statement.unwrap_or_default(),
            measure: measure.unwrap_or_default(),
            baseline: baseline.flatten(),
            target: target.unwrap_or_default(),
            deadline: deadline.flatten(),
            competencies: competencies.unwrap_or_default(),
            pillar: pillar.unwrap_or(domain::Pillar::Data),
        })
    }
}

#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct GoalChanges {
    pub statement: Option<ParagraphOf<10_000>>,
    pub measure: Option<ParagraphOf<10_000>>,
    pub baseline: MaybeUndefined<OptionalParagraphOf<10_000>>,
    pub target: Option<ParagraphOf<10_000>>,
    /// A new deadline; it cannot be removed.
    pub deadline: MaybeUndefined<Date>,
    pub competencies: Option<Ruled<Vec<Choice<domain::Competency>>, AtLeastOne>>,
    pub pillar: Option<Choice<domain::Pillar>>,
}

impl GoalChanges {
    pub fn parse(&self) -> Result<domain::GoalPatch, Vec<ValidationError>> {
        let mut f = Fields::default();
        let statement = f.take(
            self.statement
                .as_ref()
                .map(|t| para("statement", t))
                .transpose(),
        );
        let measure = f.take(
            self.measure
                .as_ref()
                .map(|t| para("measure", t))
                .transpose(),
        );
        let baseline = f.take(patch_para("baseline", &self.baseline));
        let target = f.take(self.target.as_ref().map(|t| para("target", t)).transpose());
        let competencies = f.take(
            self.competencies
                .as_ref()
                .map(|list| domain::Competency::parse_list("competencies", &choices(list)))
                .transpose(),
        );
        let pillar = f.take(self.pillar.as_ref().map(|p| p.parse("pillar")).transpose());
        let deadline = f.take(match patch_day("deadline", &self.deadline) {
            Ok(Some(None)) => Err(ValidationError::new(
                "deadline",
                "a SMART goal is time-bound: its deadline can be changed, not removed",
            )),
            other => other.map(Option::flatten),
        });
        f.finish()?;
        Ok(domain::GoalPatch {
            statement: statement.flatten(),
            measure: measure.flatten(),
            baseline: baseline.flatten(),
            target: target.flatten(),
            deadline: deadline.flatten(),
            competencies: competencies.flatten(),
            pillar: pillar.flatten(),
        })
    }
}

// ---- stage 3: actions ---------------------------------------------------------------------

/// An action (stage 3): a row of the implementation table.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Action {
    pub id: Uuid,
    pub plan_id: Uuid,
    /// The priority area it serves.
    pub priority_id: Uuid,
    /// The actions required.
    pub description: String,
    /// How impact or progress is measured.
    pub measure: Option<String>,
    pub expected_outcome: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// The lead's name: private to the provider, never published.
    pub lead_name: Option<String>,
    /// The lead's role: may be shared when the plan is published.
    pub lead_role: Option<String>,
    pub cost_implications: Option<String>,
    /// Set at creation, then by each progress update.
    pub status: Choice<domain::ActionStatus>,
    /// The date of the latest progress update.
    pub last_update_on: Option<NaiveDate>,
    /// Past `ends_on` and neither complete nor dropped.
    pub overdue: bool,
    /// Under way with no progress update within the alliance's reporting cycle (90 days
    /// unless the alliance sets another).
    pub stale: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<domain::ActionView> for Action {
    fn from(v: domain::ActionView) -> Self {
        let a = v.action;
        Action {
            id: a.id.as_uuid(),
            plan_id: a.plan_id.as_uuid(),
            priority_id: a.fields.priority_id.as_uuid(),
            description: a.fields.description,
            measure: a.fields.measure,
            expected_outcome: a.fields.expected_outcome,
            starts_on: a.fields.starts_on,
            ends_on: a.fields.ends_on,
            lead_name: a.fields.lead_name,
            lead_role: a.fields.lead_role,
            cost_implications: a.fields.cost_implications,
            status: Choice::of(a.status),
            last_update_on: a.last_update_on,
            overdue: v.overdue,
            stale: v.stale,
            version: a.version.0,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewAction {
    /// A priority area of the same plan.
    pub priority_id: Uuid,
    /// The actions required.
    pub description: ParagraphOf<10_000>,
    /// How impact or progress is measured.
    pub measure: Option<OptionalParagraphOf<10_000>>,
    pub expected_outcome: Option<OptionalParagraphOf<10_000>>,
    pub starts_on: Option<Date>,
    /// On or after `starts_on`.
    pub ends_on: Option<Date>,
    pub lead_name: Option<OptionalLineOf<200>>,
    pub lead_role: Option<OptionalLineOf<200>>,
    pub cost_implications: Option<OptionalParagraphOf<10_000>>,
    /// `not_started` unless given; afterwards progress updates set it.
    pub status: Option<Choice<domain::ActionStatus>>,
}

impl NewAction {
    pub fn parse(
        &self,
    ) -> Result<(domain::ActionDraft, domain::ActionStatus), Vec<ValidationError>> {
        let mut f = Fields::default();
        let description = f.take(para("description", &self.description));
        let measure = f.take(opt_para("measure", &self.measure));
        let outcome = f.take(opt_para("expected_outcome", &self.expected_outcome));
        let lead = f.take(lead_name("lead_name", &self.lead_name));
        let role = f.take(opt_line("lead_role", &self.lead_role, domain::MAX_NAME));
        let cost = f.take(opt_para("cost_implications", &self.cost_implications));
        let status = f.take(
            self.status
                .as_ref()
                .map_or(Ok(domain::ActionStatus::NotStarted), |s| s.parse("status")),
        );
        let starts = f.take(day("starts_on", &self.starts_on));
        let ends = f.take(day("ends_on", &self.ends_on));
        f.take(domain::ordered_dates(
            "starts_on",
            starts.flatten(),
            "ends_on",
            ends.flatten(),
        ));
        f.finish()?;
        let draft = domain::ActionDraft {
            priority_id: domain::PriorityId(self.priority_id),
            description: description.unwrap_or_default(),
            measure: measure.flatten(),
            expected_outcome: outcome.flatten(),
            starts_on: starts.flatten(),
            ends_on: ends.flatten(),
            lead_name: lead.flatten(),
            lead_role: role.flatten(),
            cost_implications: cost.flatten(),
        }
        .check()
        .map_err(|e| vec![e])?;
        Ok((draft, status.unwrap_or(domain::ActionStatus::NotStarted)))
    }
}

/// Fields to change. The status is not among them: post a progress update to change it.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ActionChanges {
    pub priority_id: Option<Uuid>,
    pub description: Option<ParagraphOf<10_000>>,
    pub measure: MaybeUndefined<OptionalParagraphOf<10_000>>,
    pub expected_outcome: MaybeUndefined<OptionalParagraphOf<10_000>>,
    pub starts_on: MaybeUndefined<Date>,
    pub ends_on: MaybeUndefined<Date>,
    pub lead_name: MaybeUndefined<OptionalLineOf<200>>,
    pub lead_role: MaybeUndefined<OptionalLineOf<200>>,
    pub cost_implications: MaybeUndefined<OptionalParagraphOf<10_000>>,
}

impl ActionChanges {
    pub fn parse(&self) -> Result<domain::ActionPatch, Vec<ValidationError>> {
        let mut f = Fields::default();
        let description = f.take(
            self.description
                .as_ref()
                .map(|t| para("description", t))
                .transpose(),
        );
        let measure = f.take(patch_para("measure", &self.measure));
        let outcome = f.take(patch_para("expected_outcome", &self.expected_outcome));
        let lead = f.take(patch_line("lead_name", &self.lead_name, domain::MAX_NAME));
        let role = f.take(patch_line("lead_role", &self.lead_role, domain::MAX_NAME));
        let cost = f.take(patch_para("cost_implications", &self.cost_implications));
        let starts = f.take(patch_day("starts_on", &self.starts_on));
        let ends = f.take(patch_day("ends_on", &self.ends_on));
        f.finish()?;
        Ok(domain::ActionPatch {
            priority_id: self.priority_id.map(domain::PriorityId),
            description: description.flatten(),
            measure: measure.flatten(),
            expected_outcome: outcome.flatten(),
            starts_on: starts.flatten(),
            ends_on: ends.flatten(),
            lead_name: lead.flatten(),
            lead_role: role.flatten(),
            cost_implications: cost.flatten(),
        })
    }
}

// ---- stage 4: progress updates ------------------------------------------------------------

#[derive(Debug, Clone, Object)]
pub struct UpdateAuthor {
    pub user_id: Uuid,
    pub display_name: Option<String>,
}

/// A dated progress update on an action (stage 4). Never edited: a correction is a new update.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ProgressUpdate {
    pub id: Uuid,
    pub action_id: Uuid,
    /// The date the update reports on.
    pub reported_on: NaiveDate,
    pub status: Choice<domain::ActionStatus>,
    pub rag: Choice<domain::Rag>,
    pub narrative: String,
    pub evidence_url: Option<String>,
    pub author: Option<UpdateAuthor>,
    pub created_at: DateTime<Utc>,
}

impl From<domain::ProgressUpdate> for ProgressUpdate {
    fn from(u: domain::ProgressUpdate) -> Self {
        ProgressUpdate {
            id: u.id.as_uuid(),
            action_id: u.action_id.as_uuid(),
            reported_on: u.fields.reported_on,
            status: Choice::of(u.fields.status),
            rag: Choice::of(u.fields.rag),
            narrative: u.fields.narrative,
            evidence_url: u.fields.evidence_url,
            author: u.author_user_id.map(|id| UpdateAuthor {
                user_id: id.as_uuid(),
                display_name: u.author_name,
            }),
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewProgressUpdate {
    /// The date the update reports on: today unless given; not in the future.
    pub reported_on: Option<Date>,
    /// The action's status as of this update; the action takes the status of its latest update.
    pub status: Choice<domain::ActionStatus>,
    pub rag: Choice<domain::Rag>,
    pub narrative: ParagraphOf<10_000>,
    /// An absolute http(s) link to the evidence.
    pub evidence_url: Option<Ruled<Text, EvidenceUrl>>,
}

impl NewProgressUpdate {
    pub fn parse(&self) -> Result<pcref_app::NewProgressUpdate, Vec<ValidationError>> {
        let mut f = Fields::default();
        let status = f.take(self.status.parse("status"));
        let rag = f.take(self.rag.parse("rag"));
        let narrative = f.take(para("narrative", &self.narrative));
        let today = chrono::Utc::now().date_naive();
        let reported_on = f.take(day("reported_on", &self.reported_on).and_then(|d| {
            d.map(|d| domain::reported_on("reported_on", d, today))
                .transpose()
        }));
        let url = f.take(
            self.evidence_url
                .as_ref()
                .filter(|u| !u.as_str().trim().is_empty())
                .map(|u| domain::evidence_url("evidence_url", u.as_str()))
                .transpose(),
        );
        f.finish()?;
        Ok(pcref_app::NewProgressUpdate {
            reported_on: reported_on.flatten(),
            status: status.unwrap_or(domain::ActionStatus::NotStarted),
            rag: rag.unwrap_or(domain::Rag::Green),
            narrative: narrative.unwrap_or_default(),
            evidence_url: url.flatten(),
        })
    }
}

/// The update just posted, and the action as it now stands.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct PostedProgressUpdate {
    #[oai(flatten)]
    pub update: ProgressUpdate,
    pub action: Action,
}

// ---- pages --------------------------------------------------------------------------------

crate::types::page_type!(
    /// A page of plans, oldest first.
    PlanPage of Plan
);
crate::types::page_type!(
    /// A page of priority areas, oldest first.
    PriorityPage of Priority
);
crate::types::page_type!(
    /// A page of goals, oldest first.
    GoalPage of Goal
);
crate::types::page_type!(
    /// A page of actions, oldest first.
    ActionPage of Action
);
crate::types::page_type!(
    /// A page of progress updates, newest first (by the date reported on).
    ProgressUpdatePage of ProgressUpdate
);
crate::types::page_type!(
    /// A page of templates: the built-in ones first.
    TemplatePage of Template
);
crate::types::page_type!(
    /// A page of the templates shared in an alliance, newest shared first, as shared.
    SharedTemplatePage of Template
);

// ---- examples -----------------------------------------------------------------------------

mod examples {
    use uuid::Uuid;

    pub const PLAN: Uuid = Uuid::from_u128(0x0192_f0c3_0a1b_7c2d_8e3f_4a5b_6c7d_8e01);
    pub const PRIORITY: Uuid = Uuid::from_u128(0x0192_f0c3_0a1c_7d3e_9f4a_5b6c_7d8e_9f02);
    pub const GOAL: Uuid = Uuid::from_u128(0x0192_f0c3_0a1d_7e4f_8a5b_6c7d_8e9f_0a03);
    pub const ACTION: Uuid = Uuid::from_u128(0x0192_f0c3_0a1e_7f5a_9b6c_7d8e_9f0a_1b04);
    pub const UPDATE: Uuid = Uuid::from_u128(0x0192_f0c3_0a1f_7a6b_8c7d_8e9f_0a1b_2c05);
    pub const TEMPLATE: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001);
    pub const SHARED_TEMPLATE: Uuid = Uuid::from_u128(0x0192_f0c3_0a20_7b7c_9d8e_9f0a_1b2c_3d06);
    pub const ORGANISATION: Uuid = Uuid::from_u128(0x0192_f0c1_9c2e_7a41_b3d2_6f4e_1c0a_9d21);

    pub fn date(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap_or_default()
    }
}

fn example_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_428_000, 0).unwrap_or_default()
}

impl Example for Template {
    fn example() -> Self {
        Template {
            id: examples::TEMPLATE,
            name: "PCREF action-planning tool (four stages)".into(),
            description: Some("The four stages of the PCREF action-planning tool.".into()),
            built_in: true,
            organisation_id: None,
            source_plan_id: None,
            stages: vec![Stage {
                stage: 1,
                title: "Identify priority areas".into(),
                prompts: vec!["Name the specific ethnic groups affected, as NHS ethnic categories, never umbrella terms such as BAME.".into()],
            }],
            priorities: Vec::new(),
            goals: Vec::new(),
            actions: Vec::new(),
            created_at: example_time(),
            shared_at: None,
            adoptions: 0,
            adopted_from: None,
        }
    }
}

impl Example for SharedTemplate {
    fn example() -> Self {
        SharedTemplate {
            template: Template {
                id: examples::SHARED_TEMPLATE,
                name: "Detentions plan (reusable)".into(),
                description: Some("Our 2026/27 plan; ask [redacted: email] about it.".into()),
                built_in: false,
                organisation_id: Some(examples::ORGANISATION),
                source_plan_id: None,
                stages: vec![Stage {
                    stage: 1,
                    title: "Identify priority areas".into(),
                    prompts: vec!["Name the specific ethnic groups affected.".into()],
                }],
                priorities: vec![TemplatePriority {
                    statement:
                        "Reduce detentions of Black Caribbean men under the Mental Health Act"
                            .into(),
                    ethnic_categories: vec!["M".into()],
                    service_area: Some("Acute inpatient services".into()),
                    evidence: Some(
                        "Detention data 2025/26, collated by [redacted: person name]".into(),
                    ),
                }],
                goals: Vec::new(),
                actions: vec![TemplateAction {
                    priority: 0,
                    description: "Co-design a crisis café with Black-led community groups".into(),
                    measure: Some("Sessions held".into()),
                    expected_outcome: Some("Fewer crisis admissions".into()),
                    lead_role: Some("Community Engagement Lead".into()),
                    cost_implications: None,
                }],
                created_at: example_time(),
                shared_at: Some(example_time()),
                adoptions: 2,
                adopted_from: None,
            },
            redactions: vec![
                crate::publishing_types::Redaction {
                    field: "description".into(),
                    kind: "email".into(),
                    position: 22,
                },
                crate::publishing_types::Redaction {
                    field: "priorities[0].evidence".into(),
                    kind: "person name".into(),
                    position: 36,
                },
            ],
            warnings: Vec::new(),
        }
    }
}

impl Example for AdoptTemplate {
    fn example() -> Self {
        AdoptTemplate {
            organisation_id: examples::ORGANISATION,
        }
    }
}

impl Example for NewTemplate {
    fn example() -> Self {
        NewTemplate {
            from_plan_id: examples::PLAN,
            name: "Inpatient detentions plan".into(),
            description: Some("Our 2026/27 plan, ready to reuse.".into()),
        }
    }
}

impl Example for Plan {
    fn example() -> Self {
        Plan {
            id: examples::PLAN,
            organisation_id: Uuid::from_u128(0x0192_f0c1_9c2e_7a41_b3d2_6f4e_1c0a_9d21),
            title: "PCREF action plan 2026/27".into(),
            service: "Adult acute inpatient services".into(),
            owner: Some(PlanOwner {
                user_id: Uuid::from_u128(0x0192_f0c2_04d1_7f3b_8e6a_2b9c_5d7e_1f32),
                display_name: Some("Amina Khan".into()),
            }),
            status: Choice::of(domain::PlanStatus::Active),
            period_starts_on: Some(examples::date("2026-04-01")),
            period_ends_on: Some(examples::date("2027-03-31")),
            template: Some(TemplateRef {
                id: examples::TEMPLATE,
                name: Some("PCREF action-planning tool (four stages)".into()),
            }),
            stages: Template::example().stages,
            version: 3,
            created_at: example_time(),
            updated_at: example_time(),
        }
    }
}

impl Example for NewPlan {
    fn example() -> Self {
        NewPlan {
            title: "PCREF action plan 2026/27".into(),
            service: "Adult acute inpatient services".into(),
            template_id: Some(examples::TEMPLATE),
            owner_user_id: None,
            status: None,
            period_starts_on: Some(examples::date("2026-04-01").into()),
            period_ends_on: Some(examples::date("2027-03-31").into()),
        }
    }
}

impl Example for PlanChanges {
    fn example() -> Self {
        PlanChanges {
            title: None,
            service: None,
            owner_user_id: MaybeUndefined::Undefined,
            status: Some(Choice::of(domain::PlanStatus::Active)),
            period_starts_on: MaybeUndefined::Undefined,
            period_ends_on: MaybeUndefined::Undefined,
        }
    }
}

impl Example for Priority {
    fn example() -> Self {
        Priority {
            id: examples::PRIORITY,
            plan_id: examples::PLAN,
            statement: "Reduce detentions under the Mental Health Act of Black Caribbean and Black African men".into(),
            ethnic_categories: vec!["M".into(), "N".into()],
            service_area: Some("Adult acute inpatient services".into()),
            evidence: Some("2025/26: detention rate 3.4 times the White British rate".into()),
            communities_consulted: true,
            consultation_notes: Some("Two listening events with local Black-led community groups".into()),
            version: 1,
            created_at: example_time(),
            updated_at: example_time(),
        }
    }
}

impl Example for NewPriority {
    fn example() -> Self {
        NewPriority {
            statement: "Improve access to talking therapies for South Asian men".into(),
            ethnic_categories: vec!["H".into(), "J".into(), "K".into()].into(),
            service_area: Some("NHS Talking Therapies".into()),
            evidence: Some("Referral rates a third of the local population share".into()),
            communities_consulted: true,
            consultation_notes: Some("Focus groups at two mosques and a gurdwara".into()),
        }
    }
}

impl Example for PriorityChanges {
    fn example() -> Self {
        PriorityChanges {
            statement: None,
            ethnic_categories: Some(vec!["H".into(), "J".into(), "K".into(), "L".into()].into()),
            service_area: MaybeUndefined::Undefined,
            evidence: MaybeUndefined::Undefined,
            communities_consulted: None,
            consultation_notes: MaybeUndefined::Undefined,
        }
    }
}

impl Example for Goal {
    fn example() -> Self {
        Goal {
            id: examples::GOAL,
            plan_id: examples::PLAN,
            statement: "More South Asian men referred to talking therapies".into(),
            measure: "Referrals per 100,000 South Asian men aged 18–64".into(),
            baseline: Some("210 (2025/26)".into()),
            target: "320".into(),
            deadline: Some(examples::date("2027-03-31")),
            competencies: vec![
                Choice::of(domain::Competency::PartnershipWorking),
                Choice::of(domain::Competency::CoProduction),
            ],
            pillar: Choice::of(domain::Pillar::Data),
            version: 1,
            created_at: example_time(),
            updated_at: example_time(),
        }
    }
}

impl Example for NewGoal {
    fn example() -> Self {
        NewGoal {
            statement: "More South Asian men referred to talking therapies".into(),
            measure: "Referrals per 100,000 South Asian men aged 18–64".into(),
            baseline: Some("210 (2025/26)".into()),
            target: "320".into(),
            deadline: Ruled::new(Some(examples::date("2027-03-31").into())),
            competencies: vec![Choice::of(domain::Competency::CoProduction)].into(),
            pillar: Choice::of(domain::Pillar::Data),
        }
    }
}

impl Example for GoalChanges {
    fn example() -> Self {
        GoalChanges {
            statement: None,
            measure: None,
            baseline: MaybeUndefined::Undefined,
            target: Some("350".into()),
            deadline: MaybeUndefined::Undefined,
            competencies: None,
            pillar: None,
        }
    }
}

impl Example for Action {
    fn example() -> Self {
        Action {
            id: examples::ACTION,
            plan_id: examples::PLAN,
            priority_id: examples::PRIORITY,
            description: "Co-design outreach sessions with local community organisations".into(),
            measure: Some("Sessions held; referrals from attendees".into()),
            expected_outcome: Some("Referrals up by half within a year".into()),
            starts_on: Some(examples::date("2026-04-01")),
            ends_on: Some(examples::date("2026-12-31")),
            lead_name: Some("Amina Khan".into()),
            lead_role: Some("Head of Psychological Therapies".into()),
            cost_implications: Some("£4,000 for venues and interpreters".into()),
            status: Choice::of(domain::ActionStatus::OnTrack),
            last_update_on: Some(examples::date("2026-10-15")),
            overdue: false,
            stale: false,
            version: 4,
            created_at: example_time(),
            updated_at: example_time(),
        }
    }
}

impl Example for NewAction {
    fn example() -> Self {
        NewAction {
            priority_id: examples::PRIORITY,
            description: "Co-design outreach sessions with local community organisations".into(),
            measure: Some("Sessions held; referrals from attendees".into()),
            expected_outcome: Some("Referrals up by half within a year".into()),
            starts_on: Some(examples::date("2026-04-01").into()),
            ends_on: Some(examples::date("2026-12-31").into()),
            lead_name: Some("Amina Khan".into()),
            lead_role: Some("Head of Psychological Therapies".into()),
            cost_implications: Some("£4,000 for venues and interpreters".into()),
            status: Some(Choice::of(domain::ActionStatus::NotStarted)),
        }
    }
}

impl Example for ActionChanges {
    fn example() -> Self {
        ActionChanges {
            priority_id: None,
            description: None,
            measure: MaybeUndefined::Undefined,
            expected_outcome: MaybeUndefined::Undefined,
            starts_on: MaybeUndefined::Undefined,
            ends_on: MaybeUndefined::Value(examples::date("2027-01-31").into()),
            lead_name: MaybeUndefined::Null,
            lead_role: MaybeUndefined::Undefined,
            cost_implications: MaybeUndefined::Undefined,
        }
    }
}

impl Example for ProgressUpdate {
    fn example() -> Self {
        ProgressUpdate {
            id: examples::UPDATE,
            action_id: examples::ACTION,
            reported_on: examples::date("2026-10-15"),
            status: Choice::of(domain::ActionStatus::OnTrack),
            rag: Choice::of(domain::Rag::Green),
            narrative:
                "Three sessions held with 58 attendees; referrals from attendees are being tracked."
                    .into(),
            evidence_url: Some(
                "https://intranet.example-trust.nhs.uk/pcref/outreach-q2.pdf".into(),
            ),
            author: Some(UpdateAuthor {
                user_id: Uuid::from_u128(0x0192_f0c2_04d1_7f3b_8e6a_2b9c_5d7e_1f32),
                display_name: Some("Amina Khan".into()),
            }),
            created_at: example_time(),
        }
    }
}

impl Example for NewProgressUpdate {
    fn example() -> Self {
        NewProgressUpdate {
            reported_on: Some(examples::date("2026-10-15").into()),
            status: Choice::of(domain::ActionStatus::OnTrack),
            rag: Choice::of(domain::Rag::Green),
            narrative: "Three sessions held with 58 attendees.".into(),
            evidence_url: Some(
                "https://intranet.example-trust.nhs.uk/pcref/outreach-q2.pdf".into(),
            ),
        }
    }
}

impl Example for PostedProgressUpdate {
    fn example() -> Self {
        PostedProgressUpdate {
            update: ProgressUpdate::example(),
            action: Action::example(),
        }
    }
}
