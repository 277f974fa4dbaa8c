-- gold.executive_metrics: the executive summary numbers of every run, kept as history (one row
-- per run and metric) so each carries its change since the previous run. The run id is the
-- one meta.runs is about to record (this step runs inside the run's transaction).
--   customers      rows of gold.customer_scores
--   high_risk      customers flagged high_risk (churn_risk above [churn] high_risk, segments step)
--   avg_ltv        mean lifetime_value (spend to date)
--   reviews        reviews written up to as_of
--   avg_rating     mean review rating up to as_of
--   open_tickets   tickets created up to as_of and not resolved by then
-- previous_value / change are NULL on the first run.
CREATE TABLE IF NOT EXISTS gold.executive_metrics (
  run_id BIGINT, as_of TIMESTAMPTZ, metric VARCHAR, value DOUBLE, previous_value DOUBLE,
  change DOUBLE, computed_at TIMESTAMPTZ);

INSERT INTO gold.executive_metrics
WITH as_of AS (SELECT getvariable('as_of')::TIMESTAMPTZ AS t),
run AS (SELECT coalesce(max(run_id), 0) + 1 AS this_run FROM meta.runs),
now_values AS (
  SELECT * FROM (VALUES
    (1, 'customers',    (SELECT count(*) FROM gold.customer_scores)::DOUBLE),
    (2, 'high_risk',    (SELECT count(*) FROM gold.customer_scores WHERE high_risk)::DOUBLE),
    (3, 'avg_ltv',      (SELECT avg(lifetime_value) FROM gold.customer_scores)),
    (4, 'reviews',      (SELECT count(*) FROM silver.reviews, as_of
                         WHERE created_at IS NULL OR created_at <= as_of.t)::DOUBLE),
    (5, 'avg_rating',   (SELECT avg(rating) FROM silver.reviews, as_of
                         WHERE created_at IS NULL OR created_at <= as_of.t)),
    (6, 'open_tickets', (SELECT count(*) FROM silver.tickets, as_of WHERE created_at <= as_of.t
                         AND (resolved_at IS NULL OR resolved_at > as_of.t))::DOUBLE)
  ) AS v(ord, metric, value)),
previous AS (
  SELECT m.metric, arg_max(m.value, m.run_id) AS previous_value
  FROM gold.executive_metrics m, run WHERE m.run_id < run.this_run GROUP BY m.metric)
SELECT run.this_run, as_of.t, n.metric, n.value, p.previous_value, n.value - p.previous_value,
       current_timestamp
FROM now_values n CROSS JOIN run CROSS JOIN as_of LEFT JOIN previous p USING (metric)
ORDER BY n.ord;
