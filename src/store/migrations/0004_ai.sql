-- AI layer (issue 6): the cache of backend outputs, and budget usage per run and tenant/day.
CREATE SCHEMA IF NOT EXISTS meta;

-- One row per distinct AI call. key = sha256 of everything that determines the output
-- (backend, model file sha256, template id+version, sampling parameters, seed, max tokens,
-- grammar/schema/choices, input). Failures and fallbacks are never stored here.
CREATE TABLE meta.ai_cache (
  key VARCHAR PRIMARY KEY,
  op VARCHAR NOT NULL,              -- generate | choose | json | embed | rerank | sentiment | ...
  backend VARCHAR NOT NULL,
  model VARCHAR,
  model_sha256 VARCHAR,
  engine_version VARCHAR,           -- llama.cpp version or server-reported model id
  template_id VARCHAR,
  output VARCHAR NOT NULL,          -- the result, serialised (text, JSON, or a JSON array)
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  created_at TIMESTAMPTZ DEFAULT current_timestamp,
  hits BIGINT DEFAULT 0
);

-- Spend per scope ('run:<id>' or 'tenant:<name>:<yyyy-mm-dd>'), for budgets.
CREATE TABLE meta.ai_usage (
  scope VARCHAR PRIMARY KEY,
  calls BIGINT NOT NULL DEFAULT 0,
  tokens BIGINT NOT NULL DEFAULT 0,
  updated_at TIMESTAMPTZ DEFAULT current_timestamp
);

-- Where a budgeted step stopped, so the next run resumes after the last written row.
CREATE TABLE meta.ai_checkpoints (
  step VARCHAR PRIMARY KEY,
  last_key VARCHAR,
  rows_done BIGINT,
  stopped_reason VARCHAR,
  updated_at TIMESTAMPTZ DEFAULT current_timestamp
);
