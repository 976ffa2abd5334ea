-- Convenience views for ad-hoc SQL.
CREATE OR REPLACE VIEW events_by_region AS
SELECT coalesce(admin1_iso, country) AS region, event_type, count(*) AS n_events
FROM events GROUP BY ALL ORDER BY region, event_type;

CREATE OR REPLACE VIEW event_evidence AS
SELECT em.event_id, m.mention_id, m.source, m.row_number, m.char_start, m.char_end, m.quote, em.merge_reason
FROM event_mentions em JOIN mentions m USING (mention_id);

CREATE OR REPLACE VIEW reject_summary AS
SELECT source, stage, reason, count(*) AS n FROM rejects GROUP BY ALL ORDER BY n DESC;
