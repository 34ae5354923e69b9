-- Foundation: alliances, organisations, users, memberships, invitations, access tokens and the
-- append-only audit log. Kept identical to migrations/sqlite (same names, same columns):
-- ids are UUIDv7 text, times are UTC timestamps with microsecond precision.

CREATE TABLE alliances (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    version     BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY NOT NULL,
    alliance_id TEXT NOT NULL REFERENCES alliances (id),
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('provider', 'vcse')),
    version     BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (alliance_id, name_key)
);

CREATE TABLE users (
    id           TEXT PRIMARY KEY NOT NULL,
    email        TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

-- A user holds one role per organisation, and at most one alliance-level role per alliance
-- (organisation_id is NULL for those).
CREATE TABLE memberships (
    id              TEXT PRIMARY KEY NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id),
    alliance_id     TEXT NOT NULL REFERENCES alliances (id),
    organisation_id TEXT REFERENCES organisations (id),
    role            TEXT NOT NULL CHECK (role IN ('provider_admin', 'provider_editor', 'provider_viewer',
                                                  'vcse_admin', 'vcse_partner',
                                                  'alliance_admin', 'board_member')),
    status          TEXT NOT NULL CHECK (status IN ('invited', 'active')),
    version         BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX memberships_one_per_scope
    ON memberships (user_id, alliance_id, COALESCE(organisation_id, ''));
CREATE INDEX memberships_by_organisation ON memberships (organisation_id, id);
CREATE INDEX memberships_by_alliance ON memberships (alliance_id, id);

-- Only the hash of an invitation code is kept; the code is shown once.
CREATE TABLE invitations (
    id            TEXT PRIMARY KEY NOT NULL,
    membership_id TEXT NOT NULL REFERENCES memberships (id) ON DELETE CASCADE,
    code_hash     TEXT NOT NULL UNIQUE,
    created_by    TEXT REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    accepted_at   TIMESTAMP
);
CREATE INDEX invitations_by_membership ON invitations (membership_id);

-- Personal access tokens: only the SHA-256 of the secret is kept.
CREATE TABLE access_tokens (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX access_tokens_by_user ON access_tokens (user_id, id);

-- visibility: 'alliance' entries are read by the alliance's admins (and by the organisation
-- they name, if any); 'organisation' entries only by that organisation's admins; 'user'
-- entries concern one person's own credentials.
CREATE TABLE audit_log (
    id              TEXT PRIMARY KEY NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    actor_user_id   TEXT REFERENCES users (id),
    actor_label     TEXT NOT NULL,
    alliance_id     TEXT REFERENCES alliances (id),
    organisation_id TEXT REFERENCES organisations (id),
    visibility      TEXT NOT NULL CHECK (visibility IN ('alliance', 'organisation', 'user')),
    action          TEXT NOT NULL,
    target_type     TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    before_value    TEXT,
    after_value     TEXT
);
CREATE INDEX audit_log_by_alliance ON audit_log (alliance_id, visibility, id);
CREATE INDEX audit_log_by_organisation ON audit_log (organisation_id, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
