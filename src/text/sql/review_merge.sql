-- Replaces the insights of the reviews in ci_text_todo with the analysis in
-- ci_text_out (joined on rn), and their interaction sentiment.
DELETE FROM gold.review_insights WHERE review_id IN (SELECT id FROM ci_text_todo);
INSERT INTO gold.review_insights
SELECT t.id, t.customer_id, t.product_id, t.rating, t.created_at, o.score, o.label, o.summary,
       o.themes::JSON, current_timestamp, t.input_hash, getvariable('text_backend'), getvariable('text_model')
FROM ci_text_todo t JOIN ci_text_out o USING (rn);
DELETE FROM gold.interaction_sentiment
WHERE source = 'review' AND source_id IN (SELECT id FROM ci_text_todo);
INSERT INTO gold.interaction_sentiment
SELECT t.customer_id, 'review', t.id, t.created_at, o.score, o.label, t.input_hash, current_timestamp
FROM ci_text_todo t JOIN ci_text_out o USING (rn);
