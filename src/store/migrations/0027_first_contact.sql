-- Real exports, first contact (issue 27).
-- Customers implied by the tables that name them (orders, events, reviews, tickets) are rows of
-- silver.customers with every attribute NULL and implied_by naming the kind that first named
-- them; a customers file replaces such a row (implied_by NULL again) whatever the ingest order.
ALTER TABLE silver.customers ADD COLUMN implied_by VARCHAR;
-- Reviews and tickets that name an order instead of a customer: ingest attributes them to the
-- order's customer (whichever of the two files arrives first).
ALTER TABLE silver.reviews ADD COLUMN order_id VARCHAR;
ALTER TABLE silver.tickets ADD COLUMN order_id VARCHAR;
-- 'items' when ingest took the amount from the order's items (the orders file had none).
ALTER TABLE silver.orders ADD COLUMN amount_source VARCHAR;
-- When each customer was first and last seen in any table that names them (orders, events,
-- reviews, tickets, and the customers file's own dates), and in how many rows.
CREATE OR REPLACE VIEW silver.customer_presence AS
SELECT customer_id, min(seen_at) AS first_seen_at, max(seen_at) AS last_seen_at, count(*) AS rows_naming
FROM (SELECT customer_id, ordered_at AS seen_at FROM silver.orders
      UNION ALL SELECT customer_id, occurred_at FROM silver.events
      UNION ALL SELECT customer_id, created_at FROM silver.reviews
      UNION ALL SELECT customer_id, created_at FROM silver.tickets
      UNION ALL SELECT customer_id, acquisition_date FROM silver.customers WHERE acquisition_date IS NOT NULL
      UNION ALL SELECT customer_id, last_active_date FROM silver.customers WHERE last_active_date IS NOT NULL)
WHERE customer_id IS NOT NULL
GROUP BY customer_id;
-- Source lines of a batch folded into another line of the same key (summed order_items lines,
-- superseded lines of other kinds): `custintel doctor` reports them as duplicates.
ALTER TABLE meta.ingest_batches ADD COLUMN merged BIGINT;
