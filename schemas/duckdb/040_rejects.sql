-- Every record that could not be used, with where and why. Nothing is dropped silently.
CREATE TABLE IF NOT EXISTS rejects (
    source      VARCHAR NOT NULL,   -- path of the source file
    locator     VARCHAR,            -- 'row:17', 'char:120-240', 'file'
    stage       VARCHAR NOT NULL,   -- ingest|extract|map|normalize|geocode|dedupe|store
    reason      VARCHAR NOT NULL,   -- a short code: unreadable_file, out_of_scope, bad_date, ...
    detail      VARCHAR,            -- a human sentence
    raw         VARCHAR,            -- the raw row or text
    rejected_at TIMESTAMP NOT NULL
);
