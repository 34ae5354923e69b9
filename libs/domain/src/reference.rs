//! PCREF reference data: NHS ethnic categories, the cultural competencies and the PCREF
//! pillars, and the statuses an action plan moves through. Fixed lists, served by the API,
//! never free text.

use std::fmt;
use std::str::FromStr;

use crate::ValidationError;

/// A closed set of values, each with one text form (stored and served) and a label for people.
macro_rules! closed_set {
    (
        $(#[$doc:meta])*
        $name:ident, field = $field:literal {
            $($(#[$vdoc:meta])* $variant:ident => ($text:literal, $label:literal)),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// How people read it.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }

            /// The accepted values, for error messages.
            pub fn choices() -> String {
                Self::ALL
                    .iter()
                    .map(|v| format!("\"{}\"", v.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }

            /// Parses the text form, reporting a bad value against `field`.
            pub fn parse_for(field: &str, raw: &str) -> Result<Self, ValidationError> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == raw)
                    .ok_or_else(|| {
                        ValidationError::new(field, format!("must be one of {}", Self::choices()))
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse_for($field, s)
            }
        }
    };
}

closed_set!(
    /// The broad groups of the NHS ethnic category list. Accepted as a filter shortcut; a
    /// priority area must name the specific groups.
    BroadEthnicGroup, field = "broad_group" {
        White => ("white", "White"),
        Mixed => ("mixed", "Mixed or multiple ethnic groups"),
        Asian => ("asian", "Asian or Asian British"),
        Black => ("black", "Black or Black British"),
        Other => ("other", "Other ethnic group"),
    }
);

closed_set!(
    /// The NHS Data Dictionary ethnic category (2001 census classification), by its code.
    EthnicCategory, field = "ethnic_categories" {
        WhiteBritish => ("A", "White: British"),
        WhiteIrish => ("B", "White: Irish"),
        WhiteOther => ("C", "White: any other White background"),
        MixedWhiteBlackCaribbean => ("D", "Mixed: White and Black Caribbean"),
        MixedWhiteBlackAfrican => ("E", "Mixed: White and Black African"),
        MixedWhiteAsian => ("F", "Mixed: White and Asian"),
        MixedOther => ("G", "Mixed: any other mixed background"),
        Indian => ("H", "Asian or Asian British: Indian"),
        Pakistani => ("J", "Asian or Asian British: Pakistani"),
        Bangladeshi => ("K", "Asian or Asian British: Bangladeshi"),
        AsianOther => ("L", "Asian or Asian British: any other Asian background"),
        Caribbean => ("M", "Black or Black British: Caribbean"),
        African => ("N", "Black or Black British: African"),
        BlackOther => ("P", "Black or Black British: any other Black background"),
        Chinese => ("R", "Other ethnic groups: Chinese"),
        AnyOther => ("S", "Other ethnic groups: any other ethnic group"),
        NotStated => ("Z", "Not stated"),
        NotKnown => ("99", "Not known"),
    }
);

impl EthnicCategory {
    /// The broad group a category belongs to; "not stated" and "not known" belong to none.
    pub fn broad_group(self) -> Option<BroadEthnicGroup> {
        use EthnicCategory::*;
        match self {
            WhiteBritish | WhiteIrish | WhiteOther => Some(BroadEthnicGroup::White),
            MixedWhiteBlackCaribbean | MixedWhiteBlackAfrican | MixedWhiteAsian | MixedOther => {
                Some(BroadEthnicGroup::Mixed)
            }
            Indian | Pakistani | Bangladeshi | AsianOther => Some(BroadEthnicGroup::Asian),
            Caribbean | African | BlackOther => Some(BroadEthnicGroup::Black),
            Chinese | AnyOther => Some(BroadEthnicGroup::Other),
            NotStated | NotKnown => None,
        }
    }

    /// Parses one code as a priority area, a project or a case study names it: a specific
    /// category, never an umbrella term or a broad group.
    /// Codes are read case-insensitively ("h" is H). The message for an umbrella term follows
    /// the PCREF action-planning tool's own guidance.
    pub fn parse_specific(field: &str, raw: &str) -> Result<EthnicCategory, ValidationError> {
        let code = raw.trim().to_uppercase();
        if let Some(category) = Self::ALL.iter().copied().find(|c| c.as_str() == code) {
            return Ok(category);
        }
        let folded: String = raw
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        if UMBRELLA_TERMS.contains(&folded.as_str()) {
            return Err(ValidationError::new(
                field,
                format!(
                    "{raw:?} is not an ethnic group: name the specific groups it is about, \
                     as NHS ethnic category codes (for example H Indian, J Pakistani, K Bangladeshi, \
                     M Caribbean, N African); umbrella terms such as BAME hide the differences \
                     between groups that the work must address"
                ),
            ));
        }
        if let Ok(group) = BroadEthnicGroup::parse_for(field, &folded) {
            let codes = Self::in_group(group)
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ValidationError::new(
                field,
                format!("{raw:?} is a broad group: name the specific groups within it ({codes})"),
            ));
        }
        Err(ValidationError::new(
            field,
            format!(
                "{raw:?} is not an NHS ethnic category code; use one of A–H, J–N, P, R, S, Z or 99 \
                 (listed at /api/v1/reference/ethnic-categories)"
            ),
        ))
    }

    /// The categories of a broad group.
    pub fn in_group(group: BroadEthnicGroup) -> Vec<EthnicCategory> {
        Self::ALL
            .iter()
            .copied()
            .filter(|c| c.broad_group() == Some(group))
            .collect()
    }

    /// Reads a filter value: a code, or a broad group standing for all its codes.
    pub fn parse_filter(field: &str, raw: &str) -> Result<Vec<EthnicCategory>, ValidationError> {
        if let Ok(group) = BroadEthnicGroup::parse_for(field, &raw.trim().to_lowercase()) {
            return Ok(Self::in_group(group));
        }
        let code = raw.trim().to_uppercase();
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == code)
            .map(|c| vec![c])
            .ok_or_else(|| {
                ValidationError::new(
                    field,
                    format!(
                        "must be an NHS ethnic category code (A–H, J–N, P, R, S, Z, 99) or a broad group ({})",
                        BroadEthnicGroup::choices()
                    ),
                )
            })
    }

    /// Parses the list a priority area names: at least one, each specific, no repeats
    /// (repeats are folded), in code order.
    pub fn parse_list(field: &str, raw: &[&str]) -> Result<Vec<EthnicCategory>, ValidationError> {
        if raw.is_empty() {
            return Err(ValidationError::new(
                field,
                "name at least one specific ethnic group, as an NHS ethnic category code such as \"H\"",
            ));
        }
        let mut codes = raw
            .iter()
            .map(|r| Self::parse_specific(field, r))
            .collect::<Result<Vec<_>, _>>()?;
        codes.sort();
        codes.dedup();
        Ok(codes)
    }
}

/// Umbrella terms the tool's guidance tells trusts not to use, folded to lower-case letters
/// and digits ("B.A.M.E." is "bame").
const UMBRELLA_TERMS: &[&str] = &[
    "bame",
    "bme",
    "bamer",
    "blackasianandminorityethnic",
    "blackandminorityethnic",
    "ethnicminority",
    "ethnicminorities",
    "minorityethnic",
    "nonwhite",
    "poc",
    "peopleofcolour",
    "peopleofcolor",
    "globalmajority",
    "racialised",
    "racialized",
    "racialisedcommunities",
    "racializedcommunities",
];

closed_set!(
    /// The eight cultural competencies of the PCREF organisational competency framework.
    Competency, field = "competencies" {
        CulturalAwareness => ("cultural_awareness", "Cultural awareness"),
        PartnershipWorking => ("partnership_working", "Partnership working"),
        Workforce => ("workforce", "Workforce"),
        StaffKnowledgeAndAwareness => ("staff_knowledge_and_awareness", "Staff knowledge and awareness"),
        CoLearning => ("co_learning", "Co-learning"),
        CoProduction => ("co_production", "Co-production"),
        TraumaInformedCare => ("trauma_informed_care", "Trauma-informed care"),
        Intersectionality => ("intersectionality", "Intersectionality"),
    }
);

impl Competency {
    /// The six national organisational competencies that trusts self-assess against; the
    /// other two are local additions.
    pub fn is_national(self) -> bool {
        !matches!(
            self,
            Competency::TraumaInformedCare | Competency::Intersectionality
        )
    }

    pub fn description(self) -> &'static str {
        match self {
            Competency::CulturalAwareness => {
                "Understanding of the cultures, beliefs and experiences of the communities served"
            }
            Competency::PartnershipWorking => {
                "Working with community and voluntary organisations as equal partners"
            }
            Competency::Workforce => {
                "A workforce that reflects the communities it serves, and is supported to progress"
            }
            Competency::StaffKnowledgeAndAwareness => {
                "Staff know about racial inequalities in mental health care and how to act on them"
            }
            Competency::CoLearning => {
                "Staff, patients, carers and communities learn from each other"
            }
            Competency::CoProduction => {
                "Services designed and reviewed together with patients, carers and communities"
            }
            Competency::TraumaInformedCare => {
                "Care that recognises the trauma of racism and avoids re-traumatising"
            }
            Competency::Intersectionality => {
                "Attention to how ethnicity combines with gender, age, faith, disability and other characteristics"
            }
        }
    }

    /// Parses the competencies a goal is tied to: at least one, no repeats, in list order.
    pub fn parse_list(field: &str, raw: &[&str]) -> Result<Vec<Competency>, ValidationError> {
        if raw.is_empty() {
            return Err(ValidationError::new(
                field,
                format!(
                    "tie the goal to at least one cultural competency: {}",
                    Self::choices()
                ),
            ));
        }
        let mut list = raw
            .iter()
            .map(|r| Self::parse_for(field, r))
            .collect::<Result<Vec<_>, _>>()?;
        list.sort();
        list.dedup();
        Ok(list)
    }
}

closed_set!(
    /// The three pillars of PCREF.
    Pillar, field = "pillar" {
        LeadershipAndGovernance => ("leadership_and_governance", "Leadership and governance"),
        Data => ("data", "Data"),
        PatientAndCarerFeedback => ("patient_and_carer_feedback", "Patient and carer feedback"),
    }
);

impl Pillar {
    pub fn description(self) -> &'static str {
        match self {
            Pillar::LeadershipAndGovernance => {
                "The board leads the work, with named responsibility and regular scrutiny"
            }
            Pillar::Data => "Data collected, analysed and published by ethnicity to find and track inequalities",
            Pillar::PatientAndCarerFeedback => {
                "Mechanisms for racialised patients, carers and communities to shape services and see what changed"
            }
        }
    }
}

closed_set!(
    /// Where an action plan is in its life.
    PlanStatus, field = "status" {
        Draft => ("draft", "Draft"),
        Active => ("active", "Active"),
        Closed => ("closed", "Closed"),
    }
);

closed_set!(
    /// Where an action stands, as its latest progress update says.
    ActionStatus, field = "status" {
        NotStarted => ("not_started", "Not started"),
        OnTrack => ("on_track", "On track"),
        AtRisk => ("at_risk", "At risk"),
        OffTrack => ("off_track", "Off track"),
        Complete => ("complete", "Complete"),
        Dropped => ("dropped", "Dropped"),
    }
);

impl ActionStatus {
    /// Complete or dropped: nothing more is expected of the action.
    pub fn is_finished(self) -> bool {
        matches!(self, ActionStatus::Complete | ActionStatus::Dropped)
    }
}

closed_set!(
    /// Red, amber or green: the reporter's judgement of progress.
    Rag, field = "rag" {
        Red => ("red", "Red"),
        Amber => ("amber", "Amber"),
        Green => ("green", "Green"),
    }
);

closed_set!(
    /// How a publication names who published it.
    Attribution, field = "attribution" {
        /// Under the organisation's name.
        Named => ("named", "Named"),
        /// As "a provider in <alliance>": no field, link, order or count reveals which.
        Anonymous => ("anonymous", "Anonymous"),
    }
);

closed_set!(
    /// The categories of the alliance's learning library.
    LearningCategory, field = "categories" {
        Finance => ("finance", "Finance"),
        QualityImprovement => ("quality_improvement", "Quality improvement"),
        Safety => ("safety", "Safety"),
        CommunityTrustAndEngagement => ("community_trust_and_engagement", "Community trust and engagement"),
        RecruitmentAndRetention => ("recruitment_and_retention", "Recruitment and retention"),
    }
);

closed_set!(
    /// How a feedback item reached the organisation that submits it.
    FeedbackChannel, field = "channel" {
        CommunityEvent => ("community_event", "Community event"),
        Survey => ("survey", "Survey"),
        FocusGroup => ("focus_group", "Focus group"),
        OutreachConversation => ("outreach_conversation", "Outreach conversation"),
        Online => ("online", "Online"),
        Phone => ("phone", "Phone"),
        LetterOrEmail => ("letter_or_email", "Letter or email"),
        Other => ("other", "Other"),
    }
);

closed_set!(
    /// Where a feedback item is in its "you said, we did" loop. It only moves forward:
    /// received → acknowledged → responded → closed (see `FeedbackStatus::after`).
    FeedbackStatus, field = "status" {
        /// Submitted; the provider (or, for the alliance as a whole, the alliance admin) has
        /// not acknowledged it yet.
        Received => ("received", "Received"),
        Acknowledged => ("acknowledged", "Acknowledged"),
        /// At least one response ("we did") has been given.
        Responded => ("responded", "Responded"),
        /// The loop is complete; the rest of the alliance may read it, anonymised.
        Closed => ("closed", "Closed"),
    }
);

closed_set!(
    /// How much of a feedback item a reader sees: all of it (the submitting organisation, the
    /// organisation it is about), or a closed loop anonymised (everybody else in the alliance).
    FeedbackView, field = "view" {
        Full => ("full", "Full"),
        Anonymised => ("anonymised", "Anonymised"),
    }
);

closed_set!(
    /// The five-step model a joint project moves through. Projects may move back as well as
    /// forward: the model is a cycle, and a finding can send a project back to gather more.
    ProjectPhase, field = "phase" {
        IntelligenceGathering => ("intelligence_gathering", "Intelligence gathering"),
        AnalysisAndInterpretation => ("analysis_and_interpretation", "Analysis and interpretation"),
        DefiningProblems => ("defining_problems", "Defining problems"),
        CoDesigningSolutions => ("co_designing_solutions", "Co-designing solutions"),
        CriticalActions => ("critical_actions", "Critical actions"),
    }
);

closed_set!(
    /// Where an organisation stands in a joint project.
    ParticipationStatus, field = "status" {
        /// Asked to join; has not answered yet.
        Invited => ("invited", "Invited"),
        Accepted => ("accepted", "Accepted"),
        Declined => ("declined", "Declined"),
    }
);

closed_set!(
    /// Whether a reporting period is still being reported on.
    PeriodStatus, field = "status" {
        Open => ("open", "Open"),
        /// Reported on; what the board reports of it are issued from.
        Closed => ("closed", "Closed"),
    }
);

closed_set!(
    /// What an API client (OAuth2 client credentials) may do for its organisation.
    Scope, field = "scopes" {
        FeedbackWrite => ("feedback:write", "Submit feedback and respond to it"),
        FeedbackRead => ("feedback:read", "Read the organisation's feedback"),
        LearningWrite => ("learning:write", "Contribute learning items"),
        ProjectsWrite => ("projects:write", "Read the alliance's joint projects; post their updates and milestones"),
        LibraryRead => ("library:read", "Read published plans, learning and shared templates"),
        ReportsRead => ("reports:read", "Read board reports"),
    }
);

impl Scope {
    /// Parses a list of scopes: at least one, no repeats (folded), in list order.
    pub fn parse_list(field: &str, raw: &[&str]) -> Result<Vec<Scope>, ValidationError> {
        if raw.is_empty() {
            return Err(ValidationError::new(
                field,
                format!("grant at least one scope: {}", Self::choices()),
            ));
        }
        let mut list = raw
            .iter()
            .map(|r| Self::parse_for(field, r))
            .collect::<Result<Vec<_>, _>>()?;
        list.sort();
        list.dedup();
        Ok(list)
    }

    /// The space-separated form OAuth2 uses (RFC 6749 §3.3).
    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_parses_from_its_code_and_groups_are_complete() {
        for c in EthnicCategory::ALL {
            assert_eq!(
                EthnicCategory::parse_specific("e", c.as_str()).expect("code"),
                *c
            );
            assert_eq!(
                EthnicCategory::parse_specific("e", &c.as_str().to_lowercase()).expect("code"),
                *c
            );
        }
        assert_eq!(EthnicCategory::ALL.len(), 18);
        let grouped: usize = BroadEthnicGroup::ALL
            .iter()
            .map(|g| EthnicCategory::in_group(*g).len())
            .sum();
        assert_eq!(grouped, 16, "all but Z and 99 belong to a broad group");
        assert_eq!(
            EthnicCategory::in_group(BroadEthnicGroup::Asian)
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            ["H", "J", "K", "L"]
        );
    }

    #[test]
    fn umbrella_terms_are_refused_with_the_tools_guidance() {
        for term in [
            "BAME",
            "bame",
            "B.A.M.E.",
            "BME",
            "Ethnic minorities",
            "non-white",
        ] {
            let err = EthnicCategory::parse_specific("ethnic_categories", term)
                .expect_err("umbrella term");
            assert_eq!(err.field, "ethnic_categories");
            assert!(
                err.message.contains("specific groups"),
                "{term}: {}",
                err.message
            );
        }
        let broad =
            EthnicCategory::parse_specific("ethnic_categories", "Asian").expect_err("broad");
        assert!(broad.message.contains("H, J, K, L"), "{}", broad.message);
        let unknown =
            EthnicCategory::parse_specific("ethnic_categories", "Q").expect_err("unknown");
        assert!(unknown.message.contains("not an NHS ethnic category code"));
    }

    #[test]
    fn lists_are_non_empty_sorted_and_deduplicated() {
        assert!(EthnicCategory::parse_list("e", &[]).is_err());
        assert_eq!(
            EthnicCategory::parse_list("e", &["K", "h", "K"]).expect("valid"),
            [EthnicCategory::Indian, EthnicCategory::Bangladeshi]
        );
        assert!(Competency::parse_list("c", &[]).is_err());
        assert_eq!(
            Competency::parse_list("c", &["co_production", "workforce", "co_production"])
                .expect("valid"),
            [Competency::Workforce, Competency::CoProduction]
        );
    }

    #[test]
    fn filters_accept_broad_groups() {
        assert_eq!(
            EthnicCategory::parse_filter("f", "black")
                .expect("group")
                .len(),
            3
        );
        assert_eq!(
            EthnicCategory::parse_filter("f", "m").expect("code"),
            [EthnicCategory::Caribbean]
        );
        assert!(EthnicCategory::parse_filter("f", "BAME").is_err());
    }

    #[test]
    fn six_competencies_are_national() {
        assert_eq!(Competency::ALL.len(), 8);
        assert_eq!(
            Competency::ALL.iter().filter(|c| c.is_national()).count(),
            6
        );
        assert_eq!(Pillar::ALL.len(), 3);
    }
}
