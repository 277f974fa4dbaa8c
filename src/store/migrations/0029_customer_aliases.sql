-- Person ids (issue 27 item 2). A customers file may map the id the other tables carry — an
-- order-level or account-level id, the alias — to the id of the person (`--map
-- customer_id=<person column>,alias_id=<the id orders carry>`). Ingest keeps every pair here and
-- files every order, event, review and ticket naming an alias under its person, whichever file
-- arrives first; a customer implied by an alias (before the customers file came) is merged away.
ALTER TABLE silver.customers ADD COLUMN alias_id VARCHAR;
CREATE TABLE silver.customer_aliases (
  alias_id VARCHAR PRIMARY KEY,
  customer_id VARCHAR NOT NULL,
  _batch_id BIGINT
);
