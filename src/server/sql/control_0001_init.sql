-- The control database of `custintel serve` (data-dir/control.duckdb): who may call, what
-- they did, what they spent, and what ran. Tenant data lives in tenants/<name>.duckdb.
CREATE SCHEMA IF NOT EXISTS serving;

CREATE TABLE serving.tenants (
  name VARCHAR PRIMARY KEY, tier VARCHAR NOT NULL, created_at TIMESTAMPTZ DEFAULT current_timestamp);

-- key_hash = BLAKE2b-256(key_id ':' secret); the secret itself is never stored.
CREATE TABLE serving.api_keys (
  key_id VARCHAR PRIMARY KEY, tenant VARCHAR NOT NULL, role VARCHAR NOT NULL,
  scope_account VARCHAR, tier VARCHAR NOT NULL, key_hash VARCHAR NOT NULL, label VARCHAR,
  created_at TIMESTAMPTZ DEFAULT current_timestamp, revoked_at TIMESTAMPTZ);

-- One row per request that read customer-level data or used AI (and every refused one).
CREATE TABLE serving.audit_log (
  logged_at TIMESTAMPTZ, request_id VARCHAR, key_id VARCHAR, tenant VARCHAR, role VARCHAR,
  scope_account VARCHAR, method VARCHAR, route VARCHAR, path VARCHAR, prompt_summary VARCHAR,
  tables_touched VARCHAR, rows_returned BIGINT, response_summary VARCHAR, status INTEGER,
  uses_ai BOOLEAN, duration_ms DOUBLE);

CREATE TABLE serving.usage (
  tenant VARCHAR, day DATE, requests BIGINT, ai_calls BIGINT, rate_limited BIGINT,
  PRIMARY KEY (tenant, day));

CREATE SEQUENCE serving.job_seq START 1;
CREATE TABLE serving.jobs (
  job_id BIGINT, tenant VARCHAR, kind VARCHAR, trigger VARCHAR, status VARCHAR,
  started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, run_id BIGINT, message VARCHAR);
