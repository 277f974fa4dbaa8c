-- Replaces the insights of the reviews in {todo} with the analysis in
-- {out} (joined on rn) with provenance (0008); their
-- interaction sentiment is interaction_merge.sql's.
DELETE FROM gold.review_insights WHERE review_id IN (SELECT id FROM {todo});
INSERT INTO gold.review_insights BY NAME
SELECT t.id AS review_id, t.customer_id, t.product_id, t.rating, t.created_at, o.score AS sentiment_score,
       o.label AS sentiment_label, o.summary, o.themes::JSON AS themes, current_timestamp AS analyzed_at,
       t.input_hash, getvariable('text_backend') AS backend, getvariable('text_model') AS model,
       getvariable('text_model_sha256') AS model_sha256, getvariable('text_engine_version') AS engine_version,
       o.template, o.cache_key
FROM {todo} t JOIN {out} o USING (rn);
