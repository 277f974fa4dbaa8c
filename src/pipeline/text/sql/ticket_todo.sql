-- Tickets whose inputs changed since they were last analysed. The playbooks (silver.notes) are
-- inputs too: a changed note can change every suggested resolution. Variables: as review_todo.sql
-- (text_as_of included),
-- and text_since / text_since_open (InsightsOptions::since_watermark).
CREATE OR REPLACE TEMP TABLE {todo} AS
WITH notes AS (
  SELECT coalesce(sha256(string_agg(to_json([note_id, title, body, tags])::VARCHAR, chr(30) ORDER BY note_id)), '')
         AS notes_hash
  FROM silver.notes),
src AS (
  SELECT ticket_id AS id, customer_id, category, priority, created_at, subject AS title, description AS body,
         NULL::INTEGER AS rating,
         sha256(to_json([getvariable('text_fingerprint'), notes.notes_hash, customer_id, category, priority,
                         subject, description, epoch_us(created_at)::VARCHAR])::VARCHAR) AS input_hash
  FROM silver.tickets_as_of(getvariable('text_as_of')), notes
  WHERE (getvariable('text_batch_id') IS NULL OR _batch_id = getvariable('text_batch_id'))
    -- Incremental runs (text_since set): tickets of later batches and tickets never analysed,
    -- unless a note changed since (then every ticket's hash may have).
    AND (getvariable('text_since') IS NULL
         OR _batch_id > getvariable('text_since') OR list_contains(getvariable('text_since_open'), _batch_id)
         OR ticket_id NOT IN (SELECT ticket_id FROM gold.ticket_insights)
         OR EXISTS (SELECT 1 FROM silver.notes n WHERE n._batch_id > getvariable('text_since')
                    OR list_contains(getvariable('text_since_open'), n._batch_id))))
SELECT (row_number() OVER ()) - 1 AS rn, s.*
FROM src s LEFT JOIN gold.ticket_insights i ON i.ticket_id = s.id
WHERE i.input_hash IS DISTINCT FROM s.input_hash;
