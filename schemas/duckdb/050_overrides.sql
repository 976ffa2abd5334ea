-- Analyst corrections that survive re-runs; applied after every dedupe (see README, "Correcting the data").
--   action 'drop'  : mention_id is not an event (a false positive)
--   action 'set'   : set column `field` of mention_id to `value` (date_start, place, subtype, ...)
--   action 'split' : mention_id must not be merged with any other mention
CREATE TABLE IF NOT EXISTS overrides (
    override_id VARCHAR PRIMARY KEY,
    mention_id  VARCHAR NOT NULL,
    action      VARCHAR NOT NULL CHECK (action IN ('drop', 'set', 'split')),
    field       VARCHAR,
    value       VARCHAR,
    note        VARCHAR,
    created_by  VARCHAR,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
