-- Customer status (gold.customer_scores.status): active, at_risk, lapsed or new — the decision a
-- retention team acts on, on top of churn_risk (the calibrated probability of no purchase in
-- the horizon). One definition, used by the run (models/customer_status.cc) and by the churn
-- evaluation's snapshots at past cutoffs (models/churn/churn_snapshot.cc). In words:
--
--   A customer's silence is the days since their last purchase (for one who never bought, since
--   they were first seen). It is judged against the gaps between purchase days:
--   * their own rhythm when they have two or more gaps (three purchase days): at risk when the
--     silence exceeds their mean gap × R(at_risk_quantile), lapsed when it exceeds their mean
--     gap × R(lapsed_quantile); R(q) is the q-quantile, over every gap of every such customer,
--     of the gap divided by that customer's own mean gap (how far anyone strays from their rhythm);
--   * the population's for one- and two-time buyers and those who never bought: at risk beyond
--     G(at_risk_quantile) days, lapsed beyond G(lapsed_quantile), G(q) the q-quantile of every
--     gap between two purchase days of one customer in the shop.
--   Lapsed too: the customer-base model's P(alive) below lapsed_p_alive.
--   New (too little history): first seen fewer than new_days ago with at most one purchase.
--   Without a rhythm (fewer than min_gaps gaps in the whole shop: no orders, a subscription
--   table with a churn label): at risk when churn_risk > [churn] high_risk, else active — never
--   lapsed, since nothing says how long a silence is normal.
-- Purchases are the orders is_purchase(status) counts ([orders]), up to getvariable('as_of'). The
-- settings come from TEMP table ci_status_settings (one row, written by customer_status.cc from
-- [churn] and [churn.status]); the rhythm is the TEMP table ci_status_rhythm (one row).
-- The q-quantile of a sorted list, interpolated linearly between the closest ranks (as DuckDB's
-- quantile_cont, which takes only a constant q).
CREATE OR REPLACE TEMP MACRO ci_status_quantile(v, q) AS
  CASE WHEN len(v) = 0 THEN NULL ELSE
    v[1 + floor((len(v) - 1) * q)::BIGINT]
    + ((len(v) - 1) * q - floor((len(v) - 1) * q))
      * (v[1 + ceil((len(v) - 1) * q)::BIGINT] - v[1 + floor((len(v) - 1) * q)::BIGINT]) END;

CREATE OR REPLACE TEMP TABLE ci_status_rhythm AS
WITH purchase_days AS (
  SELECT DISTINCT o.customer_id, o.ordered_at::DATE AS d
  FROM silver.orders_as_of(getvariable('as_of')::TIMESTAMPTZ) o
  WHERE o.customer_id IS NOT NULL
    AND is_purchase(o.status)),
gaps AS (
  SELECT customer_id, date_diff('day', lag(d) OVER (PARTITION BY customer_id ORDER BY d), d) AS gap
  FROM purchase_days),
own AS (
  SELECT customer_id, avg(gap) AS mean_gap FROM gaps WHERE gap IS NOT NULL
  GROUP BY customer_id HAVING count(gap) >= 2),
sorted AS (
  SELECT (SELECT coalesce(list_sort(list(gap::DOUBLE)), []) FROM gaps WHERE gap IS NOT NULL) AS gaps,
         (SELECT coalesce(list_sort(list(g.gap / o.mean_gap)), []) FROM gaps g JOIN own o USING (customer_id)
          WHERE g.gap IS NOT NULL) AS ratios)
SELECT s.*,
       len(q.gaps) AS gaps,
       len(q.gaps) >= s.min_gaps AS has_rhythm,
       ci_status_quantile(q.gaps, s.at_risk_quantile) AS gap_at_risk,
       ci_status_quantile(q.gaps, s.lapsed_quantile) AS gap_lapsed,
       ci_status_quantile(q.ratios, s.at_risk_quantile) AS ratio_at_risk,
       ci_status_quantile(q.ratios, s.lapsed_quantile) AS ratio_lapsed
FROM ci_status_settings s, sorted q;

-- silence: days since the last purchase (else since first seen); own_gap_mean / own_gap_std:
-- gold.customer_features' interpurchase_days_mean / _std (the std exists from two gaps on).
CREATE OR REPLACE TEMP MACRO ci_customer_status(silence, tenure_days, frequency, own_gap_mean, own_gap_std,
                                                p_alive, churn_risk) AS
  CASE
    WHEN tenure_days < (SELECT new_days FROM ci_status_rhythm) AND coalesce(frequency, 0) <= 1 THEN 'new'
    WHEN NOT (SELECT has_rhythm FROM ci_status_rhythm) THEN
      CASE WHEN churn_risk > (SELECT high_risk FROM ci_status_rhythm) THEN 'at_risk' ELSE 'active' END
    WHEN p_alive < (SELECT lapsed_p_alive FROM ci_status_rhythm) THEN 'lapsed'
    WHEN own_gap_std IS NOT NULL AND own_gap_mean > 0 AND (SELECT ratio_lapsed FROM ci_status_rhythm) IS NOT NULL THEN
      CASE WHEN silence > own_gap_mean * (SELECT ratio_lapsed FROM ci_status_rhythm) THEN 'lapsed'
           WHEN silence > own_gap_mean * (SELECT ratio_at_risk FROM ci_status_rhythm) THEN 'at_risk'
           ELSE 'active' END
    WHEN silence > (SELECT gap_lapsed FROM ci_status_rhythm) THEN 'lapsed'
    WHEN silence > (SELECT gap_at_risk FROM ci_status_rhythm) THEN 'at_risk'
    ELSE 'active'
  END;
