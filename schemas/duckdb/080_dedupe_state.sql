-- Migration 80: what the next dedupe must look at, kept in the database so that a run that stops half-way
-- leaves it for the next one. Written in the same transaction as the sources they come from.
-- (While the events table is empty the next dedupe rebuilds everything, and nothing is listed.)
CREATE TABLE IF NOT EXISTS dedupe_pending (
    mention_id VARCHAR NOT NULL
);
-- Counts the dedupe runs that changed the events: publishing compares it, not the events themselves.
CREATE TABLE IF NOT EXISTS events_version (
    version BIGINT NOT NULL
);
INSERT INTO events_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM events_version);
-- The overrides as the last dedupe applied them: a difference is a correction to apply again.
CREATE TABLE IF NOT EXISTS overrides_applied AS SELECT * FROM overrides WITH NO DATA;
-- A fingerprint of the events and map settings as the last publish of a maps folder saw them: when they are
-- unchanged and the pages are there, the pages are not drawn again.
CREATE TABLE IF NOT EXISTS published (
    maps        VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    notes       VARCHAR NOT NULL,   -- the publisher's notes (JSON list), shown again when nothing is drawn
    published_at TIMESTAMP NOT NULL
);
-- The country-pack files the regions and places tables were loaded from (names, sizes, modification times):
-- unchanged packs are not loaded again.
CREATE TABLE IF NOT EXISTS reference_state (
    fingerprint VARCHAR NOT NULL
);
