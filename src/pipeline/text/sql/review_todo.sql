-- Reviews whose inputs changed since they were last analysed (or never were), numbered 0..n-1
-- for chunked reading. Variables: text_fingerprint (AnalyzerFingerprint), text_batch_id (NULL =
-- every review, else only the rows of that ingest batch), text_as_of (the run's as-of: reviews
-- written after it are not analysed; NULL = every review). Timestamps enter the hash as epoch
-- microseconds (no time-zone formatting per row).
CREATE OR REPLACE TEMP TABLE {todo} AS
WITH src AS (
  SELECT review_id AS id, customer_id, product_id, rating, created_at, title, review_text AS body,
         sha256(to_json([getvariable('text_fingerprint'), customer_id, product_id, rating::VARCHAR,
                         title, review_text, epoch_us(created_at)::VARCHAR])::VARCHAR) AS input_hash
  FROM silver.reviews_as_of(getvariable('text_as_of'))
  WHERE getvariable('text_batch_id') IS NULL OR _batch_id = getvariable('text_batch_id'))
SELECT (row_number() OVER ()) - 1 AS rn, s.*
FROM src s LEFT JOIN gold.review_insights i ON i.review_id = s.id
WHERE i.input_hash IS DISTINCT FROM s.input_hash;
