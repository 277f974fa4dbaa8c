-- Insights (issue 7, src/insight/step.h): the texts written from facts and snippets, and the
-- playbook their actions come from. Every written row carries who wrote it (writer: builtin |
-- llm | builtin_fallback; backend, model), what it was written from (input_hash = the fact
-- sheet's InputHash; snippet_ids = the snippets it cites), when, and how well it is grounded
-- (grounding_score in [0, 1]; grounding_flags = the evaluator's flags as JSON). A subject is
-- rewritten only when its input_hash changes (or on `custintel insights --refresh`).

-- The playbook: actions by theme, churn driver or strategy. Seeded from
-- src/insight/assets/playbook.csv on first use; edit it with SQL (see src/insight/README.md).
CREATE TABLE meta.insight_playbook (
  key VARCHAR NOT NULL, kind VARCHAR NOT NULL,   -- kind: theme | driver | strategy | message
  title VARCHAR, action VARCHAR, expected_impact VARCHAR,
  updated_at TIMESTAMPTZ DEFAULT current_timestamp);

CREATE TABLE gold.segment_insights (
  segment VARCHAR NOT NULL, who VARCHAR, why VARCHAR, action VARCHAR, text VARCHAR,
  profile JSON, strategies JSON, facts JSON,
  base_facts JSON, previous_facts JSON,          -- the values the *_vs_prev deltas compare
  snippet_ids JSON, writer VARCHAR, backend VARCHAR, model VARCHAR, input_hash VARCHAR,
  generated_at TIMESTAMPTZ, grounding_score DOUBLE, grounding_flags JSON);

-- One row per customer (subject_kind 'customer', customer_id set) and per account_id
-- (subject_kind 'account', customer_id NULL).
CREATE TABLE gold.account_summaries (
  subject_kind VARCHAR NOT NULL, subject_id VARCHAR NOT NULL, customer_id VARCHAR, account_id VARCHAR,
  churn_risk DOUBLE, summary VARCHAR, next_best_actions JSON,
  snippet_ids JSON, writer VARCHAR, backend VARCHAR, model VARCHAR, input_hash VARCHAR,
  generated_at TIMESTAMPTZ, grounding_score DOUBLE, grounding_flags JSON);

-- Customers whose churn risk is above the threshold, with a strategy from their own drivers.
CREATE TABLE gold.retention_strategies (
  customer_id VARCHAR NOT NULL, churn_risk DOUBLE, drivers JSON, strategy VARCHAR, actions JSON,
  snippet_ids JSON, writer VARCHAR, backend VARCHAR, model VARCHAR, input_hash VARCHAR,
  generated_at TIMESTAMPTZ, grounding_score DOUBLE, grounding_flags JSON);

-- Personalised recommendations; priority 1..100 rises with churn risk. A table of its own:
-- gold.recommendations is rebuilt by the recommendations step on every run.
CREATE TABLE gold.personal_recommendations (
  customer_id VARCHAR NOT NULL, rec_type VARCHAR NOT NULL,   -- product | retention | upsell
  title VARCHAR, description VARCHAR, priority INTEGER, product_name VARCHAR, churn_risk DOUBLE,
  snippet_ids JSON, writer VARCHAR, backend VARCHAR, model VARCHAR, input_hash VARCHAR,
  generated_at TIMESTAMPTZ, grounding_score DOUBLE, grounding_flags JSON);

-- One message (<= 140 characters) per targeted customer, to send at their usual order time.
CREATE TABLE gold.notifications (
  customer_id VARCHAR NOT NULL, message VARCHAR, product_name VARCHAR, send_weekday VARCHAR,
  send_hour INTEGER, offer BOOLEAN, churn_risk DOUBLE,
  snippet_ids JSON, writer VARCHAR, backend VARCHAR, model VARCHAR, input_hash VARCHAR,
  generated_at TIMESTAMPTZ, grounding_score DOUBLE, grounding_flags JSON);

-- The latest run's figures in a paragraph (one row; the figures' history is gold.executive_metrics).
CREATE TABLE gold.executive_summary (
  run_id BIGINT, as_of TIMESTAMPTZ, summary VARCHAR, facts JSON,
  snippet_ids JSON, writer VARCHAR, backend VARCHAR, model VARCHAR, input_hash VARCHAR,
  generated_at TIMESTAMPTZ, grounding_score DOUBLE, grounding_flags JSON);
