//! Who may do what: every authorization decision, named, in one place.
//!
//! Two refusals, chosen by whether the caller may know the thing exists:
//! - `NotFound` when it belongs to a tenant the caller cannot see (another alliance, or
//!   another organisation's private data) — indistinguishable from a missing record;
//! - `Forbidden` when the caller can see it but their role does not allow the action.

use pcref_auth::{Acting, Principal};
use pcref_domain::{
    AllianceId, FeedbackItem, FeedbackStatus, FeedbackView, LearningItem, Organisation,
    OrganisationId, ParticipationStatus, Project, Role,
};

use crate::AppError;

/// Any member of an alliance reads its profile and its list of organisations.
pub fn read_alliance(p: &Principal, alliance: AllianceId) -> Result<(), AppError> {
    if p.is_member_of_alliance(alliance) {
        Ok(())
    } else {
        Err(AppError::NotFound("alliance"))
    }
}

/// Alliance admins add organisations to their alliance.
pub fn create_organisation(p: &Principal, alliance: AllianceId) -> Result<(), AppError> {
    read_alliance(p, alliance)?;
    require(
        p.is_alliance_admin(alliance),
        "only an alliance admin can add organisations",
    )
}

/// Alliance admins rename the alliance and set its reporting cycle.
pub fn edit_alliance(p: &Principal, alliance: AllianceId) -> Result<(), AppError> {
    read_alliance(p, alliance)?;
    require(
        p.is_alliance_admin(alliance),
        "only an alliance admin can change the alliance's settings",
    )
}

/// An alliance's reporting periods: every member of the alliance reads them (API clients with
/// `reports:read`, checked by the use case); to everybody else the alliance does not exist.
pub fn read_periods(c: &impl Acting, alliance: AllianceId) -> Result<(), AppError> {
    if c.is_member_of_alliance(alliance) {
        Ok(())
    } else {
        Err(AppError::NotFound("alliance"))
    }
}

/// Alliance admins open, change and close reporting periods.
pub fn manage_periods(p: &Principal, alliance: AllianceId) -> Result<(), AppError> {
    read_alliance(p, alliance)?;
    require(
        p.is_alliance_admin(alliance),
        "only the alliance admin opens, changes and closes reporting periods",
    )
}

/// Alliance admins issue board reports from a period.
pub fn issue_reports(p: &Principal, alliance: AllianceId) -> Result<(), AppError> {
    read_alliance(p, alliance)?;
    require(
        p.is_alliance_admin(alliance),
        "only the alliance admin issues board reports",
    )
}

/// Alliance admins create and revoke the links that open a board report without a token.
pub fn share_reports(p: &Principal, alliance: AllianceId) -> Result<(), AppError> {
    read_alliance(p, alliance)?;
    require(
        p.is_alliance_admin(alliance),
        "only the alliance admin shares board reports",
    )
}

/// Any member of the alliance reads an organisation's profile.
pub fn read_organisation(p: &Principal, org: &Organisation) -> Result<(), AppError> {
    if p.is_member_of_alliance(org.alliance_id) {
        Ok(())
    } else {
        Err(AppError::NotFound("organisation"))
    }
}

/// The alliance admin, or the organisation's own admin, edits its profile.
pub fn edit_organisation(p: &Principal, org: &Organisation) -> Result<(), AppError> {
    read_organisation(p, org)?;
    require(
        p.is_alliance_admin(org.alliance_id) || p.is_organisation_admin(org.id),
        "only an alliance admin or the organisation's admin can edit it",
    )
}

/// An organisation's members are seen by its own members and by the alliance admin; to
/// everybody else the list does not exist.
pub fn read_organisation_members(p: &Principal, org: &Organisation) -> Result<(), AppError> {
    if p.organisation_role(org.id).is_some() || p.is_alliance_admin(org.alliance_id) {
        Ok(())
    } else {
        Err(AppError::NotFound("organisation"))
    }
}

/// The organisation's admins, or the alliance admin, remove its members: taking access away
/// never lets anyone into the workspace.
pub fn remove_organisation_members(p: &Principal, org: &Organisation) -> Result<(), AppError> {
    read_organisation_members(p, org)?;
    require(
        p.is_alliance_admin(org.alliance_id) || p.is_organisation_admin(org.id),
        "only an alliance admin or the organisation's admin can manage its members",
    )
}

/// Who may give someone a role in an organisation (invite them, or change their role): its
/// own admins, always. The alliance admin only while the organisation has no active admin of
/// its own — to hand it over, or to recover it when its admins have left — and never to
/// themselves: past the handover, who enters a provider's private workspace is the provider's
/// decision, not the alliance's.
pub fn grant_organisation_role(
    p: &Principal,
    org: &Organisation,
    grantee_email: &str,
    has_own_admin: bool,
) -> Result<(), AppError> {
    remove_organisation_members(p, org)?;
    if p.is_organisation_admin(org.id) {
        return Ok(());
    }
    require(
        grantee_email != p.user.email,
        "an alliance admin cannot give themselves a role in an organisation; ask the organisation's admin",
    )?;
    require(
        !has_own_admin,
        "this organisation has its own admin, who decides who joins it and with which role",
    )
}

/// Alliance-level members (admins, board) are listed to those who hold an alliance-level
/// role themselves.
pub fn read_alliance_members(p: &Principal, alliance: AllianceId) -> Result<(), AppError> {
    read_alliance(p, alliance)?;
    require(
        p.alliance_role(alliance).is_some(),
        "only alliance admins and board members can list the alliance's members",
    )
}

pub fn manage_alliance_members(p: &Principal, alliance: AllianceId) -> Result<(), AppError> {
    read_alliance(p, alliance)?;
    require(
        p.is_alliance_admin(alliance),
        "only an alliance admin can manage the alliance's admins and board members",
    )
}

/// An organisation's audit log is read by its own admins only: it will record its private
/// workspace, which nobody outside the organisation reads — not even the alliance admin.
pub fn read_organisation_audit(p: &Principal, org: OrganisationId) -> Result<(), AppError> {
    if p.organisation_role(org).is_none() {
        return Err(AppError::NotFound("organisation"));
    }
    require(
        p.is_organisation_admin(org),
        "only the organisation's admins can read its audit log",
    )
}

pub fn read_alliance_audit(p: &Principal, alliance: AllianceId) -> Result<(), AppError> {
    read_alliance(p, alliance)?;
    require(
        p.is_alliance_admin(alliance),
        "only an alliance admin can read the alliance's audit log",
    )
}

/// A provider's private workspace (its plans, their stages, its templates) exists only for
/// the provider's own members: to everybody else — the alliance admin, the board, other
/// providers, VCSE partners — it reads as not found. `what` names the thing asked for, so
/// that a hidden record and a missing one answer alike.
pub fn read_workspace(
    p: &impl Acting,
    org: OrganisationId,
    what: &'static str,
) -> Result<(), AppError> {
    match p.organisation_role(org) {
        Some(Role::ProviderAdmin | Role::ProviderEditor | Role::ProviderViewer) => Ok(()),
        _ => Err(AppError::NotFound(what)),
    }
}

/// The provider's admins and editors change its workspace; its viewers only read it.
pub fn write_workspace(
    p: &Principal,
    org: OrganisationId,
    what: &'static str,
) -> Result<(), AppError> {
    read_workspace(p, org, what)?;
    require(
        matches!(
            p.organisation_role(org),
            Some(Role::ProviderAdmin | Role::ProviderEditor)
        ),
        "viewers read the workspace; only the provider's admins and editors change it",
    )
}

/// The alliance's library (published plans, learning, shared templates) is read by every
/// member of the alliance: providers, VCSE partners, the board and the alliance admin.
pub fn read_library(
    p: &impl Acting,
    alliance: AllianceId,
    what: &'static str,
) -> Result<(), AppError> {
    if p.is_member_of_alliance(alliance) {
        Ok(())
    } else {
        Err(AppError::NotFound(what))
    }
}

/// Only the publishing provider's admins and editors withdraw its publications. Everybody
/// else who can see a publication gets the same refusal, named or anonymous, so that the
/// answer never tells whose it is.
pub fn withdraw_publication(p: &Principal, org: OrganisationId) -> Result<(), AppError> {
    require(
        matches!(
            p.organisation_role(org),
            Some(Role::ProviderAdmin | Role::ProviderEditor)
        ),
        "only the admins and editors of the provider that published it can withdraw a publication",
    )
}

/// A template an organisation shared is read by every member of its alliance (as the
/// redacted copy it shared); an unshared one stays in its workspace (`read_workspace`).
pub fn read_shared_template(p: &impl Acting, alliance: AllianceId) -> Result<(), AppError> {
    read_library(p, alliance, "template")
}

/// The alliance's list of shared templates, for every member of the alliance.
pub fn list_shared_templates(p: &impl Acting, alliance: AllianceId) -> Result<(), AppError> {
    read_library(p, alliance, "alliance")
}

/// A provider's admins and editors share its templates with the alliance. Its viewers, and
/// once it is shared the rest of the alliance, see the template and are refused; to
/// everybody else it does not exist.
pub fn share_template(
    p: &Principal,
    org: OrganisationId,
    alliance: AllianceId,
    shared: bool,
) -> Result<(), AppError> {
    if read_workspace(p, org, "template").is_err() {
        if !shared {
            return Err(AppError::NotFound("template"));
        }
        read_shared_template(p, alliance)?;
    }
    require(
        matches!(
            p.organisation_role(org),
            Some(Role::ProviderAdmin | Role::ProviderEditor)
        ),
        "only the admins and editors of the provider that owns a template share it with the alliance",
    )
}

/// Adopting copies a shared template into a provider's workspace: its admins and editors do
/// it; its viewers are refused; to anybody else the workspace does not exist.
pub fn adopt_template(p: &Principal, org: OrganisationId) -> Result<(), AppError> {
    read_workspace(p, org, "organisation")?;
    require(
        matches!(
            p.organisation_role(org),
            Some(Role::ProviderAdmin | Role::ProviderEditor)
        ),
        "viewers read the workspace; only the provider's admins and editors adopt templates into it",
    )
}

/// An organisation's withheld terms name the people and places it hides from what it shares,
/// so the list is as private as they are: its own members read it (they need to know what is
/// hidden); to everybody else, the alliance admin included, it does not exist.
pub fn read_withheld_terms(p: &Principal, org: OrganisationId) -> Result<(), AppError> {
    if p.organisation_role(org).is_some() {
        Ok(())
    } else {
        Err(AppError::NotFound("organisation"))
    }
}

/// Those who publish keep the list: a provider's admins and its editors (who publish, and
/// must be able to withhold a name they spot in a preview without waiting for an admin), and
/// a VCSE organisation's admins. Viewers and VCSE partners read it.
pub fn replace_withheld_terms(p: &Principal, org: OrganisationId) -> Result<(), AppError> {
    read_withheld_terms(p, org)?;
    require(
        matches!(
            p.organisation_role(org),
            Some(Role::ProviderAdmin | Role::ProviderEditor | Role::VcseAdmin)
        ),
        "only a provider's admins and editors, or a VCSE organisation's admins, change its withheld terms",
    )
}

/// An organisation's admins manage its API clients. Everybody else in the alliance (who can
/// see the organisation) is refused; to outsiders it does not exist.
pub fn manage_api_clients(p: &Principal, org: &Organisation) -> Result<(), AppError> {
    read_organisation(p, org)?;
    require(
        p.is_organisation_admin(org.id),
        "only the organisation's admins manage its API clients",
    )
}

/// One API client: its organisation's members may know it exists (and are refused unless
/// admins); to anybody else it does not.
pub fn manage_api_client(p: &Principal, org: OrganisationId) -> Result<(), AppError> {
    match p.organisation_role(org) {
        None => Err(AppError::NotFound("API client")),
        Some(role) => require(
            role.is_organisation_admin(),
            "only the organisation's admins manage its API clients",
        ),
    }
}

// ---- the learning library ----------------------------------------------------------------

/// The roles that write for their organisation: provider admins and editors, VCSE admins and
/// partners. Viewers, the board and the alliance admin read the library.
fn contributes(role: Role) -> bool {
    matches!(
        role,
        Role::ProviderAdmin | Role::ProviderEditor | Role::VcseAdmin | Role::VcsePartner
    )
}

const CONTRIBUTORS_ONLY: &str = "case studies are contributed by the admins and editors of a provider, and the admins and partners of a VCSE organisation, of the alliance; viewers, the board and the alliance admin read the library";

/// The organisations of the alliance the caller contributes for.
pub fn contributing_memberships(
    p: &impl Acting,
    alliance: AllianceId,
) -> Vec<(OrganisationId, String)> {
    p.organisation_roles(alliance)
        .into_iter()
        .filter(|(_, role, _)| contributes(*role))
        .map(|(org, _, name)| (org, name))
        .collect()
}

/// Whether the caller may contribute to the alliance's library at all: members of the
/// alliance see 403 when their role does not contribute; everybody else 404.
pub fn contribute_learning(p: &impl Acting, alliance: AllianceId) -> Result<(), AppError> {
    read_library(p, alliance, "alliance")?;
    if contributing_memberships(p, alliance).is_empty() {
        return Err(not_a_contributor());
    }
    Ok(())
}

/// The refusal for a member of the alliance whose role does not contribute to its library.
pub fn not_a_contributor() -> AppError {
    AppError::Forbidden(CONTRIBUTORS_ONLY.to_owned())
}

/// Only the contributing organisation's writers change an item. Everybody else who can see
/// it gets the same refusal, named or anonymous, so that the answer never tells whose it is.
pub fn edit_learning(p: &impl Acting, item: &LearningItem) -> Result<(), AppError> {
    read_library(p, item.alliance_id, "learning item")?;
    if p.organisation_role(item.organisation_id)
        .is_some_and(contributes)
    {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only the admins and editors (for a VCSE organisation, the admins and partners) of the organisation that contributed a case study can change it".to_owned(),
        ))
    }
}

// ---- feedback ("you said, we did") ---------------------------------------------------------
//
// People and API clients alike: a client acts for its organisation as a provider editor or a
// VCSE partner. (Scopes are checked by the use cases before these.)

const FEEDBACK_SUBMITTERS_ONLY: &str = "feedback is submitted by the admins and editors of a provider, and the admins and partners of a VCSE organisation, of the alliance (or their API clients); viewers, the board and the alliance admin read the figures";

/// The organisations of the alliance the caller submits feedback for (id and name): those
/// where it is a provider admin or editor, or a VCSE admin or partner.
pub fn feedback_submitting_organisations(
    c: &impl Acting,
    alliance: AllianceId,
) -> Vec<(OrganisationId, String)> {
    c.organisation_roles(alliance)
        .into_iter()
        .filter(|(_, role, _)| contributes(*role))
        .map(|(org, _, name)| (org, name))
        .collect()
}

/// Members of the alliance whose role does not submit see 403; everybody else 404.
pub fn submit_feedback(c: &impl Acting, alliance: AllianceId) -> Result<(), AppError> {
    read_feedback(c, alliance)?;
    if feedback_submitting_organisations(c, alliance).is_empty() {
        return Err(not_a_feedback_submitter());
    }
    Ok(())
}

/// The refusal for a member of the alliance who may not submit feedback (for this
/// organisation).
pub fn not_a_feedback_submitter() -> AppError {
    AppError::Forbidden(FEEDBACK_SUBMITTERS_ONLY.to_owned())
}

/// The alliance's feedback list and figures: every member of the alliance (each sees only
/// what `feedback_view` lets them); to everybody else the alliance does not exist.
pub fn read_feedback(c: &impl Acting, alliance: AllianceId) -> Result<(), AppError> {
    if c.is_member_of_alliance(alliance) {
        Ok(())
    } else {
        Err(AppError::NotFound("alliance"))
    }
}

/// Whom a feedback item is in full for: members (any role) and clients of the organisation
/// that submitted it and of the provider it is about; for an item about the alliance as a
/// whole, the alliance admin too.
fn sees_feedback_in_full(c: &impl Acting, item: &FeedbackItem) -> bool {
    submitting_role(c, item).is_some()
        || match item.about_organisation_id() {
            Some(about) => c.organisation_role(about).is_some(),
            None => c.alliance_role(item.alliance_id) == Some(Role::AllianceAdmin),
        }
}

/// How the caller sees a feedback item: in full (see `sees_feedback_in_full`); anonymised
/// when it is closed and the caller is anybody else in its alliance; otherwise not at all —
/// the item reads as not found, so that nobody learns an open item exists.
pub fn feedback_view(c: &impl Acting, item: &FeedbackItem) -> Result<FeedbackView, AppError> {
    if !c.is_member_of_alliance(item.alliance_id) {
        return Err(AppError::NotFound("feedback item"));
    }
    if sees_feedback_in_full(c, item) {
        Ok(FeedbackView::Full)
    } else if item.status == FeedbackStatus::Closed {
        Ok(FeedbackView::Anonymised)
    } else {
        Err(AppError::NotFound("feedback item"))
    }
}

/// What the caller sees in full, as the list's query needs it: its organisations in the
/// alliance, and whether it is the alliance admin (for items about the alliance as a whole).
pub fn feedback_full_access(c: &impl Acting, alliance: AllianceId) -> (Vec<OrganisationId>, bool) {
    (
        c.organisation_roles(alliance)
            .into_iter()
            .map(|(org, _, _)| org)
            .collect(),
        c.alliance_role(alliance) == Some(Role::AllianceAdmin),
    )
}

/// The side that answers an item: the admins and editors of the provider it is about (or its
/// API clients); for an item about the alliance as a whole, the alliance admin.
fn answers_feedback(c: &impl Acting, item: &FeedbackItem) -> bool {
    match item.about_organisation_id() {
        Some(about) => matches!(
            c.organisation_role(about),
            Some(Role::ProviderAdmin | Role::ProviderEditor)
        ),
        None => c.alliance_role(item.alliance_id) == Some(Role::AllianceAdmin),
    }
}

/// Acknowledging and responding: the answering side (`answers_feedback`). Whoever else can see
/// the item is refused (403); to anybody else it does not exist (404).
pub fn respond_to_feedback(c: &impl Acting, item: &FeedbackItem) -> Result<(), AppError> {
    feedback_view(c, item)?;
    require(
        answers_feedback(c, item),
        "only the admins and editors of the provider the feedback is about (for feedback about the alliance as a whole, the alliance admin) acknowledge and respond to it",
    )
}

/// Closing the loop: the answering side, or the organisation that submitted the item (its
/// provider admins and editors, VCSE admins and partners, or its API clients).
pub fn close_feedback(c: &impl Acting, item: &FeedbackItem) -> Result<(), AppError> {
    feedback_view(c, item)?;
    require(
        answers_feedback(c, item) || submitting_role(c, item).is_some_and(contributes),
        "only the side that answers the feedback (the provider's admins and editors, or the alliance admin for feedback about the alliance) or the organisation that submitted it (its admins, editors and partners) close it",
    )
}

// ---- joint projects ----------------------------------------------------------------------
//
// People and API clients alike (a client acts as its organisation's editor or partner; scopes
// are checked by the use cases before these). Every member of the alliance follows its
// projects; organisations taking part write to them; the lead's admins and the alliance admin
// run them.

/// An alliance's projects: every member of the alliance; to everybody else it does not exist.
pub fn read_projects(c: &impl Acting, alliance: AllianceId) -> Result<(), AppError> {
    if c.is_member_of_alliance(alliance) {
        Ok(())
    } else {
        Err(AppError::NotFound("alliance"))
    }
}

/// One project: every member of its alliance.
pub fn read_project(c: &impl Acting, project: &Project) -> Result<(), AppError> {
    if c.is_member_of_alliance(project.alliance_id) {
        Ok(())
    } else {
        Err(AppError::NotFound("project"))
    }
}

/// Proposing a project: the alliance admin, and the admins and editors of its providers (or
/// their API clients).
pub fn propose_project(c: &impl Acting, alliance: AllianceId) -> Result<(), AppError> {
    read_projects(c, alliance)?;
    require(
        c.alliance_role(alliance) == Some(Role::AllianceAdmin)
            || !proposing_providers(c, alliance).is_empty(),
        "joint projects are proposed by the alliance admin or by a provider's admins and editors; VCSE partners take part once invited",
    )
}

/// The providers of the alliance the caller proposes projects for.
pub fn proposing_providers(c: &impl Acting, alliance: AllianceId) -> Vec<OrganisationId> {
    c.organisation_roles(alliance)
        .into_iter()
        .filter(|(_, role, _)| matches!(role, Role::ProviderAdmin | Role::ProviderEditor))
        .map(|(org, _, _)| org)
        .collect()
}

/// Whether the caller runs the project: an admin of its lead organisation, or the alliance
/// admin.
fn runs_project(c: &impl Acting, project: &Project) -> bool {
    c.alliance_role(project.alliance_id) == Some(Role::AllianceAdmin)
        || matches!(
            c.organisation_role(project.lead.id),
            Some(Role::ProviderAdmin | Role::VcseAdmin)
        )
}

/// Changing a project and inviting organisations to it: the lead organisation's admins and the
/// alliance admin.
pub fn manage_project(c: &impl Acting, project: &Project) -> Result<(), AppError> {
    read_project(c, project)?;
    require(
        runs_project(c, project),
        "only the admins of the project's lead organisation and the alliance admin change a joint project and invite organisations to it",
    )
}

/// The organisations taking part in the project that the caller writes for (admins and
/// editors of a provider, admins and partners of a VCSE organisation, or their API clients).
pub fn project_writing_organisations(c: &impl Acting, project: &Project) -> Vec<OrganisationId> {
    project
        .taking_part()
        .filter(|org| c.organisation_role(org.id).is_some_and(contributes))
        .map(|org| org.id)
        .collect()
}

const PARTICIPANTS_ONLY: &str = "only organisations taking part in the project (invited and accepted) write to it: their admins and editors (for a VCSE organisation, its admins and partners) or their API clients";

/// Milestones: the organisations taking part, and whoever runs the project.
pub fn write_milestones(c: &impl Acting, project: &Project) -> Result<(), AppError> {
    read_project(c, project)?;
    require(
        runs_project(c, project) || !project_writing_organisations(c, project).is_empty(),
        PARTICIPANTS_ONLY,
    )
}

/// Updates report from an organisation taking part.
pub fn post_project_update(c: &impl Acting, project: &Project) -> Result<(), AppError> {
    read_project(c, project)?;
    require(
        !project_writing_organisations(c, project).is_empty(),
        PARTICIPANTS_ONLY,
    )
}

/// An invited organisation answers for itself: its admins and editors (for a VCSE
/// organisation, its admins and partners) or its API clients. An organisation never invited
/// is not a participant at all (404).
pub fn answer_project_invitation(
    c: &impl Acting,
    project: &Project,
    org: OrganisationId,
) -> Result<ParticipationStatus, AppError> {
    read_project(c, project)?;
    let status = project
        .participation(org)
        .ok_or(AppError::NotFound("participant"))?;
    require(
        c.organisation_role(org).is_some_and(contributes),
        "an invitation is answered by the invited organisation: its admins and editors (for a VCSE organisation, its admins and partners) or its API clients",
    )?;
    Ok(status)
}

/// The caller's role in the organisation that submitted the item, if any.
fn submitting_role(c: &impl Acting, item: &FeedbackItem) -> Option<Role> {
    item.submitter
        .as_ref()
        .and_then(|s| c.organisation_role(s.organisation_id))
}

fn require(allowed: bool, why: &str) -> Result<(), AppError> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(why.to_owned()))
    }
}
