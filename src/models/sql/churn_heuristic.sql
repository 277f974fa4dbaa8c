-- gold.customer_scores: the reference churn heuristic over gold.customer_features.
--   risk = clamp(0, 1, 0.3 * days_inactive / 30
--                    + 0.2 * (1 - coalesce(avg_sentiment + 1, 1) / 2)
--                    + 0.2 * tickets_90d / max(interactions_90d, 1)
--                    + 0.3 * (avg_satisfaction < 3 ? 1 : 0))     -- NULL satisfaction counts as 0
-- churn_risk equals the heuristic until a learned model replaces it.
-- A view over every customer (ltv_percentile ranks against all), written to gold.customer_scores
-- for the run's scope by features::WriteScoped; later steps add their columns.
-- The formula as a macro, so the churn model's training snapshots (churn_model.cc) score
-- their past cutoffs with the very same expression without writing gold tables.
CREATE OR REPLACE TEMP MACRO ci_churn_heuristic(days_inactive, avg_sentiment, tickets_90d, interactions_90d,
                                                avg_satisfaction) AS
  greatest(0.0, least(1.0,
      0.3 * days_inactive / 30.0
    + 0.2 * (1 - coalesce(avg_sentiment + 1, 1) / 2.0)
    + 0.2 * tickets_90d / greatest(interactions_90d, 1)
    + 0.3 * CASE WHEN avg_satisfaction < 3 THEN 1 ELSE 0 END));
CREATE OR REPLACE TEMP VIEW ci_customer_scores AS
WITH scored AS (
  SELECT f.customer_id,
         ci_churn_heuristic(f.days_inactive, f.avg_sentiment, f.tickets_90d, f.interactions_90d,
                            f.avg_satisfaction) AS churn_risk_heuristic,
         json_object('days_inactive', f.days_inactive,
                     'sentiment_score', f.avg_sentiment,
                     'support_tickets', f.tickets_90d,
                     'satisfaction', f.avg_satisfaction,
                     'lifetime_value', round(f.lifetime_value, 2)) AS risk_factors,
         f.lifetime_value,
         percent_rank() OVER (ORDER BY f.lifetime_value) AS ltv_percentile,
         f.as_of
  FROM gold.customer_features f)
SELECT customer_id, churn_risk_heuristic AS churn_risk, churn_risk_heuristic, risk_factors,
       lifetime_value, ltv_percentile, NULL::VARCHAR AS segment, as_of
FROM scored;
