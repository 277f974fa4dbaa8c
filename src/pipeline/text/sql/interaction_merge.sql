-- Replaces the interaction sentiment of the rows in {todo} with the analysis in
-- {out} (joined on rn), for the source getvariable('text_source') ('review', 'ticket' or
-- 'event'), with provenance (0008): the sentiment task's template and cache key, the first of
-- the row's space-separated lists.
DELETE FROM gold.interaction_sentiment
WHERE source = getvariable('text_source') AND source_id IN (SELECT id FROM {todo});
INSERT INTO gold.interaction_sentiment BY NAME
SELECT t.customer_id, getvariable('text_source') AS source, t.id AS source_id, t.created_at AS occurred_at,
       o.score AS sentiment, o.label AS sentiment_label, t.input_hash, current_timestamp AS analyzed_at,
       getvariable('text_backend') AS backend, getvariable('text_model') AS model,
       getvariable('text_model_sha256') AS model_sha256, getvariable('text_engine_version') AS engine_version,
       split_part(o.template, ' ', 1) AS template, split_part(o.cache_key, ' ', 1) AS cache_key
FROM {todo} t JOIN {out} o USING (rn);
