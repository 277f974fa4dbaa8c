-- gold.segment_themes: what each segment talks about. Theme mentions of reviews and tickets
-- created up to getvariable('as_of'), by the segment of gold.customer_scores (assigned by the
-- segments step, which must run first); positive/negative count mentions by clause polarity.
CREATE OR REPLACE TABLE gold.segment_themes AS
WITH themed AS (
  SELECT customer_id, created_at, themes FROM gold.review_insights
  UNION ALL
  SELECT customer_id, created_at, themes FROM gold.ticket_insights),
mentions AS (
  SELECT customer_id, unnest(from_json(themes, '[{"theme":"VARCHAR","name":"VARCHAR","mentions":"BIGINT",
                                                  "positive":"BIGINT","negative":"BIGINT"}]'), recursive := true)
  FROM themed
  WHERE customer_id IS NOT NULL AND (created_at IS NULL OR created_at <= getvariable('as_of')::TIMESTAMPTZ))
SELECT s.segment, m.theme, any_value(m.name) AS theme_name, sum(m.mentions) AS mentions,
       sum(m.positive) AS positive, sum(m.negative) AS negative, count(DISTINCT m.customer_id) AS customers,
       getvariable('as_of')::TIMESTAMPTZ AS as_of
FROM mentions m JOIN gold.customer_scores s USING (customer_id)
WHERE s.segment IS NOT NULL
GROUP BY s.segment, m.theme
ORDER BY s.segment, mentions DESC, m.theme;
