-- gold.customer_scores: the reference churn heuristic over gold.customer_features.
--   risk = clamp(0, 1, 0.3 * days_inactive / 30
--                    + 0.2 * (1 - coalesce(avg_sentiment + 1, 1) / 2)
--                    + 0.2 * tickets_90d / max(interactions_90d, 1)
--                    + 0.3 * (avg_satisfaction < 3 ? 1 : 0))     -- NULL satisfaction counts as 0
-- churn_risk equals the heuristic until a learned model replaces it.
-- A view over every customer (ltv_percentile ranks against all), written to gold.customer_scores
-- for the run's scope by features::WriteScoped; later steps add their columns.
CREATE OR REPLACE TEMP VIEW ci_customer_scores AS
WITH scored AS (
  SELECT f.customer_id,
         greatest(0.0, least(1.0,
             0.3 * f.days_inactive / 30.0
           + 0.2 * (1 - coalesce(f.avg_sentiment + 1, 1) / 2.0)
           + 0.2 * f.tickets_90d / greatest(f.interactions_90d, 1)
           + 0.3 * CASE WHEN f.avg_satisfaction < 3 THEN 1 ELSE 0 END)) AS churn_risk_heuristic,
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
