-- What reproduces an LLM-written insight row: ai::Provenance as JSON (backend, model, model
-- sha256, engine version, template, cache key); NULL for rows written by the builtin templates.
ALTER TABLE gold.segment_insights ADD COLUMN provenance JSON;
ALTER TABLE gold.account_summaries ADD COLUMN provenance JSON;
ALTER TABLE gold.retention_strategies ADD COLUMN provenance JSON;
ALTER TABLE gold.personal_recommendations ADD COLUMN provenance JSON;
ALTER TABLE gold.notifications ADD COLUMN provenance JSON;
ALTER TABLE gold.executive_summary ADD COLUMN provenance JSON;
