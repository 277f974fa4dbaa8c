-- Replaces the interaction sentiment of the events in ci_text_todo.
DELETE FROM gold.interaction_sentiment
WHERE source = 'event' AND source_id IN (SELECT id FROM ci_text_todo);
INSERT INTO gold.interaction_sentiment
SELECT t.customer_id, 'event', t.id, t.created_at, o.score, o.label, t.input_hash, current_timestamp
FROM ci_text_todo t JOIN ci_text_out o USING (rn);
