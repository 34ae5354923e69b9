-- Provider workspaces: action plans in the four stages of the PCREF action-planning tool,
-- progress updates and templates. Kept identical to the other backend's copy (same names, same
-- columns). Child records are removed with their plan only when the plan is purged; deleting a
-- plan is a soft delete (deleted_at), recorded in the audit log.

-- How many days may pass without a progress update before an action is flagged stale.
ALTER TABLE alliances ADD COLUMN reporting_cycle_days INTEGER NOT NULL DEFAULT 90;

-- organisation_id is NULL for templates built into the platform.
CREATE TABLE templates (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    name            TEXT NOT NULL,
    description     TEXT,
    source_plan_id  TEXT,
    content         TEXT NOT NULL,
    created_by      TEXT REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX templates_by_organisation ON templates (organisation_id, id);

CREATE TABLE plans (
    id               TEXT PRIMARY KEY NOT NULL,
    organisation_id  TEXT NOT NULL REFERENCES organisations (id),
    alliance_id      TEXT NOT NULL REFERENCES alliances (id),
    title            TEXT NOT NULL,
    service          TEXT NOT NULL,
    owner_user_id    TEXT REFERENCES users (id),
    status           TEXT NOT NULL CHECK (status IN ('draft', 'active', 'closed')),
    period_starts_on DATE,
    period_ends_on   DATE,
    template_id      TEXT REFERENCES templates (id) ON DELETE SET NULL,
    template_name    TEXT,
    guidance         TEXT NOT NULL,
    version          BIGINT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    deleted_at       TIMESTAMP,
    CHECK (period_ends_on IS NULL OR period_starts_on IS NULL OR period_ends_on >= period_starts_on)
);
CREATE INDEX plans_by_organisation ON plans (organisation_id, id);

-- Stage 1.
CREATE TABLE priorities (
    id                    TEXT PRIMARY KEY NOT NULL,
    plan_id               TEXT NOT NULL REFERENCES plans (id),
    statement             TEXT NOT NULL,
    service_area          TEXT,
    evidence              TEXT,
    communities_consulted BOOLEAN NOT NULL,
    consultation_notes    TEXT,
    version               BIGINT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX priorities_by_plan ON priorities (plan_id, id);

CREATE TABLE priority_ethnic_categories (
    priority_id TEXT NOT NULL REFERENCES priorities (id) ON DELETE CASCADE,
    code        TEXT NOT NULL CHECK (code IN ('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'N', 'P', 'R', 'S', 'Z', '99')),
    PRIMARY KEY (priority_id, code)
);
CREATE INDEX priority_ethnic_categories_by_code ON priority_ethnic_categories (code, priority_id);

-- Stage 2.
CREATE TABLE goals (
    id         TEXT PRIMARY KEY NOT NULL,
    plan_id    TEXT NOT NULL REFERENCES plans (id),
    statement  TEXT NOT NULL,
    measure    TEXT NOT NULL,
    baseline   TEXT,
    target     TEXT NOT NULL,
    deadline   DATE,
    pillar     TEXT NOT NULL CHECK (pillar IN ('leadership_and_governance', 'data', 'patient_and_carer_feedback')),
    version    BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX goals_by_plan ON goals (plan_id, id);

CREATE TABLE goal_competencies (
    goal_id    TEXT NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    competency TEXT NOT NULL CHECK (competency IN ('cultural_awareness', 'partnership_working', 'workforce', 'staff_knowledge_and_awareness', 'co_learning', 'co_production', 'trauma_informed_care', 'intersectionality')),
    PRIMARY KEY (goal_id, competency)
);
CREATE INDEX goal_competencies_by_competency ON goal_competencies (competency, goal_id);

-- Stage 3: the implementation table. A priority with actions cannot be deleted.
CREATE TABLE actions (
    id                TEXT PRIMARY KEY NOT NULL,
    plan_id           TEXT NOT NULL REFERENCES plans (id),
    priority_id       TEXT NOT NULL REFERENCES priorities (id),
    description       TEXT NOT NULL,
    measure           TEXT,
    expected_outcome  TEXT,
    starts_on         DATE,
    ends_on           DATE,
    lead_name         TEXT,
    lead_role         TEXT,
    cost_implications TEXT,
    status            TEXT NOT NULL CHECK (status IN ('not_started', 'on_track', 'at_risk', 'off_track', 'complete', 'dropped')),
    last_update_on    DATE,
    version           BIGINT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX actions_by_plan ON actions (plan_id, id);
CREATE INDEX actions_by_priority ON actions (priority_id);

-- Stage 4: dated progress updates, never edited.
CREATE TABLE progress_updates (
    id             TEXT PRIMARY KEY NOT NULL,
    action_id      TEXT NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    plan_id        TEXT NOT NULL REFERENCES plans (id),
    reported_on    DATE NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('not_started', 'on_track', 'at_risk', 'off_track', 'complete', 'dropped')),
    rag            TEXT NOT NULL CHECK (rag IN ('red', 'amber', 'green')),
    narrative      TEXT NOT NULL,
    evidence_url   TEXT,
    author_user_id TEXT REFERENCES users (id),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX progress_updates_by_action ON progress_updates (action_id, reported_on, id);

-- The built-in template: the four stages of the PCREF action-planning tool and their prompts.
INSERT INTO templates (id, organisation_id, name, description, source_plan_id, content, created_by, created_at)
VALUES (
    '00000000-0000-7000-8000-000000000001',
    NULL,
    'PCREF action-planning tool (four stages)',
    'The four stages of the PCREF action-planning tool: identify priority areas, set goals, implementation, monitor and evaluate.',
    NULL,
    '{"stages":[{"stage":1,"title":"Identify priority areas","prompts":["Which services, pathways or outcomes show the widest gaps between ethnic groups in your local data: access, experience, outcomes, Mental Health Act use, restrictive practice?","Name the specific ethnic groups affected, as NHS ethnic categories (for example Black Caribbean men in inpatient services), never umbrella terms such as BAME.","What evidence from local data supports the priority, and where are its gaps?","Have the affected communities been consulted about the priority? How, and what did they say?"]},{"stage":2,"title":"Set goals","prompts":["What will change, for whom, and by when? Make each goal specific, measurable, achievable, relevant and time-bound.","How will the change be measured, where does the measure stand now (baseline) and what is the target?","Which cultural competencies does the goal build, and which PCREF pillar does it serve: leadership and governance, data, or patient and carer feedback?"]},{"stage":3,"title":"Implementation","prompts":["List the actions required for each priority area.","How will impact or progress be measured, and what outcome is expected?","Set a timescale (from and to), a named lead and their role, and note any cost implications."]},{"stage":4,"title":"Monitor and evaluate","prompts":["Post a dated progress update on each action every reporting cycle: status, RAG rating, narrative and a link to the evidence.","Report progress to directorate management, the PCREF steering group and working-together groups.","Go back to the communities consulted: what have they seen change?"]}],"priorities":[],"goals":[],"actions":[]}',
    NULL,
    '2026-11-23 00:00:00'
);
