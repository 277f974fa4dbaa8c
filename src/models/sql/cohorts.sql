-- gold.cohorts: acquisition month × months since acquisition, as of getvariable('as_of').
--   acquisition month  = month of silver.customers.acquisition_date, else of the first purchase
--   cohort_size        = customers acquired that month (purchased or not)
--   months_since       = 0 for the acquisition month, 1 for the next calendar month, ... up to
--                        the as-of month (every cell present, zeros included)
--   customers_retained = cohort customers with at least one purchase in that month
--   share_retained     = customers_retained / cohort_size
--   revenue            = the cohort's purchase amounts in that month
--   cumulative_revenue_per_customer = revenue of months 0..months_since / cohort_size
-- Purchases: orders is_purchase(status) counts ([orders] rule), up to as_of (as in customer_features).
-- Customers and orders are silver as of as_of (the silver.*_as_of macros, store migration 0028).
CREATE OR REPLACE TABLE gold.cohorts AS
WITH as_of AS (SELECT getvariable('as_of')::TIMESTAMPTZ AS t),
purchases AS (
  SELECT o.customer_id, o.ordered_at, coalesce(o.amount, 0) AS amount
  FROM silver.orders_as_of(getvariable('as_of')::TIMESTAMPTZ) o
  WHERE o.customer_id IS NOT NULL
    AND is_purchase(o.status)),
firsts AS (SELECT customer_id, min(ordered_at) AS first_at FROM purchases GROUP BY ALL),
members AS (
  SELECT c.customer_id,
         date_trunc('month', coalesce(c.acquisition_date, f.first_at) AT TIME ZONE 'UTC')::DATE AS cohort_month
  FROM silver.customers_as_of(getvariable('as_of')::TIMESTAMPTZ) c LEFT JOIN firsts f USING (customer_id), as_of
  WHERE coalesce(c.acquisition_date, f.first_at) <= as_of.t),
sizes AS (SELECT cohort_month, count(*) AS cohort_size FROM members GROUP BY ALL),
activity AS (
  SELECT m.cohort_month,
         date_diff('month', m.cohort_month, date_trunc('month', p.ordered_at AT TIME ZONE 'UTC')::DATE) AS months_since,
         count(DISTINCT p.customer_id) AS customers_retained, sum(p.amount) AS revenue
  FROM purchases p JOIN members m USING (customer_id)
  GROUP BY ALL),
grid AS (
  SELECT s.cohort_month, s.cohort_size, g.months_since
  FROM sizes s, as_of,
       LATERAL generate_series(0, date_diff('month', s.cohort_month,
                                            date_trunc('month', as_of.t AT TIME ZONE 'UTC')::DATE)) AS g(months_since))
SELECT g.cohort_month, g.months_since, g.cohort_size,
       coalesce(a.customers_retained, 0) AS customers_retained,
       coalesce(a.customers_retained, 0) / g.cohort_size::DOUBLE AS share_retained,
       coalesce(a.revenue, 0) AS revenue,
       sum(coalesce(a.revenue, 0)) OVER (PARTITION BY g.cohort_month ORDER BY g.months_since)
         / g.cohort_size AS cumulative_revenue_per_customer,
       (SELECT t FROM as_of) AS as_of
FROM grid g LEFT JOIN activity a USING (cohort_month, months_since)
WHERE g.months_since >= 0
ORDER BY g.cohort_month, g.months_since;
