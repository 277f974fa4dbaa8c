-- Provenance of AI-written rows (issue 6 item 5): with backend and model (0003), every row the
-- text step writes records what reproduces it. model_sha256: the GGUF file's sha256 (builtin:
-- the analyzer assets' fingerprint); engine_version: llama.cpp build, server model id, or
-- custintel's version; template: the prompt templates used, "id@version" space-separated
-- (sentiment, themes, summary); cache_key: their meta.ai_cache keys in the same order. The
-- builtin engine is not cached: template and cache_key are NULL there, and input_hash with
-- model_sha256 reproduce the row. ADD COLUMN IF NOT EXISTS keeps this safe to re-run.
ALTER TABLE gold.review_insights ADD COLUMN IF NOT EXISTS model_sha256 VARCHAR;
ALTER TABLE gold.review_insights ADD COLUMN IF NOT EXISTS engine_version VARCHAR;
ALTER TABLE gold.review_insights ADD COLUMN IF NOT EXISTS template VARCHAR;
ALTER TABLE gold.review_insights ADD COLUMN IF NOT EXISTS cache_key VARCHAR;
ALTER TABLE gold.ticket_insights ADD COLUMN IF NOT EXISTS model_sha256 VARCHAR;
ALTER TABLE gold.ticket_insights ADD COLUMN IF NOT EXISTS engine_version VARCHAR;
ALTER TABLE gold.ticket_insights ADD COLUMN IF NOT EXISTS template VARCHAR;
ALTER TABLE gold.ticket_insights ADD COLUMN IF NOT EXISTS cache_key VARCHAR;
-- interaction_sentiment: the sentiment task only (template and cache_key of sentiment).
ALTER TABLE gold.interaction_sentiment ADD COLUMN IF NOT EXISTS backend VARCHAR;
ALTER TABLE gold.interaction_sentiment ADD COLUMN IF NOT EXISTS model VARCHAR;
ALTER TABLE gold.interaction_sentiment ADD COLUMN IF NOT EXISTS model_sha256 VARCHAR;
ALTER TABLE gold.interaction_sentiment ADD COLUMN IF NOT EXISTS engine_version VARCHAR;
ALTER TABLE gold.interaction_sentiment ADD COLUMN IF NOT EXISTS template VARCHAR;
ALTER TABLE gold.interaction_sentiment ADD COLUMN IF NOT EXISTS cache_key VARCHAR;
