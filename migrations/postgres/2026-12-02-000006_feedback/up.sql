-- Feedback items ("you said, we did"): what patients, carers and communities said about a
-- provider or about the alliance as a whole, submitted by a provider or a VCSE partner, and
-- the responses of the provider it is about. Kept identical to the other backend's copy.

-- One row per item. The summary is stored redacted. `about_organisation_id` NULL: about the
-- alliance as a whole. Exactly one of `submitted_by` (a person) and `submitted_by_client` (an
-- API client acting for its organisation) is set. `tags` holds the ethnic categories and their
-- broad groups as ',eth:M,grp:black,' (the same form as the libraries). Every step is dated:
-- `received_on` (the day the submitter heard it), `submitted_at`, `acknowledged_at`,
-- `first_responded_at`, `closed_at`. The status only moves forward, each step guarded by the
-- status it starts from, so items need no version for concurrent changes.
CREATE TABLE feedback_items (
    id                           TEXT PRIMARY KEY NOT NULL,
    alliance_id                  TEXT NOT NULL REFERENCES alliances (id),
    submitted_by_organisation_id TEXT NOT NULL REFERENCES organisations (id),
    submitted_by                 TEXT REFERENCES users (id),
    submitted_by_client          TEXT REFERENCES api_clients (id),
    about_organisation_id        TEXT REFERENCES organisations (id),
    theme                        TEXT NOT NULL,
    tags                         TEXT NOT NULL,
    channel                      TEXT NOT NULL CHECK (channel IN ('community_event', 'survey',
                                     'focus_group', 'outreach_conversation', 'online', 'phone',
                                     'letter_or_email', 'other')),
    summary                      TEXT NOT NULL,
    received_on                  DATE NOT NULL,
    status                       TEXT NOT NULL CHECK (status IN ('received', 'acknowledged',
                                     'responded', 'closed')),
    submitted_at                 TIMESTAMP NOT NULL,
    acknowledged_at              TIMESTAMP,
    first_responded_at           TIMESTAMP,
    closed_at                    TIMESTAMP,
    CHECK ((submitted_by IS NULL) <> (submitted_by_client IS NULL))
);
CREATE INDEX feedback_items_by_alliance ON feedback_items (alliance_id, id);
CREATE INDEX feedback_items_by_about ON feedback_items (about_organisation_id, id);
CREATE INDEX feedback_items_by_submitter ON feedback_items (submitted_by_organisation_id, id);

-- Responses to an item, oldest first; the text is stored redacted. A response may point to an
-- action of the provider's published plan: the publication, the action's id in it, and the
-- action's description as published (publications never change).
CREATE TABLE feedback_responses (
    id                  TEXT PRIMARY KEY NOT NULL,
    feedback_id         TEXT NOT NULL REFERENCES feedback_items (id),
    text                TEXT NOT NULL,
    publication_id      TEXT REFERENCES publications (id),
    action_id           TEXT,
    action_title        TEXT,
    responded_by        TEXT REFERENCES users (id),
    responded_by_client TEXT REFERENCES api_clients (id),
    responded_at        TIMESTAMP NOT NULL
);
CREATE INDEX feedback_responses_by_item ON feedback_responses (feedback_id, id);
