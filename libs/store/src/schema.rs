//! The database schema, written out explicitly. It must match both `migrations/sqlite` and
//! `migrations/postgres`; the end-to-end suite runs every query against both.

diesel::table! {
    alliances (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reporting_cycle_days -> Integer,
    }
}

diesel::table! {
    organisations (id) {
        id -> Text,
        alliance_id -> Text,
        name -> Text,
        name_key -> Text,
        kind -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    memberships (id) {
        id -> Text,
        user_id -> Text,
        alliance_id -> Text,
        organisation_id -> Nullable<Text>,
        role -> Text,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        invited_display_name -> Nullable<Text>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        membership_id -> Text,
        code_hash -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    access_tokens (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_label -> Text,
        alliance_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        visibility -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        before_value -> Nullable<Text>,
        after_value -> Nullable<Text>,
    }
}

diesel::table! {
    templates (id) {
        id -> Text,
        organisation_id -> Nullable<Text>,
        name -> Text,
        description -> Nullable<Text>,
        source_plan_id -> Nullable<Text>,
        content -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        shared_at -> Nullable<Timestamp>,
        shared_content -> Nullable<Text>,
        adopted_from_id -> Nullable<Text>,
    }
}

diesel::table! {
    template_adoptions (template_id, organisation_id) {
        template_id -> Text,
        organisation_id -> Text,
        adopted_template_id -> Text,
        adopted_by -> Nullable<Text>,
        adopted_at -> Timestamp,
    }
}

diesel::table! {
    withheld_terms (organisation_id) {
        organisation_id -> Text,
        terms -> Text,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    publications (id) {
        id -> Text,
        series_id -> Text,
        version -> Integer,
        alliance_id -> Text,
        organisation_id -> Text,
        plan_id -> Text,
        attribution -> Text,
        title -> Text,
        document -> Text,
        search_text -> Text,
        tags -> Text,
        is_current -> Bool,
        published_by -> Nullable<Text>,
        published_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    learning_items (id) {
        id -> Text,
        alliance_id -> Text,
        organisation_id -> Text,
        attribution -> Text,
        title -> Text,
        summary -> Text,
        reflections -> Text,
        tags -> Text,
        publication_id -> Nullable<Text>,
        action_id -> Nullable<Text>,
        search_text -> Text,
        created_by -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    plans (id) {
        id -> Text,
        organisation_id -> Text,
        alliance_id -> Text,
        title -> Text,
        service -> Text,
        owner_user_id -> Nullable<Text>,
        status -> Text,
        period_starts_on -> Nullable<Date>,
        period_ends_on -> Nullable<Date>,
        template_id -> Nullable<Text>,
        template_name -> Nullable<Text>,
        guidance -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    priorities (id) {
        id -> Text,
        plan_id -> Text,
        statement -> Text,
        service_area -> Nullable<Text>,
        evidence -> Nullable<Text>,
        communities_consulted -> Bool,
        consultation_notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    priority_ethnic_categories (priority_id, code) {
        priority_id -> Text,
        code -> Text,
    }
}

diesel::table! {
    goals (id) {
        id -> Text,
        plan_id -> Text,
        statement -> Text,
        measure -> Text,
        baseline -> Nullable<Text>,
        target -> Text,
        deadline -> Nullable<Date>,
        pillar -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    goal_competencies (goal_id, competency) {
        goal_id -> Text,
        competency -> Text,
    }
}

diesel::table! {
    actions (id) {
        id -> Text,
        plan_id -> Text,
        priority_id -> Text,
        description -> Text,
        measure -> Nullable<Text>,
        expected_outcome -> Nullable<Text>,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        lead_name -> Nullable<Text>,
        lead_role -> Nullable<Text>,
        cost_implications -> Nullable<Text>,
        status -> Text,
        last_update_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    progress_updates (id) {
        id -> Text,
        action_id -> Text,
        plan_id -> Text,
        reported_on -> Date,
        status -> Text,
        rag -> Text,
        narrative -> Text,
        evidence_url -> Nullable<Text>,
        author_user_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        alliance_id -> Text,
        organisation_id -> Text,
        name -> Text,
        client_id -> Text,
        secret_hash -> Text,
        scopes -> Text,
        created_by -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    client_tokens (id) {
        id -> Text,
        client_id -> Text,
        token_hash -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (caller_hash, idem_key) {
        caller_hash -> Text,
        idem_key -> Text,
        method -> Text,
        path -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        headers -> Nullable<Text>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    feedback_items (id) {
        id -> Text,
        alliance_id -> Text,
        submitted_by_organisation_id -> Text,
        submitted_by -> Nullable<Text>,
        submitted_by_client -> Nullable<Text>,
        about_organisation_id -> Nullable<Text>,
        theme -> Text,
        tags -> Text,
        channel -> Text,
        summary -> Text,
        received_on -> Date,
        status -> Text,
        submitted_at -> Timestamp,
        acknowledged_at -> Nullable<Timestamp>,
        first_responded_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    feedback_responses (id) {
        id -> Text,
        feedback_id -> Text,
        text -> Text,
        publication_id -> Nullable<Text>,
        action_id -> Nullable<Text>,
        action_title -> Nullable<Text>,
        responded_by -> Nullable<Text>,
        responded_by_client -> Nullable<Text>,
        responded_at -> Timestamp,
    }
}

diesel::table! {
    projects (id) {
        id -> Text,
        alliance_id -> Text,
        title -> Text,
        lead_organisation_id -> Text,
        tags -> Text,
        phase -> Text,
        phase_entered_on -> Date,
        starts_on -> Date,
        ends_on -> Date,
        rag -> Nullable<Text>,
        last_update_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_aims (project_id) {
        project_id -> Text,
        statement -> Text,
        measure -> Text,
        baseline -> Nullable<Text>,
        target -> Text,
        deadline -> Date,
    }
}

diesel::table! {
    project_participants (project_id, organisation_id) {
        project_id -> Text,
        organisation_id -> Text,
        status -> Text,
        invited_at -> Timestamp,
        responded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    project_phases (id) {
        id -> Text,
        project_id -> Text,
        phase -> Text,
        entered_on -> Date,
    }
}

diesel::table! {
    project_milestones (id) {
        id -> Text,
        project_id -> Text,
        title -> Text,
        due_on -> Date,
        owner_organisation_id -> Text,
        done_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_updates (id) {
        id -> Text,
        project_id -> Text,
        organisation_id -> Text,
        author_user -> Nullable<Text>,
        author_client -> Nullable<Text>,
        reported_on -> Date,
        rag -> Text,
        narrative -> Text,
        phase_from -> Nullable<Text>,
        phase -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_publications (project_id, publication_id) {
        project_id -> Text,
        publication_id -> Text,
    }
}

diesel::table! {
    project_learning_items (project_id, learning_item_id) {
        project_id -> Text,
        learning_item_id -> Text,
    }
}

diesel::table! {
    reporting_periods (id) {
        id -> Text,
        alliance_id -> Text,
        label -> Text,
        label_key -> Text,
        starts_on -> Date,
        ends_on -> Date,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    board_reports (id) {
        id -> Text,
        alliance_id -> Text,
        period_id -> Text,
        version -> Integer,
        content -> Text,
        issued_by -> Nullable<Text>,
        issued_by_name -> Text,
        issued_at -> Timestamp,
    }
}

diesel::table! {
    report_share_links (id) {
        id -> Text,
        report_id -> Text,
        alliance_id -> Text,
        token_hash -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(organisations -> alliances (alliance_id));
diesel::joinable!(client_tokens -> api_clients (client_id));
diesel::joinable!(api_clients -> organisations (organisation_id));
diesel::joinable!(plans -> organisations (organisation_id));
diesel::joinable!(priority_ethnic_categories -> priorities (priority_id));
diesel::joinable!(goal_competencies -> goals (goal_id));
diesel::joinable!(progress_updates -> actions (action_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> alliances (alliance_id));
diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(invitations -> memberships (membership_id));
diesel::joinable!(access_tokens -> users (user_id));
diesel::joinable!(publications -> organisations (organisation_id));
diesel::joinable!(learning_items -> organisations (organisation_id));
diesel::joinable!(feedback_responses -> feedback_items (feedback_id));
diesel::joinable!(projects -> organisations (lead_organisation_id));
diesel::joinable!(reporting_periods -> alliances (alliance_id));
diesel::joinable!(board_reports -> reporting_periods (period_id));
diesel::joinable!(report_share_links -> board_reports (report_id));
diesel::joinable!(project_aims -> projects (project_id));
diesel::joinable!(project_participants -> projects (project_id));
diesel::joinable!(project_participants -> organisations (organisation_id));
diesel::joinable!(project_phases -> projects (project_id));
diesel::joinable!(project_milestones -> projects (project_id));
diesel::joinable!(project_milestones -> organisations (owner_organisation_id));
diesel::joinable!(project_updates -> projects (project_id));
diesel::joinable!(project_publications -> projects (project_id));
diesel::joinable!(project_publications -> publications (publication_id));
diesel::joinable!(project_learning_items -> projects (project_id));
diesel::joinable!(project_learning_items -> learning_items (learning_item_id));

diesel::allow_tables_to_appear_in_same_query!(
    alliances,
    organisations,
    users,
    memberships,
    invitations,
    access_tokens,
    audit_log,
    templates,
    plans,
    priorities,
    priority_ethnic_categories,
    goals,
    goal_competencies,
    actions,
    progress_updates,
    template_adoptions,
    withheld_terms,
    publications,
    learning_items,
    api_clients,
    client_tokens,
    idempotency_keys,
    feedback_items,
    feedback_responses,
    projects,
    project_aims,
    project_participants,
    project_phases,
    project_milestones,
    project_updates,
    project_publications,
    project_learning_items,
    reporting_periods,
    board_reports,
    report_share_links,
);
