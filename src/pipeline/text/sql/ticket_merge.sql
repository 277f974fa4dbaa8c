-- Replaces the insights of the tickets in {todo} with provenance (0008); their
-- interaction sentiment is interaction_merge.sql's.
DELETE FROM gold.ticket_insights WHERE ticket_id IN (SELECT id FROM {todo});
INSERT INTO gold.ticket_insights BY NAME
SELECT t.id AS ticket_id, t.customer_id, t.category, t.priority, t.created_at, o.score AS sentiment_score,
       o.label AS sentiment_label, o.urgency, o.mood AS sentiment, o.root_cause,
       o.resolution AS suggested_resolution, nullif(o.playbook_note_id, '') AS playbook_note_id,
       o.follow_up_needed, from_json(o.tags, '["VARCHAR"]') AS tags, o.summary, o.themes::JSON AS themes,
       current_timestamp AS analyzed_at, t.input_hash, getvariable('text_backend') AS backend,
       getvariable('text_model') AS model, getvariable('text_model_sha256') AS model_sha256,
       getvariable('text_engine_version') AS engine_version, o.template, o.cache_key
FROM {todo} t JOIN {out} o USING (rn);
