-- gold.customer_features: one row per customer, as of getvariable('as_of') (a TIMESTAMPTZ).
-- Every input is silver as of that time (the silver.*_as_of macros, store migration 0028: rows
-- dated after it, and customers who first appear after it, do not exist for this view).
-- Purchases are the orders is_purchase(status) counts (custintel.toml [orders]; core/order_status.h),
-- up to the as-of time.
-- Customers are the customers existing at as_of: those a customers file gave and those the
-- tables naming them implied (ingest, implied_by). Spend figures are NULL for a customer whose
-- orders have no amounts (dates only), and for everyone when no order has an amount (or there
-- are no orders); 0 for a customer without orders in a shop whose orders have amounts.
-- Windows: the 90 days up to as_of (and the 90 before it, for spend_trend).
-- Added behaviour features (issue 4): inter-purchase interval (days between consecutive
-- purchase days: mean and standard deviation, NULL below 2 / 3 purchase days), average order
-- value, spend trend, top category and its share of items bought, channel mix of orders
-- (JSON channel → share) and top channel, event counts by type (JSON), both with their keys sorted
-- (built as sorted "key":value strings: an ORDER BY inside the aggregate costs twice as much), all-time tickets and
-- tickets still open at as_of (no resolved_at, or resolved after as_of).
-- Sums and means of money and sentiment are taken over DECIMALs (amounts to 1/100 cent, up to
-- 10^14 per order) and the interval spread from integer sums: a DOUBLE sum depends on the
-- order DuckDB's threads combine partial sums in, so the same data gave values differing in
-- their last bits from run to run (and ltv_percentile ties that broke differently).
-- A view, written to gold.customer_features by features::WriteScoped; {{scope COL}} restricts
-- every input to the run's customer scope (TRUE in a full run; features/scope.h).
CREATE OR REPLACE TEMP VIEW ci_customer_features AS
-- The window bounds are computed once here: TIMESTAMPTZ arithmetic and date_diff go through
-- ICU's calendar, ~5 us a call, which per row was most of this view's time at 1M customers
-- (day counts are taken between the values cast to TIMESTAMP: the same calendar days).
WITH as_of AS (SELECT getvariable('as_of')::TIMESTAMPTZ AS t,
                      getvariable('as_of')::TIMESTAMPTZ - INTERVAL 90 DAY AS t90,
                      getvariable('as_of')::TIMESTAMPTZ - INTERVAL 180 DAY AS t180,
                      getvariable('as_of')::TIMESTAMPTZ::TIMESTAMP AS ts),
-- Whether the shop's orders carry money at all: without orders, or with orders of dates only,
-- spend is unknown for everyone (NULL), not 0.
money AS (SELECT count(amount) > 0 AS known FROM silver.orders_as_of(getvariable('as_of')::TIMESTAMPTZ)),
purchases AS (
  SELECT o.order_id, o.customer_id, o.ordered_at, o.amount::DECIMAL(18, 4) AS amount_exact, o.channel
  FROM silver.orders_as_of(getvariable('as_of')::TIMESTAMPTZ) o
  WHERE o.customer_id IS NOT NULL AND {{scope o.customer_id}}
    AND is_purchase(o.status)),
order_stats AS (
  SELECT p.customer_id,
         count(*) AS frequency,
         count(p.amount_exact) AS amounts,
         sum(p.amount_exact)::DOUBLE AS lifetime_value,
         avg(p.amount_exact) AS monetary,
         min(p.ordered_at) AS first_order_at,
         max(p.ordered_at) AS last_order_at,
         count(*) FILTER (WHERE p.ordered_at > as_of.t90) AS orders_90d,
         coalesce(sum(p.amount_exact) FILTER (WHERE p.ordered_at > as_of.t90), 0)::DOUBLE AS revenue_90d
         , coalesce(sum(p.amount_exact) FILTER (WHERE p.ordered_at <= as_of.t90
                                            AND p.ordered_at > as_of.t180), 0)::DOUBLE AS revenue_prev_90d
  FROM purchases p, as_of GROUP BY p.customer_id),
purchase_days AS (
  SELECT DISTINCT customer_id, ordered_at::DATE AS d FROM purchases),
interval_stats AS (
  SELECT customer_id, avg(gap) AS interpurchase_days_mean,
         CASE WHEN count(gap) > 1 THEN sqrt(greatest(0, (count(gap) * sum(gap * gap) - sum(gap) * sum(gap))
                                                 / (count(gap) * (count(gap) - 1)))) END AS interpurchase_days_std
  FROM (SELECT customer_id, date_diff('day', lag(d) OVER (PARTITION BY customer_id ORDER BY d), d) AS gap
        FROM purchase_days)
  WHERE gap IS NOT NULL GROUP BY customer_id),
-- The items of the purchases. The purchases are orders as of as_of already, so their items are
-- joined straight from silver.order_items: order_items_as_of would only repeat that filter (a
-- semi-join of every item with the orders, ~7% of this view's time), with the same rows.
category_counts AS (
  SELECT p.customer_id, coalesce(pr.category, 'unknown') AS category,
         sum(coalesce(oi.quantity, 1)) AS n
  FROM purchases p JOIN silver.order_items oi USING (order_id)
  LEFT JOIN silver.products pr USING (product_id)
  GROUP BY p.customer_id, coalesce(pr.category, 'unknown')),
category_stats AS (
  SELECT customer_id, arg_max(category, (n, category)) AS top_category,
         max(n) / sum(n) AS top_category_share
  FROM category_counts GROUP BY customer_id),
channel_stats AS (
  SELECT customer_id, arg_max(channel, (n, channel)) AS top_channel,
         ('{' || array_to_string(list_sort(list(to_json(channel)::VARCHAR || ':' || to_json(round(n / total, 4))::VARCHAR)), ',') || '}')::JSON AS channel_mix
  FROM (SELECT customer_id, channel, n, sum(n) OVER (PARTITION BY customer_id) AS total
        FROM (SELECT customer_id, coalesce(channel, 'unknown') AS channel, count(*) AS n
              FROM purchases GROUP BY customer_id, coalesce(channel, 'unknown')))
  GROUP BY customer_id),
event_stats AS (
  SELECT e.customer_id, max(e.occurred_at) AS last_event_at,
         count(*) FILTER (WHERE e.occurred_at > as_of.t90) AS interactions_90d
  FROM silver.events_as_of(getvariable('as_of')::TIMESTAMPTZ) e, as_of
  WHERE e.customer_id IS NOT NULL AND {{scope e.customer_id}} GROUP BY e.customer_id),
event_type_stats AS (
  SELECT customer_id, ('{' || array_to_string(list_sort(list(to_json(event_type)::VARCHAR || ':' || n)), ',') || '}')::JSON AS event_counts
  FROM (SELECT e.customer_id, coalesce(e.event_type, 'unknown') AS event_type, count(*) AS n
        FROM silver.events_as_of(getvariable('as_of')::TIMESTAMPTZ) e
        WHERE e.customer_id IS NOT NULL AND {{scope e.customer_id}}
        GROUP BY e.customer_id, coalesce(e.event_type, 'unknown'))
  GROUP BY customer_id),
ticket_all_stats AS (
  SELECT t.customer_id, count(*) AS tickets_total,
         count(*) FILTER (WHERE t.resolved_at IS NULL OR t.resolved_at > as_of.t) AS open_tickets
  FROM silver.tickets_as_of(getvariable('as_of')::TIMESTAMPTZ) t, as_of
  WHERE t.customer_id IS NOT NULL AND t.created_at <= as_of.t AND {{scope t.customer_id}} GROUP BY t.customer_id),
ticket_stats AS (
  SELECT t.customer_id, count(*) AS tickets_90d, avg(t.satisfaction_score) AS avg_satisfaction
  FROM silver.tickets_as_of(getvariable('as_of')::TIMESTAMPTZ) t, as_of
  WHERE t.customer_id IS NOT NULL AND {{scope t.customer_id}}
    AND t.created_at > as_of.t90
  GROUP BY t.customer_id),
review_stats AS (
  SELECT r.customer_id, avg(r.rating) AS avg_rating, count(*) AS reviews
  FROM silver.reviews_as_of(getvariable('as_of')::TIMESTAMPTZ) r
  WHERE r.customer_id IS NOT NULL AND {{scope r.customer_id}}
  GROUP BY r.customer_id),
-- Mean text sentiment (-1..1) of the customer's interactions (reviews, tickets, chat and
-- support events) in the 90 days up to as_of, from the text step's gold.interaction_sentiment;
-- NULL without analysed interactions in the window.
sentiment_stats AS (
  SELECT s.customer_id, avg(s.sentiment::DECIMAL(18, 9)) AS avg_sentiment
  FROM gold.interaction_sentiment s, as_of
  WHERE s.customer_id IS NOT NULL AND s.occurred_at <= as_of.t AND {{scope s.customer_id}}
    AND s.occurred_at > as_of.t90
  GROUP BY s.customer_id)
SELECT
  c.customer_id,
  c.account_id,
  c.plan,
  c.region,
  c.segment AS customer_segment,
  date_diff('day', os.last_order_at::TIMESTAMP, a.ts) AS recency_days,
  coalesce(os.frequency, 0) AS frequency,
  -- Money needs amounts: a customer whose orders carry none (a purchase log of dates only) has
  -- NULL spend figures, never 0; one without orders spent 0.
  CASE WHEN os.amounts = 0 OR NOT m.known THEN NULL ELSE coalesce(os.monetary, 0) END AS monetary,
  CASE WHEN os.amounts = 0 OR NOT m.known THEN NULL ELSE coalesce(os.lifetime_value, 0) END AS lifetime_value,
  date_diff('day', coalesce(c.acquisition_date, os.first_order_at, a.t)::TIMESTAMP, a.ts) AS tenure_days,
  coalesce(os.orders_90d, 0) AS orders_90d,
  CASE WHEN os.amounts = 0 OR NOT m.known THEN NULL ELSE coalesce(os.revenue_90d, 0) END AS revenue_90d,
  date_diff('day',
            -- last_active_date is the customers file's snapshot: after as_of it is the future
            -- (a cutoff of the churn model's training) and says nothing about as_of.
            coalesce(greatest(CASE WHEN c.last_active_date <= a.t THEN c.last_active_date END,
                              os.last_order_at, es.last_event_at),
                     c.acquisition_date, a.t)::TIMESTAMP,
            a.ts) AS days_inactive,
  coalesce(es.interactions_90d, 0) AS interactions_90d,
  coalesce(ts.tickets_90d, 0) AS tickets_90d,
  ts.avg_satisfaction,
  ss.avg_sentiment,
  rs.avg_rating,
  coalesce(rs.reviews, 0) AS reviews,
  os.first_order_at,
  os.last_order_at,
  ist.interpurchase_days_mean,
  ist.interpurchase_days_std,
  os.monetary AS avg_order_value,
  CASE WHEN os.amounts = 0 OR NOT m.known THEN NULL ELSE coalesce(os.revenue_prev_90d, 0) END AS revenue_prev_90d,
  -- (last 90 days − the 90 before) / the 90 before; NULL when nothing was spent before.
  CASE WHEN coalesce(os.revenue_prev_90d, 0) > 0
       THEN (os.revenue_90d - os.revenue_prev_90d) / os.revenue_prev_90d END AS spend_trend,
  cs.top_category,
  cs.top_category_share,
  chs.top_channel,
  chs.channel_mix,
  ets.event_counts,
  coalesce(tas.tickets_total, 0) AS tickets_total,
  coalesce(tas.open_tickets, 0) AS open_tickets,
  a.t AS as_of
FROM silver.customers_as_of(getvariable('as_of')::TIMESTAMPTZ) c
CROSS JOIN as_of a
CROSS JOIN money m
LEFT JOIN order_stats os USING (customer_id)
LEFT JOIN event_stats es USING (customer_id)
LEFT JOIN ticket_stats ts USING (customer_id)
LEFT JOIN review_stats rs USING (customer_id)
LEFT JOIN sentiment_stats ss USING (customer_id)
LEFT JOIN interval_stats ist USING (customer_id)
LEFT JOIN category_stats cs USING (customer_id)
LEFT JOIN channel_stats chs USING (customer_id)
LEFT JOIN event_type_stats ets USING (customer_id)
LEFT JOIN ticket_all_stats tas USING (customer_id)
WHERE {{scope c.customer_id}};
