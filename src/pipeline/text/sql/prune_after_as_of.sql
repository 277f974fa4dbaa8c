-- Drops analyses of rows dated after the run's as-of (getvariable('text_as_of')): rows the run
-- cannot see (silver.*_as_of, store migration 0028) but ingest analysed on arrival, or an
-- earlier run as of a later time did. Undated rows are known at every as-of and stay. Cheap (no
-- join), so it runs in incremental runs too: new rows dated after the as-of arrive by ingest.
DELETE FROM gold.review_insights WHERE created_at > getvariable('text_as_of');
DELETE FROM gold.ticket_insights WHERE created_at > getvariable('text_as_of');
DELETE FROM gold.interaction_sentiment WHERE occurred_at > getvariable('text_as_of');
