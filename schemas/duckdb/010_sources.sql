-- One row per ingested file (by path); sha256 decides whether a file changed since the last run.
CREATE TABLE IF NOT EXISTS sources (
    path              VARCHAR PRIMARY KEY,   -- relative to the inbox
    sha256            VARCHAR NOT NULL,
    format            VARCHAR NOT NULL,      -- txt|md|html|pdf|acled|gdelt|mass_mobilization|mapped_csv|unknown
    size_bytes        BIGINT,
    records_total     BIGINT NOT NULL DEFAULT 0,  -- rows of a dataset; candidate sentences of a report
    records_loaded    BIGINT NOT NULL DEFAULT 0,
    records_rejected  BIGINT NOT NULL DEFAULT 0,
    title             VARCHAR,
    publisher         VARCHAR,
    url               VARCHAR,
    coverage_year     INTEGER,
    text              VARCHAR,               -- the decoded text of a report; char offsets point into it
    ingested_at       TIMESTAMP NOT NULL
);
