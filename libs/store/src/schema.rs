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

diesel::joinable!(organisations -> alliances (alliance_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> alliances (alliance_id));
diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(invitations -> memberships (membership_id));
diesel::joinable!(access_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    alliances,
    organisations,
    users,
    memberships,
    invitations,
    access_tokens,
    audit_log,
);
