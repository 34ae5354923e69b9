//! The authorization matrix: every operation, called by every role of one alliance, against
//! its own tenant, a sibling organisation and another alliance, compared with a table written
//! out by hand (deliberately not computed from `policy.rs`).
//!
//! The alliance side of the hub (alliances, organisations, memberships, tokens) and the
//! providers' private workspaces (action plans, their priority areas, goals, actions and
//! progress updates, saved templates) are both walked, as are the public reference lists and
//! the built-in template. Every provider here has a standing plan with one record of each
//! stage and a saved template, built through the API by the provider's own editor. Each
//! alliance also keeps two joint projects: one led by P with the VCSE organisation V an
//! accepted participant, and one led by P2 alone, and a reporting period opened by its admin,
//! with a board report its admin issued from it and a share link to that report.
//!
//! Besides the status of each cell it checks that refusals are problem+json, that nothing of
//! the other alliance (or of the tenant refused) shows in any body, that nothing of a
//! provider's workspace shows to anybody outside the provider, that a 404 for something
//! hidden reads exactly like a 404 for an id that does not exist, and that every operation
//! that needs a token refuses a request without one, or with a bad one, with 401 and a
//! `WWW-Authenticate`. A last check holds the table against the OpenAPI document, so that an
//! operation added to the API without a row here fails the test.

use std::collections::{BTreeSet, HashMap};

use pcref_e2e::{backend_tests, etag_of, expect_status, str_field, Actor, Backend, TestApp};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};

/// The roles of one alliance, in the order of the expectation strings.
const ROLES: [&str; 9] = [
    "provider_admin",
    "provider_editor",
    "provider_viewer",
    "vcse_admin",
    "vcse_partner",
    "alliance_admin",
    "board_member",
    // API clients (OAuth2 client credentials) of provider P and of VCSE V, granted every
    // scope: they act for their organisation as an editor or a partner would, within scopes.
    "provider_client",
    "vcse_client",
];
const PROVIDER_EDITOR: usize = 1;
const VCSE_PARTNER: usize = 4;
const ALLIANCE_ADMIN: usize = 5;
const BOARD_MEMBER: usize = 6;
const PROVIDER_CLIENT: usize = 7;
const VCSE_CLIENT: usize = 8;

/// Every scope an API client can be granted.
const ALL_SCOPES: [&str; 6] = [
    "feedback:write",
    "feedback:read",
    "learning:write",
    "projects:write",
    "library:read",
    "reports:read",
];

/// The person whose role an API client acts with, for setting up targets that only people
/// can create (a token to revoke, an invitation to accept).
fn person_role(role: usize) -> usize {
    match role {
        PROVIDER_CLIENT => PROVIDER_EDITOR,
        VCSE_CLIENT => VCSE_PARTNER,
        other => other,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    GetMe,
    ListMyTokens,
    CreateMyToken,
    RevokeMyToken,
    ListAlliances,
    AcceptInvitation,
    GetAlliance,
    UpdateAlliance,
    ListOrganisations,
    CreateOrganisation,
    ListAllianceMembers,
    InviteAllianceMember,
    ListAllianceAudit,
    GetOrganisation,
    UpdateOrganisation,
    ListOrganisationMembers,
    InviteOrganisationMember,
    ListOrganisationAudit,
    GetOrganisationMembership,
    UpdateOrganisationMembership,
    RemoveOrganisationMembership,
    GetAllianceMembership,
    UpdateAllianceMembership,
    RemoveAllianceMembership,
    ListEthnicCategories,
    ListCompetencies,
    ListPillars,
    ListTemplates,
    GetBuiltInTemplate,
    GetSavedTemplate,
    CreateTemplate,
    // Sharing templates with the alliance, adopting them, and the deny-list redaction uses.
    ShareTemplate,
    AdoptTemplate,
    ListSharedTemplates,
    GetSharedTemplate,
    GetWithheldTerms,
    ReplaceWithheldTerms,
    ListPlans,
    CreatePlan,
    GetPlan,
    UpdatePlan,
    DeletePlan,
    ExportPlan,
    ListPriorities,
    CreatePriority,
    GetPriority,
    UpdatePriority,
    DeletePriority,
    ListGoals,
    CreateGoal,
    GetGoal,
    UpdateGoal,
    DeleteGoal,
    ListActions,
    CreateAction,
    GetAction,
    UpdateAction,
    DeleteAction,
    ListProgressUpdates,
    CreateProgressUpdate,
    // An organisation's API clients.
    ListApiClients,
    CreateApiClient,
    RotateApiClient,
    RevokeApiClient,
    // Publishing and the library of published plans.
    PreviewPublication,
    PublishPlan,
    ListPlanPublications,
    ListPublishedPlans,
    GetPublication,
    ListPublicationVersions,
    WithdrawPublication,
    // The learning library.
    ListLearning,
    CreateLearning,
    GetLearning,
    UpdateLearning,
    // Feedback items and their loop.
    ListFeedback,
    CreateFeedback,
    GetFeedbackSummary,
    GetFeedback,
    AcknowledgeFeedback,
    RespondToFeedback,
    CloseFeedback,
    // Joint projects, their participants, milestones and updates.
    ListProjects,
    CreateProject,
    GetProject,
    UpdateProject,
    ListProjectParticipants,
    InviteProjectParticipant,
    AcceptProjectParticipation,
    DeclineProjectParticipation,
    ListProjectMilestones,
    CreateProjectMilestone,
    UpdateProjectMilestone,
    ListProjectUpdates,
    CreateProjectUpdate,
    // The alliance's reporting periods.
    ListReportingPeriods,
    CreateReportingPeriod,
    GetReportingPeriod,
    UpdateReportingPeriod,
    // The roll-up of a period, the board reports issued from it, their formats and share links.
    GetPeriodRollup,
    IssueBoardReport,
    ListBoardReports,
    GetBoardReport,
    GetBoardReportHtml,
    GetCeoBriefHtml,
    GetRollupCsv,
    GetRollupXlsx,
    CreateShareLink,
    ListShareLinks,
    RevokeShareLink,
    OpenSharedReport,
    OpenSharedCeoBrief,
    OpenSharedRollupCsv,
    OpenSharedRollupXlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tenant {
    Own,
    Sibling,
    Foreign,
}

const TENANTS: [Tenant; 3] = [Tenant::Own, Tenant::Sibling, Tenant::Foreign];

/// What each role of alliance A gets, per target tenant: one character per role, in the order
/// pa pe pv va vp aa bm pc vc (pc, vc: the API clients of P and V). Operations for people
/// only answer an API client's token 403 `insufficient_scope`, whatever the target. `A` = 2xx, `F` = 403, `H` = 404; an empty string is not walked.
/// "own": provider roles → their provider P, VCSE roles → their VCSE V, alliance roles → P and
/// alliance A. "sibling": the other provider P2 of alliance A. "foreign": the same thing in
/// alliance B. Every organisation here has an active admin of its own, so the alliance admin
/// may remove its members but no longer give anyone a role in it (the hand-over before that is
/// tested in api/v1/memberships.rs).
///
/// The workspace rows are different: a provider's workspace exists only for the provider's
/// own members (its admins and editors write, its viewers read), and to everybody else — VCSE
/// roles, the alliance admin, the board, other providers — it reads as not found. There,
/// "own" is provider P's workspace for every role (the VCSE V has no workspace, so VCSE roles
/// are walked against P's), "sibling" is P2's and "foreign" is alliance B's P. Saved templates
/// belong to a workspace too; the built-in template and the reference lists are everybody's
/// (the reference lists need no token at all).
#[rustfmt::skip]
const MATRIX: &[(Op, [&str; 3])] = &[
    //  operation                          own          sibling      foreign
    (Op::GetMe,                        ["AAAAAAAFF", "",          ""]),
    (Op::ListMyTokens,                 ["AAAAAAAFF", "",          ""]),
    (Op::CreateMyToken,                ["AAAAAAAFF", "",          ""]),
    (Op::RevokeMyToken,                ["AAAAAAAFF", "",          "HHHHHHHFF"]),
    (Op::ListAlliances,                ["AAAAAAAFF", "",          ""]),
    (Op::AcceptInvitation,             ["AAAAAAAAA", "",          ""]),
    (Op::GetAlliance,                  ["AAAAAAAFF", "",          "HHHHHHHFF"]),
    (Op::UpdateAlliance,               ["FFFFFAFFF", "",          "HHHHHHHFF"]),
    (Op::ListOrganisations,            ["AAAAAAAFF", "",          "HHHHHHHFF"]),
    (Op::CreateOrganisation,           ["FFFFFAFFF", "",          "HHHHHHHFF"]),
    (Op::ListAllianceMembers,          ["FFFFFAAFF", "",          "HHHHHHHFF"]),
    (Op::InviteAllianceMember,         ["FFFFFAFFF", "",          "HHHHHHHFF"]),
    (Op::ListAllianceAudit,            ["FFFFFAFFF", "",          "HHHHHHHFF"]),
    (Op::GetOrganisation,              ["AAAAAAAFF", "AAAAAAAFF", "HHHHHHHFF"]),
    (Op::UpdateOrganisation,           ["AFFAFAFFF", "FFFFFAFFF", "HHHHHHHFF"]),
    (Op::ListOrganisationMembers,      ["AAAAAAHFF", "HHHHHAHFF", "HHHHHHHFF"]),
    (Op::InviteOrganisationMember,     ["AFFAFFHFF", "HHHHHFHFF", "HHHHHHHFF"]),
    (Op::ListOrganisationAudit,        ["AFFAFHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::GetOrganisationMembership,    ["AAAAAAHFF", "HHHHHAHFF", "HHHHHHHFF"]),
    (Op::UpdateOrganisationMembership, ["AFFAFFHFF", "HHHHHFHFF", "HHHHHHHFF"]),
    (Op::RemoveOrganisationMembership, ["AFFAFAHFF", "HHHHHAHFF", "HHHHHHHFF"]),
    (Op::GetAllianceMembership,        ["FFFFFAAFF", "",          "HHHHHHHFF"]),
    (Op::UpdateAllianceMembership,     ["FFFFFAFFF", "",          "HHHHHHHFF"]),
    (Op::RemoveAllianceMembership,     ["FFFFFAFFF", "",          "HHHHHHHFF"]),
    // Reference data and templates.
    (Op::ListEthnicCategories,         ["AAAAAAAAA", "",          ""]),
    (Op::ListCompetencies,             ["AAAAAAAAA", "",          ""]),
    (Op::ListPillars,                  ["AAAAAAAAA", "",          ""]),
    // API clients: the organisation's admins manage them; the rest of the alliance can see the
    // organisation but not its clients (403), a client itself is hidden outside it (404).
    (Op::ListApiClients,               ["AFFAFFFFF", "FFFFFFFFF", "HHHHHHHFF"]),
    (Op::CreateApiClient,              ["AFFAFFFFF", "FFFFFFFFF", "HHHHHHHFF"]),
    (Op::RotateApiClient,              ["AFFAFHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::RevokeApiClient,              ["AFFAFHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::ListTemplates,                ["AAAAAAAFF", "",          ""]),
    (Op::GetBuiltInTemplate,           ["AAAAAAAFF", "",          ""]),
    (Op::GetSavedTemplate,             ["AAAHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::CreateTemplate,               ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    // A provider's admins and editors share its templates; once shared, a template is read
    // by the whole alliance and adopted by other providers' admins and editors. "own" is a
    // fresh template of P (shared for reading; for adopting, P2's shared into P), "sibling"
    // P2's (adopted into P2), "foreign" alliance B's. Withheld terms are read by the
    // organisation's own members only ("own" is V for VCSE roles, P for everybody else) and
    // changed by a provider's admins and editors or a VCSE organisation's admins.
    (Op::ShareTemplate,                ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::AdoptTemplate,                ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::ListSharedTemplates,          ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::GetSharedTemplate,            ["AAAAAAAFF", "AAAAAAAFF", "HHHHHHHFF"]),
    (Op::GetWithheldTerms,             ["AAAAAHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::ReplaceWithheldTerms,         ["AAFAFHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    // The private workspace: "own" is provider P's for every role.
    (Op::ListPlans,                    ["AAAHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::CreatePlan,                   ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::GetPlan,                      ["AAAHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::UpdatePlan,                   ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::DeletePlan,                   ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::ExportPlan,                   ["AAAHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::ListPriorities,               ["AAAHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::CreatePriority,               ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::GetPriority,                  ["AAAHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::UpdatePriority,               ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::DeletePriority,               ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::ListGoals,                    ["AAAHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::CreateGoal,                   ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::GetGoal,                      ["AAAHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::UpdateGoal,                   ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::DeleteGoal,                   ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::ListActions,                  ["AAAHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::CreateAction,                 ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::GetAction,                    ["AAAHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::UpdateAction,                 ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::DeleteAction,                 ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::ListProgressUpdates,          ["AAAHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::CreateProgressUpdate,         ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    // Publishing is done from the workspace ("own" is P's plan for every role)…
    (Op::PreviewPublication,           ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::PublishPlan,                  ["AAFHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    (Op::ListPlanPublications,         ["AAAHHHHFF", "HHHHHHHFF", "HHHHHHHFF"]),
    // …and the library is the whole alliance's: "own" is P's named publication (or alliance
    // A), "sibling" P2's anonymous one, "foreign" one of alliance B. Only the publisher's
    // admins and editors withdraw; everybody else who sees it gets the same 403.
    (Op::ListPublishedPlans,           ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::GetPublication,               ["AAAAAAAAA", "AAAAAAAAA", "HHHHHHHHH"]),
    (Op::ListPublicationVersions,      ["AAAAAAAAA", "AAAAAAAAA", "HHHHHHHHH"]),
    (Op::WithdrawPublication,          ["AAFFFFFFF", "FFFFFFFFF", "HHHHHHHFF"]),
    // The learning library is the whole alliance's too: everybody reads it, provider admins
    // and editors and VCSE admins and partners contribute. "own" is alliance A, or a case
    // study of the caller's organisation (V's for VCSE roles, P's for everybody else);
    // "sibling" is P2's anonymous one; "foreign" one of alliance B. Only the contributing
    // organisation's writers change an item; everybody else who sees it gets the same 403.
    (Op::ListLearning,                 ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::CreateLearning,               ["AAFAAFFAA", "",          "HHHHHHHHH"]),
    (Op::GetLearning,                  ["AAAAAAAAA", "AAAAAAAAA", "HHHHHHHHH"]),
    (Op::UpdateLearning,               ["AAFAAFFFF", "FFFFFFFFF", "HHHHHHHFF"]),
    // Feedback: every member of the alliance lists it (each sees what is theirs in full, and
    // closed loops anonymised) and reads the board's figures; provider admins and editors,
    // VCSE admins and partners and their clients submit (about P2). "own" is a fresh item
    // submitted by V's partner about P, in the state the step starts from: V's and P's people
    // and clients see it, the alliance admin and the board do not (404 while open); P's
    // admins, editors and client acknowledge and respond; they and V's writers close.
    // "sibling" is V's item about P2: closed for reading, acknowledging and responding (the
    // whole alliance sees it, anonymised but for V; nobody walking answers for P2: 403), and
    // responded for closing (V closes it; to everybody else it does not exist yet). "foreign"
    // is the same as "own" in alliance B.
    (Op::ListFeedback,                 ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::CreateFeedback,               ["AAFAAFFAA", "",          "HHHHHHHHH"]),
    (Op::GetFeedbackSummary,           ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::GetFeedback,                  ["AAAAAHHAA", "AAAAAAAAA", "HHHHHHHHH"]),
    (Op::AcknowledgeFeedback,          ["AAFFFHHAF", "FFFFFFFFF", "HHHHHHHHH"]),
    (Op::RespondToFeedback,            ["AAFFFHHAF", "FFFFFFFFF", "HHHHHHHHH"]),
    (Op::CloseFeedback,                ["AAFAAHHAA", "HHHAAHHHA", "HHHHHHHHH"]),
    // Joint projects: every member of the alliance and its clients (with projects:write)
    // read them; provider admins and editors, their clients and the alliance admin propose
    // them. "own" is alliance A's project led by P with V an accepted participant (a fresh one
    // where the operation changes it), "sibling" A's project led by P2 alone (P and V do not
    // take part), "foreign" alliance B's project like "own". The lead's admins and the
    // alliance admin change a project and invite; writers (admins, editors, partners and the
    // clients) of accepted participants post updates and milestones, and so does the alliance
    // admin for milestones only. Accepting and declining: "own" is a fresh project led by P2
    // that invited the caller's organisation (V for VCSE roles, P for everybody else); only
    // that organisation's writers answer. "sibling" is a fresh project led by P that invited
    // P2: nobody walking answers for P2. "foreign": alliance B's like "own".
    (Op::ListProjects,                 ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::CreateProject,                ["AAFFFAFAF", "",          "HHHHHHHHH"]),
    (Op::GetProject,                   ["AAAAAAAAA", "AAAAAAAAA", "HHHHHHHHH"]),
    (Op::UpdateProject,                ["AFFFFAFFF", "FFFFFAFFF", "HHHHHHHHH"]),
    (Op::ListProjectParticipants,      ["AAAAAAAAA", "AAAAAAAAA", "HHHHHHHHH"]),
    (Op::InviteProjectParticipant,     ["AFFFFAFFF", "FFFFFAFFF", "HHHHHHHHH"]),
    (Op::AcceptProjectParticipation,   ["AAFAAFFAA", "FFFFFFFFF", "HHHHHHHHH"]),
    (Op::DeclineProjectParticipation,  ["AAFAAFFAA", "FFFFFFFFF", "HHHHHHHHH"]),
    (Op::ListProjectMilestones,        ["AAAAAAAAA", "AAAAAAAAA", "HHHHHHHHH"]),
    (Op::CreateProjectMilestone,       ["AAFAAAFAA", "FFFFFAFFF", "HHHHHHHHH"]),
    (Op::UpdateProjectMilestone,       ["AAFAAAFAA", "FFFFFAFFF", "HHHHHHHHH"]),
    (Op::ListProjectUpdates,           ["AAAAAAAAA", "AAAAAAAAA", "HHHHHHHHH"]),
    (Op::CreateProjectUpdate,          ["AAFAAFFAA", "FFFFFFFFF", "HHHHHHHHH"]),
    // Reporting periods belong to the alliance, like the alliance's own record: no sibling.
    // Every member of the alliance reads them, and so do its API clients with reports:read;
    // only the alliance admin opens and changes them, and writes are for people only (an API
    // client's token gets 403 insufficient_scope whatever the target). "own" is alliance A
    // (its standing period, or a fresh one per cell where the operation changes it), "foreign"
    // the same in alliance B.
    (Op::ListReportingPeriods,         ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::CreateReportingPeriod,        ["FFFFFAFFF", "",          "HHHHHHHFF"]),
    (Op::GetReportingPeriod,           ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::UpdateReportingPeriod,        ["FFFFFAFFF", "",          "HHHHHHHFF"]),
    // Board reports belong to the alliance too: no sibling. Every member of the alliance and
    // its API clients with reports:read read the roll-up, the reports and every format; only
    // the alliance admin issues reports and manages share links, and those writes are for
    // people only. "own" is alliance A's standing period and the report issued from it at
    // set-up (a fresh share link where one is revoked), "foreign" the same in alliance B. A
    // share link opens its report with no token at all: only alliance A's standing link is
    // walked (alliance B's would show B's report, which is what a link is for).
    (Op::GetPeriodRollup,              ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::IssueBoardReport,             ["FFFFFAFFF", "",          "HHHHHHHFF"]),
    (Op::ListBoardReports,             ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::GetBoardReport,               ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::GetBoardReportHtml,           ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::GetCeoBriefHtml,              ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::GetRollupCsv,                 ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::GetRollupXlsx,                ["AAAAAAAAA", "",          "HHHHHHHHH"]),
    (Op::CreateShareLink,              ["FFFFFAFFF", "",          "HHHHHHHFF"]),
    (Op::ListShareLinks,               ["FFFFFAFFF", "",          "HHHHHHHFF"]),
    (Op::RevokeShareLink,              ["FFFFFAFFF", "",          "HHHHHHHFF"]),
    (Op::OpenSharedReport,             ["AAAAAAAAA", "",          ""]),
    (Op::OpenSharedCeoBrief,           ["AAAAAAAAA", "",          ""]),
    (Op::OpenSharedRollupCsv,          ["AAAAAAAAA", "",          ""]),
    (Op::OpenSharedRollupXlsx,         ["AAAAAAAAA", "",          ""]),
];

/// The built-in "PCREF action-planning tool (four stages)" template, seeded by a migration.
const BUILT_IN_TEMPLATE: &str = "00000000-0000-7000-8000-000000000001";

impl Op {
    /// The OpenAPI operation id, the method and the path (`{id}` stands for the path id).
    fn spec(self) -> (&'static str, Method, &'static str) {
        match self {
            Op::GetMe => ("get_me", Method::GET, "/api/v1/me"),
            Op::ListMyTokens => ("list_my_tokens", Method::GET, "/api/v1/me/tokens"),
            Op::CreateMyToken => ("create_my_token", Method::POST, "/api/v1/me/tokens"),
            Op::RevokeMyToken => ("revoke_my_token", Method::DELETE, "/api/v1/me/tokens/{id}"),
            Op::ListAlliances => ("list_alliances", Method::GET, "/api/v1/alliances"),
            Op::AcceptInvitation => (
                "accept_invitation",
                Method::POST,
                "/api/v1/invitations/accept",
            ),
            Op::GetAlliance => ("get_alliance", Method::GET, "/api/v1/alliances/{id}"),
            Op::UpdateAlliance => ("update_alliance", Method::PATCH, "/api/v1/alliances/{id}"),
            Op::ListOrganisations => (
                "list_organisations",
                Method::GET,
                "/api/v1/alliances/{id}/organisations",
            ),
            Op::CreateOrganisation => (
                "create_organisation",
                Method::POST,
                "/api/v1/alliances/{id}/organisations",
            ),
            Op::ListAllianceMembers => (
                "list_alliance_members",
                Method::GET,
                "/api/v1/alliances/{id}/members",
            ),
            Op::InviteAllianceMember => (
                "invite_alliance_member",
                Method::POST,
                "/api/v1/alliances/{id}/members",
            ),
            Op::ListAllianceAudit => (
                "list_alliance_audit",
                Method::GET,
                "/api/v1/alliances/{id}/audit",
            ),
            Op::GetOrganisation => (
                "get_organisation",
                Method::GET,
                "/api/v1/organisations/{id}",
            ),
            Op::UpdateOrganisation => (
                "update_organisation",
                Method::PATCH,
                "/api/v1/organisations/{id}",
            ),
            Op::ListOrganisationMembers => (
                "list_organisation_members",
                Method::GET,
                "/api/v1/organisations/{id}/members",
            ),
            Op::InviteOrganisationMember => (
                "invite_organisation_member",
                Method::POST,
                "/api/v1/organisations/{id}/members",
            ),
            Op::ListOrganisationAudit => (
                "list_organisation_audit",
                Method::GET,
                "/api/v1/organisations/{id}/audit",
            ),
            Op::GetOrganisationMembership | Op::GetAllianceMembership => {
                ("get_membership", Method::GET, "/api/v1/memberships/{id}")
            }
            Op::UpdateOrganisationMembership | Op::UpdateAllianceMembership => (
                "update_membership",
                Method::PATCH,
                "/api/v1/memberships/{id}",
            ),
            Op::RemoveOrganisationMembership | Op::RemoveAllianceMembership => (
                "remove_membership",
                Method::DELETE,
                "/api/v1/memberships/{id}",
            ),
            Op::ListEthnicCategories => (
                "list_ethnic_categories",
                Method::GET,
                "/api/v1/reference/ethnic-categories",
            ),
            Op::ListCompetencies => (
                "list_competencies",
                Method::GET,
                "/api/v1/reference/competencies",
            ),
            Op::ListPillars => ("list_pillars", Method::GET, "/api/v1/reference/pillars"),
            Op::ListApiClients => (
                "list_api_clients",
                Method::GET,
                "/api/v1/organisations/{id}/api-clients",
            ),
            Op::CreateApiClient => (
                "create_api_client",
                Method::POST,
                "/api/v1/organisations/{id}/api-clients",
            ),
            Op::RotateApiClient => (
                "rotate_api_client",
                Method::POST,
                "/api/v1/api-clients/{id}/rotate",
            ),
            Op::RevokeApiClient => (
                "revoke_api_client",
                Method::DELETE,
                "/api/v1/api-clients/{id}",
            ),
            Op::ListTemplates => ("list_templates", Method::GET, "/api/v1/templates"),
            Op::GetBuiltInTemplate | Op::GetSavedTemplate | Op::GetSharedTemplate => {
                ("get_template", Method::GET, "/api/v1/templates/{id}")
            }
            Op::CreateTemplate => (
                "create_template",
                Method::POST,
                "/api/v1/organisations/{id}/templates",
            ),
            Op::ShareTemplate => (
                "share_template",
                Method::POST,
                "/api/v1/templates/{id}/share",
            ),
            Op::AdoptTemplate => (
                "adopt_template",
                Method::POST,
                "/api/v1/templates/{id}/adopt",
            ),
            Op::ListSharedTemplates => (
                "list_shared_templates",
                Method::GET,
                "/api/v1/alliances/{id}/shared-templates",
            ),
            Op::GetWithheldTerms => (
                "get_withheld_terms",
                Method::GET,
                "/api/v1/organisations/{id}/withheld-terms",
            ),
            Op::ReplaceWithheldTerms => (
                "replace_withheld_terms",
                Method::PUT,
                "/api/v1/organisations/{id}/withheld-terms",
            ),
            Op::ListPlans => (
                "list_plans",
                Method::GET,
                "/api/v1/organisations/{id}/plans",
            ),
            Op::CreatePlan => (
                "create_plan",
                Method::POST,
                "/api/v1/organisations/{id}/plans",
            ),
            Op::GetPlan => ("get_plan", Method::GET, "/api/v1/plans/{id}"),
            Op::UpdatePlan => ("update_plan", Method::PATCH, "/api/v1/plans/{id}"),
            Op::DeletePlan => ("delete_plan", Method::DELETE, "/api/v1/plans/{id}"),
            Op::ExportPlan => ("export_plan", Method::GET, "/api/v1/plans/{id}/export"),
            Op::ListPriorities => (
                "list_priorities",
                Method::GET,
                "/api/v1/plans/{id}/priorities",
            ),
            Op::CreatePriority => (
                "create_priority",
                Method::POST,
                "/api/v1/plans/{id}/priorities",
            ),
            Op::GetPriority => ("get_priority", Method::GET, "/api/v1/priorities/{id}"),
            Op::UpdatePriority => ("update_priority", Method::PATCH, "/api/v1/priorities/{id}"),
            Op::DeletePriority => ("delete_priority", Method::DELETE, "/api/v1/priorities/{id}"),
            Op::ListGoals => ("list_goals", Method::GET, "/api/v1/plans/{id}/goals"),
            Op::CreateGoal => ("create_goal", Method::POST, "/api/v1/plans/{id}/goals"),
            Op::GetGoal => ("get_goal", Method::GET, "/api/v1/goals/{id}"),
            Op::UpdateGoal => ("update_goal", Method::PATCH, "/api/v1/goals/{id}"),
            Op::DeleteGoal => ("delete_goal", Method::DELETE, "/api/v1/goals/{id}"),
            Op::ListActions => ("list_actions", Method::GET, "/api/v1/plans/{id}/actions"),
            Op::CreateAction => ("create_action", Method::POST, "/api/v1/plans/{id}/actions"),
            Op::GetAction => ("get_action", Method::GET, "/api/v1/actions/{id}"),
            Op::UpdateAction => ("update_action", Method::PATCH, "/api/v1/actions/{id}"),
            Op::DeleteAction => ("delete_action", Method::DELETE, "/api/v1/actions/{id}"),
            Op::ListProgressUpdates => (
                "list_progress_updates",
                Method::GET,
                "/api/v1/actions/{id}/updates",
            ),
            Op::CreateProgressUpdate => (
                "create_progress_update",
                Method::POST,
                "/api/v1/actions/{id}/updates",
            ),
            Op::PreviewPublication => (
                "preview_publication",
                Method::POST,
                "/api/v1/plans/{id}/publish-preview",
            ),
            Op::PublishPlan => (
                "publish_plan",
                Method::POST,
                "/api/v1/plans/{id}/publications",
            ),
            Op::ListPlanPublications => (
                "list_plan_publications",
                Method::GET,
                "/api/v1/plans/{id}/publications",
            ),
            Op::ListPublishedPlans => (
                "list_published_plans",
                Method::GET,
                "/api/v1/alliances/{id}/published-plans",
            ),
            Op::GetPublication => ("get_publication", Method::GET, "/api/v1/publications/{id}"),
            Op::ListPublicationVersions => (
                "list_publication_versions",
                Method::GET,
                "/api/v1/publications/{id}/versions",
            ),
            Op::WithdrawPublication => (
                "withdraw_publication",
                Method::POST,
                "/api/v1/publications/{id}/withdraw",
            ),
            Op::ListLearning => (
                "list_learning_items",
                Method::GET,
                "/api/v1/alliances/{id}/learning",
            ),
            Op::CreateLearning => (
                "create_learning_item",
                Method::POST,
                "/api/v1/alliances/{id}/learning",
            ),
            Op::GetLearning => ("get_learning_item", Method::GET, "/api/v1/learning/{id}"),
            Op::UpdateLearning => (
                "update_learning_item",
                Method::PATCH,
                "/api/v1/learning/{id}",
            ),
            Op::ListFeedback => (
                "list_feedback_items",
                Method::GET,
                "/api/v1/alliances/{id}/feedback",
            ),
            Op::CreateFeedback => (
                "create_feedback_item",
                Method::POST,
                "/api/v1/alliances/{id}/feedback",
            ),
            Op::GetFeedbackSummary => (
                "get_feedback_summary",
                Method::GET,
                "/api/v1/alliances/{id}/feedback/summary",
            ),
            Op::GetFeedback => ("get_feedback_item", Method::GET, "/api/v1/feedback/{id}"),
            Op::AcknowledgeFeedback => (
                "acknowledge_feedback_item",
                Method::POST,
                "/api/v1/feedback/{id}/acknowledge",
            ),
            Op::RespondToFeedback => (
                "respond_to_feedback_item",
                Method::POST,
                "/api/v1/feedback/{id}/responses",
            ),
            Op::CloseFeedback => (
                "close_feedback_item",
                Method::POST,
                "/api/v1/feedback/{id}/close",
            ),
            Op::ListProjects => (
                "list_projects",
                Method::GET,
                "/api/v1/alliances/{id}/projects",
            ),
            Op::CreateProject => (
                "create_project",
                Method::POST,
                "/api/v1/alliances/{id}/projects",
            ),
            Op::GetProject => ("get_project", Method::GET, "/api/v1/projects/{id}"),
            Op::UpdateProject => ("update_project", Method::PATCH, "/api/v1/projects/{id}"),
            Op::ListProjectParticipants => (
                "list_project_participants",
                Method::GET,
                "/api/v1/projects/{id}/participants",
            ),
            Op::InviteProjectParticipant => (
                "invite_project_participant",
                Method::POST,
                "/api/v1/projects/{id}/participants",
            ),
            // Two ids: the project's, then the organisation's.
            Op::AcceptProjectParticipation => (
                "accept_project_participation",
                Method::POST,
                "/api/v1/projects/{id}/participants/{id}/accept",
            ),
            Op::DeclineProjectParticipation => (
                "decline_project_participation",
                Method::POST,
                "/api/v1/projects/{id}/participants/{id}/decline",
            ),
            Op::ListProjectMilestones => (
                "list_project_milestones",
                Method::GET,
                "/api/v1/projects/{id}/milestones",
            ),
            Op::CreateProjectMilestone => (
                "create_project_milestone",
                Method::POST,
                "/api/v1/projects/{id}/milestones",
            ),
            Op::UpdateProjectMilestone => (
                "update_project_milestone",
                Method::PATCH,
                "/api/v1/milestones/{id}",
            ),
            Op::ListProjectUpdates => (
                "list_project_updates",
                Method::GET,
                "/api/v1/projects/{id}/updates",
            ),
            Op::CreateProjectUpdate => (
                "create_project_update",
                Method::POST,
                "/api/v1/projects/{id}/updates",
            ),
            Op::ListReportingPeriods => (
                "list_reporting_periods",
                Method::GET,
                "/api/v1/alliances/{id}/periods",
            ),
            Op::CreateReportingPeriod => (
                "create_reporting_period",
                Method::POST,
                "/api/v1/alliances/{id}/periods",
            ),
            Op::GetReportingPeriod => ("get_reporting_period", Method::GET, "/api/v1/periods/{id}"),
            Op::UpdateReportingPeriod => (
                "update_reporting_period",
                Method::PATCH,
                "/api/v1/periods/{id}",
            ),
            Op::GetPeriodRollup => (
                "get_period_rollup",
                Method::GET,
                "/api/v1/periods/{id}/rollup",
            ),
            Op::IssueBoardReport => (
                "issue_board_report",
                Method::POST,
                "/api/v1/periods/{id}/reports",
            ),
            Op::ListBoardReports => (
                "list_board_reports",
                Method::GET,
                "/api/v1/periods/{id}/reports",
            ),
            Op::GetBoardReport => ("get_board_report", Method::GET, "/api/v1/reports/{id}"),
            Op::GetBoardReportHtml => (
                "get_board_report_html",
                Method::GET,
                "/api/v1/reports/{id}/board.html",
            ),
            Op::GetCeoBriefHtml => (
                "get_ceo_brief_html",
                Method::GET,
                "/api/v1/reports/{id}/ceo-brief.html",
            ),
            Op::GetRollupCsv => (
                "get_rollup_csv",
                Method::GET,
                "/api/v1/reports/{id}/rollup.csv",
            ),
            Op::GetRollupXlsx => (
                "get_rollup_xlsx",
                Method::GET,
                "/api/v1/reports/{id}/rollup.xlsx",
            ),
            Op::CreateShareLink => (
                "create_share_link",
                Method::POST,
                "/api/v1/reports/{id}/share-links",
            ),
            Op::ListShareLinks => (
                "list_share_links",
                Method::GET,
                "/api/v1/reports/{id}/share-links",
            ),
            Op::RevokeShareLink => (
                "revoke_share_link",
                Method::DELETE,
                "/api/v1/share-links/{id}",
            ),
            // `{id}` is the link's token.
            Op::OpenSharedReport => ("open_shared_report", Method::GET, "/shared/reports/{id}"),
            Op::OpenSharedCeoBrief => (
                "open_shared_ceo_brief",
                Method::GET,
                "/shared/reports/{id}/ceo-brief.html",
            ),
            Op::OpenSharedRollupCsv => (
                "open_shared_rollup_csv",
                Method::GET,
                "/shared/reports/{id}/rollup.csv",
            ),
            Op::OpenSharedRollupXlsx => (
                "open_shared_rollup_xlsx",
                Method::GET,
                "/shared/reports/{id}/rollup.xlsx",
            ),
        }
    }

    /// The operation id, with the membership's level where one operation is walked twice.
    fn label(self) -> String {
        let (id, _, _) = self.spec();
        match self {
            Op::GetOrganisationMembership
            | Op::UpdateOrganisationMembership
            | Op::RemoveOrganisationMembership => {
                format!("{id} (organisation-level)")
            }
            Op::GetAllianceMembership
            | Op::UpdateAllianceMembership
            | Op::RemoveAllianceMembership => {
                format!("{id} (alliance-level)")
            }
            Op::GetBuiltInTemplate => format!("{id} (built-in)"),
            Op::GetSavedTemplate => format!("{id} (saved by a provider)"),
            Op::GetSharedTemplate => format!("{id} (shared by a provider)"),
            _ => id.to_owned(),
        }
    }

    /// Every operation needs a bearer token but accepting an invitation (the code is the
    /// credential), the public reference lists and opening a share link (its token is the
    /// credential).
    fn authenticated(self) -> bool {
        !matches!(
            self,
            Op::AcceptInvitation
                | Op::ListEthnicCategories
                | Op::ListCompetencies
                | Op::ListPillars
                | Op::OpenSharedReport
                | Op::OpenSharedCeoBrief
                | Op::OpenSharedRollupCsv
                | Op::OpenSharedRollupXlsx
        )
    }

    /// Operations on a provider's private workspace, whose "own" target is provider P's
    /// workspace whatever the caller's role.
    fn in_workspace(self) -> bool {
        matches!(
            self,
            Op::GetSavedTemplate
                | Op::CreateTemplate
                | Op::ListPlans
                | Op::CreatePlan
                | Op::GetPlan
                | Op::UpdatePlan
                | Op::DeletePlan
                | Op::ExportPlan
                | Op::ListPriorities
                | Op::CreatePriority
                | Op::GetPriority
                | Op::UpdatePriority
                | Op::DeletePriority
                | Op::ListGoals
                | Op::CreateGoal
                | Op::GetGoal
                | Op::UpdateGoal
                | Op::DeleteGoal
                | Op::ListActions
                | Op::CreateAction
                | Op::GetAction
                | Op::UpdateAction
                | Op::DeleteAction
                | Op::ListProgressUpdates
                | Op::CreateProgressUpdate
                | Op::PreviewPublication
                | Op::PublishPlan
                | Op::ListPlanPublications
        )
    }
}

impl Tenant {
    fn name(self) -> &'static str {
        match self {
            Tenant::Own => "own",
            Tenant::Sibling => "sibling",
            Tenant::Foreign => "foreign",
        }
    }
}

/// An organisation, its own admin (who invites its members once it has one), the emails of
/// its members (its private markers) and, for a provider, its private workspace.
struct Org {
    id: String,
    name: String,
    kind: &'static str,
    admin: Actor,
    emails: Vec<String>,
    workspace: Option<Workspace>,
}

/// A provider's private workspace as built for the walk: a standing plan with one priority
/// area, goal, action and progress update, and a template saved from that plan.
struct Workspace {
    /// The provider's editor, who sets up every target in the workspace.
    editor: Actor,
    plan_id: String,
    priority_id: String,
    goal_id: String,
    action_id: String,
    template_id: String,
    /// A second plan, published (named by P, anonymously by P2): its texts are public to the
    /// alliance, but not its action lead's name, which is among the markers.
    published_plan_id: String,
    /// Its first published version.
    publication_id: String,
    /// What is written in it (the plan's title, the priority area's and the goal's
    /// statements, the action's description and lead, the update's narrative, the
    /// template's name): nobody outside the provider may ever read these.
    markers: Vec<String>,
}

impl Org {
    /// The role a fresh member is invited with, and the role an update moves them to.
    fn roles(&self) -> (&'static str, &'static str) {
        if self.kind == "vcse" {
            ("vcse_partner", "vcse_admin")
        } else {
            ("provider_viewer", "provider_editor")
        }
    }
}

/// One alliance: its organisations and one member per role.
struct Side {
    domain: String,
    alliance_id: String,
    alliance_name: String,
    /// The alliance-level members' emails (admin and board member).
    alliance_emails: Vec<String>,
    p: Org,
    p2: Org,
    v: Org,
    /// One actor per role, in the order of `ROLES`.
    actors: Vec<Actor>,
    /// The side's standing joint projects.
    projects: Option<Projects>,
    /// The side's standing reporting period (opened by its admin) and its label.
    period_id: String,
    period_label: String,
    /// A board report issued from the standing period, and the token of a share link to it.
    report_id: String,
    share_token: String,
}

impl Side {
    fn admin(&self) -> &Actor {
        &self.actors[ALLIANCE_ADMIN]
    }

    /// The organisation a role acts on as its own: V for VCSE roles, P for everybody else.
    fn org_for(&self, role: usize) -> &Org {
        if ROLES[role].starts_with("vcse") {
            &self.v
        } else {
            &self.p
        }
    }

    /// Everything that would betray this alliance to an outsider.
    fn private_markers(&self) -> Vec<String> {
        let mut markers = vec![self.domain.clone(), self.alliance_name.clone()];
        markers.extend(self.alliance_emails.iter().cloned());
        for org in [&self.p, &self.p2, &self.v] {
            markers.push(org.name.clone());
            markers.extend(org.emails.iter().cloned());
            markers.extend(org.workspace_markers().iter().cloned());
        }
        markers.extend(self.projects().markers.iter().cloned());
        markers.push(self.period_label.clone());
        markers
    }

    fn projects(&self) -> &Projects {
        self.projects
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no projects", self.alliance_name))
    }
}

impl Org {
    fn workspace(&self) -> &Workspace {
        self.workspace
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no workspace", self.name))
    }

    fn workspace_markers(&self) -> &[String] {
        self.workspace
            .as_ref()
            .map_or(&[], |w| w.markers.as_slice())
    }

    /// Everything private to this organisation: its members' emails and its workspace.
    fn all_markers(&self) -> Vec<String> {
        let mut markers = self.emails.clone();
        markers.extend(self.workspace_markers().iter().cloned());
        markers
    }
}

/// Creates a record as `who` with a POST that must answer 201, and returns the record and
/// its `ETag` (empty when the answer has none).
async fn create_record(app: &TestApp, who: &Actor, path: &str, body: Value) -> (Value, String) {
    let response = app.post(path, &who.token, body).await;
    let tag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (expect_status(response, StatusCode::CREATED).await, tag)
}

fn plan_body(title: &str) -> Value {
    json!({ "title": title, "service": "Community mental health team" })
}

fn priority_body(statement: &str) -> Value {
    json!({
        "statement": statement,
        "ethnic_categories": ["M", "N"],
        "communities_consulted": true,
    })
}

fn goal_body(statement: &str) -> Value {
    json!({
        "statement": statement,
        "measure": "Detentions per 100,000 adults, by ethnic category",
        "target": "Half the gap of the baseline year",
        "deadline": "2027-03-31",
        "competencies": ["co_production"],
        "pillar": "data",
    })
}

fn action_body(priority_id: &str, description: &str, lead_name: &str) -> Value {
    json!({
        "priority_id": priority_id,
        "description": description,
        "lead_name": lead_name,
    })
}

fn progress_body(narrative: &str) -> Value {
    json!({ "status": "on_track", "rag": "green", "narrative": narrative })
}

/// A fresh record in a workspace, created by its editor: its id, `ETag` and the text it
/// holds (a private marker of the cell).
struct Fresh {
    id: String,
    tag: String,
    text: String,
}

async fn fresh(app: &TestApp, editor: &Actor, path: String, body: Value, text: String) -> Fresh {
    let (record, tag) = create_record(app, editor, &path, body).await;
    assert!(!tag.is_empty(), "POST {path} answered without an ETag");
    Fresh {
        id: str_field(&record, "id"),
        tag,
        text,
    }
}

/// Previews the plan as its editor and publishes it as previewed; returns the publication's id.
async fn publish(app: &TestApp, editor: &Actor, plan_id: &str, attribution: &str) -> String {
    let tag = preview_tag(app, editor, plan_id, attribution).await;
    let published = app
        .request(
            Method::POST,
            &format!("/api/v1/plans/{plan_id}/publications"),
            Some(&editor.token),
        )
        .header("If-Match", tag)
        .json(&json!({ "attribution": attribution, "acknowledge_warnings": true }))
        .send()
        .await
        .expect("publish");
    str_field(&expect_status(published, StatusCode::CREATED).await, "id")
}

/// The `ETag` of the plan's publish preview, as its editor sees it.
async fn preview_tag(app: &TestApp, editor: &Actor, plan_id: &str, attribution: &str) -> String {
    let preview = app
        .post(
            &format!("/api/v1/plans/{plan_id}/publish-preview"),
            &editor.token,
            json!({ "attribution": attribution }),
        )
        .await;
    let tag = etag_of(&preview);
    expect_status(preview, StatusCode::OK).await;
    tag
}

/// Builds a provider's standing workspace through the API, as the provider's editor.
/// `label` ("Alpha Provider", "Alpha Sibling", …) makes everything in it unique.
async fn build_workspace(
    app: &TestApp,
    org_id: &str,
    editor: Actor,
    label: &str,
    attribution: &str,
) -> Workspace {
    let title = format!("{label} Equity Plan");
    let priority = format!("{label} priority: access to crisis care for Black African adults");
    let goal = format!("{label} goal: halve the gap in detention rates");
    let description = format!("{label} action: co-produce a crisis pathway");
    let lead = format!("Lead Person {label}");
    let narrative = format!("{label} progress: pathway drafted with community partners");
    let template = format!("{label} Saved Template");

    let (plan, _) = create_record(
        app,
        &editor,
        &format!("/api/v1/organisations/{org_id}/plans"),
        plan_body(&title),
    )
    .await;
    let plan_id = str_field(&plan, "id");
    let (priority_record, _) = create_record(
        app,
        &editor,
        &format!("/api/v1/plans/{plan_id}/priorities"),
        priority_body(&priority),
    )
    .await;
    let priority_id = str_field(&priority_record, "id");
    let (goal_record, _) = create_record(
        app,
        &editor,
        &format!("/api/v1/plans/{plan_id}/goals"),
        goal_body(&goal),
    )
    .await;
    let (action, _) = create_record(
        app,
        &editor,
        &format!("/api/v1/plans/{plan_id}/actions"),
        action_body(&priority_id, &description, &lead),
    )
    .await;
    let action_id = str_field(&action, "id");
    create_record(
        app,
        &editor,
        &format!("/api/v1/actions/{action_id}/updates"),
        progress_body(&narrative),
    )
    .await;
    let (saved, _) = create_record(
        app,
        &editor,
        &format!("/api/v1/organisations/{org_id}/templates"),
        json!({ "from_plan_id": plan_id, "name": template }),
    )
    .await;

    // The plan it publishes: public texts, and a lead whose name must never leave.
    let published_lead = format!("Published Lead {label}");
    let (published, _) = create_record(
        app,
        &editor,
        &format!("/api/v1/organisations/{org_id}/plans"),
        plan_body(&format!("Shared plan {}", label.len())),
    )
    .await;
    let published_plan_id = str_field(&published, "id");
    let (shared_priority, _) = create_record(
        app,
        &editor,
        &format!("/api/v1/plans/{published_plan_id}/priorities"),
        priority_body("Shared priority: earlier access for Black African adults"),
    )
    .await;
    create_record(
        app,
        &editor,
        &format!("/api/v1/plans/{published_plan_id}/actions"),
        action_body(
            &str_field(&shared_priority, "id"),
            "Shared action: community outreach",
            &published_lead,
        ),
    )
    .await;
    let publication_id = publish(app, &editor, &published_plan_id, attribution).await;
    Workspace {
        editor,
        plan_id,
        priority_id,
        goal_id: str_field(&goal_record, "id"),
        action_id,
        template_id: str_field(&saved, "id"),
        published_plan_id,
        publication_id,
        markers: vec![
            published_lead,
            title,
            priority,
            goal,
            description,
            lead,
            narrative,
            template,
        ],
    }
}

async fn build_side(app: &TestApp, tag: &str, title: &str) -> Side {
    let domain = format!("{tag}-matrix.example");
    let email = |who: &str| format!("{who}.{tag}@{domain}");
    let alliance_name = format!("{title} Matrix Alliance");
    let boot = app
        .bootstrap(&alliance_name, &email("alliance.admin"))
        .await;
    let aid = boot.alliance_id.clone();
    let admin = boot.admin.clone();

    let p_name = format!("{title} Provider Trust");
    let p2_name = format!("{title} Sibling Trust");
    let v_name = format!("{title} Community Voices");
    let p = app
        .create_organisation(&admin, &aid, &p_name, "provider")
        .await;
    let p2 = app
        .create_organisation(&admin, &aid, &p2_name, "provider")
        .await;
    let v = app.create_organisation(&admin, &aid, &v_name, "vcse").await;

    // The alliance admin hands each organisation to its first admin, who invites the rest.
    let mut actors = Vec::new();
    let p_admin = app
        .add_member(
            &admin,
            &aid,
            Some(&p),
            &email("provider.admin"),
            "provider_admin",
        )
        .await;
    actors.push(p_admin.clone());
    for (who, role) in [
        ("provider.editor", "provider_editor"),
        ("provider.viewer", "provider_viewer"),
    ] {
        actors.push(
            app.add_member(&p_admin, &aid, Some(&p), &email(who), role)
                .await,
        );
    }
    let v_admin = app
        .add_member(&admin, &aid, Some(&v), &email("vcse.admin"), "vcse_admin")
        .await;
    actors.push(v_admin.clone());
    actors.push(
        app.add_member(
            &v_admin,
            &aid,
            Some(&v),
            &email("vcse.partner"),
            "vcse_partner",
        )
        .await,
    );
    actors.push(admin.clone());
    let board = app
        .add_member(&admin, &aid, None, &email("board.member"), "board_member")
        .await;
    actors.push(board);
    actors.push(
        app.client_actor(
            &p_admin,
            &p,
            &format!("{title} provider scripts"),
            &ALL_SCOPES,
        )
        .await,
    );
    actors.push(
        app.client_actor(&v_admin, &v, &format!("{title} VCSE scripts"), &ALL_SCOPES)
            .await,
    );
    let p2_admin = app
        .add_member(
            &admin,
            &aid,
            Some(&p2),
            &email("sibling.admin"),
            "provider_admin",
        )
        .await;
    let p2_editor = app
        .add_member(
            &p2_admin,
            &aid,
            Some(&p2),
            &email("sibling.editor"),
            "provider_editor",
        )
        .await;

    let p_workspace = build_workspace(
        app,
        &p,
        actors[1].clone(),
        &format!("{title} Provider"),
        "named",
    )
    .await;
    let p2_workspace = build_workspace(
        app,
        &p2,
        p2_editor.clone(),
        &format!("{title} Sibling"),
        "anonymous",
    )
    .await;

    let period_label = format!("{title} 2026-Q3");
    let (period, _) = create_record(
        app,
        &admin,
        &format!("/api/v1/alliances/{aid}/periods"),
        json!({ "label": period_label, "starts_on": "2026-07-01", "ends_on": "2026-09-30" }),
    )
    .await;

    let emails = |range: std::ops::Range<usize>| {
        actors[range]
            .iter()
            .map(|a| a.email.clone())
            .collect::<Vec<_>>()
    };
    let mut side = Side {
        alliance_emails: vec![
            actors[ALLIANCE_ADMIN].email.clone(),
            actors[BOARD_MEMBER].email.clone(),
        ],
        p: Org {
            id: p,
            name: p_name,
            kind: "provider",
            admin: p_admin,
            emails: emails(0..3),
            workspace: Some(p_workspace),
        },
        p2: Org {
            id: p2,
            name: p2_name,
            kind: "provider",
            emails: vec![p2_admin.email.clone(), p2_editor.email],
            admin: p2_admin,
            workspace: Some(p2_workspace),
        },
        v: Org {
            id: v,
            name: v_name,
            kind: "vcse",
            admin: v_admin,
            emails: emails(3..5),
            workspace: None,
        },
        domain,
        alliance_id: aid,
        alliance_name,
        actors,
        projects: None,
        report_id: String::new(),
        share_token: String::new(),
        period_id: str_field(&period, "id"),
        period_label,
    };
    side.projects = Some(build_projects(app, &side, title).await);
    side.report_id = issue_report(app, &side).await;
    side.share_token = share_link(app, &side).await.1;
    side
}

/// Both alliances: A, whose roles walk the matrix, and B, the foreign one.
struct World {
    a: Side,
    b: Side,
}

/// Everything needed to send one cell's request, prepared (with any fresh target) beforehand.
#[derive(Clone)]
struct Prepared {
    /// The id in the path, when the operation has one.
    id: Option<String>,
    /// The second id in the path, when it has two (a project's participant organisation).
    second_id: Option<String>,
    if_match: Option<String>,
    body: Option<Value>,
    /// The target's private data: must not show in a refusal.
    markers: Vec<String>,
}

impl Prepared {
    fn plain() -> Prepared {
        Prepared {
            id: None,
            second_id: None,
            if_match: None,
            body: None,
            markers: Vec::new(),
        }
    }

    fn on(id: &str) -> Prepared {
        Prepared {
            id: Some(id.to_owned()),
            ..Prepared::plain()
        }
    }

    fn and(mut self, second_id: &str) -> Prepared {
        self.second_id = Some(second_id.to_owned());
        self
    }

    fn with_body(mut self, body: Value) -> Prepared {
        self.body = Some(body);
        self
    }

    fn if_match(mut self, tag: &str) -> Prepared {
        self.if_match = Some(tag.to_owned());
        self
    }

    fn markers(mut self, markers: &[String]) -> Prepared {
        self.markers.extend(markers.iter().cloned());
        self
    }
}

/// Sets up the target of (operation, role, tenant) — a fresh one where the operation changes
/// state — and describes the request. `n` makes names and emails unique per cell.
async fn prepare(
    app: &TestApp,
    world: &World,
    op: Op,
    role: usize,
    tenant: Tenant,
    n: usize,
) -> Prepared {
    if op.in_workspace() {
        return prepare_in_workspace(app, world, op, tenant, n).await;
    }
    if op.in_sharing() {
        return prepare_sharing(app, world, op, role, tenant, n).await;
    }
    if op.in_learning_library() {
        return prepare_learning(app, world, op, role, tenant, n).await;
    }
    if op.in_feedback() {
        return prepare_feedback(app, world, op, tenant, n).await;
    }
    if op.in_projects() {
        return prepare_projects(app, world, op, role, tenant, n).await;
    }
    if op.in_reports() {
        return prepare_reports(app, world, op, tenant).await;
    }
    if op.in_periods() {
        return prepare_periods(app, world, op, tenant, n).await;
    }
    let side = match tenant {
        Tenant::Own | Tenant::Sibling => &world.a,
        Tenant::Foreign => &world.b,
    };
    let org = match tenant {
        Tenant::Sibling => &world.a.p2,
        Tenant::Own | Tenant::Foreign => side.org_for(role),
    };
    // Emails the caller makes up go to the caller's own domain: they are not the target's.
    let caller_email = |what: &str| format!("{what}.{n}@{}", world.a.domain);
    let fresh_target_email = |what: &str| format!("{what}.{n}@{}", side.domain);
    match op {
        Op::GetMe
        | Op::ListMyTokens
        | Op::ListAlliances
        | Op::ListEthnicCategories
        | Op::ListCompetencies
        | Op::ListPillars
        | Op::ListTemplates => Prepared::plain(),
        Op::GetBuiltInTemplate => Prepared::on(BUILT_IN_TEMPLATE),
        Op::CreateMyToken => {
            Prepared::plain().with_body(json!({ "name": format!("matrix token {n}") }))
        }
        Op::RevokeMyToken => {
            // A fresh token of the caller, or of the foreign alliance's user with the same role.
            let owner = &side.actors[person_role(role)];
            let created = app
                .post(
                    "/api/v1/me/tokens",
                    &owner.token,
                    json!({ "name": format!("spare token {n}") }),
                )
                .await;
            let created = expect_status(created, StatusCode::CREATED).await;
            Prepared::on(&str_field(&created, "id")).markers(std::slice::from_ref(&owner.email))
        }
        Op::AcceptInvitation => {
            // A fresh invitation to the caller's own place, with the caller's role, from whoever
            // admits people there (the organisation's admin, or the alliance admin).
            let role = person_role(role);
            let org = (role < ALLIANCE_ADMIN).then(|| world.a.org_for(role));
            let inviter = org.map_or(world.a.admin(), |o| &o.admin);
            let invitation = app
                .invite(
                    inviter,
                    &world.a.alliance_id,
                    org.map(|o| o.id.as_str()),
                    &caller_email("accepting"),
                    ROLES[role],
                )
                .await;
            Prepared::plain().with_body(json!({
                "code": str_field(&invitation, "invitation_code"),
                "token_name": "matrix",
            }))
        }
        Op::GetAlliance
        | Op::ListOrganisations
        | Op::ListAllianceMembers
        | Op::ListAllianceAudit => Prepared::on(&side.alliance_id).markers(&side.alliance_emails),
        Op::CreateOrganisation => Prepared::on(&side.alliance_id)
            .markers(&side.alliance_emails)
            .with_body(json!({ "name": format!("Matrix Organisation {n}"), "kind": "provider" })),
        Op::InviteAllianceMember => Prepared::on(&side.alliance_id)
            .markers(&side.alliance_emails)
            .with_body(json!({
                "email": caller_email("board.invitee"),
                "display_name": "Board Invitee",
                "role": "board_member",
            })),
        Op::ListApiClients => Prepared::on(&org.id).markers(&org.emails),
        Op::CreateApiClient => Prepared::on(&org.id).markers(&org.emails).with_body(json!({
            "name": format!("Matrix client {n}"),
            "scopes": ["library:read"],
        })),
        Op::RotateApiClient | Op::RevokeApiClient => {
            // A fresh client of the organisation, made by its own admin.
            let (client, _) = create_record(
                app,
                &org.admin,
                &format!("/api/v1/organisations/{}/api-clients", org.id),
                json!({ "name": format!("Fresh client {n}"), "scopes": ["feedback:write"] }),
            )
            .await;
            Prepared::on(&str_field(&client, "id")).markers(&org.emails)
        }
        Op::GetOrganisation | Op::ListOrganisationMembers | Op::ListOrganisationAudit => {
            Prepared::on(&org.id).markers(&org.emails)
        }
        Op::UpdateAlliance => {
            // The alliance's own admin reads the current ETag; the caller sends it.
            let read = app
                .get(
                    &format!("/api/v1/alliances/{}", side.alliance_id),
                    &side.admin().token,
                )
                .await;
            let tag = etag_of(&read);
            expect_status(read, StatusCode::OK).await;
            Prepared::on(&side.alliance_id)
                .markers(&side.alliance_emails)
                .if_match(&tag)
                .with_body(json!({ "reporting_cycle_days": 60 + n % 30 }))
        }
        Op::UpdateOrganisation => {
            let read = app
                .get(
                    &format!("/api/v1/organisations/{}", org.id),
                    &side.admin().token,
                )
                .await;
            let tag = etag_of(&read);
            expect_status(read, StatusCode::OK).await;
            Prepared::on(&org.id)
                .markers(&org.emails)
                .if_match(&tag)
                .with_body(json!({ "name": format!("Renamed Organisation {n}") }))
        }
        Op::InviteOrganisationMember => {
            Prepared::on(&org.id).markers(&org.emails).with_body(json!({
                "email": caller_email("org.invitee"),
                "display_name": "Organisation Invitee",
                "role": org.roles().0,
            }))
        }
        Op::GetOrganisationMembership
        | Op::UpdateOrganisationMembership
        | Op::RemoveOrganisationMembership => {
            let email = fresh_target_email("org.target");
            let (invited_as, changed_to) = org.roles();
            let invitation = app
                .invite(
                    &org.admin,
                    &side.alliance_id,
                    Some(&org.id),
                    &email,
                    invited_as,
                )
                .await;
            let prepared = Prepared::on(&str_field(&invitation, "id"))
                .markers(&org.emails)
                .markers(&[email]);
            if op == Op::UpdateOrganisationMembership {
                prepared
                    .if_match("\"1\"")
                    .with_body(json!({ "role": changed_to }))
            } else {
                prepared
            }
        }
        Op::GetAllianceMembership | Op::UpdateAllianceMembership | Op::RemoveAllianceMembership => {
            let email = fresh_target_email("board.target");
            let invitation = app
                .invite(
                    side.admin(),
                    &side.alliance_id,
                    None,
                    &email,
                    "board_member",
                )
                .await;
            let prepared = Prepared::on(&str_field(&invitation, "id"))
                .markers(&side.alliance_emails)
                .markers(&[email]);
            if op == Op::UpdateAllianceMembership {
                prepared
                    .if_match("\"1\"")
                    .with_body(json!({ "role": "board_member" }))
            } else {
                prepared
            }
        }
        Op::ListPublishedPlans => Prepared::on(&side.alliance_id).markers(&side.alliance_emails),
        Op::GetPublication | Op::ListPublicationVersions => {
            let publisher = library_org(world, tenant);
            Prepared::on(&publisher.workspace().publication_id).markers(&publisher.all_markers())
        }
        Op::WithdrawPublication => {
            // A fresh version, published by the provider's editor, for each cell.
            let publisher = library_org(world, tenant);
            let ws = publisher.workspace();
            let id = publish(
                app,
                &ws.editor,
                &ws.published_plan_id,
                attribution_of(tenant),
            )
            .await;
            Prepared::on(&id)
                .markers(&publisher.all_markers())
                .with_body(json!({ "reason": format!("Matrix withdrawal {n}") }))
        }
        _ => unreachable!("{} is walked in a workspace", op.label()),
    }
}

/// The provider whose publication a library cell is about: P (named) for "own", P2
/// (anonymous) for "sibling", alliance B's P for "foreign".
fn library_org(world: &World, tenant: Tenant) -> &Org {
    match tenant {
        Tenant::Own => &world.a.p,
        Tenant::Sibling => &world.a.p2,
        Tenant::Foreign => &world.b.p,
    }
}

/// How the tenant's provider publishes its plan.
fn attribution_of(tenant: Tenant) -> &'static str {
    match tenant {
        Tenant::Sibling => "anonymous",
        Tenant::Own | Tenant::Foreign => "named",
    }
}

/// Sets up the target of a workspace cell: in provider P's workspace for every role on the
/// "own" tenant, in P2's on the "sibling" one and in alliance B's P on the "foreign" one.
/// Targets are set up by that provider's own editor; what the operation changes is fresh.
async fn prepare_in_workspace(
    app: &TestApp,
    world: &World,
    op: Op,
    tenant: Tenant,
    n: usize,
) -> Prepared {
    let org = match tenant {
        Tenant::Own => &world.a.p,
        Tenant::Sibling => &world.a.p2,
        Tenant::Foreign => &world.b.p,
    };
    let ws = org.workspace();
    let editor = &ws.editor;
    let label = &org.name;
    let markers = org.all_markers();
    let at = |id: &str| Prepared::on(id).markers(&markers);
    match op {
        Op::GetSavedTemplate => at(&ws.template_id),
        Op::ListPlans => at(&org.id),
        Op::CreatePlan => at(&org.id).with_body(plan_body(&format!("Matrix Plan {n}"))),
        Op::CreateTemplate => at(&org.id).with_body(json!({
            "from_plan_id": ws.plan_id,
            "name": format!("Matrix Template {n}"),
        })),
        Op::GetPlan | Op::ExportPlan | Op::ListPriorities | Op::ListGoals | Op::ListActions => {
            at(&ws.plan_id)
        }
        Op::CreatePriority => {
            at(&ws.plan_id).with_body(priority_body(&format!("Matrix priority {n}")))
        }
        Op::CreateGoal => at(&ws.plan_id).with_body(goal_body(&format!("Matrix goal {n}"))),
        Op::CreateAction => at(&ws.plan_id).with_body(action_body(
            &ws.priority_id,
            &format!("Matrix action {n}"),
            &format!("Matrix Lead {n}"),
        )),
        Op::GetPriority => at(&ws.priority_id),
        Op::GetGoal => at(&ws.goal_id),
        Op::GetAction | Op::ListProgressUpdates => at(&ws.action_id),
        Op::CreateProgressUpdate => {
            at(&ws.action_id).with_body(progress_body(&format!("Matrix progress {n}")))
        }
        Op::UpdatePlan | Op::DeletePlan => {
            let text = format!("Fresh plan {n} of {label}");
            let target = fresh(
                app,
                editor,
                format!("/api/v1/organisations/{}/plans", org.id),
                plan_body(&text),
                text,
            )
            .await;
            let prepared = at(&target.id).markers(&[target.text]);
            if op == Op::UpdatePlan {
                prepared
                    .if_match(&target.tag)
                    .with_body(json!({ "title": format!("Matrix renamed plan {n}") }))
            } else {
                prepared
            }
        }
        Op::UpdatePriority | Op::DeletePriority => {
            let text = format!("Fresh priority {n} of {label}");
            let target = fresh(
                app,
                editor,
                format!("/api/v1/plans/{}/priorities", ws.plan_id),
                priority_body(&text),
                text,
            )
            .await;
            let prepared = at(&target.id).markers(&[target.text]);
            if op == Op::UpdatePriority {
                prepared
                    .if_match(&target.tag)
                    .with_body(json!({ "statement": format!("Matrix restated priority {n}") }))
            } else {
                prepared
            }
        }
        Op::UpdateGoal | Op::DeleteGoal => {
            let text = format!("Fresh goal {n} of {label}");
            let target = fresh(
                app,
                editor,
                format!("/api/v1/plans/{}/goals", ws.plan_id),
                goal_body(&text),
                text,
            )
            .await;
            let prepared = at(&target.id).markers(&[target.text]);
            if op == Op::UpdateGoal {
                prepared
                    .if_match(&target.tag)
                    .with_body(json!({ "statement": format!("Matrix restated goal {n}") }))
            } else {
                prepared
            }
        }
        Op::UpdateAction | Op::DeleteAction => {
            let text = format!("Fresh lead {n} of {label}");
            let target = fresh(
                app,
                editor,
                format!("/api/v1/plans/{}/actions", ws.plan_id),
                action_body(&ws.priority_id, &format!("Fresh action {n}"), &text),
                text,
            )
            .await;
            let prepared = at(&target.id).markers(&[target.text]);
            if op == Op::UpdateAction {
                prepared
                    .if_match(&target.tag)
                    .with_body(json!({ "description": format!("Matrix redescribed action {n}") }))
            } else {
                prepared
            }
        }
        Op::PreviewPublication => {
            at(&ws.published_plan_id).with_body(json!({ "attribution": attribution_of(tenant) }))
        }
        Op::PublishPlan => {
            let tag = preview_tag(app, editor, &ws.published_plan_id, attribution_of(tenant)).await;
            at(&ws.published_plan_id).if_match(&tag).with_body(json!({
                "attribution": attribution_of(tenant),
                "acknowledge_warnings": true,
            }))
        }
        Op::ListPlanPublications => at(&ws.published_plan_id),
        _ => unreachable!("{} is not a workspace operation", op.label()),
    }
}

// ---- the learning library -----------------------------------------------------------------

impl Op {
    /// Operations on the alliance's learning library.
    fn in_learning_library(self) -> bool {
        matches!(
            self,
            Op::ListLearning | Op::CreateLearning | Op::GetLearning | Op::UpdateLearning
        )
    }
}

/// A case study whose texts hold no marker of any workspace.
fn learning_body(title: &str, attribution: &str) -> Value {
    json!({
        "title": title,
        "categories": ["community_trust_and_engagement"],
        "competencies": ["co_production"],
        "ethnic_categories": ["N"],
        "summary": "Peer supporters from local churches joined the evening crisis shifts.",
        "reflections": "Start with the community groups before writing the role.",
        "attribution": attribution,
    })
}

/// Whose case study a learning cell is about, who contributes it and how: on "own", V's (by
/// its partner) for VCSE roles and P's (by its editor) for everybody else; on "sibling", P2's,
/// anonymously; on "foreign", alliance B's P's.
fn learning_contributor(
    world: &World,
    role: usize,
    tenant: Tenant,
) -> (&Org, &Actor, &'static str) {
    let partner = ROLES
        .iter()
        .position(|r| *r == "vcse_partner")
        .expect("a VCSE partner role");
    match tenant {
        Tenant::Own if ROLES[role].starts_with("vcse") => {
            (&world.a.v, &world.a.actors[partner], "named")
        }
        Tenant::Own => (&world.a.p, &world.a.p.workspace().editor, "named"),
        Tenant::Sibling => (&world.a.p2, &world.a.p2.workspace().editor, "anonymous"),
        Tenant::Foreign => (&world.b.p, &world.b.p.workspace().editor, "named"),
    }
}

/// Sets up a learning cell: the alliance, or a fresh case study contributed for the cell.
async fn prepare_learning(
    app: &TestApp,
    world: &World,
    op: Op,
    role: usize,
    tenant: Tenant,
    n: usize,
) -> Prepared {
    let side = match tenant {
        Tenant::Own | Tenant::Sibling => &world.a,
        Tenant::Foreign => &world.b,
    };
    match op {
        Op::ListLearning => Prepared::on(&side.alliance_id).markers(&side.alliance_emails),
        Op::CreateLearning => Prepared::on(&side.alliance_id)
            .markers(&side.alliance_emails)
            .with_body(learning_body(&format!("Matrix case study {n}"), "named")),
        Op::GetLearning | Op::UpdateLearning => {
            let (org, contributor, attribution) = learning_contributor(world, role, tenant);
            let title = format!("Matrix learning {n}");
            let (item, tag) = create_record(
                app,
                contributor,
                &format!("/api/v1/alliances/{}/learning", side.alliance_id),
                learning_body(&title, attribution),
            )
            .await;
            let prepared = Prepared::on(&str_field(&item, "id"))
                .markers(&org.all_markers())
                .markers(&[title]);
            if op == Op::UpdateLearning {
                prepared
                    .if_match(&tag)
                    .with_body(json!({ "title": format!("Matrix retitled case study {n}") }))
            } else {
                prepared
            }
        }
        _ => unreachable!("{} is not a learning operation", op.label()),
    }
}

// ---- feedback -----------------------------------------------------------------------------

impl Op {
    /// Feedback items, their steps and the board's figures, set up by `prepare_feedback`.
    fn in_feedback(self) -> bool {
        matches!(
            self,
            Op::ListFeedback
                | Op::CreateFeedback
                | Op::GetFeedbackSummary
                | Op::GetFeedback
                | Op::AcknowledgeFeedback
                | Op::RespondToFeedback
                | Op::CloseFeedback
        )
    }
}

/// A feedback item about `about` whose texts hold no marker of any workspace.
fn feedback_body(about: &str, theme: &str) -> Value {
    json!({
        "about_organisation_id": about,
        "theme": theme,
        "ethnic_categories": ["K"],
        "channel": "community_event",
        "summary": "Mothers at the women's group said no interpreter was offered at night.",
        "received_on": "2026-10-01",
    })
}

/// A fresh item of `side`, submitted by its VCSE partner about `about` (answered by
/// `about`'s editor), taken to `status`: its id.
async fn feedback_item(
    app: &TestApp,
    side: &Side,
    about: &Org,
    theme: &str,
    status: &str,
) -> String {
    let partner = &side.actors[VCSE_PARTNER];
    let (item, _) = create_record(
        app,
        partner,
        &format!("/api/v1/alliances/{}/feedback", side.alliance_id),
        feedback_body(&about.id, theme),
    )
    .await;
    let id = str_field(&item, "id");
    let answerer = &about.workspace().editor;
    let steps: &[&str] = match status {
        "received" => &[],
        "acknowledged" => &["acknowledge"],
        "responded" => &["acknowledge", "respond"],
        _ => &["acknowledge", "respond", "close"],
    };
    for step in steps {
        let response = match *step {
            "respond" => {
                app.post(
                    &format!("/api/v1/feedback/{id}/responses"),
                    &answerer.token,
                    json!({ "text": "We now offer an interpreter at every night assessment." }),
                )
                .await
            }
            "close" => {
                app.post(
                    &format!("/api/v1/feedback/{id}/close"),
                    &partner.token,
                    json!({}),
                )
                .await
            }
            _ => {
                app.post(
                    &format!("/api/v1/feedback/{id}/{step}"),
                    &answerer.token,
                    json!({}),
                )
                .await
            }
        };
        assert!(
            response.status().is_success(),
            "setting up feedback: {step} answered {}",
            response.status()
        );
    }
    id
}

/// Sets up a feedback cell: the alliance, or a fresh item in the state the step starts from.
/// "own": V's item about P; "sibling": V's item about P2 (closed, or responded for closing);
/// "foreign": alliance B's V's item about its P.
async fn prepare_feedback(
    app: &TestApp,
    world: &World,
    op: Op,
    tenant: Tenant,
    n: usize,
) -> Prepared {
    let side = match tenant {
        Tenant::Own | Tenant::Sibling => &world.a,
        Tenant::Foreign => &world.b,
    };
    let about = match tenant {
        Tenant::Sibling => &side.p2,
        Tenant::Own | Tenant::Foreign => &side.p,
    };
    let theme = format!("Matrix feedback {n}");
    let status = match (op, tenant) {
        (Op::CloseFeedback, _) => "responded",
        (_, Tenant::Sibling) => "closed",
        (Op::RespondToFeedback, _) => "acknowledged",
        _ => "received",
    };
    // While an item is open, only V and the provider it is about may know what it says.
    let markers: Vec<String> = [
        side.v.emails.clone(),
        about.emails.clone(),
        vec![theme.clone()],
    ]
    .concat();
    match op {
        Op::ListFeedback | Op::GetFeedbackSummary => {
            Prepared::on(&side.alliance_id).markers(&side.alliance_emails)
        }
        Op::CreateFeedback => Prepared::on(&side.alliance_id)
            .markers(&side.alliance_emails)
            .with_body(feedback_body(&side.p2.id, &theme)),
        Op::GetFeedback | Op::AcknowledgeFeedback | Op::CloseFeedback => {
            let id = feedback_item(app, side, about, &theme, status).await;
            Prepared::on(&id).markers(&markers)
        }
        Op::RespondToFeedback => {
            let id = feedback_item(app, side, about, &theme, status).await;
            Prepared::on(&id)
                .markers(&markers)
                .with_body(json!({ "text": format!("Matrix response {n}") }))
        }
        _ => unreachable!("{} is not a feedback operation", op.label()),
    }
}

// ---- joint projects -----------------------------------------------------------------------

impl Op {
    /// Joint projects, their participants, milestones and updates, set up by
    /// `prepare_projects`.
    fn in_projects(self) -> bool {
        matches!(
            self,
            Op::ListProjects
                | Op::CreateProject
                | Op::GetProject
                | Op::UpdateProject
                | Op::ListProjectParticipants
                | Op::InviteProjectParticipant
                | Op::AcceptProjectParticipation
                | Op::DeclineProjectParticipation
                | Op::ListProjectMilestones
                | Op::CreateProjectMilestone
                | Op::UpdateProjectMilestone
                | Op::ListProjectUpdates
                | Op::CreateProjectUpdate
        )
    }
}

/// A side's standing joint projects and what was written in them.
struct Projects {
    /// Led by P, with V an accepted participant.
    own: String,
    /// Led by P2 alone.
    sibling: String,
    /// Their titles, milestones' titles and updates' narratives: nobody outside the alliance
    /// may read these.
    markers: Vec<String>,
}

/// A day `days` from today (UTC), as `YYYY-MM-DD`.
fn day_from_today(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

/// A project led by `lead`, started a month ago, whose texts hold no marker of any workspace.
fn project_body(title: &str, lead: &str) -> Value {
    json!({
        "title": title,
        "aim": {
            "statement": "Halve the gap in detention rates for Black adults",
            "measure": "Detentions per 100,000 adults, by ethnic category",
            "target": "1.7 times the White British rate",
            "deadline": day_from_today(365),
        },
        "lead_organisation_id": lead,
        "ethnic_categories": ["M", "N"],
        "competencies": ["co_production"],
        "pillar": "data",
        "starts_on": day_from_today(-30),
        "ends_on": day_from_today(365),
    })
}

/// A fresh project proposed by the editor of `lead`, which leads it: its id and `ETag`.
async fn fresh_project(app: &TestApp, side: &Side, lead: &Org, title: &str) -> (String, String) {
    let (project, tag) = create_record(
        app,
        &lead.workspace().editor,
        &format!("/api/v1/alliances/{}/projects", side.alliance_id),
        project_body(title, &lead.id),
    )
    .await;
    assert!(!tag.is_empty(), "a new project answered without an ETag");
    (str_field(&project, "id"), tag)
}

/// The lead's admin invites `invitee` into the project.
async fn invite_into_project(app: &TestApp, lead: &Org, project: &str, invitee: &Org) {
    let response = app
        .post(
            &format!("/api/v1/projects/{project}/participants"),
            &lead.admin.token,
            json!({ "organisation_id": invitee.id }),
        )
        .await;
    expect_status(response, StatusCode::CREATED).await;
}

/// Builds the side's standing projects through the API: "own" proposed by P's editor, V
/// invited by P's admin and accepted by V's partner; "sibling" proposed by P2's editor. Each
/// gets a milestone and an update from its lead's editor.
async fn build_projects(app: &TestApp, side: &Side, title: &str) -> Projects {
    let mut markers = Vec::new();
    let mut ids = Vec::new();
    for (lead, label) in [(&side.p, "Own"), (&side.p2, "Sibling")] {
        let project_title = format!("{title} {label} Joint Project");
        let (id, _) = fresh_project(app, side, lead, &project_title).await;
        let editor = &lead.workspace().editor;
        let milestone = format!("{title} {label} milestone: listening events held");
        create_record(
            app,
            editor,
            &format!("/api/v1/projects/{id}/milestones"),
            json!({ "title": milestone, "due_on": day_from_today(30) }),
        )
        .await;
        let narrative = format!("{title} {label} update: the listening events are booked");
        create_record(
            app,
            editor,
            &format!("/api/v1/projects/{id}/updates"),
            json!({ "rag": "amber", "narrative": narrative }),
        )
        .await;
        markers.extend([project_title, milestone, narrative]);
        ids.push(id);
    }
    let own = ids[0].clone();
    invite_into_project(app, &side.p, &own, &side.v).await;
    let accepted = app
        .post(
            &format!("/api/v1/projects/{own}/participants/{}/accept", side.v.id),
            &side.actors[VCSE_PARTNER].token,
            json!({}),
        )
        .await;
    expect_status(accepted, StatusCode::OK).await;
    Projects {
        own,
        sibling: ids[1].clone(),
        markers,
    }
}

/// Sets up a joint-project cell: the alliance, a standing project (led by P with V accepted
/// for "own" and "foreign", led by P2 alone for "sibling"), or a fresh project, invitation or
/// milestone where the operation changes one.
async fn prepare_projects(
    app: &TestApp,
    world: &World,
    op: Op,
    role: usize,
    tenant: Tenant,
    n: usize,
) -> Prepared {
    let side = match tenant {
        Tenant::Own | Tenant::Sibling => &world.a,
        Tenant::Foreign => &world.b,
    };
    let (project, lead) = match tenant {
        Tenant::Sibling => (&side.projects().sibling, &side.p2),
        Tenant::Own | Tenant::Foreign => (&side.projects().own, &side.p),
    };
    let title = format!("Matrix project {n}");
    // A refusal never shows the people of the lead, nor (in another alliance) what a fresh
    // target holds.
    let mut markers = lead.emails.clone();
    if tenant == Tenant::Foreign {
        markers.push(title.clone());
    }
    let at = |id: &str| Prepared::on(id).markers(&markers);
    match op {
        Op::ListProjects => Prepared::on(&side.alliance_id).markers(&side.alliance_emails),
        Op::CreateProject => Prepared::on(&side.alliance_id)
            .markers(&side.alliance_emails)
            .with_body(project_body(&title, &side.p.id)),
        Op::GetProject
        | Op::ListProjectParticipants
        | Op::ListProjectMilestones
        | Op::ListProjectUpdates => at(project),
        Op::UpdateProject => {
            let (id, tag) = fresh_project(app, side, lead, &title).await;
            at(&id)
                .if_match(&tag)
                .with_body(json!({ "title": format!("Matrix retitled project {n}") }))
        }
        Op::InviteProjectParticipant => {
            let (id, _) = fresh_project(app, side, lead, &title).await;
            let invitee = match tenant {
                Tenant::Sibling => &side.p,
                Tenant::Own | Tenant::Foreign => &side.p2,
            };
            at(&id).with_body(json!({ "organisation_id": invitee.id }))
        }
        Op::AcceptProjectParticipation | Op::DeclineProjectParticipation => {
            // "own": P2 leads and invites the caller's organisation; "sibling": P leads and
            // invites P2.
            let (inviter, invitee) = match tenant {
                Tenant::Sibling => (&side.p, &side.p2),
                Tenant::Own | Tenant::Foreign => (&side.p2, side.org_for(role)),
            };
            let (id, _) = fresh_project(app, side, inviter, &title).await;
            invite_into_project(app, inviter, &id, invitee).await;
            Prepared::on(&id)
                .and(&invitee.id)
                .markers(&markers)
                .markers(&inviter.emails)
                .markers(&invitee.emails)
        }
        Op::CreateProjectMilestone => at(project).with_body(json!({
            "title": format!("Matrix milestone {n}"),
            "due_on": day_from_today(30),
        })),
        Op::UpdateProjectMilestone => {
            let milestone = format!("Matrix fresh milestone {n}");
            let (record, tag) = create_record(
                app,
                &lead.workspace().editor,
                &format!("/api/v1/projects/{project}/milestones"),
                json!({ "title": milestone, "due_on": day_from_today(30) }),
            )
            .await;
            assert!(!tag.is_empty(), "a new milestone answered without an ETag");
            let prepared = at(&str_field(&record, "id"))
                .if_match(&tag)
                .with_body(json!({ "title": format!("Matrix retitled milestone {n}") }));
            if tenant == Tenant::Foreign {
                prepared.markers(&[milestone])
            } else {
                prepared
            }
        }
        Op::CreateProjectUpdate => at(project).with_body(json!({
            "rag": "green",
            "narrative": format!("Matrix project update {n}: a community meeting was held"),
        })),
        _ => unreachable!("{} is not a joint-project operation", op.label()),
    }
}

// ---- reporting periods ---------------------------------------------------------------------

impl Op {
    /// An alliance's reporting periods, set up by `prepare_periods`.
    fn in_periods(self) -> bool {
        matches!(
            self,
            Op::ListReportingPeriods
                | Op::CreateReportingPeriod
                | Op::GetReportingPeriod
                | Op::UpdateReportingPeriod
        )
    }
}

/// A period of its own for cell `n`: a label no other cell uses and two days no other cell's
/// period overlaps, from 2100 on (the standing periods are in 2026). The sweep's cells
/// (`n` from 1,000,000) land after the walk's, and every date stays before 2999.
fn cell_period_body(n: usize) -> Value {
    let offset = i64::try_from(n % 150_000).expect("a small number") * 2;
    let base = chrono::NaiveDate::from_ymd_opt(2100, 1, 1).expect("a date");
    let starts_on = base + chrono::Duration::days(offset);
    let ends_on = starts_on + chrono::Duration::days(1);
    json!({
        "label": format!("Matrix period {n}"),
        "starts_on": starts_on.to_string(),
        "ends_on": ends_on.to_string(),
    })
}

/// Sets up a reporting-period cell: the alliance, its standing period, or (to change) a
/// fresh period opened by its admin.
async fn prepare_periods(
    app: &TestApp,
    world: &World,
    op: Op,
    tenant: Tenant,
    n: usize,
) -> Prepared {
    let side = match tenant {
        Tenant::Own | Tenant::Sibling => &world.a,
        Tenant::Foreign => &world.b,
    };
    let body = cell_period_body(n);
    let label = str_field(&body, "label");
    let mut markers = side.alliance_emails.clone();
    markers.push(side.period_label.clone());
    if tenant == Tenant::Foreign {
        markers.push(label);
    }
    match op {
        Op::ListReportingPeriods => Prepared::on(&side.alliance_id).markers(&markers),
        Op::CreateReportingPeriod => Prepared::on(&side.alliance_id)
            .markers(&markers)
            .with_body(body),
        Op::GetReportingPeriod => Prepared::on(&side.period_id).markers(&markers),
        Op::UpdateReportingPeriod => {
            let (period, tag) = create_record(
                app,
                side.admin(),
                &format!("/api/v1/alliances/{}/periods", side.alliance_id),
                body,
            )
            .await;
            assert!(!tag.is_empty(), "a new period answered without an ETag");
            Prepared::on(&str_field(&period, "id"))
                .markers(&markers)
                .if_match(&tag)
                .with_body(json!({ "label": format!("Matrix renamed period {n}") }))
        }
        _ => unreachable!("{} is not a reporting-period operation", op.label()),
    }
}

// ---- board reports ------------------------------------------------------------------------

impl Op {
    /// The roll-up, board reports, their formats and share links, set up by
    /// `prepare_reports`.
    fn in_reports(self) -> bool {
        matches!(
            self,
            Op::GetPeriodRollup
                | Op::IssueBoardReport
                | Op::ListBoardReports
                | Op::GetBoardReport
                | Op::GetBoardReportHtml
                | Op::GetCeoBriefHtml
                | Op::GetRollupCsv
                | Op::GetRollupXlsx
                | Op::CreateShareLink
                | Op::ListShareLinks
                | Op::RevokeShareLink
                | Op::OpenSharedReport
                | Op::OpenSharedCeoBrief
                | Op::OpenSharedRollupCsv
                | Op::OpenSharedRollupXlsx
        )
    }

    /// What a successful answer of a report's format must be.
    fn media_type(self) -> Option<&'static str> {
        match self {
            Op::GetBoardReportHtml
            | Op::GetCeoBriefHtml
            | Op::OpenSharedReport
            | Op::OpenSharedCeoBrief => Some("text/html"),
            Op::GetRollupCsv | Op::OpenSharedRollupCsv => Some("text/csv"),
            Op::GetRollupXlsx | Op::OpenSharedRollupXlsx => {
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            }
            _ => None,
        }
    }
}

/// The side's admin issues a report of its standing period: its id.
async fn issue_report(app: &TestApp, side: &Side) -> String {
    let issued = app
        .request(
            Method::POST,
            &format!("/api/v1/periods/{}/reports", side.period_id),
            Some(&side.admin().token),
        )
        .send()
        .await
        .expect("issue a report");
    str_field(&expect_status(issued, StatusCode::CREATED).await, "id")
}

/// The side's admin creates a share link to its standing report: the link's id and token.
async fn share_link(app: &TestApp, side: &Side) -> (String, String) {
    let (link, _) = create_record(
        app,
        side.admin(),
        &format!("/api/v1/reports/{}/share-links", side.report_id),
        json!({ "expires_in_days": 30 }),
    )
    .await;
    let url = str_field(&link, "url");
    let token = url
        .rsplit_once("/shared/reports/")
        .map(|(_, token)| token.to_owned())
        .unwrap_or_else(|| panic!("a share link's URL: {url}"));
    (str_field(&link, "id"), token)
}

/// Sets up a board-report cell: the side's standing period or report, a fresh share link to
/// revoke, or alliance A's standing share link to open.
async fn prepare_reports(app: &TestApp, world: &World, op: Op, tenant: Tenant) -> Prepared {
    let side = match tenant {
        Tenant::Own | Tenant::Sibling => &world.a,
        Tenant::Foreign => &world.b,
    };
    let mut markers = side.alliance_emails.clone();
    markers.push(side.period_label.clone());
    match op {
        Op::GetPeriodRollup | Op::IssueBoardReport | Op::ListBoardReports => {
            Prepared::on(&side.period_id).markers(&markers)
        }
        Op::GetBoardReport
        | Op::GetBoardReportHtml
        | Op::GetCeoBriefHtml
        | Op::GetRollupCsv
        | Op::GetRollupXlsx
        | Op::ListShareLinks => Prepared::on(&side.report_id).markers(&markers),
        Op::CreateShareLink => Prepared::on(&side.report_id)
            .markers(&markers)
            .with_body(json!({ "expires_in_days": 7 })),
        Op::RevokeShareLink => {
            let (id, _) = share_link(app, side).await;
            Prepared::on(&id).markers(&markers)
        }
        Op::OpenSharedReport
        | Op::OpenSharedCeoBrief
        | Op::OpenSharedRollupCsv
        | Op::OpenSharedRollupXlsx => Prepared::on(&side.share_token),
        _ => unreachable!("{} is not a board-report operation", op.label()),
    }
}

// ---- shared templates and withheld terms --------------------------------------------------

impl Op {
    /// Template sharing and withheld terms, set up by `prepare_sharing`.
    fn in_sharing(self) -> bool {
        matches!(
            self,
            Op::ShareTemplate
                | Op::AdoptTemplate
                | Op::ListSharedTemplates
                | Op::GetSharedTemplate
                | Op::GetWithheldTerms
                | Op::ReplaceWithheldTerms
        )
    }
}

/// A fresh template of the provider `org`, saved by its editor from a fresh plan whose texts
/// hold no marker of any workspace (once shared, the whole alliance reads it), and shared
/// when `shared`. Its id and its name.
async fn sharing_template(app: &TestApp, org: &Org, n: usize, shared: bool) -> (String, String) {
    let editor = &org.workspace().editor;
    let (plan, _) = create_record(
        app,
        editor,
        &format!("/api/v1/organisations/{}/plans", org.id),
        plan_body(&format!("Matrix sharing plan {n}")),
    )
    .await;
    let plan_id = str_field(&plan, "id");
    create_record(
        app,
        editor,
        &format!("/api/v1/plans/{plan_id}/priorities"),
        priority_body(&format!(
            "Matrix shared priority {n}: earlier access to crisis care"
        )),
    )
    .await;
    let name = format!("Matrix shared template {n}");
    let (template, _) = create_record(
        app,
        editor,
        &format!("/api/v1/organisations/{}/templates", org.id),
        json!({ "from_plan_id": plan_id, "name": name }),
    )
    .await;
    let id = str_field(&template, "id");
    if shared {
        let response = app
            .post(
                &format!("/api/v1/templates/{id}/share"),
                &editor.token,
                json!({}),
            )
            .await;
        expect_status(response, StatusCode::OK).await;
    }
    (id, name)
}

/// Gives the organisation a fresh list of withheld terms, set by its own admin: the term (a
/// private marker of the cell) and the list's `ETag`.
async fn fresh_withheld_terms(app: &TestApp, org: &Org, n: usize) -> (String, String) {
    let path = format!("/api/v1/organisations/{}/withheld-terms", org.id);
    let read = app.get(&path, &org.admin.token).await;
    let tag = etag_of(&read);
    expect_status(read, StatusCode::OK).await;
    let term = format!("Matrix withheld term {n}");
    let response = app
        .request(Method::PUT, &path, Some(&org.admin.token))
        .header("If-Match", tag)
        .json(&json!({ "terms": [term] }))
        .send()
        .await
        .expect("PUT withheld terms");
    let tag = etag_of(&response);
    expect_status(response, StatusCode::OK).await;
    (term, tag)
}

/// Sets up a template-sharing or withheld-terms cell. Templates: "own" is P (adopting: P2's
/// shared template into P), "sibling" P2 (adopting: P's into P2), "foreign" alliance B's P
/// (adopting: B's P2's into B's P). Withheld terms: the caller's own organisation (V for VCSE
/// roles, P for everybody else), P2, or the same organisation in alliance B.
async fn prepare_sharing(
    app: &TestApp,
    world: &World,
    op: Op,
    role: usize,
    tenant: Tenant,
    n: usize,
) -> Prepared {
    let side = match tenant {
        Tenant::Own | Tenant::Sibling => &world.a,
        Tenant::Foreign => &world.b,
    };
    let (provider, other) = match tenant {
        Tenant::Own | Tenant::Foreign => (&side.p, &side.p2),
        Tenant::Sibling => (&side.p2, &side.p),
    };
    match op {
        Op::ShareTemplate | Op::GetSharedTemplate => {
            let (id, name) = sharing_template(app, provider, n, op == Op::GetSharedTemplate).await;
            Prepared::on(&id)
                .markers(&provider.all_markers())
                .markers(&[name])
        }
        Op::AdoptTemplate => {
            let (id, _) = sharing_template(app, other, n, true).await;
            Prepared::on(&id)
                .markers(&provider.all_markers())
                .with_body(json!({ "organisation_id": provider.id }))
        }
        Op::ListSharedTemplates => Prepared::on(&side.alliance_id).markers(&side.alliance_emails),
        Op::GetWithheldTerms | Op::ReplaceWithheldTerms => {
            let org = match tenant {
                Tenant::Sibling => &world.a.p2,
                Tenant::Own | Tenant::Foreign => side.org_for(role),
            };
            let (term, tag) = fresh_withheld_terms(app, org, n).await;
            let prepared = Prepared::on(&org.id).markers(&org.emails).markers(&[term]);
            if op == Op::ReplaceWithheldTerms {
                prepared
                    .if_match(&tag)
                    .with_body(json!({ "terms": [format!("Matrix replacement term {n}")] }))
            } else {
                prepared
            }
        }
        _ => unreachable!("{} is not a sharing operation", op.label()),
    }
}

/// The request for a prepared cell, sent with `token` (none for an anonymous call).
fn request(app: &TestApp, op: Op, token: Option<&str>, prepared: &Prepared) -> RequestBuilder {
    let (_, method, template) = op.spec();
    let mut path = template.to_owned();
    for id in [&prepared.id, &prepared.second_id].into_iter().flatten() {
        path = path.replacen("{id}", id, 1);
    }
    let mut builder = app.request(method, &path, token);
    if let Some(tag) = &prepared.if_match {
        builder = builder.header("If-Match", tag);
    }
    if let Some(body) = &prepared.body {
        builder = builder.json(body);
    }
    builder
}

/// A response, read whole.
struct Answer {
    status: StatusCode,
    content_type: String,
    www_authenticate: Option<String>,
    text: String,
    json: Value,
}

async fn answer(request: RequestBuilder) -> Answer {
    let response = request.send().await.expect("send a request");
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type").unwrap_or_default();
    let www_authenticate = header("www-authenticate");
    // Read as bytes: an export is a binary file, which only has to survive the marker search.
    let bytes = response.bytes().await.expect("read a response body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        www_authenticate,
        text,
        json,
    }
}

/// The body of an answer for a failure message: the text, or a note of what a file was.
fn shown(answer: &Answer) -> String {
    if answer.content_type.contains("json") || answer.content_type.starts_with("text/") {
        answer.text.clone()
    } else {
        format!("({} bytes of {:?})", answer.text.len(), answer.content_type)
    }
}

/// Why this answer is not a proper problem+json, if it is not.
fn problem_defect(answer: &Answer) -> Option<String> {
    let media_type = answer
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    if !media_type.eq_ignore_ascii_case("application/problem+json") {
        return Some(format!(
            "content type {:?}, not application/problem+json",
            answer.content_type
        ));
    }
    if answer.json["status"] != json!(answer.status.as_u16()) {
        return Some("the problem's status differs from the response's".to_owned());
    }
    ["type", "title", "detail"]
        .into_iter()
        .find(|field| !answer.json[*field].is_string())
        .map(|field| format!("the problem lacks {field}"))
}

fn leaked<'m>(text: &str, markers: &'m [String]) -> Vec<&'m str> {
    let lower = text.to_lowercase();
    markers
        .iter()
        .filter(|m| lower.contains(&m.to_lowercase()))
        .map(String::as_str)
        .collect()
}

/// The walk's running state: cells seen, problems found, and the 404 each (operation, role)
/// gets for an id that does not exist.
struct Walk<'w> {
    app: &'w TestApp,
    world: &'w World,
    foreign_markers: Vec<String>,
    /// Provider P's workspace: only P's own members may read it.
    own_workspace_markers: Vec<String>,
    /// Provider P2's workspace: nobody walking may read it.
    sibling_workspace_markers: Vec<String>,
    cells: usize,
    counter: usize,
    failures: Vec<String>,
    missing: HashMap<(Op, usize), Value>,
}

impl Walk<'_> {
    fn next(&mut self) -> usize {
        self.counter += 1;
        self.counter
    }

    async fn cell(&mut self, op: Op, role: usize, tenant: Tenant, expected: char) {
        self.cells += 1;
        let n = self.next();
        let (app, world) = (self.app, self.world);
        let caller = &world.a.actors[role];
        let token = op.authenticated().then_some(caller.token.as_str());
        let prepared = prepare(app, world, op, role, tenant, n).await;
        let got = answer(request(app, op, token, &prepared)).await;
        let cell = format!(
            "{} as {} on the {} tenant",
            op.label(),
            ROLES[role],
            tenant.name()
        );
        let fail =
            |why: String| format!("{cell}: {why}; got {} {}", got.status.as_u16(), shown(&got));
        let mut failures = Vec::new();

        let (wanted, matches) = match expected {
            'A' => ("2xx", got.status.is_success()),
            'F' => ("403", got.status == StatusCode::FORBIDDEN),
            'H' => ("404", got.status == StatusCode::NOT_FOUND),
            other => panic!("unknown expectation {other:?} for {cell}"),
        };
        if !matches {
            failures.push(fail(format!("expected {wanted}")));
        }
        if !got.status.is_success() {
            if let Some(defect) = problem_defect(&got) {
                failures.push(fail(defect));
            }
            let refused = leaked(&got.text, &prepared.markers);
            if !refused.is_empty() {
                failures.push(fail(format!(
                    "a refusal shows the target's private data {refused:?}"
                )));
            }
        }
        let foreign = leaked(&got.text, &self.foreign_markers);
        if !foreign.is_empty() {
            failures.push(fail(format!(
                "the body shows alliance B's private data {foreign:?}"
            )));
        }
        let sibling = leaked(&got.text, &self.sibling_workspace_markers);
        if !sibling.is_empty() {
            failures.push(fail(format!(
                "the body shows provider P2's private workspace {sibling:?}"
            )));
        }
        if !matches!(
            ROLES[role],
            "provider_admin" | "provider_editor" | "provider_viewer"
        ) {
            let own = leaked(&got.text, &self.own_workspace_markers);
            if !own.is_empty() {
                failures.push(fail(format!(
                    "the body shows provider P's private workspace to an outsider {own:?}"
                )));
            }
        }
        if let (Some(wanted), true) = (op.media_type(), got.status.is_success()) {
            if !got.content_type.starts_with(wanted) {
                failures.push(format!(
                    "{cell}: expected {wanted}; got {} {:?}",
                    got.status.as_u16(),
                    got.content_type
                ));
            }
        }
        if op == Op::ExportPlan && got.status.is_success() {
            let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            if !got.content_type.starts_with(xlsx) || !got.text.starts_with("PK") {
                failures.push(format!(
                    "{cell}: expected an XLSX workbook; got {} {:?}",
                    got.status.as_u16(),
                    got.content_type
                ));
            }
        }
        let in_library = op.in_learning_library()
            || matches!(
                op,
                Op::ListPublishedPlans | Op::GetPublication | Op::ListPublicationVersions
            );
        if in_library && got.status.is_success() {
            // P2 publishes and contributes anonymously: nothing in a library may say it is P2's.
            let p2 = &world.a.p2;
            let p2_identity = [p2.name.clone(), p2.id.clone()];
            let named = leaked(&got.text, &p2_identity);
            if !named.is_empty() {
                failures.push(fail(format!(
                    "the library names the provider of an anonymous publication or case study {named:?}"
                )));
            }
        }
        let anonymised_reader = matches!(role, ALLIANCE_ADMIN | BOARD_MEMBER)
            || (tenant == Tenant::Sibling && !ROLES[role].starts_with("vcse"));
        if op.in_feedback() && anonymised_reader && got.status.is_success() {
            // The board, the alliance admin, and P's people on V's closed item about P2 read
            // feedback anonymised: nothing may say V brought it, or name V's people.
            let v = &world.a.v;
            let v_identity: Vec<String> =
                [vec![v.name.clone(), v.id.clone()], v.emails.clone()].concat();
            let named = leaked(&got.text, &v_identity);
            if !named.is_empty() {
                failures.push(fail(format!(
                    "anonymised feedback names who submitted it {named:?}"
                )));
            }
        }
        if op == Op::ListAlliances && got.status.is_success() {
            let ids: Vec<&Value> = got.json["items"]
                .as_array()
                .map(|a| a.iter().map(|i| &i["id"]).collect())
                .unwrap_or_default();
            if ids != [&json!(world.a.alliance_id)] {
                failures.push(fail("expected exactly alliance A in the list".to_owned()));
            }
        }
        if got.status == StatusCode::NOT_FOUND && prepared.id.is_some() {
            let missing = self.missing_answer(op, role, &prepared).await;
            let differs: Vec<&str> = ["type", "title", "detail"]
                .into_iter()
                .filter(|f| got.json[*f] != missing[*f])
                .collect();
            if !differs.is_empty() {
                failures.push(fail(format!(
                    "this 404 differs in {differs:?} from the 404 for a missing id: {missing}"
                )));
            }
        }
        self.failures.extend(failures);
    }

    /// The 404 this role gets from this operation for a random id that exists nowhere.
    async fn missing_answer(&mut self, op: Op, role: usize, prepared: &Prepared) -> Value {
        if let Some(known) = self.missing.get(&(op, role)) {
            return known.clone();
        }
        let (app, world) = (self.app, self.world);
        let caller = &world.a.actors[role];
        let probe = Prepared {
            id: Some(uuid::Uuid::now_v7().to_string()),
            ..prepared.clone()
        };
        let got = answer(request(app, op, Some(&caller.token), &probe)).await;
        let label = format!("{} as {} with a random id", op.label(), ROLES[role]);
        if got.status != StatusCode::NOT_FOUND {
            self.failures.push(format!(
                "{label}: expected 404; got {} {}",
                got.status.as_u16(),
                got.text
            ));
        } else if let Some(defect) = problem_defect(&got) {
            self.failures
                .push(format!("{label}: {defect}; got {}", got.text));
        }
        self.missing.insert((op, role), got.json.clone());
        got.json
    }
}

async fn authorization_matrix(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let world = World {
        a: build_side(&app, "alpha", "Alpha").await,
        b: build_side(&app, "bravo", "Bravo").await,
    };
    let backend_name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgresql",
    };

    let mut walk = Walk {
        app: &app,
        world: &world,
        foreign_markers: world.b.private_markers(),
        own_workspace_markers: world.a.p.workspace_markers().to_vec(),
        sibling_workspace_markers: world.a.p2.workspace_markers().to_vec(),
        cells: 0,
        counter: 0,
        failures: Vec::new(),
        missing: HashMap::new(),
    };
    for &(op, expectations) in MATRIX {
        for (tenant, expected) in TENANTS.into_iter().zip(expectations) {
            if expected.is_empty() {
                continue;
            }
            assert_eq!(
                expected.len(),
                ROLES.len(),
                "{} {}: one character per role",
                op.label(),
                tenant.name()
            );
            for (role, want) in expected.chars().enumerate() {
                walk.cell(op, role, tenant, want).await;
            }
        }
    }
    let (cells, mut failures) = (walk.cells, walk.failures);
    println!(
        "authorization matrix ({backend_name}): {} operations × {} roles × up to {} tenants = {cells} cells, {} unexpected",
        MATRIX.len(),
        ROLES.len(),
        TENANTS.len(),
        failures.len()
    );

    // Without credentials, and with a token that is no token, every operation answers 401.
    let mut seen = BTreeSet::new();
    let mut requests = 0;
    let mut sweep_failures = Vec::new();
    for &(op, _) in MATRIX {
        let (operation_id, _, _) = op.spec();
        if !op.authenticated() || !seen.insert(operation_id) {
            continue;
        }
        let prepared = prepare(
            &app,
            &world,
            op,
            ALLIANCE_ADMIN,
            Tenant::Own,
            1_000_000 + seen.len(),
        )
        .await;
        for (token, wanted) in [
            (None, "Bearer"),
            (
                Some("pcref_pat_garbage-that-is-no-token"),
                "error=\"invalid_token\"",
            ),
        ] {
            requests += 1;
            let got = answer(request(&app, op, token, &prepared)).await;
            let what = if token.is_some() {
                "a garbage token"
            } else {
                "no token"
            };
            let fail = |why: String| {
                format!(
                    "{operation_id} with {what}: {why}; got {} {}",
                    got.status.as_u16(),
                    got.text
                )
            };
            if got.status != StatusCode::UNAUTHORIZED {
                sweep_failures.push(fail("expected 401".to_owned()));
                continue;
            }
            if let Some(defect) = problem_defect(&got) {
                sweep_failures.push(fail(defect));
            }
            let challenge = got.www_authenticate.clone().unwrap_or_default();
            let fits = match token {
                None => challenge.starts_with(wanted),
                Some(_) => challenge.starts_with("Bearer") && challenge.contains(wanted),
            };
            if !fits {
                sweep_failures.push(fail(format!(
                    "WWW-Authenticate {challenge:?} lacks {wanted}"
                )));
            }
        }
    }
    println!(
        "unauthenticated sweep ({backend_name}): {} operations × {{no token, garbage token}} = {requests} requests, {} unexpected",
        seen.len(),
        sweep_failures.len()
    );

    failures.extend(sweep_failures);
    assert!(
        failures.is_empty(),
        "{} unexpected answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

backend_tests!(authorization_matrix);

/// The table against the OpenAPI document: every operation the API serves has a row, and
/// every row's operation id, method and path are the API's.
///
/// The OAuth2 endpoints are the exception: no role calls them; an API client authenticates
/// there with its id and secret. Who may get and revoke which token is tested in
/// `api/v1/oauth.rs` (wrong, rotated and revoked secrets; another client's token).
const NOT_ROLE_BASED: [&str; 2] = ["oauth_token", "oauth_revoke"];

#[test]
fn authorization_matrix_covers_every_operation() {
    let document: Value =
        serde_json::from_str(&pcref_api::openapi_json()).expect("the OpenAPI document is JSON");
    let placeholder = |path: &str| {
        let mut out = String::new();
        let mut in_braces = false;
        for c in path.chars() {
            match c {
                '{' => {
                    in_braces = true;
                    out.push_str("{id}");
                }
                '}' => in_braces = false,
                _ if in_braces => {}
                _ => out.push(c),
            }
        }
        out
    };
    let mut served = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            if let Some(id) = operation["operationId"].as_str() {
                if NOT_ROLE_BASED.contains(&id) {
                    continue;
                }
                served.insert((id.to_owned(), method.to_uppercase(), placeholder(path)));
            }
        }
    }
    let walked: BTreeSet<(String, String, String)> = MATRIX
        .iter()
        .map(|(op, _)| {
            let (id, method, path) = op.spec();
            (id.to_owned(), method.to_string(), path.to_owned())
        })
        .collect();
    let unwalked: Vec<_> = served.difference(&walked).collect();
    let unknown: Vec<_> = walked.difference(&served).collect();
    assert!(
        unwalked.is_empty() && unknown.is_empty(),
        "operations the API serves without a row in the matrix: {unwalked:?}; \
         rows the API does not serve (operation id, method, path): {unknown:?}"
    );
}
