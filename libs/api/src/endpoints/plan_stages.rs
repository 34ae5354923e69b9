//! The four stages of an action plan: priority areas, goals, actions and progress updates.
//! All of them live in the provider's private workspace: its admins and editors write, its
//! viewers read, and to everybody else they do not exist (404).

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use pcref_app::{ActionQuery, App, WorkspaceRecord};
use pcref_domain::{ActionId, ActionStatus, GoalId, PlanId, PriorityId};

use super::{page, record_responses, valid, ApiTags, Deleted};
use crate::auth::BearerAuth;
use crate::headers::{IdempotencyKey, OptionalIfMatch, RequiredIfMatch};
use crate::plan_types::OneOf;
use crate::plan_types::{
    Action, ActionChanges, ActionPage, Goal, GoalChanges, GoalPage, NewAction, NewGoal,
    NewPriority, NewProgressUpdate, PostedProgressUpdate, Priority, PriorityChanges, PriorityPage,
    ProgressUpdatePage,
};
use crate::problem::ApiError;
use crate::types::{CursorParam, Ruled};

record_responses!(PriorityFound, PriorityCreated, Priority);
record_responses!(GoalFound, GoalCreated, Goal);
record_responses!(ActionFound, ActionCreated, Action);

#[derive(ApiResponse)]
pub enum ProgressUpdatePosted {
    /// The update, and the action as it now stands (with its new `ETag`).
    #[oai(status = 201)]
    Created(Json<PostedProgressUpdate>, #[oai(header = "ETag")] String),
}

pub struct PrioritiesApi;
pub struct GoalsApi;
pub struct ActionsApi;
pub struct ProgressUpdatesApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::PriorityAreas")]
impl PrioritiesApi {
    /// List a plan's priority areas
    #[oai(
        path = "/plans/:plan_id/priorities",
        method = "get",
        operation_id = "list_priorities"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<PriorityPage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let items = app
            .list_priorities(&auth.0, PlanId(plan_id.0), cursor, limit)
            .await?;
        Ok(Json(items.into()))
    }

    /// Add a priority area
    ///
    /// Names the specific ethnic groups it is about, as NHS ethnic category codes: an umbrella
    /// term such as "BAME" is refused with 422, as the PCREF tool's guidance asks.
    #[oai(
        path = "/plans/:plan_id/priorities",
        method = "post",
        operation_id = "create_priority"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
        body: Json<NewPriority>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<PriorityCreated, ApiError> {
        let plan = PlanId(plan_id.0);
        let draft = valid(
            body.0.parse(),
            app.authorize(&auth.0, WorkspaceRecord::Plan(plan), true),
        )
        .await?;
        let created = app.create_priority(&auth.0, plan, draft).await?;
        let location = format!("/api/v1/priorities/{}", created.id);
        Ok(PriorityCreated::of(created.into(), location))
    }

    /// Get a priority area
    #[oai(
        path = "/priorities/:priority_id",
        method = "get",
        operation_id = "get_priority"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        priority_id: Path<Uuid>,
    ) -> Result<PriorityFound, ApiError> {
        let found = app.get_priority(&auth.0, PriorityId(priority_id.0)).await?;
        Ok(PriorityFound::of(found.into()))
    }

    /// Update a priority area
    ///
    /// Requires `If-Match` with the `ETag` last read.
    #[oai(
        path = "/priorities/:priority_id",
        method = "patch",
        operation_id = "update_priority"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        priority_id: Path<Uuid>,
        /// The `ETag` from your last read, such as `"3"`.
        #[oai(name = "If-Match")]
        if_match: RequiredIfMatch,
        body: Json<PriorityChanges>,
    ) -> Result<PriorityFound, ApiError> {
        let if_match = if_match.0;
        let id = PriorityId(priority_id.0);
        let patch = valid(
            body.0.parse(),
            app.authorize(&auth.0, WorkspaceRecord::Priority(id), true),
        )
        .await?;
        let updated = app.update_priority(&auth.0, id, if_match, patch).await?;
        Ok(PriorityFound::of(updated.into()))
    }

    /// Delete a priority area
    ///
    /// Refused (409) while actions serve it. `If-Match`, when sent, must match.
    #[oai(
        path = "/priorities/:priority_id",
        method = "delete",
        operation_id = "delete_priority"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        priority_id: Path<Uuid>,
        /// The `ETag` from your last read (optional).
        #[oai(name = "If-Match")]
        if_match: OptionalIfMatch,
    ) -> Result<Deleted, ApiError> {
        let if_match = if_match.0;
        app.delete_priority(&auth.0, PriorityId(priority_id.0), if_match)
            .await?;
        Ok(Deleted::NoContent)
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Goals")]
impl GoalsApi {
    /// List a plan's goals
    #[oai(
        path = "/plans/:plan_id/goals",
        method = "get",
        operation_id = "list_goals"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<GoalPage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let items = app
            .list_goals(&auth.0, PlanId(plan_id.0), cursor, limit)
            .await?;
        Ok(Json(items.into()))
    }

    /// Add a SMART goal
    ///
    /// Tied to one or more cultural competencies and to one PCREF pillar (see `/reference`).
    #[oai(
        path = "/plans/:plan_id/goals",
        method = "post",
        operation_id = "create_goal"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
        body: Json<NewGoal>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<GoalCreated, ApiError> {
        let plan = PlanId(plan_id.0);
        let draft = valid(
            body.0.parse(),
            app.authorize(&auth.0, WorkspaceRecord::Plan(plan), true),
        )
        .await?;
        let created = app.create_goal(&auth.0, plan, draft).await?;
        let location = format!("/api/v1/goals/{}", created.id);
        Ok(GoalCreated::of(created.into(), location))
    }

    /// Get a goal
    #[oai(path = "/goals/:goal_id", method = "get", operation_id = "get_goal")]
    async fn get(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        goal_id: Path<Uuid>,
    ) -> Result<GoalFound, ApiError> {
        let found = app.get_goal(&auth.0, GoalId(goal_id.0)).await?;
        Ok(GoalFound::of(found.into()))
    }

    /// Update a goal
    ///
    /// Requires `If-Match` with the `ETag` last read.
    #[oai(
        path = "/goals/:goal_id",
        method = "patch",
        operation_id = "update_goal"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        goal_id: Path<Uuid>,
        /// The `ETag` from your last read, such as `"3"`.
        #[oai(name = "If-Match")]
        if_match: RequiredIfMatch,
        body: Json<GoalChanges>,
    ) -> Result<GoalFound, ApiError> {
        let if_match = if_match.0;
        let id = GoalId(goal_id.0);
        let patch = valid(
            body.0.parse(),
            app.authorize(&auth.0, WorkspaceRecord::Goal(id), true),
        )
        .await?;
        let updated = app.update_goal(&auth.0, id, if_match, patch).await?;
        Ok(GoalFound::of(updated.into()))
    }

    /// Delete a goal
    ///
    /// `If-Match`, when sent, must match.
    #[oai(
        path = "/goals/:goal_id",
        method = "delete",
        operation_id = "delete_goal"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        goal_id: Path<Uuid>,
        /// The `ETag` from your last read (optional).
        #[oai(name = "If-Match")]
        if_match: OptionalIfMatch,
    ) -> Result<Deleted, ApiError> {
        let if_match = if_match.0;
        app.delete_goal(&auth.0, GoalId(goal_id.0), if_match)
            .await?;
        Ok(Deleted::NoContent)
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Actions")]
impl ActionsApi {
    /// List a plan's actions
    ///
    /// Each action shows `overdue` and `stale`, worked out for today.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/plans/:plan_id/actions",
        method = "get",
        operation_id = "list_actions"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
        /// Only the actions serving this priority area.
        priority_id: Query<Option<Uuid>>,
        /// Only actions with this status.
        status: Query<Option<Ruled<String, OneOf<ActionStatus>>>>,
        /// `true`: only overdue actions; `false`: only those that are not.
        overdue: Query<Option<bool>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<ActionPage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let status = status
            .0
            .as_deref()
            .map(|s| ActionStatus::parse_for("status", s))
            .transpose()?;
        let query = ActionQuery {
            priority_id: priority_id.0.map(PriorityId),
            status,
            overdue: overdue.0,
        };
        let items = app
            .list_actions(&auth.0, PlanId(plan_id.0), query, cursor, limit)
            .await?;
        Ok(Json(items.into()))
    }

    /// Add an action
    ///
    /// A row of the implementation table, serving one of the plan's priority areas.
    #[oai(
        path = "/plans/:plan_id/actions",
        method = "post",
        operation_id = "create_action"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        plan_id: Path<Uuid>,
        body: Json<NewAction>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<ActionCreated, ApiError> {
        let plan = PlanId(plan_id.0);
        let (draft, status) = valid(
            body.0.parse(),
            app.authorize(&auth.0, WorkspaceRecord::Plan(plan), true),
        )
        .await?;
        let created = app.create_action(&auth.0, plan, draft, status).await?;
        let location = format!("/api/v1/actions/{}", created.action.id);
        Ok(ActionCreated::of(created.into(), location))
    }

    /// Get an action
    #[oai(
        path = "/actions/:action_id",
        method = "get",
        operation_id = "get_action"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        action_id: Path<Uuid>,
    ) -> Result<ActionFound, ApiError> {
        let found = app.get_action(&auth.0, ActionId(action_id.0)).await?;
        Ok(ActionFound::of(found.into()))
    }

    /// Update an action
    ///
    /// Requires `If-Match` with the `ETag` last read. The status is not set here: post a
    /// progress update, which records when and why it changed.
    #[oai(
        path = "/actions/:action_id",
        method = "patch",
        operation_id = "update_action"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        action_id: Path<Uuid>,
        /// The `ETag` from your last read, such as `"3"`.
        #[oai(name = "If-Match")]
        if_match: RequiredIfMatch,
        body: Json<ActionChanges>,
    ) -> Result<ActionFound, ApiError> {
        let if_match = if_match.0;
        let id = ActionId(action_id.0);
        let patch = valid(
            body.0.parse(),
            app.authorize(&auth.0, WorkspaceRecord::Action(id), true),
        )
        .await?;
        let updated = app.update_action(&auth.0, id, if_match, patch).await?;
        Ok(ActionFound::of(updated.into()))
    }

    /// Delete an action
    ///
    /// Deletes its progress updates too; the audit log keeps both. `If-Match`, when sent,
    /// must match.
    #[oai(
        path = "/actions/:action_id",
        method = "delete",
        operation_id = "delete_action"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        action_id: Path<Uuid>,
        /// The `ETag` from your last read (optional).
        #[oai(name = "If-Match")]
        if_match: OptionalIfMatch,
    ) -> Result<Deleted, ApiError> {
        let if_match = if_match.0;
        app.delete_action(&auth.0, ActionId(action_id.0), if_match)
            .await?;
        Ok(Deleted::NoContent)
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::ProgressUpdates")]
impl ProgressUpdatesApi {
    /// List an action's progress updates
    ///
    /// Newest first, by the date reported on.
    #[oai(
        path = "/actions/:action_id/updates",
        method = "get",
        operation_id = "list_progress_updates"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        action_id: Path<Uuid>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<CursorParam>>,
        /// Items per page, 1–200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<ProgressUpdatePage>, ApiError> {
        let (cursor, limit) = page(cursor.0, limit.0)?;
        let items = app
            .list_progress_updates(&auth.0, ActionId(action_id.0), cursor, limit)
            .await?;
        Ok(Json(items.into()))
    }

    /// Post a progress update
    ///
    /// Dated (today unless `reported_on` is given, never in the future). The action takes
    /// the status of its latest update. Provider admins and editors.
    #[oai(
        path = "/actions/:action_id/updates",
        method = "post",
        operation_id = "create_progress_update"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        app: Data<&App>,
        action_id: Path<Uuid>,
        body: Json<NewProgressUpdate>,
        /// Any key of your choosing (1 to 255 visible ASCII characters, such as a UUID). Sent
        /// again with the same request within 24 hours, it returns the first answer (marked
        /// `Idempotent-Replayed: true`) instead of acting twice; with a different request, 422.
        /// An answer holding a secret (token, code) is never stored: its retry answers 409.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: IdempotencyKey,
    ) -> Result<ProgressUpdatePosted, ApiError> {
        let id = ActionId(action_id.0);
        let new = valid(
            body.0.parse(),
            app.authorize(&auth.0, WorkspaceRecord::Action(id), true),
        )
        .await?;
        let (update, action) = app.post_progress_update(&auth.0, id, new).await?;
        let tag = action.action.version.etag();
        Ok(ProgressUpdatePosted::Created(
            Json(PostedProgressUpdate {
                update: update.into(),
                action: action.into(),
            }),
            tag,
        ))
    }
}
