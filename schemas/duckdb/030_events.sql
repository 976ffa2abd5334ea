-- Deduplicated events: one per real-world occurrence, rebuilt from mentions by the dedupe stage.
-- The descriptive columns are those of the event's representative mention, with merged count ranges.
CREATE TABLE IF NOT EXISTS events AS SELECT * FROM mentions WITH NO DATA;
ALTER TABLE events ADD COLUMN IF NOT EXISTS event_id VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS n_sources INTEGER;
ALTER TABLE events ADD COLUMN IF NOT EXISTS n_mentions INTEGER;
-- unreviewed | confirmed | added | corrected: the strongest review status of the event's mentions (overrides)
ALTER TABLE events ADD COLUMN IF NOT EXISTS review_status VARCHAR;

-- Which mentions make up which event, and why each was merged into it. Rebuilt as a whole by every dedupe,
-- which gives each mention exactly one event (tested). No key index: DuckDB replaces a million indexed rows in
-- one transaction some ten times slower.
CREATE TABLE IF NOT EXISTS event_mentions (
    event_id    VARCHAR NOT NULL,
    mention_id  VARCHAR NOT NULL,
    is_representative BOOLEAN NOT NULL DEFAULT FALSE,
    merge_reason VARCHAR    -- e.g. 'same type; dates overlap; same place KZ-75; counts compatible'
);
