-- Reporting periods of an alliance (such as 2026-Q3): what the board reports are issued from.
-- Kept identical to the other backend's copy. An alliance's periods never overlap and their
-- labels are unique but for case (`label_key` is the label lower-cased); both are checked by
-- the use case under the alliance's row lock, and the unique index backs the label rule.
CREATE TABLE reporting_periods (
    id          TEXT PRIMARY KEY NOT NULL,
    alliance_id TEXT NOT NULL REFERENCES alliances (id),
    label       TEXT NOT NULL,
    label_key   TEXT NOT NULL,
    starts_on   DATE NOT NULL,
    ends_on     DATE NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    version     BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE UNIQUE INDEX reporting_periods_label ON reporting_periods (alliance_id, label_key);
CREATE INDEX reporting_periods_by_alliance ON reporting_periods (alliance_id, starts_on);
