-- As of means as of (issue 22 item 5): silver as it stood at a time t, one definition for every
-- step of a run `--as-of t` (and its churn training cutoffs). Each macro is a table: a run reads
-- silver.orders_as_of(t) where it would read silver.orders. A NULL t means "everything silver
-- holds" (analysis on arrival, outside any run).
--
-- The rules (src/pipeline/README.md, "As of"):
--   1. A dated row belongs to t when its date is on or before t: orders by ordered_at, events by
--      occurred_at, reviews and tickets by created_at. Order items follow their order (items
--      whose order is not in silver cannot be dated and are left out).
--   2. A ticket resolved after t was open at t: its resolved_at, resolution and
--      satisfaction_score (given on resolution) are NULL.
--   3. A customer exists at t when their earliest dated sign — acquisition_date, or any order,
--      event, review or ticket naming them — is on or before t. A customer nothing dates at all
--      (a customers file without signup dates and no dated rows) exists at every t: the data
--      cannot place them later. last_active_date is no sign of arrival (it is the file's latest
--      activity); after t it is NULL, as a file written at t could not hold it.
--   4. Rows without a date (reviews or tickets without created_at) and the undated tables
--      (products, notes) are known at every t: they cannot be placed in time, and leaving them
--      out would lose them from every run.
-- Customer attributes (plan, region, segment, account_id, a churned flag) are the file's values:
-- silver keeps no history of them.
CREATE OR REPLACE MACRO silver.orders_as_of(t) AS TABLE
SELECT * FROM silver.orders WHERE t IS NULL OR ordered_at <= t;

CREATE OR REPLACE MACRO silver.order_items_as_of(t) AS TABLE
SELECT * FROM silver.order_items
WHERE t IS NULL OR order_id IN (SELECT order_id FROM silver.orders WHERE ordered_at <= t);

CREATE OR REPLACE MACRO silver.events_as_of(t) AS TABLE
SELECT * FROM silver.events WHERE t IS NULL OR occurred_at <= t;

CREATE OR REPLACE MACRO silver.reviews_as_of(t) AS TABLE
SELECT * FROM silver.reviews WHERE t IS NULL OR created_at IS NULL OR created_at <= t;

CREATE OR REPLACE MACRO silver.tickets_as_of(t) AS TABLE
SELECT * REPLACE (CASE WHEN t IS NULL OR resolved_at <= t THEN resolved_at END AS resolved_at,
                  CASE WHEN t IS NULL OR resolved_at IS NULL OR resolved_at <= t THEN resolution END AS resolution,
                  CASE WHEN t IS NULL OR resolved_at IS NULL OR resolved_at <= t THEN satisfaction_score END
                    AS satisfaction_score)
FROM silver.tickets WHERE t IS NULL OR created_at IS NULL OR created_at <= t;

CREATE OR REPLACE MACRO silver.customers_as_of(t) AS TABLE
WITH first_signs AS (
  SELECT customer_id, min(seen_at) AS first_at
  FROM (SELECT customer_id, acquisition_date AS seen_at FROM silver.customers
        UNION ALL SELECT customer_id, ordered_at FROM silver.orders
        UNION ALL SELECT customer_id, occurred_at FROM silver.events
        UNION ALL SELECT customer_id, created_at FROM silver.reviews
        UNION ALL SELECT customer_id, created_at FROM silver.tickets)
  WHERE t IS NOT NULL AND customer_id IS NOT NULL AND seen_at IS NOT NULL
  GROUP BY customer_id)
SELECT c.* REPLACE (CASE WHEN t IS NULL OR c.last_active_date <= t THEN c.last_active_date END AS last_active_date)
FROM silver.customers c LEFT JOIN first_signs f USING (customer_id)
WHERE t IS NULL OR f.first_at IS NULL OR f.first_at <= t;
