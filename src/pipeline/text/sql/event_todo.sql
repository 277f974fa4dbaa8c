-- Interaction events with text (chat, support contacts: events.content) whose inputs changed
-- since they were last scored, up to the run's as-of (text_as_of; NULL = every event). Their
-- input hash lives in gold.interaction_sentiment.
CREATE OR REPLACE TEMP TABLE {todo} AS
WITH src AS (
  SELECT event_id AS id, customer_id, occurred_at AS created_at, NULL::VARCHAR AS title, content AS body,
         NULL::INTEGER AS rating,
         sha256(to_json([getvariable('text_fingerprint'), customer_id, epoch_us(occurred_at)::VARCHAR, content])::VARCHAR)
           AS input_hash
  FROM silver.events_as_of(getvariable('text_as_of'))
  WHERE content IS NOT NULL AND trim(content) <> ''
    AND (getvariable('text_batch_id') IS NULL OR _batch_id = getvariable('text_batch_id'))
    -- Incremental runs (text_since set): events of later batches and events never analysed.
    AND (getvariable('text_since') IS NULL
         OR _batch_id > getvariable('text_since') OR list_contains(getvariable('text_since_open'), _batch_id)
         OR event_id NOT IN (SELECT source_id FROM gold.interaction_sentiment WHERE source = 'event'))),
done AS (SELECT source_id, input_hash FROM gold.interaction_sentiment WHERE source = 'event')
SELECT (row_number() OVER ()) - 1 AS rn, s.*
FROM src s LEFT JOIN done d ON d.source_id = s.id
WHERE d.input_hash IS DISTINCT FROM s.input_hash;
