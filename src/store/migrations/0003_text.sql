-- Text intelligence (issue 5, src/text/insights.h): what the text step writes. Created empty
-- here so SQL models (customer features' avg_sentiment) can read them before any analysis.
-- input_hash = sha256 of the row's inputs and the analyzer fingerprint: a row is re-analysed
-- only when it changes.
CREATE TABLE IF NOT EXISTS gold.review_insights (
  review_id VARCHAR NOT NULL, customer_id VARCHAR, product_id VARCHAR, rating INTEGER,
  created_at TIMESTAMPTZ, sentiment_score DOUBLE, sentiment_label VARCHAR, summary VARCHAR,
  themes JSON, analyzed_at TIMESTAMPTZ, input_hash VARCHAR, backend VARCHAR, model VARCHAR);
CREATE TABLE IF NOT EXISTS gold.ticket_insights (
  ticket_id VARCHAR NOT NULL, customer_id VARCHAR, category VARCHAR, priority VARCHAR,
  created_at TIMESTAMPTZ, sentiment_score DOUBLE, sentiment_label VARCHAR, urgency VARCHAR,
  sentiment VARCHAR, root_cause VARCHAR, suggested_resolution VARCHAR, playbook_note_id VARCHAR,
  follow_up_needed BOOLEAN, tags VARCHAR[], summary VARCHAR, themes JSON,
  analyzed_at TIMESTAMPTZ, input_hash VARCHAR, backend VARCHAR, model VARCHAR);
-- One row per analysed interaction: source 'review' | 'ticket' | 'event' (events.content).
CREATE TABLE IF NOT EXISTS gold.interaction_sentiment (
  customer_id VARCHAR, source VARCHAR NOT NULL, source_id VARCHAR NOT NULL, occurred_at TIMESTAMPTZ,
  sentiment DOUBLE, sentiment_label VARCHAR, input_hash VARCHAR, analyzed_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS gold.segment_themes (
  segment VARCHAR, theme VARCHAR, theme_name VARCHAR, mentions BIGINT, positive BIGINT,
  negative BIGINT, customers BIGINT, as_of TIMESTAMPTZ);
