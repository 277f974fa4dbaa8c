-- Incremental runs (issue 3 item 7; src/pipeline/plan.h). What each run saw, so the next run
-- can recompute only the customers whose inputs changed since:
--   mode, reason       'full' or 'incremental', and why
--   watermark          the highest ingest batch id committed when the run started
--   open_batches       batch ids ≤ watermark not committed then (an ingest in flight, or
--                      rolled back): the next run treats their rows as new
--   fingerprint        sha256 of the settings that, changed, force a full run
--   silver_rows        per silver table {rows, unbatched}: to notice changes made outside ingest
--   scoped_customers   customers recomputed by an incremental run (NULL for a full run)
ALTER TABLE meta.runs ADD COLUMN mode VARCHAR;
ALTER TABLE meta.runs ADD COLUMN reason VARCHAR;
ALTER TABLE meta.runs ADD COLUMN watermark BIGINT;
ALTER TABLE meta.runs ADD COLUMN open_batches BIGINT[];
ALTER TABLE meta.runs ADD COLUMN fingerprint VARCHAR;
ALTER TABLE meta.runs ADD COLUMN silver_rows JSON;
ALTER TABLE meta.runs ADD COLUMN scoped_customers BIGINT;

-- Rows of silver that an ingest batch replaced (a changed row with the same natural key): the
-- replaced row's batch and the customer it belonged to (through its order for order_items),
-- or its product_id for products. The replacing row carries the new batch id in silver, so the
-- old owner of a row that moved between customers is not lost to the next incremental run.
CREATE TABLE meta.replaced_rows (
  batch_id BIGINT, kind VARCHAR, replaced_batch_id BIGINT, customer_id VARCHAR, product_id VARCHAR);
