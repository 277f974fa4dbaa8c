-- gold.executive_metrics: the executive summary numbers of every run, kept as history (one row
-- per run and metric) so each carries its change since the previous run. The run id is the
-- one meta.runs is about to record (this step runs inside the run's transaction).
-- Each value is a kpi token (the figure NAME): the one definition of that figure (src/features/kpis.h), as of
-- the run — the same the CLI summary, GET /v1/summary and ask use:
--   customers, high_risk (at risk), lapsed, value_at_stake, avg_ltv, reviews, avg_rating, open_tickets
-- previous_value / change are NULL on the first run.
CREATE TABLE IF NOT EXISTS gold.executive_metrics (
  run_id BIGINT, as_of TIMESTAMPTZ, metric VARCHAR, value DOUBLE, previous_value DOUBLE,
  change DOUBLE, computed_at TIMESTAMPTZ);

INSERT INTO gold.executive_metrics
WITH as_of AS (SELECT getvariable('as_of')::TIMESTAMPTZ AS t),
run AS (SELECT coalesce(max(run_id), 0) + 1 AS this_run FROM meta.runs),
now_values AS (
  SELECT * FROM (VALUES
    (1, 'customers',    {{kpi customers}}::DOUBLE),
    (2, 'high_risk',    {{kpi high_risk}}::DOUBLE),
    (3, 'lapsed',       {{kpi lapsed}}::DOUBLE),
    (4, 'value_at_stake', {{kpi value_at_stake}}::DOUBLE),
    (5, 'avg_ltv',      {{kpi avg_ltv}}::DOUBLE),
    (6, 'reviews',      {{kpi reviews}}::DOUBLE),
    (7, 'avg_rating',   {{kpi avg_rating}}::DOUBLE),
    (8, 'open_tickets', {{kpi open_tickets}}::DOUBLE)
  ) AS v(ord, metric, value)),
previous AS (
  SELECT m.metric, arg_max(m.value, m.run_id) AS previous_value
  FROM gold.executive_metrics m, run WHERE m.run_id < run.this_run GROUP BY m.metric)
SELECT run.this_run, as_of.t, n.metric, n.value, p.previous_value, n.value - p.previous_value,
       current_timestamp
FROM now_values n CROSS JOIN run CROSS JOIN as_of LEFT JOIN previous p USING (metric)
ORDER BY n.ord;
