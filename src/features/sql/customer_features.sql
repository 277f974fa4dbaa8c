-- gold.customer_features: one row per customer, as of getvariable('as_of') (a TIMESTAMPTZ).
-- Purchases are orders that are not cancelled, refunded or returned, up to the as-of time.
-- Windows: the 90 days up to as_of.
CREATE OR REPLACE TABLE gold.customer_features AS
WITH as_of AS (SELECT getvariable('as_of')::TIMESTAMPTZ AS t),
purchases AS (
  SELECT o.customer_id, o.ordered_at, coalesce(o.amount, 0) AS amount
  FROM silver.orders o, as_of
  WHERE o.customer_id IS NOT NULL AND o.ordered_at <= as_of.t
    AND coalesce(lower(o.status), '') NOT SIMILAR TO '.*(cancel|refund|return).*'),
order_stats AS (
  SELECT p.customer_id,
         count(*) AS frequency,
         sum(p.amount) AS lifetime_value,
         avg(p.amount) AS monetary,
         min(p.ordered_at) AS first_order_at,
         max(p.ordered_at) AS last_order_at,
         count(*) FILTER (WHERE p.ordered_at > as_of.t - INTERVAL 90 DAY) AS orders_90d,
         coalesce(sum(p.amount) FILTER (WHERE p.ordered_at > as_of.t - INTERVAL 90 DAY), 0) AS revenue_90d
  FROM purchases p, as_of GROUP BY p.customer_id),
event_stats AS (
  SELECT e.customer_id, max(e.occurred_at) AS last_event_at,
         count(*) FILTER (WHERE e.occurred_at > as_of.t - INTERVAL 90 DAY) AS interactions_90d
  FROM silver.events e, as_of
  WHERE e.customer_id IS NOT NULL AND e.occurred_at <= as_of.t GROUP BY e.customer_id),
ticket_stats AS (
  SELECT t.customer_id, count(*) AS tickets_90d, avg(t.satisfaction_score) AS avg_satisfaction
  FROM silver.tickets t, as_of
  WHERE t.customer_id IS NOT NULL AND t.created_at <= as_of.t
    AND t.created_at > as_of.t - INTERVAL 90 DAY
  GROUP BY t.customer_id),
review_stats AS (
  SELECT r.customer_id, avg(r.rating) AS avg_rating, count(*) AS reviews
  FROM silver.reviews r, as_of
  WHERE r.customer_id IS NOT NULL AND (r.created_at IS NULL OR r.created_at <= as_of.t)
  GROUP BY r.customer_id),
-- Sentiment of interactions in the last 90 days; NULL until text analysis has filled
-- gold.interaction_sentiment (customer_id, occurred_at, sentiment).
sentiment_stats AS (
  SELECT NULL::VARCHAR AS customer_id, NULL::DOUBLE AS avg_sentiment WHERE false)
SELECT
  c.customer_id,
  c.account_id,
  c.plan,
  c.region,
  c.segment AS customer_segment,
  date_diff('day', os.last_order_at, a.t) AS recency_days,
  coalesce(os.frequency, 0) AS frequency,
  coalesce(os.monetary, 0) AS monetary,
  coalesce(os.lifetime_value, 0) AS lifetime_value,
  date_diff('day', coalesce(c.acquisition_date, os.first_order_at, a.t), a.t) AS tenure_days,
  coalesce(os.orders_90d, 0) AS orders_90d,
  coalesce(os.revenue_90d, 0) AS revenue_90d,
  date_diff('day',
            coalesce(greatest(c.last_active_date, os.last_order_at, es.last_event_at),
                     c.acquisition_date, a.t),
            a.t) AS days_inactive,
  coalesce(es.interactions_90d, 0) AS interactions_90d,
  coalesce(ts.tickets_90d, 0) AS tickets_90d,
  ts.avg_satisfaction,
  ss.avg_sentiment,
  rs.avg_rating,
  coalesce(rs.reviews, 0) AS reviews,
  os.first_order_at,
  os.last_order_at,
  a.t AS as_of
FROM silver.customers c
CROSS JOIN as_of a
LEFT JOIN order_stats os USING (customer_id)
LEFT JOIN event_stats es USING (customer_id)
LEFT JOIN ticket_stats ts USING (customer_id)
LEFT JOIN review_stats rs USING (customer_id)
LEFT JOIN sentiment_stats ss USING (customer_id)
WHERE c.acquisition_date IS NULL OR c.acquisition_date <= a.t;
