-- Sources an analyst withdrew (`eventflow withdraw`): their rows are deleted, and a file of that name or that
-- content is not ingested again (it is counted as withdrawn in the run summary) until `eventflow withdraw --undo`.
CREATE TABLE IF NOT EXISTS withdrawn (
    path         VARCHAR PRIMARY KEY,    -- the source's name, e.g. inbox/acled_2022.csv
    sha256       VARCHAR,                -- its content when withdrawn (the same content under another name stays out)
    note         VARCHAR,
    withdrawn_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
