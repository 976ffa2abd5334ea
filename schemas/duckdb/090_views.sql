-- Convenience views for ad-hoc SQL.

-- The events with the export columns of the command-line contract, in their order (what `eventflow export` writes),
-- then the review status the analysts' decisions give them.
CREATE OR REPLACE VIEW events_export AS
SELECT event_id, source, event_type, subtype, date_start, date_end,
       date_precision, location_text, place_name, lat, lon, geo_precision,
       admin1_iso, admin1_iso_at_event, country, actors, targets, participants_low,
       participants_high, detained_low, detained_high, fatalities_low, fatalities_high, injured_low,
       injured_high, sentence_months, charges, quote, char_start, char_end,
       confidence, n_sources, review_status
FROM events ORDER BY date_start, event_id;

CREATE OR REPLACE VIEW events_by_region AS
SELECT coalesce(admin1_iso, country) AS region, event_type, count(*) AS n_events
FROM events GROUP BY ALL ORDER BY region, event_type;

-- Each event's mentions with where they are in their source; a mention an analyst added in the review desk lives
-- in its `add` override (the latest one of its id, as the dedupe applies them).
CREATE OR REPLACE VIEW event_evidence AS
SELECT em.event_id, m.mention_id, m.source, m.row_number, m.char_start, m.char_end, m.quote, em.merge_reason
FROM event_mentions em JOIN mentions m USING (mention_id)
UNION ALL
SELECT em.event_id, a.mention_id, a.value->>'source', TRY_CAST(a.value->>'row_number' AS BIGINT),
       TRY_CAST(a.value->>'char_start' AS INTEGER), TRY_CAST(a.value->>'char_end' AS INTEGER), a.value->>'quote',
       em.merge_reason
FROM event_mentions em
JOIN (SELECT mention_id, TRY_CAST(value AS JSON) AS value FROM overrides WHERE action = 'add'
      QUALIFY row_number() OVER (PARTITION BY mention_id ORDER BY created_at DESC, override_id DESC) = 1) a
  USING (mention_id)
WHERE em.mention_id NOT IN (SELECT mention_id FROM mentions);

CREATE OR REPLACE VIEW reject_summary AS
SELECT source, stage, reason, count(*) AS n FROM rejects GROUP BY ALL ORDER BY n DESC;
