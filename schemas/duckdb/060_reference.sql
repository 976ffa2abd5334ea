-- Reference data loaded from data/geo/<country>/ on every run (replaced, never appended).
CREATE TABLE IF NOT EXISTS regions (
    country      VARCHAR NOT NULL,
    vintage      VARCHAR NOT NULL,   -- e.g. current, 2018, 2016
    admin1_iso   VARCHAR NOT NULL,   -- ISO 3166-2, or the legacy code for a unit that no longer exists
    name_en      VARCHAR,
    valid_from   DATE,
    valid_to     DATE,
    aliases      VARCHAR
);
CREATE TABLE IF NOT EXISTS places (
    country      VARCHAR NOT NULL,
    place_id     VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    lat          DOUBLE,
    lon          DOUBLE,
    population   BIGINT,
    admin1_iso   VARCHAR,
    alt_names    VARCHAR
);
