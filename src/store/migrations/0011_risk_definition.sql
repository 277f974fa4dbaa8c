-- What counts as high churn risk (custintel.toml [churn] high_risk) is recorded with each run:
-- the threshold the segments step flagged gold.customer_scores.high_risk with
-- (gold.risk_definition holds the current one).
ALTER TABLE meta.runs ADD COLUMN high_risk_above DOUBLE;
