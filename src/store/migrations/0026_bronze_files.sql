-- Bronze as files (store/bronze.h): each batch's raw rows are <db>.bronze/<kind>/<batch_id>.parquet,
-- recorded here in the transaction that commits the batch, and read through the view bronze.<kind>.
-- After this SQL the migration's C++ step (MoveBronzeTablesToFiles) writes every existing
-- bronze.<kind> table's rows to one file per batch and replaces the table by the view.
CREATE TABLE IF NOT EXISTS meta.bronze_batches (
  kind VARCHAR NOT NULL, batch_id BIGINT NOT NULL, rows BIGINT,
  written_at TIMESTAMPTZ DEFAULT current_timestamp, PRIMARY KEY (kind, batch_id));

-- Content keys of the files bronze holds (one copy of a re-ingested file); formerly created by
-- the first ingest.
CREATE TABLE IF NOT EXISTS meta.bronze_files (kind VARCHAR, content_key VARCHAR, rows BIGINT,
  source VARCHAR, batch_id BIGINT, loaded_at TIMESTAMPTZ);
