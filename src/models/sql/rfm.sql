-- gold.rfm: recency / frequency / monetary quintile scores and the named RFM segments, for
-- every customer with at least one purchase in gold.customer_features (as of its as_of).
--
-- Scores (1 worst .. 5 best): score = least(5, 1 + floor(5 · percent_rank())) over customers
-- ordered so that "better" is larger — recency by days since the last purchase descending
-- (most recent = 5), frequency by purchase count, monetary by lifetime spend. percent_rank
-- gives tied customers the same score (ntile would split ties arbitrarily: with most
-- customers buying once, one-time buyers must all score F = 1, not 1..3).
--
-- Segments: by R and FM = round((F + M) / 2), the usual grid (Putler / "RFM segments"),
-- the rule table below, first matching row in rule_order wins; it covers every (R, FM) cell:
--
--          FM=1            FM=2                FM=3                FM=4          FM=5
--   R=5    New             Potential loyalist  Potential loyalist  Champions     Champions
--   R=4    Promising       Potential loyalist  Potential loyalist  Champions     Champions
--   R=3    About to sleep  About to sleep      Need attention      Loyal         Loyal
--   R=2    Hibernating     Hibernating         At risk             At risk       Can't lose them
--   R=1    Lost            Lost                At risk             At risk       Can't lose them
CREATE OR REPLACE TABLE gold.rfm_rules AS
SELECT * FROM (VALUES
  (1,  'Champions',          4, 5, 4, 5, 'bought recently, buy often and spend the most'),
  (2,  'Loyal',              3, 3, 4, 5, 'buy often and spend well, a little less recently'),
  (3,  'Potential loyalist', 4, 5, 2, 3, 'recent customers with average frequency and spend'),
  (4,  'New',                5, 5, 1, 1, 'bought very recently, once or for little'),
  (5,  'Promising',          4, 4, 1, 1, 'recent shoppers who have not spent much yet'),
  (6,  'Need attention',     3, 3, 3, 3, 'average recency, frequency and spend'),
  (7,  'About to sleep',     3, 3, 1, 2, 'below average, slipping away'),
  (8,  'Can''t lose them',   1, 2, 5, 5, 'were among the best, have not bought for long'),
  (9,  'At risk',            1, 2, 3, 4, 'spent well and often, but long ago'),
  (10, 'Hibernating',        2, 2, 1, 2, 'low spend, low frequency, last purchase long ago'),
  (11, 'Lost',               1, 1, 1, 2, 'lowest recency, frequency and spend')
) AS t(rule_order, segment, r_min, r_max, fm_min, fm_max, description);

-- A view over every buyer (the quintiles rank against all), written to gold.rfm for the run's
-- scope by features::WriteScoped, then copied to gold.customer_scores (models/rfm.cc).
CREATE OR REPLACE TEMP VIEW ci_rfm AS
WITH buyers AS (
  SELECT customer_id, recency_days, frequency, lifetime_value AS monetary, as_of
  FROM gold.customer_features WHERE frequency > 0),
scored AS (
  SELECT *,
         least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY recency_days DESC)))::INTEGER AS r_score,
         least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY frequency)))::INTEGER AS f_score,
         least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY monetary)))::INTEGER AS m_score
  FROM buyers),
with_fm AS (
  SELECT *, round((f_score + m_score) / 2.0 + 1e-9)::INTEGER AS fm_score FROM scored)
SELECT s.customer_id, s.recency_days, s.frequency, s.monetary, s.r_score, s.f_score, s.m_score,
       s.fm_score, s.r_score::VARCHAR || s.f_score::VARCHAR || s.m_score::VARCHAR AS rfm_cell,
       (SELECT segment FROM gold.rfm_rules u
        WHERE s.r_score BETWEEN u.r_min AND u.r_max AND s.fm_score BETWEEN u.fm_min AND u.fm_max
        ORDER BY u.rule_order LIMIT 1) AS rfm_segment,
       s.as_of
FROM with_fm s;
