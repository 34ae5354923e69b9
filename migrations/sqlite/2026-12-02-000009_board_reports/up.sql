-- Board reports: each issue of a reporting period's roll-up, frozen as JSON (version 1, 2… per
-- period; never updated or deleted), and the share links that open one report without a token
-- (only the SHA-256 of a link's token is kept). Kept identical to the other backend's copy.
CREATE TABLE board_reports (
    id             TEXT PRIMARY KEY NOT NULL,
    alliance_id    TEXT NOT NULL REFERENCES alliances (id),
    period_id      TEXT NOT NULL REFERENCES reporting_periods (id),
    version        INTEGER NOT NULL CHECK (version >= 1),
    content        TEXT NOT NULL,
    issued_by      TEXT REFERENCES users (id),
    issued_by_name TEXT NOT NULL,
    issued_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX board_reports_version ON board_reports (period_id, version);

CREATE TABLE report_share_links (
    id          TEXT PRIMARY KEY NOT NULL,
    report_id   TEXT NOT NULL REFERENCES board_reports (id),
    alliance_id TEXT NOT NULL REFERENCES alliances (id),
    token_hash  TEXT NOT NULL,
    created_by  TEXT REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
CREATE UNIQUE INDEX report_share_links_token ON report_share_links (token_hash);
CREATE INDEX report_share_links_by_report ON report_share_links (report_id, id);

-- What a roll-up reads, by alliance and day: the publications' heads without their documents
-- (covering, so the documents' pages are never read to find them), feedback by the day it was
-- received, learning by the day it was shared.
CREATE INDEX publications_as_of ON publications
    (alliance_id, published_at, series_id, version, organisation_id, attribution, withdrawn_at, id);
CREATE INDEX feedback_items_by_received ON feedback_items (alliance_id, received_on);
CREATE INDEX learning_items_by_created ON learning_items (alliance_id, created_at);
