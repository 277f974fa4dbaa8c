-- Replaces the insights of the tickets in ci_text_todo, and their interaction sentiment.
DELETE FROM gold.ticket_insights WHERE ticket_id IN (SELECT id FROM ci_text_todo);
INSERT INTO gold.ticket_insights
SELECT t.id, t.customer_id, t.category, t.priority, t.created_at, o.score, o.label, o.urgency, o.mood,
       o.root_cause, o.resolution, nullif(o.playbook_note_id, ''), o.follow_up_needed,
       from_json(o.tags, '["VARCHAR"]'), o.summary, o.themes::JSON, current_timestamp, t.input_hash,
       getvariable('text_backend'), getvariable('text_model')
FROM ci_text_todo t JOIN ci_text_out o USING (rn);
DELETE FROM gold.interaction_sentiment
WHERE source = 'ticket' AND source_id IN (SELECT id FROM ci_text_todo);
INSERT INTO gold.interaction_sentiment
SELECT t.customer_id, 'ticket', t.id, t.created_at, o.score, o.label, t.input_hash, current_timestamp
FROM ci_text_todo t JOIN ci_text_out o USING (rn);
