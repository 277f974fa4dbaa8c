-- Drops insights whose source row is gone from silver (or, for events, lost its text), so the
-- gold tables describe exactly what silver holds. Run on full passes, not on arrival.
DELETE FROM gold.review_insights WHERE review_id NOT IN (SELECT review_id FROM silver.reviews);
DELETE FROM gold.ticket_insights WHERE ticket_id NOT IN (SELECT ticket_id FROM silver.tickets);
DELETE FROM gold.interaction_sentiment WHERE source = 'review'
  AND source_id NOT IN (SELECT review_id FROM silver.reviews);
DELETE FROM gold.interaction_sentiment WHERE source = 'ticket'
  AND source_id NOT IN (SELECT ticket_id FROM silver.tickets);
DELETE FROM gold.interaction_sentiment WHERE source = 'event'
  AND source_id NOT IN (SELECT event_id FROM silver.events WHERE content IS NOT NULL AND trim(content) <> '');
