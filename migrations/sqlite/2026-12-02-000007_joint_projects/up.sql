-- Joint projects: cross-organisation work of an alliance, led by one organisation, with
-- invited providers and VCSE partners, moving through the five-step model, with milestones and
-- RAG updates. Kept identical to the other backend's copy.

-- One row per project. `tags` holds the ethnic categories (and their broad groups), the
-- competencies and the pillar as ',eth:M,grp:black,comp:co_production,pil:data,' (the form
-- the libraries use). `phase` and `phase_entered_on` repeat the latest `project_phases` row,
-- and `rag` and `last_update_on` the latest update, so that lists filter without joins.
-- `version` guards changes (If-Match).
CREATE TABLE projects (
    id                   TEXT PRIMARY KEY NOT NULL,
    alliance_id          TEXT NOT NULL REFERENCES alliances (id),
    title                TEXT NOT NULL,
    lead_organisation_id TEXT NOT NULL REFERENCES organisations (id),
    tags                 TEXT NOT NULL,
    phase                TEXT NOT NULL CHECK (phase IN ('intelligence_gathering',
                             'analysis_and_interpretation', 'defining_problems',
                             'co_designing_solutions', 'critical_actions')),
    phase_entered_on     DATE NOT NULL,
    starts_on            DATE NOT NULL,
    ends_on              DATE NOT NULL,
    rag                  TEXT CHECK (rag IN ('red', 'amber', 'green')),
    last_update_on       DATE,
    version              BIGINT NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX projects_by_alliance ON projects (alliance_id, id);

-- A project's SMART aim (one row per project; kept apart so that each table stays narrow).
CREATE TABLE project_aims (
    project_id TEXT PRIMARY KEY NOT NULL REFERENCES projects (id),
    statement  TEXT NOT NULL,
    measure    TEXT NOT NULL,
    baseline   TEXT,
    target     TEXT NOT NULL,
    deadline   DATE NOT NULL
);

-- The organisations asked to take part, and their answers. The lead is always 'accepted'.
CREATE TABLE project_participants (
    project_id      TEXT NOT NULL REFERENCES projects (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    status          TEXT NOT NULL CHECK (status IN ('invited', 'accepted', 'declined')),
    invited_at      TIMESTAMP NOT NULL,
    responded_at    TIMESTAMP,
    PRIMARY KEY (project_id, organisation_id)
);
CREATE INDEX project_participants_by_organisation ON project_participants (organisation_id, status);

-- Every phase a project has been in, oldest first: the day it entered each.
CREATE TABLE project_phases (
    id          TEXT PRIMARY KEY NOT NULL,
    project_id  TEXT NOT NULL REFERENCES projects (id),
    phase       TEXT NOT NULL CHECK (phase IN ('intelligence_gathering',
                    'analysis_and_interpretation', 'defining_problems',
                    'co_designing_solutions', 'critical_actions')),
    entered_on  DATE NOT NULL
);
CREATE INDEX project_phases_by_project ON project_phases (project_id, id);

-- Milestones: owned by a participating organisation; done on a day, or not yet.
CREATE TABLE project_milestones (
    id                    TEXT PRIMARY KEY NOT NULL,
    project_id            TEXT NOT NULL REFERENCES projects (id),
    title                 TEXT NOT NULL,
    due_on                DATE NOT NULL,
    owner_organisation_id TEXT NOT NULL REFERENCES organisations (id),
    done_on               DATE,
    version               BIGINT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX project_milestones_by_project ON project_milestones (project_id, due_on);

-- Updates by a participating organisation, never edited. The narrative is stored redacted.
-- Exactly one of `author_user` (a person) and `author_client` (an API client) is set.
-- `phase_from` and `phase` are set when the update moved the project.
CREATE TABLE project_updates (
    id              TEXT PRIMARY KEY NOT NULL,
    project_id      TEXT NOT NULL REFERENCES projects (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    author_user     TEXT REFERENCES users (id),
    author_client   TEXT REFERENCES api_clients (id),
    reported_on     DATE NOT NULL,
    rag             TEXT NOT NULL CHECK (rag IN ('red', 'amber', 'green')),
    narrative       TEXT NOT NULL,
    phase_from      TEXT CHECK (phase_from IN ('intelligence_gathering',
                        'analysis_and_interpretation', 'defining_problems',
                        'co_designing_solutions', 'critical_actions')),
    phase           TEXT CHECK (phase IN ('intelligence_gathering',
                        'analysis_and_interpretation', 'defining_problems',
                        'co_designing_solutions', 'critical_actions')),
    created_at      TIMESTAMP NOT NULL,
    CHECK ((author_user IS NULL) <> (author_client IS NULL)),
    CHECK ((phase IS NULL) = (phase_from IS NULL))
);
CREATE INDEX project_updates_by_project ON project_updates (project_id, id);

-- What a project builds on: published plans and learning items of its alliance.
CREATE TABLE project_publications (
    project_id     TEXT NOT NULL REFERENCES projects (id),
    publication_id TEXT NOT NULL REFERENCES publications (id),
    PRIMARY KEY (project_id, publication_id)
);
CREATE TABLE project_learning_items (
    project_id       TEXT NOT NULL REFERENCES projects (id),
    learning_item_id TEXT NOT NULL REFERENCES learning_items (id),
    PRIMARY KEY (project_id, learning_item_id)
);
