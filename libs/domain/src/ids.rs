//! Typed identifiers. Every id is a UUIDv7 (time-ordered, so ordering by id is ordering by
//! creation) and is stored as text on both database backends.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Hyphenated lower case: the one text form stored and served.
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

id_type!(
    /// A regional alliance of providers and VCSE partners.
    AllianceId
);
id_type!(
    /// A provider trust or a VCSE organisation within an alliance.
    OrganisationId
);
id_type!(
    /// A person with an account.
    UserId
);
id_type!(
    /// A user's role in an organisation or in an alliance.
    MembershipId
);
id_type!(
    /// An invitation to take up a membership.
    InvitationId
);
id_type!(
    /// A personal access token (its id, never its secret).
    AccessTokenId
);
id_type!(
    /// An access token issued to an API client by `/oauth/token` (its id, never its secret).
    ClientTokenId
);
id_type!(
    /// One entry of the append-only audit log.
    AuditEntryId
);
id_type!(
    /// An action plan in a provider's private workspace.
    PlanId
);
id_type!(
    /// A priority area of an action plan (stage 1).
    PriorityId
);
id_type!(
    /// A SMART goal of an action plan (stage 2).
    GoalId
);
id_type!(
    /// An action of an action plan's implementation table (stage 3).
    ActionId
);
id_type!(
    /// A dated progress update on an action (stage 4).
    ProgressUpdateId
);
id_type!(
    /// A plan template: built in, or saved by an organisation.
    TemplateId
);
id_type!(
    /// One published version of an action plan.
    PublicationId
);
id_type!(
    /// The versions of one plan published under one attribution.
    PublicationSeriesId
);
id_type!(
    /// A good-practice case study in the alliance's learning library.
    LearningItemId
);
id_type!(
    /// An organisation's API client (not its public `client_id`).
    ApiClientId
);
id_type!(
    /// A feedback item: what a community said about a provider or the alliance.
    FeedbackItemId
);
id_type!(
    /// One response to a feedback item ("you said, we did").
    FeedbackResponseId
);
id_type!(
    /// A joint project of an alliance's organisations.
    ProjectId
);
id_type!(
    /// A milestone of a joint project.
    MilestoneId
);
id_type!(
    /// A participant's update on a joint project for a reporting period.
    ProjectUpdateId
);
id_type!(
    /// A reporting period of an alliance (such as 2026-Q3).
    ReportingPeriodId
);
id_type!(
    /// One issued version of a period's board report (frozen roll-up).
    BoardReportId
);
id_type!(
    /// A link that opens one issued board report without a token.
    ShareLinkId
);
