//! Joint projects of an alliance: the projects, the organisations taking part, milestones and
//! updates. People and API clients (with the `projects:write` scope) alike.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::{App, Caller};
use pcref_domain::{AllianceId, MilestoneId, OrganisationId, ProjectId};

use super::{page, record_responses, valid, ApiTags};
use crate::auth::{ApiScopes, CallerAuth};
use crate::headers::{IdempotencyKey, RequiredIfMatch};
use crate::plan_types::OneOf;
use crate::problem::ApiError;
use crate::project_types::{
    project_filter, Milestone, MilestoneChanges, MilestoneList, NewMilestone, NewParticipant,
    NewProject, NewProjectUpdate, Participant, ParticipantList, Project, ProjectChanges,
    ProjectPage, ProjectUpdate, ProjectUpdatePage,
};
use crate::types::{CursorParam, EthnicCode, Ruled};

pub struct ProjectsApi;

record_responses!(ProjectFound, ProjectCreated, Project);
record_responses!(MilestoneFound, MilestoneCreated, Milestone);

#[derive(ApiResponse)]
pub enum ParticipantInvited {
    /// The organisation invited; `Location` is the project's participants.
    #[oai(status = 201)]
    Created(Json<Participant>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum UpdatePosted {
    /// The update as stored (its narrative redacted), with the `redaction_report` of the
    /// narrative sent. `Location` is the project's updates.
    #[oai(status = 201)]
    Created(Json<ProjectUpdate>, #[oai(header = "Location")] String),
}

/// An invited organisation's answer.
async fn answer(
    app: &App,
    caller: Caller,
    project: Uuid,
    organisation: Uuid,
    accept: bool,
) -> Result<Json<Participant>, ApiError> {
    let answered = app
        .answer_project_invitation(
            &caller,
            ProjectId(project),
            OrganisationId(organisation),
            accept,
        )
        .await?;
    Ok(Json(answered.into()))
}

fn project_location(id: impl std::fmt::Display) -> String {
    format!("/api/v1/projects/{id}")
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Projects")]
impl ProjectsApi {
    /// List joint projects
    ///
    /// The alliance's joint projects, newest first. Any member of the alliance; API clients
    /// need `projects:write`. `stale`: a project that has started and has no update reporting
    /// on a day of the current reporting period (a calendar quarter).
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/alliances/:alliance_id/projects",
        method = "get",
        operation_id = "list_projects"
    )]
    async fn list(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        /// Only projects in this phase of the five-step model.
        phase: Query<Option<Ruled<String, OneOf<pcref_domain::ProjectPhase>>>>,
        /// Only projects whose latest update has this RAG.
        rag: Query<Option<Ruled<String, OneOf<pcref_domain::Rag>>>>,
        /// Only projects this organisation takes part in (it accepted, or it leads).
        participant: Query<Option<Uuid>>,
        /// Only projects about this specific ethnic group (an NHS ethnic category code).
        ethnic_category: Query<Option<Ruled<String, EthnicCode>>>,
        /// Only projects developing this competency.
        competency: Query<Option<Ruled<String, OneOf<pcref_domain::Competency>>>>,
        /// `true`: only projects with a milestone overdue; `false`: only those with none.
        overdue: Query<Option<bool>>,
        /// `true`: only stale projects; `false`: only those up to date.
        stale: Query<Option<bool>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Projects per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<ProjectPage>, ApiError> {
        let caller = auth.caller();
        let alliance = AllianceId(alliance_id.0);
        let filter = valid(
            project_filter(
                phase.0.map(Ruled::into_inner),
                rag.0.map(Ruled::into_inner),
                participant.0,
                ethnic_category.0.map(Ruled::into_inner),
                competency.0.map(Ruled::into_inner),
                overdue.0,
                stale.0,
            ),
            app.authorize_project_reading(&caller, alliance),
        )
        .await?;
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let found = app
            .projects(&caller, alliance, filter, cursor, limit)
            .await?;
        Ok(Json(found.into()))
    }

    /// Propose a joint project
    ///
    /// Names its lead organisation (a provider or VCSE organisation of the alliance), which
    /// takes part from the start; so does your provider when you propose for one. Then invite
    /// the others. The alliance admin, and the admins and editors of a provider of the alliance
    /// (or its API clients with `projects:write`). 422 when the lead is not an organisation of
    /// the alliance, or a link is not in the alliance's library.
    #[oai(
        path = "/alliances/:alliance_id/projects",
        method = "post",
        operation_id = "create_project"
    )]
    async fn create(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        alliance_id: Path<Uuid>,
        body: Json<NewProject>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<ProjectCreated, ApiError> {
        let caller = auth.caller();
        let alliance = AllianceId(alliance_id.0);
        let request = valid(
            body.0.parse(),
            app.authorize_project_proposal(&caller, alliance),
        )
        .await?;
        let created = app.create_project(&caller, alliance, request).await?;
        let location = project_location(created.record.id);
        Ok(ProjectCreated::of(created.into(), location))
    }

    /// Get a joint project
    ///
    /// With its participants, phase history, milestone counts, latest RAG and whether it is
    /// stale. Any member of the alliance; API clients need `projects:write`.
    #[oai(
        path = "/projects/:project_id",
        method = "get",
        operation_id = "get_project"
    )]
    async fn get(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        project_id: Path<Uuid>,
    ) -> Result<ProjectFound, ApiError> {
        let found = app
            .get_project(&auth.caller(), ProjectId(project_id.0))
            .await?;
        Ok(ProjectFound::of(found.into()))
    }

    /// Change a joint project
    ///
    /// Requires `If-Match` with the `ETag` last read (an update posted in between changes it).
    /// A new `phase` is entered today and kept in the phase history; a new lead takes part from
    /// now. The admins of the lead organisation and the alliance admin.
    #[oai(
        path = "/projects/:project_id",
        method = "patch",
        operation_id = "update_project"
    )]
    async fn update(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        project_id: Path<Uuid>,
        /// The `ETag` from your last read, such as `"3"`.
        #[oai(name = "If-Match")]
        if_match: RequiredIfMatch,
        body: Json<ProjectChanges>,
    ) -> Result<ProjectFound, ApiError> {
        let caller = auth.caller();
        let id = ProjectId(project_id.0);
        let patch = valid(body.0.parse(), app.authorize_project_change(&caller, id)).await?;
        let updated = app.update_project(&caller, id, if_match.0, patch).await?;
        Ok(ProjectFound::of(updated.into()))
    }

    /// List a project's participants
    ///
    /// The organisations invited and their answers, the lead first. Any member of the
    /// alliance; API clients need `projects:write`.
    #[oai(
        path = "/projects/:project_id/participants",
        method = "get",
        operation_id = "list_project_participants"
    )]
    async fn participants(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        project_id: Path<Uuid>,
    ) -> Result<Json<ParticipantList>, ApiError> {
        let items = app
            .project_participants(&auth.caller(), ProjectId(project_id.0))
            .await?;
        Ok(Json(ParticipantList {
            items: items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Invite an organisation to a project
    ///
    /// A provider or VCSE organisation of the alliance; it answers with `…/accept` or
    /// `…/decline`. A declined organisation may be invited again; one already invited or
    /// taking part is a conflict (409). The admins of the lead organisation and the alliance
    /// admin.
    #[oai(
        path = "/projects/:project_id/participants",
        method = "post",
        operation_id = "invite_project_participant"
    )]
    async fn invite(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        project_id: Path<Uuid>,
        body: Json<NewParticipant>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<ParticipantInvited, ApiError> {
        let id = ProjectId(project_id.0);
        let invited = app
            .invite_to_project(&auth.caller(), id, OrganisationId(body.0.organisation_id))
            .await?;
        Ok(ParticipantInvited::Created(
            Json(invited.into()),
            format!("{}/participants", project_location(id)),
        ))
    }

    /// Accept an invitation to a project
    ///
    /// The invited organisation's admins and editors (for a VCSE organisation, its admins and
    /// partners) or its API clients with `projects:write`. Only while invited (409 otherwise);
    /// 404 for an organisation never invited.
    #[oai(
        path = "/projects/:project_id/participants/:organisation_id/accept",
        method = "post",
        operation_id = "accept_project_participation"
    )]
    async fn accept(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        project_id: Path<Uuid>,
        organisation_id: Path<Uuid>,
    ) -> Result<Json<Participant>, ApiError> {
        answer(&app, auth.caller(), project_id.0, organisation_id.0, true).await
    }

    /// Decline an invitation to a project
    ///
    /// As accepting: the invited organisation, only while invited.
    #[oai(
        path = "/projects/:project_id/participants/:organisation_id/decline",
        method = "post",
        operation_id = "decline_project_participation"
    )]
    async fn decline(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        project_id: Path<Uuid>,
        organisation_id: Path<Uuid>,
    ) -> Result<Json<Participant>, ApiError> {
        answer(&app, auth.caller(), project_id.0, organisation_id.0, false).await
    }

    /// List a project's milestones
    ///
    /// By due date. Any member of the alliance; API clients need `projects:write`.
    #[oai(
        path = "/projects/:project_id/milestones",
        method = "get",
        operation_id = "list_project_milestones"
    )]
    async fn milestones(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        project_id: Path<Uuid>,
    ) -> Result<Json<MilestoneList>, ApiError> {
        let items = app
            .project_milestones(&auth.caller(), ProjectId(project_id.0))
            .await?;
        Ok(Json(MilestoneList {
            items: items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Add a milestone to a project
    ///
    /// Owned by an organisation taking part. The organisations taking part (their admins and
    /// editors, VCSE admins and partners, or API clients with `projects:write`), the lead's
    /// admins and the alliance admin.
    #[oai(
        path = "/projects/:project_id/milestones",
        method = "post",
        operation_id = "create_project_milestone"
    )]
    async fn create_milestone(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        project_id: Path<Uuid>,
        body: Json<NewMilestone>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<MilestoneCreated, ApiError> {
        let caller = auth.caller();
        let id = ProjectId(project_id.0);
        let draft = valid(body.0.parse(), app.authorize_milestone_writing(&caller, id)).await?;
        let created = app.create_milestone(&caller, id, draft).await?;
        let location = format!("/api/v1/milestones/{}", created.record.id);
        Ok(MilestoneCreated::of(created.into(), location))
    }

    /// Change a milestone
    ///
    /// Requires `If-Match` with the `ETag` last read. Mark it done with `done_on`; `null`
    /// reopens it. The same writers as adding one.
    #[oai(
        path = "/milestones/:milestone_id",
        method = "patch",
        operation_id = "update_project_milestone"
    )]
    async fn update_milestone(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        milestone_id: Path<Uuid>,
        /// The `ETag` from your last read, such as `"3"`.
        #[oai(name = "If-Match")]
        if_match: RequiredIfMatch,
        body: Json<MilestoneChanges>,
    ) -> Result<MilestoneFound, ApiError> {
        let caller = auth.caller();
        let id = MilestoneId(milestone_id.0);
        let patch = valid(body.0.parse(), app.authorize_milestone_change(&caller, id)).await?;
        let updated = app.update_milestone(&caller, id, if_match.0, patch).await?;
        Ok(MilestoneFound::of(updated.into()))
    }

    /// List a project's updates
    ///
    /// Newest first. Any member of the alliance; API clients need `projects:write`.
    #[oai(
        path = "/projects/:project_id/updates",
        method = "get",
        operation_id = "list_project_updates"
    )]
    async fn updates(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        project_id: Path<Uuid>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Updates per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<ProjectUpdatePage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let found = app
            .project_updates(&auth.caller(), ProjectId(project_id.0), cursor, limit)
            .await?;
        Ok(Json(found.into()))
    }

    /// Post an update on a project
    ///
    /// The reporting period's RAG and what happened, and the phase the project has moved to if
    /// it has. The latest update sets the project's `rag` (and so its `ETag`). The narrative is
    /// redacted before it is stored; the answer's `redaction_report` lists what was replaced.
    /// An organisation taking part: its admins and editors (for a VCSE organisation, its
    /// admins and partners) or its API clients with `projects:write`.
    #[oai(
        path = "/projects/:project_id/updates",
        method = "post",
        operation_id = "create_project_update"
    )]
    async fn post_update(
        &self,
        #[oai(scope = "ApiScopes::ProjectsWrite")] auth: CallerAuth,
        app: Data<&App>,
        project_id: Path<Uuid>,
        body: Json<NewProjectUpdate>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<UpdatePosted, ApiError> {
        let caller = auth.caller();
        let id = ProjectId(project_id.0);
        let draft = valid(body.0.parse(), app.authorize_project_update(&caller, id)).await?;
        let posted = app.post_project_update(&caller, id, draft).await?;
        Ok(UpdatePosted::Created(
            Json(posted.into()),
            format!("{}/updates", project_location(id)),
        ))
    }
}
