-- Migration 70: `events` gets its constraints. Databases built before it created `events` as a copy of the
-- mentions columns with none; the table is rebuilt with them and its rows copied. No key index on event_id
-- (a million-row insert with one takes 14 s instead of 1 s): the dedupe stage gives every event one id, and
-- tests check that it is unique.
CREATE TABLE events_constrained (
    event_id            VARCHAR NOT NULL,
    mention_id          VARCHAR NOT NULL,
    source              VARCHAR NOT NULL,
    source_sha256       VARCHAR,
    source_kind         VARCHAR NOT NULL CHECK (source_kind IN ('report', 'acled', 'gdelt', 'mass_mobilization', 'mapped_csv')),
    source_event_id     VARCHAR,
    source_url          VARCHAR,
    row_number          BIGINT CHECK (row_number >= 1),
    event_type          VARCHAR NOT NULL CHECK (event_type IN ('protest', 'detention', 'attack', 'trial')),
    subtype             VARCHAR NOT NULL,
    date_start          DATE NOT NULL,
    date_end            DATE NOT NULL,
    date_precision      VARCHAR NOT NULL CHECK (date_precision IN ('day', 'week', 'month', 'season', 'year')),
    location_text       VARCHAR,
    admin1_text         VARCHAR,
    place_name          VARCHAR,
    lat                 DOUBLE CHECK (lat BETWEEN -90 AND 90),
    lon                 DOUBLE CHECK (lon BETWEEN -180 AND 180),
    geo_precision       VARCHAR NOT NULL CHECK (geo_precision IN ('place', 'admin2', 'admin1', 'country')),
    geo_flag            VARCHAR,
    admin1_iso          VARCHAR,
    admin1_iso_at_event VARCHAR,
    country             VARCHAR NOT NULL CHECK (regexp_full_match(country, '[A-Z]{2}')),
    actors              VARCHAR,
    targets             VARCHAR,
    participants_low    BIGINT CHECK (participants_low >= 0),
    participants_high   BIGINT CHECK (participants_high >= participants_low),
    detained_low        BIGINT CHECK (detained_low >= 0),
    detained_high       BIGINT CHECK (detained_high >= detained_low),
    fatalities_low      BIGINT CHECK (fatalities_low >= 0),
    fatalities_high     BIGINT CHECK (fatalities_high >= fatalities_low),
    injured_low         BIGINT CHECK (injured_low >= 0),
    injured_high        BIGINT CHECK (injured_high >= injured_low),
    sentence_months     DOUBLE CHECK (sentence_months >= 0),
    charges             VARCHAR,
    notes               VARCHAR,
    quote               VARCHAR,
    char_start          BIGINT CHECK (char_start >= 0),
    char_end            BIGINT CHECK (char_end >= char_start),
    linked_mention_id   VARCHAR,
    extractor           VARCHAR NOT NULL,
    confidence          DOUBLE NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    n_sources           INTEGER NOT NULL CHECK (n_sources >= 1),
    n_mentions          INTEGER NOT NULL CHECK (n_mentions >= n_sources),
    review_status       VARCHAR CHECK (review_status IN ('unreviewed', 'confirmed', 'added', 'corrected')),
    CHECK (date_start <= date_end)
);
INSERT INTO events_constrained BY NAME SELECT * FROM events;
DROP VIEW IF EXISTS events_export;
DROP VIEW IF EXISTS events_by_region;
DROP TABLE events;
ALTER TABLE events_constrained RENAME TO events;
