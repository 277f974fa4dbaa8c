-- The silver contract (DESIGN.md §4), the quarantine, and the engine's own bookkeeping.
CREATE SCHEMA IF NOT EXISTS bronze;
CREATE SCHEMA IF NOT EXISTS silver;
CREATE SCHEMA IF NOT EXISTS gold;
CREATE SCHEMA IF NOT EXISTS meta;

CREATE TABLE silver.customers (
  customer_id VARCHAR NOT NULL, email VARCHAR, first_name VARCHAR, last_name VARCHAR,
  segment VARCHAR, plan VARCHAR, region VARCHAR, account_id VARCHAR,
  acquisition_date TIMESTAMPTZ, last_active_date TIMESTAMPTZ, attributes JSON,
  _batch_id BIGINT, _row_hash UBIGINT);
CREATE TABLE silver.orders (
  order_id VARCHAR NOT NULL, customer_id VARCHAR, ordered_at TIMESTAMPTZ, amount DOUBLE,
  currency VARCHAR, status VARCHAR, channel VARCHAR, attributes JSON, _batch_id BIGINT, _row_hash UBIGINT);
CREATE TABLE silver.order_items (
  order_id VARCHAR NOT NULL, product_id VARCHAR NOT NULL, quantity DOUBLE, unit_price DOUBLE,
  attributes JSON, _batch_id BIGINT, _row_hash UBIGINT);
CREATE TABLE silver.products (
  product_id VARCHAR NOT NULL, name VARCHAR, category VARCHAR, price DOUBLE, attributes JSON,
  _batch_id BIGINT, _row_hash UBIGINT);
CREATE TABLE silver.events (
  event_id VARCHAR NOT NULL, customer_id VARCHAR, event_type VARCHAR, channel VARCHAR,
  occurred_at TIMESTAMPTZ, content VARCHAR, properties JSON, attributes JSON, _batch_id BIGINT, _row_hash UBIGINT);
CREATE TABLE silver.reviews (
  review_id VARCHAR NOT NULL, customer_id VARCHAR, product_id VARCHAR, rating INTEGER,
  title VARCHAR, review_text VARCHAR, verified_purchase BOOLEAN, helpful_count INTEGER,
  created_at TIMESTAMPTZ, attributes JSON, _batch_id BIGINT, _row_hash UBIGINT);
CREATE TABLE silver.tickets (
  ticket_id VARCHAR NOT NULL, customer_id VARCHAR, category VARCHAR, priority VARCHAR,
  subject VARCHAR, description VARCHAR, resolution VARCHAR, satisfaction_score INTEGER,
  created_at TIMESTAMPTZ, resolved_at TIMESTAMPTZ, attributes JSON, _batch_id BIGINT, _row_hash UBIGINT);
CREATE TABLE silver.notes (
  note_id VARCHAR NOT NULL, title VARCHAR, body VARCHAR, tags VARCHAR, attributes JSON,
  _batch_id BIGINT, _row_hash UBIGINT);

-- Rows that failed conformance: kept with where they came from and why.
-- Bronze: bronze.<kind> tables (every source row verbatim, VARCHAR columns + _source, _line,
-- _loaded_at, _batch_id, _row_hash; append-only) are created by the first ingest of a kind.

CREATE TABLE bronze.rejects (
  kind VARCHAR, _source VARCHAR, _line BIGINT, _batch_id BIGINT, column_name VARCHAR,
  reason VARCHAR, raw JSON, rejected_at TIMESTAMPTZ DEFAULT current_timestamp);

CREATE SEQUENCE meta.batch_seq START 1;
CREATE TABLE meta.ingest_batches (
  batch_id BIGINT, kind VARCHAR, source VARCHAR, format VARCHAR, source_hash VARCHAR,
  rows_read BIGINT, loaded BIGINT, updated BIGINT, unchanged BIGINT, rejected BIGINT,
  loaded_at TIMESTAMPTZ DEFAULT current_timestamp);
CREATE TABLE meta.runs (
  run_id BIGINT, as_of TIMESTAMPTZ, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
  status VARCHAR, steps JSON);
