-- Analyst corrections that survive re-runs; applied after every dedupe (see README, "Correcting the data").
--   action 'drop'  : mention_id is not an event (a false positive)
--   action 'set'   : set column `field` of mention_id to `value` (date_start, place, subtype, ...)
--   action 'split' : mention_id must not be merged with any other mention
--   action 'confirm': an analyst checked mention_id and it stands as extracted
--   action 'merge' : mention_id is the same occurrence as the mention (or event) in `value`
--   action 'add'   : an analyst added mention_id; `value` holds its columns as JSON
-- Rows whose override_id starts with 'rv_' come from the review desk's journal (flows/review), re-imported by
-- every run; a database made before the review actions is migrated by flows.overrides.ensure_table.
CREATE TABLE IF NOT EXISTS overrides (
    override_id VARCHAR PRIMARY KEY,
    mention_id  VARCHAR NOT NULL,
    action      VARCHAR NOT NULL CHECK (action IN ('drop', 'set', 'split', 'confirm', 'merge', 'add')),
    field       VARCHAR,
    value       VARCHAR,
    note        VARCHAR,
    created_by  VARCHAR,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
