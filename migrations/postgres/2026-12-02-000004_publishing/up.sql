-- Publishing: anonymised, immutable versions of action plans for the alliance's library,
-- good-practice case studies (learning items), template sharing, and each organisation's
-- deny-list of terms to redact. Kept identical to the other backend's copy.
--
-- Filterable lists (ethnic categories and their broad groups, competencies, pillars, learning
-- categories) are kept as one `tags` text per record, such as ',eth:H,grp:asian,comp:workforce,',
-- matched with LIKE '%,eth:H,%': one indexed scan of a small library, the same SQL on both
-- backends, and no join tables for records that never change.

-- An organisation's deny-list: terms redacted from everything it shares (a JSON array).
CREATE TABLE withheld_terms (
    organisation_id TEXT PRIMARY KEY NOT NULL REFERENCES organisations (id),
    terms           TEXT NOT NULL,
    version         BIGINT NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

-- One row per published version. The versions of one plan under one attribution form a series;
-- `is_current` marks the newest version of a series that has not been withdrawn (the one the
-- library lists). organisation_id, plan_id and published_by never leave the server for an
-- anonymous publication.
CREATE TABLE publications (
    id              TEXT PRIMARY KEY NOT NULL,
    series_id       TEXT NOT NULL,
    version         INTEGER NOT NULL,
    alliance_id     TEXT NOT NULL REFERENCES alliances (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    plan_id         TEXT NOT NULL REFERENCES plans (id),
    attribution     TEXT NOT NULL CHECK (attribution IN ('named', 'anonymous')),
    title           TEXT NOT NULL,
    document        TEXT NOT NULL,
    search_text     TEXT NOT NULL,
    tags            TEXT NOT NULL,
    is_current      BOOLEAN NOT NULL,
    published_by    TEXT REFERENCES users (id),
    published_at    TIMESTAMP NOT NULL,
    withdrawn_at    TIMESTAMP,
    UNIQUE (series_id, version)
);
CREATE INDEX publications_library ON publications (alliance_id, is_current, id);
CREATE INDEX publications_by_plan ON publications (plan_id, attribution, version);

-- Good-practice case studies, redacted on the way in.
CREATE TABLE learning_items (
    id              TEXT PRIMARY KEY NOT NULL,
    alliance_id     TEXT NOT NULL REFERENCES alliances (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    attribution     TEXT NOT NULL CHECK (attribution IN ('named', 'anonymous')),
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL,
    reflections     TEXT NOT NULL,
    tags            TEXT NOT NULL,
    publication_id  TEXT REFERENCES publications (id),
    action_id       TEXT,
    search_text     TEXT NOT NULL,
    created_by      TEXT REFERENCES users (id),
    version         BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX learning_items_library ON learning_items (alliance_id, id);

-- Sharing a template publishes a redacted copy of it (name, description and content, as JSON)
-- to the alliance; adopting one copies that into the adopter's own templates.
ALTER TABLE templates ADD COLUMN shared_at TIMESTAMP;
ALTER TABLE templates ADD COLUMN shared_content TEXT;
-- Provenance; template_adoptions holds the checked reference.
ALTER TABLE templates ADD COLUMN adopted_from_id TEXT;

CREATE TABLE template_adoptions (
    template_id         TEXT NOT NULL REFERENCES templates (id),
    organisation_id     TEXT NOT NULL REFERENCES organisations (id),
    adopted_template_id TEXT NOT NULL REFERENCES templates (id),
    adopted_by          TEXT REFERENCES users (id),
    adopted_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (template_id, organisation_id)
);
